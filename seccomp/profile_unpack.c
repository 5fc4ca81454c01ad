/* seccomp: the review room; the unpack role's profile: its rlimits, no
 * files, and beyond the shared baseline the calls that put each decoded
 * part into a sealed memfd (seccomp/unpack.profile is its printed text). */
#include <fcntl.h>
#include <sys/mman.h>

#include "profiles.h"

/* glibc 2.36 knows these, but keep the tables buildable on older UAPI. */
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif

static const struct role_rlimit unpack_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, UNPACK_NOFILE, UNPACK_NOFILE,
	  "memfds sent but not yet taken by the broker count against it "
	  "(SCM_RIGHTS in flight, for this user, across messages); the role "
	  "itself holds one at a time and cannot open files", 0, 1 },
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

const struct role_profile sandbox_profile_unpack = {
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
};
