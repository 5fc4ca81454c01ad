#!/bin/sh
# qscan report and qscan metrics (docs/report.md) on the summary lines of
# a real mix of mail through the hook: the counts in the HTML page, the
# MRTG lines and the metrics equal those of a separate reading
# (tests/summary_parse.py) of the same log, read plain, rotated, gzipped
# and from stdin; a hostile subject is text in the page; promtool accepts
# the metrics; the page opened in headless Chromium has every chart drawn
# (non-empty paths) and no console error, and its screenshot is kept.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
PARSE=$QSCAN_SRC/tests/summary_parse.py
QSCAN=$QSCAN_BUILD/broker/qscan
LOG=$T/spool/log/qscan.log
av_setup
av_messages
cat > "$T/policy.rules" <<'RULES'
rule no-bat filename "*.bat" action reject "Batch files are not accepted"
rule outbreak header Subject /^Invoice [0-9]{6}$/ action tempfail
rule junk sender "*@junk.example" action drop
rule hold-vbs filename "*.vbs" action quarantine reason "VBS held"
RULES
av_conf clamav "policy_file = $T/policy.rules" "reject_text_fd = 0"

# msg FILE SUBJECT [ATTACHMENT-NAME [BYTES]]
msg() {
	{
		printf 'From: a@a.example\nTo: b@b.example\nSubject: %s\nMIME-Version: 1.0\n' "$2"
		if [ -n "${3:-}" ]; then
			printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n'
			printf 'Content-Type: application/octet-stream; name="%s"\nContent-Disposition: attachment; filename="%s"\nContent-Transfer-Encoding: base64\n\n' "$3" "$3"
			head -c "${4:-100}" /dev/zero | tr '\0' x | base64
			printf -- '--B--\n'
		else
			printf 'Content-Type: text/plain\n\nhello\n'
		fi
	} > "$1"
}
qs_env "$T/e" a@a.example b@b.example
qs_env "$T/ej" x@junk.example b@b.example
for i in 1 2 3; do
	msg "$T/m$i" "report $i" "r$i.pdf" $((i * 2000))
	av_run "$T/m$i" "$T/e"
done
av_run "$T/m1" "$T/e" RELAYCLIENT=
av_run "$T/m2" "$T/e" RELAYCLIENT=
av_run "$T/msgs/nested/eicar-base64.eml" "$T/e"
av_run "$T/msgs/nested/eicar-base64.eml" "$T/e"
msg "$T/m" "script" "run.vbs"; av_run "$T/m" "$T/e"
msg "$T/m" "batch" "x.bat"; av_run "$T/m" "$T/e"
msg "$T/m" "Invoice 123456"; av_run "$T/m" "$T/e"
msg "$T/m" "hello"; av_run "$T/m" "$T/ej"
# A subject that closes a script, quotes, a control byte, and markup,
# on a message the policy quarantines (the page lists blocked ones).
{
	printf 'From: a@a.example\nTo: b@b.example\n'
	printf 'Subject: =?UTF-8?B?%s?=\nMIME-Version: 1.0\n' "$(printf '</script>"'"'"'\001<img src=x>' | base64 -w0)"
	printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nhi\n--B\n'
	printf 'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="h.vbs"\n\nxx\n--B--\n'
} > "$T/hostile"
av_run "$T/hostile" "$T/e"
qs_standin 71
qs_run "$T/m1" "$T/e"
qs_standin 0
cp "$LOG" "$T/good.log"
python3 "$PARSE" check "$T/good.log" || fail "the hook's lines do not parse"
{ cat "$LOG"; printf 'not a summary line\n'; } > "$T/mixed.log"
python3 "$PARSE" check "$T/mixed.log" 2>/dev/null && fail "the parser took the junk line"

