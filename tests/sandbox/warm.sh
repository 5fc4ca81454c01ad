#!/bin/sh
# Zygotes and their children (tests/sandbox/test_warm.c): the real role
# helpers started as zygotes, as the service starts them, so the role
# users must exist (qscan-setup) and the helpers and the test signatures
# sit where those users can read them (the build tree may be private).
# Usage: warm.sh TEST-PROGRAM QSCAN-UNPACK QSCAN-CLAMAV QSCAN-CLAMD QSCAN-MHR
# [QSCAN-HOSTILE] (installed as a qscan-clamav of its own).  A clamd of
# our own (bench_lib.sh's, the same signatures) serves the clamd role.
# Output: TAP, from the program.
set -eu
[ "$(id -u)" = 0 ] || { echo "Bail out! the warm tests need root (role users, uid changes)"; exit 1; }
: "${QSCAN_SRC:?run through meson test}"
. "$QSCAN_SRC/bench/bench_lib.sh"
T=$(mktemp -d /tmp/qscan-warm.XXXXXX)
trap 'bench_clamd_stop; rm -rf "$T"' EXIT
chmod 755 "$T"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" >/dev/null
prog=$1; shift
for helper in "$1" "$2" "$3" "$4"; do
	cp "$helper" "$T/"
	chmod 755 "$T/$(basename "$helper")"
done
hostile=
if [ $# -ge 5 ]; then
	mkdir -m 755 "$T/hostile"
	cp "$5" "$T/hostile/qscan-clamav"
	chmod 755 "$T/hostile/qscan-clamav"
	hostile=$T/hostile
fi
# The tests' signatures (clam.exe by MD5, EICAR by body), as the AV
# tests and benchmarks make them.
mkdir "$T/db"
bench_test_signatures "$T/db"
chmod 755 "$T/db"
bench_clamd_start "$T" "$T/db"
# The zygotes' sockets: the test (as qscand) makes them here.
mkdir -m 700 "$T/zygotes"
chown qscand "$T/zygotes"
"$prog" "$T" "$T/db" "$BENCH_CLAMD_SOCK" ${hostile:+"$hostile"}
