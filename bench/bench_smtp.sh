#!/bin/sh
# bench/bench_smtp.sh: messages per second through a real qmail-smtpd.
#
#	sh bench/bench_smtp.sh [BUILD_DIR]		(as root)
#
# Figures, not a test: nothing here passes or fails on time.  It fails
# when a transaction is not answered 250, or a qscan row's summary line is
# missing or not clean, because then the figures mean nothing.
#
# notqmail's qmail-smtpd, built here from the tarball at QSCAN_NOTQMAIL
# (default <repo>/../shared/vendor/notqmail-a7012e4.tar.gz) with a private
# root instead of /var/qmail, runs under tcpserver (ucspi-tcp) on
# loopback, one tcpserver per row:
#   qmail-queue   QMAILQUEUE unset: qmail-smtpd runs <root>/bin/qmail-queue,
#                 the stand-in (tests/qq_standin.c);
#   pass-through  QMAILQUEUE=bench/passthrough_hook.c, which execs it;
#   qscan-exec    QMAILQUEUE=qmail-scanner-queue, no scanners, no service:
#                 the exec path (every role spawned per message);
#   qscan-exec+clamd  the same with the clamd role, FILDES, on our own
#                 clamd (the tests' signatures, or QSCAN_BENCH_CLAMD_DB,
#                 e.g. a directory made by bench/make_clamav_bigdb.sh);
#   qscan-warm, qscan-warm+clamd  the same two with a qscand of their own
#                 running (docs/warm.md): roles forked from zygotes.
# Every row ends in the same stand-in, which reads the message and writes
# nothing (the disk is not what we measure).  simscan, the other
# QMAILQUEUE scanner of qmail gateways, is neither packaged in Debian nor
# vendored here: it has no row.
#
# A python3 smtplib client (bench/smtp_client.py) sends M messages per
# row (QSCAN_BENCH_RUNS, default 100) of 4 KB and of 1 MiB (bench_lib.sh's
# bench_messages), one connection each, with C concurrent senders for C
# in QSCAN_BENCH_SMTP_SENDERS (default "1 4"), in QSCAN_BENCH_SMTP_ROUNDS
# rounds (default 5) that go round the rows (A B C D A B C D).
# Without BUILD_DIR it builds build-demo/ like tests/demo.sh.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"
TOOL=$QSCAN_SRC/tests/av/clamd_tool.py

NOTQMAIL=${QSCAN_NOTQMAIL:-$QSCAN_SRC/../shared/vendor/notqmail-a7012e4.tar.gz}
[ -r "$NOTQMAIL" ] ||
    demo_die "the notqmail tarball is missing: $NOTQMAIL (set QSCAN_NOTQMAIL to its path); without it there is no qmail-smtpd to measure"
SENDERS=${QSCAN_BENCH_SMTP_SENDERS:-1 4}
ROUNDS=${QSCAN_BENCH_SMTP_ROUNDS:-5}
for n in $SENDERS $ROUNDS; do
	case $n in
	''|*[!0-9]*|0) demo_die "QSCAN_BENCH_SMTP_SENDERS and _ROUNDS must be positive numbers" ;;
	esac
done

bench_prepare 100 "$@" -- python3 make ucspi-tcp clamav clamav-daemon clamav-testfiles
[ -x "$BUILD/scanners/qscan-clamd" ] || demo_die "$BUILD/scanners/qscan-clamd is missing: build first"
demo_setup "$BUILD" "$BUILD/bench-smtp-env"
demo_qq_setting exit=0
install -m 0755 "$BUILD/scanners/qscan-clamd" "$DEMO_DIR/roles/qscan-clamd"

W=$DEMO_DIR/smtp-work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"

HOOK=$BUILD/bench/passthrough-hook
if [ ! -x "$HOOK" ]; then
	HOOK=$W/passthrough-hook
	cc -O2 -o "$HOOK" "$QSCAN_SRC/bench/passthrough_hook.c"
fi

