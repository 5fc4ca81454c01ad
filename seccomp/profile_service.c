/* seccomp: the review room; the service's filter: what qscand's front
 * and its workers (docs/warm.md, "Processes") install on themselves.
 * Default allow: a worker is the broker of one message and uses what the
 * broker uses (files, sockets, pipes, fork); it kills what a broker never
 * needs.  Printed by `qscan profiles service`.  Trusted. */
#include <sched.h>

#include "profiles.h"

#define SERVICE_KILL(name, why) { name, SANDBOX_KILL, { { 0 } }, why }

const struct sandbox_rule sandbox_service_rules[] = {
	SERVICE_KILL("execve", "a worker never execs: the hook runs "
	    "qmail-queue, the monitor execs the zygotes"),
	SERVICE_KILL("execveat", "as execve"),
	SANDBOX_NO_NEW_NAMESPACES("no new namespaces: a worker only forks"),
	SERVICE_KILL("unshare", "no new namespaces"),
	SERVICE_KILL("setns", "no joining other namespaces"),
	SERVICE_KILL("ptrace", "no reaching into the zygotes or the roles"),
	SERVICE_KILL("process_vm_readv", "no reading another process"),
	SERVICE_KILL("process_vm_writev", "no writing another process"),
	SERVICE_KILL("pidfd_getfd", "no stealing a child's descriptors"),
	SERVICE_KILL("kcmp", "no probing another process's kernel objects"),
	SERVICE_KILL("mount", "the mount namespace is the host's"),
	SERVICE_KILL("umount2", "the mount namespace is the host's"),
	SERVICE_KILL("pivot_root", "the mount namespace is the host's"),
	SERVICE_KILL("chroot", "the root is the host's"),
	SERVICE_KILL("open_tree", "new mount API"),
	SERVICE_KILL("move_mount", "new mount API"),
	SERVICE_KILL("fsopen", "new mount API"),
	SERVICE_KILL("fsconfig", "new mount API"),
	SERVICE_KILL("fsmount", "new mount API"),
	SERVICE_KILL("fspick", "new mount API"),
	SERVICE_KILL("mount_setattr", "new mount API"),
	SERVICE_KILL("bpf", "kernel attack surface (verifier, maps)"),
	SERVICE_KILL("perf_event_open", "kernel attack surface, side channels"),
	SERVICE_KILL("userfaultfd", "stalls the kernel at will: exploit helper"),
	SERVICE_KILL("io_uring_setup", "io_uring runs syscalls seccomp never "
	    "sees"),
	SERVICE_KILL("io_uring_enter", "as io_uring_setup"),
	SERVICE_KILL("io_uring_register", "as io_uring_setup"),
	SERVICE_KILL("keyctl", "kernel keyrings are shared state"),
	SERVICE_KILL("add_key", "kernel keyrings are shared state"),
	SERVICE_KILL("request_key", "kernel keyrings, may call user helpers"),
	SERVICE_KILL("kexec_load", "replacing the kernel"),
	SERVICE_KILL("kexec_file_load", "replacing the kernel"),
	SERVICE_KILL("init_module", "loading kernel code"),
	SERVICE_KILL("finit_module", "loading kernel code"),
	SERVICE_KILL("delete_module", "unloading kernel code"),
	SERVICE_KILL("personality", "READ_IMPLIES_EXEC and layout switches"),
	SERVICE_KILL("setuid", "no capability to change ids: trying is an "
	    "attack"),
	SERVICE_KILL("setgid", "as setuid"),
	SERVICE_KILL("setreuid", "as setuid"),
	SERVICE_KILL("setregid", "as setuid"),
	SERVICE_KILL("setresuid", "as setuid"),
	SERVICE_KILL("setresgid", "as setuid"),
	SERVICE_KILL("setfsuid", "as setuid"),
	SERVICE_KILL("setfsgid", "as setuid"),
	SERVICE_KILL("setgroups", "as setuid"),
	SERVICE_KILL("capset", "no capability to gain"),
	SERVICE_KILL("open_by_handle_at", "bypasses paths and mounts"),
	SERVICE_KILL("name_to_handle_at", "companion of open_by_handle_at"),
	SERVICE_KILL("modify_ldt", "x86 segment tricks, exploit helper"),
	SERVICE_KILL("iopl", "raw hardware access"),
	SERVICE_KILL("ioperm", "raw hardware access"),
	SERVICE_KILL("swapon", "host administration"),
	SERVICE_KILL("swapoff", "host administration"),
	SERVICE_KILL("reboot", "host administration"),
	SERVICE_KILL("syslog", "the kernel log leaks addresses"),
	SERVICE_KILL("uselib", "obsolete library loading"),
	SERVICE_KILL("mknod", "device nodes"),
	SERVICE_KILL("mknodat", "device nodes"),
};
const size_t sandbox_n_service_rules =
    sizeof(sandbox_service_rules) / sizeof(sandbox_service_rules[0]);
