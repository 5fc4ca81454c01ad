#!/bin/sh
# A hostile role (test-only build) attempts what roles must not do, through
# the real broker, in the unpack role's place and then in the clamav
# role's.  Each attempt is stopped, the broker logs which role and how it
# ended, and the message tempfails.  Then the same cases warm, through the
# real qscand (the hostile role its zygote, each child hostile after its
# fork): the same verdicts and log texts, and after each the monitor, the
# front and the zygote live on and the next clean message is queued; and
# what only a warm child could try: its zygote, the front, a worker.
# Crash repeats are off (crash_repeats = 0): the same attempt crashes
# a role here more than three times; tests/sandbox/crash_repeats.sh
# tests the guard.
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
. "$QSCAN_SRC/tests/sandbox/lib_hostile_warm.sh"
qs_setup "[limits]" "role_timeout_ms = 1500" "crash_repeats = 0"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
qs_env "$T/e" a@b.example c@d.example

# hostile_message FILE ATTEMPT...: a small message asking for ATTEMPT.
hostile_message() {
	f=$1; shift
	printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: %s\n\nbody\n' "$*" > "$f"
}

# Reads "attempt [arg] | expected exit | expected log text" lines.  With
# WARM set (the role whose zygote the hostile role is), through qscand:
# the log is the worker's, and the service must be unaffected after it.
WARM=
run_cases() {
	while IFS='|' read -r attempt code pattern; do
		hostile_message "$T/m" "$attempt"
		qs_standin 0
		# fd 3 open in the broker, as a caller might leave it: no
		# role without a peer may see it.
		if [ -n "$WARM" ]; then
			warm_begin "$WARM"
			svc_run "$T/m" "$T/e" 3< /etc/hostname
			svc_wait
			warm_log > "$T/log"
		else
			qs_run "$T/m" "$T/e" 3< /etc/hostname
			cp "$T/stderr" "$T/log"
		fi
		expect_rc "$code" "${WARM:+warm: }$attempt"
		[ "$code" = 0 ] || [ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
		[ "$code" != 0 ] || [ -f "$T/rec/message" ] || fail "$attempt: not queued"
		[ "$pattern" = - ] || grep -q -- "$pattern" "$T/log" || { cat "$T/log"; fail "${WARM:+warm: }$attempt: log should say '$pattern'"; }
		[ "$code" = 0 ] || [ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
		expect_work_empty "$attempt"
		if [ -n "$WARM" ]; then
			crashed=0
			case $pattern in *"crashed (signal"*) crashed=1 ;; esac
			warm_after "$WARM" "warm: $attempt" "$crashed"
			pass "warm: $attempt: exit $code, $pattern; $( [ $crashed = 1 ] &&
			    echo "its zygote retired, the successor served the next message" ||
			    echo "the zygote, the front and the monitor live on, the next message queued")"
		else
			pass "$attempt: exit $code, $pattern"
		fi
	done
}

