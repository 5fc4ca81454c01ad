/* seccomp: the review room; every role's profile as tables, installed in
 * the spawner and the roles and printed for audit from the same data. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/futex.h>

#include "qscan_limits.h"
#include "role_runtime.h"
#include "sandbox_tables.h"

/* glibc 2.36 knows these, but keep the tables buildable on older UAPI. */
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

/* ---- the final filter every role shares ------------------------------- */

const struct sandbox_rule sandbox_baseline_rules[] = {
	{ "exit", SANDBOX_ALLOW, { { 0 } },
	  "a thread ends (glibc's _exit falls back to it)" },
	{ "exit_group", SANDBOX_ALLOW, { { 0 } },
	  "the role ends: _exit() after REC_END or on failure" },
	{ "rt_sigreturn", SANDBOX_ALLOW, { { 0 } },
	  "return from a signal handler the kernel set up" },
	{ "read", SANDBOX_ALLOW, { { 0 } },
	  "read the descriptors the role was given" },
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", ROLE_FD_LOG) },
	  "log lines on fd 2 (role_log); records go by sendmsg, and fd 0, "
	  "the message, is never writable" },
	{ "close", SANDBOX_ALLOW, { { 0 } },
	  "release descriptors (GMime streams, memfds after sending)" },
	{ "brk", SANDBOX_ALLOW, { { 0 } },
	  "malloc grows and trims the heap" },
	{ "mmap", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(2, "prot", PROT_EXEC, 0) },
	  "malloc's large blocks; nothing executable is mapped after lockdown "
	  "(W^X: no code can be brought in)" },
	{ "mprotect", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(2, "prot", PROT_EXEC, 0) },
	  "malloc's arena growth; never to make memory executable" },
	{ "munmap", SANDBOX_ALLOW, { { 0 } },
	  "free() returns large blocks" },
	{ "mremap", SANDBOX_ALLOW, { { 0 } },
	  "realloc() of large blocks (GMime, GLib byte arrays)" },
	{ "madvise", SANDBOX_ALLOW,
	  { ARG_EQ(2, "advice", MADV_DONTNEED) },
	  "free() of non-main arena memory; only gives pages back" },
	{ "madvise", SANDBOX_ALLOW,
	  { ARG_EQ(2, "advice", MADV_FREE) },
	  "malloc trimming; only gives pages back" },
	{ "futex", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(1, "op", ~FUTEX_CLOCK_REALTIME, FUTEX_WAIT_PRIVATE) },
	  "glibc and GLib locks, process-private only" },
	{ "futex", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(1, "op", ~FUTEX_CLOCK_REALTIME, FUTEX_WAKE_PRIVATE) },
	  "glibc and GLib locks, process-private only (one-time init wakes)" },
	{ "futex", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(1, "op", ~FUTEX_CLOCK_REALTIME,
	    FUTEX_WAIT_BITSET_PRIVATE) },
	  "glibc condition variables and timed lock waits, process-private" },
	{ "getpid", SANDBOX_ALLOW, { { 0 } },
	  "abort() -> raise() addresses its own pid" },
	{ "gettid", SANDBOX_ALLOW, { { 0 } },
	  "abort() -> raise() addresses its own thread" },
	{ "rt_sigprocmask", SANDBOX_ALLOW, { { 0 } },
	  "abort() blocks signals around raise()" },
	{ "tgkill", SANDBOX_ALLOW,
	  { ARG_EQ(2, "sig", SIGABRT) },
	  "abort() -> raise(SIGABRT) reaches the lockdown's handler, which "
	  "exits 76 (aborted, not a violation: a role is pid 1 of its pid "
	  "namespace, where its own unhandled SIGABRT is ignored); other "
	  "processes are out of reach (pid namespace, Landlock signal scope, "
	  "own uid)" },
	{ "sendmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS), ARG_EQ(2, "flags", MSG_NOSIGNAL) },
	  "records to the broker (rec_send), sealed memfds attached; only on "
	  "the records socket" },
	{ "open", SANDBOX_EACCES, { { 0 } },
	  "soft: gconv and zoneinfo probes degrade instead of dying; Landlock "
	  "would refuse the open anyway" },
	{ "openat", SANDBOX_EACCES, { { 0 } },
	  "soft: a charset module nobody pre-loaded (GMime goes on without it)" },
	{ "stat", SANDBOX_EACCES, { { 0 } },
	  "soft: path probes of libraries" },
	{ "lstat", SANDBOX_EACCES, { { 0 } },
	  "soft: path probes of libraries" },
	{ "newfstatat", SANDBOX_EACCES, { { 0 } },
	  "soft: gconv hwcaps probes; glibc's fstat() is newfstatat too, so a "
	  "role must fstat before lockdown" },
	{ "statx", SANDBOX_EACCES, { { 0 } },
	  "soft: path probes of libraries" },
	{ "access", SANDBOX_EACCES, { { 0 } },
	  "soft: path probes of libraries" },
	{ "faccessat", SANDBOX_EACCES, { { 0 } },
	  "soft: path probes of libraries" },
	{ "faccessat2", SANDBOX_EACCES, { { 0 } },
	  "soft: glibc's access() on new kernels" },
	{ "clone3", SANDBOX_ENOSYS, { { 0 } },
	  "its flags live in memory seccomp cannot read; ENOSYS makes glibc "
	  "fall back to clone, which kills" },
};
const size_t sandbox_n_baseline_rules =
    sizeof(sandbox_baseline_rules) / sizeof(sandbox_baseline_rules[0]);

