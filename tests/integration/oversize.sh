#!/bin/sh
# A message over max_message_bytes: the configured answer (default a
# permanent reject), read to its end, logged, nothing queued or left.
. "$(dirname "$0")/lib.sh"
qs_setup "max_message_bytes = 100000"
qs_msg "$T/m0"
{ cat "$T/m0"; head -c 200000 /dev/zero | tr '\0' x; } > "$T/m"
qs_env "$T/e" a@b.example c@d.example
qs_run "$T/m" "$T/e"
expect_rc 31 "oversize, default action"
[ ! -f "$T/rec/message" ] || fail "oversize message queued"
[ "$(qs_field verdict)" = limits ] && [ "$(qs_field reason)" = max_message_bytes ] || fail "log: $(qs_last)"
[ "$(qs_field size)" -gt 200000 ] || fail "size should count every byte read: $(qs_last)"
grep -q "over max_message_bytes" "$T/stderr" || fail "no diagnostic line"
expect_work_empty oversize
pass "oversize rejected with 31"

sed -i 's/^max_message_bytes = .*/max_message_bytes = 100000\noversize_action = tempfail/' "$T/qscan.conf"
qs_run "$T/m" "$T/e"
expect_rc 71 "oversize, tempfail action"
pass "oversize with oversize_action=tempfail: 71"

# Just under the limit passes.
head -c 99000 "$T/m" > "$T/m2"
qs_run "$T/m2" "$T/e"
expect_rc 0 "just under the limit"
pass "just under the limit: queued"
