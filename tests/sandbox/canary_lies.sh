#!/bin/sh
# The canary must show what only a fully confined role shows (its own
# uid, pid 1 of its namespace, open() refused after lockdown) and then die
# by a call only the final filter kills.  The hostile role plays canaries
# that lie or miss a part: the broker refuses service each time (tempfail
# 81, "SANDBOX BROKEN" and what was wrong); telling the truth it serves.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-canary"
chmod 755 "$T/roles/qscan-canary"
qs_env "$T/e" a@b.example c@d.example
qs_msg "$T/m"

# lie | expected exit | expected log text
while IFS='|' read -r lie code pattern; do
	printf '%s\n' "$lie" > "$T/roles/hostile-canary"
	chmod 644 "$T/roles/hostile-canary"
	qs_standin 0
	qs_run "$T/m" "$T/e"
	expect_rc "$code" "$lie"
	if [ "$code" = 0 ]; then
		[ -f "$T/rec/message" ] || fail "$lie: not queued"
	else
		[ ! -f "$T/rec/message" ] || fail "$lie: queued anyway"
		grep -q "SANDBOX BROKEN" "$T/stderr" || { cat "$T/stderr"; fail "$lie: no loud log"; }
		grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$lie: log should say '$pattern'"; }
		[ "$(qs_field verdict)" = tempfail ] || fail "$lie: $(qs_last)"
	fi
	expect_work_empty "$lie"
	pass "$lie: exit $code${pattern:+, $pattern}"
done <<'CASES'
none|0|
no_report|81|sandbox-violation, signal SYS, no report
wrong_uid|81|canary runs as uid [0-9]* gid [0-9]*, not the role's
wrong_pid|81|canary is pid 2, not pid 1 of its own pid namespace
open_ok|81|canary's open(/etc/passwd) after lockdown gave errno 0, not EACCES
outer_only|81|canary's open(/etc/passwd) after lockdown gave errno 0, not EACCES
lives|81|canary done (exit 0): no sandbox, no service
CASES