const struct sandbox_rule sandbox_documented_kills[] = {
	{ "execve", SANDBOX_KILL, { { 0 } }, "no new program, ever" },
	{ "execveat", SANDBOX_KILL, { { 0 } }, "no new program, ever" },
	{ "clone", SANDBOX_KILL, { { 0 } },
	  "no process or thread: one role, one process (fork too)" },
	{ "fork", SANDBOX_KILL, { { 0 } }, "no process" },
	{ "vfork", SANDBOX_KILL, { { 0 } }, "no process" },
	{ "socket", SANDBOX_KILL, { { 0 } },
	  "no new endpoint: the broker hands out every socket" },
	{ "socketpair", SANDBOX_KILL, { { 0 } }, "no new endpoint" },
	{ "connect", SANDBOX_KILL, { { 0 } }, "no choosing where to connect" },
	{ "ptrace", SANDBOX_KILL, { { 0 } }, "no reaching into processes" },
	{ "kill", SANDBOX_KILL, { { 0 } }, "no signals to anyone" },
	{ "tkill", SANDBOX_KILL, { { 0 } }, "no signals to anyone" },
	{ "process_vm_readv", SANDBOX_KILL, { { 0 } }, "no reading others" },
	{ "process_vm_writev", SANDBOX_KILL, { { 0 } }, "no writing others" },
	{ "bpf", SANDBOX_KILL, { { 0 } }, "kernel attack surface" },
	{ "io_uring_setup", SANDBOX_KILL, { { 0 } },
	  "io_uring runs syscalls seccomp never sees" },
	{ "io_uring_enter", SANDBOX_KILL, { { 0 } }, "as io_uring_setup" },
	{ "io_uring_register", SANDBOX_KILL, { { 0 } }, "as io_uring_setup" },
	{ "prlimit64", SANDBOX_KILL, { { 0 } }, "limits stay as set" },
	{ "prctl", SANDBOX_KILL, { { 0 } }, "the sandbox is final" },
};
const size_t sandbox_n_documented_kills =
    sizeof(sandbox_documented_kills) / sizeof(sandbox_documented_kills[0]);

/* ---- the outer filter: what no role may ever do ------------------------ */

#define OUTER_KILL(name, why) { name, SANDBOX_KILL, { { 0 } }, why }

