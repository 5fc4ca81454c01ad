#!/bin/sh
# Nothing lost (docs/warm.md): a warm child, its zygote, the worker or
# qscand itself killed while a message is in flight each give the hook a
# temporary code with nothing queued (the stand-in qmail-queue never
# ran): a role that fails is 81, as on the exec path (FAIL_ROLE); the
# worker or qscand gone is 71 (the hook reads end of file).  The zygote
# is restarted and serves the next message.  In flight = the clamd child
# waiting on a clamd that accepts and never answers.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
av_setup
av_messages
av_clamd_start
qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example
# The hanging clamd first, the real one after it.
AV_CLAMD_SERVERS="unix:$T/hang.sock;unix:$T/clamd.sock" \
AV_CLAMD_EXTRA="read_timeout_ms = 600000" \
    av_conf fildes "[limits]" "role_timeout_ms = 600000"
svc_conf "fallback = tempfail"
av_hang_start "$T/hang.sock"
svc_start
front=$(svc_front)

# in_flight: a message sent, its clamd child waiting on the hung clamd;
# sets WORKER, ZYGOTE (clamd's) and CHILD.
in_flight() {
	# The last message's child reaped first: the one we find is ours.
	_i=0
	while [ -n "$(svc_children "$(svc_zygote clamd)")" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "the clamd zygote keeps a child"
		sleep 0.1
	done
	qs_standin 0
	svc_run "$T/m" "$T/e"
	WORKER=$(svc_wait_child "$front") || fail "no worker: $WORKER"
	ZYGOTE=$(svc_zygote clamd)
	CHILD=$(svc_wait_child "$ZYGOTE") || fail "no clamd child: $CHILD"
	[ "$(svc_status_field "$CHILD" Uid | cut -f1)" = "$(id -u qscan-clamd)" ] ||
	    fail "the clamd zygote's child is not uid qscan-clamd"
}

# tempfailed CODE WHAT: the hook exited CODE and qmail-queue never ran.
tempfailed() {
	svc_wait
	expect_rc "$1" "$2"
	[ ! -f "$T/rec/message" ] || fail "$2: the stand-in qmail-queue ran"
	[ ! -f "$T/rec/envelope" ] || fail "$2: the stand-in qmail-queue ran"
}

in_flight
svc_confined "worker mid-message" "$WORKER"
kill -KILL "$CHILD"
tempfailed 81 "warm child killed"
[ "$(qs_field verdict)" = tempfail ] || fail "child killed: $(qs_last)"
[ "$(qs_field action)" = tempfail ] || fail "child killed: $(qs_last)"
kill -0 "$ZYGOTE" || fail "child killed: its zygote died too"
pass "warm clamd child killed mid-message: 81 (role failed), nothing queued, the zygote lives on"

served=$(svc_served)
in_flight
kill -KILL "$ZYGOTE"
tempfailed 81 "zygote killed"
[ "$(qs_field verdict)" = tempfail ] || fail "zygote killed: $(qs_last)"
svc_wait_log 'canary passed, serving' $((served + 1))
[ "$(svc_zygote clamd)" != "$ZYGOTE" ] || fail "zygote killed: not restarted"
grep -q "zygote clamd pid $ZYGOTE: ended (signal 9)" "$T/qscand.log" ||
    fail "zygote killed: its end not logged"
pass "clamd zygote killed mid-message: 81 (role failed), nothing queued; restarted, canaried"

# The next message, served by the new zygote (with the real clamd now).
av_hang_stop
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 0 "after the restart"
[ -f "$T/rec/message" ] || fail "after the restart: nothing queued"
head -n 1 "$T/rec/message" | grep -q "clamd: " || fail "after the restart: clamd did not scan: $(head -n 1 "$T/rec/message")"
pass "the next message is scanned by the restarted zygote and queued"

# The spare, forked ahead of its request (docs/warm.md): the role's uid,
# nothing open but its log, /dev/null and its channel to the zygote (no
# copy of the listening socket, the starter's channel or another
# message's connection); killed, it is replaced and nothing is lost.
ZYGOTE=$(svc_zygote clamd)
SPARE=$(svc_wait_spare "$ZYGOTE")
[ "$(svc_status_field "$SPARE" Uid | cut -f1)" = "$(id -u qscan-clamd)" ] ||
    fail "the spare is not uid qscan-clamd"
fds=$(ls /proc/"$SPARE"/fd | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 3 4 " ] || fail "the spare holds descriptors $fds"
[ "$(readlink /proc/"$SPARE"/fd/0)" = /dev/null ] &&
    [ "$(readlink /proc/"$SPARE"/fd/1)" = /dev/null ] ||
    fail "the spare's fds 0 and 1 are not /dev/null"
kill -KILL "$SPARE"
svc_wait_log 'my spare child ended before its request' 1
NEXT=$(svc_wait_spare "$ZYGOTE")
[ "$NEXT" != "$SPARE" ] || fail "the killed spare was not replaced"
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 0 "after the spare's death"
[ -f "$T/rec/message" ] || fail "after the spare's death: nothing queued"
[ "$(svc_zygote clamd)" = "$ZYGOTE" ] || fail "the spare's death restarted its zygote"
pass "the zygote's spare: own uid, only its own descriptors; killed, replaced, the next message queued"

# The stale socket file gone first: av_hang_start waits for it to appear.
rm -f "$T/hang.sock"
av_hang_start "$T/hang.sock"
in_flight
kill -KILL "$WORKER"
tempfailed 71 "worker killed"
grep -q "end of file before its verdict (the service died): nothing queued, tempfail" "$T/stderr" ||
    { cat "$T/stderr"; fail "worker killed: the hook did not log it"; }
pass "worker killed mid-message: 71, nothing queued, logged by the hook"

in_flight
SPARE=$(svc_wait_spare "$ZYGOTE")
kill -KILL "$SVC_PID"
tempfailed 71 "qscand killed"
wait "$SVC_PID" 2>/dev/null || true
SVC_PID=
for p in "$front" "$ZYGOTE" "$CHILD" "$SPARE"; do
	i=0
	while kill -0 "$p" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "qscand killed: process $p lives on"
		sleep 0.1
	done
done
pass "qscand killed mid-message: 71, nothing queued; front, zygote, child and spare gone"
