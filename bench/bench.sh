#!/bin/sh
# bench/bench.sh: what the scanner costs per message, whole hook included.
#
#	sh bench/bench.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: nothing here passes or fails on time.  It fails only
# when a run does not exit 0, because then the figures mean nothing.
#
# Two messages (4 KB of text; one with a 1 MiB attachment in base64), each
# pushed N times through the hooks the way qmail-smtpd runs QMAILQUEUE
# (message through a pipe on fd 0, envelope on fd 1):
#   qscan-exec   qmail-scanner-queue on the exec path: spool, canary,
#                unpack role, queue;
#   qscan-warm   the same hook with qscand running (docs/warm.md): the
#                worker spools, the unpack zygote's child parses, the
#                hook runs qmail-queue;
#   pass-through bench/passthrough_hook.c, which only execs qmail-queue.
# Both end in the same stand-in qmail-queue (tests/qq_standin.c, no
# Maildir: the disk is not what we measure).  Runs alternate between the
# hooks so that drift in the machine's load hits both alike.
#
# Without BUILD_DIR it installs what it needs and builds build-demo/ like
# tests/demo.sh.  N: QSCAN_BENCH_RUNS (default 50).
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

# GNU time for the peak RSS, perl's Time::HiRes for sub-millisecond wall
# time (GNU time's %e has 10 ms steps).
bench_prepare 50 "$@" -- time perl
demo_setup "$BUILD" "$BUILD/bench-env"
demo_qq_setting exit=0

W=$DEMO_DIR/work
mkdir -p "$W"
chmod 755 "$W"

# The pass-through hook: meson builds it; standalone on an older build
# directory it may not exist yet.
HOOK=$BUILD/bench/passthrough-hook
if [ ! -x "$HOOK" ]; then
	HOOK=$W/passthrough-hook
	cc -O2 -o "$HOOK" "$QSCAN_SRC/bench/passthrough_hook.c"
fi

bench_messages "$W"

# qscand for the warm rows: its own configuration (its socket in the work
# directory, its summary lines in a log of their own beside the exec
# path's, where qscand may write), started here and stopped at the end.
WARM_CONF=$W/warm.conf
WARM_LOG=$DEMO_SPOOL/log/warm.log
sed "s|^log_file = .*|log_file = $WARM_LOG|" "$DEMO_CONF" >"$WARM_CONF"
printf '[service]\nsocket = %s\nclient_users = qscand\n' "$W/run/qscand.sock" \
    >>"$WARM_CONF"
chmod 644 "$WARM_CONF"
"$BUILD/broker/qscand" -c "$WARM_CONF" 2>"$W/qscand.log" &
QSCAND_PID=$!
trap 'kill "$QSCAND_PID" 2>/dev/null || true' EXIT
i=0
until grep -q 'canary passed, serving' "$W/qscand.log"; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 "$QSCAND_PID" 2>/dev/null; then
		cat "$W/qscand.log" >&2
		echo "bench: qscand did not come up" >&2
		exit 1
	fi
	sleep 0.1
done
# First byte not F: the broker spools the message, refuses the envelope
# (91) and starts no role and no qmail-queue, so this measures the broker
# on its own.
printf 'Xbench@b.example\0Tcarol@d.example\0\0' >"$W/envelope.bad"

# One run per line, "ms rss_kb exit" (bench/bench_lib.sh): the hook's
# stderr and GNU time's RSS file in the work directory.
BENCH_STDERR=$W/hook.stderr
BENCH_RSS=$W/rss
runner() {
	# $1 hook, $2 message, $3 output, $4 envelope (default: a good one).
	bench_run "$1" "$2" "${4:-$W/envelope}" "$3" \
	    "QSCAN_CONFIG=${5:-$DEMO_CONF}" "QSCAN_BENCH_QQ=$DEMO_QQ"
}