const struct sandbox_rule sandbox_outer_rules[] = {
	{ "socket", SANDBOX_KILL, { ARG_NE(0, "domain", AF_UNIX) },
	  "no network: only AF_UNIX (checked on all 64 bits)" },
	{ "socketpair", SANDBOX_KILL, { ARG_NE(0, "domain", AF_UNIX) },
	  "no network protocol families" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWUSER, CLONE_NEWUSER) },
	  "no new namespaces: user namespaces open kernel attack surface" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWNS, CLONE_NEWNS) },
	  "no new namespaces" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWPID, CLONE_NEWPID) },
	  "no new namespaces" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWNET, CLONE_NEWNET) },
	  "no new namespaces" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWIPC, CLONE_NEWIPC) },
	  "no new namespaces" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWUTS, CLONE_NEWUTS) },
	  "no new namespaces" },
	{ "clone", SANDBOX_KILL,
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWCGROUP, CLONE_NEWCGROUP) },
	  "no new namespaces" },
	{ "clone3", SANDBOX_ENOSYS, { { 0 } },
	  "flags in memory seccomp cannot read; glibc falls back to clone" },
	{ "ioctl", SANDBOX_KILL,
	  { ARG_MASKED_EQ(1, "request", 0xffffffffu, TIOCSTI) },
	  "no typing into a terminal (CVE-2017-5226)" },
	{ "ioctl", SANDBOX_KILL,
	  { ARG_MASKED_EQ(1, "request", 0xffffffffu, TIOCLINUX) },
	  "no console selection paste" },
	OUTER_KILL("ptrace", "no reaching into other processes"),
	OUTER_KILL("process_vm_readv", "no reading another process"),
	OUTER_KILL("process_vm_writev", "no writing another process"),
	OUTER_KILL("pidfd_getfd", "no stealing another process's descriptors"),
	OUTER_KILL("kcmp", "no probing another process's kernel objects"),
	OUTER_KILL("mount", "the mount namespace is the spawner's"),
	OUTER_KILL("umount2", "the mount namespace is the spawner's"),
	OUTER_KILL("pivot_root", "the mount namespace is the spawner's"),
	OUTER_KILL("chroot", "the root is the spawner's"),
	OUTER_KILL("open_tree", "new mount API"),
	OUTER_KILL("move_mount", "new mount API"),
	OUTER_KILL("fsopen", "new mount API"),
	OUTER_KILL("fsconfig", "new mount API"),
	OUTER_KILL("fsmount", "new mount API"),
	OUTER_KILL("fspick", "new mount API"),
	OUTER_KILL("mount_setattr", "new mount API"),
	OUTER_KILL("setns", "no joining other namespaces"),
	OUTER_KILL("unshare", "no new namespaces"),
	OUTER_KILL("bpf", "kernel attack surface (verifier, maps)"),
	OUTER_KILL("perf_event_open", "kernel attack surface, side channels"),
	OUTER_KILL("userfaultfd", "stalls the kernel at will: exploit helper"),
	OUTER_KILL("io_uring_setup", "io_uring runs syscalls seccomp never sees"),
	OUTER_KILL("io_uring_enter", "as io_uring_setup"),
	OUTER_KILL("io_uring_register", "as io_uring_setup"),
	OUTER_KILL("keyctl", "kernel keyrings are shared state"),
	OUTER_KILL("add_key", "kernel keyrings are shared state"),
	OUTER_KILL("request_key", "kernel keyrings, may call user helpers"),
	OUTER_KILL("kexec_load", "replacing the kernel"),
	OUTER_KILL("kexec_file_load", "replacing the kernel"),
	OUTER_KILL("init_module", "loading kernel code"),
	OUTER_KILL("finit_module", "loading kernel code"),
	OUTER_KILL("delete_module", "unloading kernel code"),
	OUTER_KILL("swapon", "host administration"),
	OUTER_KILL("swapoff", "host administration"),
	OUTER_KILL("reboot", "host administration"),
	OUTER_KILL("acct", "host administration"),
	OUTER_KILL("sethostname", "host administration"),
	OUTER_KILL("setdomainname", "host administration"),
	OUTER_KILL("settimeofday", "the host's clock"),
	OUTER_KILL("clock_settime", "the host's clock"),
	OUTER_KILL("clock_adjtime", "the host's clock"),
	OUTER_KILL("adjtimex", "the host's clock"),
	OUTER_KILL("open_by_handle_at", "bypasses paths and mounts "
	    "(the shocker container escape)"),
	OUTER_KILL("name_to_handle_at", "companion of open_by_handle_at"),
	OUTER_KILL("personality", "READ_IMPLIES_EXEC and layout switches"),
	OUTER_KILL("quotactl", "host administration"),
	OUTER_KILL("quotactl_fd", "host administration"),
	OUTER_KILL("lookup_dcookie", "kernel profiling interface"),
	OUTER_KILL("syslog", "the kernel log leaks addresses"),
	OUTER_KILL("uselib", "obsolete library loading"),
	OUTER_KILL("vhangup", "terminal control"),
	OUTER_KILL("iopl", "raw hardware access"),
	OUTER_KILL("ioperm", "raw hardware access"),
	OUTER_KILL("modify_ldt", "x86 segment tricks, exploit helper"),
	OUTER_KILL("fanotify_init", "watching the host's files"),
	OUTER_KILL("mknod", "device nodes"),
	OUTER_KILL("mknodat", "device nodes"),
};
const size_t sandbox_n_outer_rules =
    sizeof(sandbox_outer_rules) / sizeof(sandbox_outer_rules[0]);

