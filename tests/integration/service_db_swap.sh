#!/bin/sh
# Signature updates without downtime (docs/warm.md, "Signature updates"):
# qscand with clamav on a database directory of the test's own.  While
# messages run in a loop (every one must be answered by a zygote: clean
# 0, EICAR 31, never a fallback), (a) a new .ndb makes a new engine load
# beside the old, take over once canaried, and the old retire; a message
# the old database called clean is now a virus; (b) a malformed .ndb
# fails to load: logged with the zygote's own reason, the old engine is
# kept and scans on; (b2) making it good is a change: a new engine again;
# (c) `qscan reload` with the databases unchanged replaces every zygote
# the same way.  Throughout, never more than two clamav zygotes.  (d)
# Zygotes retiring at max children: the hooks that wait are served.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
av_setup "virus_action = reject"
av_messages
av_conf clamav
# No retirement at max children during (a)-(c): its pause is (d)'s.
svc_conf "fallback = tempfail" "zygote_max_children = 1000000"
V=$T/msgs/nested/eicar-base64.eml
qs_msg "$T/clean" hello
qs_env "$T/e" alice@a.example bob@b.example
MARK=qscan-swap-marker-5c1e
printf 'From: Alice <alice@a.example>\nTo: bob@b.example\nSubject: marked\nMessage-ID: <m2@a.example>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n\nthe body carries %s here\n' \
    "$MARK" > "$T/marked"

# hook MSG: the hook once, through the service; its exit in $rc.
hook() {
	qs_standin 0
	qs_run "$1" "$T/e"
}

# The background load: clean and EICAR in turn, each exit logged with
# what it should have been; stops when $T/loop.stop exists.
loop() {
	_n=0
	while [ ! -e "$T/loop.stop" ]; do
		_n=$((_n + 1))
		if [ $((_n % 2)) = 0 ]; then _m=$V; _want=31; else _m=$T/clean; _want=0; fi
		set +e
		cat "$_m" | env -i TCPREMOTEIP=192.0.2.9 PROTO=SMTP \
		    QSCAN_CONFIG="$T/qscan.conf" \
		    "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" \
		    2> "$T/loop.err"
		_rc=$?
		set -e
		echo "$_n $_want $_rc" >> "$T/loop.rc"
		[ "$_rc" = "$_want" ] || cp "$T/loop.err" "$T/loop.err.$_n"
	done
}

# The clamav zygotes alive (the monitor's children of uid qscan-clamav),
# sampled until $T/loop.stop exists; the most seen goes to $T/zmax.
sampler() {
	_max=0
	while [ ! -e "$T/loop.stop" ]; do
		_c=$(pgrep -u qscan-clamav -P "$SVC_PID" | wc -l)
		[ "$_c" -le "$_max" ] || { _max=$_c; echo "$_max" > "$T/zmax"; }
		sleep 0.01
	done
}

svc_start
z1=$(svc_zygote clamav)
hook "$T/marked"
expect_rc 0 "the marked message, first database"
hook "$V"
expect_rc 31 "EICAR, first database"
: > "$T/loop.rc"
echo 0 > "$T/zmax"
loop &
LOOP_PID=$!
sampler &
SAMPLER_PID=$!
stop_load() {
	touch "$T/loop.stop"
	wait "$LOOP_PID" "$SAMPLER_PID" 2>/dev/null || true
}
# A failure stops the load too (else meson waits for it).
trap 'stop_load; svc_finish' EXIT

# since: seconds since $1 (a `date +%s.%N`), for the figures printed.
since() {
	echo "$(date +%s.%N) $1" | awk '{ printf "%.2f", $1 - $2 }'
}

# (a) A new signature, written as freshclam does: a dot file renamed in.
echo "Qscan-Swap-Marker:0:*:$(printf %s "$MARK" | od -An -tx1 | tr -d ' \n')" \
    > "$T/db/.swap.ndb.tmp"
chmod 644 "$T/db/.swap.ndb.tmp"
t0=$(date +%s.%N)
mv "$T/db/.swap.ndb.tmp" "$T/db/swap.ndb"
svc_wait_log "front: the clamav databases in $T/db changed" 1
svc_wait_log "zygote clamav pid [0-9]*: canary passed, serving; pid $z1 told to retire" 1
echo "# (a) from the new file to the new engine serving: $(since "$t0") s (2 s of it the settling wait)"
svc_wait_log "zygote clamav pid $z1: ended (replaced" 1
z2=$(sed -n "s/.*zygote clamav pid \([0-9]*\): canary passed, serving; pid $z1 told to retire.*/\1/p" "$T/qscand.log")
[ "$(svc_zygote clamav)" = "$z2" ] || fail "the new engine is not the newest zygote"
hook "$T/marked"
expect_rc 31 "the marked message after the new signature"
grep -q "Qscan-Swap-Marker" "$T/spool/log/qscan.log" || fail "no summary names the new signature"
pass "(a) new signature: zygote $z2 loaded it beside $z1, was canaried, serves; $z1 retired; the marked message is a virus"

