#!/bin/sh
# clam.exe in a zip three message/rfc822 levels deep and EICAR plain, base64, split quoted-printable and uuencoded: found by each backend, also in the decoded parts alone.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_messages
av_clamd_start
qs_msg "$T/clean.eml" "nothing to see"

N=$T/msgs/nested
zip=$N/clam-zip-rfc822x3.eml
set -- "$N/eicar-plain.eml" "$N/eicar-base64.eml" "$N/eicar-qp-split.eml" "$N/eicar-uuencoded.eml"

for b in clamav fildes instream; do
	# scan_raw = false: only the parts the unpack role decoded are
	# scanned, so a find proves the part really went to the scanner
	# (and was decoded right), not just that libclamav parsed the mail.
	for raw in true false; do
		av_conf "$b" "scan_raw = $raw"
		parts_only=0
		[ "$raw" = false ] && parts_only=1
		av_check "$T/zip.json" "$zip"
		AV_PARTS_ONLY=$parts_only av_verdicts "$T/zip.json" "$b" virus:ClamAV-Test-File "$zip" > "$T/v" ||
		    { cat "$T/v"; fail "$b scan_raw=$raw: clam.exe in zip in rfc822 x3"; }
		av_check "$T/eicar.json" "$@"
		AV_PARTS_ONLY=$parts_only av_verdicts "$T/eicar.json" "$b" virus:Eicar-Test-Signature "$@" >> "$T/v" ||
		    { cat "$T/v"; fail "$b scan_raw=$raw: EICAR variants"; }
		av_check "$T/clean.json" "$T/clean.eml"
		av_verdicts "$T/clean.json" "$b" clean "$T/clean.eml" >> "$T/v" ||
		    { cat "$T/v"; fail "$b scan_raw=$raw: a clean message is not clean"; }
		cat "$T/v"
		pass "$b scan_raw=$raw: nested clam.exe and 4 EICAR variants found, clean message clean"
	done
done

# scan_raw: a signature that matches only a header of the raw message
# (no decoded part holds it) is found with scan_raw = true, in "raw",
# and not with scan_raw = false.
printf 'From: a@a.example\nTo: b@b.example\nSubject: raw\nX-Mailer: %s\n\nhello\n' \
    "$AV_RAW_MARKER" > "$T/raw.eml"
for b in clamav fildes instream; do
	av_conf "$b" "scan_raw = true"
	av_check "$T/raw.json" "$T/raw.eml"
	python3 - "$T/raw.json" "$b" <<'PY' || fail "$b scan_raw = true: raw message not scanned: $(cat "$T/raw.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
engine = "clamav" if sys.argv[2] == "clamav" else "clamd"
assert r["verdict"] == "virus", r["verdict"]
assert any(v["part"] == "raw" and v["engine"] == engine and v["name"].startswith("Qscan-Test-Raw-Marker")
           for v in r["viruses"]), r["viruses"]
PY
	av_conf "$b" "scan_raw = false"
	av_check "$T/raw.json" "$T/raw.eml"
	av_verdicts "$T/raw.json" "$b" clean "$T/raw.eml" ||
	    fail "$b scan_raw = false: the raw message was scanned anyway"
	pass "$b: scan_raw on scans the raw message, off does not"
done
