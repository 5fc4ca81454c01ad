#!/usr/bin/env python3
"""tests: a hostile qscand for one hook connection (notify_hook.sh).

fake_service.py SOCKET MODE: listens on SOCKET (SOCK_SEQPACKET), answers
the hook's SVC_HELLO with SVC_READY, takes its descriptors, then sends
notices (SVC_NOTIFY + SVC_QUEUE_ENVELOPE, docs/warm.md) as MODE says and
SVC_EXIT 0; prints what the hook answered, one line per record:
  null     one notice with the null sender
  sender   one notice with a sender (the hook must refuse it)
  header   one notice whose SVC_NOTIFY carries header text (refused)
  many     four notices with the null sender (the fourth refused)"""
import array
import fcntl
import os
import socket
import struct
import sys

SVC_READY, SVC_MESSAGE, SVC_EXIT = 0x102, 0x104, 0x105
SVC_QUEUE_ENVELOPE, SVC_QUEUED, SVC_NOTIFY = 0x107, 0x108, 0x109
NOTICE = (b'From: postmaster@test.example\nTo: bob@b.example\n'
          b'Subject: fake notice\nAuto-Submitted: auto-replied\n\nbody\n')


def record(rtype, payload, fd=None, conn=None):
    data = struct.pack('<HHI', rtype, 0, len(payload)) + payload
    anc = [] if fd is None else [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                  array.array('i', [fd]))]
    conn.sendmsg([data], anc)


def sealed(name, data):
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE |
                fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd


def recv(conn):
    data, anc, _, _ = conn.recvmsg(70000, socket.CMSG_SPACE(4 * 4))
    if not data:
        return None
    return struct.unpack('<H', data[:2])[0], data


def notice(conn, sender, header=b''):
    mfd = sealed('notice', NOTICE)
    ro = os.open('/proc/self/fd/%d' % mfd, os.O_RDONLY)
    pieces = struct.pack('<H', 1) + struct.pack('<H', len(header)) + header \
        if header else struct.pack('<H', 0)
    record(SVC_NOTIFY, struct.pack('<Q', len(NOTICE)) + pieces, ro, conn)
    env = b'F' + sender + b'\0Tbob@b.example\0\0'
    efd = sealed('envelope', env)
    record(SVC_QUEUE_ENVELOPE, struct.pack('<Q', len(env)), efd, conn)
    os.close(mfd)
    os.close(ro)
    os.close(efd)
    r = recv(conn)
    if r is None or r[0] != SVC_QUEUED:
        print('answer=none')
        return False
    print('answer=queued code=%d' % struct.unpack('<I', r[1][8:12])[0])
    return True


def main():
    path, mode = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(1)
    print('listening', flush=True)
    conn, _ = srv.accept()
    recv(conn)                                  # SVC_HELLO
    record(SVC_READY, struct.pack('<I', 0), conn=conn)
    for _ in range(2):                          # fds 0 and 1
        r = recv(conn)
        if r is None or r[0] != SVC_MESSAGE:
            print('no SVC_MESSAGE')
            return
    try:
        if mode == 'null':
            notice(conn, b'')
        elif mode == 'sender':
            notice(conn, b'evil@x.example')
        elif mode == 'header':
            notice(conn, b'', b'X-Evil: 1')
        elif mode == 'many':
            for _ in range(4):
                if not notice(conn, b''):
                    break
        record(SVC_EXIT, struct.pack('<B', 0), conn=conn)
    except (BrokenPipeError, ConnectionResetError):
        print('answer=closed')
    sys.stdout.flush()


main()
