#!/bin/sh
# bench/make_clamav_bigdb.sh: a synthetic ClamAV database the size of the
# real one, so that benchmarks can show what loading ~2.2 million
# signatures costs (the libclamav role loads its database per message;
# a warm role would load it once) without downloading main.cvd.
#
#	sh bench/make_clamav_bigdb.sh OUTDIR [N_MD5] [N_BODY]
#
# Writes into OUTDIR:
#   bigdb.hdb   N_MD5 (default 2 000 000) random MD5 hash signatures,
#               "md5:size:name", sizes 1 KiB .. 16 MiB;
#   bigdb.ndb   N_BODY (default 200 000) random body signatures,
#               "name:0:*:hex", 16 to 40 fixed bytes each: plain strings
#               with no wildcards, which libclamav puts in its
#               Aho-Corasick trie quickly (about 140 MB in all);
#   test.hdb, eicar.ndb   the tests' signatures (bench_test_signatures),
#               so that clam.exe and EICAR still match.
# Deterministic: the same QSCAN_BENCH_DB_SEED (default 20261207) and
# counts give the same bytes; a second run with the same parameters keeps
# the files it finds (OUTDIR/params says which).
#
# Then it checks that libclamav and clamd really load it, and prints the
# figures, for the tests' signatures alone and for the whole OUTDIR:
# clamscan -d on a clean file and on the two test files (wall time,
# "Known viruses", peak RSS by GNU time -v), and our own clamd (time from
# start to the first PONG, its RSS, and one INSTREAM scan of each file).
# It fails when a clean file is not clean or a test file does not match.
# Figures, not a test.  Needs clamav, clamav-daemon, clamav-testfiles,
# time, python3; not root.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"
TOOL=$QSCAN_SRC/tests/av/clamd_tool.py

[ $# -ge 1 ] && [ $# -le 3 ] || demo_die "usage: make_clamav_bigdb.sh OUTDIR [N_MD5] [N_BODY]"
OUT=$1
N_MD5=${2:-2000000}
N_BODY=${3:-200000}
SEED=${QSCAN_BENCH_DB_SEED:-20261207}
for n in "$N_MD5" "$N_BODY" "$SEED"; do
	case $n in
	''|*[!0-9]*) demo_die "counts and QSCAN_BENCH_DB_SEED must be numbers: $n" ;;
	esac
done
for p in sigtool clamscan /usr/sbin/clamd /usr/bin/time python3; do
	command -v "$p" >/dev/null ||
	    demo_die "$p is missing: apt-get install clamav clamav-daemon clamav-testfiles time python3"
done
[ -r /usr/share/clamav-testfiles/clam.exe ] ||
    demo_die "/usr/share/clamav-testfiles/clam.exe is missing: apt-get install clamav-testfiles"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
params="seed=$SEED md5=$N_MD5 body=$N_BODY"
if [ "$(cat "$OUT/params" 2>/dev/null)" != "$params" ] ||
    [ ! -s "$OUT/bigdb.hdb" ] || [ ! -s "$OUT/bigdb.ndb" ]; then
	rm -f "$OUT/params"
	t0=$(date +%s%N)
	# Written under temporary names and renamed, so that an interrupted
	# run leaves no half database that clamd would load.
	python3 - "$OUT" "$SEED" "$N_MD5" "$N_BODY" <<'PY'
import os, random, sys
out, seed, n_md5, n_body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
with open(out + "/bigdb.hdb.tmp", "w") as f:
    for i in range(n_md5):
        f.write("%032x:%d:Qscan.Bench.H%07d\n"
                % (rng.getrandbits(128), rng.randrange(1024, 16 << 20), i))
with open(out + "/bigdb.ndb.tmp", "w") as f:
    for i in range(n_body):
        n = rng.randrange(16, 41)
        f.write("Qscan.Bench.N%06d:0:*:%0*x\n" % (i, 2 * n, rng.getrandbits(8 * n)))
os.rename(out + "/bigdb.hdb.tmp", out + "/bigdb.hdb")
os.rename(out + "/bigdb.ndb.tmp", out + "/bigdb.ndb")
PY
	echo "$params" >"$OUT/params"
	echo "generated in $((($(date +%s%N) - t0) / 1000000)) ms: $params"
else
	echo "kept the database in $OUT ($params)"
