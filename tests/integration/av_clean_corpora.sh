#!/bin/sh
# Real-world clean mail (Python's test_email corpus, SpamAssassin's sample-nonspam) is clean for every backend: no false virus, no tempfail.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_clamd_start

PYDATA=/usr/lib/python3.11/test/test_email/data
SANONSPAM=/usr/share/doc/spamassassin/examples/sample-nonspam.txt
[ -d "$PYDATA" ] || fail "$PYDATA missing (package libpython3.11-testsuite)"
[ -f "$SANONSPAM" ] || fail "$SANONSPAM missing (package spamassassin)"
mkdir -p "$T/corpus"
cp "$PYDATA"/msg_*.txt "$SANONSPAM" "$T/corpus/"
chmod -R a+rX "$T/corpus"
set -- "$T"/corpus/*
# 47 in Debian 12's python3.11; fewer means the glob or the package broke.
[ $# -ge 40 ] || fail "only $# corpus messages"

for b in clamav fildes instream; do
	av_conf "$b"
	av_check "$T/out-$b.json" "$@"
	av_verdicts "$T/out-$b.json" "$b" clean "$@" > "$T/v-$b" ||
	    { grep -v '^ok' "$T/v-$b"; fail "$b: a clean corpus message was not clean"; }
	# Which ones hit a limit (malformed in a way the limits catch).
	grep 'limits:' "$T/v-$b" || true
	pass "$b: $# corpus messages clean ($(grep -c 'limits:' "$T/v-$b" || true) at a limit)"
done

# The shipped policy on the same clean mail: what policy/default.rules
# says its format-check rules stop, and nothing more.
av_conf none "policy_file = $QSCAN_SRC/policy/default.rules"
av_check "$T/out-policy.json" "$@"
python3 - "$T/out-policy.json" <<'PY' || fail "shipped policy on clean mail: not what default.rules documents"
import collections, json, os, sys
stopped = collections.defaultdict(list)
for r in json.load(open(sys.argv[1])):
    if r["action"] != "queue":
        rule = [m["rule"] for m in r["policy"] if m["decisive"]]
        stopped[(rule or [r["reason"]])[0]].append(os.path.basename(r["file"]))
for rule, files in sorted(stopped.items()):
    print("  %s: %d (%s)" % (rule, len(files), " ".join(sorted(files))))
# policy/default.rules, "How much clean mail each one stops".
assert {k: len(v) for k, v in stopped.items()} == {
    "broken-part-headers": 4, "name-filename-differ": 1}, dict(stopped)
PY
pass "shipped policy: clean mail stopped only as default.rules documents"
