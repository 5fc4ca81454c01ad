#!/bin/sh
# The summary line (docs/summary-line.md): one line of each verdict and
# action through the real hook (clean, virus, policy quarantine, reject,
# tempfail and drop, tag and monitor hits, limits, an envelope refused,
# qmail-queue failing), each parsed by tests/summary_parse.py with its
# fields checked; a hostile subject forges no key and no line; and the
# descriptive header on a delivered message.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
PARSE=$QSCAN_SRC/tests/summary_parse.py
LOG=$T/spool/log/qscan.log
av_setup
av_messages
cat > "$T/policy.rules" <<'RULES'
rule no-bat filename "*.bat" action reject "Batch files are not accepted"
rule outbreak header Subject /^Invoice [0-9]{6}$/ action tempfail
rule junk sender "*@junk.example" action drop
rule hold-vbs filename "*.vbs" action quarantine reason "VBS held"
rule tag-it recipient "*@tagged.example" action tag "X-Policy-Tag: tagged"
rule watch ip 203.0.113.0/24 action monitor reason "watched network"
RULES
av_conf clamav "policy_file = $T/policy.rules" "reject_text_fd = 0"
cp "$T/qscan.conf" "$T/summary.conf"

# f KEY: the last line's KEY, decoded (lists joined by '|'); "" absent.
f() {
	python3 "$PARSE" json "$LOG" | tail -n 1 | python3 -c '
import json, sys
v = json.loads(sys.stdin.read()).get(sys.argv[1], "")
print("|".join(v) if isinstance(v, list) else v)' "$1"
}
# line WHAT EXIT VERDICT ACTION: one more summary line, which parses,
# with these values.
n_lines=0
line() {
	expect_rc "$2" "$1"
	n_lines=$((n_lines + 1))
	[ "$(wc -l < "$LOG")" = "$n_lines" ] || fail "$1: $(wc -l < "$LOG") lines, expected $n_lines"
	python3 "$PARSE" check "$LOG" || fail "$1: the summary line does not parse"
	[ "$(f verdict)" = "$3" ] && [ "$(f action)" = "$4" ] && [ "$(f exit)" = "$2" ] ||
	    fail "$1: verdict $(f verdict), action $(f action), exit $(f exit): $(qs_last)"
}
# msg FILE SUBJECT [ATTACHMENT-NAME [BYTES]]
msg() {
	{
		printf 'From: a@a.example\nTo: b@b.example\nSubject: %s\nMessage-ID: <id-%s@a.example>\nMIME-Version: 1.0\n' "$2" "${3:-none}"
		if [ -n "${3:-}" ]; then
			printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n'
			printf 'Content-Type: application/octet-stream; name="%s"\nContent-Disposition: attachment; filename="%s"\nContent-Transfer-Encoding: base64\n\n' "$3" "$3"
			head -c "${4:-100}" /dev/zero | tr '\0' x | base64
			printf -- '--B--\n'
		else
			printf 'Content-Type: text/plain\n\nhello\n'
		fi
	} > "$1"
}
rule_line() {
	grep -n "^rule $1 " "$T/policy.rules" | cut -d: -f1
}
qs_env "$T/e" a@a.example b@b.example

# clean, with an attachment: engines, attachment name and size, subject,
# Message-ID, client IP and relay flag.
msg "$T/m" "quarterly report" "report.pdf" 300
av_run "$T/m" "$T/e" RELAYCLIENT=
line "clean" 0 clean queue
[ "$(f attach)" = "report.pdf:300" ] || fail "clean: attach $(f attach)"
[ "$(f subject)" = "quarterly report" ] || fail "clean: subject $(f subject)"
[ "$(f msgid)" = "<id-report.pdf@a.example>" ] || fail "clean: msgid $(f msgid)"
[ "$(f ip)" = 192.0.2.7 ] && [ "$(f relay)" = 1 ] || fail "clean: ip $(f ip) relay $(f relay)"
f engines | grep -q '^clamav:clean:[0-9.]*$' || fail "clean: engines $(f engines)"
[ -z "$(f policy)" ] && [ -z "$(f quarantine)" ] && [ -z "$(f viruses)" ] || fail "clean: $(qs_last)"
head -n 3 "$T/rec/message" | grep -q '^X-Qscan-Diagnostics: ' || fail "clean: no trace header"
grep -q '^X-Qscan: ' "$T/rec/message" && fail "clean: a descriptive header while descriptive_header is off"
pass "clean: $(qs_last)"

