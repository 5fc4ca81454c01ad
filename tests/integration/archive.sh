#!/bin/sh
# Archiving (docs/archive.md) through the real hook and the stand-in
# qmail-queue: the archive copy is byte for byte what qmail-queue got,
# with the envelope exactly (bytes outside printable ASCII included), in
# both envelope layouts; the regex selects by sender or recipient;
# quarantined mail archived by the setting only; an archive that cannot
# be written tempfails (53) by default and passes with a log line by the
# setting; qscan cleanup ages archive copies; the same through qscand,
# with rename_repeated_headers (the renamed copy queued and archived).
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
TAB=$(printf '\t')
printf 'Subject:%s.*free money.*%sScam subject\n' "$TAB" "$TAB" > "$T/policy.rules"
qs_setup "policy_file = $T/policy.rules"
cp "$T/qscan.conf" "$T/base.conf"
A=$T/spool/archive

# conf LINE...: the base configuration and these lines after it.
conf() {
	cp "$T/base.conf" "$T/qscan.conf"
	for _l in "$@"; do echo "$_l"; done >> "$T/qscan.conf"
}
# The archive copies in new/, one a line.
copies() {
	ls "$A/new"
}
# One <prefix>-NAME value of a copy's lines.
copy_field() {
	LC_ALL=C sed -n "s/^X-Qscan-$2: //p" "$1" | head -n 1
}
# check_copy FILE LAYOUT MESSAGE ENVELOPE WHAT: FILE holds MESSAGE
# exactly and ENVELOPE exactly, in LAYOUT (append or headers).
check_copy() {
	f=$1
	len=$(copy_field "$f" Archive-Message)
	[ "$len" = "$(wc -c < "$3")" ] ||
	    fail "$2: Archive-Message $len, the message has $(wc -c < "$3") bytes"
	if [ "$2" = append ]; then
		head -c "$len" "$f" | cmp -s - "$3" ||
		    fail "append: the copy's first $len bytes are not the message"
		tail -c +"$((len + 1))" "$f" > "$T/trailer"
		head -n 2 "$T/trailer" | tr '\n' '|' | grep -q '^|X-Qscan-Archive-Trailer: follows|$' ||
		    fail "append: no trailer after the message: $(head -n 2 "$T/trailer")"
		lines=$T/trailer
	else
		hl=$(sed -n '/^X-Qscan-Archive-Message: /{=;q;}' "$f")
		head -n "$hl" "$f" > "$T/lines"
		tail -n +"$((hl + 1))" "$f" | cmp -s - "$3" ||
		    fail "headers: the bytes after our lines are not the message"
		lines=$T/lines
	fi
	copy_field "$lines" Envelope-Raw | base64 -d | cmp -s - "$4" ||
	    fail "$2: Envelope-Raw is not the envelope"
	[ "$(copy_field "$lines" Archived)" = "$5" ] ||
	    fail "$2: Archived: $(copy_field "$lines" Archived), expected $5"
}

# Sender and recipients with bytes outside printable ASCII (a control
# byte, Latin-1, UTF-8, a TAB), kept exactly in Envelope-Raw.
printf 'Fal\001ice\377@a.example\0Tbob\t@b.example\0Tcarol\303\251@c.example\0\0' > "$T/e"
qs_msg "$T/m" hello

# 1. archive = yes, envelope appended (the default layout).
conf "[archive]" "archive = yes"
qs_run "$T/m" "$T/e"
expect_rc 0 "archive yes"
[ "$(copies | wc -l)" = 1 ] || fail "archive yes: $(copies | wc -l) copies"
c=$A/new/$(copies)
check_copy "$c" append "$T/rec/message" "$T/e" delivered
cmp -s "$T/rec/envelope" "$T/e" || fail "archive yes: envelope changed"
tail -n +2 "$T/rec/message" | cmp -s - "$T/m" || fail "archive yes: delivered bytes changed"
# Readable lines: control bytes as '?', the rest as it came.
LC_ALL=C grep -aq "^X-Qscan-Envelope-From: <al?ice$(printf '\377')@a.example>\$" "$c" ||
    fail "append: Envelope-From: $(grep -a Envelope-From "$c")"
