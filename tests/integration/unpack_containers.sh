#!/bin/sh
# Archives and TNEF inside attachments: members become parts with paths,
# sizes, flags and checks; bombs and deep nesting end in verdict "limits".
. "$(dirname "$0")/lib.sh"
qs_setup
CLAM_TNEF=/usr/share/clamav-testfiles/clam.tnef
[ -f "$CLAM_TNEF" ] || fail "$CLAM_TNEF missing (Debian package clamav-testfiles)"

# mkmsg OUT FILE [NAME [TYPE]]: a message with FILE as a base64 attachment.
mkmsg() {
	python3 - "$@" <<'PY'
import base64, os, sys
out, src = sys.argv[1], sys.argv[2]
name = sys.argv[3] if len(sys.argv) > 3 else os.path.basename(src)
ctype = sys.argv[4] if len(sys.argv) > 4 else "application/octet-stream"
data = base64.encodebytes(open(src, "rb").read()).decode()
with open(out, "w") as m:
    m.write("From: a@a.example\nTo: b@b.example\nSubject: %s\n"
            "Message-ID: <%s@a.example>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=B\n\n"
            "--B\nContent-Type: text/plain\n\nattached\n"
            "--B\nContent-Type: %s; name=\"%s\"\n"
            "Content-Disposition: attachment; filename=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n\n%s--B--\n"
            % (name, name, ctype, name, name, data))
PY
}

# check FILE...: qscan check --json into $T/out.json (one result per file).
check() {
	QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$@" \
	    > "$T/out.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check $*"; }
}

# 1. Every format of the archive corpus: members with their paths and sizes.
n=0
for f in basic.zip basic.7z basic.cab basic.cpio basic.iso basic.tar.gz \
    basic.tar.bz2 basic.tar.xz rar4-unicode.rar rar5-zip-in-rar.rar nested.zip; do
	mkmsg "$T/fmt.$n.eml" "$QSCAN_SRC/fuzz/corpus/archive/$f"
	n=$((n + 1))
done
check "$T"/fmt.*.eml
python3 - "$T/out.json" <<'PY' || fail "archive formats: $(cat "$T/out.json")"
import json, sys
basic = {("1.2.1", "hello.txt", 12), ("1.2.2", "dir/data.bin", 2048)}
want = {
    "basic.zip": basic, "basic.7z": {("1.2.1", "dir/data.bin", 2048), ("1.2.2", "hello.txt", 12)},
    "basic.cab": basic, "basic.cpio": basic, "basic.iso": basic,
    "basic.tar.gz": basic, "basic.tar.bz2": basic, "basic.tar.xz": basic,
    "rar4-unicode.rar": {
        ("1.2.1", "表だよ/新しいフォルダ/新規テキスト ドキュメント.txt", 0),
        ("1.2.2", "表だよ/漢字長いファイル名long-filename-in-漢字.txt", 5)},
    "rar5-zip-in-rar.rar": {("1.2.1", "payload/inner.zip", 165),
        ("1.2.1.1", "THIS_IS_INSIDE_THE_ZIP.txt", 13), ("1.2.2", "payload/real_after.txt", 21)},
    "nested.zip": {("1.2.1", "inner.zip", 128), ("1.2.1.1", "hello.txt", 12),
        ("1.2.2", "inner.tar.gz", 425), ("1.2.2.1", "dir/data.bin", 2048)},
}
for r in json.load(open(sys.argv[1])):
    name = r["headers"]["subject"]
    assert r["roles"]["unpack"] == "done" and r["verdict"] == "clean", (name, r["roles"], r["verdict"])
    members = [p for p in r["parts"] if p["kind"] == "archive_member"]
    got = set()
    for p in members:
        assert p["depth"] == p["path"].count("."), p
        assert [f["source"] for f in p["filenames"]] == ["archive_path"], p
        got.add((p["path"], p["filenames"][0]["name"], p["size"]))
    assert got == want[name], (name, got)
    print("  %-20s %d members: %s" % (name, len(got), ", ".join(sorted(g[1] for g in got))))
PY
pass "archive formats: members are parts with paths and sizes"

# 2. An encrypted zip: flagged members, archive_encrypted.
mkmsg "$T/enc.eml" "$QSCAN_SRC/fuzz/corpus/archive/enc-zipcrypto.zip"
check "$T/enc.eml"
python3 - "$T/out.json" <<'PY' || fail "encrypted zip: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
members = [p for p in r["parts"] if p["kind"] == "archive_member"]
assert len(members) == 2 and all(p["encrypted"] and p["flags"] & 1 and p["size"] == 0 for p in members), members
assert any(a["code"] == "archive_encrypted" for a in r["anomalies"]), r["anomalies"]
PY
pass "encrypted zip: members flagged encrypted, archive_encrypted"

