#!/bin/sh
# Policy through the real broker: one message per rule type and per action,
# with the exit code, the quarantine folder and the log line checked; AV
# runs first, so a known virus stays a virus even when a rule matches too.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
TAB=$(printf '\t')
av_setup
cat > "$T/policy.rules" <<RULES
# Qmail-Scanner lines, unchanged: three fields mean quarantine.
.vbs${TAB}SIZE=-1${TAB}VBS scripts are not accepted
Subject:${TAB}.*free money.*${TAB}Scam subject
MAILFROM${TAB}.*@blocked\.example${TAB}Sender blocked
RCPTTO${TAB}trap@b\.example${TAB}Spam trap
REMOTEIPADDR${TAB}198\.51\.100\..*${TAB}Bad network
FILEDOUBLEBARRELED${TAB}.*${TAB}Double extension
# Our rule lines, one per action.
rule relay-ok relay and filename "*.bat" action pass
rule no-bat filename "*.bat" action reject "Batch files are not accepted"
rule outbreak header Subject /^Invoice [0-9]{6}\$/ action tempfail
rule junk sender "*@junk.example" action drop
rule big-pdf type "application/pdf" and size >20k action quarantine reason "PDF over 20k"
rule tag-it recipient "*@tagged.example" action tag "X-Policy-Tag: tagged"
rule watch ip 203.0.113.0/24 action monitor reason "watched network"
rule eicar-name filename "*.com" action reject "no .com"
RULES
av_conf clamav "policy_file = $T/policy.rules" "reject_text_fd = 0"
cp "$T/qscan.conf" "$T/qscan.policy"

# msg FILE SUBJECT [ATTACHMENT-NAME [CONTENT-TYPE [BYTES]]]
msg() {
	{
		printf 'From: a@a.example\nTo: b@b.example\nSubject: %s\nMIME-Version: 1.0\n' "$2"
		if [ -n "${3:-}" ]; then
			printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n'
			printf 'Content-Type: %s; name="%s"\nContent-Disposition: attachment; filename="%s"\nContent-Transfer-Encoding: base64\n\n' "${4:-application/octet-stream}" "$3" "$3"
			head -c "${5:-100}" /dev/zero | tr '\0' x | base64
			printf -- '--B--\n'
		else
			printf 'Content-Type: text/plain\n\nhello\n'
		fi
	} > "$1"
}

# expect WHAT EXIT VERDICT ACTION [FOLDER]: after qs_run.
expect() {
	expect_rc "$2" "$1"
	[ "$(qs_field verdict)" = "$3" ] || fail "$1: verdict $(qs_field verdict), expected $3: $(qs_last)"
	[ "$(qs_field action)" = "$4" ] || fail "$1: action $(qs_field action), expected $4: $(qs_last)"
	if [ -n "${5:-}" ]; then
		[ "$(ls "$T/spool/quarantine/$5/new" | wc -l)" = "$Q_BEFORE" ] &&
		    fail "$1: nothing new in quarantine/$5"
	fi
	case "$4" in
	queue) [ -f "$T/rec/message" ] || fail "$1: not queued" ;;
	*) [ ! -f "$T/rec/message" ] || fail "$1: queued anyway" ;;
	esac
	expect_work_empty "$1"
	pass "$1: exit $2, $3, $4${5:+ in quarantine/$5}"
}

run() {
	Q_BEFORE=$(ls "$T/spool/quarantine/policy/new" | wc -l)
	qs_standin 0
	qs_run "$@"
}

qs_env "$T/e" a@a.example b@b.example

msg "$T/m" "hello" "script.VBS"
run "$T/m" "$T/e"
expect "three-field filename line (.vbs, any size, any case)" 0 policy quarantine policy
f=$(ls -t "$T/spool/quarantine/policy/new" | head -n 1)
grep -q '^X-Qscan-Quarantine-Reason: policy: VBS scripts are not accepted' "$T/spool/quarantine/policy/new/$f" ||
    fail "quarantine reason: $(head -n 1 "$T/spool/quarantine/policy/new/$f")"
tail -n 1 "$T/spool/log/quarantine.log" | awk -F '\t' 'NF == 7 && $5 ~ /VBS scripts/ && $7 ~ /^[0-9]+\.M[0-9]+P/ { ok = 1 } END { exit !ok }' ||
    fail "quarantine.log: $(tail -n 1 "$T/spool/log/quarantine.log")"

