#!/bin/sh
# The hook through qscand (docs/warm.md): a clean message reaches
# qmail-queue as on the exec path (same trace header, same bytes, same
# envelope, the hook's environment minus QMAILQUEUE, the same summary
# fields), run by the hook; the front and a worker in flight hold no
# capability and run under a seccomp filter.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
qs_setup
svc_conf
qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example carol@c.example

# The header without its times; the summary line's keys.
header_shape() {
	head -n 1 "$T/rec/message" | sed 's/Processed in [0-9.]* secs); .*/Processed in N secs)/'
}
summary_keys() {
	qs_last | tr ' ' '\n' | sed -n '2,$s/=.*//p' | tr '\n' ' '
}

check_delivery() {
	expect_rc 0 "$1"
	[ -f "$T/rec/message" ] || fail "$1: nothing reached qmail-queue"
	tail -n +2 "$T/rec/message" | cmp -s - "$T/m" || fail "$1: message bytes changed"
	cmp -s "$T/rec/envelope" "$T/e" || fail "$1: envelope changed"
	grep -q QMAILQUEUE "$T/rec/environ" && fail "$1: QMAILQUEUE passed on"
	grep -q '^TCPREMOTEIP=192.0.2.7$' "$T/rec/environ" || fail "$1: TCPREMOTEIP not passed on"
	grep -q 'QSCAN_CONFIG\|^PATH=' "$T/rec/environ" && fail "$1: environment not reduced"
	[ "$(qs_field verdict)" = clean ] || fail "$1: verdict $(qs_field verdict)"
	[ "$(qs_field action)" = queue ] || fail "$1: action $(qs_field action)"
	[ "$(qs_field exit)" = 0 ] || fail "$1: summary exit $(qs_field exit)"
	expect_work_empty "$1"
}

# The exec path first (no service yet: the hook says so and goes on).
qs_standin 0
qs_run "$T/m" "$T/e" QMAILQUEUE=/nonexistent/loop PATH=/x
check_delivery "exec path"
grep -q "service unavailable (.*qscand.sock: No such file or directory): exec path" "$T/stderr" ||
    { cat "$T/stderr"; fail "exec path: no log line saying the service was not there"; }
exec_header=$(header_shape)
exec_keys=$(summary_keys)
pass "exec path (service not running): delivered, logged"

svc_start
monitor=$SVC_PID
front=$(svc_front)
[ -n "$front" ] || fail "no front in qscand's log"
svc_confined front "$front"
# The monitor keeps CAP_SETUID and CAP_SETGID permitted, nothing
# effective: the one process that may give zygotes their uids.
[ "$(svc_status_field "$monitor" CapPrm)" = 00000000000000c0 ] ||
    fail "monitor: CapPrm $(svc_status_field "$monitor" CapPrm)"
[ "$(svc_status_field "$monitor" CapEff)" = 0000000000000000 ] ||
    fail "monitor: CapEff $(svc_status_field "$monitor" CapEff)"
pass "front: no capability, NoNewPrivs, Seccomp 2; monitor: setuid/setgid permitted only"

qs_standin 0
svc_run "$T/m" "$T/e" QMAILQUEUE=/nonexistent/loop PATH=/x
svc_wait
check_delivery "through qscand"
grep -q "service unavailable" "$T/stderr" && { cat "$T/stderr"; fail "through qscand: the hook fell back"; }
# The summary line is the worker's, not the hook's.
[ "$(qs_last | sed -n 's/^[^ ]* pid=\([0-9]*\) .*/\1/p')" != "$HOOK_PID" ] ||
    fail "through qscand: the hook wrote the summary itself: $(qs_last)"
[ "$(header_shape)" = "$exec_header" ] ||
    fail "trace header differs: $(header_shape) / exec path: $exec_header"
[ "$(summary_keys)" = "$exec_keys" ] ||
    fail "summary fields differ: $(summary_keys) / exec path: $exec_keys"
qs_last | grep -q 'rcpt=bob@b.example,carol@c.example size=[0-9]* parts=1 ' || fail "summary line: $(qs_last)"
pass "through qscand: delivered, same header and summary fields as the exec path"

# A message in flight: the worker reads it from the hook's fd 0.
qs_standin 0
svc_feed_start "$T/m" "$T/e"
worker=$(svc_wait_child "$front")
svc_confined worker "$worker"
svc_feed_end "$T/m"
svc_wait
check_delivery "message read slowly"
pass "worker in flight: no capability, NoNewPrivs, Seccomp 2; then delivered"

# A bigger message, binary and without a final newline.
{ cat "$T/m"; head -c 2000000 /dev/urandom | base64; printf 'end\0nul'; } > "$T/m2"
cp "$T/m2" "$T/m"
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
check_delivery "2.7 MB message through qscand"
pass "2.7 MB message through qscand"

# The qmail-queue's own exit codes come back through the hook.
for code in 11 31 71 81; do
	qs_standin "$code"
	svc_run "$T/m" "$T/e"
	svc_wait
	expect_rc "$code" "qmail-queue exit $code through qscand"
	[ "$(qs_field exit)" = "$code" ] || fail "logged exit $(qs_field exit) for $code"
done
pass "qmail-queue's exit codes come back through the hook"

# A kernel that refuses to move a warm child into a cgroup of its own
# (cgroup v1: the writer's uid must be the child's) is asked once, not by
# every worker: the refusal is logged once for all the messages above.
refusals=$(grep -c 'refuses to move a child of another uid' "$T/qscand.log" || true)
if [ "$(stat -f -c %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ]; then
	[ "$refusals" = 1 ] ||
	    { cat "$T/qscand.log"; fail "cgroup v1: the refused move logged $refusals times, not once"; }
	pass "cgroup v1: the refused cgroup move was tried and logged once for 7 messages"
else
	[ "$refusals" = 0 ] ||
	    { cat "$T/qscand.log"; fail "cgroup v2: a move into the child's cgroup refused $refusals times"; }
	pass "cgroup v2: every warm child moved into its own cgroup"
fi
svc_stop
grep -q "front: stopped (0 in flight left)" "$T/qscand.log" || { cat "$T/qscand.log"; fail "qscand did not stop cleanly"; }
pass "SIGTERM: qscand stopped"
