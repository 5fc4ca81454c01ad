#!/bin/sh
# bench_warm.sh BUILD [RUNS]: a 4 KB message through the unpack role,
# warm (a child of a real zygote, warm_start_role) against the exec path
# (spawn_role), RUNS of each (default 200, or QSCAN_BENCH_RUNS),
# alternating; prints the median and p90 of each (bench/bench_warm.c).
# As root: qscan-setup makes the role users, and the helper is copied
# where they can run it.
set -eu
build=$1
runs=${2:-${QSCAN_BENCH_RUNS:-200}}
[ "$(id -u)" = 0 ] || { echo "bench_warm.sh: run as root" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/qscan-bench-warm.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
sh "$build/conf/qscan-setup" --spool "$T/spool" >/dev/null
cp "$build/unpacker/qscan-unpack" "$T/"
chmod 755 "$T/qscan-unpack"
chown qscand "$T"
"$build/bench/bench-warm" "$T" "$runs"
