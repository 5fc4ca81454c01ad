#!/usr/bin/python3
"""clamd_tool.py: the small clamd client and fake server the AV tests need.

  clamd_tool.py freeport                    a free loopback TCP port
  clamd_tool.py ping ADDR [SECONDS]         exit 0 once ADDR answers PONG
  clamd_tool.py instream ADDR FILE [N]      scan FILE N times over INSTREAM
                                            from one client: prints one line
                                            "ms reply" per run
  clamd_tool.py hang SOCKET                 a unix-socket server that accepts
                                            and never answers (clamd "too slow")
  clamd_tool.py misbehave MODE SOCKET       a unix-socket server that reads a
                                            request and then: close (no
                                            answer), partial (half a reply),
                                            garbage, late (OK after 4 s)

ADDR is unix:/path or tcp:host:port, as in qscan's [clamd] servers.
Python 3 standard library only.
"""
import os
import socket
import struct
import sys
import time


def connect(addr, timeout=5.0):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr[5:])
    elif addr.startswith("tcp:"):
        host, port = addr[4:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    else:
        raise SystemExit("clamd_tool: bad address %r" % addr)
    return s


def read_reply(s):
    # clamd's z-commands end their reply with a NUL.
    buf = b""
    while not buf.endswith(b"\0"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf.rstrip(b"\0").decode("utf-8", "replace")


def ping(addr, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            with connect(addr, 2.0) as s:
                s.sendall(b"zPING\0")
                if read_reply(s) == "PONG":
                    return 0
        except OSError as e:
            last = e
        time.sleep(0.1)
    print("clamd_tool: %s did not answer PING in %ss (%s)" % (addr, seconds, last),
          file=sys.stderr)
    return 1


def instream_once(addr, data):
    with connect(addr, 30.0) as s:
        s.sendall(b"zINSTREAM\0")
        # 64 KiB chunks, each led by its length in network order; a zero
        # length ends the stream.
        for off in range(0, len(data), 65536):
            chunk = data[off:off + 65536]
            s.sendall(struct.pack("!L", len(chunk)) + chunk)
        s.sendall(struct.pack("!L", 0))
        return read_reply(s)


def instream(addr, path, n):
    with open(path, "rb") as f:
        data = f.read()
    for _ in range(n):
        t0 = time.perf_counter()
        reply = instream_once(addr, data)
        ms = (time.perf_counter() - t0) * 1000
        print("%.3f %s" % (ms, reply.replace(" ", "_")))
        sys.stdout.flush()
    return 0


def listen_unix(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o666)
    srv.listen(16)
    return srv


def misbehave(mode, path):
    srv = listen_unix(path)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(5)
        try:
            conn.recv(65536)
            if mode == "close":
                conn.shutdown(socket.SHUT_RDWR)
            elif mode == "partial":
                conn.sendall(b"stream: Eica")
            elif mode == "garbage":
                conn.sendall(b"\xff\xfe not clamd at all\n" * 4)
            elif mode == "late":
                time.sleep(4)
                conn.sendall(b"stream: OK\0")
        except OSError:
            pass
        conn.close()


def hang(path):
    srv = listen_unix(path)
    held = []
    while True:
        # Keep every connection open and never write: a clamd that hangs.
        conn, _ = srv.accept()
        held.append(conn)


def freeport():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "freeport":
        return freeport()
    if len(argv) in (3, 4) and argv[1] == "ping":
        return ping(argv[2], float(argv[3]) if len(argv) == 4 else 30.0)
    if len(argv) in (4, 5) and argv[1] == "instream":
        return instream(argv[2], argv[3], int(argv[4]) if len(argv) == 5 else 1)
    if len(argv) == 3 and argv[1] == "hang":
        return hang(argv[2])
    if (len(argv) == 4 and argv[1] == "misbehave" and
            argv[2] in ("close", "partial", "garbage", "late")):
        return misbehave(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
