#!/bin/sh
# bench/bench_mhr.sh: what the mhr role costs per message, whole hook
# included: no scanner against scanners = mhr with a real dnsmasq on
# loopback answering (NXDOMAIN for every part of these clean messages,
# one query per part), and with the resolver's port closed (every lookup
# refused at once by ICMP, logged, the message passed).
#
#	sh bench/bench_mhr.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: nothing here passes or fails on time.  It fails
# only when a run does not end as it should (exit 0, verdict clean).
# The messages are bench.sh's: 4 KB of text (one part), and a 1 MiB
# attachment in base64 (two parts: its text and the attachment, whose
# SHA-256 is the role's work).  Runs alternate between configurations.
# N: QSCAN_BENCH_RUNS (default 30).
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

bench_prepare 30 "$@" -- python3 dnsmasq-base
[ -x "$BUILD/scanners/qscan-mhr" ] ||
    demo_die "$BUILD/scanners/qscan-mhr is missing: build first (ninja -C $BUILD)"
demo_setup "$BUILD" "$BUILD/bench-mhr-env"
demo_qq_setting exit=0
W=$DEMO_DIR/mhr-work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"
install -m 0755 "$BUILD/scanners/qscan-mhr" "$DEMO_DIR/roles/qscan-mhr"

port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(port)
DOWN=$(port)
DNSMASQ=
stop() {
	[ -z "$DNSMASQ" ] || { kill "$DNSMASQ" 2>/dev/null || true; wait "$DNSMASQ" 2>/dev/null || true; }
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
/usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts \
    --conf-file=/dev/null --pid-file= --user=root \
    --listen-address=127.0.0.1 --bind-interfaces --port="$PORT" \
    --local=/hash.cymru.com/ >"$W/dnsmasq.out" 2>&1 &
DNSMASQ=$!
i=0
until python3 "$QSCAN_SRC/tests/mhr/hostile_resolver.py" probe "$PORT" x.hash.cymru.com; do
	i=$((i + 1))
	[ $i -lt 50 ] || demo_die "dnsmasq did not start: $(cat "$W/dnsmasq.out")"
	sleep 0.1
done

conf() {
	_n=$1
	shift
	{
		cat "$DEMO_CONF"
		for _l in "$@"; do echo "$_l"; done
	} >"$W/$_n.conf"
	chmod 644 "$W/$_n.conf"
}
conf none
conf mhr "scanners = mhr" "[mhr]" "resolver = 127.0.0.1:$PORT"
conf down "scanners = mhr" "[mhr]" "resolver = 127.0.0.1:$DOWN"
CONFS="none mhr down"

bench_messages "$W"
BENCH_STDERR=$W/hook.stderr
BENCH_RSS=
runner() {
	bench_run "$DEMO_BROKER" "$2" "$W/envelope" "$3" "QSCAN_CONFIG=$W/$1.conf"
}

echo "qscan mhr benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r), $(/usr/sbin/dnsmasq --version | head -n 1)"
table=$W/table
: >"$table"
bad_total=0
for c in 4k 1m; do
	for b in $CONFS; do
		: >"$W/$c.$b"
		runner "$b" "$W/$c.eml" /dev/null	# warm-up, not counted
	done
	log_before=$(demo_summaries)
	i=0
	while [ $i -lt "$RUNS" ]; do
		for b in $CONFS; do
			runner "$b" "$W/$c.eml" "$W/$c.$b"
		done
		i=$((i + 1))
	done
	grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" >"$W/$c.summaries"
	notclean=$(grep -vc ' verdict=clean ' "$W/$c.summaries" || true)
	bad_total=$((bad_total + notclean))
	size=$(wc -c <"$W/$c.eml")
	for b in $CONFS; do
		case $b in
		none) name="qscan, no scanner" ;;
		mhr) name="qscan, mhr, dnsmasq answers" ;;
		down) name="qscan, mhr, resolver down" ;;
		esac
		# shellcheck disable=SC2046  # five numbers, split on purpose
		set -- $(bench_stats "$W/$c.$b")
		bad_total=$((bad_total + $5))
		printf '%s|%s|%s|%s|%s|%s\n' "$c" "$size" "$name" "$1" "$2" "$5" >>"$table"
	done
done
echo
printf '%-4s %8s  %-30s %9s %9s %s\n' case bytes path "median ms" "p90 ms" "bad runs"
while IFS='|' read -r c size name med p90 bad; do
	printf '%-4s %8s  %-30s %9s %9s %s\n' "$c" "$size" "$name" "$med" "$p90" "$bad"
done <"$table"
[ "$bad_total" = 0 ] || demo_die "$bad_total runs did not end clean with exit 0"
