/* seccomp: the review room; the mhr role's profile: no files, and
 * socket calls pinned to the resolver socket the broker connected and to
 * the records socket (seccomp/mhr.profile is its printed text). */
#include <sys/socket.h>
#include <time.h>

#include "profiles.h"

/* The fixed descriptors, the resolver socket and the part in hand; a
 * few spare for the kernel-internal ones glibc may keep. */
#define MHR_NOFILE	16

static const struct role_rlimit mhr_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, MHR_NOFILE, MHR_NOFILE,
	  "the fixed descriptors, the resolver socket and the part in hand",
	  0, 1 },
	{ RLIMIT_AS, 256 * MiB, 256 * MiB,
	  "records, one 64 KiB read buffer and the hash states; no content "
	  "is parsed here, only DNS replies of 512 bytes", 0 },
	RLIMIT_CPU_ROLE,
	{ RLIMIT_FSIZE, 0, 0,
	  "writes no file: only queries on the socket and records", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* The mhr role reads parts, hashes them and asks the resolver; every
 * socket call is pinned to the socket the broker connected (fd 3) or
 * the records socket (fd 1). */
static const struct sandbox_rule mhr_rules[] = {
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", ROLE_FD_LOG) },
	  "log lines on fd 2 only: queries go by send(), and the role "
	  "creates no files" },
	{ "recvfrom", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER), ARG_EQ(3, "flags", MSG_DONTWAIT) },
	  "the resolver's replies (recv() with MSG_DONTWAIT after poll): "
	  "only fd 3, whose peer the kernel fixed at connect" },
	{ "sendto", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER),
	    ARG_EQ(3, "flags", MSG_DONTWAIT | MSG_NOSIGNAL),
	    ARG_EQ(4, "dest_addr", 0) },
	  "DNS queries (send()): only fd 3, never blocking, and with no "
	  "address: a connected UDP socket still sends wherever sendto's "
	  "address says, so only the peer the broker connected is reached" },
	{ "recvmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_CMSG_CLOEXEC) },
	  "REC_SCAN requests from the broker with the part's memfd "
	  "(role_recv); only on the records socket" },
	{ "poll", SANDBOX_ALLOW, { ARG_EQ(1, "nfds", 1) },
	  "waiting for the resolver (fd 3) until the query's time is up: "
	  "one descriptor" },
	{ "pread64", SANDBOX_ALLOW,
	  { ARG_RANGE(0, "fd", ROLE_FD_PEER + 1, MHR_NOFILE - 1) },
	  "hashing reads the part memfd by offset; never the fixed fds" },
	{ "clock_gettime", SANDBOX_ALLOW,
	  { ARG_EQ(0, "clockid", CLOCK_MONOTONIC) },
	  "the message's lookup deadline; the vDSO answers it without a "
	  "system call on most clocksources, not on every one" },
};

const struct role_profile sandbox_profile_mhr = {
	.role = ROLE_MHR,
	.name = "mhr",
	.user = "qscan-mhr",
	.clone_flags = ROLE_CLONE_FLAGS,
	.rlimits = mhr_rlimits,
	.n_rlimits = sizeof(mhr_rlimits) / sizeof(mhr_rlimits[0]),
	.landlock = LANDLOCK_NO_FILES,
	.fds = "0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; "
	    "parts arrive on it as sealed memfds); 2 log pipe; 3 the UDP "
	    "socket the broker connected to the resolver",
	.rules = mhr_rules,
	.n_rules = sizeof(mhr_rules) / sizeof(mhr_rules[0]),
};