msg "$T/m" "get free money now"
run "$T/m" "$T/e"
expect "three-field header line (Subject regex)" 0 policy quarantine policy

qs_env "$T/e2" spammer@blocked.example b@b.example
msg "$T/m" "hi"
run "$T/m" "$T/e2"
expect "virtual header MAILFROM" 0 policy quarantine policy

qs_env "$T/e2" a@a.example x@b.example trap@b.example
run "$T/m" "$T/e2"
expect "virtual header RCPTTO (any recipient)" 0 policy quarantine policy

run "$T/m" "$T/e" TCPREMOTEIP=198.51.100.9
expect "virtual header REMOTEIPADDR" 0 policy quarantine policy

msg "$T/m" "hi" "photo.jpg.pif"
run "$T/m" "$T/e"
expect "virtual header FILEDOUBLEBARRELED (double_extension anomaly)" 0 policy quarantine policy

msg "$T/m" "hi" "run.bat"
run "$T/m" "$T/e"
expect "reject rule (filename glob)" 31 policy reject
run "$T/m" "$T/e" RELAYCLIENT=
expect "pass rule before it for relay clients" 0 clean queue
sed -i 's/^reject_text_fd = 0$/reject_text_fd = 6/' "$T/qscan.conf"
# fd 6 as notqmail's qmail-smtpd gives it: a pipe it reads.
mkfifo "$T/fd6.fifo"
cat "$T/fd6.fifo" > "$T/fd6" &
reader=$!
run "$T/m" "$T/e" 6> "$T/fd6.fifo"
wait "$reader"
expect "reject rule with text on fd 6" 82 policy reject
grep -q '^DBatch files are not accepted (#5.7.1)$' "$T/fd6" || fail "fd 6 text: $(cat "$T/fd6")"
# A file on fd 6 is not qmail-smtpd's pipe: the plain 554.
run "$T/m" "$T/e" 6> "$T/fd6.file"
expect "reject rule, fd 6 a file and not a pipe" 31 policy reject
[ ! -s "$T/fd6.file" ] || fail "text written into a file on fd 6"
cp "$T/qscan.policy" "$T/qscan.conf"

msg "$T/m" "Invoice 123456"
run "$T/m" "$T/e"
expect "tempfail rule (header regex): the greylist" 71 policy tempfail

qs_env "$T/e2" bulk@junk.example b@b.example
msg "$T/m" "hi"
run "$T/m" "$T/e2"
expect "drop rule (sender glob)" 0 policy drop

msg "$T/m" "hi" "big.pdf" application/pdf 30000
run "$T/m" "$T/e"
expect "quarantine rule (declared type and size range)" 0 policy quarantine policy
msg "$T/m" "hi" "small.pdf" application/pdf 1000
run "$T/m" "$T/e"
expect "the same under the size range" 0 clean queue

qs_env "$T/e2" a@a.example b@tagged.example
run "$T/m" "$T/e2"
expect "tag rule (recipient glob)" 0 clean queue
grep -q '^X-Policy-Tag: tagged$' "$T/rec/message" || fail "tag header missing"

run "$T/m" "$T/e" TCPREMOTEIP=203.0.113.5
expect "monitor rule (CIDR): logged, delivered" 0 clean queue
grep -q "policy monitor: line [0-9]* watch: watched network" "$T/stderr" || fail "monitor not logged: $(cat "$T/stderr")"

# AV first: EICAR in eicar.com, a name the policy rejects, is a virus.
av_messages
Q_BEFORE=$(ls "$T/spool/quarantine/viruses/new" | wc -l)
qs_standin 0
qs_run "$T/msgs/nested/eicar-base64.eml" "$T/e"
expect_rc 0 "virus named .com"
[ "$(qs_field verdict)" = virus ] || fail "AV first: verdict $(qs_field verdict): $(qs_last)"
[ "$(ls "$T/spool/quarantine/viruses/new" | wc -l)" -gt "$Q_BEFORE" ] || fail "virus not in quarantine/viruses"
pass "AV before policy: EICAR in eicar.com is a virus, not policy"