# virus: quarantined, the engine's result and the name, the entry's id.
av_run "$T/msgs/nested/eicar-base64.eml" "$T/e"
line "virus" 0 virus quarantine
f engines | grep -q '^clamav:virus:' || fail "virus: engines $(f engines)"
f viruses | grep -q '^clamav:.*Eicar' || fail "virus: viruses $(f viruses)"
[ -f "$T/spool/quarantine/viruses/new/$(f quarantine)" ] || fail "virus: quarantine=$(f quarantine) names no entry"
[ "$(f attach)" = "eicar.com:68" ] || fail "virus: attach $(f attach)"
pass "virus: $(qs_last)"

# policy: quarantine, reject, tempfail, drop; each names its rule.
msg "$T/m" "script" "run.vbs"
av_run "$T/m" "$T/e"
line "policy quarantine" 0 policy quarantine
[ "$(f policy)" = "quarantine@$(rule_line hold-vbs):hold-vbs" ] || fail "policy quarantine: policy $(f policy)"
[ -f "$T/spool/quarantine/policy/new/$(f quarantine)" ] || fail "policy: quarantine=$(f quarantine)"
pass "policy quarantine: $(qs_last)"
msg "$T/m" "batch" "x.bat"
av_run "$T/m" "$T/e"
line "policy reject" 31 policy reject
[ "$(f policy)" = "reject@$(rule_line no-bat):no-bat" ] || fail "policy reject: policy $(f policy)"
pass "policy reject: $(qs_last)"
msg "$T/m" "Invoice 123456"
av_run "$T/m" "$T/e"
line "policy tempfail" 71 policy tempfail
pass "policy tempfail: $(qs_last)"
qs_env "$T/ej" x@junk.example b@b.example
msg "$T/m" "hello"
av_run "$T/m" "$T/ej"
line "policy drop" 0 policy drop
pass "policy drop: $(qs_last)"

# Hits that decide nothing: a tag rule and the DLP monitor, on the line.
qs_env "$T/et" a@a.example b@tagged.example
av_run "$T/m" "$T/et" TCPREMOTEIP=203.0.113.9
line "tag and monitor" 0 clean queue
[ "$(f policy)" = "tag@$(rule_line tag-it):tag-it|monitor@$(rule_line watch):watch" ] ||
    fail "tag and monitor: policy $(f policy)"
pass "tag and monitor hits: $(qs_last)"

# limits (max_message_bytes), an envelope refused, qmail-queue failing.
sed 's/^\[qscan\]$/[qscan]\nmax_message_bytes = 1024/' "$T/summary.conf" > "$T/qscan.conf"
msg "$T/big" "big" "big.bin" 4000
av_run "$T/big" "$T/e"
line "limits" 31 limits reject
cp "$T/summary.conf" "$T/qscan.conf"
pass "limits: $(qs_last)"
printf 'Fa@a.example\0Tb@b.example\0' > "$T/ebad"
av_run "$T/m" "$T/ebad"
line "truncated envelope" 54 tempfail tempfail
pass "envelope: $(qs_last)"
qs_standin 71
qs_run "$T/m" "$T/e"
line "qmail-queue 71" 71 clean queue-failed
pass "qmail-queue failing: $(qs_last)"