echo "qscan hook benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r)"
echo "build: $BUILD   spool: $DEMO_SPOOL"
bad_total=0
table=$W/table
: >"$table"
for c in 4k 1m; do
	: >"$W/$c.ours"
	: >"$W/$c.pass"
	: >"$W/$c.alone"
	: >"$W/$c.warm"
	# One warm-up run each: page cache and dynamic loader, not counted.
	runner "$HOOK" "$W/$c.eml" /dev/null
	runner "$DEMO_BROKER" "$W/$c.eml" /dev/null
	runner "$DEMO_BROKER" "$W/$c.eml" /dev/null "$W/envelope" "$WARM_CONF"
	log_before=$(demo_summaries)
	warm_before=$(grep -c ' verdict=' "$WARM_LOG" || true)
	i=0
	while [ $i -lt "$RUNS" ]; do
		runner "$HOOK" "$W/$c.eml" "$W/$c.pass"
		runner "$DEMO_BROKER" "$W/$c.eml" "$W/$c.ours"
		runner "$DEMO_BROKER" "$W/$c.eml" "$W/$c.warm" "$W/envelope" "$WARM_CONF"
		i=$((i + 1))
	done
	# Summary lines of the full runs only: the broker-alone runs follow.
	grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" |
	    sed -n 's/.* ms=//p' | tr ',' ' ' >"$W/$c.stages"
	grep ' verdict=' "$WARM_LOG" | tail -n +"$((warm_before + 1))" |
	    sed -n 's/.* ms=//p' | tr ',' ' ' >"$W/$c.wstages"
	i=0
	while [ $i -lt "$RUNS" ]; do
		runner "$DEMO_BROKER" "$W/$c.eml" "$W/$c.alone" "$W/envelope.bad"
		i=$((i + 1))
	done
	# Five numbers, split on purpose.
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.pass")
	p_med=$1 p_p90=$2 p_peak=$3 p_rss=$4 p_bad=$5
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.ours")
	o_med=$1 o_p90=$2 o_peak=$3 o_rss=$4 o_bad=$5
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.warm")
	w_med=$1 w_p90=$2 w_peak=$3 w_rss=$4 w_bad=$5
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.alone" 91)
	a_med=$1 a_p90=$2 a_peak=$3 a_rss=$4 a_bad=$5
	bad_total=$((bad_total + p_bad + o_bad + w_bad + a_bad))
	size=$(wc -c <"$W/$c.eml")
	ratio=$(awk -v a="$o_med" -v b="$p_med" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
	wratio=$(awk -v a="$w_med" -v b="$p_med" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
	{
		printf '%s %s %s %s %s %s %s %s %s\n' \
		    "$c" "$size" pass-through "$p_med" "$p_p90" "$p_rss" "$p_peak" "1.0x" "$p_bad"
		printf '%s %s %s %s %s %s %s %s %s\n' \
		    "$c" "$size" qscan-exec "$o_med" "$o_p90" "$o_rss" "$o_peak" "$ratio" "$o_bad"
		printf '%s %s %s %s %s %s %s %s %s\n' \
		    "$c" "$size" qscan-warm "$w_med" "$w_p90" "$w_rss" "$w_peak" "$wratio" "$w_bad"
		printf '%s %s %s %s %s %s %s %s %s\n' \
		    "$c" "$size" broker-alone "$a_med" "$a_p90" "$a_rss" "$a_peak" - "$a_bad"
	} >>"$table"
done

echo
printf '%-5s %8s  %-13s %9s %9s %11s %12s %6s %s\n' case bytes hook "median ms" "p90 ms" \
    "med RSS KB" "peak RSS KB" "ratio" "bad exits"
while read -r c size h med p90 rss peak ratio bad; do
	printf '%-5s %8s  %-13s %9s %9s %11s %12s %6s %s\n' "$c" "$size" "$h" "$med" "$p90" "$rss" "$peak" "$ratio" "$bad"
done <"$table"
cat <<EOF

Wall time: from fork to reap, message written into a pipe on fd 0 (perl
Time::HiRes).  RSS: GNU time's "Maximum resident set size" of the hook's
process tree, i.e. of its largest process (qscan: broker, canary, unpack
role or stand-in qmail-queue; pass-through: the stand-in).  broker-alone:
the same message with an envelope the broker refuses (exit 91) before it
starts any role or qmail-queue, i.e. the broker's own time and RSS; the
roles' RSS is above it when the qscan row is larger.  qscan-warm: the
hook with qscand running; its RSS is the hook's and qmail-queue's only
(the worker and the zygote's child are qscand's processes).  ratio:
median / median pass-through.
EOF

echo
echo "inside the broker (its summary lines; warm: the worker's), median ms per stage:"
for c in 4k 1m; do
	for kind in stages wstages; do
		printf '  %-3s %-5s' "$c" "$([ $kind = stages ] && echo exec || echo warm)"
		for stage in spool canary unpack queue total; do
			v=$(tr ' ' '\n' <"$W/$c.$kind" | sed -n "s/^$stage://p" | sort -n |
			    awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }')
			printf '  %s %s' "$stage" "$v"
		done
		echo
	done
done

if [ "$bad_total" -gt 0 ]; then
	echo "bench: $bad_total run(s) did not exit as expected; see $DEMO_LOG and $W/hook.stderr" >&2
	exit 1
fi