# qmail-smtpd with its root at $ROOT: rebuilt only when the tarball or
# the root changed (about 10 s).
NQ=$DEMO_DIR/notqmail
ROOT=$DEMO_DIR/qmailroot
bench_notqmail_build "$NOTQMAIL" "$NQ" "$ROOT" "$W"
# No rcpthosts: any recipient is accepted, which loopback wants.
mkdir -p "$ROOT/control" "$ROOT/bin"
echo mx.bench.example >"$ROOT/control/me"
# qmail.c runs "bin/qmail-queue" after chdir to the root: the stand-in
# finds "bin/qmail-queue.conf" there.
install -m 0755 "$DEMO_QQ" "$ROOT/bin/qmail-queue"
cp "$DEMO_QQ.conf" "$ROOT/bin/qmail-queue.conf"
chmod 755 "$ROOT" "$ROOT/control" "$ROOT/bin"
chmod 644 "$ROOT/control/me" "$ROOT/bin/qmail-queue.conf"

# Our clamd on a unix socket, with the tests' signatures unless told.
DB=${QSCAN_BENCH_CLAMD_DB:-}
if [ -z "$DB" ]; then
	DB=$W/db
	mkdir -p "$DB"
	bench_test_signatures "$DB"
	chmod 755 "$DB"
