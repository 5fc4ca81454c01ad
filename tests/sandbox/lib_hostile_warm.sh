# tests/sandbox/lib_hostile_warm.sh: the hostile role's cases run warm,
# through the real qscand (docs/warm.md), sourced after lib.sh and
# tests/integration/lib_service.sh by hostile.sh and hostile_clamav.sh.
# A case's log lines are the worker's (qscand's stderr, $T/qscand.log:
# role_run relays the child's log there); the summary line is in the
# spool's qscan.log as on the exec path.
#
#   warm_begin ROLE       before a message: the service's pids, where
#                         qscand's log stands
#   warm_log              qscand's log since warm_begin
#   warm_after ROLE WHAT CRASHED  after a hostile message: the monitor,
#                         the front and ROLE's zygote are the same and
#                         alive (CRASHED 1: the zygote retired and a
#                         successor serves, as docs/warm.md says), and
#                         the next clean message is queued with exit 0
#   warm_inflight_start / warm_inflight_end  a clean message held in
#                         flight (its worker is INFLIGHT_WORKER), then
#                         finished: it must be queued, exit 0

# warm_message FILE ATTEMPT...: a small message asking for ATTEMPT
# (with the line in the body too: the clamav role reads the raw message).
warm_message() {
	_f=$1; shift
	printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: %s\n\nbody\n' "$*" > "$_f"
}

warm_begin() {
	W_LOG_AT=$(wc -l < "$T/qscand.log")
	W_FRONT=$(svc_front)
	W_ZYGOTE=$(svc_zygote "$1")
	W_SERVED=$(svc_served)
	[ -n "$W_FRONT" ] && [ -n "$W_ZYGOTE" ] || fail "no front or $1 zygote in qscand's log"
}

warm_log() {
	tail -n +$((W_LOG_AT + 1)) "$T/qscand.log"
}

warm_after() {
	kill -0 "$SVC_PID" 2>/dev/null || fail "$2: the monitor died"
	[ "$(svc_front)" = "$W_FRONT" ] && kill -0 "$W_FRONT" 2>/dev/null ||
	    fail "$2: the front $W_FRONT is gone"
	if [ "$3" = 1 ]; then
		# A crash: that zygote retires, its successor is canaried.
		warm_log | grep -q "zygote $1 pid $W_ZYGOTE: zygote $1 retires after [0-9]* children: a child crashed" ||
		    { warm_log; fail "$2: the $1 zygote did not retire after the crash"; }
		svc_wait_log 'canary passed, serving' $((W_SERVED + 1))
		[ "$(svc_zygote "$1")" != "$W_ZYGOTE" ] || fail "$2: no successor zygote"
	else
		kill -0 "$W_ZYGOTE" 2>/dev/null && [ "$(svc_zygote "$1")" = "$W_ZYGOTE" ] ||
		    fail "$2: the $1 zygote $W_ZYGOTE did not live on"
		! warm_log | grep -q "zygote $1 pid $W_ZYGOTE: .*retires" ||
		    fail "$2: the $1 zygote retired"
	fi
	_z=$(svc_zygote "$1")
	warm_message "$T/clean" none
	qs_standin 0
	svc_run "$T/clean" "$T/e"
	svc_wait
	expect_rc 0 "$2: the next clean message"
	[ -f "$T/rec/message" ] || fail "$2: the next clean message was not queued"
	kill -0 "$_z" 2>/dev/null && [ "$(svc_zygote "$1")" = "$_z" ] ||
	    fail "$2: the $1 zygote did not serve the next message"
}

warm_inflight_start() {
	rm -f "$T/in"
	mkfifo "$T/in"
	# As any message here: the hostile role serves it clean ("none").
	warm_message "$T/inflight" none
	env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$T/qscan.conf" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/in" 1< "$T/e" \
	    2> "$T/stderr.inflight" &
	INFLIGHT_HOOK=$!
	exec 7> "$T/in"
	head -c 20 "$T/inflight" >&7
	INFLIGHT_WORKER=$(svc_wait_child "$W_FRONT") || fail "no worker for the message in flight"
}

warm_inflight_end() {
	tail -c +21 "$T/inflight" >&7
	exec 7>&-
	set +e
	wait "$INFLIGHT_HOOK"
	_rc=$?
	set -e
	[ "$_rc" = 0 ] || { cat "$T/stderr.inflight"; fail "$1: the message in flight: exit $_rc"; }
	[ -f "$T/rec/message" ] || fail "$1: the message in flight was not queued"
}

# warm_only_cases ROLE: reads "attempt [arg] | expected log text | why"
# lines, attempts only a warm child can make (at its zygote, the front, a
# worker; the word WORKER in the arg is the pid of a worker whose clean
# message is in flight meanwhile, and must still be queued).  Each
# message tempfails (81), nothing queued, and warm_after holds.
warm_only_cases() {
	while IFS='|' read -r attempt pattern why; do
		warm_begin "$1"
		case $attempt in
		*WORKER*)
			warm_inflight_start
			attempt=$(echo "$attempt" | sed "s/WORKER/$INFLIGHT_WORKER/")
			;;
		esac
		warm_message "$T/m" "$attempt"
		qs_standin 0
		svc_run "$T/m" "$T/e"
		svc_wait
		expect_rc 81 "warm: $attempt"
		[ ! -f "$T/rec/message" ] || fail "warm: $attempt: queued anyway"
		warm_log > "$T/log"
		grep -q -- "$pattern" "$T/log" || { cat "$T/log"; fail "warm: $attempt: log should say '$pattern'"; }
		[ "$(qs_field verdict)" = tempfail ] || fail "warm: $attempt: $(qs_last)"
		[ -z "${INFLIGHT_HOOK:-}" ] || { warm_inflight_end "warm: $attempt"; INFLIGHT_HOOK=; }
		expect_work_empty "warm: $attempt"
		warm_after "$1" "warm: $attempt" 0
		pass "warm: $attempt: exit 81, $pattern ($why); the zygote, the front and the monitor live on${INFLIGHT_WORKER:+, the message in flight was queued}, the next message queued"
		INFLIGHT_WORKER=
	done
}