# The separate reading: counts by verdict, direction, blocked.
python3 "$PARSE" json "$T/good.log" > "$T/lines.json"
count() {
	python3 - "$T/lines.json" "$@" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
msgs = [r for r in recs if r['line'] == 'message']
what = sys.argv[2]
if what == 'verdict':
    print(sum(1 for r in msgs if r['verdict'] == sys.argv[3]))
elif what == 'relay':
    print(sum(1 for r in msgs if r['relay'] == sys.argv[3]))
elif what == 'messages':
    print(len(msgs))
elif what == 'blocked':
    print(sum(1 for r in msgs if r['action'] in ('reject', 'quarantine', 'drop')))
PY
}
n_msgs=$(count messages)
[ "$n_msgs" = 13 ] || fail "expected 13 messages, the log has $n_msgs: $(cat "$LOG")"

# The HTML page: each verdict's count, the directions, the junk line.
"$QSCAN" report --log "$T/mixed.log" -o "$T/report.html" 2> "$T/report.err" ||
    fail "qscan report: $(cat "$T/report.err")"
grep -q '1 of 14 lines were no summary line' "$T/report.err" || fail "report: $(cat "$T/report.err")"
page() {
	grep -o "data-$1=\"$2\">[0-9]*<" "$T/report.html" | sed 's/.*>\([0-9]*\)<$/\1/'
}
for v in clean virus policy spam limits tempfail unscannable reject; do
	[ "$(page verdict $v)" = "$(count verdict $v)" ] ||
	    fail "report: $v $(page verdict $v), the parser counts $(count verdict $v)"
done
[ "$(page verdict virus)" = 2 ] && [ "$(page verdict policy)" = 5 ] || fail "report: the mix is not what was sent"
[ "$(page total messages)" = "$n_msgs" ] || fail "report: total $(page total messages)"
[ "$(page total refused)" = 1 ] || fail "report: refused $(page total refused)"
[ "$(page direction outbound)" = "$(count relay 1)" ] && [ "$(count relay 1)" = 2 ] &&
    [ "$(page direction inbound)" = "$(count relay 0)" ] || fail "report: directions"
pass "report: counts by verdict, direction and the junk line equal summary_parse.py's"

# The hostile subject is text, never markup.
grep -q '&lt;/script&gt;&quot;&#39;.&lt;img src=x&gt;' "$T/report.html" || fail "report: the hostile subject is not escaped text"
grep -q '</script>\|<img\|<script' "$T/report.html" && fail "report: markup from the log in the page"
pass "report: the subject </script>\"' with a control byte is escaped"

# MRTG's lines, from the log plain, rotated (.1), gzipped, on stdin.
cp "$T/good.log" "$T/qscan.log.1"
gzip -c "$T/good.log" > "$T/qscan.log.2.gz"
"$QSCAN" report --log "$T/qscan.log.1" --log "$T/qscan.log.2.gz" --log - --mrtg messages,blocked < "$T/good.log" > "$T/mrtg" ||
    fail "report --mrtg"
[ "$(sed -n 1p "$T/mrtg")" = $((3 * n_msgs)) ] && [ "$(sed -n 2p "$T/mrtg")" = $((3 * $(count blocked))) ] ||
    fail "mrtg: $(cat "$T/mrtg"), expected $((3 * n_msgs)) and $((3 * $(count blocked)))"
[ "$(wc -l < "$T/mrtg")" = 4 ] && sed -n 3p "$T/mrtg" | grep -q '^[0-9]* days, [0-9][0-9]:[0-9][0-9]$' &&
    sed -n 4p "$T/mrtg" | grep -q '^qscan on ' || fail "mrtg: $(cat "$T/mrtg")"
head -c 200 "$T/qscan.log.2.gz" > "$T/cut.gz"
"$QSCAN" report --log "$T/cut.gz" --mrtg > /dev/null 2> "$T/err" && fail "a cut .gz read as whole"
grep -q 'unexpected end of file' "$T/err" || fail "cut .gz: $(cat "$T/err")"
"$QSCAN" report --log "$T/nothing" --mrtg > /dev/null 2>&1 && fail "a missing log read"
"$QSCAN" report --log "$T/good.log" --mrtg spam,nonsense > /dev/null 2>&1 && fail "a bad pair taken"
pass "mrtg: $(tr '\n' '|' < "$T/mrtg") (plain, .1, .gz and stdin together; a cut .gz refused)"

