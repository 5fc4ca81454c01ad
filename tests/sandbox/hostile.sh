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
