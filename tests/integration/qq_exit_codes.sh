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

# qmail-queue that cannot be run at all.
sed -i "s|^qmail_queue = .*|qmail_queue = $T/nonexistent|" "$T/qscan.conf"
qs_run "$T/m" "$T/e"
[ "$rc" != 0 ] || fail "missing qmail-queue accepted"
pass "missing qmail-queue: exit $rc"