# --since: every line is from the last minutes.
"$QSCAN" report --log "$T/good.log" --since 1d --mrtg > "$T/mrtg"
[ "$(sed -n 1p "$T/mrtg")" = "$n_msgs" ] || fail "--since 1d: $(cat "$T/mrtg")"
"$QSCAN" report --log "$T/good.log" --since 2099-01-01 --mrtg > "$T/mrtg"
[ "$(sed -n 1p "$T/mrtg")" = 0 ] || fail "--since 2099: $(cat "$T/mrtg")"
pass "--since: 1d keeps the lines, a future date none"

# Metrics: the textfile, replaced whole; promtool's lint; the counts.
mkdir "$T/textfile"
"$QSCAN" metrics --log "$T/good.log" --textfile "$T/textfile" || fail "metrics --textfile"
[ "$(ls -A "$T/textfile")" = qscan.prom ] || fail "metrics: left $(ls -A "$T/textfile")"
promtool check metrics < "$T/textfile/qscan.prom" || fail "promtool check metrics refused the metrics"
sum=$(sed -n 's/^qscan_messages_total{[^}]*} //p' "$T/textfile/qscan.prom" | awk '{ s += $1 } END { print s + 0 }')
[ "$sum" = "$n_msgs" ] || fail "metrics: qscan_messages_total sums to $sum"
for v in clean virus policy tempfail; do
	n=$(sed -n "s/^qscan_messages_total{verdict=\"$v\",[^}]*} //p" "$T/textfile/qscan.prom" | awk '{ s += $1 } END { print s + 0 }')
	[ "$n" = "$(count verdict $v)" ] || fail "metrics: $v $n, the parser counts $(count verdict $v)"
done
grep -q "^qscan_stage_duration_seconds_count{stage=\"total\"} $n_msgs\$" "$T/textfile/qscan.prom" ||
    fail "metrics: no stage histogram of $n_msgs"
chmod 555 "$T/textfile"
su -s /bin/sh nobody -c "'$QSCAN' metrics --log '$T/good.log' --textfile '$T/textfile'" 2> "$T/err" &&
    fail "metrics wrote into a directory it may not"
chmod 755 "$T/textfile"
[ "$(ls -A "$T/textfile")" = qscan.prom ] || fail "metrics: a failed write left $(ls -A "$T/textfile")"
pass "metrics: promtool check metrics passes, counts equal, written atomically"

# Chromium, headless: no console error, every chart drawn.
command -v chromium > /dev/null || fail "chromium is not installed (tests/run-tests.sh installs it)"
chrome() {
	HOME=$T timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --no-first-run --enable-logging=stderr --v=0 \
	    --window-size=900,4000 "$@" "file://$T/report.html"
}
chrome --dump-dom > "$T/dom.html" 2> "$T/chrome.err" || fail "chromium: $(tail -5 "$T/chrome.err")"
grep -i 'CONSOLE\|Refused to' "$T/chrome.err" && fail "chromium: console errors"
python3 - "$T/dom.html" <<'PY' || fail "chromium: a chart without paths"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts = []
        self.svg = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'svg' and 'chart' in a.get('class', ''):
            self.svg = {'label': a.get('aria-label'), 'paths': 0}
            self.charts.append(self.svg)
        elif tag == 'path' and self.svg is not None and \
                (a.get('class') or '').startswith('s') and a.get('d', '').strip():
            self.svg['paths'] += 1
    def handle_endtag(self, tag):
        if tag == 'svg':
            self.svg = None
p = P()
p.feed(open(sys.argv[1]).read())
bad = [c['label'] for c in p.charts if c['paths'] == 0]
print('charts: %d, without paths: %s' % (len(p.charts), bad))
sys.exit(1 if len(p.charts) != 5 or bad else 0)
PY
shot=$QSCAN_BUILD/meson-logs/report-screenshot.png
rm -f "$shot"
chrome --screenshot="$shot" > /dev/null 2> "$T/chrome.err" || fail "chromium screenshot: $(tail -5 "$T/chrome.err")"
[ -s "$shot" ] && [ "$(head -c 4 "$shot" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "no screenshot"
pass "chromium: 5 charts with paths, no console error, screenshot $shot"
