#!/bin/sh
# bench/bench_memory.sh: what the facts of a message cost the broker in
# memory.
#
#	sh bench/bench_memory.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: it fails only when a run does not exit 0 or a
# message does not come out clean with all its parts.  Two messages, each
# pushed N times (QSCAN_BENCH_RUNS, default 5) through qmail-scanner-queue
# (no AV: the unpack role's facts are what is measured):
#   4k          bench_messages' 4 KB of plain text, one part;
#   parts10k    10 000 parts in all (the default max_parts): the
#               multipart, a text body and 9 998 small base64 attachments
#               with ordinary names (invoice-00001.pdf), so the limit lets
#               it through and the broker holds the facts of every part.
# Columns: the broker's own peak RSS (rss_kb= of its summary line,
# getrusage RUSAGE_SELF: without its roles) median and maximum; the peak
# RSS of the largest process of the whole tree (GNU time, wait4's
# ru_maxrss: broker or a role, whichever is larger) for comparison; and
# the hook's wall time median.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

bench_prepare 5 "$@" -- time perl
demo_setup "$BUILD" "$BUILD/bench-memory-env"
demo_qq_setting exit=0

W=$DEMO_DIR/work
mkdir -p "$W"
chmod 755 "$W"
bench_messages "$W"
PARTS=10000
python3 - "$W/parts10k.eml" "$PARTS" <<'PY'
import base64, sys
path, parts = sys.argv[1], int(sys.argv[2])
body = base64.encodebytes(bytes(range(48))).decode()
with open(path, "w") as m:
    m.write("From: Bench <bench@b.example>\nTo: carol@d.example\n"
            "Subject: %d parts\nMessage-ID: <bench.parts10k@b.example>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\n\n" % parts)
    m.write("--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
            "the invoices are attached\n")
    # The multipart and the text body are two of the parts.
    for i in range(1, parts - 1):
        name = "invoice-%05d.pdf" % i
        m.write("--b1\nContent-Type: application/pdf; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n%s" % (name, name, body))
    m.write("--b1--\n")
PY
chmod 644 "$W/parts10k.eml"

BENCH_STDERR=$W/hook.stderr
BENCH_RSS=$W/rss
runner() {
	# $1 message, $2 output.
	bench_run "$DEMO_BROKER" "$1" "$W/envelope" "$2" \
	    "QSCAN_CONFIG=$DEMO_CONF" "QSCAN_BENCH_QQ=$DEMO_QQ"
}

echo "qscan memory benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r)"
echo "build: $BUILD   spool: $DEMO_SPOOL"
bad=0
table=$W/table
: >"$table"
for c in 4k parts10k; do
	: >"$W/$c.tree"
	# One warm-up run: page cache and dynamic loader, not counted.
	runner "$W/$c.eml" /dev/null
	log_before=$(demo_summaries)
	i=0
	while [ $i -lt "$RUNS" ]; do
		runner "$W/$c.eml" "$W/$c.tree"
		i=$((i + 1))
	done
	grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" >"$W/$c.lines"
	# "ms rss_kb exit": the broker's own figure in bench_stats' format
	# (no time of its own, no exit: 0 0).
	sed -n 's/.* rss_kb=\([0-9]*\) .*/0 \1 0/p' "$W/$c.lines" >"$W/$c.self"
	if [ "$(wc -l <"$W/$c.self")" -ne "$RUNS" ]; then
		echo "bench: $c: $RUNS runs, $(wc -l <"$W/$c.self") summary lines with rss_kb=" >&2
		bad=$((bad + 1))
	fi
	# Every run must be the whole message, clean: else the figure is not
	# what it claims to be.
	last=$(tail -n 1 "$W/$c.lines")
	parts=$(demo_field parts "$last")
	verdict=$(demo_field verdict "$last")
	if [ "$verdict" != clean ] || { [ "$c" = parts10k ] && [ "$parts" != "$PARTS" ]; }; then
		echo "bench: $c: verdict=$verdict parts=$parts: $last" >&2
		bad=$((bad + 1))
	fi
	# Five numbers each ("median p90 peak_rss median_rss bad").
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.self")
	s_peak=$3 s_med=$4
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.tree")
	t_med=$1 t_peak=$3 t_rssmed=$4 t_bad=$5
	bad=$((bad + t_bad))
	printf '%s %s %s %s %s %s %s %s %s\n' "$c" "$(wc -c <"$W/$c.eml")" \
	    "${parts:--}" "$verdict" "$s_med" "$s_peak" "$t_rssmed" "$t_peak" \
	    "$t_med" >>"$table"
done

echo
printf '%-9s %9s %6s %8s  %21s  %21s  %8s\n' case bytes parts verdict \
    "broker RSS med/max" "largest proc med/max" "wall ms"
while read -r c size parts verdict sm sp tm tp ms; do
	printf '%-9s %9s %6s %8s  %9s / %9s  %9s / %9s  %8s\n' \
	    "$c" "$size" "$parts" "$verdict" "$sm" "$sp" "$tm" "$tp" "$ms"
done <"$table"
cat <<EOF

RSS in KiB.  broker RSS: the broker's own peak (getrusage RUSAGE_SELF,
the rss_kb= field of its summary line), which is what the facts it holds
cost; goal for parts10k: under 32 MiB (32768).  largest proc: GNU time's
peak over the broker and its roles, whichever process was largest (the
unpack role holds the parsed message).  wall ms: median, fork to reap.
EOF
if [ "$bad" -gt 0 ]; then
	echo "bench: $bad check(s) failed; see $DEMO_LOG and $W/hook.stderr" >&2
	exit 1
fi
