#!/usr/bin/python3
# tests: runs a command on this kernel with one sandbox feature made
# unavailable, as a kernel or a site configuration can make it (root only):
#
#   without_feature.py userns   CMD...  in a user namespace of its own,
#       identity-mapped (CMD runs as root there), whose
#       user.max_user_namespaces is 0: clone(CLONE_NEWUSER) fails ENOSPC.
#   without_feature.py landlock CMD...  under a seccomp filter on which
#       landlock_create_ruleset fails ENOSYS (a kernel without Landlock).
#
# Nothing outside changes: the limit is the namespace's own, the filter
# the command's own.
import ctypes
import errno
import os
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER = 0x10000000
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7fff0000
SECCOMP_RET_ERRNO = 0x00050000
AUDIT_ARCH_X86_64 = 0xc000003e
NR_LANDLOCK_CREATE_RULESET = 444


def without_userns(cmd):
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(go_w)
        if libc.unshare(CLONE_NEWUSER) != 0:
            os._exit(90)
        os.write(ready_w, b"r")
        if os.read(go_r, 1) != b"g":
            os._exit(91)
        with open("/proc/sys/user/max_user_namespaces", "w") as f:
            f.write("0")
        os.execv(cmd[0], cmd)
    os.close(ready_w)
    os.close(go_r)
    if os.read(ready_r, 1) != b"r":
        sys.exit(92)
    for name in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (pid, name), "w") as f:
            f.write("0 0 4294967295\n")
    os.write(go_w, b"g")
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


def without_landlock(cmd):
    def insn(code, jt, jf, k):
        return struct.pack("HBBI", code, jt, jf, k)
    BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
    prog = b"".join([
        insn(BPF_LD_W_ABS, 0, 0, 4),                    # arch
        insn(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        insn(BPF_LD_W_ABS, 0, 0, 0),                    # nr
        insn(BPF_JEQ_K, 0, 1, NR_LANDLOCK_CREATE_RULESET),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ])
    buf = ctypes.create_string_buffer(prog, len(prog))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fprog = SockFprog(len(prog) // 8, ctypes.addressof(buf))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                  ctypes.byref(fprog), 0, 0) != 0:
        sys.exit("without_feature: seccomp: %s" %
                 os.strerror(ctypes.get_errno()))
    os.execv(cmd[0], cmd)


if len(sys.argv) < 3 or sys.argv[1] not in ("userns", "landlock"):
    sys.exit("usage: without_feature.py userns|landlock CMD...")
if sys.argv[1] == "userns":
    without_userns(sys.argv[2:])
else:
    without_landlock(sys.argv[2:])
