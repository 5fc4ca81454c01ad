#!/bin/sh
# Format checks: each tests/format/<check>.eml gives its anomaly on the
# right part through the real broker and confined role, none when that
# check is switched off in [checks], and clean.eml gives none of them.
. "$(dirname "$0")/lib.sh"
qs_setup
cp "$T/qscan.conf" "$T/base.conf"
F="$QSCAN_SRC/tests/format"

# check-name  expected part path ("-": the whole message)
expect='header_cr_nul 1.2
broken_continuation 1.2
header_name_comment 1.2
repeated_mime_header 1.2
long_boundary 1
boundary_redefined 1
filename_mismatch 1.2
broken_part_headers 1.2
long_filename 1.2
double_extension 1.2
clsid_extension 1.2
bidi_filename 1.2
disguised_executable 1.2
exe_name_on_media 1.2
no_content_type -
malformed_multipart 1'

# run FILE CONFIG: qscan check --json into $T/out.json
run() {
	QSCAN_CONFIG="$2" "$QSCAN_BUILD/qscan" check --json "$1" > "$T/out.json" 2> "$T/stderr" ||
	    { cat "$T/stderr"; fail "qscan check $1 failed"; }
}

# verify CHECK PATH present|absent
verify() {
	python3 - "$T/out.json" "$1" "$2" "$3" <<'PY' || fail "$1 ($3): $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
code, where, want = sys.argv[2], sys.argv[3], sys.argv[4]
assert r["roles"]["unpack"] == "done", r["roles"]
paths = [p["path"] for p in r["parts"]]
hits = [None if a["part"] is None else paths[a["part"]]
        for a in r["anomalies"] if a["code"] == code]
if want == "present":
    assert (None if where == "-" else where) in hits, (code, where, hits)
else:
    assert not hits, (code, hits)
PY
}

while read -r check path; do
	run "$F/$check.eml" "$T/base.conf"
	verify "$check" "$path" present
	{ cat "$T/base.conf"; printf '[checks]\ndisabled = %s\n' "$check"; } > "$T/off.conf"
	run "$F/$check.eml" "$T/off.conf"
	verify "$check" "$path" absent
	pass "$check on $path, and off when disabled"
done <<LIST
$expect
LIST

# The clean message: no format check fires, and the new facts are there.
run "$F/clean.eml" "$T/base.conf"
python3 - "$T/out.json" <<'PY' || fail "clean.eml: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["roles"]["unpack"] == "done", r["roles"]
assert r["anomalies"] == [], r["anomalies"]
assert r["verdict"] == "clean", r["verdict"]
names = [h["name"] for h in r["header_fields"]]
assert names[:2] == ["From", "To"] and "Content-Type" in names, names
pdf = [p for p in r["parts"] if p["content_type"] == "application/pdf"][0]
assert pdf["detected_type"] == "application/pdf" and pdf["encrypted"] is False, pdf
PY
pass "clean.eml: no format anomaly; header fields and detected types reported"

# Every check off at once still scans, and lint refuses an unknown name.
all=$(echo "$expect" | cut -d' ' -f1 | paste -sd, -)
{ cat "$T/base.conf"; printf '[checks]\ndisabled = %s\n' "$all"; } > "$T/off.conf"
"$QSCAN_BUILD/qscan" lint "$T/off.conf" > "$T/lint.out" 2>&1 || fail "lint refused every check: $(cat "$T/lint.out")"
for check in $(echo "$all" | tr , ' '); do
	run "$F/$check.eml" "$T/off.conf"
	python3 - "$T/out.json" <<'PY' || fail "all off, $check: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["roles"]["unpack"] == "done", r["roles"]
PY
done
{ cat "$T/base.conf"; printf '[checks]\ndisabled = double_extension, no_such_check\n'; } > "$T/bad.conf"
line=$(grep -n '^disabled' "$T/bad.conf" | cut -d: -f1)
set +e
"$QSCAN_BUILD/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "lint of an unknown check: exit $rc"
grep -q "^$T/bad.conf:$line: checks.disabled names no format check: no_such_check" "$T/err" ||
    fail "lint: $(cat "$T/err")"
{ cat "$T/base.conf"; printf '[checks]\ndisabled = limit_parts\n'; } > "$T/bad.conf"
set +e
"$QSCAN_BUILD/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "lint let a limit be switched off"
pass "lint: [checks] disabled takes check names only, errors with file:line"
