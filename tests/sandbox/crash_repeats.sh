#!/bin/sh
# A message that crashes a role every time (docs/architecture.md, "A
# message that crashes a role every time"): the hostile role in the
# unpack role's place crashes (SIGSEGV) on its "crash" message.  Twice
# it tempfails (81) as any crash; the third time it is unscannable: kept
# in quarantine/crashes/, refused with 554 (exit 31), logged with its
# SHA-256; another content that crashes starts its own count; with
# crash_repeats_action = quarantine it is kept and accepted; with
# crash_repeats = 0 it tempfails for ever.  Then the same through qscand.
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
qs_env "$T/e" a@b.example c@d.example

crash_message() {
	printf 'From: a@b.example\nTo: c@d.example\nSubject: crash %s\nX-Hostile: crash\n\nbody\n' "$2" > "$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
Q=$T/spool/quarantine/crashes/new

# Exec path.
qs_setup "[limits]" "role_timeout_ms = 5000"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
# qs_run's stderr is the hook's log: every run's kept in all.log.
: > "$T/all.log"
crash_message "$T/m1" "exec one"
for i in 1 2; do
	qs_standin 0; qs_run "$T/m1" "$T/e"; cat "$T/stderr" >> "$T/all.log"
	expect_rc 81 "exec: crash $i"
done
grep -q "crash repeats: role unpack crashed on content sha256 $(sha "$T/m1"): crash 2 of 3" "$T/all.log" ||
    { cat "$T/all.log"; fail "exec: the second crash not counted"; }
grep -Eq "^$(sha "$T/m1") 2 [0-9]+ [0-9]+$" "$T/spool/crashes/repeats" || fail "repeats: $(cat "$T/spool/crashes/repeats")"
[ "$(stat -c '%U %a' "$T/spool/crashes/repeats")" = "qscand 600" ] || fail "repeats: $(stat -c '%U %a' "$T/spool/crashes/repeats")"
qs_standin 0; qs_run "$T/m1" "$T/e"
expect_rc 31 "exec: crash 3"
[ "$(qs_field verdict)" = unscannable ] || fail "exec: crash 3: $(qs_last)"
grep -q "crash repeats: sha256 $(sha "$T/m1") crashed a role 3 times: unscannable" "$T/stderr" || fail "exec: $(cat "$T/stderr")"
[ "$(ls "$Q" | wc -l)" = 1 ] || fail "exec: not kept in quarantine/crashes"
[ ! -f "$T/rec/message" ] || fail "exec: crash 3 queued"
grep -q "crash-repeats" "$T/spool/log/quarantine.log" || fail "quarantine.log: $(cat "$T/spool/log/quarantine.log")"
tail -c "$(stat -c %s "$T/m1")" "$Q"/* | cmp -s - "$T/m1" || fail "exec: the quarantined copy does not end with the message"
pass "exec: two crashes tempfail (81), the third of the same content is unscannable: quarantine/crashes/, 554, sha256 logged; the table is qscand's, 0600"

# Another content: its own count.
crash_message "$T/m2" "exec two"
qs_standin 0; qs_run "$T/m2" "$T/e"
expect_rc 81 "exec: another content's first crash"
grep -q "crash 1 of 3" "$T/stderr" || fail "exec: another content: $(cat "$T/stderr")"
pass "exec: another content that crashes starts its own count"

# crash_repeats_action = quarantine: kept and accepted.
sed -i 's/^role_timeout_ms = 5000$/role_timeout_ms = 5000\ncrash_repeats_action = quarantine/' "$T/qscan.conf"
qs_standin 0; qs_run "$T/m2" "$T/e"; expect_rc 81 "quarantine action: crash 2"
qs_standin 0; qs_run "$T/m2" "$T/e"; expect_rc 0 "quarantine action: crash 3"
[ "$(qs_field verdict)" = unscannable ] && [ "$(qs_field action)" = quarantine ] || fail "quarantine action: $(qs_last)"
[ "$(ls "$Q" | wc -l)" = 2 ] || fail "quarantine action: not kept"
[ ! -f "$T/rec/message" ] || fail "quarantine action: queued"
pass "crash_repeats_action = quarantine: the third crash is kept and accepted (exit 0), not queued"

# crash_repeats = 0: no count, a tempfail for ever.
sed -i 's/^crash_repeats_action = quarantine$/crash_repeats = 0/' "$T/qscan.conf"
cp "$T/spool/crashes/repeats" "$T/repeats.before"
for i in 1 2 3 4; do
	qs_standin 0; qs_run "$T/m2" "$T/e"; expect_rc 81 "crash_repeats = 0: crash $i"
done
cmp -s "$T/repeats.before" "$T/spool/crashes/repeats" || fail "crash_repeats = 0 counted"
pass "crash_repeats = 0: every crash tempfails, nothing counted"

# qscan check does not count (an admin's run, maybe as root).
sed -i '/^crash_repeats = 0$/d' "$T/qscan.conf"
env QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check "$T/m1" > /dev/null 2>&1 || true
cmp -s "$T/repeats.before" "$T/spool/crashes/repeats" || fail "qscan check counted a crash"
pass "qscan check does not count crashes"

# The table read as if not ours: lines that do not parse are dropped, an
# entry older than cleanup.crash_days (14) is forgotten, the rest counts
# on.
now=$(date +%s)
old=$((now - 20 * 86400))
{
	echo garbage
	printf '%0300d\n' 0
	echo "$(sha "$T/m2") x $now $now"
	echo "$(sha "$T/m2")0 2 $now $now"
	echo "$(sha "$T/m2") 2 $now $now"
	echo "$(sha "$T/m1") 5 $old $old"
} > "$T/spool/crashes/repeats"
chown qscand:qscand "$T/spool/crashes/repeats"
qs_standin 0; qs_run "$T/m2" "$T/e"
expect_rc 31 "a table with foreign lines: crash 3"
[ "$(qs_field verdict)" = unscannable ] || fail "a table with foreign lines: $(qs_last)"
qs_standin 0; qs_run "$T/m1" "$T/e"
expect_rc 81 "an entry 20 days old"
grep -q "crash 1 of 3" "$T/stderr" || fail "an entry 20 days old: $(cat "$T/stderr")"
[ "$(wc -l < "$T/spool/crashes/repeats")" = 2 ] || fail "the table kept foreign lines: $(cat "$T/spool/crashes/repeats")"
pass "the table: lines not ours dropped, an entry past crash_days forgotten, the rest counts on"

# Warm: the same through qscand (each crash retires the zygote; its
# successor serves the next).
rm -f "$T/spool/crashes/repeats" "$Q"/*
svc_conf "fallback = tempfail"
svc_start
crash_message "$T/m1" "warm one"
for i in 1 2; do
	qs_standin 0; svc_run "$T/m1" "$T/e"; svc_wait
	expect_rc 81 "warm: crash $i"
	svc_wait_log 'canary passed, serving' $((i + 1))
done
qs_standin 0; svc_run "$T/m1" "$T/e"; svc_wait
expect_rc 31 "warm: crash 3"
[ "$(qs_field verdict)" = unscannable ] || fail "warm: crash 3: $(qs_last)"
[ "$(ls "$Q" | wc -l)" = 1 ] || fail "warm: not kept in quarantine/crashes"
grep -q "crash repeats: sha256 $(sha "$T/m1") crashed a role 3 times: unscannable" "$T/qscand.log" || fail "warm: $(cat "$T/qscand.log")"
pass "warm: the same through qscand: 81, 81, then unscannable 554 and kept"