/* ---- per-role tables -------------------------------------------------- */

#define ROLE_CLONE_FLAGS \
	(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | \
	 CLONE_NEWNS)

#define RLIMIT_CORE_0 \
	{ RLIMIT_CORE, 0, 0, "no core files: they would hold message bytes", 0 }
#define RLIMIT_NOFILE_ROLE \
	{ RLIMIT_NOFILE, ROLE_NOFILE, ROLE_NOFILE, \
	  "the fixed descriptors and one part at a time", 0 }
#define RLIMIT_CPU_ROLE \
	{ RLIMIT_CPU, DEFAULT_ROLE_CPU_SECONDS, DEFAULT_ROLE_CPU_SECONDS + 1, \
	  "the soft limit's SIGXCPU is ignored (pid 1 of its namespace, no " \
	  "handler); the hard limit's SIGKILL one second later ends it, read " \
	  "as a limit, not a crash", 0 }
#define RLIMIT_MEMLOCK_0 \
	{ RLIMIT_MEMLOCK, 0, 0, "no pinned memory", 0 }
#define RLIMIT_NPROC_0 \
	{ RLIMIT_NPROC, 0, 0, "no processes; after exec, since execve fails " \
	  "with EAGAIN when NPROC is exceeded", 1 }

static const struct role_rlimit canary_rlimits[] = {
	RLIMIT_CORE_0,
	RLIMIT_NOFILE_ROLE,
	{ RLIMIT_AS, 256 * MiB, 256 * MiB,
	  "the canary only locks down and dies", 0 },
	RLIMIT_CPU_ROLE,
	{ RLIMIT_FSIZE, 0, 0, "the canary writes no file", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

static const struct role_rlimit unpack_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, UNPACK_NOFILE, UNPACK_NOFILE,
	  "memfds sent but not yet taken by the broker count against it "
	  "(SCM_RIGHTS in flight, for this user, across messages); the role "
	  "itself holds one at a time and cannot open files", 0 },
	{ RLIMIT_AS, 2 * GiB, 2 * GiB,
	  "GMime's tree of a 100 MiB message plus decoded parts in flight", 0 },
	RLIMIT_CPU_ROLE,
	{ RLIMIT_FSIZE, DEFAULT_MAX_DECODED_BYTES + 16 * MiB,
	  DEFAULT_MAX_DECODED_BYTES + 16 * MiB,
	  "memfd writes count: one part up to max_decoded_bytes, plus one "
	  "write buffer of overshoot before the walker stops", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* Measured with strace on fuzz/corpus/mime and cold-charset, 12 MiB and
 * 200-part messages: after lockdown qscan-unpack needs only these beyond
 * the baseline (ftruncate, lseek, F_GET_SEALS, F_GETFL never occurred;
 * the broker checks the seals of what it receives). */
/* Measured with strace -f over fuzz/corpus/mime and fuzz/corpus/archive
 * through `qscan check`: every memfd_create of qscan-unpack returned fd 3
 * and every write went to fd 3 (log lines, when any, go to fd 2). */
#define UNPACK_FD_PART	(ROLE_FD_PEER)
static const struct sandbox_rule unpack_rules[] = {
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", ROLE_FD_LOG) },
	  "log lines on fd 2 (role_log), restated because this table takes "
	  "write over" },
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", UNPACK_FD_PART) },
	  "a decoded part into its memfd: the lowest free descriptor, fd 3, "
	  "since lockdown leaves only 0-2 open and the role holds one part "
	  "at a time (a role holding more fails closed, never writes fd 0 "
	  "or 1)" },
	{ "memfd_create", SANDBOX_ALLOW,
	  { ARG_MASKED_EQ(1, "flags", MFD_ALLOW_SEALING, MFD_ALLOW_SEALING) },
	  "one memfd per decoded part; it must be sealable before it is sent" },
	{ "fcntl", SANDBOX_ALLOW, { ARG_EQ(1, "cmd", F_ADD_SEALS) },
	  "seal a part memfd against writes and resizing before sending it" },
};

