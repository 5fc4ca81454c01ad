#!/bin/sh
# bench/bench_av.sh: what virus scanning costs per message, whole hook
# included, for each AV backend, against clamd scanning the same message
# on its own.
#
#	sh bench/bench_av.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: nothing here passes or fails on time.  It fails only
# when a run does not end as it should (exit 0, verdict clean), because then
# the figures mean nothing.
#
# Two clean messages (4 KB of text; one with a 1 MiB attachment in base64,
# the same as bench.sh's), each pushed N times through qmail-scanner-queue
# the way qmail-smtpd runs QMAILQUEUE, with four configurations:
#   no AV            scanners empty: spool, canary, unpack, queue;
#   clamav           the libclamav role (loads the database per message);
#   clamd fildes     the clamd role, clamd on a unix socket, FILDES;
#   clamd instream   the clamd role, clamd on loopback TCP, INSTREAM;
# and, in the same run, clamd alone: one python3 client sending the raw
# message as zINSTREAM chunks N times (unix socket and TCP), timed per
# request, i.e. what clamd itself needs with no qscan around it.
# Runs alternate between the configurations so that drift in the
# machine's load hits all alike.
#
# Then the limits table: a 400 MB zip bomb (the one of
# tests/integration/unpack_containers.sh, about 400 KB) and a 30 MiB
# message (a 23 MiB attachment: its raw form is over clamd's 25 MiB
# StreamMaxLength, its part is not), QSCAN_BENCH_LIMIT_RUNS times
# (default 3) per configuration, with the exit code, verdict, reason and
# the broker's av stage time of the last run: what a bomb costs the
# engines, and whether a large legitimate message bounces.
# QSCAN_BENCH_AV_TABLES=limits prints only that table.
#
# The signature database is the tests' (tests/av/lib_av.sh): MD5 of
# clam.exe plus an EICAR body signature, made here, so that loading it is
# cheap.  With a real database (about 1 GiB, seconds to load) the clamav
# row grows by that load time per message; the clamd rows do not.
#
# Our own clamd (Debian's /usr/sbin/clamd) on a socket and port of its own,
# never the system's; stopped at exit.  N: QSCAN_BENCH_RUNS (default 30).
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"
TOOL=$QSCAN_SRC/tests/av/clamd_tool.py

bench_prepare 30 "$@" -- perl python3 clamav clamav-daemon clamav-testfiles
bench_av_setup bench-av-env av-work

# The test database, readable by qscan-clamav and clamd.
DB=$W/db
mkdir -p "$DB"
bench_test_signatures "$DB"
chmod 755 "$DB"

# Our clamd: a child of this shell, stopped at exit whatever happens.
PORT=$(python3 "$TOOL" freeport)
trap bench_clamd_stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_clamd_start "$W" "$DB" "$PORT"
SOCK=$BENCH_CLAMD_SOCK

# One configuration per backend, from the demo's: conf NAME [LINE...].
conf() {
	_n=$1
	shift
	{
		cat "$DEMO_CONF"
		for _l in "$@"; do echo "$_l"; done
	} >"$W/$_n.conf"
	chmod 644 "$W/$_n.conf"
}
conf noav
conf clamav "scanners = clamav" "[clamav]" "database = $DB"
conf fildes "scanners = clamd" "[clamd]" "servers = unix:$SOCK" "mode = fildes"
conf instream "scanners = clamd" "[clamd]" "servers = tcp:127.0.0.1:$PORT" "mode = instream"
BACKENDS="noav clamav fildes instream"

# The same two messages as bench.sh.
bench_messages "$W"

# One run per line, "ms exit" (bench/bench_lib.sh): no GNU time, this
# table has no RSS column.
BENCH_STDERR=$W/hook.stderr
BENCH_RSS=
runner() {
	# $1 config, $2 message, $3 output.
	bench_run "$DEMO_BROKER" "$2" "$W/envelope" "$3" "QSCAN_CONFIG=$W/$1.conf"
}