# 3. clam.tnef (Debian's clamav-testfiles), as winmail.dat would come.
mkmsg "$T/tnef.eml" "$CLAM_TNEF" winmail.dat application/ms-tnef
check "$T/tnef.eml"
python3 - "$T/out.json" <<'PY' || fail "clam.tnef: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
tnef = [i for i, p in enumerate(r["parts"]) if p["content_type"] == "application/ms-tnef"][0]
kids = [p for p in r["parts"] if p["kind"] == "tnef_attachment"]
assert len(kids) == 1, kids
exe = kids[0]
assert exe["filenames"] == [{"name": "clam.exe", "source": "tnef"}], exe
assert exe["detected_type"] == "application/x-dosexec" and exe["size"] == 544, exe
assert exe["path"] == r["parts"][tnef]["path"] + ".1", exe
assert any(a["code"] == "tnef_bad_checksum" and a["part"] == tnef for a in r["anomalies"]), r["anomalies"]
PY
pass "clam.tnef: child clam.exe, tnef_bad_checksum"

# 4. A double extension inside a zip is found on the member.
python3 - "$T/invoice.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("docs/invoice.pdf.exe", b"MZ" + b"\0" * 200)
    z.writestr("readme.txt", b"nothing to see\n")
PY
mkmsg "$T/invoice.eml" "$T/invoice.zip"
check "$T/invoice.eml"
python3 - "$T/out.json" <<'PY' || fail "double extension in zip: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
idx = [i for i, p in enumerate(r["parts"]) if p["kind"] == "archive_member"
       and p["filenames"][0]["name"] == "docs/invoice.pdf.exe"]
assert len(idx) == 1, r["parts"]
codes = {a["code"] for a in r["anomalies"] if a["part"] == idx[0]}
assert "double_extension" in codes, r["anomalies"]
assert not any(a["code"] == "double_extension" and a["part"] != idx[0] for a in r["anomalies"]), r["anomalies"]
PY
pass "zip member invoice.pdf.exe: double_extension on the member"

# 4b. A lone compressed file (.gz, .bz2, .xz) is opened too: what it
# holds is a member the checks and the policy see.
for z in gzip bzip2 xz; do
	printf 'MZ\220\000\003' > "$T/tool.exe"
	head -c 300 /dev/zero >> "$T/tool.exe"
	$z -c "$T/tool.exe" > "$T/tool.$z"
	mkmsg "$T/lone.$z.eml" "$T/tool.$z" "report.$z" application/octet-stream
done
check "$T/lone.gzip.eml" "$T/lone.bzip2.eml" "$T/lone.xz.eml"
python3 - "$T/out.json" <<'PY' || fail "lone compressed files: $(cat "$T/out.json")"
import json, sys
for r in json.load(open(sys.argv[1])):
    m = [p for p in r["parts"] if p["kind"] == "archive_member"]
    assert len(m) == 1, (r["file"], r["parts"])
    assert m[0]["detected_type"] == "application/x-dosexec", m[0]
    assert m[0]["size"] == 305, m[0]
PY
pass "lone .gz, .bz2, .xz: the compressed file is a member"

# 5. Limits through the real broker: exit 31 (limits_action reject), the
# summary line names the limit, and the role finished (no timeout).
python3 - "$T" <<'PY'
import io, sys, zipfile
t = sys.argv[1]
# 400 MB of zeros: a bomb about 400 KB big, written in 1 MiB pieces.
with zipfile.ZipFile(t + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(400):
            f.write(block)
# 12 zips, each inside the next.
data, name = b"the core\n", "core.txt"
for level in range(12):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    data, name = buf.getvalue(), "level%02d.zip" % level
open(t + "/deep.zip", "wb").write(data)
# 400 nested multiparts.
with open(t + "/nested400.eml", "w") as m:
    m.write("From: a@a.example\nTo: b@b.example\nSubject: deep\nMIME-Version: 1.0\n")
    m.write("Content-Type: multipart/mixed; boundary=b0\n\n")
    for i in range(1, 400):
        m.write("--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i))
    m.write("--b399\nContent-Type: text/plain\n\ncore\n--b399--\n")
    for i in range(398, -1, -1):
        m.write("--b%d--\n" % i)
# 20 000 parts.
with open(t + "/parts20k.eml", "w") as m:
    m.write("From: a@a.example\nTo: b@b.example\nSubject: many\nMIME-Version: 1.0\n")
    m.write("Content-Type: multipart/mixed; boundary=B\n\n")
    for i in range(20000):
        m.write("--B\nContent-Type: text/plain\n\npart %d\n" % i)
    m.write("--B--\n")
PY
mkmsg "$T/bomb.eml" "$T/bomb.zip"
mkmsg "$T/deep.eml" "$T/deep.zip"
qs_env "$T/env" a@a.example b@b.example
for c in bomb:limit_expansion_ratio deep:limit_archive_depth \
    nested400:limit_depth parts20k:limit_parts; do
	m=${c%%:*}
	want=${c#*:}
	t0=$(date +%s%N)
	qs_run "$T/$m.eml" "$T/env"
	t1=$(date +%s%N)
	expect_rc 31 "$m"
	[ "$(qs_field verdict)" = limits ] && [ "$(qs_field reason)" = "$want" ] ||
	    fail "$m: expected verdict=limits reason=$want: $(qs_last)"
	qs_last | grep -q 'timeout' && fail "$m: the role timed out: $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "$m: queued"
	expect_work_empty "$m"
	echo "  $m: $(wc -c < "$T/$m.eml") bytes, $(( (t1 - t0) / 1000000 )) ms wall," \
	    "$(qs_last | tr ' ' '\n' | grep '^ms=' || true)"
	pass "$m: verdict limits, reason $want"
done
