#!/bin/sh
# The hostile role plays the mhr scanner (installed as qscan-mhr, spawned by the real broker with that profile, fd 3 a UDP socket connected to a resolver): new sockets, connect, sendto an address of its own, execve, fork, ptrace, write on fd 3, files: each stopped, logged, the message tempfails; a flood of queries on its socket ends at its deadline; verdicts without their hash reputations are refused.  Then the same through the real qscand, the hostile role the mhr zygote: the same verdicts, and after each the monitor, the front and the zygote live on and the next clean message is queued.
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
. "$QSCAN_SRC/tests/sandbox/lib_hostile_warm.sh"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
qs_setup "scanners = mhr" "[limits]" "role_timeout_ms = 3000" "[mhr]" \
    "resolver = 127.0.0.1:$port" "deadline_ms = 1000"
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-mhr"
chmod 755 "$T/roles/qscan-mhr"
qs_env "$T/e" a@b.example c@d.example

# attempt | expected exit | expected log text
CASES="none|0|-
socket_inet|81|scanner mhr failed: sandbox-violation (signal SYS)
connect_unix /run/clamav/clamd.ctl|81|scanner mhr failed: sandbox-violation (signal SYS)
udp_sendto|81|scanner mhr failed: sandbox-violation (signal SYS)
execve|81|scanner mhr failed: sandbox-violation (signal SYS)
fork|81|scanner mhr failed: sandbox-violation (signal SYS)
ptrace|81|scanner mhr failed: sandbox-violation (signal SYS)
mmap_exec|81|scanner mhr failed: sandbox-violation (signal SYS)
open_passwd|81|role mhr: hostile: open_passwd survived: returned -1, errno 13
udp_flood|52|scanner mhr failed: timeout (killed after 3000 ms)
bad_verdict|81|scanner mhr failed: bad-records (record 3: mhr verdict without its hash reputation"

# run_cases [warm]: each case exec'd, or with "warm" through qscand.
run_cases() {
	while IFS='|' read -r attempt code pattern; do
		printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\n\nX-Hostile: %s\n' "$attempt" > "$T/m"
		qs_standin 0
		if [ "${1:-}" = warm ]; then
			warm_begin mhr
			svc_run "$T/m" "$T/e"
			svc_wait
			warm_log > "$T/log"
		else
			qs_run "$T/m" "$T/e"
			cp "$T/stderr" "$T/log"
		fi
		expect_rc "$code" "${1:+warm: }$attempt"
		[ "$code" = 0 ] || [ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
		[ "$code" != 0 ] || [ -f "$T/rec/message" ] || fail "$attempt: not queued"
		[ "$pattern" = - ] || grep -q -- "$pattern" "$T/log" || { cat "$T/log"; fail "${1:+warm: }$attempt: log should say '$pattern'"; }
		[ "$code" = 0 ] || [ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
		expect_work_empty "$attempt"
		if [ "${1:-}" = warm ]; then
			warm_after mhr "warm: $attempt" 0
			pass "warm: $attempt: exit $code, $pattern; the zygote, the front and the monitor live on, the next message queued"
		else
			pass "$attempt: exit $code, $pattern"
		fi
	done
}

run_cases <<EOF
$CASES
EOF

svc_conf "fallback = tempfail"
svc_start
run_cases warm <<EOF
$CASES
EOF
