#!/bin/sh
# qmail-queue's exit codes come back to qmail-smtpd unchanged.
. "$(dirname "$0")/lib.sh"
qs_setup
qs_msg "$T/m"
qs_env "$T/e" alice@a.example bob@b.example
for code in 0 11 31 51 53 71 81; do
	qs_standin "$code"
	qs_run "$T/m" "$T/e"
	expect_rc "$code" "qmail-queue exit $code"
	[ "$(qs_field exit)" = "$code" ] || fail "logged exit $(qs_field exit) for $code"
	expect_work_empty "exit $code"
done
pass "exit codes 0 11 31 51 53 71 81 passed back"

# qmail-queue killed by a signal: a temporary code, never 0.
printf '#!/bin/sh\ncat >/dev/null; kill -9 $$\n' > "$T/qq-killed"
chmod 755 "$T/qq-killed"
sed -i "s|^qmail_queue = .*|qmail_queue = $T/qq-killed|" "$T/qscan.conf"
qs_run "$T/m" "$T/e"
expect_rc 81 "qmail-queue killed"
pass "qmail-queue killed by a signal: 81"

# qmail-queue that cannot be run at all (missing, or not executable):
# 120, qmail's own temporary "unable to exec qq" (docs/architecture.md,
# "Exit codes"), never 0 and never permanent (31 would bounce mail for
# our configuration).
: > "$T/qq-not-executable"
chmod 644 "$T/qq-not-executable"
for qq in "$T/nonexistent" "$T/qq-not-executable"; do
	sed -i "s|^qmail_queue = .*|qmail_queue = $qq|" "$T/qscan.conf"
	qs_run "$T/m" "$T/e"
	expect_rc 120 "qmail-queue $qq"
	[ "$(qs_field exit)" = 120 ] || fail "logged exit $(qs_field exit) for $qq"
	[ "$(qs_field action)" = queue-failed ] || fail "logged action $(qs_field action) for $qq"
	grep -q "qmail-queue: cannot run $qq" "$T/stderr" ||
	    { cat "$T/stderr"; fail "$qq: no log line naming it"; }
	expect_work_empty "qmail-queue $qq"
done
pass "qmail-queue missing or not executable: exit 120, logged"
