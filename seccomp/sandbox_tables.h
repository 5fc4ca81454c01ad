/* seccomp: the review room; private shapes of the seccomp tables, shared by
 * the code that installs them and the code that prints them.  Trusted. */
#ifndef QSCAN_SANDBOX_TABLES_H
#define QSCAN_SANDBOX_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

#include "sandbox.h"

enum sandbox_action {
	SANDBOX_ALLOW = 0,
	SANDBOX_EACCES,		/* soft denial of a known probe */
	SANDBOX_EPERM,		/* soft denial of a call whose result is ignored */
	SANDBOX_ENOSYS,		/* ENOSYS: libc falls back to an older call */
	SANDBOX_KILL,		/* kill the whole process (SIGSYS) */
};

enum sandbox_cmp {
	SANDBOX_CMP_NONE = 0,
	SANDBOX_CMP_EQ,		/* arg == a, all 64 bits */
	SANDBOX_CMP_NE,		/* arg != a, all 64 bits */
	SANDBOX_CMP_MASKED_EQ,	/* (arg & a) == b */
	/* a <= arg <= b on all 64 bits; libseccomp takes one comparison per
	 * argument, so this becomes one rule per aligned power-of-two block,
	 * each a masked equality that also pins the high 32 bits to zero
	 * (a plain NE/GT would let 0x100000000 through, which the kernel
	 * truncates to fd 0). */
	SANDBOX_CMP_RANGE,
	/* arg == the pid of the process installing the filter, all 64
	 * bits: a role names only itself.  Exec'd, a role is pid 1 of its
	 * namespace; a warm child (docs/warm.md) locks down after its fork
	 * and embeds its own pid, so it cannot name its zygote, pid 1. */
	SANDBOX_CMP_EQ_SELF,
};

struct sandbox_arg {
	enum sandbox_cmp cmp;
	unsigned index;		/* syscall argument number, 0-5 */
	const char *name;	/* what the argument is: "fd", "prot" */
	uint64_t a, b;
	const char *text;	/* the comparison as written in the table */
};

#define SANDBOX_ARGS_MAX 3	/* mhr's sendto pins fd, flags and no address */

struct sandbox_rule {
	const char *syscall;	/* name as libseccomp knows it */
	enum sandbox_action action;
	struct sandbox_arg args[SANDBOX_ARGS_MAX];	/* all must hold */
	const char *why;
};

#define ARG_EQ(i, n, v) \
	{ SANDBOX_CMP_EQ, (i), (n), (uint64_t)(v), 0, "== " #v }
#define ARG_NE(i, n, v) \
	{ SANDBOX_CMP_NE, (i), (n), (uint64_t)(v), 0, "!= " #v }
#define ARG_MASKED_EQ(i, n, m, v) \
	{ SANDBOX_CMP_MASKED_EQ, (i), (n), (uint64_t)(m), (uint64_t)(v), \
	  "& " #m " == " #v }
#define ARG_EQ_SELF(i, n) \
	{ SANDBOX_CMP_EQ_SELF, (i), (n), 0, 0, "== own pid" }
#define ARG_RANGE(i, n, lo, hi) \
	{ SANDBOX_CMP_RANGE, (i), (n), (uint64_t)(lo), (uint64_t)(hi), \
	  "in " #lo " .. " #hi }

/* What every role's final filter allows or softly denies. */
extern const struct sandbox_rule sandbox_baseline_rules[];
extern const size_t sandbox_n_baseline_rules;

/* Syscalls the final filter's default action kills, listed so a reader
 * need not infer them (never compiled: they are the default). */
extern const struct sandbox_rule sandbox_documented_kills[];
extern const size_t sandbox_n_documented_kills;

/* The outer filter: default allow, kills what no role may ever do. */
extern const struct sandbox_rule sandbox_outer_rules[];
extern const size_t sandbox_n_outer_rules;

/* qscand's front and workers (profile_service.c): default allow. */
extern const struct sandbox_rule sandbox_service_rules[];
extern const size_t sandbox_n_service_rules;

/* 1 when the profile's own table names `syscall`: then the profile takes
 * that syscall over and the baseline's entries for it are not compiled
 * for this role (the clamav role's real openat replaces the baseline's
 * soft EACCES; a role that widens write restates the whole rule). */
int sandbox_profile_overrides(const struct role_profile *p,
    const char *syscall);

/* Default action of the final filter and of the outer filter. */
#define SANDBOX_FINAL_DEFAULT	SCMP_ACT_KILL_PROCESS
#define SANDBOX_OUTER_DEFAULT	SCMP_ACT_ALLOW

enum sandbox_filter_kind {
	SANDBOX_FILTER_OUTER = 0,
	SANDBOX_FILTER_FINAL,
	SANDBOX_FILTER_SERVICE,	/* qscand's front and workers */
};

/* Builds the libseccomp context for the outer filter (role ignored) or
 * the final filter of `role`.  Returns NULL with a static reason in *why. */
scmp_filter_ctx sandbox_filter_build(enum sandbox_filter_kind kind,
    enum role_id role, const char **why);

/* The same with SANDBOX_CMP_EQ_SELF comparing against self_pid instead
 * of getpid(): `qscan profiles` hashes the program an exec'd role (pid
 * 1) loads, whatever its own pid. */
scmp_filter_ctx sandbox_filter_build_as(enum sandbox_filter_kind kind,
    enum role_id role, uint64_t self_pid, const char **why);

/* Exports a built context to BPF in `buf` (cap instructions); sets *len.
 * Returns 0 or -1 with a static reason in *why. */
int sandbox_filter_export(scmp_filter_ctx ctx, struct sock_filter *buf,
    size_t cap, size_t *len, const char **why);

/* Landlock: restricts the calling thread per `mode`; `dir` is the one
 * directory LANDLOCK_PRIVATE_DIR grants (ignored for LANDLOCK_NO_FILES).
 * Needs NO_NEW_PRIVS first.  Returns 0 or -1 with a static reason. */
int sandbox_landlock_restrict(enum landlock_mode mode, const char *dir,
    const char **why);

/* Printing helpers for Landlock: names of the rights the code handles,
 * with the ABI that introduced each. */
void sandbox_landlock_print(FILE *out, enum landlock_mode mode);

/* Names for the tables' symbols. */
const char *sandbox_action_name(enum sandbox_action a);
const char *sandbox_rlimit_name(int resource);

#endif
