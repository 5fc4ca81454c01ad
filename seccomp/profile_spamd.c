/* seccomp: the review room; the spamd role's profile: no files, and
 * socket calls pinned to the spamd socket the broker connected and to
 * the records socket (seccomp/spamd.profile is its printed text). */
#include <sys/socket.h>

#include "profiles.h"

/* The fixed descriptors, the spamd socket and the message in hand; a
 * few spare for the kernel-internal ones glibc may keep. */
#define SPAMD_NOFILE	16

static const struct role_rlimit spamd_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, SPAMD_NOFILE, SPAMD_NOFILE,
	  "the fixed descriptors, the spamd socket and the message in hand",
	  0, 1 },
	{ RLIMIT_AS, 256 * MiB, 256 * MiB,
	  "records, one 64 KiB send buffer and one 64 KiB reply; the "
	  "message is read by offset and sent, never parsed here", 0 },
	RLIMIT_CPU_ROLE,
	{ RLIMIT_FSIZE, 0, 0,
	  "writes no file: only the request on the socket and records", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* The spamd role reads the raw message, sends it to spamd and reads the
 * reply; every socket call is pinned to the socket the broker connected
 * (fd 3) or the records socket (fd 1). */
static const struct sandbox_rule spamd_rules[] = {
	{ "write", SANDBOX_ALLOW, { ARG_EQ(0, "fd", ROLE_FD_LOG) },
	  "log lines on fd 2 only: spamd gets send(), and the role creates "
	  "no files" },
	{ "recvfrom", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER), ARG_EQ(3, "flags", MSG_DONTWAIT) },
	  "spamd's reply (recv() with MSG_DONTWAIT after poll): only fd 3" },
	{ "sendto", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_PEER),
	    ARG_EQ(3, "flags", MSG_DONTWAIT | MSG_NOSIGNAL),
	    ARG_EQ(4, "dest_addr", 0) },
	  "the SYMBOLS request and the message (send()): only fd 3, never "
	  "blocking, never SIGPIPE, no address" },
	{ "recvmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_CMSG_CLOEXEC) },
	  "REC_SCAN from the broker with the spool file (role_recv); only "
	  "on the records socket" },
	{ "poll", SANDBOX_ALLOW, { ARG_EQ(1, "nfds", 1) },
	  "waiting for spamd (fd 3) with the read timeout: one descriptor" },
	{ "pread64", SANDBOX_ALLOW,
	  { ARG_RANGE(0, "fd", ROLE_FD_PEER + 1, SPAMD_NOFILE - 1) },
	  "reads the message by offset; never the fixed fds" },
};

const struct role_profile sandbox_profile_spamd = {
	.role = ROLE_SPAMD,
	.name = "spamd",
	.user = "qscan-spamd",
	.clone_flags = ROLE_CLONE_FLAGS,
	.rlimits = spamd_rlimits,
	.n_rlimits = sizeof(spamd_rlimits) / sizeof(spamd_rlimits[0]),
	.landlock = LANDLOCK_NO_FILES,
	.fds = "0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; "
	    "the spool file arrives on it); 2 log pipe; 3 the spamd socket "
	    "the broker connected (unix or TCP)",
	.rules = spamd_rules,
	.n_rules = sizeof(spamd_rules) / sizeof(spamd_rules[0]),
};
