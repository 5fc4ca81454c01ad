#!/bin/sh
# A hostile role (test-only build) attempts what roles must not do, through
# the real broker, in the unpack role's place and then in the clamav
# role's.  Each attempt is stopped, the broker logs which role and how it
# ended, and the message tempfails.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup "[limits]" "role_timeout_ms = 1500"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
qs_env "$T/e" a@b.example c@d.example

# hostile_message FILE ATTEMPT...: a small message asking for ATTEMPT.
hostile_message() {
	f=$1; shift
	printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: %s\n\nbody\n' "$*" > "$f"
}

# Reads "attempt [arg] | expected exit | expected log text" lines.
run_cases() {
	while IFS='|' read -r attempt code pattern; do
		hostile_message "$T/m" "$attempt"
		qs_standin 0
		# fd 3 open in the broker, as a caller might leave it: no
		# role without a peer may see it.
		qs_run "$T/m" "$T/e" 3< /etc/hostname
		expect_rc "$code" "$attempt"
		[ "$code" = 0 ] || [ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
		[ "$code" != 0 ] || [ -f "$T/rec/message" ] || fail "$attempt: not queued"
		[ "$pattern" = - ] || grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$attempt: log should say '$pattern'"; }
		[ "$code" = 0 ] || [ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
		expect_work_empty "$attempt"
		pass "$attempt: exit $code, $pattern"
	done
}

run_cases <<'CASES'
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
run_cases <<'CASES'
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

# Floods and oversize records: each bounded by the broker, never a hang,
# never accepted.  The memfd flood stops at max_parts (default 10000)
# descriptors, the record flood at max_parts + 64 anomalies; a role that
# keeps sending slowly is still killed at its deadline.
run_cases <<'CASES'
memfd_flood|81|role unpack failed: bad-records (record [0-9]*: more parts than allowed
record_flood|81|role unpack failed: bad-records (record [0-9]*: too many anomalies
many_fds 2|81|role unpack failed: bad-records (record 3: more than one descriptor on a record
many_fds 250|81|role unpack failed: bad-records (record 3: more than one descriptor on a record
oversize|81|role unpack failed: bad-records (record 2: record larger than RECORD_MAX
slow 5000|52|role unpack failed: timeout (killed after 1500 ms)
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
qs_setup "scanners = clamav" "[limits]" "role_timeout_ms = 1500"
qs_roles
cp "$QSCAN_BUILD/tests/sandbox/qscan-hostile" "$T/roles/qscan-clamav"
chmod 755 "$T/roles/qscan-clamav"
run_cases <<'CASES'
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
# A scanner that crashed or broke its filter read the message too: its
# sample is kept as well.
ls "$T/spool/crashes/new/" | grep -q '\.clamav$' || fail "clamav crash sample not kept"
pass "clamav crash sample kept in crashes/new"
signal_case clamav
