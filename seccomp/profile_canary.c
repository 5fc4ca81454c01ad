/* seccomp: the review room; the canary role's profile: its rlimits and
 * namespaces, no files, and no allow-list beyond the shared baseline
 * (seccomp/canary.profile is its printed text). */
#include "profiles.h"

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

const struct role_profile sandbox_profile_canary = {
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
};
