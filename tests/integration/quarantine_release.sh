#!/bin/sh
# The quarantine one works with (docs/quarantine.md): an EICAR message
# (clamav and clamd) and a policy block quarantined through the real hook
# with envelope bytes outside printable ASCII; qscan list, show, release
# (the stand-in qmail-queue gets the original bytes and the original
# envelope, byte for byte), release --to, delete; the error paths
# (unknown id, path characters, a truncated entry, qmail-queue refusing);
# who may run it; qscan cleanup on aged files.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
TAB=$(printf '\t')
av_setup
av_messages
av_clamd_start
cat > "$T/policy.rules" <<RULES
Subject:${TAB}.*free money.*${TAB}Scam subject
RULES
av_conf both "policy_file = $T/policy.rules"
chmod 644 "$T/qscan.conf"
V=$T/msgs/nested/eicar-base64.eml
Q=$T/spool/quarantine
LOG=$T/spool/log/quarantine.log
QSCAN=$QSCAN_BUILD/broker/qscan

# qscan ARGS...: as root, our configuration; sets qrc, output in $T/out,
# $T/err.
qscan() {
	set +e
	env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN" "$@" > "$T/out" 2> "$T/err"
	qrc=$?
	set -e
}
expect_qrc() {
	[ "$qrc" = "$1" ] || { cat "$T/out" "$T/err"; fail "$2: qscan exit $qrc, expected $1"; }
}
# The id of the newest quarantine.log line (its seventh field).
last_id() {
	tail -n 1 "$LOG" | cut -f 7
}

# The envelope: sender and recipients with bytes outside printable ASCII
# (a control byte, a TAB, Latin-1 and UTF-8 bytes, a quote), which
# quarantine.log and the header lines show as '?', list and show as \xNN.
printf 'Fal\001ice\377@a.example\0Tbob\t@b.example\0Tcarol\303\251@c.example\0T"x y"@c.example\0\0' > "$T/e"

# 1. A virus, quarantined.
av_run "$V" "$T/e"
expect_rc 0 "virus"
[ "$(qs_field action)" = quarantine ] || fail "virus: $(qs_last)"
VID=$(last_id)
[ -n "$VID" ] && [ -f "$Q/viruses/new/$VID" ] || fail "quarantine.log's id $VID names no file in viruses/new"
pass "virus quarantined, quarantine.log names it: $VID"

# 2. A policy block, quarantined.
qs_msg "$T/policy.eml" "get free money now"
av_run "$T/policy.eml" "$T/e"
expect_rc 0 "policy"
[ "$(qs_field verdict)" = policy ] || fail "policy: $(qs_last)"
PID_=$(last_id)
[ -f "$Q/policy/new/$PID_" ] || fail "policy: no file $PID_ in policy/new"
pass "policy block quarantined: $PID_"

# 3. list, with its filters.
qscan list
expect_qrc 0 "list"
grep -q "^$VID${TAB}viruses${TAB}.*${TAB}virus${TAB}<al\\\\x01ice\\\\xff@a.example>${TAB}bob\\\\x09@b.example,carol\\\\xc3\\\\xa9@c.example,\"x y\"@c.example${TAB}held${TAB}virus: " "$T/out" ||
    fail "list: no virus line for $VID: $(cat "$T/out")"
grep -q "^$PID_${TAB}policy${TAB}.*${TAB}policy${TAB}" "$T/out" || fail "list: no policy line: $(cat "$T/out")"
[ "$(wc -l < "$T/out")" = 2 ] || fail "list: $(cat "$T/out")"
qscan list --verdict policy
expect_qrc 0 "list --verdict policy"
[ "$(cut -f 1 "$T/out")" = "$PID_" ] || fail "list --verdict policy: $(cat "$T/out")"
qscan list --since 1h
[ "$(wc -l < "$T/out")" = 2 ] || fail "list --since 1h: $(cat "$T/out")"
qscan list --since 2099-01-01
expect_qrc 0 "list --since a future date"
[ ! -s "$T/out" ] || fail "list --since 2099-01-01: $(cat "$T/out")"
qscan list --since yesterday
expect_qrc 2 "list --since yesterday"
grep -q 'not a date' "$T/err" || fail "list --since yesterday: $(cat "$T/err")"
pass "list: one line per entry with id, folder, verdict, envelope; --verdict, --since filter"

