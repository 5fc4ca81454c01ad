/* seccomp: the review room; what the per-role profile files
 * (profile_canary.c, profile_unpack.c, profile_clamav.c,
 * profile_clamd.c) share, and the profiles they define, looked up by
 * role in profiles.c.  Trusted. */
#ifndef QSCAN_SECCOMP_PROFILES_H
#define QSCAN_SECCOMP_PROFILES_H

#include <sched.h>
#include <sys/resource.h>

#include "qscan_limits.h"
#include "role_runtime.h"
#include "sandbox_tables.h"

#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

#define ROLE_CLONE_FLAGS \
	(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | \
	 CLONE_NEWNS)

#define RLIMIT_CORE_0 \
	{ RLIMIT_CORE, 0, 0, "no core files: they would hold message bytes", 0 }
#define RLIMIT_NOFILE_ROLE \
	{ RLIMIT_NOFILE, ROLE_NOFILE, ROLE_NOFILE, \
	  "the fixed descriptors and one part at a time", 0, 1 }
#define RLIMIT_CPU_ROLE \
	{ RLIMIT_CPU, DEFAULT_ROLE_CPU_SECONDS, DEFAULT_ROLE_CPU_SECONDS + 1, \
	  "the soft limit's SIGXCPU is ignored (pid 1 of its namespace, no " \
	  "handler); the hard limit's SIGKILL one second later ends it, read " \
	  "as a limit, not a crash", 0, 1 }
#define RLIMIT_MEMLOCK_0 \
	{ RLIMIT_MEMLOCK, 0, 0, "no pinned memory", 0 }
#define RLIMIT_NPROC_0 \
	{ RLIMIT_NPROC, 0, 0, "no processes; after exec, since execve fails " \
	  "with EAGAIN when NPROC is exceeded", 1 }

/* What no confined process of ours may do with clone: make a namespace
 * (the outer filter and the service filter both start with these; the
 * first entry's reason is each table's own).  clone3 passes its flags in
 * memory, which seccomp cannot read: ENOSYS, and glibc falls back to
 * clone. */
#define SANDBOX_NO_NEW_NAMESPACES(userns_why) \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWUSER, CLONE_NEWUSER) }, \
	  userns_why }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWNS, CLONE_NEWNS) }, \
	  "no new namespaces" }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWPID, CLONE_NEWPID) }, \
	  "no new namespaces" }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWNET, CLONE_NEWNET) }, \
	  "no new namespaces" }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWIPC, CLONE_NEWIPC) }, \
	  "no new namespaces" }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWUTS, CLONE_NEWUTS) }, \
	  "no new namespaces" }, \
	{ "clone", SANDBOX_KILL, \
	  { ARG_MASKED_EQ(0, "flags", CLONE_NEWCGROUP, CLONE_NEWCGROUP) }, \
	  "no new namespaces" }, \
	{ "clone3", SANDBOX_ENOSYS, { { 0 } }, \
	  "flags in memory seccomp cannot read; glibc falls back to clone" }

/* Each role's whole profile, one file per role. */
extern const struct role_profile sandbox_profile_canary;
extern const struct role_profile sandbox_profile_unpack;
extern const struct role_profile sandbox_profile_clamav;
extern const struct role_profile sandbox_profile_clamd;
extern const struct role_profile sandbox_profile_mhr;
extern const struct role_profile sandbox_profile_spamd;

#endif
