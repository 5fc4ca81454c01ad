#!/bin/sh
# Every archive and TNEF seed of the fuzz corpora, attached to a message,
# goes through the real, confined unpack role (qscan check): any ending
# but "done" fails, a SIGSYS above all, since that means libarchive or the
# TNEF walk needs a call the unpack profile lacks.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup
n=0
for f in "$QSCAN_SRC"/fuzz/corpus/archive/* "$QSCAN_SRC"/fuzz/corpus/tnef/*; do
	# One message per seed, the seed base64 as an attachment named after
	# it; winmail.dat too for the TNEF ones, as Outlook sends them.
	python3 - "$f" "$T/in.$n" <<'PY'
import base64, os, sys
src, out = sys.argv[1], sys.argv[2]
name = os.path.basename(src)
data = base64.encodebytes(open(src, "rb").read()).decode()
ctype = "application/ms-tnef" if "/tnef/" in src else "application/octet-stream"
with open(out, "w") as m:
    m.write("From: a@a.example\nTo: b@b.example\nSubject: %s\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
            "--B\nContent-Type: text/plain\n\nattached\n"
            "--B\nContent-Type: %s; name=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n\n%s--B--\n" % (name, ctype, name, data))
PY
	n=$((n + 1))
done
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T"/in.* > "$T/out.json" 2> "$T/stderr" || true
python3 - "$T/out.json" "$n" <<'PY' || { cat "$T/stderr"; fail "containers through the confined role"; }
import json, sys
results = json.load(open(sys.argv[1]))
assert len(results) == int(sys.argv[2]), (len(results), sys.argv[2])
bad = [(r["file"], r["roles"]) for r in results
       if r["roles"]["unpack"] != "done" or r["roles"]["canary"] != "sandbox-violation"]
for b in bad:
    print("not done:", b)
assert not bad
members = sum(1 for r in results for p in r["parts"]
              if p["kind"] in ("archive_member", "tnef_attachment"))
assert members > 0, "no container was opened"
print(len(results), "archive and TNEF seeds unpacked under the final filter,",
      members, "members and attachments")
PY
pass "archive and TNEF corpora replayed through the confined unpack role"