fi
bench_test_signatures "$OUT"
chmod 644 "$OUT"/*
chmod 755 "$OUT"
echo "database: $OUT, $(du -sm "$OUT" | cut -f1) MB," \
    "$(wc -l <"$OUT/bigdb.hdb") + $(wc -l <"$OUT/bigdb.ndb") + 2 lines"

W=$(mktemp -d /tmp/qscan-bigdb.XXXXXX)
trap 'bench_clamd_stop; rm -rf "$W"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
chmod 755 "$W"
SMALL=$W/small-db
mkdir -p "$SMALL"
bench_test_signatures "$SMALL"
chmod 755 "$SMALL"
# The files: clean (4 KiB of seeded bytes), clam.exe (its MD5 is in
# test.hdb) and eicar.com (the EICAR body signature).
python3 -c 'import random,sys; sys.stdout.buffer.write(random.Random(1).randbytes(4096))' >"$W/clean.bin"
cp /usr/share/clamav-testfiles/clam.exe "$W/clam.exe"
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
    "$(python3 "$QSCAN_SRC/tests/av/make_messages.py" --eicar-hex)" >"$W/eicar.com"
chmod 644 "$W"/*.bin "$W"/*.exe "$W"/*.com

# clamscan_row DB FILE... EXIT: one clamscan -d DB run; "wall_s rss_kb
# known_viruses exit found", failing unless it exits EXIT.
clamscan_row() {
	_db=$1
	shift
	_want=$(eval "echo \${$#}")
	_files=
	while [ $# -gt 1 ]; do _files="$_files $1"; shift; done
	set +e
	# shellcheck disable=SC2086  # the file list is meant to split
	/usr/bin/time -v -o "$W/time" clamscan --stdout -d "$_db" $_files >"$W/scan" 2>"$W/scan.err"
	_rc=$?
	set -e
	if [ "$_rc" != "$_want" ]; then
		cat "$W/scan" "$W/scan.err" >&2
		demo_die "clamscan -d $_db$_files exited $_rc, not $_want"
	fi
	printf '%s %s %s %s %s\n' \
	    "$(sed -n 's/^Time: \([0-9.]*\) sec.*/\1/p' "$W/scan")" \
	    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time")" \
	    "$(sed -n 's/^Known viruses: //p' "$W/scan")" "$_rc" \
	    "$(grep -c ' FOUND$' "$W/scan" || true)"
}

echo
echo "clamscan -d DB FILE ($(clamscan --version))"
printf '%-12s %-22s %10s %12s %14s %5s %s\n' db files "wall s" "peak RSS KB" \
    "known viruses" exit found
for db in small big; do
	d=$SMALL
	[ $db = big ] && d=$OUT
	# shellcheck disable=SC2046  # five figures, split on purpose
	set -- $(clamscan_row "$d" "$W/clean.bin" 0)
	printf '%-12s %-22s %10s %12s %14s %5s %s\n' "$db" clean.bin "$1" "$2" "$3" "$4" "$5"
	# shellcheck disable=SC2046
	set -- $(clamscan_row "$d" "$W/clam.exe" "$W/eicar.com" 1)
	[ "$5" = 2 ] || demo_die "clamscan -d $d found $5 of clam.exe and eicar.com, not 2"
	printf '%-12s %-22s %10s %12s %14s %5s %s\n' "$db" clam.exe,eicar.com "$1" "$2" "$3" "$4" "$5"
done

echo
echo "our clamd ($(/usr/sbin/clamd --version)), DatabaseDirectory DB"
printf '%-12s %12s %12s %12s  %s\n' db "load ms" "RSS KB" "peak RSS KB" "INSTREAM scans (ms reply)"
for db in small big; do
	d=$SMALL
	[ $db = big ] && d=$OUT
	rm -rf "$W/clamd-$db"
	mkdir -p "$W/clamd-$db"
	bench_clamd_start "$W/clamd-$db" "$d" "" 600
	scans=
	for f in clean.bin clam.exe eicar.com; do
		r=$(python3 "$TOOL" instream "unix:$BENCH_CLAMD_SOCK" "$W/$f" 1)
		case $f:$r in
		clean.bin:*' stream:_OK'|clam.exe:*' stream:_ClamAV-Test-File'*_FOUND|eicar.com:*' stream:_Eicar-Test-Signature'*_FOUND) ;;
		*) demo_die "clamd -d $d: $f answered '$r'" ;;
		esac
		scans="$scans  $f: $r"
	done
	printf '%-12s %12s %12s %12s %s\n' "$db" "$BENCH_CLAMD_LOAD_MS" \
	    "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$BENCH_CLAMD_PID/status")" \
	    "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$BENCH_CLAMD_PID/status")" "$scans"
	bench_clamd_stop
done
cat <<EOF

small: the tests' two signatures alone; big: $OUT.  clamscan wall s: its
own "Time:" (database load, engine compile and scan); peak RSS: GNU time
-v of clamscan.  clamd load ms: from its start to the first PONG on its
socket (python3 client polling every 100 ms); RSS and peak RSS: its
/proc status after the three scans.
EOF
