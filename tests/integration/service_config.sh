#!/bin/sh
# An edited configuration takes effect on `qscan reload` under a real
# supervisor (daemontools' supervise running the run script qscan-setup
# --service installs): qscand sees that qscan.conf changed, stops as on
# SIGTERM (the message in flight finishes), and supervise starts it anew,
# which reads the new configuration as root; a reload with nothing edited
# keeps the same qscand and restarts only its zygotes (docs/warm.md,
# "Running qscand").
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
command -v supervise >/dev/null && command -v svc >/dev/null ||
    fail "daemontools' supervise and svc are missing (tests/run-tests.sh installs them)"
qs_setup "max_message_bytes = 100000"
svc_conf "fallback = tempfail"
qs_env "$T/e" alice@a.example bob@b.example
qs_msg "$T/m0"
# 50 000 bytes: under the first limit, over the edited one.
{ cat "$T/m0"; head -c 50000 /dev/zero | tr '\0' x; echo; } > "$T/m"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" --cgroup "$QS_CGROUP" \
    --service "$QSCAN_BUILD/broker/qscand" --service-dir "$T/sv" \
    --systemd-dir "$T/no-systemd" > "$T/setup.out"

SUP=
stop_supervise() {
	if [ -n "$SUP" ]; then
		svc -dx "$T/sv/qscand" 2>/dev/null || true
		wait "$SUP" 2>/dev/null || true
		SUP=
	fi
	svc_finish
}
trap stop_supervise EXIT
: > "$T/qscand.log"
QSCAN_CONFIG="$T/qscan.conf" supervise "$T/sv/qscand" >> "$T/qscand.log" 2>&1 &
SUP=$!
# svc_wait_log watches SVC_PID: here, supervise.
SVC_PID=$SUP
svc_wait_log 'canary passed, serving' 1
first=$(cat "$T/run/qscand.pid")

qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 0 "50 000 bytes under max_message_bytes 100000"
pass "supervise runs qscand ($first); a 50 000-byte message is queued"

# Nothing edited: the same qscand, new zygotes.
z1=$(svc_zygote unpack)
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out" ||
    fail "qscan reload: $(cat "$T/out")"
svc_wait_log 'canary passed, serving' 2
[ "$(cat "$T/run/qscand.pid")" = "$first" ] || fail "reload without an edit restarted qscand"
[ "$(svc_zygote unpack)" != "$z1" ] || fail "reload without an edit kept the zygote"
! grep -q 'changed: stopping' "$T/qscand.log" || fail "an unedited configuration called changed"
pass "reload, nothing edited: qscand $first stays, its zygote is replaced"

# The edit, then the reload: a new qscand with the new limit.
printf '[qscan]\nmax_message_bytes = 10000\n' >> "$T/qscan.conf"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out" ||
    fail "qscan reload: $(cat "$T/out")"
svc_wait_log "$T/qscan.conf changed: stopping, for the supervisor" 1
svc_wait_log 'canary passed, serving' 3
second=$(cat "$T/run/qscand.pid")
[ "$second" != "$first" ] || fail "the edited configuration did not start a new qscand"
kill -0 "$first" 2>/dev/null && fail "the old qscand $first is still running"
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 31 "50 000 bytes over the edited max_message_bytes 10000"
[ ! -f "$T/rec/message" ] || fail "the oversize message was queued"
pass "edited qscan.conf + reload: qscand $first stopped, supervise started $second, the new limit rejects (31)"

# The policy is read at the start too: an edit of it restarts as well.
printf 'policy_file = %s\n' "$T/policy.rules" > "$T/policy.line"
: > "$T/policy.rules"
chmod 644 "$T/policy.rules"
sed -i "/^\[qscan\]\$/r $T/policy.line" "$T/qscan.conf"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out"
svc_wait_log 'canary passed, serving' 4
third=$(cat "$T/run/qscand.pid")
echo '# an edit' >> "$T/policy.rules"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out"
svc_wait_log "$T/policy.rules changed: stopping" 1
svc_wait_log 'canary passed, serving' 5
[ "$(cat "$T/run/qscand.pid")" != "$third" ] || fail "the edited policy did not restart qscand"
pass "an edited policy file + reload: a new qscand reads it"
