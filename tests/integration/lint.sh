#!/bin/sh
# qscan lint: a good file passes; errors name file and line.
. "$(dirname "$0")/lib.sh"
qs_setup
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" || fail "good config refused: $(cat "$T/out")"
# The shipped settings, naming the shipped policy: both must pass.
sed "s|^policy_file = .*|policy_file = $QSCAN_SRC/policy/default.rules|" \
    "$QSCAN_BUILD/conf/qscan.conf" > "$T/shipped.conf"
"$QSCAN_BUILD/broker/qscan" lint "$T/shipped.conf" > "$T/out" 2>&1 || fail "shipped config refused: $(cat "$T/out")"
grep -q "default.rules: ok, [0-9]* rules" "$T/out" || fail "shipped policy not linted: $(cat "$T/out")"
# A broken policy: file and line.
printf '[qscan]\npolicy_file = %s\n' "$T/bad.rules" > "$T/p.conf"
printf '.exe\tSIZE=-1\tfine\nrule x filename "*.js" action explode\n' > "$T/bad.rules"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/p.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bad policy: exit $rc"
grep -q "^$T/bad.rules:2: " "$T/err" || fail "policy error without file:line: $(cat "$T/err")"
printf '[qscan]\nspool_dir = /x\nmax_mesage_bytes = 5\n[limits]\nmax_parts = -1\n' > "$T/bad.conf"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/bad.conf" 2> "$T/err"
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