fi
TCPSERVER_PIDS=
stop_all() {
	for p in $TCPSERVER_PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	TCPSERVER_PIDS=
	bench_qscand_stop
	bench_clamd_stop
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_clamd_start "$W" "$DB" "" 600

# One configuration per qscan row: the exec path (no service: the hook
# spawns every role) and warm (the hook hands the message to a qscand of
# the row's own), each without scanners and with clamd.
for mode in exec warm; do
	{
		cat "$DEMO_CONF"
		bench_service_lines $mode "$W/run-$mode/qscand.sock"
	} >"$W/$mode.conf"
	{
		cat "$DEMO_CONF"
		printf 'scanners = clamd\n[clamd]\nservers = unix:%s\nmode = fildes\n' "$BENCH_CLAMD_SOCK"
		bench_service_lines $mode "$W/run-$mode-clamd/qscand.sock"
	} >"$W/$mode-fildes.conf"
	chmod 644 "$W/$mode.conf" "$W/$mode-fildes.conf"
done
bench_qscand_start "$W/warm.conf" "$W/qscand.warm.log"
bench_qscand_start "$W/warm-fildes.conf" "$W/qscand.warm-fildes.log"

# serve ROW [NAME=VALUE...]: a tcpserver for ROW on a free loopback port,
# with only PATH and the NAME=VALUE settings in its environment (which
# qmail-smtpd passes on to QMAILQUEUE).  Appends "ROW=PORT" to ROWS.
ROWS=
serve() {
	_row=$1
	shift
	_port=$(python3 "$TOOL" freeport)
	# -R -H: no ident or DNS lookups; -l0: no local name lookup.
	env -i PATH=/usr/bin:/bin "$@" \
	    tcpserver -R -H -l0 -c 64 127.0.0.1 "$_port" "$NQ/qmail-smtpd" \
	    2>>"$W/tcpserver.$_row.stderr" &
	TCPSERVER_PIDS="$TCPSERVER_PIDS $!"
	bench_wait_port "$_port" || demo_die "tcpserver for $_row did not listen on $_port"
	ROWS="${ROWS:+$ROWS,}$_row=$_port"
}
serve qmail-queue
serve pass-through "QMAILQUEUE=$HOOK" "QSCAN_BENCH_QQ=$DEMO_QQ"
serve qscan-exec "QMAILQUEUE=$DEMO_BROKER" "QSCAN_CONFIG=$W/exec.conf"
serve qscan-exec+clamd "QMAILQUEUE=$DEMO_BROKER" "QSCAN_CONFIG=$W/exec-fildes.conf"
serve qscan-warm "QMAILQUEUE=$DEMO_BROKER" "QSCAN_CONFIG=$W/warm.conf"
serve qscan-warm+clamd "QMAILQUEUE=$DEMO_BROKER" "QSCAN_CONFIG=$W/warm-fildes.conf"
ROW_NAMES="qmail-queue pass-through qscan-exec qscan-exec+clamd qscan-warm qscan-warm+clamd"

bench_messages "$W"
CLIENT=$QSCAN_SRC/bench/smtp_client.py
senders_list=$(echo "$SENDERS" | tr ' ' ',')
echo "qscan SMTP benchmark: $RUNS messages per row, case and senders, $ROUNDS rounds," \
    "$(nproc) CPUs, $(uname -r), $(/usr/sbin/clamd --version)"
echo "build: $BUILD   qmail-smtpd: $NQ/qmail-smtpd   clamd database: $DB"
# A warm-up message per row and case: page cache, loader, clamd's first
# scan; not counted.
python3 "$CLIENT" 4 4 1 "4k=$W/4k.eml,1m=$W/1m.eml" "$ROWS" >"$W/warmup"
log_before=$(demo_summaries)
python3 "$CLIENT" "$RUNS" "$ROUNDS" "$senders_list" "4k=$W/4k.eml,1m=$W/1m.eml" "$ROWS" >"$W/raw"

bad_total=$(awk '$1 == "T" && $6 != 250' "$W/warmup" "$W/raw" | wc -l)
# Each qscan row's message left one summary line, scanned clean.
qscan_msgs=$(awk '$1 == "T" && $4 ~ /^qscan/' "$W/raw" | wc -l)
grep ' verdict=' "$DEMO_LOG" | tail -n +"$((log_before + 1))" >"$W/summaries"
[ "$(wc -l <"$W/summaries")" = "$qscan_msgs" ] ||
    { echo "bench_smtp: $qscan_msgs qscan transactions, $(wc -l <"$W/summaries") summary lines" >&2
      bad_total=$((bad_total + 1)); }
notclean=$(grep -vc ' verdict=clean ' "$W/summaries" || true)
bad_total=$((bad_total + notclean))

echo
printf '%-4s %7s  %-17s %10s %10s %9s %9s %9s %s\n' case senders row "msgs/s" \
    "median ms" "p90 ms" "rate/pt" "ms/pt" "bad"
for c in 4k 1m; do
	for s in $SENDERS; do
		for r in $ROW_NAMES; do
			awk -v c="$c" -v s="$s" -v r="$r" '$1 == "T" && $2 == c && $3 == s && $4 == r { print $5, $6 }' \
			    "$W/raw" >"$W/t.$c.$s.$r"
			rate=$(awk -v c="$c" -v s="$s" -v r="$r" '$1 == "B" && $2 == c && $3 == s && $4 == r { w += $5; n += $6 }
			    END { printf "%.1f", (w > 0 ? n / w : 0) }' "$W/raw")
			# shellcheck disable=SC2046  # five numbers, split on purpose
			set -- $(bench_stats "$W/t.$c.$s.$r" 250)
			if [ "$r" = pass-through ]; then
				pt_rate=$rate pt_med=$1
			fi
			echo "$c $s $r $rate $1 $2 $5" >>"$W/table"
		done
		# The ratios need the pass-through row, which is the second.
		grep "^$c $s " "$W/table" | while read -r _c _s r rate med p90 bad; do
			printf '%-4s %7s  %-17s %10s %10s %9s %9s %9s %s\n' "$c" "$s" "$r" "$rate" "$med" "$p90" \
			    "$(awk -v a="$rate" -v b="$pt_rate" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')" \
			    "$(awk -v a="$med" -v b="$pt_med" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')" "$bad"
		done
	done
done
cat <<EOF

msgs/s: messages over the summed wall time of the row's batches (C
senders at once, each message on a connection of its own).  median/p90
ms: one transaction, connect to the 250 after the final dot (tcpserver's
fork, qmail-smtpd, QMAILQUEUE and the stand-in qmail-queue included; the
client's QUIT not).  rate/pt, ms/pt: msgs/s and median ms over the
pass-through row's.  bad: transactions not answered 250.
EOF

if [ "$bad_total" -gt 0 ]; then
	echo "bench_smtp: $bad_total transaction(s) or summary line(s) not as expected; see $DEMO_LOG, $W/raw and $W/tcpserver.*.stderr" >&2
	exit 1
fi