/* The clamav role's descriptor ceiling: libclamav keeps a temporary file
 * open per nesting level it unpacks (archive member, decoded mail part,
 * normalised HTML) on top of the fixed descriptors and the part in hand. */
#define CLAMAV_NOFILE	64
/* The clamav role's scratch space: libclamav's temporary files for one
 * message, bounded by max-scan-bytes (default limits stay far below). */
#define CLAMAV_TMPFS_BYTES	(1 * GiB)
/* The clamd role holds the fixed descriptors, the clamd socket and the
 * part in hand; a few spare for the kernel-internal ones glibc may keep. */
#define CLAMD_NOFILE	16

static const struct role_rlimit clamav_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, CLAMAV_NOFILE, CLAMAV_NOFILE,
	  "the fixed descriptors, the part in hand, and one libclamav "
	  "temporary file per nesting level it unpacks", 0 },
	{ RLIMIT_AS, 4 * GiB, 4 * GiB,
	  "a real signature database needs about 1.2 GiB once compiled "
	  "(docs.clamav.net), and grows; plus parts mapped for scanning and "
	  "libclamav's unpack buffers", 0 },
	{ RLIMIT_CPU, 60, 61,
	  "loading a real database takes seconds to tens of seconds before "
	  "the first part; the soft limit's SIGXCPU is ignored (pid 1 of its "
	  "namespace, no handler), the hard limit's SIGKILL one second later "
	  "ends it, read as a limit", 0 },
	{ RLIMIT_FSIZE, CLAMAV_TMPFS_BYTES, CLAMAV_TMPFS_BYTES,
	  "libclamav's temporary files in its scratch tmpfs; one cannot outgrow the "
	  "tmpfs that holds it", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* Measured with strace -f on the 44 clamav-testfiles, clean mail and the
 * copyright texts, after the role's warm-up scan: what libclamav does
 * after lockdown beyond the baseline.  Paths are confined by Landlock
 * (read/write beneath its scratch directory only), so openat and friends are real here,
 * not the baseline's soft EACCES. */
static const struct sandbox_rule clamav_rules[] = {
	{ "write", SANDBOX_ALLOW,
	  { ARG_RANGE(0, "fd", ROLE_FD_RECORDS, CLAMAV_NOFILE - 1) },
	  "log lines on fd 2 and libclamav's temporary files, whose "
	  "descriptors go up to RLIMIT_NOFILE; never fd 0" },
	{ "openat", SANDBOX_ALLOW, { { 0 } },
	  "libclamav's temporary files and directories; Landlock refuses "
	  "every path outside its scratch directory (EACCES), so a charset module nobody "
	  "pre-loaded still fails softly" },
	{ "newfstatat", SANDBOX_ALLOW, { { 0 } },
	  "glibc's fstat() (a descriptor, AT_EMPTY_PATH) on parts and "
	  "temporary files, and stat()/lstat() of absolute temporary paths "
	  "(AT_FDCWD: cli_rmdirs walks its directories with them and loops "
	  "if they fail).  Seccomp cannot read the path (an absolute one "
	  "ignores dirfd, AT_EMPTY_PATH a non-empty one) and Landlock does "
	  "not cover stat: the role sees an empty /etc (see hidden), and its "
	  "own uid keeps it out of qscand's 0700 spool" },
	{ "pread64", SANDBOX_ALLOW, { { 0 } },
	  "libclamav's fmap reads parts and temporary files by offset" },
	{ "lseek", SANDBOX_ALLOW, { { 0 } },
	  "rewinding temporary files before they are scanned" },
	{ "fcntl", SANDBOX_ALLOW, { ARG_EQ(1, "cmd", F_GETFL) },
	  "libclamav checks how a descriptor was opened before mapping it" },
	{ "mkdir", SANDBOX_ALLOW, { { 0 } },
	  "a temporary directory per unpacked container (OLE2, mail, HTML)" },
	{ "chmod", SANDBOX_EPERM, { { 0 } },
	  "soft: cli_rmdirs makes each temporary directory 0700 again "
	  "before removing it and ignores the result (it made them 0700); "
	  "Landlock has no right for mode changes, so none is allowed" },
	{ "unlink", SANDBOX_ALLOW, { { 0 } },
	  "removing temporary files after each scan" },
	{ "rmdir", SANDBOX_ALLOW, { { 0 } },
	  "removing temporary directories after each scan" },
	{ "getdents64", SANDBOX_ALLOW, { { 0 } },
	  "scanning and removing what a container left in its temporary "
	  "directory" },
	{ "recvmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_CMSG_CLOEXEC) },
	  "REC_SCAN requests from the broker with the part's memfd "
	  "(role_recv); only on the records socket" },
};

static const struct role_rlimit clamd_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, CLAMD_NOFILE, CLAMD_NOFILE,
	  "the fixed descriptors, the clamd socket and the part in hand", 0 },
	{ RLIMIT_AS, 512 * MiB, 512 * MiB,
	  "records and one INSTREAM chunk buffer; no content is parsed "
	  "here", 0 },
	RLIMIT_CPU_ROLE,
	{ RLIMIT_FSIZE, 0, 0,
	  "writes no file: parts go to clamd as descriptors or chunks on "
	  "the socket", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* The clamd role only moves parts to clamd and answers come back; every
 * socket call is pinned to the one socket the broker connected (fd 3) or
 * the records socket (fd 1). */
static const struct sandbox_rule clamd_rules[] = {
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", ROLE_FD_LOG) },
	  "log lines on fd 2 only: clamd gets send(), and the role creates "
	  "no files" },
	{ "recvfrom", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER), ARG_EQ(3, "flags", MSG_DONTWAIT) },
	  "clamd's replies (recv() with MSG_DONTWAIT, then poll): only fd 3" },
	{ "sendto", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER),
	    ARG_EQ(3, "flags", MSG_DONTWAIT | MSG_NOSIGNAL) },
	  "clamd commands and INSTREAM chunks (send()): only fd 3, never "
	  "blocking, never SIGPIPE" },
	{ "sendmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER),
	    ARG_EQ(2, "flags", MSG_DONTWAIT | MSG_NOSIGNAL) },
	  "FILDES: the part's memfd to clamd as SCM_RIGHTS" },
	{ "sendmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_NOSIGNAL) },
	  "records to the broker (rec_send), as in the baseline, restated "
	  "because this table takes sendmsg over" },
	{ "recvmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_CMSG_CLOEXEC) },
	  "REC_SCAN requests from the broker with the part's memfd "
	  "(role_recv); only on the records socket" },
	{ "poll", SANDBOX_ALLOW, { ARG_EQ(1, "nfds", 1) },
	  "waiting for clamd (fd 3) with the read timeout: one descriptor" },
	{ "pread64", SANDBOX_ALLOW,
	  { ARG_RANGE(0, "fd", ROLE_FD_PEER + 1, CLAMD_NOFILE - 1) },
	  "INSTREAM reads the part memfd by offset; never the fixed fds" },
};