# 4. show.
qscan show "$VID"
expect_qrc 0 "show"
for want in "id: $VID" "folder: viruses" "verdict: virus" "state: held" \
    "reason: virus: .*Eicar-Test-Signature" "facts: parts=[0-9]* engines=clamav: .*file=eicar.com:68" \
    'envelope-from: <al\\x01ice\\xff@a.example>' 'envelope-to: <bob\\x09@b.example>' \
    "original: $(wc -c < "$V") bytes, sha256 $(sha256sum "$V" | cut -c1-64)" \
    "  Subject: eicar base64"; do
	grep -q "^$want" "$T/out" || fail "show: no '$want' in: $(cat "$T/out")"
done
pass "show: headers, verdict, reason, facts, envelope"

# 5. release: the original bytes and the original envelope.
qs_standin 0
qscan release "$VID"
expect_qrc 0 "release"
cmp "$T/rec/message" "$V" || fail "release: the delivered bytes differ from the original"
cmp "$T/rec/envelope" "$T/e" || fail "release: the envelope differs: $(od -c "$T/rec/envelope" | head)"
[ ! -e "$Q/viruses/new/$VID" ] && [ -f "$Q/viruses/cur/$VID:2,P" ] ||
    fail "release: not marked (cur/ID:2,P): $(ls "$Q/viruses/new" "$Q/viruses/cur")"
tail -n 1 "$T/spool/log/qscan.log" | grep -q "quarantine id=$VID folder=viruses action=released qq_exit=0 uid=0" ||
    fail "release: not in qscan.log: $(tail -n 1 "$T/spool/log/qscan.log")"
qscan list
grep -q "^$VID${TAB}.*${TAB}released${TAB}" "$T/out" || fail "list after release: $(cat "$T/out")"
qscan show "$VID"
grep -q '^state: released' "$T/out" || fail "show after release: $(cat "$T/out")"
pass "release: message and envelope byte for byte the original, marked released (cur/ID:2,P, qscan.log)"

# 6. release --to: the original sender, the one recipient.
qs_standin 0
qscan release "$PID_" --to dave@d.example
expect_qrc 0 "release --to"
cmp "$T/rec/message" "$T/policy.eml" || fail "release --to: bytes differ"
printf 'Fal\001ice\377@a.example\0Tdave@d.example\0\0' > "$T/e.to"
cmp "$T/rec/envelope" "$T/e.to" || fail "release --to: envelope: $(od -c "$T/rec/envelope")"
pass "release --to: the policy block to another recipient, sender kept"

# 7. Error paths.
qscan show 1796662837.M1P1Qnothere.host
expect_qrc 1 "show unknown id"
grep -q 'no such entry' "$T/err" || fail "unknown id: $(cat "$T/err")"
for bad in "../../../etc/passwd" "viruses/new/$VID" ".hidden" "a..b" "$VID:2,P"; do
	qscan release "$bad"
	expect_qrc 1 "release $bad"
	grep -q 'not a quarantine id' "$T/err" || fail "release $bad: $(cat "$T/err")"
done
qscan release
expect_qrc 2 "release without id"
pass "unknown id: exit 1 'no such entry'; ids with path characters: exit 1 'not a quarantine id'"

# qmail-queue refusing (permanent 31, temporary 71): exit 4, the entry kept.
av_run "$V" "$T/e"
RID=$(last_id)
for code in 31 71; do
	qs_standin "$code"
	qscan release "$RID"
	expect_qrc 4 "release, qmail-queue exit $code"
	grep -q "qmail-queue exit $code ($( [ $code = 31 ] && echo permanent || echo temporary))" "$T/err" &&
	    grep -q 'the entry is kept' "$T/err" || fail "release refused $code: $(cat "$T/err")"
	[ -f "$Q/viruses/new/$RID" ] || fail "release refused $code: the entry moved"
	tail -n 1 "$T/spool/log/qscan.log" | grep -q "id=$RID .*action=release-failed qq_exit=$code" ||
	    fail "release refused: $(tail -n 1 "$T/spool/log/qscan.log")"
done
qs_standin 0
qscan release "$RID"
expect_qrc 0 "release after the refusals"
cmp "$T/rec/message" "$V" || fail "release after refusals: bytes"
pass "qmail-queue refusing: exit 4 with its code, the entry kept, released later"

