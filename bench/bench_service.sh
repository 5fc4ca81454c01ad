#!/bin/sh
# bench/bench_service.sh: what the qscand service (warm roles, docs/warm.md)
# saves per message, against the exec path and a pass-through hook, in one
# run.
#
#	sh bench/bench_service.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: nothing here passes or fails on time.  It fails only
# when a run does not end as it should (exit 0, verdict clean), because then
# the figures mean nothing.
#
# Rows, each for the 4 KB and the 1 MiB message of bench.sh, the runs of
# one table alternating between rows so that drift in the machine's load
# hits all alike:
#   pass-through         bench/passthrough_hook.c: only execs qmail-queue;
#   exec|warm unpack     unpack + policy (policy/default.rules), no AV;
#   exec|warm clamav     + the libclamav role on the tests' signatures;
#   exec|warm clamav-2M  + libclamav on the 2.2 M-signature database
#                        (bench/make_clamav_bigdb.sh makes it);
#   exec|warm clamd-2M   + the clamd role, FILDES, our clamd on the same
#                        database;
# "exec" is qmail-scanner-queue without the service (every role spawned
# and exec'd per message); "warm" is the same hook with qscand running
# (children forked from initialised zygotes).  Then the same rows with 4
# senders at once (messages per second), the memory of each warm clamav
# child in flight on the 2.2 M database (USS: what it does not share with
# its zygote), and the service's own memory.
#
# N: QSCAN_BENCH_RUNS (default 30); the exec rows on the 2.2 M database
# load it for every message (seconds each): QSCAN_BENCH_BIG_RUNS (default
# 5).  Concurrent: QSCAN_BENCH_CONC_MSGS messages (default 200; 12 for the
# exec rows on the big database).  The database: QSCAN_BENCH_BIGDB
# (default /var/tmp/qscan-bigdb, made when missing).
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"
TOOL=$QSCAN_SRC/tests/av/clamd_tool.py

bench_prepare 30 "$@" -- perl python3 time clamav clamav-daemon clamav-testfiles
BIG_RUNS=${QSCAN_BENCH_BIG_RUNS:-5}
CONC_MSGS=${QSCAN_BENCH_CONC_MSGS:-200}
BIGDB=${QSCAN_BENCH_BIGDB:-/var/tmp/qscan-bigdb}
QSCAND=$BUILD/broker/qscand
[ -x "$QSCAND" ] || demo_die "$QSCAND is missing: build first (ninja -C $BUILD)"
bench_av_setup bench-warm-env warm-work
HOOK=$BUILD/bench/passthrough-hook
[ -x "$HOOK" ] || demo_die "$HOOK is missing: build first"

# The databases, readable by qscan-clamav and clamd.
SMALLDB=$W/db
mkdir -p "$SMALLDB"
bench_test_signatures "$SMALLDB"
chmod 755 "$SMALLDB"
if [ ! -s "$BIGDB/bigdb.hdb" ]; then
	echo "making the 2.2 M-signature database in $BIGDB (once)"
	sh "$QSCAN_SRC/bench/make_clamav_bigdb.sh" "$BIGDB" >"$W/bigdb.out"
fi
chmod 755 "$BIGDB"

trap 'bench_qscand_stop; bench_clamd_stop' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
echo "starting our clamd on the 2.2 M database"
# Every run sends the same message, and clamd keeps the MD5 of each
# clean file it scanned: from the second run on it scans nothing of the
# 1 MiB attachment, while each warm libclamav child, a fork of its
# zygote, forgets what it cached.  Without its cache clamd does the
# same work as our roles (QSCAN_BENCH_CLAMD_EXTRA= to measure the cache).
QSCAN_BENCH_CLAMD_EXTRA=${QSCAN_BENCH_CLAMD_EXTRA-DisableCache yes}
bench_clamd_start "$W" "$BIGDB" "" 300
echo "clamd answered after $BENCH_CLAMD_LOAD_MS ms"

# conf NAME [LINE...]: the demo's configuration plus the policy and
# LINEs, twice: NAME.warm.conf for qscand and its hooks (a socket of its
# own per configuration, so that every service runs at once and the runs
# can alternate), NAME.exec.conf for the exec path (bench_service_lines).
conf() {
	_n=$1
	shift
	for _mode in warm exec; do
		{
			cat "$DEMO_CONF"
			echo "policy_file = $QSCAN_SRC/policy/default.rules"
			for _l in "$@"; do echo "$_l"; done
			bench_service_lines $_mode "$W/run-$_n/qscand.sock"
		} >"$W/$_n.$_mode.conf"
		chmod 644 "$W/$_n.$_mode.conf"
	done
}
conf unpack
conf clamav "scanners = clamav" "[clamav]" "database = $SMALLDB"
conf clamav-2M "scanners = clamav" "[clamav]" "database = $BIGDB"
conf clamd-2M "scanners = clamd" "[clamd]" "servers = unix:$BENCH_CLAMD_SOCK" "mode = fildes"
CONFS="unpack clamav clamav-2M clamd-2M"

bench_messages "$W"
BENCH_STDERR=$W/hook.stderr
BENCH_RSS=

service_start() {
	bench_qscand_start "$W/$1.warm.conf" "$W/qscand.$1.log"
	eval "SERVICE_PID_$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)=$BENCH_QSCAND_PID"
}

