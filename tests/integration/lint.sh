#!/bin/sh
# qscan lint: a good file passes; errors name file and line.
. "$(dirname "$0")/lib.sh"
qs_setup
"$QSCAN_BUILD/qscan" lint "$T/qscan.conf" > "$T/out" || fail "good config refused: $(cat "$T/out")"
"$QSCAN_BUILD/qscan" lint "$QSCAN_SRC/conf/qscan.conf" > "$T/out" || fail "shipped config refused"
printf '[qscan]\nspool_dir = /x\nmax_mesage_bytes = 5\n[limits]\nmax_parts = -1\n' > "$T/bad.conf"
set +e
"$QSCAN_BUILD/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bad config: exit $rc"
grep -q "^$T/bad.conf:3: unknown key qscan.max_mesage_bytes$" "$T/err" || fail "line 3: $(cat "$T/err")"
grep -q "^$T/bad.conf:5: limits.max_parts is not a number" "$T/err" || fail "line 5: $(cat "$T/err")"
pass "lint reports file:line"

# The broker with a broken configuration: 55, qq unable to read configuration.
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
cp "$T/bad.conf" "$T/qscan.conf"
qs_run "$T/m" "$T/e"
expect_rc 55 "broken configuration"
pass "broker with a broken configuration: 55"
