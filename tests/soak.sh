#!/bin/sh
# tests/soak.sh: a soak under load through a real qmail-smtpd.
#
#	sh tests/soak.sh MINUTES [BUILD_DIR]		(as root)
#
# QSCAN_SOAK_SENDERS (default 30) concurrent senders (tests/soak_client.py)
# send for MINUTES, one connection per message, a mix of clean, virus
# (EICAR, quarantined), policy (a Subject rule: rejected), malformed MIME
# and oversized (over max_message_bytes: rejected) messages, through
# notqmail's qmail-smtpd under tcpserver on loopback, QMAILQUEUE the hook,
# qscand running (the warm path) with the unpack role and clamd (our own,
# the tests' signatures), into the stand-in qmail-queue delivering into a
# Maildir.  Then it proves:
#   - every message accounted for: each 250 is in the Maildir or the
#     quarantine exactly once (matched by its Message-ID), each 5xx in
#     neither; no 4xx (an unexplained tempfail) and no failed connection;
#     one summary line per message;
#   - no growth of the open descriptors and the RSS of each long-lived
#     process (qscand's monitor and front, each zygote, clamd, tcpserver)
#     from at rest after a 15 s warm-up at the same load to at rest after
#     the run (under load, in-flight connections would be counted: those
#     figures are printed, not judged), nor of files in the spool's work/
#     and the quarantine's tmp/ over the run;
# and prints throughput and latency (median, p99).  Exit 0 when all hold.
# notqmail comes from QSCAN_NOTQMAIL (default
# <repo>/../shared/vendor/notqmail-a7012e4.tar.gz).  BUILD_DIR defaults to
# QSCAN_BUILD, else build-test.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"
TOOL=$QSCAN_SRC/tests/av/clamd_tool.py

MINUTES=${1:-}
case $MINUTES in
''|*[!0-9]*|0) demo_die "usage: sh tests/soak.sh MINUTES [BUILD_DIR]" ;;
esac
SENDERS=${QSCAN_SOAK_SENDERS:-30}
NOTQMAIL=${QSCAN_NOTQMAIL:-$QSCAN_SRC/../shared/vendor/notqmail-a7012e4.tar.gz}
[ -r "$NOTQMAIL" ] ||
    demo_die "the notqmail tarball is missing: $NOTQMAIL (set QSCAN_NOTQMAIL to its path); without it there is no qmail-smtpd"
demo_need_root
BUILD=$(cd "${2:-${QSCAN_BUILD:-$QSCAN_SRC/build-test}}" && pwd)
[ -x "$BUILD/scanners/qscan-clamd" ] || demo_die "$BUILD/scanners/qscan-clamd is missing: build first"
demo_install_deps python3 make ucspi-tcp clamav clamav-daemon

# 2 MiB: the oversized kind is 3 MiB.
demo_setup "$BUILD" "$BUILD/soak" 2097152
rm -rf "$DEMO_MAILDIR"
for _s in tmp new cur; do
	install -d -o qscand -g qscand -m 0700 "$DEMO_MAILDIR/$_s"
done
chown qscand:qscand "$DEMO_MAILDIR"
install -m 0755 "$BUILD/scanners/qscan-clamd" "$DEMO_DIR/roles/qscan-clamd"
# A run of its own: what an earlier one kept would count as found.
find "$DEMO_SPOOL/quarantine" "$DEMO_SPOOL/crashes" -type f -delete
: >"$DEMO_LOG"
chown qscand:qscand "$DEMO_LOG"
W=$DEMO_DIR/work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"

NQ=$DEMO_DIR/notqmail
ROOT=$DEMO_DIR/qmailroot
bench_notqmail_build "$NOTQMAIL" "$NQ" "$ROOT" "$W"
mkdir -p "$ROOT/control"
echo mx.soak.example >"$ROOT/control/me"
chmod 755 "$ROOT" "$ROOT/control"
chmod 644 "$ROOT/control/me"

