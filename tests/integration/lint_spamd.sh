#!/bin/sh
# qscan lint asks each [spamd] server: a real spamd of our own answers
# PING on its unix socket and on loopback TCP; one that is not there,
# and one that is stopped, are named with why (exit 1).  Without
# [spamd] servers, spamd is not asked.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/spamd/lib_spamd.sh"
spamd_setup
lint() {
	set +e
	"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
}
spamd_conf
sed -i 's|^servers =.*|servers =|' "$T/qscan.conf"
lint
[ "$rc" = 0 ] || fail "spamd off: exit $rc: $(cat "$T/out" "$T/err")"
! grep -q "^spamd " "$T/out" || fail "spamd off, yet asked: $(cat "$T/out")"
pass "lint: [spamd] servers empty, spamd not asked"
spamd_start
sed -i "s|^servers =.*|servers = unix:$SPAMD_SOCK;tcp:127.0.0.1:$SPAMD_PORT|" "$T/qscan.conf"
lint
grep -q "^spamd unix:$SPAMD_SOCK: answers$" "$T/out" || fail "unix spamd: $(cat "$T/out" "$T/err")"
grep -q "^spamd tcp:127.0.0.1:$SPAMD_PORT: answers$" "$T/out" || fail "tcp spamd: $(cat "$T/out" "$T/err")"
pass "lint: a running spamd answers PING on its unix socket and on TCP"
sed -i "s|^servers =.*|servers = unix:$SPAMD_SOCK;unix:$T/gone.sock|" "$T/qscan.conf"
lint
[ "$rc" = 1 ] || fail "a dead second server: exit $rc: $(cat "$T/out" "$T/err")"
grep -q "^error: spamd.servers unix:$T/gone.sock: " "$T/err" || fail "second server: $(cat "$T/err")"
pass "lint: each spamd of the list asked, the dead one named, exit 1"
spamd_stop
sed -i "s|^servers =.*|servers = tcp:127.0.0.1:$SPAMD_PORT|" "$T/qscan.conf"
lint
[ "$rc" = 1 ] || fail "spamd stopped: exit $rc"
grep -q "^error: spamd.servers tcp:127.0.0.1:$SPAMD_PORT: " "$T/err" || fail "stopped spamd: $(cat "$T/err")"
pass "lint: a stopped spamd named, exit 1"