# limits_table: the bomb and the 30 MiB message through every backend.
limits_table() {
	python3 - "$W" <<'PY2'
import base64, os, sys, zipfile
w = sys.argv[1]
with zipfile.ZipFile(w + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(400):
            f.write(block)
def message(out, subject, name, data):
    with open(out, "w") as m:
        m.write("From: Bench <bench@b.example>\nTo: carol@d.example\n"
                "Subject: %s\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=B\n\n"
                "--B\nContent-Type: text/plain\n\nattached\n"
                "--B\nContent-Type: application/octet-stream; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n" % (subject, name, name))
        m.write(base64.encodebytes(data).decode())
        m.write("--B--\n")
message(w + "/bomb.eml", "zip bomb", "bomb.zip", open(w + "/bomb.zip", "rb").read())
message(w + "/30m.eml", "30 MiB", "video.bin", os.urandom(23 * 1024 * 1024))
PY2
	chmod 644 "$W/bomb.eml" "$W/30m.eml"
	lruns=${QSCAN_BENCH_LIMIT_RUNS:-3}
	echo
	echo "limits: $lruns runs per case; outcome of the last run"
	printf '%-5s %9s  %-26s %9s %4s  %-8s %6s  %s\n' case bytes path \
	    "median ms" exit verdict "av ms" reason
	for c in bomb 30m; do
		for b in $BACKENDS; do
			: >"$W/lim.$c.$b"
			i=0
			while [ $i -lt "$lruns" ]; do
				runner "$b" "$W/$c.eml" "$W/lim.$c.$b"
				i=$((i + 1))
			done
			last=$(grep ' verdict=' "$DEMO_LOG" | tail -n 1)
			# shellcheck disable=SC2046  # five numbers, split on purpose
			set -- $(bench_stats "$W/lim.$c.$b" 0 31 71)
			printf '%-5s %9s  %-26s %9s %4s  %-8s %6s  %s\n' "$c" \
			    "$(wc -c <"$W/$c.eml")" "$b" "$1" \
			    "$(tail -n 1 "$W/lim.$c.$b" | cut -d' ' -f2)" \
			    "$(demo_field verdict "$last")" \
			    "$(demo_field ms "$last" | sed -n 's/.*av:\([^,]*\).*/\1/p')" \
			    "$(printf '%s\n' "$last" | sed -n 's/ ms=[^ ]*$//; s/.* reason=//p')$(demo_field unchecked "$last" | sed 's/^./ unchecked=&/')"
		done
	done
}
if [ "${QSCAN_BENCH_AV_TABLES:-}" = limits ]; then
	limits_table
	exit 0
fi

echo "qscan AV benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r), $(/usr/sbin/clamd --version)"
echo "build: $BUILD   spool: $DEMO_SPOOL"
table=$W/table
: >"$table"
bad_total=0
for c in 4k 1m; do
	for b in $BACKENDS; do
		: >"$W/$c.$b"
		# A warm-up run each: page cache, dynamic loader, clamd's first
		# scan; not counted.
		runner "$b" "$W/$c.eml" /dev/null
	done
	log_before=$(demo_summaries)
	i=0
	while [ $i -lt "$RUNS" ]; do
		for b in $BACKENDS; do
			runner "$b" "$W/$c.eml" "$W/$c.$b"
		done
		i=$((i + 1))
	done
	grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" >"$W/$c.summaries"
	# Every counted run must have been scanned clean, not tempfailed.
	notclean=$(grep -vc ' verdict=clean ' "$W/$c.summaries" || true)
	bad_total=$((bad_total + notclean))
	for a in unix tcp; do
		addr=unix:$SOCK
		[ "$a" = tcp ] && addr=tcp:127.0.0.1:$PORT
		python3 "$TOOL" instream "$addr" "$W/$c.eml" 1 >/dev/null
		python3 "$TOOL" instream "$addr" "$W/$c.eml" "$RUNS" >"$W/$c.alone-$a"
	done
	size=$(wc -c <"$W/$c.eml")
	for b in $BACKENDS alone-unix alone-tcp; do
		# A good run: exit 0 (qscan rows), reply OK (clamd alone).
		good=0
		case $b in
		noav) name="qscan, no AV" ;;
		clamav) name="qscan, clamav" ;;
		fildes) name="qscan, clamd fildes" ;;
		instream) name="qscan, clamd instream tcp" ;;
		alone-unix) name="clamd alone, INSTREAM unix" good=stream:_OK ;;
		alone-tcp) name="clamd alone, INSTREAM tcp" good=stream:_OK ;;
		esac
		# shellcheck disable=SC2046  # five numbers, split on purpose
		set -- $(bench_stats "$W/$c.$b" "$good")
		bad_total=$((bad_total + $5))
		printf '%s|%s|%s|%s|%s|%s\n' "$c" "$size" "$name" "$1" "$2" "$5" >>"$table"
	done
	[ "$notclean" = 0 ] || echo "$c: $notclean summary lines not verdict=clean" >&2
done

echo
printf '%-4s %8s  %-28s %9s %9s %s\n' case bytes path "median ms" "p90 ms" "bad runs"
while IFS='|' read -r c size name med p90 bad; do
	printf '%-4s %8s  %-28s %9s %9s %s\n' "$c" "$size" "$name" "$med" "$p90" "$bad"
done <"$table"
cat <<EOF

qscan rows: wall time from fork to reap of qmail-scanner-queue, message
written into a pipe on fd 0 (perl Time::HiRes), the stand-in qmail-queue
at the end (no Maildir).  clamd alone: one python3 client, request sent
to reply read, the whole raw message as zINSTREAM chunks of 64 KiB, no
qscan.  The difference between a qscan clamd row and the no-AV row is
what the clamd role and its scans (parts, and the raw message with
scan_raw = true) add; compare it with the clamd-alone row.
EOF

echo
echo "inside the broker (its summary lines), median ms per stage:"
for c in 4k 1m; do
	# The runs went round the backends in order, one summary line each.
	sed -n 's/.* ms=//p' "$W/$c.summaries" | awk -v c="$c" -v names="$BACKENDS" '
		BEGIN { nb = split(names, bn, " ") }
		{
			b = bn[(NR - 1) % nb + 1]
			n = split($0, st, ",")
			for (i = 1; i <= n; i++) {
				split(st[i], kv, ":")
				if (!((b, kv[1]) in seen)) { seen[b, kv[1]] = 1; order[b] = order[b] " " kv[1] }
				v[b, kv[1], ++cnt[b, kv[1]]] = kv[2]
			}
		}
		END {
			for (j = 1; j <= nb; j++) {
				b = bn[j]; line = sprintf("  %-3s %-9s", c, b)
				m = split(order[b], ks, " ")
				for (k = 1; k <= m; k++) {
					key = ks[k]; n = cnt[b, key]
					for (i = 1; i <= n; i++) a[i] = v[b, key, i] + 0
					for (i = 2; i <= n; i++) { x = a[i]; y = i - 1
						while (y > 0 && a[y] > x) { a[y + 1] = a[y]; y-- }
						a[y + 1] = x }
					line = line sprintf(" %s %s", key, a[int((n + 1) / 2)])
				}
				print line
			}
		}'
done

limits_table

if [ "$bad_total" -gt 0 ]; then
	echo "bench_av: $bad_total run(s) did not end as expected; see $DEMO_LOG and $W/hook.stderr" >&2
	exit 1
fi
