#!/bin/sh
# A clean message reaches qmail-queue byte-identical apart from the one
# trace header, the envelope unchanged, QMAILQUEUE gone from its environment.
. "$(dirname "$0")/lib.sh"
qs_setup

check_delivery() {
	what=$1
	expect_rc 0 "$what"
	[ -f "$T/rec/message" ] || fail "$what: nothing reached qmail-queue"
	head -n 1 "$T/rec/message" | grep -q '^X-Qscan-Diagnostics: from 192\.0\.2\.7 by test\.example (envelope-from <alice@a\.example>, uid 0) with qscan-[0-9.]* (unpack: [0-9.]*\. Clear:RC:0(192\.0\.2\.7):\. Processed in [0-9.]* secs); ' ||
	    fail "$what: trace header: $(head -n 1 "$T/rec/message")"
	tail -n +2 "$T/rec/message" | cmp -s - "$2" || fail "$what: message bytes changed"
	cmp -s "$T/rec/envelope" "$3" || fail "$what: envelope changed"
	grep -q QMAILQUEUE "$T/rec/environ" && fail "$what: QMAILQUEUE passed on"
	grep -q '^TCPREMOTEIP=192.0.2.7$' "$T/rec/environ" || fail "$what: TCPREMOTEIP not passed on"
	grep -q 'QSCAN_CONFIG\|^PATH=\|LD_' "$T/rec/environ" && fail "$what: environment not reduced"
	[ "$(qs_field verdict)" = clean ] || fail "$what: verdict $(qs_field verdict)"
	[ "$(qs_field action)" = queue ] || fail "$what: action $(qs_field action)"
	expect_work_empty "$what"
	pass "$what"
}

qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example carol@c.example
qs_run "$T/m" "$T/e" QMAILQUEUE=/nonexistent/loop LD_PRELOAD=/nonexistent.so PATH=/x
check_delivery "small clean message" "$T/m" "$T/e"
qs_last | grep -q 'rcpt=bob@b.example,carol@c.example size=[0-9]* parts=1 ' || fail "summary line: $(qs_last)"
qs_last | grep -q 'ms=setup:[0-9.]*,spool:[0-9.]*,canary:[0-9.]*,unpack:[0-9.]*,av:[0-9.]*,queue:[0-9.]*,total:[0-9.]*$' || fail "stage times: $(qs_last)"

# Binary content, NUL bytes, no final newline, CRLF: all kept as they are.
{
	printf 'From: alice@a.example\r\nTo: bob@b.example\r\nSubject: bin\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b1\r\nContent-Type: application/octet-stream; name="x.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	head -c 3000 /dev/urandom | base64
	printf '\r\n--b1--\r\n'
	printf 'trailing\0nul\0bytes'
} > "$T/m2"
qs_run "$T/m2" "$T/e"
check_delivery "binary multipart message" "$T/m2" "$T/e"

# A 3 MB message: streamed through, not truncated.
qs_msg "$T/m0" big
{ cat "$T/m0"; head -c 3000000 /dev/urandom | base64; } > "$T/m3"
qs_run "$T/m3" "$T/e"
check_delivery "3 MB message" "$T/m3" "$T/e"