# (b) A malformed database file: the new engine fails, the old one stays.
echo "this is no signature at all" > "$T/db/broken.ndb"
chmod 644 "$T/db/broken.ndb"
svc_wait_log "zygote clamav pid [0-9]*: database $T/db failed to load (exit [0-9]*): keeping the engine loaded at .* (pid $z2)" 1
z3=$(svc_zygote clamav)
[ "$z3" != "$z2" ] || fail "no zygote was started for the broken database"
grep -q "zygote clamav pid $z3: .*database $T/db: cl_load: " "$T/qscand.log" ||
    { cat "$T/qscand.log"; fail "the zygote's own reason (cl_load) was not relayed"; }
hook "$T/marked"
expect_rc 31 "the marked message, broken database written"
hook "$V"
expect_rc 31 "EICAR, broken database written"
hook "$T/clean"
expect_rc 0 "clean, broken database written"
pass "(b) broken database: zygote $z3 failed to load it (logged, with cl_load's reason); $z2 kept and scanning"

# (b2) The broken file made good changes the stamp again: a new engine.
echo "Qscan-Swap-Other:0:*:$(printf %s qscan-swap-other-91d2 | od -An -tx1 | tr -d ' \n')" \
    > "$T/db/broken.ndb"
svc_wait_log "canary passed, serving; pid $z2 told to retire" 1
svc_wait_log "zygote clamav pid $z2: ended (replaced" 1
[ "$(grep -c 'failed to load' "$T/qscand.log")" = 1 ] ||
    fail "the broken database was tried more than once: $(grep 'failed to load' "$T/qscand.log")"
z4=$(svc_zygote clamav)
hook "$T/marked"
expect_rc 31 "the marked message after the broken file went"
pass "(b2) broken file made good: zygote $z4 took over from $z2; the broken database was tried once"

# (c) qscan reload, databases unchanged: every zygote replaced, no pause.
u1=$(svc_zygote unpack)
t0=$(date +%s.%N)
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" reload > "$T/out" ||
    fail "qscan reload: $(cat "$T/out")"
svc_wait_log "zygote unpack pid [0-9]*: canary passed, serving; pid $u1 told to retire" 1
svc_wait_log "zygote clamav pid [0-9]*: canary passed, serving; pid $z4 told to retire" 1
echo "# (c) from qscan reload to both successors serving: $(since "$t0") s"
svc_wait_log "zygote unpack pid $u1: ended (replaced" 1
svc_wait_log "zygote clamav pid $z4: ended (replaced" 1
hook "$T/marked"
expect_rc 31 "the marked message after the reload"
hook "$T/clean"
expect_rc 0 "clean after the reload"
pass "(c) qscan reload: unpack $u1 and clamav $z4 each replaced after their successor's canary"

stop_load
! grep 'hooks wait' "$T/qscand.log" ||
    fail "hooks had to wait for a zygote during the swaps or the reload"
n=$(wc -l < "$T/loop.rc")
bad=$(awk '$2 != $3' "$T/loop.rc")
[ -z "$bad" ] || { cat "$T"/loop.err.* 2>/dev/null; fail "messages of the loop answered otherwise (n want got): $bad"; }
[ "$n" -ge 4 ] || fail "only $n messages ran during the swaps"
pass "$n messages during the swaps and the reload: each clean one 0, each EICAR 31, no fallback, none waited for a zygote"
zmax=$(cat "$T/zmax")
[ "$zmax" -le 2 ] || fail "$zmax clamav zygotes at once"
pass "at most $zmax clamav zygotes at once (two engines at most)"

# (d) A retirement at max children still pauses (the zygote says RETIRING
# only when it stops accepting): the hooks that came meanwhile wait for
# the successor's canary, and each is then served, none tempfailed.
svc_stop
sed -i 's/^zygote_max_children = .*/zygote_max_children = 3/' "$T/qscan.conf"
svc_start
for i in 1 2 3 4 5 6 7 8; do
	hook "$T/clean"
	expect_rc 0 "clean message $i with zygote_max_children = 3"
done
[ "$(grep -c 'retires after 3 children: max children reached' "$T/qscand.log")" -ge 2 ] ||
    fail "no retirement at max children: $(cat "$T/qscand.log")"
grep -q 'no canaried zygote for role unpack: hooks wait' "$T/qscand.log" ||
    fail "no hook waited: (d) did not test the waiting connections"
pass "(d) zygotes retiring every 3 children: 8 messages in a row, each queued"
