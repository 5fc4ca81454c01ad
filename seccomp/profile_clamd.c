/* seccomp: the review room; the clamd role's profile: no files, and
 * socket calls pinned to the clamd socket the broker connected and to
 * the records socket (seccomp/clamd.profile is its printed text). */
#include <sys/socket.h>

#include "profiles.h"

/* The clamd role holds the fixed descriptors, the clamd socket and the
 * part in hand; a few spare for the kernel-internal ones glibc may keep. */
#define CLAMD_NOFILE	16

static const struct role_rlimit clamd_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, CLAMD_NOFILE, CLAMD_NOFILE,
	  "the fixed descriptors, the clamd socket and the part in hand", 0, 1 },
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

const struct role_profile sandbox_profile_clamd = {
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
};
