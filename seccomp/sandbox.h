/* seccomp: every role's sandbox profile, as tables, and the code that
 * installs them; the review room.  The spawner (broker/spawn.c) and the
 * role helpers install from these tables, and `qscan profiles` prints
 * them, so what an auditor reads is what runs. */
#ifndef QSCAN_SANDBOX_H
#define QSCAN_SANDBOX_H

#include <stdio.h>
#include <sys/resource.h>
#include <linux/filter.h>

#include "qscan-config.h"
#include "record.h"

struct role_rlimit {
	int resource;		/* RLIMIT_* */
	rlim_t soft, hard;
	const char *why;
	/* 1: set by sandbox_role_lockdown after exec, never by the spawner
	 * (RLIMIT_NPROC 0 before exec makes execve fail with EAGAIN). */
	int after_exec;
	/* 1: one message's budget (CPU seconds, descriptors).  A zygote
	 * (docs/warm.md) lives for many messages and holds a connection
	 * per child: the spawner leaves it out for a zygote, and each
	 * warm child sets it after its fork (RLIMIT_CPU counts from zero
	 * in a fresh process). */
	int per_message;
};

/* One entry of a seccomp table; defined in sandbox_tables.h, private to
 * seccomp/. */
struct sandbox_rule;

enum landlock_mode {
	LANDLOCK_NO_FILES = 0,	/* parsers: every fs right handled, none granted */
	LANDLOCK_PRIVATE_DIR,	/* AV: read/write beneath one private directory */
};

/* The mount point of a role's private tmpfs: an empty directory of
 * root's that qscan-setup makes.  Not /tmp: mounting over /tmp would hide
 * whatever a site or a test keeps there (role helpers, databases). */
#define ROLE_SCRATCH_DIR QSCAN_SCRATCH_DIR	/* localstatedir/lib/qscan/scratch */

struct role_profile {
	enum role_id role;
	const char *name;		/* "unpack": helper is qscan-<name> */
	const char *user;		/* default user name, e.g. "qscan-unpack" */
	int clone_flags;		/* CLONE_NEW* the spawner asks for */
	const struct role_rlimit *rlimits;
	size_t n_rlimits;
	enum landlock_mode landlock;
	const char *fds;		/* human text: which fds the role gets */
	/* When set, the spawner mounts an empty tmpfs of tmpfs_bytes here,
	 * owned by the role, in the role's own mount namespace (the only
	 * place the role may write: LANDLOCK_PRIVATE_DIR names it too). */
	const char *tmpfs_dir;
	unsigned long long tmpfs_bytes;
	/* When set, the spawner mounts an empty, read-only tmpfs over this
	 * directory in the role's mount namespace: hidden from a role whose
	 * filter lets it stat paths. */
	const char *hidden_dir;
	/* When set, the role needs a uid of its own (PRIVS_ROLE_UIDS): a
	 * broker whose roles share its uid refuses to run it, saying why. */
	const char *own_uid_why;
	/* final allow-list beyond the common baseline: private to sandbox
	 * code, installed by sandbox_role_lockdown, printed by profile_print */
	const struct sandbox_rule *rules;
	size_t n_rules;
};

/* The table entry for `role`, or NULL. */
const struct role_profile *sandbox_profile(enum role_id role);

/* The table entry whose name is `name` ("unpack"), or NULL. */
const struct role_profile *sandbox_profile_by_name(const char *name);

/* Spawner's child (broker/spawn.c), between clone and exec: sets every
 * rlimit of the profile that is not marked after_exec.  Async-signal-safe
 * (setrlimit only).  Returns 0, or -1 with errno. */
int sandbox_rlimits_apply(const struct role_profile *p);

/* The same for a zygote: every one but those marked per_message. */
int sandbox_rlimits_apply_zygote(const struct role_profile *p);

/* Broker side, once per process: compiles the outer filter (what no role
 * may ever do, default allow) to BPF.  The program stays owned by the
 * sandbox module.  Returns 0 or -1. */
int sandbox_outer_filter_compile(struct sock_fprog *out);

/* Spawner's child (broker/spawn.c), just before exec:
 * PR_SET_NO_NEW_PRIVS, then the program from sandbox_outer_filter_compile.
 * Async-signal-safe (two prctl calls, no libseccomp).  Returns 0 or -1
 * with errno. */
int sandbox_outer_filter_install(const struct sock_fprog *prog);

/* qscand's front, once, before it accepts a connection: NO_NEW_PRIVS
 * and the service filter (profile_service.c), which its workers
 * inherit.  Returns 0 or -1 with a static reason in *why. */
int sandbox_service_filter_install(const char **why);

/* Prints the service filter, its rules and its BPF's digest. */
void sandbox_service_print(FILE *out);

/* Role side, after the role's own initialisation and before it reads a
 * byte of the message: PR_SET_NO_NEW_PRIVS (again), Landlock per the
 * profile (required: fails when the kernel has no Landlock), then the
 * role's final seccomp allow-list (default: kill the process).  Also
 * sets a SIGABRT handler that exits ROLE_EXIT_ABORT: the role is pid 1 of
 * its namespace, where an unhandled SIGABRT of its own is ignored.
 * Returns 0, or -1 with a reason in *why (static string). */
int sandbox_role_lockdown(enum role_id role, const char **why);

/* The same for a LANDLOCK_PRIVATE_DIR profile: `dir` is the one directory
 * the role may read and write beneath (ignored for LANDLOCK_NO_FILES). */
int sandbox_role_lockdown_dir(enum role_id role, const char *dir,
    const char **why);

/* A zygote, before it serves: compiles `role`'s final filter once, so
 * that sandbox_role_lockdown(_dir) in each process it forks afterwards
 * only patches its own pid into the program and installs it.  Returns
 * 0, or -1 with a static reason in *why (its children then compile the
 * filter themselves, as an exec'd role does). */
int sandbox_final_filter_prepare(enum role_id role, const char **why);

/* The prepared program of `role` as a process of pid self_pid installs
 * it (tests: the same as the one compiled for that pid): 0 with *len
 * instructions in buf, -1 when none is prepared for `role`. */
int sandbox_final_filter_prepared(enum role_id role, uint64_t self_pid,
    struct sock_filter *buf, size_t cap, size_t *len);

/* Landlock ABI the kernel offers, 0 when none. */
int sandbox_landlock_abi(void);

/* Prints the whole profile of `role`: user, namespaces, rlimits, fds,
 * outer filter, Landlock, final allow-list with argument filters and the
 * reason for each entry.  Deterministic text (no addresses, no times). */
void sandbox_profile_print(FILE *out, enum role_id role);

#endif
