#!/bin/sh
# Parts that only begin like a compressed stream are no archive: a text or
# a binary attachment that starts with a compressor's signature (any one
# libarchive knows, enabled by the role or not) followed by text or by
# random bytes is delivered clean through the real broker, also inside a
# forwarded message, and is never refused as a bomb.  Real compressed files
# still expand and what they hold is still seen by the shipped policy.
. "$(dirname "$0")/lib.sh"
qs_setup "policy_file = $QSCAN_SRC/policy/default.rules"
qs_env "$T/env" a@a.example b@b.example
mkdir "$T/look" "$T/real"

# 1. The look-alikes: every signature x (text, random bytes) x (text body,
# attachment, attachment of a forwarded message).  manifest: NAME FILTER
# where FILTER says whether the role decodes that compression at all.
python3 - "$T/look" <<'PY'
import base64, random, sys
out = sys.argv[1]
# name, signature, whether the role enables this filter (gzip, bzip2, xz)
magics = [
    ("gzip-2", b"\x1f\x8b", "on"),
    ("gzip-header", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "on"),
    ("bzip2-3", b"BZh", "on"),
    ("bzip2-4", b"BZh9", "on"),
    ("bzip2-block", b"BZh91AY&SY", "on"),
    ("xz", b"\xfd7zXZ\x00", "on"),
    ("lzma", b"\x5d\x00\x00\x80\x00", "off"),
    ("zstd", b"\x28\xb5\x2f\xfd", "off"),
    ("lz4", b"\x04\x22\x4d\x18", "off"),
    ("compress", b"\x1f\x9d", "off"),
    ("lzip", b"LZIP\x01", "off"),
    ("lzop", b"\x89LZO\x00\r\n\x1a\n", "off"),
    ("lrzip", b"LRZI\x00\x06", "off"),
    ("uu", b"begin 644 notes.txt\n", "off"),
    ("grzip", b"GRZipII\x00\x02\x04:)", "off"),
]
text = b"".join(b"ello Bob, line %d of a plain note, nothing packed here.\n" % i
                for i in range(40))
rng = random.Random(16)
tails = {"text": text, "random": bytes(rng.randrange(256) for _ in range(3000))}

def msg(subject, body_headers, body):
    return (b"From: a@a.example\nTo: b@b.example\nSubject: " + subject.encode() +
            b"\nMessage-ID: <" + subject.encode() + b"@a.example>\nMIME-Version: 1.0\n" +
            body_headers + b"\n" + body)

def b64(data):
    return base64.encodebytes(data)

with open(out + "/manifest", "w") as man:
    for name, magic, filt in magics:
        for tail, tbytes in tails.items():
            data = magic + tbytes
            base = "%s-%s" % (name, tail)
            # a text part: the body itself begins with the signature
            m = msg(base + "-body", b"Content-Type: text/plain; charset=utf-8\n"
                    b"Content-Transfer-Encoding: base64\n", b64(data))
            # an attachment
            att = (b"--B\nContent-Type: text/plain\n\nsee attached\n"
                   b"--B\nContent-Type: application/octet-stream; name=\"notes.dat\"\n"
                   b"Content-Disposition: attachment; filename=\"notes.dat\"\n"
                   b"Content-Transfer-Encoding: base64\n\n" + b64(data) + b"--B--\n")
            a = msg(base + "-attach", b"Content-Type: multipart/mixed; boundary=B\n", att)
            # forwarded: a message/rfc822 part holding the attachment
            fwd = (b"--F\nContent-Type: text/plain\n\nforwarding\n"
                   b"--F\nContent-Type: message/rfc822\n\n" + a + b"--F--\n")
            f = msg(base + "-forward", b"Content-Type: multipart/mixed; boundary=F\n", fwd)
            for shape, body in (("body", m), ("attach", a), ("forward", f)):
                open("%s/%s-%s.eml" % (out, base, shape), "wb").write(body)
                man.write("%s-%s %s\n" % (base, shape, filt))
PY

n=0
while read -r m filt; do
	qs_standin 0
	qs_run "$T/look/$m.eml" "$T/env"
	expect_rc 0 "$m"
	[ "$(qs_field verdict)" = clean ] && [ "$(qs_field action)" = queue ] ||
	    fail "$m: expected verdict=clean action=queue: $(qs_last)"
	[ -f "$T/rec/message" ] || fail "$m: not queued"
	expect_work_empty "$m"
	n=$((n + 1))
