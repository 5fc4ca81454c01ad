#!/bin/sh
# Format checks: each tests/format/<check>.eml gives its anomaly on the
# right part through the real broker and confined role, none when that
# check is switched off in [checks], and clean.eml gives none of them.
# With the shipped policy/default.rules every check Qmail-Scanner 2.11
# blocked is quarantined by the broker; no_content_type and
# malformed_multipart are delivered, unchanged.
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
	QSCAN_CONFIG="$2" "$QSCAN_BUILD/broker/qscan" check --json "$1" > "$T/out.json" 2> "$T/stderr" ||
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
"$QSCAN_BUILD/broker/qscan" lint "$T/off.conf" > "$T/lint.out" 2>&1 || fail "lint refused every check: $(cat "$T/lint.out")"
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
"$QSCAN_BUILD/broker/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "lint of an unknown check: exit $rc"
grep -q "^$T/bad.conf:$line: checks.disabled names no format check: no_such_check" "$T/err" ||
    fail "lint: $(cat "$T/err")"
{ cat "$T/base.conf"; printf '[checks]\ndisabled = limit_parts\n'; } > "$T/bad.conf"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "lint let a limit be switched off"
pass "lint: [checks] disabled takes check names only, errors with file:line"

# The shipped policy, through the broker as qmail-smtpd runs it: each
# check quarantined (exit 0, quarantine/policy/, the rule's reason in the
# summary line) or, for the two recorded only, delivered unchanged.  When
# an earlier rule of the file decides first (wav.exe: the .exe line), the
# file without that rule must still quarantine by the check's own rule.
qs_env "$T/env" a@a.example b@b.example
# reason_of_last: the summary's reason, its \xNN escapes undone.
reason_of_last() {
	qs_last | sed -n 's/ ms=[^ ]*$//; s/.* reason=//p' | python3 -c '
import re, sys
sys.stdout.write(re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
    sys.stdin.buffer.read().strip()).decode("utf-8", "replace") + "\n")'
}
# run_shipped CHECK RULES: qs_run of tests/format/CHECK.eml with RULES.
run_shipped() {
	{ cat "$T/base.conf"; echo "policy_file = $2"; } > "$T/qscan.conf"
	before=$(ls "$T/spool/quarantine/policy/new" | wc -l)
	qs_standin 0
	qs_run "$F/$1.eml" "$T/env"
	expect_rc 0 "shipped policy, $1"
	expect_work_empty "shipped policy, $1"
	after=$(ls "$T/spool/quarantine/policy/new" | wc -l)
}
while read -r check outcome reason; do
	run_shipped "$check" "$QSCAN_SRC/policy/default.rules"
	if [ "$outcome" = queue ]; then
		[ "$(qs_field verdict)" = clean ] && [ "$(qs_field action)" = queue ] ||
		    fail "shipped policy, $check: not delivered: $(qs_last)"
		[ "$after" = "$before" ] || fail "shipped policy, $check: quarantined too"
		# Delivered as it came (no fake Content-Type): the trace
		# header on top is all we add.
		awk 'body || !/^X-Qscan-/ { body = 1; print }' "$T/rec/message" |
		    cmp -s - "$F/$check.eml" ||
		    fail "shipped policy, $check: the delivered copy differs from the message"
		pass "shipped policy, $check: delivered unchanged"
		continue
	fi
	cp "$QSCAN_SRC/policy/default.rules" "$T/rules"
	chmod 644 "$T/rules"
	first=
	for try in 1 2 3; do
		[ "$(qs_field verdict)" = policy ] && [ "$(qs_field action)" = quarantine ] ||
		    fail "shipped policy, $check: not quarantined: $(qs_last)"
		[ "$after" = $((before + 1)) ] || fail "shipped policy, $check: nothing new in quarantine/policy"
		[ ! -f "$T/rec/message" ] || fail "shipped policy, $check: queued too"
		got=$(reason_of_last)
		case $got in
		"$reason (line "*) break ;;
		esac
		[ "$try" != 3 ] || fail "shipped policy, $check: reason $got, expected $reason"
		# Another rule decided first: without it, the check's must.
		line=$(printf '%s\n' "$got" | sed -n 's/.*(line \([0-9]*\).*/\1/p')
		[ -n "$line" ] || fail "shipped policy, $check: no line in reason $got"
		first=" (first: $got)"
		sed -i "${line}s/^/#/" "$T/rules"
		run_shipped "$check" "$T/rules"
	done
	pass "shipped policy, $check: quarantined ($reason)$first"
done <<'LIST'
header_cr_nul quarantine CR or NUL in MIME headers
broken_continuation quarantine a folded header line with no header before it
header_name_comment quarantine a comment inside a MIME header name
repeated_mime_header quarantine a MIME header repeated in one part
long_boundary quarantine a MIME boundary over 250 characters
boundary_redefined quarantine a MIME boundary defined twice
filename_mismatch quarantine name= and filename= of one attachment differ
broken_part_headers quarantine a line in a part's headers that is no header
long_filename quarantine Attachment name over 256 characters
double_extension quarantine Double extension hiding the real file type
clsid_extension quarantine CLSID extension hiding the real file type
bidi_filename quarantine filename with bidirectional controls
disguised_executable quarantine Windows program under another name
exe_name_on_media quarantine a Windows program's extension on an audio, image, video or text part
no_content_type queue -
malformed_multipart queue -
clean queue -
LIST
