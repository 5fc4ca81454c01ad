#!/bin/sh
# qscan lint asks each server a configured role needs: a real clamd of
# our own answers PING; one that accepts and never answers, and one that
# is not there, are named with why.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_clamd_start
av_conf fildes
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err" || fail "lint with clamd running: $(cat "$T/out" "$T/err")"
grep -q "^clamd unix:$T/clamd.sock: answers$" "$T/out" || fail "clamd not asked: $(cat "$T/out")"
grep -q "^system: ok" "$T/out" || fail "system: $(cat "$T/out")"
pass "lint: a running clamd answers PING"
# Failover list: every server is asked, the dead one named.
AV_CLAMD_SERVERS="unix:$T/clamd.sock;unix:$T/gone.sock" av_conf fildes
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "a dead second server: exit $rc"
grep -q "^clamd unix:$T/clamd.sock: answers$" "$T/out" || fail "first server: $(cat "$T/out")"
grep -q "^error: clamd.servers unix:$T/gone.sock: " "$T/err" || fail "second server: $(cat "$T/err")"
pass "lint: each server of the list asked, the dead one named"
av_hang_start "$T/hang.sock"
AV_CLAMD_SERVERS="unix:$T/hang.sock" AV_CLAMD_EXTRA="read_timeout_ms = 1000" av_conf fildes
sed -i 's/^connect_timeout_ms = .*//' "$T/qscan.conf"
printf 'connect_timeout_ms = 500\n' >> "$T/qscan.conf"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "a silent clamd: exit $rc"
grep -q "^error: clamd.servers unix:$T/hang.sock: answered PING with \"\", not PONG (within 500 ms)$" "$T/err" || fail "silent clamd: $(cat "$T/err")"
pass "lint: a server that accepts and never answers is named"