# A hostile subject and Message-ID: RFC 2047 hiding CR LF, spaces and
# "key=value" pairs, then 300 bytes of UTF-8: one line, one key each,
# decoded back exactly, cut at 200 bytes without splitting a character.
{
	printf 'From: a@a.example\nTo: b@b.example\n'
	printf 'Subject: =?UTF-8?B?%s?=\n' "$(printf 'x\r\nid=forged verdict=clean\tq%%s\\x41 %s' "$(printf 'é%.0s' $(seq 150))" | base64 -w0)"
	printf 'Message-ID: <a b=c,d@x>\n\nhi\n'
} > "$T/hostile"
qs_standin 0
qs_run "$T/hostile" "$T/e"
line "hostile subject" 0 clean queue
subj=$(python3 "$PARSE" json "$LOG" | tail -n 1 | python3 -c '
import json, sys
print(repr(json.loads(sys.stdin.read())["subject"]))')
want=$(python3 -c '
s = ("x\r\nid=forged verdict=clean\tq%s\\x41 " + "é" * 150).encode()
n = 200
while n and (s[n] & 0xc0) == 0x80: n -= 1
print(repr(s[:n].decode()))')
[ "$subj" = "$want" ] || fail "hostile subject: decoded $subj, expected $want"
[ "$(f msgid)" = "<a b=c,d@x>" ] || fail "hostile Message-ID: $(f msgid)"
qs_last | grep -q ' verdict=clean ' && [ "$(qs_last | grep -o ' verdict=' | wc -l)" = 1 ] ||
    fail "hostile subject: $(qs_last)"
pass "hostile subject: one line, one key, decoded exactly: $(qs_last | sed 's/.* subject=//; s/ .*//' | head -c 80)..."

# The descriptive header: after the trace header, named as set, the
# message after both unchanged; a name that is no header name refused.
{ cat "$T/summary.conf"; echo "[headers]"; echo "descriptive_header = true"; echo "descriptive_header_name = X-Qmail-Scanner"; } > "$T/qscan.conf"
msg "$T/m" "quarterly report" "report.pdf" 300
av_run "$T/m" "$T/e"
line "descriptive header" 0 clean queue
head -n 1 "$T/rec/message" | grep -q '^X-Qscan-Diagnostics: ' || fail "descriptive header: first line $(head -n 1 "$T/rec/message")"
sed -n 2p "$T/rec/message" | grep -q '^X-Qmail-Scanner: qscan-[0-9.]* (clamav: [0-9.]*/[^.]*\. unpack: [0-9.]*\. Clear:RC:0(192\.0\.2\.7):\. Processed in [0-9.]* secs)$' ||
    fail "descriptive header: $(sed -n 2p "$T/rec/message")"
tail -n +3 "$T/rec/message" | cmp -s - "$T/m" || fail "descriptive header: the message after the headers changed"
{ cat "$T/summary.conf"; echo "[headers]"; echo "descriptive_header_name = X Bad:"; } > "$T/qscan.conf"
env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" lint > "$T/out" 2>&1 && fail "lint took a bad header name"
grep -q 'descriptive_header_name.*takes a header name' "$T/out" || fail "lint: $(cat "$T/out")"
pass "descriptive header: $(sed -n 2p "$T/rec/message")"

# Repeated MIME headers: off by default (the message is delivered as it
# came); on, the later top-level copies are renamed, the rest unchanged.
{
	printf 'From: a@a.example\nTo: b@b.example\nSubject: twice\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=us-ascii\ncontent-type : text/html;\n\tcharset=utf-8\n'
	printf 'Content-Transfer-Encoding: 7bit\n\n<b>hi</b>\nContent-Type: in the body\n'
} > "$T/twice"
{
	printf 'From: a@a.example\nTo: b@b.example\nSubject: twice\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=us-ascii\nX-Qscan-Renamed-content-type : text/html;\n\tcharset=utf-8\n'
	printf 'Content-Transfer-Encoding: 7bit\n\n<b>hi</b>\nContent-Type: in the body\n'
} > "$T/twice.renamed"
cp "$T/summary.conf" "$T/qscan.conf"
av_run "$T/twice" "$T/e"
line "repeated headers, off" 0 clean queue
tail -n +2 "$T/rec/message" | cmp -s - "$T/twice" || fail "rename_repeated_headers off: the message changed"
{ cat "$T/summary.conf"; echo "[headers]"; echo "rename_repeated_headers = yes"; } > "$T/qscan.conf"
av_run "$T/twice" "$T/e"
line "repeated headers, on" 0 clean queue
tail -n +2 "$T/rec/message" | cmp -s - "$T/twice.renamed" ||
    { diff "$T/twice.renamed" "$T/rec/message" || true; fail "rename_repeated_headers on: not the renamed copy"; }
grep -q 'rename_repeated_headers: renamed 1 later MIME header' "$T/stderr" || fail "rename: no log line: $(cat "$T/stderr")"
# A message without repeats is not touched.
msg "$T/m" "once"
av_run "$T/m" "$T/e"
line "no repeated headers, on" 0 clean queue
tail -n +2 "$T/rec/message" | cmp -s - "$T/m" || fail "rename_repeated_headers on: a message without repeats changed"
pass "rename_repeated_headers: off by default, on renames the later top-level copy only"