LC_ALL=C grep -aq '^X-Qscan-Envelope-To: <bob?@b.example>$' "$c" || fail "append: Envelope-To bob"
[ "$(grep -ac '^X-Qscan-Envelope-To: ' "$c")" = 2 ] || fail "append: not two Envelope-To lines"
[ "$(qs_field archive)" = "$(copies)" ] || fail "summary archive= $(qs_field archive), copy $(copies)"
[ -z "$(ls -A "$A/tmp")" ] || fail "archive yes: files left in archive/tmp"
expect_work_empty "archive yes"
pass "archive = yes: the copy is the delivered message and the exact envelope, appended"

# 2. envelope = headers.
rm -f "$A/new"/*
conf "[archive]" "archive = yes" "envelope = headers"
qs_run "$T/m" "$T/e"
expect_rc 0 "envelope headers"
[ "$(copies | wc -l)" = 1 ] || fail "envelope headers: $(copies | wc -l) copies"
check_copy "$A/new/$(copies)" headers "$T/rec/message" "$T/e" delivered
head -n 1 "$A/new/$(copies)" | grep -q '^X-Qscan-Archived: delivered$' ||
    fail "headers: first line $(head -n 1 "$A/new/$(copies)")"
pass "envelope = headers: our lines first, then the delivered message exactly"

# 3. A regex: a recipient matches, the sender matches, nothing matches.
rm -f "$A/new"/*
conf "[archive]" "archive = ^CAROL.*@c\\.example\$"
qs_run "$T/m" "$T/e"
[ "$(copies | wc -l)" = 1 ] || fail "regex on a recipient (any case): $(copies | wc -l) copies"
qs_env "$T/e2" dave@d.example erin@e.example
qs_run "$T/m" "$T/e2"
expect_rc 0 "regex, no match"
[ "$(copies | wc -l)" = 1 ] || fail "regex, no match: archived anyway"
[ -z "$(qs_field archive)" ] || fail "regex, no match: summary archive=$(qs_field archive)"
conf "[archive]" "archive = ^dave@"
qs_run "$T/m" "$T/e2"
[ "$(copies | wc -l)" = 2 ] || fail "regex on the sender: not archived"
pass "archive = REGEX: by a recipient (case-insensitive), by the sender, not when neither matches"

# 4. A bad regex is the configuration's error (lint), not a message's.
conf "[archive]" "archive = (unclosed"
env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" lint > "$T/out" 2>&1 &&
    fail "lint took a bad archive regex"
grep -q 'archive.*takes no, yes or a regular expression' "$T/out" || fail "lint: $(cat "$T/out")"
pass "a bad archive regex: qscan lint says what it takes"

# 5. Quarantined mail: archived only with quarantined = yes, as received.
rm -f "$A/new"/*
qs_msg "$T/spam" "get free money now"
conf "[archive]" "archive = yes"
qs_standin 0
qs_run "$T/spam" "$T/e"
expect_rc 0 "quarantined, quarantined = no"
[ "$(qs_field action)" = quarantine ] || fail "policy: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "policy: delivered"
[ -z "$(copies)" ] || fail "quarantined = no: archived anyway"
conf "[archive]" "archive = yes" "quarantined = yes"
qs_run "$T/spam" "$T/e"
expect_rc 0 "quarantined, quarantined = yes"
[ "$(copies | wc -l)" = 1 ] || fail "quarantined = yes: $(copies | wc -l) copies"
check_copy "$A/new/$(copies)" append "$T/spam" "$T/e" quarantined
[ -n "$(qs_field quarantine)" ] && [ -f "$T/spool/quarantine/policy/new/$(qs_field quarantine)" ] ||
    fail "summary quarantine=$(qs_field quarantine) names no entry"
pass "quarantined: archived (the message as received) only with quarantined = yes"

# 6. archive/ unwritable: 53 and nothing delivered; pass: delivered, logged.
rm -f "$A/new"/*
rmdir "$A/tmp"
conf "[archive]" "archive = yes"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 53 "archive/tmp missing"
[ ! -f "$T/rec/message" ] || fail "archive/tmp missing: delivered without its copy"
grep -q "archive $A: open: No such file or directory; archive_failure_action tempfail" "$T/stderr" ||
    fail "archive/tmp missing: log: $(cat "$T/stderr")"
[ "$(qs_field action)" = tempfail ] || fail "archive/tmp missing: $(qs_last)"
conf "[archive]" "archive = yes" "failure_action = pass"
qs_run "$T/m" "$T/e"
expect_rc 0 "archive/tmp missing, failure_action pass"
tail -n +2 "$T/rec/message" | cmp -s - "$T/m" || fail "failure_action pass: not delivered whole"
grep -q "archive $A: open: No such file or directory; archive_failure_action pass: delivered without its archive copy" "$T/stderr" ||
    fail "failure_action pass: log: $(cat "$T/stderr")"
# The quarantine entry stays unwritten too when its archive copy fails.
conf "[archive]" "archive = yes" "quarantined = yes"
n=$(ls "$T/spool/quarantine/policy/new" | wc -l)
qs_run "$T/spam" "$T/e"
expect_rc 53 "quarantined, archive/tmp missing"
[ "$(ls "$T/spool/quarantine/policy/new" | wc -l)" = "$n" ] || fail "quarantined although the archive copy failed"
install -d -m 0700 -o "$(stat -c %u "$A/new")" -g "$(stat -c %g "$A/new")" "$A/tmp"
pass "archive unwritable: exit 53, nothing delivered or quarantined; failure_action = pass delivers and logs"

# 7. qscan cleanup ages archive copies by archive_days.
conf "[archive]" "archive = yes" "[cleanup]" "archive_days = 3"
qs_run "$T/m" "$T/e"
expect_rc 0 "cleanup: first copy"
qs_run "$T/m" "$T/e"
expect_rc 0 "cleanup: second copy"
old=$(copies | head -n 1)
[ -n "$old" ] || fail "cleanup: no archive copy to age"
touch -d '5 days ago' "$A/new/$old"
env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" cleanup > "$T/out" 2>&1 ||
    fail "cleanup: $(cat "$T/out")"
grep -q "^removed archive copy $A/new/$old (5 days old" "$T/out" || fail "cleanup: $(cat "$T/out")"
[ "$(copies | wc -l)" = 1 ] || fail "cleanup: $(copies | wc -l) copies left, expected 1"
pass "qscan cleanup removes archive copies past archive_days, keeps the rest"

# 8. Through qscand: the worker archives before the hook queues; with
# rename_repeated_headers the hook queues the renamed copy, and the
# archive holds that copy.
rm -f "$A/new"/*
conf "[archive]" "archive = yes" "[headers]" "rename_repeated_headers = yes"
printf 'From: a@a.example\nSubject: twice\nContent-Type: text/plain\nContent-Type: text/html\n\nhi\n' > "$T/twice"
printf 'From: a@a.example\nSubject: twice\nContent-Type: text/plain\nX-Qscan-Renamed-Content-Type: text/html\n\nhi\n' > "$T/twice.renamed"
svc_conf
svc_start
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 0 "through qscand"
grep -q "service unavailable" "$T/stderr" && fail "through qscand: the hook fell back"
[ "$(copies | wc -l)" = 1 ] || fail "through qscand: $(copies | wc -l) copies"
check_copy "$A/new/$(copies)" append "$T/rec/message" "$T/e" delivered
rm -f "$A/new"/*
qs_standin 0
svc_run "$T/twice" "$T/e"
svc_wait
expect_rc 0 "through qscand, repeated headers"
tail -n +2 "$T/rec/message" | cmp -s - "$T/twice.renamed" || fail "through qscand: not the renamed copy"
check_copy "$A/new/$(copies)" append "$T/rec/message" "$T/e" delivered
svc_stop
pass "through qscand: the same archive copy; the renamed copy queued and archived"
