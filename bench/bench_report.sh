#!/bin/sh
# bench: qscan report on one million generated summary lines
# (docs/report.md): time and peak RSS (/usr/bin/time -v) for -o, --mrtg
# and metrics.  sh bench/bench_report.sh [BUILD_DIR] [LINES]
set -eu
build=${1:-build-test}
n=${2:-1000000}
t=$(mktemp -d /tmp/qscan-bench-report.XXXXXX)
trap 'rm -rf "$t"' EXIT
python3 - "$n" > "$t/qscan.log" <<'PY'
import sys, random
random.seed(1)
kinds = [('clean', 'queue', 0, 'policy=<>', 'reason=<>'),
         ('virus', 'quarantine', 0, 'viruses=clamav:Eicar-Test policy=<> quarantine=1.M1P1Q1.vm', 'reason=clamav:Eicar-Test'),
         ('policy', 'reject', 31, 'policy=reject@1:no-bat', 'reason=Batch\\x20files'),
         ('tempfail', 'tempfail', 71, 'policy=<>', 'reason=clamd\\x20down')]
base = 1796600000
w = sys.stdout.write
for i in range(int(sys.argv[1])):
    v, a, e, pol, r = kinds[0 if i % 10 < 7 else i % 4]
    t = base + i * 600000 // int(sys.argv[1]) * 1
    ts = '%04d' % 0
    import time
    w('%s pid=%d id=6b17%04x.%x.%x ip=192.0.2.%d relay=%d from=a@d%d.example rcpt=b@b.example size=%d parts=3 verdict=%s action=%s exit=%d msgid=<m%d@a.example> subject=hello\\x20%d attach=r.pdf:300 engines=clamav:clean:%.1f %s %s rss_kb=3700 ms=setup:0.8,spool:0.1,canary:1.0,unpack:%.1f,av:%.1f,queue:1.0,total:%.1f\n' % (
        time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(base + i * 604800 // int(sys.argv[1]))),
        i, i % 65536, i, i, i % 250, i % 5 == 0, i % 50, random.randint(200, 2000000), v, a, e, i, i,
        random.uniform(1, 80), pol, r, random.uniform(1, 40), random.uniform(1, 80), random.uniform(5, 200)))
PY
echo "lines: $(wc -l < "$t/qscan.log"), $(du -m "$t/qscan.log" | cut -f1) MB"
for what in "report -o $t/r.html" "report --mrtg" "metrics --textfile $t"; do
	# shellcheck disable=SC2086
	/usr/bin/time -v "$build/broker/qscan" $what --log "$t/qscan.log" > /dev/null 2> "$t/time"
	! grep "no summary line" "$t/time" || { echo "bench: lines refused" >&2; exit 1; }
	printf '| qscan %s | %s s | %s KB max RSS |\n' "${what%% $t*}" \
	    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): 0://p' "$t/time")" \
	    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$t/time")"
done