done < "$T/look/manifest"
pass "$n look-alike messages: exit 0, verdict clean, queued"

# What the unpacker saw: no limit anomaly anywhere; no archive member and
# no archive anomaly for a compression the role never decodes, nor for a
# signature's first letters followed by text; archive_corrupt always for
# a whole signature followed by no valid stream (a truly broken
# compressed file).  The shipped policy has no rule for archive_corrupt:
# recorded, and the mail is delivered (above).
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T"/look/*.eml \
    > "$T/look.json" 2> "$T/stderr" || { cat "$T/stderr"; fail "qscan check"; }
python3 - "$T/look.json" "$T/look/manifest" <<'PY' || fail "look-alikes: see above"
import json, sys
filt = dict(l.split() for l in open(sys.argv[2]))
corrupt, other = [], {}
for r in json.load(open(sys.argv[1])):
    name = r["file"].rsplit("/", 1)[1][:-4]
    assert r["roles"]["unpack"] == "done", (name, r["roles"])
    assert r["verdict"] == "clean", (name, r["verdict"])
    kinds = [p["kind"] for p in r["parts"]]
    codes = {a["code"] for a in r["anomalies"]}
    assert not any(c.startswith("limit_") for c in codes), (name, r["anomalies"])
    if name.endswith("-forward"):
        # the look-alike really is inside the forwarded message
        att = [p for p in r["parts"] if p["kind"] == "leaf" and
               any(f["name"] == "notes.dat" for f in p["filenames"])]
        assert len(att) == 1 and att[0]["depth"] >= 2, (name, r["parts"])
    if filt[name] == "off" or name.split("-")[-2] == "text" and \
            name.rsplit("-", 2)[0] in ("gzip-2", "bzip2-3", "bzip2-4"):
        # a compression the role never decodes, or the letters of a
        # signature followed by text: no archive at all
        assert "archive_member" not in kinds, (name, r["parts"])
        assert not codes & {"archive_corrupt", "archive_encrypted"}, (name, r["anomalies"])
    if name.rsplit("-", 2)[0] in ("gzip-header", "bzip2-block", "xz"):
        # the whole signature libarchive's filter bids on, then no valid
        # stream: a corrupt compressed file, answered as one
        assert "archive_corrupt" in codes, (name, r["anomalies"])
    if "archive_corrupt" in codes:
        corrupt.append(name)
    for c in codes - {"archive_corrupt"}:
        other.setdefault(c, []).append(name)
print("  archive_corrupt (broken streams of gzip, bzip2, xz): %s" % " ".join(sorted(corrupt)))
for c in sorted(other):
    print("  %s (not ours, recorded only): %s" % (c, " ".join(sorted(other[c]))))
PY
pass "look-alikes: no member, no limit; archive_corrupt only for broken gzip/bzip2/xz"

# 2. Real compressed files: still opened, what they hold still seen.  A
# program inside a lone .gz/.bz2/.xz is quarantined by the shipped policy
# (windows-program-in-disguise), a setup.exe inside a tar.gz, tar.bz2,
# tar.xz or zip by its name (.exe), and a look-alike text inside a real
# gzip is a member, clean.
printf 'MZ\220\000\003' > "$T/real/tool.bin"
head -c 300 /dev/zero >> "$T/real/tool.bin"
printf 'BZh9 hello, a text that starts like bzip2\n' > "$T/real/bzh.txt"
mkdir "$T/real/tree"
printf 'not really a program\n' > "$T/real/tree/setup.exe"
for z in gzip bzip2 xz; do
	$z -c "$T/real/tool.bin" > "$T/real/tool.$z"
	tar -C "$T/real/tree" -c -f - setup.exe | $z -c > "$T/real/setup.tar.$z"
done
gzip -c "$T/real/bzh.txt" > "$T/real/bzh.gz"
gzip -c "$T/real/tool.gzip" > "$T/real/tool.gz.gz"
python3 - "$T/real" <<'PY'
import base64, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/setup.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("setup.exe", b"not really a program\n")
for name in ("tool.gzip", "tool.bzip2", "tool.xz", "tool.gz.gz", "setup.tar.gzip",
             "setup.tar.bzip2", "setup.tar.xz", "setup.zip", "bzh.gz"):
    data = base64.encodebytes(open(d + "/" + name, "rb").read())
    open("%s/%s.eml" % (d, name), "wb").write(
        b"From: a@a.example\nTo: b@b.example\nSubject: " + name.encode() +
        b"\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nsee attached\n"
        b"--B\nContent-Type: application/octet-stream; name=\"report.bin\"\n"
        b"Content-Disposition: attachment; filename=\"report.bin\"\n"
        b"Content-Transfer-Encoding: base64\n\n" + data + b"--B--\n")