# --rescan: the whole decision again.  The virus stays a virus: exit 5,
# nothing queued, kept.  A policy block whose rule is gone since: released.
av_run "$V" "$T/e"
SID=$(last_id)
qs_standin 0
qscan release "$SID" --rescan
expect_qrc 5 "release --rescan, a virus"
grep -q "rescan: verdict=virus action=quarantine.*not released, the entry is kept" "$T/err" || fail "rescan virus: $(cat "$T/err")"
[ ! -e "$T/rec/message" ] || fail "rescan virus: queued"
[ -f "$Q/viruses/new/$SID" ] || fail "rescan virus: the entry moved"
av_run "$T/policy.eml" "$T/e"
PID2=$(last_id)
cp "$T/policy.rules" "$T/policy.rules.orig"
printf 'Subject:\t.*never matches.*\tgone\n' > "$T/policy.rules"
qs_standin 0
qscan release "$PID2" --rescan
expect_qrc 0 "release --rescan, policy no longer matching"
grep -q "rescan: verdict=clean action=queue" "$T/out" || fail "rescan clean: $(cat "$T/out")"
cmp "$T/rec/message" "$T/policy.eml" && cmp "$T/rec/envelope" "$T/e" || fail "rescan clean: bytes or envelope differ"
cp "$T/policy.rules.orig" "$T/policy.rules"
qscan delete "$SID"
pass "release --rescan: a virus is refused (exit 5, kept), a message now clean is released byte for byte"

# A truncated entry: exit 3, nothing queued, the entry kept.
av_run "$V" "$T/e"
TID=$(last_id)
truncate -s -10 "$Q/viruses/new/$TID"
qs_standin 0
qscan release "$TID"
expect_qrc 3 "release truncated"
grep -q 'truncated or damaged entry' "$T/err" || fail "truncated: $(cat "$T/err")"
[ ! -e "$T/rec/message" ] || fail "truncated: something was queued"
[ -f "$Q/viruses/new/$TID" ] || fail "truncated: the entry is gone"
qscan show "$TID"
grep -q 'TRUNCATED' "$T/out" || fail "show truncated: $(cat "$T/out")"
# Same length, one byte changed: the digest says so.
av_run "$V" "$T/e"
DID=$(last_id)
printf 'Y' | dd of="$Q/viruses/new/$DID" bs=1 seek=$(($(wc -c < "$Q/viruses/new/$DID") - 3)) conv=notrunc 2>/dev/null
qscan release "$DID"
expect_qrc 3 "release damaged"
grep -q "sha256 differs" "$T/err" || fail "damaged: $(cat "$T/err")"
pass "truncated or altered entry: exit 3, nothing queued, kept"

# 8. delete.
qscan delete "$TID"
expect_qrc 0 "delete"
[ ! -e "$Q/viruses/new/$TID" ] || fail "delete: still there"
tail -n 1 "$T/spool/log/qscan.log" | grep -q "id=$TID folder=viruses action=deleted" || fail "delete: not logged"
qscan delete "$TID"
expect_qrc 1 "delete twice"
pass "delete: gone, logged; again: exit 1"

# 9. Who may run it: root (above), the broker user, nobody else.
set +e
setpriv --reuid=qscand --regid=qscand --clear-groups env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN" list > "$T/out" 2> "$T/err"
qrc=$?
set -e
expect_qrc 0 "list as qscand"
grep -q "^$DID" "$T/out" || fail "list as qscand: $(cat "$T/out")"
set +e
setpriv --reuid=nobody --regid=nogroup --clear-groups env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN" list > "$T/out" 2> "$T/err"
qrc=$?
set -e
expect_qrc 1 "list as nobody"
grep -q 'run this as root or qscand' "$T/err" || fail "nobody: $(cat "$T/err")"
[ "$(stat -c '%U %a' "$Q/viruses/cur/$VID:2,P")" = "qscand 600" ] || fail "modes: $(stat -c '%U %a' "$Q/viruses/cur/$VID:2,P")"
pass "root and qscand may, nobody may not; entries stay qscand's, 0600"

