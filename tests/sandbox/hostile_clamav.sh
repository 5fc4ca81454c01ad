#!/bin/sh
# The hostile role plays the clamav scanner (installed as qscan-clamav,
# spawned by the real broker with that profile): a mode change of a file
# its uid owns outside its scratch directory fails softly and changes
# nothing; /etc/shadow is not there to stat.  Each message tempfails.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup "scanners = clamav"
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-clamav"
chmod 755 "$T/roles/qscan-clamav"
qs_env "$T/e" a@b.example c@d.example
owned=$T/owned-by-clamav
: > "$owned"
chown qscan-clamav:qscan-clamav "$owned"
chmod 0600 "$owned"

# attempt | expected log text
while IFS='|' read -r attempt pattern; do
	printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\n\nX-Hostile: %s\n' "$attempt" > "$T/m"
	qs_standin 0
	qs_run "$T/m" "$T/e"
	[ "$rc" != 0 ] || fail "$attempt: the message passed"
	[ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
	grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$attempt: log should say '$pattern'"; }
	[ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
	expect_work_empty "$attempt"
	pass "$attempt: exit $rc, $pattern"
done <<CASES
chmod_owned $owned|role clamav: hostile: chmod_owned survived: returned -1, errno 1 (Operation not permitted)
stat_shadow|role clamav: hostile: stat_shadow survived: returned -1, errno 2 (No such file or directory)
CASES
[ "$(stat -c %a "$owned")" = 600 ] || fail "the owned file's mode changed: $(stat -c %a "$owned")"
pass "the owned file is still 0600"
