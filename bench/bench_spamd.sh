#!/bin/sh
# bench/bench_spamd.sh: what qscan adds to spamd's own time: spamc alone
# (spamc -y, SYMBOLS, the same request the role sends) against the whole
# hook with [spamd] servers set, and the hook without spamd, each at
# concurrency 1 and 4, for a 4 KB and a 100 KB message, against one real
# spamd of our own (private site configuration, no network tests, a
# unix socket; 4 children).
#
#	sh bench/bench_spamd.sh [BUILD_DIR]		(as root)
#
# Figures, not a test.  It fails only when a run does not end as it
# should (exit 0; spam=no for every hook run with spamd) or when spamd's
# log does not show each message scored exactly once.  The driver is one
# Python program for every path, so the three are timed alike, and each
# worker runs the three in turn (the machine's load falls on all alike).
# N: QSCAN_BENCH_RUNS (default 40) per case.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"
. "$QSCAN_SRC/bench/bench_lib.sh"

bench_prepare 40 "$@" -- python3 spamc spamd
[ -x "$BUILD/scanners/qscan-spamd" ] ||
    demo_die "$BUILD/scanners/qscan-spamd is missing: build first (ninja -C $BUILD)"
demo_setup "$BUILD" "$BUILD/bench-spamd-env"
demo_qq_setting exit=0
W=$DEMO_DIR/spamd-work
rm -rf "$W"
mkdir -p "$W/site"
chmod 755 "$W"
install -m 0755 "$BUILD/scanners/qscan-spamd" "$DEMO_DIR/roles/qscan-spamd"
cp /etc/spamassassin/*.pre "$W/site/"
printf 'use_bayes 0\nbayes_auto_learn 0\nskip_rbl_checks 1\ndns_available no\nuse_razor2 0\nuse_pyzor 0\n' \
    >"$W/site/local.cf"
SOCK=$W/spamd.sock
SPAMD=
stop() {
	[ -z "$SPAMD" ] || { kill "$SPAMD" 2>/dev/null || true; wait "$SPAMD" 2>/dev/null || true; }
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
/usr/sbin/spamd --siteconfigpath "$W/site" -L --listen="$SOCK" \
    --socketmode=0666 -u nobody -x -m 4 --min-children=4 --min-spare=4 \
    --max-spare=4 -s "$W/spamd.log" >"$W/spamd.out" 2>&1 &
SPAMD=$!
i=0
until spamc -U "$SOCK" -K >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 300 ] || demo_die "spamd did not start: $(cat "$W/spamd.out")"
	sleep 0.1
done

{ cat "$DEMO_CONF"; } >"$W/none.conf"
{ cat "$DEMO_CONF"; printf '[spamd]\nservers = unix:%s\n' "$SOCK"; } >"$W/spamd.conf"
chmod 644 "$W/none.conf" "$W/spamd.conf"
bench_messages "$W"
python3 - "$W/100k.eml" <<'PY'
import sys
hdr = ("From: Bench <bench@b.example>\nTo: carol@d.example\nSubject: 100 KB text\n"
       "Message-ID: <bench.100k@b.example>\nDate: Wed, 25 Nov 2026 12:00:00 +0000\n"
       "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n")
body = "".join("line %05d of a longer plain message, sixty bytes or so......\n" % i
               for i in range(1700))
open(sys.argv[1], "w").write((hdr + body)[:102399] + "\n")
PY
chmod 644 "$W/100k.eml"

echo "qscan spamd benchmark: $RUNS runs per case, $(nproc) CPUs, $(uname -r), $(spamd --version 2>/dev/null | head -n 1)"
python3 - "$W" "$RUNS" "$DEMO_BROKER" "$SOCK" "$DEMO_LOG" <<'PY'
import os, re, statistics, subprocess, sys, threading, time
W, runs, broker, sock, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
env_base = {"PATH": "/usr/bin:/bin", "TCPREMOTEIP": "192.0.2.10", "PROTO": "SMTP",
            "TCPREMOTEHOST": "mail.b.example", "TCPLOCALIP": "198.51.100.25", "TCPLOCALPORT": "25"}

def spamd_scored():
    try:
        return len(re.findall(r"spamd: (identified spam|clean message)", open(W + "/spamd.log").read()))
    except FileNotFoundError:
        return 0

def one(path, msg):
    data = open(msg, "rb").read()
    t0 = time.monotonic()
    if path == "spamc":
        p = subprocess.run(["spamc", "-U", sock, "-y", "-s", "600000"], input=data,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        env = dict(env_base, QSCAN_CONFIG="%s/%s.conf" % (W, path))
        with open(W + "/envelope", "rb") as e:
            p = subprocess.run([broker], input=data, stdout=e, stderr=open(W + "/hook.stderr", "ab"), env=env)
    return (time.monotonic() - t0) * 1000, p.returncode

# The three paths run in turn inside every worker, so a change of the
# machine's load (it is shared) falls on all three alike.
PATHS = ("spamc", "none", "spamd")

def case(msg, conc):
    times = {p: [] for p in PATHS}
    bad = {p: 0 for p in PATHS}
    lock = threading.Lock()
    def worker(n):
        for _ in range(n):
            for path in PATHS:
                ms, rc = one(path, msg)
                with lock:
                    times[path].append(ms)
                    bad[path] += rc != 0
    for path in PATHS:
        one(path, msg)  # warm-up, not counted
    t0 = time.monotonic()
    th = [threading.Thread(target=worker, args=(runs // conc,)) for _ in range(conc)]
    for t in th: t.start()
    for t in th: t.join()
    wall = time.monotonic() - t0
    out = {}
    for path in PATHS:
        t = sorted(times[path])
        out[path] = (statistics.median(t), t[max(0, int(len(t) * 0.9) - 1)], len(t), bad[path])
    return out, wall

rows, bad_total = [], 0
for msg in ("4k", "100k"):
    size = os.path.getsize("%s/%s.eml" % (W, msg))
    for conc in (1, 4):
        before_scored = spamd_scored()
        before_log = sum(1 for _ in open(log)) if os.path.exists(log) else 0
        res, wall = case("%s/%s.eml" % (W, msg), conc)
        scored = spamd_scored() - before_scored
        # spamc's and the hook's runs with spamd, and their warm-ups.
        want = res["spamc"][2] + res["spamd"][2] + 2
        lines = open(log).read().splitlines()[before_log:]
        with_spamd = [l for l in lines if " spam=" in l]
        notno = sum(1 for l in with_spamd if " spam=no " not in l)
        bad = sum(r[3] for r in res.values()) + notno + (scored != want) + \
            (len(with_spamd) != res["spamd"][2] + 1)
        if scored != want:
            print("%s c%d: spamd scored %d messages, %d were sent" % (msg, conc, scored, want))
        bad_total += bad
        for path in PATHS:
            med, p90, n, b = res[path]
            rows.append((msg, size, conc, path, med, p90, n, b, scored if path == "spamd" else ""))
        s_, z_, q_ = res["spamc"][0], res["none"][0], res["spamd"][0]
        rows.append((msg, size, conc, "added", q_ - s_, (q_ - s_) / s_ * 100, (q_ - z_ - s_) / s_ * 100, wall, 0))

names = {"spamc": "spamc -y alone", "none": "qscan, no spamd", "spamd": "qscan + spamd"}
print()
print("%-5s %7s %4s  %-16s %9s %9s %5s %4s %s" % ("case", "bytes", "conc", "path", "median ms", "p90 ms", "runs", "bad", "spamd scored (all three paths)"))
for r in rows:
    if r[3] == "added":
        print("%-5s %7d %4d  %-16s %+9.1f ms = %+.1f %% of spamc alone; without the hook's own cost %+.1f %%"
              % (r[0], r[1], r[2], "qscan adds", r[4], r[5], r[6]))
    else:
        print("%-5s %7d %4d  %-16s %9.1f %9.1f %5d %4d %s" % (r[0], r[1], r[2], names[r[3]], r[4], r[5], r[6], r[7], r[8]))
if bad_total:
    sys.exit("%d runs did not end as they should" % bad_total)
PY
