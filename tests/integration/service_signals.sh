#!/bin/sh
# qscand as a supervisor runs it (qscan-setup --service: a daemontools /
# runit run script and a systemd unit, installed, not enabled) and its
# signals (docs/warm.md, "Running qscand"): `qscan reload`
# (SIGHUP by the pid file) retires every zygote and starts a successor,
# canaried before it serves; SIGTERM stops accepting, lets the message in
# flight finish, and exits 0.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
qs_setup
svc_conf "fallback = tempfail"
qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example
mkdir -p "$T/systemd"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" --cgroup "$QS_CGROUP" \
    --service "$QSCAN_BUILD/broker/qscand" --service-dir "$T/sv" \
    --systemd-dir "$T/systemd" > "$T/setup.out"
[ -x "$T/sv/qscand/run" ] && [ -x "$T/sv/qscand/log/run" ] ||
    fail "qscan-setup --service: no run scripts: $(cat "$T/setup.out")"
grep -q "^exec $QSCAN_BUILD/broker/qscand\$" "$T/sv/qscand/run" ||
    fail "run script: $(cat "$T/sv/qscand/run")"
grep -q "^ExecStart=$QSCAN_BUILD/broker/qscand\$" "$T/systemd/qscand.service" &&
    grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$T/systemd/qscand.service" &&
    grep -q '^KillMode=mixed$' "$T/systemd/qscand.service" ||
    fail "systemd unit: $(cat "$T/systemd/qscand.service")"
SVC_RUN=$T/sv/qscand/run svc_start
pass "qscan-setup --service: run scripts and unit installed; qscand started by the run script"

[ "$(cat "$T/run/qscand.pid")" = "$SVC_PID" ] || fail "pid file: $(cat "$T/run/qscand.pid"), qscand is $SVC_PID"
z1=$(svc_zygote unpack)
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out" ||
    fail "qscan reload: $(cat "$T/out")"
grep -q "qscand pid $SVC_PID: SIGHUP sent" "$T/out" || fail "qscan reload said: $(cat "$T/out")"
svc_wait_log 'canary passed, serving' 2
z2=$(svc_zygote unpack)
[ "$z2" != "$z1" ] || fail "reload: the same zygote serves"
svc_wait_log "zygote unpack pid $z1: ended (replaced" 1
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 0 "after reload"
[ -f "$T/rec/message" ] || fail "after reload: nothing queued"
pass "qscan reload: zygote $z1 retired, $z2 canaried and serving"

# SIGTERM with a message in flight.
qs_standin 0
svc_feed_start "$T/m" "$T/e"
worker=$(svc_wait_child "$(svc_front)") || fail "no worker: $worker"
kill -TERM "$SVC_PID"
svc_wait_log "front: stopping: no new connection, 1 in flight" 1
set +e
cat "$T/m" | env -i QSCAN_CONFIG="$T/qscan.conf" \
    "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr2"
rc2=$?
set -e
[ "$rc2" = 71 ] || { cat "$T/stderr2"; fail "a new message while stopping: exit $rc2"; }
grep -q "service unavailable (.*: Connection refused): tempfail" "$T/stderr2" ||
    { cat "$T/stderr2"; fail "a new message while stopping: not logged"; }
svc_feed_end "$T/m"
svc_wait
expect_rc 0 "the message in flight at SIGTERM"
[ -f "$T/rec/message" ] || fail "the message in flight at SIGTERM: nothing queued"
set +e
wait "$SVC_PID"
src=$?
set -e
SVC_PID=
[ "$src" = 0 ] || { cat "$T/qscand.log"; fail "qscand exited $src after SIGTERM"; }
pass "SIGTERM: no new connection, the message in flight finished and queued, exit 0"
