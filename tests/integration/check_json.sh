#!/bin/sh
# qscan check --json: the same broker and roles on files, nothing queued.
. "$(dirname "$0")/lib.sh"
qs_setup
cat > "$T/att.eml" <<'MSG'
From: =?utf-8?B?w4lsaXNl?= <elise@a.example>
To: bob@b.example
Subject: =?iso-8859-1?Q?R=E9sum=E9?= attached
Message-ID: <att1@a.example>
Date: Wed, 25 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset=utf-8

see attached
--XX
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==
--XX--
MSG
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/att.eml" > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check failed"; }
python3 - "$T/out.json" <<'PY' || fail "JSON facts: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
for key in ("verdict", "action", "exit_code", "parts", "anomalies", "viruses", "policy", "timings_ms"):
    assert key in r, key
assert r["verdict"] == "clean" and r["action"] == "queue" and r["exit_code"] == 0, r
assert r["headers"]["subject"] == "Résumé attached", r["headers"]
assert r["headers"]["message_id"].strip("<>") == "att1@a.example", r["headers"]
assert "lise" in r["headers"]["from"], r["headers"]
parts = r["parts"]
assert parts[0]["content_type"] == "multipart/mixed", parts
pdf = [p for p in parts if p["content_type"] == "application/pdf"][0]
names = {(f["source"], f["name"]) for f in pdf["filenames"]}
assert ("content_type_name", "report.pdf") in names, names
assert ("disposition_filename", "résumé.pdf") in names, names
assert pdf["encoding"] == "base64" and pdf["size"] == 52, pdf
text = [p for p in parts if p["content_type"] == "text/plain"][0]
assert text["charset"] == "utf-8" and text["size"] == len("see attached\n") or text["size"] == len("see attached"), text
assert set(r["timings_ms"]) >= {"canary", "unpack", "total"}
PY
[ ! -f "$T/rec/message" ] || fail "qscan check queued something"
pass "qscan check --json facts"

# Limits are a verdict: more parts than allowed.
{
	printf 'From: a@b\nTo: c@d\nSubject: many\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n'
	i=0; while [ $i -lt 50 ]; do printf -- '--B\nContent-Type: text/plain\n\npart %d\n' $i; i=$((i+1)); done
	printf -- '--B--\n'
} > "$T/many.eml"
printf '[limits]\nmax_parts = 10\n' >> "$T/qscan.conf"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/many.eml" > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check failed"; }
python3 - "$T/out.json" <<'PY' || fail "limits: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["verdict"] == "limits" and r["action"] == "reject" and r["exit_code"] == 31, r
assert any(a["code"] == "limit_parts" for a in r["anomalies"]), r["anomalies"]
assert len(r["parts"]) <= 10, len(r["parts"])
PY
pass "qscan check: part limit is a verdict"

# A second name=/filename= (plain or RFC 2231) is reported too, checked
# like the first, and differing names are a filename_mismatch.
cat > "$T/dup.eml" <<'MSG'
From: a@b
To: c@d
Subject: two names
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=B

--B
Content-Type: text/plain

hi
--B
Content-Type: application/octet-stream; name="a.txt"; name*=UTF-8''evil.exe
Content-Disposition: attachment; filename="a.txt"; filename="evil2.exe"
Content-Transfer-Encoding: base64

aGVsbG8K
--B--
MSG
sed -i 's/^max_parts = 10$/max_parts = 10000/' "$T/qscan.conf"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/dup.eml" > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check failed"; }
python3 - "$T/out.json" <<'PY' || fail "second filenames: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
att = [p for p in r["parts"] if p["path"] == "1.2"][0]
names = {(f["source"], f["name"]) for f in att["filenames"]}
assert ("content_type_name", "evil.exe") in names, names
assert ("disposition_filename", "evil2.exe") in names, names
assert any(a["code"] == "filename_mismatch" for a in r["anomalies"]), r["anomalies"]
PY
pass "every name= and filename= reported"

# More header fields than reported: a header rule could not see them, so
# it is a limit, never clean.
{
	i=0; while [ $i -lt 300 ]; do printf 'Received: from h%d by x\n' $i; i=$((i+1)); done
	printf 'From: a@b\nTo: c@d\nSubject: ILOVEYOU\n\nbody\n'
} > "$T/hdrs.eml"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/hdrs.eml" > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check failed"; }
python3 - "$T/out.json" <<'PY' || fail "header field limit: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["verdict"] == "limits" and r["reason"] == "limit_header_fields", (r["verdict"], r["reason"])
PY
pass "more header fields than reported: verdict limits"

# More findings about parts than the role reports: said as a limit, so a
# rule keyed on a dropped finding cannot be dodged.
{
	printf 'From: a@b\nTo: c@d\nSubject: many findings\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n'
	i=0; while [ $i -lt 19 ]; do
		printf -- '--B\nContent-Type: image/gif; name="x%d.gif.exe"\nContent-Disposition: attachment; filename="y%d.gif.exe"\n\nGIF89a\n' $i $i
		i=$((i+1))
	done
	printf -- '--B--\n'
} > "$T/findings.eml"
sed -i 's/^max_parts = 10000$/max_parts = 20/' "$T/qscan.conf"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/findings.eml" > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check failed"; }
python3 - "$T/out.json" <<'PY' || fail "anomaly budget: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
codes = [a["code"] for a in r["anomalies"]]
assert "limit_anomalies" in codes, codes
assert r["verdict"] == "limits", r["verdict"]
PY
pass "findings past the budget: limit_anomalies, verdict limits"
