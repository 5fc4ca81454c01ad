#!/bin/sh
# Out of memory in the broker ends in exit 51 ("451 qq out of memory")
# with its log line, not in GLib's abort ("qq crashed", nothing logged).
# The broker runs under a small address-space limit (ulimit -v) and is
# given an envelope of 40 MB, which it reads into memory (an allocation
# sized by input): growing that buffer fails.
. "$(dirname "$0")/lib.sh"
qs_setup "[limits]" "max_recipients = 100000"
qs_msg "$T/m"

# 40 000 recipients of 1000 bytes (under ENVELOPE_ADDRESS_MAX 1002).
awk 'BEGIN { printf "Fa@b.example%c", 0; pad = sprintf("%0980d", 0);
    for (i = 0; i < 40000; i++) printf "T%05d%s@c.example%c", i, pad, 0;
    printf "%c", 0 }' > "$T/big"

LIMIT_KB=60000

# The limit leaves the broker room to start and read a small envelope:
# what it ends in then is not ours to test here (the roles cannot raise
# their own limits under it), only that it is no out-of-memory.
qs_env "$T/e" a@b.example one@c.example
(ulimit -v $LIMIT_KB; qs_run "$T/m" "$T/e"; echo "$rc" > "$T/rc")
rc=$(cat "$T/rc")
[ "$rc" != 51 ] || fail "small envelope under ${LIMIT_KB} KB: exit 51"
! grep -q "out of memory" "$T/stderr" ||
    fail "small envelope under ${LIMIT_KB} KB: out of memory logged"
pass "small envelope under ${LIMIT_KB} KB: the broker starts (exit $rc)"

qs_standin 0
(ulimit -v $LIMIT_KB; qs_run "$T/m" "$T/big"; echo "$rc" > "$T/rc")
rc=$(cat "$T/rc")
expect_rc 51 "40 MB envelope under ${LIMIT_KB} KB"
grep -q "out of memory: .*failed to allocate" "$T/stderr" ||
    { cat "$T/stderr"; fail "no out-of-memory log line"; }
[ ! -f "$T/rec/message" ] || fail "queued anyway"
expect_work_empty "out of memory"
pass "40 MB envelope under ${LIMIT_KB} KB: exit 51, logged"
