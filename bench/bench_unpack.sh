#!/bin/sh
# bench/bench_unpack.sh: what opening archives and TNEF costs the unpack
# role, against a hook that scans nothing.
#
#	sh bench/bench_unpack.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: it fails only when a run does not exit 0.  Four
# messages, each pushed N times (QSCAN_BENCH_RUNS, default 30) through
# qmail-scanner-queue and through bench/passthrough_hook.c (which only
# execs the stand-in qmail-queue), alternating, as bench/bench.sh does:
#   zip-1m      a zip holding 1 MiB of random bytes (deflate cannot
#               shrink them), base64-attached;
#   tnef-clam   Debian's clam.tnef (clamav-testfiles) as winmail.dat;
#   tnef-1m     a TNEF stream holding a 1 MiB attachment, built with
#               tests/tnef/make_tnef.py, as winmail.dat;
#   bin-1m      the same 1 MiB as a plain attachment: no container, the
#               cost of decoding and sending it alone.
# Columns: hook wall time (fork to reap) median and p90, and the unpack
# stage of the broker's summary line (ms=...,unpack:X) median and p90.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

bench_prepare 30 "$@" -- time perl
CLAM_TNEF=/usr/share/clamav-testfiles/clam.tnef
[ -f "$CLAM_TNEF" ] || demo_die "$CLAM_TNEF missing (Debian package clamav-testfiles)"
demo_setup "$BUILD" "$BUILD/bench-unpack-env"
demo_qq_setting exit=0

W=$DEMO_DIR/work
mkdir -p "$W"
chmod 755 "$W"
HOOK=$BUILD/bench/passthrough-hook
if [ ! -x "$HOOK" ]; then
	HOOK=$W/passthrough-hook
	cc -O2 -o "$HOOK" "$QSCAN_SRC/bench/passthrough_hook.c"
fi
printf 'Fbench@b.example\0Tcarol@d.example\0\0' >"$W/envelope"

python3 - "$W" "$QSCAN_SRC/tests/tnef" "$CLAM_TNEF" <<'PY'
import base64, io, os, sys, zipfile
w, tnef_dir, clam = sys.argv[1:4]
sys.path.insert(0, tnef_dir)
import make_tnef
payload = os.urandom(1 << 20)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("report.bin", payload)
cases = {
    "zip-1m": (buf.getvalue(), "report.zip", "application/zip"),
    "tnef-clam": (open(clam, "rb").read(), "winmail.dat", "application/ms-tnef"),
    "tnef-1m": (make_tnef.message_head() + make_tnef.attachment("report.bin", payload),
                "winmail.dat", "application/ms-tnef"),
    "bin-1m": (payload, "report.bin", "application/octet-stream"),
}
for case, (data, name, ctype) in cases.items():
    with open(os.path.join(w, case + ".eml"), "w") as m:
        m.write("From: Bench <bench@b.example>\nTo: carol@d.example\n"
                "Subject: %s\nMessage-ID: <bench.%s@b.example>\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
                "--b1\nContent-Type: text/plain\n\nthe report is attached\n"
                "--b1\nContent-Type: %s; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n%s--b1--\n"
                % (case, case, ctype, name, name, base64.encodebytes(data).decode()))
PY

# One run per line, "ms rss_kb exit" (bench/bench_lib.sh), as bench.sh
# measures it; the table shows the times only.
BENCH_STDERR=$W/hook.stderr
BENCH_RSS=$W/rss
runner() {
	# $1 hook, $2 message, $3 output.
	bench_run "$1" "$2" "$W/envelope" "$3" \
	    "QSCAN_CONFIG=$DEMO_CONF" "QSCAN_BENCH_QQ=$DEMO_QQ"
}

echo "qscan unpack benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r)"
echo "build: $BUILD   spool: $DEMO_SPOOL"
bad=0
table=$W/table
: >"$table"
for c in zip-1m tnef-clam tnef-1m bin-1m; do
	: >"$W/$c.ours"
	: >"$W/$c.pass"
	# One warm-up run each: page cache and dynamic loader, not counted.
	runner "$HOOK" "$W/$c.eml" /dev/null
	runner "$DEMO_BROKER" "$W/$c.eml" /dev/null
	log_before=$(demo_summaries)
	i=0
	while [ $i -lt "$RUNS" ]; do
		runner "$HOOK" "$W/$c.eml" "$W/$c.pass"
		runner "$DEMO_BROKER" "$W/$c.eml" "$W/$c.ours"
		i=$((i + 1))
	done
	grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" |
	    sed -n 's/.*[ ,=]unpack:\([0-9.]*\).*/\1/p' >"$W/$c.unpack"
	# Parts the role reported (last summary line): the container's
	# members must be among them, or the figure is not what it claims.
	parts=$(grep ' verdict=' "$DEMO_LOG" | tail -n 1 | tr ' ' '\n' | sed -n 's/^parts=//p')
	# Five numbers each ("median p90 peak_rss median_rss bad"), split on
	# purpose; the stage times have no exit, so no bad ones.
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.pass")
	p_med=$1 p_p90=$2 p_bad=$5
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.ours")
	o_med=$1 o_p90=$2 o_bad=$5
	# shellcheck disable=SC2046
	set -- $(bench_stats "$W/$c.unpack")
	u_med=$1 u_p90=$2
	bad=$((bad + p_bad + o_bad))
	printf '%s %s %s %s %s %s %s %s %s\n' "$c" "$(wc -c <"$W/$c.eml")" \
	    "${parts:--}" "$p_med" "$p_p90" "$o_med" "$o_p90" "$u_med" "$u_p90" >>"$table"
done

echo
printf '%-10s %8s %5s  %21s  %21s  %21s\n' case bytes parts \
    "pass-through med/p90" "qscan med/p90" "unpack stage med/p90"
while read -r c size parts pm pp om op um up; do
	printf '%-10s %8s %5s  %9s / %9s  %9s / %9s  %9s / %9s\n' \
	    "$c" "$size" "$parts" "$pm" "$pp" "$om" "$op" "$um" "$up"
done <"$table"
cat <<EOF

All times in ms.  pass-through and qscan: wall time of the hook, fork to
reap, message written into a pipe on fd 0.  unpack stage: the broker's own
measure of the unpack role, from its summary lines.  qscan runs no AV
here: its difference to pass-through is spool, canary, unpack and the
queue hand-off; bin-1m is the part of unpack that decodes and sends 1 MiB
without any container.
EOF
if [ "$bad" -gt 0 ]; then
	echo "bench: $bad run(s) did not exit 0; see $DEMO_LOG and $W/hook.stderr" >&2
	exit 1
fi
