#!/bin/sh
# The hostile role plays the clamav scanner (installed as qscan-clamav,
# spawned by the real broker with that profile): a mode change of a file
# its uid owns outside its scratch directory fails softly and changes
# nothing; /etc/shadow is not there to stat.  Each message tempfails.
# Then the same through the real qscand, the hostile role the clamav
# zygote: the same verdicts and log texts (the worker's log), and after
# each message the monitor, the front and the zygote live on and the next
# clean message is queued.
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
. "$QSCAN_SRC/tests/sandbox/lib_hostile_warm.sh"
qs_setup "scanners = clamav"
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-clamav"
chmod 755 "$T/roles/qscan-clamav"
qs_env "$T/e" a@b.example c@d.example
owned=$T/owned-by-clamav
: > "$owned"
chown qscan-clamav:qscan-clamav "$owned"
chmod 0600 "$owned"

# attempt | expected log text
CASES="chmod_owned $owned|role clamav: hostile: chmod_owned survived: returned -1, errno 1 (Operation not permitted)
stat_shadow|role clamav: hostile: stat_shadow survived: returned -1, errno 2 (No such file or directory)"

# run_cases [warm]: each case exec'd, or with "warm" through qscand.
run_cases() {
	while IFS='|' read -r attempt pattern; do
		printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\n\nX-Hostile: %s\n' "$attempt" > "$T/m"
		qs_standin 0
		if [ "${1:-}" = warm ]; then
			warm_begin clamav
			svc_run "$T/m" "$T/e"
			svc_wait
			warm_log > "$T/log"
		else
			qs_run "$T/m" "$T/e"
			cp "$T/stderr" "$T/log"
		fi
		[ "$rc" != 0 ] || fail "$attempt: the message passed"
		[ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
		grep -q -- "$pattern" "$T/log" || { cat "$T/log"; fail "$attempt: log should say '$pattern'"; }
		[ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
		expect_work_empty "$attempt"
		code=$rc
		if [ "${1:-}" = warm ]; then
			warm_after clamav "warm: $attempt" 0
			pass "warm: $attempt: exit $code, $pattern; the zygote, the front and the monitor live on, the next message queued"
		else
			pass "$attempt: exit $code, $pattern"
		fi
	done
}

run_cases <<EOF
$CASES
EOF
[ "$(stat -c %a "$owned")" = 600 ] || fail "the owned file's mode changed: $(stat -c %a "$owned")"
pass "the owned file is still 0600"

svc_conf "fallback = tempfail"
svc_start
run_cases warm <<EOF
$CASES
EOF
[ "$(stat -c %a "$owned")" = 600 ] || fail "warm: the owned file's mode changed: $(stat -c %a "$owned")"
pass "warm: the owned file is still 0600"
