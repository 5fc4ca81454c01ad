#!/bin/sh
# An engine's own limit is not a verdict on the content: a 30 MiB message
# (raw over clamd's 25 MiB max_stream_bytes, its attachment not) is
# delivered with its parts scanned by a real clamd, and the trace header,
# the summary line and the JSON name what clamd left unchecked and why;
# a virus in such a message is still found by clamd; unchecked_action = tempfail
# or reject refuses instead; the libclamav role does the same at its
# max_file_bytes.  And a message unpack refused (a zip bomb) never
# starts an engine, unless limits_action = pass delivers it.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_clamd_start
qs_env "$T/e" alice@a.example bob@b.example

python3 - "$T" "$(python3 "$AV_DIR/make_messages.py" --eicar-hex)" <<'PY'
import base64, os, sys, zipfile
t, eicar = sys.argv[1], bytes.fromhex(sys.argv[2])
def message(out, parts):
    with open(out, "w") as m:
        m.write("From: a@a.example\nTo: b@b.example\nSubject: %s\n"
                "Message-ID: <%s@a.example>\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=B\n\n"
                "--B\nContent-Type: text/plain\n\nattached\n"
                % (os.path.basename(out), os.path.basename(out)))
        for name, data in parts:
            m.write("--B\nContent-Type: application/octet-stream; name=\"%s\"\n"
                    "Content-Disposition: attachment; filename=\"%s\"\n"
                    "Content-Transfer-Encoding: base64\n\n" % (name, name))
            m.write(base64.encodebytes(data).decode())
        m.write("--B--\n")
