#!/usr/bin/python3
"""soak_client.py: the senders of tests/soak.sh.

  soak_client.py PORT SENDERS SECONDS DIR KIND=FILE[,...] [PREFIX]

SENDERS threads send, for SECONDS, one message per connection to
127.0.0.1:PORT (EHLO, MAIL, RCPT, DATA, QUIT), taking the kinds in turn
(each thread starts at another).  Each message is its kind's file with a
Message-ID of its own, <PREFIX-T-N-KIND@soak.example> (PREFIX: soak),
first among its headers.  Prints one line per transaction, "T seconds_since_start kind
message_id ms code" (code: the reply to the final dot, or to the command
that refused), and last "E errors" (connections that failed outright).
Python 3 standard library only.
"""
import smtplib
import sys
import threading
import time


def dot_stuffed(data):
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                    for l in lines)


def transaction(port, msgid, body):
    data = b"Message-ID: <" + msgid.encode() + b">\r\n" + body + b".\r\n"
    s = smtplib.SMTP("127.0.0.1", port, timeout=300)
    try:
        s.ehlo("soak.example")
        code, _ = s.mail("sender@soak.example")
        if code != 250:
            return code
        code, _ = s.rcpt("rcpt@soak.example")
        if code != 250:
            return code
        code, _ = s.docmd("DATA")
        if code != 354:
            return code
        s.send(data)
        code, _ = s.getreply()
        return code
    finally:
        try:
            s.quit()
        except (smtplib.SMTPException, OSError):
            s.close()


def main(argv):
    port, senders, seconds, _dir = int(argv[1]), int(argv[2]), \
        float(argv[3]), argv[4]
    kinds = []
    for item in argv[5].split(","):
        name, path = item.split("=", 1)
        with open(path, "rb") as f:
            kinds.append((name, dot_stuffed(f.read())))
    prefix = argv[6] if len(argv) > 6 else "soak"
    start = time.monotonic()
    out_lock = threading.Lock()
    errors = [0]

    def sender(t):
        n = 0
        while time.monotonic() - start < seconds:
            name, body = kinds[(t + n) % len(kinds)]
            msgid = "%s-%d-%d-%s@soak.example" % (prefix, t, n, name)
            n += 1
            t0 = time.monotonic()
            try:
                code = transaction(port, msgid, body)
            except (smtplib.SMTPException, OSError) as e:
                code = "error:" + type(e).__name__
                with out_lock:
                    errors[0] += 1
            ms = (time.monotonic() - t0) * 1000
            with out_lock:
                print("T %.1f %s %s %.1f %s" % (t0 - start, name, msgid, ms,
                                               code), flush=True)

    threads = [threading.Thread(target=sender, args=(t,))
               for t in range(senders)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print("E %d" % errors[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
