#!/bin/sh
# bench/bench_db_swap.sh: what a signature update costs the qscand service
# (docs/warm.md, "Signature updates"): qscand with clamav on a copy of a
# database, two senders sending the 4 KB message in a loop, then a new
# .ndb renamed into the directory as freshclam does.  Printed per
# database: from the rename to the new engine serving (2 s of it the
# settling wait), how long the new zygote took to load, from the rename
# to the old zygote's end, and the hooks during the swap (how many, their
# exits, median and slowest) against the same before it.
#
#	sh bench/bench_db_swap.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: it fails only when the service does not come up
# or the swap never happens.  Rows: the tests' signatures, and the 2.2 M
# database (QSCAN_BENCH_BIGDB, default /var/tmp/qscan-bigdb, made when
# missing; copied, never written).
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

bench_prepare 1 "$@" -- python3 clamav clamav-testfiles
BIGDB=${QSCAN_BENCH_BIGDB:-/var/tmp/qscan-bigdb}
QSCAND=$BUILD/broker/qscand
for f in "$BUILD/scanners/qscan-clamav" "$QSCAND"; do
	[ -x "$f" ] || demo_die "$f is missing: build first (ninja -C $BUILD)"
done
demo_setup "$BUILD" "$BUILD/bench-swap-env"
demo_qq_setting exit=0
W=$DEMO_DIR/swap-work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"
install -m 0755 "$BUILD/scanners/qscan-clamav" "$DEMO_DIR/roles/qscan-clamav"
bench_messages "$W"
if [ ! -s "$BIGDB/bigdb.hdb" ]; then
	echo "making the 2.2 M-signature database in $BIGDB (once)"
	sh "$QSCAN_SRC/bench/make_clamav_bigdb.sh" "$BIGDB" >"$W/bigdb.out"
fi

SVC_PID=
SENDERS=
stop_all() {
	touch "$W/stop"
	for _p in $SENDERS; do wait "$_p" 2>/dev/null || true; done
	SENDERS=
	if [ -n "$SVC_PID" ]; then
		kill "$SVC_PID" 2>/dev/null || true
		wait "$SVC_PID" 2>/dev/null || true
	fi
	SVC_PID=
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

now() { date +%s.%N; }

# wait_log LOG PATTERN COUNT SECONDS
wait_log() {
	_i=0
	while [ "$(grep -c "$2" "$1" 2>/dev/null || true)" -lt "$3" ]; do
		_i=$((_i + 1))
		[ $_i -lt $(($4 * 20)) ] || { tail -n 20 "$1" >&2; demo_die "never logged: $2"; }
		sleep 0.05
	done
}

# sender K CONF: the hook in a loop; one line per message: start end rc.
sender() {
	while [ ! -e "$W/stop" ]; do
		_s=$(now)
		set +e
		env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$2" \
		    "$DEMO_BROKER" <"$W/4k.eml" 1<"$W/envelope" 2>>"$W/hook.$1.err"
		_rc=$?
		set -e
		echo "$_s $(now) $_rc" >>"$W/lat.$1"
	done
}

# stats FROM TO FILES...: messages that started in [FROM, TO): count,
# exits other than 0, median and slowest seconds.
stats() {
	_from=$1 _to=$2
	shift 2
	cat "$@" | awk -v f="$_from" -v t="$_to" '$1 >= f && $1 < t {
		n++; if ($3 != 0) bad++; d[n] = $2 - $1 }
	END {
		if (n == 0) { print "0 messages"; exit }
		# insertion sort: a few hundred values
		for (i = 2; i <= n; i++) { v = d[i]; j = i - 1
			while (j > 0 && d[j] > v) { d[j + 1] = d[j]; j-- }
			d[j + 1] = v }
		printf "%d messages, %d not 0, median %.3f s, slowest %.3f s\n",
		    n, bad, d[int((n + 1) / 2)], d[n] }'
}

# row NAME SOURCE: SOURCE "test" (the tests' signatures) or a directory.
row() {
	_name=$1
	_db=$W/db-$_name
	_log=$W/qscand.$_name.log
	rm -rf "$_db" "$W/stop" "$W"/lat.* "$W"/hook.*.err
	mkdir -p "$_db"
	if [ "$2" = test ]; then
		bench_test_signatures "$_db"
	else
		cp "$2"/*.hdb "$2"/*.ndb "$_db"/
	fi
	chmod 755 "$_db"
	chmod 644 "$_db"/*
	_conf=$W/$_name.conf
	{
		cat "$DEMO_CONF"
		echo "scanners = clamav"
		echo "[clamav]"
		echo "database = $_db"
		echo "[service]"
		echo "socket = $W/run-$_name/qscand.sock"
		echo "fallback = tempfail"
		echo "zygote_wait_ms = 20000"
		echo "canary_interval_s = 3600"
		echo "client_users = root"
	} >"$_conf"
	chmod 644 "$_conf"
	: >"$_log"
	"$QSCAND" -c "$_conf" >>"$_log" 2>&1 &
	SVC_PID=$!
	wait_log "$_log" 'canary passed, serving' 2 600
	_old=$(sed -n 's/.*zygote clamav started, pid \([0-9]*\).*/\1/p' "$_log" | tail -n 1)
	for k in 1 2; do
		sender $k "$_conf" &
		SENDERS="$SENDERS $!"
	done
	sleep 3
	_t0=$(now)
	echo "Qscan-Bench-Swap:0:*:7173636e2d62656e63682d73776170" >"$_db/.swap.ndb.tmp"
	chmod 644 "$_db/.swap.ndb.tmp"
	mv "$_db/.swap.ndb.tmp" "$_db/swap.ndb"
	wait_log "$_log" "told to retire" 1 600
	_t1=$(now)
	wait_log "$_log" "zygote clamav pid $_old: ended (replaced" 1 600
	_t2=$(now)
	sleep 1
	stop_all
	_new=$(sed -n 's/.*zygote clamav pid \([0-9]*\): canary passed, serving; pid .* told to retire.*/\1/p' "$_log")
	_load=$(sed -n "s/.*zygote clamav pid $_new: database .*: \([0-9]* signatures loaded in [0-9]* ms\).*/\1/p" "$_log")
	echo "$_name:"
	echo "  rename to new engine serving: $(echo "$_t1 $_t0" | awk '{ printf "%.2f", $1 - $2 }') s (2 s settling; the new zygote: $_load)"
	echo "  rename to old zygote ended:   $(echo "$_t2 $_t0" | awk '{ printf "%.2f", $1 - $2 }') s"
	echo "  hooks before the change:      $(stats 0 "$_t0" "$W"/lat.*)"
	echo "  hooks from rename to the end: $(stats "$_t0" "$_t2" "$W"/lat.*)"
}

row test-signatures test
row 2.2M "$BIGDB"
