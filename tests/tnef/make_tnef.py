#!/usr/bin/env python3
# tests: writes hand-made TNEF streams ([MS-OXTNEF]) with known
# attachments for the unit tests, the tnef/ytnef comparison and the fuzz
# seeds; harness.  Usage: make_tnef.py OUTDIR
#
# Every stream here is deterministic, so the tests can name the bytes
# they expect.  Layout: signature, legacy key, then attributes framed as
# level (1), id (4), length (4), data, checksum (2: sum of data bytes).
import os
import struct
import sys
import zlib

SIGNATURE = 0x223E9F78
LVL_MESSAGE = 1
LVL_ATTACHMENT = 2

# attribute ids with their type half, as Outlook writes them
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_SUBJECT = 0x00018004
ATT_ATTACH_RENDDATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACH_MODIFY = 0x00038013
ATT_ATTACHMENT = 0x00069005

PT_SHORT, PT_LONG, PT_BOOLEAN, PT_SYSTIME = 0x0002, 0x0003, 0x000B, 0x0040
PT_CLSID, PT_OBJECT, PT_STRING8, PT_UNICODE = 0x0048, 0x000D, 0x001E, 0x001F
PT_BINARY, PT_MV = 0x0102, 0x1000

PR_DISPLAY_NAME = 0x3001
PR_ATTACH_DATA_OBJ = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
IID_IMESSAGE = bytes.fromhex("0703020000000000c000000000000046")
PS_PUBLIC_STRINGS = bytes.fromhex("2903020000000000c000000000000046")


def attr(level, ident, data, csum_delta=0):
    csum = (sum(data) + csum_delta) & 0xFFFF
    return struct.pack("<BII", level, ident, len(data)) + data + \
        struct.pack("<H", csum)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def prop_fixed(ptype, pid, value):
    return struct.pack("<HH", ptype, pid) + pad4(value)


def prop_var(ptype, pid, values):
    out = struct.pack("<HHI", ptype, pid, len(values))
    for v in values:
        out += struct.pack("<I", len(v)) + pad4(v)
    return out


def props(*plist):
    return struct.pack("<I", len(plist)) + b"".join(plist)


def s8(text):
    return text.encode("latin-1") + b"\0"


def u16(text):
    return text.encode("utf-16-le") + b"\0\0"


def renddata():
    # attach type 1 (file), position -1, width, height, flags
    return struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0)


def message_head(subject="qscan test"):
    return (struct.pack("<IH", SIGNATURE, 0x0001) +
            attr(LVL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x10000)) +
            attr(LVL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0)) +
            attr(LVL_MESSAGE, ATT_MESSAGE_CLASS, s8("IPM.Microsoft Mail.Note")) +
            attr(LVL_MESSAGE, ATT_SUBJECT, s8(subject)))


def attachment(title=None, data=None, mapi=None, csum_delta=0):
    out = attr(LVL_ATTACHMENT, ATT_ATTACH_RENDDATA, renddata())
    if title is not None:
        out += attr(LVL_ATTACHMENT, ATT_ATTACH_TITLE, s8(title))
    # a date, which the parser must skip: 7 shorts and a day of week
    out += attr(LVL_ATTACHMENT, ATT_ATTACH_MODIFY,
                struct.pack("<7H", 2024, 5, 17, 12, 30, 0, 5))
    if data is not None:
        out += attr(LVL_ATTACHMENT, ATT_ATTACH_DATA, data, csum_delta)
    if mapi is not None:
        out += attr(LVL_ATTACHMENT, ATT_ATTACHMENT, mapi)
    return out


def odd_props():
    """Properties the parser must skip correctly before the ones it reads."""
    return [
        prop_fixed(PT_LONG, PR_ATTACH_METHOD, struct.pack("<I", 1)),
        prop_fixed(PT_SHORT, 0x0E21, struct.pack("<H", 7)),
        prop_fixed(PT_BOOLEAN, 0x7FFE, struct.pack("<H", 1)),
        prop_fixed(PT_SYSTIME, 0x3008, struct.pack("<Q", 133600000000000000)),
        prop_fixed(PT_CLSID, 0x3713, PS_PUBLIC_STRINGS),
        # multi-valued long: count, then padded values
        struct.pack("<HHI", PT_LONG | PT_MV, 0x6700, 3) +
        struct.pack("<III", 1, 2, 3),
        prop_var(PT_BINARY | PT_MV, 0x6701, [b"a", b"bcdef"]),
        # named property, string kind, with an odd-length name
        struct.pack("<HH", PT_STRING8, 0x8005) + PS_PUBLIC_STRINGS +
        struct.pack("<II", 1, 10) + pad4("Keyw\0".encode("utf-16-le")) +
        struct.pack("<I", 1) + struct.pack("<I", 3) + pad4(b"ab\0"),
        # named property, id kind
        struct.pack("<HH", PT_LONG, 0x8006) + PS_PUBLIC_STRINGS +
        struct.pack("<II", 0, 0x8233) + struct.pack("<I", 42),
        prop_var(PT_STRING8, PR_DISPLAY_NAME, [s8("display name")]),
    ]


DATA_BIN = bytes(range(256)) * 4
EVIL_EXE = b"MZ evil\n"


def zip_stored(name, body):
    """A one-member stored zip, byte for byte what the unit test expects
    (tests/unit/test_tnef.c: t_evil_zip)."""
    fname = name.encode("ascii")
    crc = zlib.crc32(body) & 0xFFFFFFFF
    # version 10, no flags, stored, 2024-05-17 12:30:00 in DOS form
    common = struct.pack("<HHHHHIII", 10, 0, 0, 0x63C0, 0x58B1, crc,
                         len(body), len(body))
    local = b"PK\x03\x04" + common + struct.pack("<HH", len(fname), 0) + \
        fname + body
    central = (b"PK\x01\x02" + struct.pack("<H", 10) + common +
               struct.pack("<HHHHHII", len(fname), 0, 0, 0, 0, 0, 0) +
               fname)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central),
                                       len(local), 0)
    return local + central + end