const struct role_profile sandbox_profiles[] = {
	{
		.role = ROLE_CANARY,
		.name = "canary",
		.user = "qscan-canary",
		.clone_flags = ROLE_CLONE_FLAGS,
		.rlimits = canary_rlimits,
		.n_rlimits = sizeof(canary_rlimits) / sizeof(canary_rlimits[0]),
		.landlock = LANDLOCK_NO_FILES,
		.fds = "0 /dev/null (no message); 1 records (SOCK_SEQPACKET to the "
		    "broker); 2 log pipe",
		.rules = NULL,
		.n_rules = 0,
	},
	{
		.role = ROLE_UNPACK,
		.name = "unpack",
		.user = "qscan-unpack",
		.clone_flags = ROLE_CLONE_FLAGS,
		.rlimits = unpack_rlimits,
		.n_rlimits = sizeof(unpack_rlimits) / sizeof(unpack_rlimits[0]),
		.landlock = LANDLOCK_NO_FILES,
		.fds = "0 message (spool file, read-only, mapped before "
		    "lockdown); 1 records (SOCK_SEQPACKET to the broker); 2 log "
		    "pipe",
		.rules = unpack_rules,
		.n_rules = sizeof(unpack_rules) / sizeof(unpack_rules[0]),
	},
	{
		.role = ROLE_CLAMAV,
		.name = "clamav",
		.user = "qscan-clamav",
		.clone_flags = ROLE_CLONE_FLAGS,
		.rlimits = clamav_rlimits,
		.n_rlimits = sizeof(clamav_rlimits) / sizeof(clamav_rlimits[0]),
		.landlock = LANDLOCK_PRIVATE_DIR,
		.fds = "0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; "
		    "parts arrive on it as sealed memfds); 2 log pipe",
		/* libclamav's CL_ENGINE_TMPDIR: an empty tmpfs of its own,
		 * so temporary files of one message never meet another's,
		 * vanish with the role, and Landlock can name the one
		 * directory the role may touch after lockdown. */
		.tmpfs_dir = ROLE_SCRATCH_DIR,
		.tmpfs_bytes = CLAMAV_TMPFS_BYTES,
		/* stat() is open to it (above): /etc's secrets' metadata
		 * (/etc/shadow) stays out of sight.  Nothing there is needed
		 * after exec (ld.so finds the multiarch directories without
		 * ld.so.cache; measured with strace), and the database is
		 * loaded from its own directory. */
		.hidden_dir = "/etc",
		/* Its final filter allows real paths (openat, stat, mkdir,
		 * unlink) that Landlock alone confines: sharing qscand's uid
		 * outside its namespace, what it may touch is the spool. */
		.own_uid_why = "its filter lets it stat any path (Landlock "
		    "does not cover stat): with qscand's uid it could stat "
		    "inside qscand's 0700 spool",
		.rules = clamav_rules,
		.n_rules = sizeof(clamav_rules) / sizeof(clamav_rules[0]),
	},
	{
		.role = ROLE_CLAMD,
		.name = "clamd",
		.user = "qscan-clamd",
		.clone_flags = ROLE_CLONE_FLAGS,
		.rlimits = clamd_rlimits,
		.n_rlimits = sizeof(clamd_rlimits) / sizeof(clamd_rlimits[0]),
		.landlock = LANDLOCK_NO_FILES,
		.fds = "0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; "
		    "parts arrive on it as sealed memfds); 2 log pipe; 3 the "
		    "clamd socket the broker connected (unix or TCP)",
		.rules = clamd_rules,
		.n_rules = sizeof(clamd_rules) / sizeof(clamd_rules[0]),
	},
};
const size_t sandbox_n_profiles =
    sizeof(sandbox_profiles) / sizeof(sandbox_profiles[0]);

