#!/usr/bin/python3
"""smtp_client.py: the SMTP senders of bench/bench_smtp.sh.

  smtp_client.py M ROUNDS SENDERS CASE=FILE[,...] ROW=PORT[,...]

For each CASE (message file), each number of concurrent senders in SENDERS
(e.g. "1,4") and each of ROUNDS rounds, sends M/ROUNDS messages to every
ROW in turn (A B C A B C: drift in the machine's load hits all rows
alike), each on a connection of its own to 127.0.0.1:PORT: EHLO, MAIL,
RCPT, DATA, the message, QUIT.  Prints one line per transaction,
"T case senders row ms code" (connect to the reply after the final dot),
and one per batch, "B case senders row wall_s messages".
Python 3 standard library only.
"""
import smtplib
import sys
import threading
import time


def dot_stuffed(path):
    # What DATA sends, prepared once so the client's cost is not in the
    # figures: CRLF line ends, leading dots doubled, the final dot.
    with open(path, "rb") as f:
        data = f.read()
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                    for l in lines) + b".\r\n"


def transaction(port, payload):
    t0 = time.perf_counter()
    s = smtplib.SMTP("127.0.0.1", port, timeout=120)
    try:
        s.ehlo("bench.b.example")
        code, _ = s.mail("bench@b.example")
        if code != 250:
            return (time.perf_counter() - t0) * 1000, code
        code, _ = s.rcpt("carol@d.example")
        if code != 250:
            return (time.perf_counter() - t0) * 1000, code
        code, _ = s.docmd("DATA")
        if code != 354:
            return (time.perf_counter() - t0) * 1000, code
        s.sock.sendall(payload)
        code, _ = s.getreply()
        ms = (time.perf_counter() - t0) * 1000
        return ms, code
    finally:
        try:
            s.quit()
        except smtplib.SMTPException:
            s.close()


def batch(port, payload, n, senders):
    results = []
    lock = threading.Lock()
    todo = [n]

    def sender():
        while True:
            with lock:
                if todo[0] == 0:
                    return
                todo[0] -= 1
            try:
                r = transaction(port, payload)
            except (OSError, smtplib.SMTPException):
                r = (0.0, 0)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, results


def main():
    m, rounds = int(sys.argv[1]), int(sys.argv[2])
    senders = [int(c) for c in sys.argv[3].split(",")]
    cases = [c.split("=", 1) for c in sys.argv[4].split(",")]
    rows = [(r, int(p)) for r, p in (x.split("=", 1) for x in sys.argv[5].split(","))]
    per_round = max(1, m // rounds)
    for case, path in cases:
        payload = dot_stuffed(path)
        for c in senders:
            for _ in range(rounds):
                for row, port in rows:
                    wall, results = batch(port, payload, per_round, c)
                    for ms, code in results:
                        print("T %s %d %s %.3f %d" % (case, c, row, ms, code))
                    print("B %s %d %s %.6f %d" % (case, c, row, wall, len(results)))
                    sys.stdout.flush()


if __name__ == "__main__":
    main()