# 10. cleanup on aged files.
av_conf both "policy_file = $T/policy.rules" "[cleanup]" "quarantine_days = 14" "crash_days = 7" "archive_days = 30"
chmod 644 "$T/qscan.conf"
touch -d '15 days ago' "$Q/viruses/cur/$VID:2,P" "$Q/policy/cur/$PID_:2,P"
touch -d '13 days ago' "$Q/viruses/new/$DID"
echo crash > "$T/spool/crashes/new/old.unpack"; touch -d '8 days ago' "$T/spool/crashes/new/old.unpack"
echo crash > "$T/spool/crashes/new/new.unpack"
echo half > "$Q/viruses/tmp/half-written"
echo stale > "$Q/viruses/tmp/stale"; touch -d '2 days ago' "$Q/viruses/tmp/stale"
mkdir -p "$T/spool/archive/new" "$T/spool/archive/cur" "$T/spool/archive/tmp"
chown -R qscand:qscand "$T/spool/archive"
echo a > "$T/spool/archive/new/old"; touch -d '31 days ago' "$T/spool/archive/new/old"
echo a > "$T/spool/archive/new/recent"; touch -d '29 days ago' "$T/spool/archive/new/recent"
find "$T/spool" -type f | sort > "$T/before"
qscan cleanup --dry-run
expect_qrc 0 "cleanup --dry-run"
find "$T/spool" -type f | sort > "$T/after"
cmp "$T/before" "$T/after" || fail "cleanup --dry-run removed something"
grep -q "^cleanup: would remove 5 files" "$T/out" || fail "dry run: $(cat "$T/out")"
cp "$T/out" "$T/dry"
qscan cleanup
expect_qrc 0 "cleanup"
for gone in "$Q/viruses/cur/$VID:2,P" "$Q/policy/cur/$PID_:2,P" "$T/spool/crashes/new/old.unpack" \
    "$Q/viruses/tmp/stale" "$T/spool/archive/new/old"; do
	[ ! -e "$gone" ] || fail "cleanup: $gone kept"
	grep -q "^removed .* $gone (" "$T/out" || fail "cleanup does not say it removed $gone: $(cat "$T/out")"
done
for kept in "$Q/viruses/new/$DID" "$Q/viruses/cur/$RID:2,P" "$T/spool/crashes/new/new.unpack" \
    "$Q/viruses/tmp/half-written" "$T/spool/archive/new/recent"; do
	[ -e "$kept" ] || fail "cleanup: $kept removed"
done
grep -q "^cleanup: removed 5 files" "$T/out" || fail "cleanup: $(cat "$T/out")"
qscan cleanup
grep -q "^cleanup: removed 0 files" "$T/out" || fail "cleanup again: $(cat "$T/out")"
pass "cleanup: --dry-run removes nothing; then the 5 aged files, and says so; fresh, half-written and younger files stay"

# 10b. One release, delete or cleanup at a time: each waits for the
# quarantine directory's lock (held here by flock(1), as qscan holds it);
# list does not.
hold_lock() {
	rm -f "$T/locked" "$T/unlocked"
	flock "$Q" sh -c "touch '$T/locked'; sleep 2; touch '$T/unlocked'" &
	holder=$!
	n=0
	while [ ! -e "$T/locked" ]; do
		n=$((n + 1)); [ "$n" -lt 100 ] || fail "flock(1) never took the lock"; sleep 0.05
	done
}
hold_lock
qscan list
expect_qrc 0 "list beside the lock"
[ ! -e "$T/unlocked" ] || fail "list waited for the lock"
wait "$holder"
for cmd in "cleanup" "delete $DID"; do
	hold_lock
	# shellcheck disable=SC2086
	qscan $cmd
	expect_qrc 0 "$cmd under the lock"
	grep -q "waiting for another qscan release, delete or cleanup" "$T/err" || fail "$cmd: no word of waiting: $(cat "$T/err")"
	[ -e "$T/unlocked" ] || fail "$cmd ran while the lock was held"
	wait "$holder"
done
[ ! -e "$Q/viruses/new/$DID" ] || fail "delete under the lock: $DID kept"
pass "cleanup and delete wait for the quarantine lock, list does not"

# 11. The shipped cron line and logrotate file: well formed.
grep -Eq '^[0-9]+ [0-9]+ \* \* \*	qscand	/.*/qscan cleanup$' "$QSCAN_BUILD/conf/qscan.cron" ||
    fail "qscan.cron: $(cat "$QSCAN_BUILD/conf/qscan.cron")"
# logrotate is in tests/run-tests.sh's packages.
logrotate -d "$QSCAN_BUILD/conf/qscan.logrotate" > "$T/lr" 2>&1 ||
    fail "logrotate -d: $(cat "$T/lr")"
! grep -qi '^error' "$T/lr" || fail "logrotate -d: $(cat "$T/lr")"
pass "conf/qscan.cron and conf/qscan.logrotate are well formed"