# run ROW MESSAGE OUTPUT: one run of ROW: "pass", "exec-NAME", "warm-NAME".
run() {
	case $1 in
	pass) bench_run "$HOOK" "$2" "$W/envelope" "$3" "QSCAN_BENCH_QQ=$DEMO_QQ" ;;
	exec-*) bench_run "$DEMO_BROKER" "$2" "$W/envelope" "$3" \
	    "QSCAN_CONFIG=$W/${1#exec-}.exec.conf" ;;
	warm-*) bench_run "$DEMO_BROKER" "$2" "$W/envelope" "$3" \
	    "QSCAN_CONFIG=$W/${1#warm-}.warm.conf" ;;
	esac
}

# conc ROW MESSAGE TOTAL [--sample-children-of PIDS]: TOTAL runs with 4
# senders; prints bench_concurrent.py's line.
conc() {
	_row=$1 _msg=$2 _total=$3
	shift 3
	case $_row in
	pass) set -- "$HOOK" "$@" "QSCAN_BENCH_QQ=$DEMO_QQ" ;;
	exec-*) set -- "$DEMO_BROKER" "$@" "QSCAN_CONFIG=$W/${_row#exec-}.exec.conf" ;;
	warm-*) set -- "$DEMO_BROKER" "$@" "QSCAN_CONFIG=$W/${_row#warm-}.warm.conf" ;;
	esac
	_h=$1
	shift
	python3 "$QSCAN_SRC/bench/bench_concurrent.py" "$_h" "$_msg" \
	    "$W/envelope" "$_total" 4 "$BENCH_STDERR" "$@"
}

for c in $CONFS; do
	echo "starting qscand on $c"
	service_start "$c"
done

ROWS="pass"
for c in $CONFS; do ROWS="$ROWS exec-$c warm-$c"; done

echo "qscan warm-role benchmark: $RUNS runs per case ($BIG_RUNS for exec on the 2.2 M database), $(nproc) CPUs, $(uname -r)"
echo "build: $BUILD   clamd: $(/usr/sbin/clamd --version)${QSCAN_BENCH_CLAMD_EXTRA:+, $QSCAN_BENCH_CLAMD_EXTRA}"
table=$W/table
: >"$table"
bad_total=0
for m in 4k 1m; do
	for r in $ROWS; do
		: >"$W/$m.$r"
		run "$r" "$W/$m.eml" /dev/null	# warm-up, not counted
	done
	i=0
	while [ $i -lt "$RUNS" ]; do
		for r in $ROWS; do
			case $r in
			exec-*-2M) [ $i -lt "$BIG_RUNS" ] || continue ;;
			esac
			run "$r" "$W/$m.eml" "$W/$m.$r"
		done
		i=$((i + 1))
	done
	pass_med=$(bench_stats "$W/$m.pass" | cut -d' ' -f1)
	for r in $ROWS; do
		# shellcheck disable=SC2046  # five numbers, split on purpose
		set -- $(bench_stats "$W/$m.$r")
		bad_total=$(($bad_total + $5))
		printf '%-5s %-18s %6s %9s %9s %8s %5s\n' "$m" "$r" \
		    "$(wc -l <"$W/$m.$r")" "$1" "$2" \
		    "$(awk -v a="$1" -v b="$pass_med" 'BEGIN { printf "%.2fx", a / b }')" \
		    "$5" >>"$table"
	done
done
echo
echo "per message, one sender (ms; ratio = median / pass-through's median)"
printf '%-5s %-18s %6s %9s %9s %8s %5s\n' size row runs median p90 ratio bad
cat "$table"

echo
echo "4 senders at once ($CONC_MSGS messages per row; 12 for exec on the 2.2 M database)"
printf '%-5s %-18s %9s %9s %9s %5s  %s\n' size row "msgs/s" "median" "p90" bad "per warm clamav child in flight"
for m in 4k 1m; do
	for r in $ROWS; do
		n=$CONC_MSGS
		case $r in exec-*-2M) n=12 ;; esac
		extra=
		if [ "$r" = warm-clamav-2M ]; then
			zy=$(pgrep -f 'qscan-clamav' | while read -r p; do
			    [ "$(ps -o user= -p "$p")" = qscan-clamav ] &&
			    grep -q 'qscand' "/proc/$(ps -o ppid= -p "$p" | tr -d ' ')/cmdline" 2>/dev/null &&
			    echo "$p"; done | paste -sd, -)
			[ -n "$zy" ] && extra="--sample-children-of $zy"
		fi
		# shellcheck disable=SC2086  # extra is two words or none
		set -- $(conc "$r" "$W/$m.eml" "$n" $extra)
		bad_total=$(($bad_total + $4))
		printf '%-5s %-18s %9s %9s %9s %5s  %s\n' "$m" "$r" "$1" "$2" "$3" "$4" "$(shift 4; echo "$*")"
	done
done

echo
echo "the services' own memory (kB; PSS shares each page among its users)"
printf '%-12s %-8s %-14s %10s %10s\n' config pid process rss pss
for c in $CONFS; do
	eval "root=\$SERVICE_PID_$(echo "$c" | tr -c 'a-zA-Z0-9\n' _)"
	for p in $root $(pgrep -P "$root") $(for q in $(pgrep -P "$root"); do pgrep -P "$q"; done); do
		[ -r "/proc/$p/smaps_rollup" ] || continue
		printf '%-12s %-8s %-14s %10s %10s\n' "$c" "$p" \
		    "$(ps -o user= -p "$p")" \
		    "$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")" \
		    "$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")"
	done
done

[ "$bad_total" -eq 0 ] || demo_die "$bad_total runs did not exit 0: the figures mean nothing"