big = os.urandom(23 * 1024 * 1024)
message(t + "/30m.eml", [("video.bin", big)])
message(t + "/30m-eicar.eml", [("video.bin", big), ("eicar.com", eicar)])
message(t + "/2m.eml", [("photo.bin", os.urandom(2 * 1024 * 1024))])
# The 400 MB zip bomb of unpack_containers.sh, about 400 KB.
with zipfile.ZipFile(t + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(400):
            f.write(block)
message(t + "/bomb.eml", [("bomb.zip", open(t + "/bomb.zip", "rb").read())])
PY
chmod 644 "$T"/*.eml
[ "$(wc -c < "$T/30m.eml")" -gt $((30 * 1024 * 1024)) ] || fail "30m.eml is not over 30 MiB"

# json_unchecked JSON WANT: the JSON's unchecked list is exactly WANT
# ("engine part" pairs, comma-separated, "" for none), and every part
# with content got a verdict from every engine that ran.
json_unchecked() {
	python3 - "$1" "$2" <<'PY' || fail "unchecked in JSON, expected '$2': $(head -c 3000 "$1")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
got = ",".join("%s %s" % (u["engine"], u["part"]) for u in r["unchecked"])
assert got == sys.argv[2], got
assert all(u["why"] for u in r["unchecked"]), r["unchecked"]
assert r["engines"] and all(e["ending"] == "done" for e in r["engines"]), r["engines"]
PY
}

# delivered WHAT ENGINE PART: the last broker run queued the message
# clean, and the header and the summary line name ENGINE PART.
delivered() {
	expect_rc 0 "$1"
	[ "$(qs_field verdict)" = clean ] || fail "$1: verdict $(qs_field verdict): $(qs_last)"
	[ -f "$T/rec/message" ] || fail "$1: not queued"
	hdr=$(sed '/^$/q' "$T/rec/message" | grep '^X-Qscan-Unchecked: ' || true)
	echo "$hdr" | grep -q "^X-Qscan-Unchecked: $2 $3: [0-9]* bytes over max-" ||
	    fail "$1: no X-Qscan-Unchecked header for $2 $3: $(sed '/^$/q' "$T/rec/message")"
	qs_field unchecked | grep -q "^$2\\\\x20$3:" ||
	    fail "$1: the summary line has no unchecked=$2 $3: $(qs_last)"
	expect_work_empty "$1"
	pass "$1: delivered, $hdr"
}

# 1. clamd over FILDES (unix socket) and INSTREAM (TCP): the raw message
# is over max_stream_bytes, the 23 MiB part is not.  The parts are still
# scanned: a virus next to the big part is found.
for mode in fildes instream; do
	av_conf "$mode"
	av_run "$T/30m.eml" "$T/e"
	delivered "clamd $mode, 30 MiB message" clamd raw
	av_check "$T/out.json" "$T/30m.eml"
	json_unchecked "$T/out.json" "clamd raw"
	pass "clamd $mode: JSON names clamd raw unchecked"
	mark=$(av_clamd_mark)
	av_run "$T/30m-eicar.eml" "$T/e"
	expect_rc 0 "clamd $mode, 30 MiB with EICAR"
	[ "$(qs_field verdict)" = virus ] || fail "clamd $mode, 30 MiB with EICAR: $(qs_last)"
	av_reason | grep -q 'clamd:Eicar-Test-Signature' || fail "clamd $mode, 30 MiB with EICAR: $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "clamd $mode, 30 MiB with EICAR: queued"
	[ "$(av_clamd_found "$mark" "$mode")" -ge 1 ] || fail "clamd $mode: clamd logged no detection"
	pass "clamd $mode, 30 MiB with EICAR in a part: virus, found by clamd"
done

# 2. A site that wants the old strictness.
for c in tempfail:71 reject:31; do
	av_conf fildes "unchecked_action = ${c%%:*}"
	av_run "$T/30m.eml" "$T/e"
	expect_rc "${c#*:}" "unchecked_action = ${c%%:*}"
	[ "$(qs_field verdict)" = limits ] || fail "unchecked_action = ${c%%:*}: $(qs_last)"
	av_reason | grep -q '^unchecked:\\x20clamd\\x20raw:' || fail "unchecked_action = ${c%%:*}: reason $(av_reason)"
	[ ! -f "$T/rec/message" ] || fail "unchecked_action = ${c%%:*}: queued"
	expect_work_empty "unchecked_action = ${c%%:*}"
	pass "unchecked_action = ${c%%:*}: exit ${c#*:}, verdict limits ($(av_reason))"
done
av_conf fildes "unchecked_action = drop"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" 2> "$T/err" && fail "lint took unchecked_action = drop"
grep -q 'unchecked_action.*takes reject, tempfail or pass' "$T/err" || fail "lint: $(cat "$T/err")"
pass "lint: unchecked_action takes reject, tempfail or pass"

# 3. libclamav at its max_file_bytes: raw and part over 1 MiB.
av_conf clamav
sed -i 's/^\[clamav\]$/&\nmax_file_bytes = 1048576/' "$T/qscan.conf"
av_run "$T/2m.eml" "$T/e"
delivered "clamav, max_file_bytes 1 MiB, 2 MiB attachment" clamav raw
av_check "$T/out.json" "$T/2m.eml"
json_unchecked "$T/out.json" "clamav raw,clamav 1.2"

# 4. The bomb: unpack's limits decide, no engine starts.
mark=$(av_clamd_mark)
for b in fildes clamav; do
	av_conf "$b"
	av_run "$T/bomb.eml" "$T/e"
	expect_rc 31 "bomb, $b"
	[ "$(qs_field verdict)" = limits ] && [ "$(qs_field reason)" = limit_expansion_ratio ] ||
	    fail "bomb, $b: $(qs_last)"
	av_check "$T/out.json" "$T/bomb.eml"
	python3 - "$T/out.json" <<'PY' || fail "bomb, $b: an engine ran: $(head -c 3000 "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["verdict"] == "limits" and r["engines"] == [], (r["verdict"], r["engines"])
PY
	pass "bomb, $b: verdict limits, exit 31, no engine started"
done
[ "$(av_clamd_mark)" = "$mark" ] || fail "bomb: clamd was asked: $(tail -n +"$((mark + 1))" "$T/clamd.log")"
# Delivered anyway (limits_action = pass): then it is scanned first.
av_conf fildes "limits_action = pass"
av_check "$T/out.json" "$T/bomb.eml"
python3 - "$T/out.json" <<'PY' || fail "bomb, limits_action = pass: $(head -c 3000 "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["verdict"] == "limits" and r["action"] == "queue", (r["verdict"], r["action"])
assert [e["engine"] for e in r["engines"]] == ["clamd"], r["engines"]
PY
pass "bomb, limits_action = pass: delivered, and scanned by clamd first"
