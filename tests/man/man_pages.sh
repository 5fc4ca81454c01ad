#!/bin/sh
# The manual pages: mandoc -T lint finds nothing (a reference to another
# page not installed yet is all it may say), and qscan.conf(5) has every
# key of the shipped qscan.conf and of broker/config.c's table, each in
# the subsection of its [section].
set -eu
: "${QSCAN_SRC:?run through meson test}"
command -v mandoc >/dev/null || { echo "FAIL: mandoc missing (package mandoc)"; exit 1; }
failed=0
for page in qscan.1 qscan.conf.5 qscan-rules.5 qmail-scanner-queue.8 \
    qscan-setup.8 qscand.8; do
	out=$(mandoc -T lint -W style "$QSCAN_SRC/man/$page" 2>&1 |
	    grep -v 'STYLE: referenced manual not found' || true)
	if [ -n "$out" ]; then
		echo "FAIL: $page: $out"
		failed=1
	else
		echo "ok: $page: mandoc -T lint clean"
	fi
done
python3 - "$QSCAN_SRC" <<'PY' || failed=1
import re, sys
src = sys.argv[1]
keys = set()
sec = None
for line in open(src + "/conf/qscan.conf"):
    m = re.match(r"^\[(\w+)\]", line)
    if m:
        sec = m.group(1)
        continue
    # Keys shipped commented out (#role_dir = ...) are keys too.
    m = re.match(r"^#?([a-z][a-z0-9_]*) =", line)
    if m:
        keys.add((sec, m.group(1), "conf/qscan.conf"))
n_conf = len(keys)
for m in re.finditer(r'\{ "([a-z]+)", "([a-z0-9_]+)", K_', open(src + "/broker/config.c").read()):
    keys.add((m.group(1), m.group(2), "broker/config.c"))
assert n_conf > 50, "too few keys read from qscan.conf: %d" % n_conf
page = {}
sec = None
for line in open(src + "/man/qscan.conf.5"):
    m = re.match(r"^\.Ss \[(\w+)\]", line)
    if m:
        sec = m.group(1)
        page.setdefault(sec, set())
        continue
    if line.startswith(".Sh "):
        sec = None
    m = re.match(r"^\.It Cm ([a-z0-9_]+)", line)
    if m and sec:
        page[sec].add(m.group(1))
missing = sorted({"[%s] %s (%s)" % k for k in keys if k[1] not in page.get(k[0], set())})
if missing:
    print("FAIL: qscan.conf.5 lacks: " + ", ".join(missing))
    sys.exit(1)
print("ok: qscan.conf.5 has all %d keys (%d in the shipped qscan.conf), each under its [section]" % (len({k[:2] for k in keys}), n_conf))
PY
exit $failed