UNPACK_CASES=$(cat <<'CASES'
none|0|-
open_passwd|81|role unpack: hostile: open_passwd survived: returned -1, errno 13
socket_inet|81|role unpack failed: sandbox-violation (signal SYS)
connect_unix /tmp/.X11-unix/X0|81|role unpack failed: sandbox-violation (signal SYS)
execve|81|role unpack failed: sandbox-violation (signal SYS)
fork|81|role unpack failed: sandbox-violation (signal SYS)
ptrace|81|role unpack failed: sandbox-violation (signal SYS)
kill_broker 1|81|role unpack failed: sandbox-violation (signal SYS)
mmap_exec|81|role unpack failed: sandbox-violation (signal SYS)
mprotect_exec|81|role unpack failed: sandbox-violation (signal SYS)
write_message|81|role unpack failed: sandbox-violation (signal SYS)
x32_socket|81|role unpack failed: sandbox-violation (signal SYS)
sleep|52|role unpack failed: timeout (killed after 1500 ms)
read_fd3|81|role unpack: hostile: read_fd3 survived: returned -1, errno 9
pass_log_pipe|81|role unpack failed: bad-records (record 2: empty record with a descriptor
crash|81|role unpack failed: crashed (signal SEGV)
CASES
)
run_cases <<CASES
$UNPACK_CASES
CASES
# "none" shows the hostile helper itself works: its message is clean.

# The crash sample is kept: it may be an exploit.
ls "$T/spool/crashes/new/" | grep -q '\.unpack$' || fail "crash sample not kept"
pass "crash sample kept in crashes/new"

# Memory RLIMIT_AS does not count (memfd pages): the role's cgroup
# (memory.max) stops it, the kernel's OOM killer ends it, the broker
# says so and tempfails, and its role cgroups are gone afterwards.
cp "$T/qscan.conf" "$T/qscan.conf.before-hog"
sed -i 's/^\[qscan\]$/[limits]\nmax_decoded_bytes = 16777216\nmax_expanded_bytes = 16777216\n[sandbox]\nunpack_memory_bytes = 67108864\n[qscan]/' "$T/qscan.conf"
printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: memfd_hog 512\n\nbody\n' > "$T/m"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 81 memfd_hog
grep -q "role unpack failed: resource-limit (memory.max 64 MiB reached: killed by the kernel's OOM killer" "$T/stderr" ||
    { cat "$T/stderr"; fail "memfd_hog: should end as resource-limit by memory.max"; }
[ "$(qs_field verdict)" = tempfail ] || fail "memfd_hog: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "memfd_hog: queued anyway"
expect_work_empty memfd_hog
for h in /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup; do
	[ ! -d "$h$QS_CGROUP" ] || [ -z "$(find "$h$QS_CGROUP" -mindepth 1 -type d ! -name brokers)" ] ||
	    fail "memfd_hog: role cgroups left in $h$QS_CGROUP"
done
pass "memfd_hog 512 MiB under a 64 MiB memory.max: resource-limit, exit 81"
mv "$T/qscan.conf.before-hog" "$T/qscan.conf"

# Records out of the order common/part_order.h writes down, one break
# each (HELLO is record 1; see hostile_order for the step letters): the
# role sent them all and exited 0, the broker refused the first one out
# of order.  The first line is the order the MIME walk sends, accepted.
ORDER_CASES=$(cat <<'CASES'
order H,D,N,P0M,F0,N,P1L,F1,F1,C1,N,P2U,F2,C2,E|0|role unpack: hostile: order H,D,N,P0M,F0,N,P1L,F1,F1,C1,N,P2U,F2,C2,E: all records sent
order P0L,F0,C0,F0,E|81|role unpack failed: bad-records (record 5: filename not right after its part
order P0M,N,F0,E|81|role unpack failed: bad-records (record 4: filename not right after its part
order P0M,P1L,C1,F0,E|81|role unpack failed: bad-records (record 5: filename not right after its part
order P0L,N,C0,E|81|role unpack failed: bad-records (record 3: anomaly between a part and its content
order P0M,C0,E|81|role unpack failed: bad-records (record 3: content for a part that takes none
order P0L,C0,C0,E|81|role unpack failed: bad-records (record 4: content not right after its part and filenames
order P0M,P1L,C0,E|81|role unpack failed: bad-records (record 4: content not right after its part and filenames
order P0M,P1L,P2L,E|81|role unpack failed: bad-records (record 4: part before the previous part's content
order P0M,P1A,F1,E|81|role unpack failed: bad-records (record 5: end before the last part's content
order P0M,H,E|81|role unpack failed: bad-records (record 3: header record after the first part
order P0M,D,E|81|role unpack failed: bad-records (record 3: header record after the first part
order E,N|81|role unpack failed: bad-records (record 3: record after end
CASES
)
run_cases <<CASES
$ORDER_CASES
CASES

# Floods and oversize records: each bounded by the broker, never a hang,
# never accepted.  The memfd flood stops at max_parts (default 10000)
# descriptors, the record flood at max_parts + 64 anomalies; a role that
# keeps sending slowly is still killed at its deadline.
FLOOD_CASES=$(cat <<'CASES'
memfd_flood|81|role unpack failed: bad-records (record [0-9]*: more parts than allowed
record_flood|81|role unpack failed: bad-records (record [0-9]*: too many anomalies
many_fds 2|81|role unpack failed: bad-records (record 3: more than one descriptor on a record
many_fds 250|81|role unpack failed: bad-records (record 3: more than one descriptor on a record
oversize|81|role unpack failed: bad-records (record 2: record larger than RECORD_MAX
slow 5000|52|role unpack failed: timeout (killed after 1500 ms)
CASES
)
run_cases <<CASES
$FLOOD_CASES
CASES

# The same memfd flood when the broker's own descriptors run out first
# (a caller's RLIMIT_NOFILE below max_parts; the role still gets its
# 4096): the broker says it is its own shortage and tempfails.
hostile_message "$T/m" memfd_flood
qs_standin 0
(ulimit -n 5000 && qs_run "$T/m" "$T/e" && echo "$rc" > "$T/rc")
rc=$(cat "$T/rc")
expect_rc 81 "memfd_flood, broker short of descriptors"
grep -q "role unpack failed: bad-records (record [0-9]*: descriptors truncated (ours: out of descriptors?))" "$T/stderr" ||
    { cat "$T/stderr"; fail "memfd_flood, broker short of descriptors: log"; }
[ ! -f "$T/rec/message" ] || fail "memfd_flood, broker short of descriptors: queued anyway"
expect_work_empty "memfd_flood, broker short of descriptors"
pass "memfd_flood, broker short of descriptors: exit 81, out of descriptors (ours)"

# signal_broker at the broker's own pid: the message names the pid of
# the process that reads it (a wrapper that execs the broker, so both
# share it).  The final filter's tgkill names only the role's own pid,
# so naming any other kills the role (SIGSYS) before the kernel sees
# the call (behind it, the pid namespace, the role's uid and Landlock's
# signal scope would refuse it too): the broker lives to log the
# violation and tempfail.
signal_case() {
	role=$1
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	cat > "$T/self-broker" <<EOF
#!/bin/sh
printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: signal_broker %s\n\nbody\n' "\$\$" > "$T/fifo" &
exec "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/fifo"
EOF
	chmod 755 "$T/self-broker"
	hostile_message "$T/m" none
	qs_standin 0
	QS_BROKER="$T/self-broker" qs_run "$T/m" "$T/e"
	expect_rc 81 "signal_broker ($role)"
	grep -Eq "(role|scanner) $role failed: sandbox-violation" "$T/stderr" ||
	    { cat "$T/stderr"; fail "signal_broker ($role): the filter did not kill the role"; }
	[ "$(qs_field verdict)" = tempfail ] || fail "signal_broker ($role): $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "signal_broker ($role): queued anyway"
	expect_work_empty "signal_broker ($role)"
	pass "signal_broker ($role): killed by the filter, the broker logged and tempfailed"
}
signal_case unpack

# A role sending valid records whose strings are all RECORD_STR_MAX long,
# 1000 parts of them (53 MB of text): the broker keeps 16 MiB of it
# (FACTS_STRING_BYTES_MAX), then empty strings, and calls it a content
# limit, limit_fact_bytes, with the limits action (reject, 31).  Its own
# peak RSS stays near the budget; keeping it all took it over 55 MB.
sed -i 's/^role_timeout_ms = .*/role_timeout_ms = 30000/' "$T/qscan.conf"
printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: long_strings 1000\n\nbody\n' > "$T/m"
qs_standin 0
rm -f "$T/rec/message"
qs_run "$T/m" "$T/e"
expect_rc 31 long_strings
[ "$(qs_field verdict)" = limits ] && [ "$(qs_field reason)" = limit_fact_bytes ] &&
    [ "$(qs_field parts)" = 1000 ] || fail "long_strings: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "long_strings: queued anyway"
rss=$(qs_field rss_kb)
[ "$rss" -gt 0 ] && [ "$rss" -lt 40960 ] || fail "long_strings: broker peak RSS $rss KiB: $(qs_last)"
expect_work_empty long_strings
pass "long_strings: limits, limit_fact_bytes, exit 31, broker peak RSS $rss KiB"

# The hostile role in the clamav role's place (the broker runs
# <role_dir>/qscan-clamav; the real unpack role runs first): clamav's
# lockdown, and the line read from the raw message it is sent to scan.
qs_setup "scanners = clamav" "[limits]" "role_timeout_ms = 1500" "crash_repeats = 0"
qs_roles
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-clamav"
chmod 755 "$T/roles/qscan-clamav"
CLAMAV_CASES=$(cat <<'CASES'
none|0|-
bad_verdict|81|scanner clamav failed: bad-records (record 3: verdict for a part not asked for, or out of order
open_passwd|81|role clamav: hostile: open_passwd survived: returned -1, errno 2 (No such file or directory)
socket_inet|81|scanner clamav failed: sandbox-violation (signal SYS)
execve|81|scanner clamav failed: sandbox-violation (signal SYS)
fork|81|scanner clamav failed: sandbox-violation (signal SYS)
ptrace|81|scanner clamav failed: sandbox-violation (signal SYS)
mmap_exec|81|scanner clamav failed: sandbox-violation (signal SYS)
write_message|81|scanner clamav failed: sandbox-violation (signal SYS)
crash|81|scanner clamav failed: crashed (signal SEGV)
sleep|52|scanner clamav failed: timeout (killed after 1500 ms)
record_flood|81|scanner clamav failed: bad-records (record 2: second record is not engine
oversize|81|scanner clamav failed: bad-records (record 2: record larger than RECORD_MAX
CASES
)
run_cases <<CASES
$CLAMAV_CASES
CASES
# A scanner that crashed or broke its filter read the message too: its
# sample is kept as well.
ls "$T/spool/crashes/new/" | grep -q '\.clamav$' || fail "clamav crash sample not kept"
pass "clamav crash sample kept in crashes/new"
signal_case clamav

# ---- warm: the same cases through qscand ----------------------------
# The hostile role as the unpack zygote (qscand starts <role_dir>/
# qscan-unpack as it starts the real one); each child is hostile after
# its fork and its lockdown.
qs_setup "[limits]" "role_timeout_ms = 1500" "crash_repeats = 0"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
svc_conf "fallback = tempfail"
svc_start
rm -f "$T/spool/crashes/new/"*
WARM=unpack
run_cases <<CASES
$UNPACK_CASES
CASES
ls "$T/spool/crashes/new/" | grep -q '\.unpack$' || fail "warm: crash sample not kept"
pass "warm: crash sample kept in crashes/new"
run_cases <<CASES
$ORDER_CASES
CASES
run_cases <<CASES
$FLOOD_CASES
CASES

# What only a warm child can aim at: its zygote (its parent, pid 1 of the
# child's pid namespace, asked with getppid before lockdown), the front,
# the monitor and another message's worker (pids of our namespace, which
# the child's pid namespace does not even contain).
front=$(svc_front)
warm_only_cases unpack <<CASES
kill_broker|role unpack failed: sandbox-violation (signal SYS)|kill at its zygote: kill is on no final list, the filter kills the child
signal_broker|role unpack failed: sandbox-violation (signal SYS)|tgkill(SIGABRT) at its zygote: the filter's tgkill names only the child's own pid, it kills the child
pidfd_signal|role unpack failed: sandbox-violation (signal SYS)|pidfd_open at its zygote, for pidfd_send_signal: not on the final list, the filter kills the child
ptrace|role unpack failed: sandbox-violation (signal SYS)|ptrace(PTRACE_ATTACH) at its zygote: the filter kills the child
vm_read|role unpack failed: sandbox-violation (signal SYS)|process_vm_readv of its zygote: the filter kills the child
proc_mem|role unpack: hostile: proc_mem survived: returned -1, errno 13 (Permission denied)|open(/proc/1/mem), its zygote's memory: fails, EACCES: Landlock grants the unpack child no file (and the zygote is not dumpable)
proc_environ|role unpack: hostile: proc_environ survived: returned -1, errno 13 (Permission denied)|open(/proc/1/environ), its zygote's environment: fails, EACCES, as proc_mem
kill_broker $front|role unpack failed: sandbox-violation (signal SYS)|kill at the front: the filter kills the child
signal_broker $front|role unpack failed: sandbox-violation (signal SYS)|tgkill at the front: the filter kills the child
pidfd_signal $front|role unpack failed: sandbox-violation (signal SYS)|pidfd_open at the front: the filter kills the child
kill_broker $SVC_PID|role unpack failed: sandbox-violation (signal SYS)|kill at the monitor: the filter kills the child
kill_broker WORKER|role unpack failed: sandbox-violation (signal SYS)|kill at another message's worker: the filter kills the child
signal_broker WORKER|role unpack failed: sandbox-violation (signal SYS)|tgkill at another message's worker: the filter kills the child
pidfd_signal WORKER|role unpack failed: sandbox-violation (signal SYS)|pidfd_open at another message's worker: the filter kills the child
CASES

# warm_one ATTEMPT CODE PATTERN: one hostile message through qscand,
# tempfailed or refused as the exec path does, the service unaffected
# after it (warm_after).
warm_one() {
	warm_begin unpack
	hostile_message "$T/m" "$1"
	qs_standin 0
	svc_run "$T/m" "$T/e"
	svc_wait
	warm_log > "$T/log"
	expect_rc "$2" "warm: $1"
	[ ! -f "$T/rec/message" ] || fail "warm: $1: queued anyway"
	grep -q -- "$3" "$T/log" || { cat "$T/log"; fail "warm: $1: log should say '$3'"; }
	expect_work_empty "warm: $1"
	warm_after unpack "warm: $1" 0
}

# memfd_hog warm: the child's memory cgroup stops it.  Where the kernel
# lets the worker move the child into a cgroup of its own (cgroup v2) the
# worker explains the kill as the exec path does; where it refuses (the
# worker says so; docs/warm.md says why) the child is in its zygote's
# cgroup, under the same memory.max, and the worker has no cgroup of the
# child's to read the OOM kill from: a SIGKILL it did not send,
# resource-limit.  Either way the OOM killer takes the child, never its
# zygote.
svc_stop
sed -i 's/^\[qscan\]$/[limits]\nmax_decoded_bytes = 16777216\nmax_expanded_bytes = 16777216\n[sandbox]\nunpack_memory_bytes = 67108864\n[qscan]/' "$T/qscan.conf"
svc_start
warm_begin unpack
hostile_message "$T/m" memfd_hog 512
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
warm_log > "$T/log"
expect_rc 81 "warm: memfd_hog"
if grep -q "warm children stay in their zygote's cgroup" "$T/log"; then
	want="role unpack failed: resource-limit (signal KILL)"
else
	want="role unpack failed: resource-limit (memory.max 64 MiB reached: killed by the kernel's OOM killer"
fi
grep -qF "$want" "$T/log" || { cat "$T/log"; fail "warm: memfd_hog: log should say '$want'"; }
[ "$(qs_field verdict)" = tempfail ] || fail "warm: memfd_hog: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "warm: memfd_hog: queued anyway"
expect_work_empty "warm: memfd_hog"
warm_after unpack "warm: memfd_hog" 0
pass "warm: memfd_hog 512 MiB under a 64 MiB memory.max: $want, exit 81; the zygote lives on, the next message queued"

# The memfd flood with the worker short of descriptors: qscand (and so
# the front and its workers) started under RLIMIT_NOFILE 5000.
svc_stop
qs_setup "[limits]" "role_timeout_ms = 1500" "crash_repeats = 0"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
svc_conf "fallback = tempfail"
printf '#!/bin/sh\nulimit -n 5000\nexec "%s/broker/qscand" -c "$QSCAN_CONFIG"\n' "$QSCAN_BUILD" > "$T/run-nofile"
chmod 755 "$T/run-nofile"
SVC_RUN="$T/run-nofile" svc_start
warm_one memfd_flood 81 "role unpack failed: bad-records (record [0-9]*: descriptors truncated (ours: out of descriptors?))"
pass "warm: memfd_flood, worker short of descriptors: exit 81, out of descriptors (ours); the zygote lives on, the next message queued"

# long_strings warm: the worker keeps to its budget of facts as the exec
# path's broker does.
svc_stop
sed -i 's/^role_timeout_ms = .*/role_timeout_ms = 30000/' "$T/qscan.conf"
svc_start
warm_begin unpack
printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: long_strings 1000\n\nbody\n' > "$T/m"
qs_standin 0
svc_run "$T/m" "$T/e"
svc_wait
expect_rc 31 "warm: long_strings"
[ "$(qs_field verdict)" = limits ] && [ "$(qs_field reason)" = limit_fact_bytes ] &&
    [ "$(qs_field parts)" = 1000 ] || fail "warm: long_strings: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "warm: long_strings: queued anyway"
rss=$(qs_field rss_kb)
[ "$rss" -gt 0 ] && [ "$rss" -lt 40960 ] || fail "warm: long_strings: worker peak RSS $rss KiB: $(qs_last)"
expect_work_empty "warm: long_strings"
warm_after unpack "warm: long_strings" 0
pass "warm: long_strings: limits, limit_fact_bytes, exit 31, worker peak RSS $rss KiB; the zygote lives on, the next message queued"
svc_stop

# The hostile role as the clamav zygote, behind the real unpack zygote:
# the clamav cases warm, and what a clamav child could aim at.
qs_setup "scanners = clamav" "[limits]" "role_timeout_ms = 1500" "crash_repeats = 0"
qs_roles
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-clamav"
chmod 755 "$T/roles/qscan-clamav"
svc_conf "fallback = tempfail"
svc_start
rm -f "$T/spool/crashes/new/"*
WARM=clamav
run_cases <<CASES
$CLAMAV_CASES
CASES
ls "$T/spool/crashes/new/" | grep -q '\.clamav$' || fail "warm: clamav crash sample not kept"
pass "warm: clamav crash sample kept in crashes/new"
front=$(svc_front)
warm_only_cases clamav <<CASES
kill_broker|scanner clamav failed: sandbox-violation (signal SYS)|kill at its zygote: the filter kills the child
signal_broker|scanner clamav failed: sandbox-violation (signal SYS)|tgkill(SIGABRT) at its zygote: the filter's tgkill names only the child's own pid, it kills the child
pidfd_signal|scanner clamav failed: sandbox-violation (signal SYS)|pidfd_open at its zygote: the filter kills the child
ptrace|scanner clamav failed: sandbox-violation (signal SYS)|ptrace(PTRACE_ATTACH) at its zygote: the filter kills the child
vm_read|scanner clamav failed: sandbox-violation (signal SYS)|process_vm_readv of its zygote: the filter kills the child
proc_mem|role clamav: hostile: proc_mem survived: returned -1, errno 13 (Permission denied)|open(/proc/1/mem): fails, EACCES: Landlock grants the clamav child only its scratch directory
proc_environ|role clamav: hostile: proc_environ survived: returned -1, errno 13 (Permission denied)|open(/proc/1/environ): fails, EACCES, as proc_mem
kill_broker $front|scanner clamav failed: sandbox-violation (signal SYS)|kill at the front: the filter kills the child
signal_broker WORKER|scanner clamav failed: sandbox-violation (signal SYS)|tgkill at another message's worker: the filter kills the child
CASES
svc_stop
