#!/usr/bin/python3
"""make_messages.py: the messages the AV tests scan, made at test time.

  make_messages.py OUTDIR        writes OUTDIR/testfiles/*.eml (one per file
                                 of /usr/share/clamav-testfiles, attached
                                 base64) and OUTDIR/nested/*.eml
  make_messages.py --eicar-hex   prints the hex of the 68-byte EICAR string
                                 (for the .ndb body signature)

Python 3 standard library only.  The EICAR string is kept in two pieces so
that this file itself is not what a scanner on a developer's machine finds.
"""
import binascii
import io
import os
import sys
import zipfile
from email.message import EmailMessage
from email.policy import default as POLICY

TESTFILES = "/usr/share/clamav-testfiles"
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
         + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode("ascii")
assert len(EICAR) == 68

HEAD = ("From: Mallory <mallory@evil.example>\n"
        "To: bob@b.example\n"
        "Subject: {subject}\n"
        "Message-ID: <{mid}@evil.example>\n"
        "Date: Wed, 25 Nov 2026 10:00:00 +0000\n")


def base_message(subject, mid):
    m = EmailMessage(policy=POLICY)
    m["From"] = "Mallory <mallory@evil.example>"
    m["To"] = "bob@b.example"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@evil.example>" % mid
    m["Date"] = "Wed, 25 Nov 2026 10:00:00 +0000"
    return m


def attach_file(subject, mid, name, data, maintype="application",
                subtype="octet-stream"):
    m = base_message(subject, mid)
    m.set_content("Please find %s attached.\n" % name)
    # add_attachment with bytes always uses base64.
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def write(path, msg):
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    with open(path, "wb") as f:
        f.write(data)


def testfile_messages(outdir):
    d = os.path.join(outdir, "testfiles")
    os.makedirs(d, exist_ok=True)
    names = sorted(os.listdir(TESTFILES))
    for i, name in enumerate(names):
        with open(os.path.join(TESTFILES, name), "rb") as f:
            data = f.read()
        write(os.path.join(d, name + ".eml"),
              attach_file("testfile " + name, "tf%d" % i, name, data))
    return len(names)


def zip_in_rfc822(depth):
    with open(os.path.join(TESTFILES, "clam.exe"), "rb") as f:
        exe = f.read()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("setup.exe", exe)
    inner = attach_file("the installer", "zip0", "setup.zip", buf.getvalue(),
                        "application", "zip")
    # Each level: a message whose only attachment is the previous one as
    # message/rfc822 (a forwarded forward of a forward).
    for level in range(1, depth + 1):
        outer = base_message("Fwd: level %d" % level, "fwd%d" % level)
        outer.set_content("forwarded message below (level %d)\n" % level)
        outer.add_attachment(inner)
        inner = outer
    return inner


def eicar_plain():
    return (HEAD.format(subject="eicar plain", mid="e1")
            + "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n\n").encode() + EICAR + b"\n"


def eicar_base64():
    return attach_file("eicar base64", "e2", "eicar.com", EICAR).as_bytes()


def eicar_qp_split():
    # Quoted-printable with soft line breaks ("=" at the end of a line)
    # inside the string, and a few characters written as =XX, so that the
    # 68 bytes appear only once the part is decoded.
    # The cuts fall between characters of the string, never inside an
    # =XX escape (that would be malformed QP, not a hiding place).
    s = EICAR.decode("ascii")
    lines, cut = [], 0
    for width in (9, 14, 7, 20, len(s)):
        lines.append("".join("=%02X" % ord(c) if c in "$%" else c
                             for c in s[cut:cut + width]))
        cut += width
    body = "=\n".join(lines) + "\n"
    assert EICAR.decode() not in body
    return (HEAD.format(subject="eicar qp", mid="e3")
            + "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"qp-b\"\n\n"
            "--qp-b\n"
            "Content-Type: text/plain; charset=us-ascii\n\n"
            "see the second part\n"
            "--qp-b\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "Content-Transfer-Encoding: quoted-printable\n\n"
            + body
            + "--qp-b--\n").encode("ascii")


def eicar_uuencoded():
    lines = ["begin 644 eicar.com"]
    for off in range(0, len(EICAR), 45):
        lines.append(binascii.b2a_uu(EICAR[off:off + 45], backtick=True).decode().rstrip("\n"))
    lines += ["`", "end"]
    return (HEAD.format(subject="eicar uuencoded", mid="e4")
            + "Content-Type: text/plain\n\n"
            "Hi Bob, the file you asked for:\n\n"
            + "\n".join(lines)
            + "\n\nregards\n").encode("ascii")


def nested_messages(outdir):
    d = os.path.join(outdir, "nested")
    os.makedirs(d, exist_ok=True)
    made = {
        "clam-zip-rfc822x3.eml": zip_in_rfc822(3).as_bytes(),
        "eicar-plain.eml": eicar_plain(),
        "eicar-base64.eml": eicar_base64(),
        "eicar-qp-split.eml": eicar_qp_split(),
        "eicar-uuencoded.eml": eicar_uuencoded(),
    }
    for name, data in made.items():
        write(os.path.join(d, name), data)
    return len(made)


def main(argv):
    if argv[1:] == ["--eicar-hex"]:
        print(binascii.hexlify(EICAR).decode())
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    n = testfile_messages(argv[1])
    m = nested_messages(argv[1])
    print("%d testfile messages, %d nested messages" % (n, m))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
