#!/usr/bin/python3
"""spamd_tool.py: a hostile fake spamd for the spam failure tests.

  spamd_tool.py serve SOCKET MODE    a unix-socket server; for each
                                     connection it reads one request (head
                                     and Content-length bytes) and answers
                                     by MODE; prints "ready" once listening
                                     and one line "request N" per request

MODE is one of
  oversize   a valid head announcing and sending 10 MiB of symbols
  badlength  Content-length 99, a body of 5 bytes
  trickle    a valid reply, one byte every 0.3 s
  garbage    bytes that are no spamd reply
  silent     reads the request, never answers, keeps the connection
  close      closes the connection without a word

Python 3 standard library only.
"""
import os
import socket
import sys
import threading
import time

VALID = (b"SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n"
         b"Spam: False ; 0.1 / 5.0\r\n\r\nHAM_1")


def read_request(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip())
    while len(body) < n:
        d = c.recv(65536)
        if not d:
            break
        body += d
    return head


def answer(c, mode):
    try:
        if mode == "oversize":
            sym = b"RULE_A," * (10 * 1024 * 1024 // 7)
            c.sendall(b"SPAMD/1.1 0 EX_OK\r\nContent-length: %d\r\n"
                      b"Spam: True ; 9.0 / 5.0\r\n\r\n" % len(sym) + sym)
        elif mode == "badlength":
            c.sendall(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 99\r\n"
                      b"Spam: False ; 0.1 / 5.0\r\n\r\nHAM_1")
        elif mode == "trickle":
            for b in VALID:
                c.sendall(bytes([b]))
                time.sleep(0.3)
        elif mode == "garbage":
            c.sendall(b"\x00\xffHELLO this is not spamd\r\n\r\n\x01\x02")
        elif mode == "silent":
            time.sleep(3600)
    except OSError:
        pass
    finally:
        c.close()


def serve(path, mode):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(16)
    print("ready", flush=True)
    n = 0
    while True:
        c, _ = s.accept()
        if mode == "close":
            c.close()
            continue
        if read_request(c) is None:
            c.close()
            continue
        n += 1
        print("request %d" % n, flush=True)
        threading.Thread(target=answer, args=(c, mode), daemon=True).start()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