EVIL_ZIP = zip_stored("evil.exe", EVIL_EXE)
SAME_DATA = b"the same bytes, twice over\n"


def two_data(data, mapi):
    """An attachment with attAttachData and then whatever mapi adds."""
    return (attr(LVL_ATTACHMENT, ATT_ATTACH_RENDDATA, renddata()) +
            attr(LVL_ATTACHMENT, ATT_ATTACH_TITLE, s8("hello.txt")) +
            attr(LVL_ATTACHMENT, ATT_ATTACH_DATA, data) + mapi)


def build():
    out = {}
    out["simple.tnef"] = (message_head() +
                          attachment("hello.txt", b"Hello, TNEF!\n") +
                          attachment("data.bin", DATA_BIN))
    out["longname.tnef"] = (
        message_head() +
        attachment("LONGFI~1.TXT", b"long name body\n",
                   props(*odd_props(),
                         prop_var(PT_STRING8, PR_ATTACH_LONG_FILENAME,
                                  [s8("A long file name.txt")]))) +
        attachment("RSUM~1.PDF", b"%PDF-1.4 fake\n",
                   props(prop_var(PT_UNICODE, PR_ATTACH_LONG_FILENAME,
                                  [u16("r\u00e9sum\u00e9 2024 \u20ac.pdf")]),
                         prop_var(PT_STRING8, PR_ATTACH_FILENAME,
                                  [s8("RSUM~1.PDF")]))) +
        attachment(None, b"short\n",
                   props(*odd_props(),
                         prop_var(PT_STRING8, PR_ATTACH_FILENAME,
                                  [s8("SHORT.DAT")]))))
    out["badcsum.tnef"] = (message_head() +
                           attachment("bad.txt", b"checksum is wrong\n",
                                      csum_delta=1) +
                           attachment("after.txt", b"still here\n"))
    simple = out["simple.tnef"]
    # cut inside the second attachment's data attribute
    out["truncated.tnef"] = simple[:len(simple) - 300]
    inner = message_head("inner") + attachment("inner.txt", b"inner\n")
    out["embedded.tnef"] = (
        message_head("outer") +
        attachment("outer.txt", b"outer\n") +
        attachment("Embedded Message", None,
                   props(prop_fixed(PT_LONG, PR_ATTACH_METHOD,
                                    struct.pack("<I", 5)),
                         prop_var(PT_OBJECT, PR_ATTACH_DATA_OBJ,
                                  [IID_IMESSAGE + inner]))))
    out["dataobj.tnef"] = (
        message_head() +
        attachment(None, None,
                   props(prop_var(PT_BINARY, PR_ATTACH_DATA_OBJ,
                                  [b"object bytes\n"]),
                         prop_var(PT_STRING8, PR_ATTACH_LONG_FILENAME,
                                  [s8("obj.bin")]))))
    many = message_head()
    for i in range(40):
        many += attachment("f%02d.txt" % i, b"file %02d\n" % i)
    out["many.tnef"] = many
    # twenty embedded messages, one inside the other
    deep = message_head("level 20") + attachment("deepest.txt", b"bottom\n")
    for level in range(19, -1, -1):
        deep = (message_head("level %d" % level) +
                attachment("level%02d.msg" % level, None,
                           props(prop_var(PT_OBJECT, PR_ATTACH_DATA_OBJ,
                                          [IID_IMESSAGE + deep]))))
    out["deep.tnef"] = deep
    # a props attribute whose count lies
    out["badprops.tnef"] = (message_head() +
                            attachment("props.txt", b"props\n",
                                       struct.pack("<I", 0x7FFFFFFF) +
                                       b"\x1e\x00\x07\x37"))
    out["not-tnef.bin"] = b"This is not a TNEF stream at all.\n"
    # one attachment, two attAttachData: a zip with evil.exe, then "hello"
    out["twodata.tnef"] = (
        message_head() +
        two_data(EVIL_ZIP, attr(LVL_ATTACHMENT, ATT_ATTACH_DATA, b"hello")) +
        attachment("after.txt", b"after\n"))
    # attAttachData "hello", then PR_ATTACH_DATA_BIN holding the zip
    out["databin.tnef"] = (
        message_head() +
        two_data(b"hello",
                 attr(LVL_ATTACHMENT, ATT_ATTACHMENT,
                      props(prop_var(PT_BINARY, PR_ATTACH_DATA_OBJ,
                                     [EVIL_ZIP])))))
    # attAttachData "hello", then an embedded message as the data object
    out["dataembedded.tnef"] = (
        message_head("outer") +
        two_data(b"hello",
                 attr(LVL_ATTACHMENT, ATT_ATTACHMENT,
                      props(prop_var(PT_OBJECT, PR_ATTACH_DATA_OBJ,
                                     [IID_IMESSAGE + inner])))))
    # the same bytes in both: one file written twice, no anomaly; but
    # libytnef opens the PT_BINARY one without its first 16 bytes
    out["samedata.tnef"] = (
        message_head() +
        two_data(SAME_DATA,
                 attr(LVL_ATTACHMENT, ATT_ATTACHMENT,
                      props(prop_var(PT_BINARY, PR_ATTACH_DATA_OBJ,
                                     [SAME_DATA])))))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_tnef.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in build().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