const struct role_profile *
sandbox_profile(enum role_id role)
{
	for (size_t i = 0; i < sandbox_n_profiles; i++)
		if (sandbox_profiles[i].role == role)
			return &sandbox_profiles[i];
	return NULL;
}

int
sandbox_profile_overrides(const struct role_profile *p, const char *syscall)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].syscall, syscall) == 0)
			return 1;
	return 0;
}

const struct role_profile *
sandbox_profile_by_name(const char *name)
{
	for (size_t i = 0; i < sandbox_n_profiles; i++)
		if (strcmp(sandbox_profiles[i].name, name) == 0)
			return &sandbox_profiles[i];
	return NULL;
}

int
sandbox_rlimits_apply(const struct role_profile *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct role_rlimit *l = &p->rlimits[i];
		struct rlimit rl = { l->soft, l->hard };

		if (l->after_exec)
			continue;
		if (setrlimit(l->resource, &rl) < 0)
			return -1;
	}
	return 0;
}

const char *
sandbox_action_name(enum sandbox_action a)
{
	switch (a) {
	case SANDBOX_ALLOW:
		return "allow";
	case SANDBOX_EACCES:
		return "errno EACCES";
	case SANDBOX_EPERM:
		return "errno EPERM";
	case SANDBOX_ENOSYS:
		return "errno ENOSYS";
	case SANDBOX_KILL:
		return "kill process";
	default:
		return "?";
	}
}

const char *
sandbox_rlimit_name(int resource)
{
	switch (resource) {
	case RLIMIT_CORE:
		return "RLIMIT_CORE";
	case RLIMIT_NOFILE:
		return "RLIMIT_NOFILE";
	case RLIMIT_AS:
		return "RLIMIT_AS";
	case RLIMIT_CPU:
		return "RLIMIT_CPU";
	case RLIMIT_FSIZE:
		return "RLIMIT_FSIZE";
	case RLIMIT_MEMLOCK:
		return "RLIMIT_MEMLOCK";
	case RLIMIT_NPROC:
		return "RLIMIT_NPROC";
	case RLIMIT_DATA:
		return "RLIMIT_DATA";
	case RLIMIT_STACK:
		return "RLIMIT_STACK";
	default:
		return "RLIMIT_?";
	}
}
