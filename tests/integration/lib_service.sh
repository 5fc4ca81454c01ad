# tests/integration/lib_service.sh: qscand started and stopped by the
# test itself, sourced after lib.sh (and tests/av/lib_av.sh when used).
#
#   svc_conf [LINE...]  appends [service] to $T/qscan.conf: the socket in
#                       $T/run, client qscan-test-smtpd, short waits;
#                       LINEs go into [service]
#   svc_start           starts qscand (root, foreground, stderr to
#                       $T/qscand.log; SVC_RUN: by that run script
#                       instead); returns once every zygote it
#                       needs passed its canary (bounded wait, else FAIL)
#   svc_stop            SIGTERM, waits for it
#   svc_run MSG ENV [VAR=value...]  the hook as qs_run runs it, in the
#                       background: HOOK_PID is its pid while it runs;
#                       svc_wait collects rc
#   svc_children PID    the pids whose parent is PID, but for a zygote's
#                       spare (comm qscan-spare: forked ahead, no
#                       message yet); svc_spare PID: that spare
SVC_PID=
SVC_SOCK=$T/run/qscand.sock
getent passwd qscan-test-smtpd >/dev/null ||
    useradd --system --no-create-home --shell /usr/sbin/nologin qscan-test-smtpd

svc_finish() {
	svc_stop
	if command -v av_finish >/dev/null 2>&1; then av_finish; else finish; fi
}
trap svc_finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

svc_conf() {
	{
		echo "[service]"
		echo "socket = $SVC_SOCK"
		echo "client_users = qscan-test-smtpd"
		echo "zygote_wait_ms = 5000"
		echo "canary_interval_s = 3600"
		for _l in "$@"; do echo "$_l"; done
	} >> "$T/qscan.conf"
}

# svc_served N: how many "canary passed, serving" lines qscand logged.
svc_served() {
	grep -c 'canary passed, serving' "$T/qscand.log" 2>/dev/null || true
}

# svc_wait_log PATTERN COUNT: until qscand's log has COUNT lines matching.
svc_wait_log() {
	_i=0
	while [ "$(grep -c "$1" "$T/qscand.log" 2>/dev/null || true)" -lt "$2" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 1200 ] || ! kill -0 "$SVC_PID" 2>/dev/null; then
			cat "$T/qscand.log"
			fail "qscand: never logged $2 x '$1'"
		fi
		sleep 0.1
	done
}

svc_start() {
	_roles=$(( 1 + $(sed -n 's/^scanners *= *//p' "$T/qscan.conf" | tail -n 1 |
	    tr ';, ' '\n\n\n' | grep -c . || true) ))
	: > "$T/qscand.log"
	# SVC_RUN: another way to start it (a supervisor's run script),
	# given QSCAN_CONFIG.
	if [ -n "${SVC_RUN:-}" ]; then
		QSCAN_CONFIG="$T/qscan.conf" "$SVC_RUN" >> "$T/qscand.log" 2>&1 &
	else
		"$QSCAN_BUILD/broker/qscand" -c "$T/qscan.conf" >> "$T/qscand.log" 2>&1 &
	fi
	SVC_PID=$!
	svc_wait_log 'canary passed, serving' "$_roles"
}

svc_stop() {
	[ -n "$SVC_PID" ] || return 0
	kill -TERM "$SVC_PID" 2>/dev/null || true
	wait "$SVC_PID" 2>/dev/null || true
	SVC_PID=
}

svc_run() {
	_msg=$1; _envf=$2; shift 2
	cat "$_msg" | env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP \
	    QSCAN_CONFIG="$T/qscan.conf" "$@" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$_envf" 2> "$T/stderr" &
	HOOK_PID=$!
}

svc_wait() {
	set +e
	wait "$HOOK_PID"
	rc=$?
	set -e
}

svc_all_children() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . || true
}

svc_children() {
	for _c in $(svc_all_children "$1"); do
		[ "$(cat "/proc/$_c/comm" 2>/dev/null)" = qscan-spare ] ||
		    echo "$_c"
	done
}

svc_spare() {
	for _c in $(svc_all_children "$1"); do
		[ "$(cat "/proc/$_c/comm" 2>/dev/null)" != qscan-spare ] ||
		    echo "$_c"
	done
}

# The front's pid, from the monitor's first line.
svc_front() {
	sed -n 's/.*qscand [0-9.]*: pid [0-9]*, front \([0-9]*\),.*/\1/p' "$T/qscand.log" | tail -n 1
}

# svc_zygote ROLE: the pid of ROLE's newest zygote.
svc_zygote() {
	sed -n "s/.*zygote $1 started, pid \([0-9]*\).*/\1/p" "$T/qscand.log" | tail -n 1
}

# svc_wait_child PID: until PID has a child; prints it.
svc_wait_child() {
	_i=0
	while [ -z "$(svc_children "$1")" ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || fail "process $1 never got a child"
		sleep 0.1
	done
	svc_children "$1" | head -n 1
}

# svc_wait_spare PID: until zygote PID has its spare; prints it.
svc_wait_spare() {
	_i=0
	while [ -z "$(svc_spare "$1")" ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || fail "zygote $1 never forked its spare"
		sleep 0.1
	done
	svc_spare "$1" | head -n 1
}

# svc_status_field PID NAME: one field of /proc/PID/status.
svc_status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# svc_confined WHAT PID: no capability in any set, NoNewPrivs 1, Seccomp 2
# (a filter), uid qscand.
svc_confined() {
	for _f in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(svc_status_field "$2" $_f)" = 0000000000000000 ] ||
		    fail "$1: $_f is $(svc_status_field "$2" $_f)"
	done
	[ "$(svc_status_field "$2" NoNewPrivs)" = 1 ] || fail "$1: NoNewPrivs not 1"
	[ "$(svc_status_field "$2" Seccomp)" = 2 ] || fail "$1: Seccomp not 2"
	_u=$(id -u qscand)
	[ "$(svc_status_field "$2" Uid | tr -s "[:space:]" " ")" = "$_u $_u $_u $_u " ] ||
	    fail "$1: uids $(svc_status_field "$2" Uid), not qscand's"
}

# svc_feed_start MSG ENV [VAR=value...]: the hook reading its message from
# a FIFO we hold open (fd 7): the message is in flight until svc_feed_end.
svc_feed_start() {
	_msg=$1; _envf=$2; shift 2
	rm -f "$T/in"
	mkfifo "$T/in"
	env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$T/qscan.conf" "$@" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/in" 1< "$_envf" 2> "$T/stderr" &
	HOOK_PID=$!
	exec 7> "$T/in"
	head -c 100 "$_msg" >&7
}
svc_feed_end() {
	tail -c +101 "$1" >&7
	exec 7>&-
}
