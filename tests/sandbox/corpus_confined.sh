#!/bin/sh
# Every seed of the unpack role's fuzz corpus replays through the real,
# confined role (qscan check): any ending but "done" fails, a SIGSYS above
# all, since that means the profile misses something the parser does.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup
n=0
for f in "$QSCAN_SRC"/fuzz/corpus/mime/*; do
	cp "$f" "$T/in.$n"
	n=$((n + 1))
done
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T"/in.* > "$T/out.json" 2> "$T/stderr" || true
python3 - "$T/out.json" "$n" <<'PY' || { cat "$T/stderr"; fail "corpus through the confined role"; }
import json, sys
results = json.load(open(sys.argv[1]))
assert len(results) == int(sys.argv[2]), (len(results), sys.argv[2])
bad = [(r["file"], r["roles"]) for r in results
       if r["roles"]["unpack"] != "done" or r["roles"]["canary"] != "sandbox-violation"]
for b in bad:
    print("not done:", b)
assert not bad
print(len(results), "corpus messages unpacked under the final filter")
PY
pass "fuzz corpus replayed through the confined unpack role"
