/* seccomp: the review room; what every role's profile shares (the final
 * filter's baseline, the kills it documents, the outer filter) and the
 * lookup of a role's profile, whose tables are one file per role
 * (profile_*.c).  Installed in the spawner and the roles and printed for
 * audit from the same data. */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/futex.h>

#include "profiles.h"

/* glibc 2.36 knows it, but keep the tables buildable on older UAPI. */
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

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
	  { ARG_EQ_SELF(0, "tgid"), ARG_EQ(2, "sig", SIGABRT) },
	  "abort() -> raise(SIGABRT) reaches the lockdown's handler, which "
	  "exits 76 (aborted, not a violation: a role is pid 1 of its pid "
	  "namespace, where its own unhandled SIGABRT is ignored); only at "
	  "itself: a warm child shares its zygote's pid namespace, where the "
	  "zygote is pid 1 (docs/warm.md); other processes are out of reach "
	  "(pid namespace, Landlock signal scope, own uid)" },
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
	SANDBOX_NO_NEW_NAMESPACES("no new namespaces: user namespaces open kernel attack surface"),
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

/* ---- the profiles, one file per role (profile_*.c) ------------------ */

/* In role id order. */
static const struct role_profile *const profiles[] = {
	&sandbox_profile_canary,
	&sandbox_profile_unpack,
	&sandbox_profile_clamav,
	&sandbox_profile_clamd,
	&sandbox_profile_spamd,
	&sandbox_profile_mhr,
};

const struct role_profile *
sandbox_profile(enum role_id role)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i]->role == role)
			return profiles[i];
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
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i]->name, name) == 0)
			return profiles[i];
	return NULL;
}

static int
rlimits_apply(const struct role_profile *p, int zygote)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct role_rlimit *l = &p->rlimits[i];
		struct rlimit rl = { l->soft, l->hard };

		if (l->after_exec || (zygote && l->per_message))
			continue;
		if (setrlimit(l->resource, &rl) < 0)
			return -1;
	}
	return 0;
}

int
sandbox_rlimits_apply(const struct role_profile *p)
{
	return rlimits_apply(p, 0);
}

int
sandbox_rlimits_apply_zygote(const struct role_profile *p)
{
	return rlimits_apply(p, 1);
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