DB=$W/db
mkdir -p "$DB"
bench_test_signatures "$DB"
chmod 755 "$DB"
TCPSERVER_PID=
SAMPLER_PID=
stop_all() {
	[ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null || true
	if [ -n "$TCPSERVER_PID" ]; then
		kill "$TCPSERVER_PID" 2>/dev/null || true
		wait "$TCPSERVER_PID" 2>/dev/null || true
	fi
	bench_qscand_stop
	bench_clamd_stop
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_clamd_start "$W" "$DB" "" 120

printf 'rule soak-block header Subject /^soak policy block$/ action reject "blocked by the soak rule"\n' >"$W/policy.rules"
chmod 644 "$W/policy.rules"
{
	sed 's/^\[qscan\]$/[qscan]\nscanners = clamd/' "$DEMO_CONF"
	echo "policy_file = $W/policy.rules"
	printf '[clamd]\nservers = unix:%s\nmode = fildes\n' "$BENCH_CLAMD_SOCK"
	bench_service_lines warm "$W/run/qscand.sock"
} >"$W/soak.conf"
chmod 644 "$W/soak.conf"
bench_qscand_start "$W/soak.conf" "$W/qscand.log"
QSCAND=$BENCH_QSCAND_PID

# The kinds.
python3 - "$W" <<'PY'
import base64, os, sys
w = sys.argv[1]
eicar = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-"
         b"TEST-FILE!$H+H*")
head = (b"From: Sender <sender@soak.example>\nTo: rcpt@soak.example\n"
        b"Date: Mon, 07 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n")
def write(name, data):
    with open(os.path.join(w, name + ".eml"), "wb") as f:
        f.write(data)
text = b"".join(b"line %d of a clean message, nothing to see here\n" % i
                for i in range(80))
write("clean", head + b"Subject: soak clean\nContent-Type: text/plain\n\n"
      + text)
write("virus", head + b"Subject: soak virus\nContent-Type: multipart/mixed;"
      b" boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n"
      b"Content-Type: application/octet-stream; name=\"e.com\"\n"
      b"Content-Disposition: attachment; filename=\"e.com\"\n"
      b"Content-Transfer-Encoding: base64\n\n"
      + base64.encodebytes(eicar) + b"--B--\n")
write("policy", head + b"Subject: soak policy block\nContent-Type: "
      b"text/plain\n\nblock me\n")
# Malformed: a boundary never closed, base64 with garbage, a header
# line without a colon, an 8-bit header.
write("malformed", head + b"Subject: soak malformed \xff\xfe\nbroken header"
      b" line\nContent-Type: multipart/mixed; boundary=\"Q\"\n\n--Q\n"
      b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
      b"!!!not*base64@@@\n--Q\nContent-Type: multipart/alternative; "
      b"boundary=R\n\n--R\nContent-Type: text/html\n\n<p>unclosed\n")
big = base64.encodebytes(os.urandom(3 * 1024 * 1024 // 4 * 3))
write("oversized", head + b"Subject: soak oversized\nContent-Type: "
      b"application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + big)
PY
KINDS="clean=$W/clean.eml,virus=$W/virus.eml,policy=$W/policy.eml,malformed=$W/malformed.eml,oversized=$W/oversized.eml"

PORT=$(python3 "$TOOL" freeport)
env -i PATH=/usr/bin:/bin QMAILQUEUE="$DEMO_BROKER" QSCAN_CONFIG="$W/soak.conf" \
    tcpserver -R -H -l0 -c 100 127.0.0.1 "$PORT" "$NQ/qmail-smtpd" \
    2>>"$W/tcpserver.stderr" &
TCPSERVER_PID=$!
bench_wait_port "$PORT" || demo_die "tcpserver did not listen on $PORT"

# The long-lived processes, every 10 s: qscand's monitor and its
# children (the front and the zygotes, by name: a retired zygote's
# successor takes its place), clamd, tcpserver: "S seconds name pid fds
# rss_kb"; and "F seconds work_files quarantine_tmp_files".
sample_once() {
		for _p in $QSCAND $(cat /proc/"$QSCAND"/task/*/children 2>/dev/null) \
		    "$BENCH_CLAMD_PID" "$TCPSERVER_PID"; do
			[ -r "/proc/$_p/status" ] || continue
			_name=$(cat "/proc/$_p/comm" 2>/dev/null || echo gone)
			case $_name in
			qscand) [ "$_p" = "$QSCAND" ] && _name=qscand-monitor || _name=qscand-front ;;
			clamd|tcpserver|qscan-*) ;;
			*) continue ;;
			esac
			_fds=$(ls "/proc/$_p/fd" 2>/dev/null | wc -l)
			_rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$_p/status")
			echo "$1 $_t $_name $_p $_fds ${_rss:-0}"
		done
}
sample() {
	_t0=$(date +%s)
	while :; do
		_t=$(( $(date +%s) - _t0 ))
		sample_once S
		echo "F $_t $(find "$DEMO_SPOOL/work" -type f | wc -l) $(find "$DEMO_SPOOL/quarantine" -path '*/tmp/*' -type f | wc -l)"
		sleep 10
	done
}
# At rest: no SMTP session left under tcpserver, then 3 s for the
# workers to end; the least of three samples a second apart.  "R tag
# name fds rss".
at_rest() {
	_n=0
	while [ -n "$(cat /proc/"$TCPSERVER_PID"/task/*/children 2>/dev/null)" ] &&
	    [ "$_n" -lt 60 ]; do
		sleep 1
		_n=$((_n + 1))
	done
	sleep 3
	for _i in 1 2 3; do
		_t=$1 sample_once R
		sleep 1
	done | awk '{ k = $3; if (!(k in f) || $5 < f[k]) f[k] = $5
	    if (!(k in r) || $6 < r[k]) r[k] = $6 }
	    END { for (k in f) print "R", tag, k, f[k], r[k] }' tag="$1"
}

SECONDS_RUN=$((MINUTES * 60))
echo "soak: $SENDERS senders for $MINUTES min through notqmail's qmail-smtpd on 127.0.0.1:$PORT," \
    "qscand (unpack, clamd), $(nproc) CPUs, $(uname -r)"
# The warm-up: every pool (clamd's threads, each zygote's first child)
# at the run's concurrency before the first figure at rest.
python3 "$QSCAN_SRC/tests/soak_client.py" "$PORT" "$SENDERS" 15 "$W" "$KINDS" \
    soak-warm >"$W/raw.warm"
at_rest before >"$W/rest"
sample >"$W/samples" 2>/dev/null &
SAMPLER_PID=$!
python3 "$QSCAN_SRC/tests/soak_client.py" "$PORT" "$SENDERS" "$SECONDS_RUN" "$W" "$KINDS" >"$W/raw.run"
sleep 2
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=
at_rest after >>"$W/rest"
cat "$W/raw.warm" "$W/raw.run" >"$W/raw"

bad=0
problem() {
	echo "soak: FAIL: $*"
	bad=1
}

# Accounting.
sent=$(grep -c '^T ' "$W/raw" || true)
errors=$(awk '$1 == "E" { n += $2; e = 1 } END { if (e) print n }' "$W/raw")
[ "${errors:-1}" = 0 ] || problem "$errors transactions failed outright (see $W/raw)"
tempfails=$(awk '$1 == "T" && $6 ~ /^4/' "$W/raw" | wc -l)
if [ "$tempfails" != 0 ]; then
	problem "$tempfails tempfails: $(awk '$1 == "T" && $6 ~ /^4/ { print $3 " " $6 }' "$W/raw" | sort | uniq -c | tr '\n' ';')"
	# What the hook said of the first few, by their Message-ID.
	for _id in $(awk '$1 == "T" && $6 ~ /^4/ { print $4 }' "$W/raw" | head -n 5); do
		grep -F "$_id" "$DEMO_LOG" | sed 's/^/  /' || echo "  $_id: no summary line"
	done
fi
find "$DEMO_MAILDIR/new" "$DEMO_SPOOL/quarantine" -type f -path '*/new/*' \
    -exec grep -h -m 1 -o '^Message-ID: <soak-[^>]*>' {} + 2>/dev/null |
    sed 's/^Message-ID: <\(.*\)>$/\1/' | sort | uniq -c >"$W/found"
awk '$1 > 1 { print $2 }' "$W/found" >"$W/twice"
[ ! -s "$W/twice" ] || problem "$(wc -l <"$W/twice") messages kept twice, e.g. $(head -n 1 "$W/twice")"
awk '{ print $2 }' "$W/found" | sort >"$W/found.ids"
awk '$1 == "T" && $6 == 250 { print $4 }' "$W/raw" | sort >"$W/accepted.ids"
awk '$1 == "T" && $6 ~ /^5/ { print $4 }' "$W/raw" | sort >"$W/refused.ids"
lost=$(comm -23 "$W/accepted.ids" "$W/found.ids" | wc -l)
[ "$lost" = 0 ] || problem "$lost messages answered 250 are neither delivered nor quarantined, e.g. $(comm -23 "$W/accepted.ids" "$W/found.ids" | head -n 1)"
kept_refused=$(comm -12 "$W/refused.ids" "$W/found.ids" | wc -l)
[ "$kept_refused" = 0 ] || problem "$kept_refused refused messages were kept or delivered anyway"
extra=$(comm -13 "$W/accepted.ids" "$W/found.ids" | wc -l)
[ "$extra" = 0 ] || problem "$extra messages kept that the client was not told 250 for"
summaries=$(grep -c ' verdict=' "$DEMO_LOG" || true)
[ "$summaries" = "$sent" ] || problem "$sent transactions, $summaries summary lines"

# Growth: at rest before against at rest after; the spool's files,
# first third of the run against the last (work in flight counts there).
span=$(( SECONDS_RUN / 3 ))
late_start=$((SECONDS_RUN - span))
awk -v b="$span" -v c="$late_start" -v d="$SECONDS_RUN" '
    $1 == "R" && $2 == "before" { bf[$3] = $4; br[$3] = $5; seen[$3] = 1 }
    $1 == "R" && $2 == "after" { af[$3] = $4; ar[$3] = $5; seen[$3] = 1 }
    $1 == "F" {
	if ($2 <= b) { if ($3 > ew) ew = $3; if ($4 > eq) eq = $4 }
	if ($2 >= c && $2 <= d) { if ($3 > lw) lw = $3; if ($4 > lq) lq = $4 }
    }
    END {
	for (k in seen) {
	    # A process only one side saw is a new one (a retired
	    # zygote gone, its successor come): nothing to compare.
	    if (!(k in bf) || !(k in af)) {
		printf "ok %-22s %s\n", k, (k in bf) ? "gone by the end" : "new during the run"
		continue
	    }
	    # At rest nothing is in flight: 1 descriptor of slack; the
	    # allocator: 10% and 2 MB of RSS.
	    g = (af[k] > bf[k] + 1 || ar[k] > br[k] * 1.1 + 2048) ? "GROWTH" : "ok"
	    printf "%s %-22s fds %3d -> %3d   rss %7d -> %7d kB\n", g, k, bf[k], af[k], br[k], ar[k]
	}
	g = (lw > ew + 30 || lq > eq + 30) ? "GROWTH" : "ok"
	printf "%s %-22s work/ %d -> %d   quarantine tmp/ %d -> %d\n", g, "spool files", ew, lw, eq, lq
    }' "$W/rest" "$W/samples" | sort -k2 >"$W/growth"

echo
echo "messages: $sent sent, $(wc -l <"$W/accepted.ids") answered 250, $(wc -l <"$W/refused.ids") 5xx, $tempfails 4xx, ${errors:-?} failed connections"
awk '$1 == "T" { c[$3 " " $6]++ } END { for (k in c) print "  " k ": " c[k] }' "$W/raw" | sort
echo "kept: $(awk '{ n += $1 } END { print n + 0 }' "$W/found") (Maildir: $(find "$DEMO_MAILDIR/new" -type f | wc -l), quarantine: $(find "$DEMO_SPOOL/quarantine" -path '*/new/*' -type f | wc -l))"
awk -v s="$SECONDS_RUN" '$1 == "T" { n++ } END { printf "throughput: %.1f messages/s over %d s\n", n / s, s }' "$W/raw.run"
awk '$1 == "T" && $6 == 250 { print $5 }' "$W/raw.run" | sort -n >"$W/lat"
awk '{ a[NR] = $1 } END { if (NR) printf "latency of 250s: median %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n", a[int(NR * 0.5) + 1], a[int(NR * 0.9) + 1], a[int(NR * 0.99) + 1], a[NR] }' "$W/lat"
echo "resources at rest, after the warm-up -> after the run (spool files: max in the first third -> the last):"
sed 's/^/  /' "$W/growth"
echo "under load (in-flight connections counted; not judged), max descriptors:"
awk '$1 == "S" { if ($5 > m[$3]) m[$3] = $5 } END { for (k in m) printf "  %-22s %d\n", k, m[k] }' \
    "$W/samples" | sort
! grep -q '^GROWTH' "$W/growth" || problem "a long-lived process or the spool grew (above)"
[ -s "$W/growth" ] || problem "no samples"
if [ "$bad" = 0 ]; then
	echo "soak: passed"
else
	echo "soak: failed (work files in $W)"
	exit 1
fi