PY
for c in tool.gzip tool.bzip2 tool.xz tool.gz.gz setup.tar.gzip \
    setup.tar.bzip2 setup.tar.xz setup.zip; do
	qs_standin 0
	qs_run "$T/real/$c.eml" "$T/env"
	expect_rc 0 "$c"
	[ "$(qs_field verdict)" = policy ] && [ "$(qs_field action)" = quarantine ] ||
	    fail "$c: expected verdict=policy action=quarantine: $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "$c: queued"
	expect_work_empty "$c"
	pass "$c: the program inside is seen, quarantined by the shipped policy"
done
qs_standin 0
qs_run "$T/real/bzh.gz.eml" "$T/env"
expect_rc 0 "bzh.gz"
[ "$(qs_field verdict)" = clean ] || fail "bzh.gz: $(qs_last)"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json \
    "$T/real/bzh.gz.eml" "$T/real/tool.gz.gz.eml" > "$T/real.json" 2> "$T/stderr" ||
    { cat "$T/stderr"; fail "qscan check"; }
python3 - "$T/real.json" <<'PY' || fail "real compressed files: $(cat "$T/real.json")"
import json, sys
bzh, gzgz = json.load(open(sys.argv[1]))
m = [p for p in bzh["parts"] if p["kind"] == "archive_member"]
assert len(m) == 1 and m[0]["size"] == 42 and m[0]["depth"] == 2, bzh["parts"]
assert not bzh["anomalies"], bzh["anomalies"]
# libarchive stacks filters: both gzip layers decode in one read.
m = [p for p in gzgz["parts"] if p["kind"] == "archive_member"]
assert len(m) == 1 and m[0]["depth"] == 2, gzgz["parts"]
assert m[0]["detected_type"] == "application/x-dosexec" and m[0]["size"] == 305, m
PY
pass "bzh.gz: the look-alike inside a real gzip is one clean member; .gz.gz: the program"

# 3. Past max_archive_depth a container is reported, not opened; a look-
# alike there is no container (the same rule as archive_walk's).  A zip
# holds a TNEF whose attachment is a "BZh9" text, or a real zip: with
# max_archive_depth = 1 the attachment sits at container level 2.
qs_setup "policy_file = $QSCAN_SRC/policy/default.rules" "[limits]" "max_archive_depth = 1"
mkdir -p "$T/deep"
python3 - "$T/deep" "$QSCAN_SRC/tests/tnef" <<'PY'
import base64, io, sys, zipfile
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import make_tnef as t

def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()

for name, inner in (("lookalike", b"BZh9 is how the note begins; plain words follow.\n" * 20),
                    ("zip", zipped("inner.txt", b"a real zip at the depth limit\n"))):
    tnef = t.message_head() + t.attachment("notes.dat", inner)
    outer = zipped("winmail.dat", tnef)
    with open("%s/%s.eml" % (out, name), "wb") as f:
        f.write(b"From: a@a.example\nTo: b@b.example\nSubject: deep " + name.encode() +
                b"\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
                b"--B\nContent-Type: text/plain\n\nsee attached\n"
                b"--B\nContent-Type: application/zip; name=\"mail.zip\"\n"
                b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(outer) +
                b"--B--\n")
PY
qs_standin 0
qs_run "$T/deep/lookalike.eml" "$T/env"
expect_rc 0 "look-alike past max_archive_depth"
[ "$(qs_field verdict)" = clean ] || fail "look-alike past max_archive_depth: $(qs_last)"
[ -f "$T/rec/message" ] || fail "look-alike past max_archive_depth: not queued"
pass "a look-alike past max_archive_depth is delivered clean"
qs_standin 0
qs_run "$T/deep/zip.eml" "$T/env"
expect_rc 31 "zip past max_archive_depth"
[ "$(qs_field reason)" = limit_archive_depth ] || fail "zip past max_archive_depth: $(qs_last)"
pass "a real zip past max_archive_depth is refused (limit_archive_depth)"
