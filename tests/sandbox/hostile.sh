#!/bin/sh
# A hostile role (test-only build) attempts what roles must not do, through
# the real broker.  Each attempt is stopped, the broker logs which role and
# how it ended, and the message tempfails.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup "[limits]" "role_timeout_ms = 1500"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
qs_env "$T/e" a@b.example c@d.example

# attempt [arg] | expected exit | expected log text
while IFS='|' read -r attempt code pattern; do
	printf 'From: a@b.example\nTo: c@d.example\nSubject: hostile\nX-Hostile: %s\n\nbody\n' "$attempt" > "$T/m"
	qs_standin 0
	# fd 3 open in the broker, as a caller might leave it: no role
	# without a peer may see it.
	qs_run "$T/m" "$T/e" 3< /etc/hostname
	expect_rc "$code" "$attempt"
	[ "$code" = 0 ] || [ ! -f "$T/rec/message" ] || fail "$attempt: queued anyway"
	[ "$pattern" = - ] || grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$attempt: log should say '$pattern'"; }
	[ "$code" = 0 ] || [ "$(qs_field verdict)" = tempfail ] || fail "$attempt: $(qs_last)"
	expect_work_empty "$attempt"
	pass "$attempt: exit $code, $pattern"
done <<'CASES'
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
