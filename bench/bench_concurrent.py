#!/usr/bin/env python3
"""bench/bench_concurrent.py: messages per second through a hook with C
senders at once, the way qmail-smtpd runs QMAILQUEUE (message through a
pipe on fd 0, envelope readable on fd 1).

    bench_concurrent.py HOOK MESSAGE ENVELOPE TOTAL SENDERS STDERR_FILE \
        [--sample-children-of PID_FILE_OR_PIDS] [NAME=VALUE...]

Prints one line: "msgs_per_s median_ms p90_ms bad", where bad counts runs
that did not exit 0.  With --sample-children-of, it also samples, every
few milliseconds while the runs go on, the memory of every process whose
parent is one of the given pids (a zygote's children: one message each)
from /proc/PID/smaps_rollup, and appends " children=N uss_kb_median=..
uss_kb_max=.. pss_kb_median=.. pss_kb_max=..": USS (private pages) is
what a child costs beyond what it shares with its zygote.

Figures, not a test: nothing here passes or fails on time.
"""
import os
import sys
import threading
import time


def run_one(hook, msg, envf, errf, env):
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(w)
            os.dup2(r, 0)
            fd = os.open(envf, os.O_RDONLY)
            os.dup2(fd, 1)
            efd = os.open(errf, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.dup2(efd, 2)
            os.execve(hook, [hook], env)
        finally:
            os._exit(99)
    os.close(r)
    try:
        off = 0
        while off < len(msg):
            off += os.write(w, msg[off:off + 65536])
    except BrokenPipeError:
        pass
    os.close(w)
    _, st = os.waitpid(pid, 0)
    return (time.monotonic() - t0) * 1000.0, os.waitstatus_to_exitcode(st)


def children_of(parents):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid in parents:
            out.append(int(d))
    return out


def rollup(pid):
    vals = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if v.strip().endswith("kB"):
                    vals[k] = int(v.split()[0])
    except OSError:
        return None
    if "Pss" not in vals:
        return None
    uss = vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0)
    return uss, vals["Pss"]


def sampler(parents, stop, peaks):
    while not stop.is_set():
        for pid in children_of(parents):
            m = rollup(pid)
            if m is None:
                continue
            old = peaks.get(pid, (0, 0))
            peaks[pid] = (max(old[0], m[0]), max(old[1], m[1]))
        time.sleep(0.003)


def main(argv):
    if len(argv) < 7:
        sys.exit(__doc__)
    hook, msgf, envf = argv[1], argv[2], argv[3]
    total, senders, errf = int(argv[4]), int(argv[5]), argv[6]
    rest = argv[7:]
    parents = None
    if rest and rest[0] == "--sample-children-of":
        parents = set(int(p) for p in rest[1].split(","))
        rest = rest[2:]
    env = {"PATH": "/usr/bin:/bin", "TCPREMOTEIP": "192.0.2.10",
           "TCPREMOTEHOST": "mail.b.example", "TCPLOCALIP": "198.51.100.25",
           "TCPLOCALPORT": "25", "PROTO": "SMTP"}
    for kv in rest:
        k, _, v = kv.partition("=")
        env[k] = v
    with open(msgf, "rb") as f:
        msg = f.read()
    lock = threading.Lock()
    left = [total]
    results = []

    def sender():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            res = run_one(hook, msg, envf, errf, env)
            with lock:
                results.append(res)

    peaks = {}
    stop = threading.Event()
    samp = None
    if parents:
        samp = threading.Thread(target=sampler, args=(parents, stop, peaks))
        samp.start()
    t0 = time.monotonic()
    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    stop.set()
    if samp:
        samp.join()
    ms = sorted(r[0] for r in results)
    bad = sum(1 for r in results if r[1] != 0)
    med = ms[(len(ms) + 1) // 2 - 1]
    p90 = ms[max(0, int(len(ms) * 0.9 + 0.999) - 1)]
    line = "%.1f %.2f %.2f %d" % (len(ms) / wall, med, p90, bad)
    if parents is not None:
        uss = sorted(v[0] for v in peaks.values())
        pss = sorted(v[1] for v in peaks.values())
        if uss:
            line += " children=%d uss_kb_median=%d uss_kb_max=%d " \
                "pss_kb_median=%d pss_kb_max=%d" % (
                    len(uss), uss[(len(uss) + 1) // 2 - 1], uss[-1],
                    pss[(len(pss) + 1) // 2 - 1], pss[-1])
        else:
            line += " children=0"
    print(line)


if __name__ == "__main__":
    main(sys.argv)
