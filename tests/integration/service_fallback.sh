#!/bin/sh
# qscand not there (docs/warm.md, "The hook and the service"): with
# service.fallback = exec the hook takes the exec path and says so; with
# tempfail it exits 71 and says so; a hook that may not read the
# configuration (no privilege) tempfails too.  Nothing queued on a
# tempfail.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
qs_setup
cp "$T/qscan.conf" "$T/qscan.base"
qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example
chmod 644 "$T/m" "$T/e"

svc_conf "fallback = exec"
svc_start
svc_stop
# A socket file left by the stopped service: connect is refused.
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 0 "fallback exec"
[ -f "$T/rec/message" ] || fail "fallback exec: nothing queued"
grep -q "service unavailable (.*qscand.sock: .*): exec path" "$T/stderr" ||
    { cat "$T/stderr"; fail "fallback exec: not logged"; }
[ "$(qs_field action)" = queue ] || fail "fallback exec: $(qs_last)"
[ "$(qs_last | sed -n 's/.* ms=setup:[0-9.]*,spool:[0-9.]*,canary:\([0-9.]*\),.*/\1/p')" != "" ] ||
    fail "fallback exec: no stage times: $(qs_last)"
pass "service stopped, fallback = exec: the exec path, logged"

cp "$T/qscan.base" "$T/qscan.conf"
svc_conf "fallback = tempfail"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 71 "fallback tempfail"
[ ! -f "$T/rec/message" ] || fail "fallback tempfail: queued anyway"
grep -q "service unavailable (.*qscand.sock: .*): tempfail" "$T/stderr" ||
    { cat "$T/stderr"; fail "fallback tempfail: not logged"; }
pass "service stopped, fallback = tempfail: 71, logged, nothing queued"

# No privilege and no configuration it may read: the compiled-in
# defaults, QSCAN_SOCKET believed, and no exec path to fall back on.
cp "$T/qscan.base" "$T/qscan.conf"
svc_conf "fallback = exec"
chmod 600 "$T/qscan.conf"
qs_standin 0
set +e
cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
    env -i QSCAN_CONFIG="$T/qscan.conf" QSCAN_SOCKET="$T/run/nothing.sock" \
    "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
rc=$?
set -e
expect_rc 71 "unprivileged, unreadable configuration"
grep -q "service unavailable ($T/run/nothing.sock: No such file or directory): tempfail" "$T/stderr" ||
    { cat "$T/stderr"; fail "unprivileged: QSCAN_SOCKET not used or not logged"; }
[ ! -f "$T/rec/message" ] || fail "unprivileged: queued anyway"
pass "no privilege, configuration unreadable: QSCAN_SOCKET tried, 71"
