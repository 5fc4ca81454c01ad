#!/usr/bin/env python3
"""tests/mhr/hostile_resolver.py: a resolver that lies, for the mhr tests.

  serve PORT MODE   answer every query on 127.0.0.1:PORT (UDP) the MODE way;
                    prints "ready" once bound
  probe PORT NAME   exit 0 when 127.0.0.1:PORT answers NAME TXT within 1 s

Modes: wrong-id (every reply has another id), truncated (TC set), loop
(the answer's name is a pointer to itself), oversize (a 1400-byte reply),
garbage (a label longer than the reply), servfail, slow (answers after 10 s, past any
deadline), silent (never answers), wrong-question (the TXT for another
name), listed (a correct "1700000000 99" reply after a wrong-id one).
"""
import os
import socket
import struct
import sys
import time


def question_end(q):
    i = 12
    while q[i] != 0:
        i += 1 + q[i]
    return i + 5


def reply(q, mode):
    qid = q[:2]
    qend = question_end(q)
    quest = q[12:qend]
    txt = b"1700000000 99"
    ans = (b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 0, len(txt) + 1) +
           bytes([len(txt)]) + txt)
    good = qid + b"\x85\x80" + struct.pack(">HHHH", 1, 1, 0, 0) + quest + ans
    other_id = bytes([qid[0] ^ 0x5a, qid[1]])
    if mode == "wrong-id":
        return [other_id + good[2:]]
    if mode == "truncated":
        return [qid + b"\x87\x80" + good[4:]]
    if mode == "loop":
        at = 12 + len(quest)
        return [good[:at] + struct.pack(">H", 0xc000 | at) + good[at + 2:]]
    if mode == "oversize":
        return [good + os.urandom(1400)]
    if mode == "garbage":
        # A reply's header, then a label that claims 63 bytes and has
        # 4: fixed, so that the test's expected refusal is always it.
        return [qid + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0) +
                b"\x3fjunk"]
    if mode == "servfail":
        return [qid + b"\x81\x82" + struct.pack(">HHHH", 1, 0, 0, 0) + quest]
    if mode == "wrong-question":
        other = bytearray(quest)
        other[1] ^= 0x01
        return [qid + b"\x85\x80" + struct.pack(">HHHH", 1, 1, 0, 0) +
                bytes(other) + ans]
    if mode == "listed":
        return [other_id + good[2:], good]
    return [good]


def serve(port, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    print("ready", flush=True)
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 17 or mode == "silent":
            continue
        if mode == "slow":
            time.sleep(10)
            mode_now = "listed"
        else:
            mode_now = mode
        for r in reply(q, mode_now):
            s.sendto(r, peer)


def probe(port, name):
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 16, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.sendto(q, ("127.0.0.1", port))
        r = s.recv(4096)
    except OSError:
        return 1
    return 0 if r[:2] == q[:2] else 1


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "probe":
        sys.exit(probe(int(sys.argv[2]), sys.argv[3]))
    else:
        sys.exit("usage: serve PORT MODE | probe PORT NAME")
