/* seccomp: the review room; the clamav role's profile: libclamav in
 * process, with a private scratch tmpfs that Landlock names, /etc hidden,
 * and the file calls its temporary files need (seccomp/clamav.profile is
 * its printed text). */
#include <fcntl.h>
#include <sys/socket.h>

#include "profiles.h"

/* The clamav role's descriptor ceiling: libclamav keeps a temporary file
 * open per nesting level it unpacks (archive member, decoded mail part,
 * normalised HTML) on top of the fixed descriptors and the part in hand. */
#define CLAMAV_NOFILE	64
/* The clamav role's scratch space: libclamav's temporary files for one
 * message, bounded by max-scan-bytes (default limits stay far below). */
#define CLAMAV_TMPFS_BYTES	(1 * GiB)

static const struct role_rlimit clamav_rlimits[] = {
	RLIMIT_CORE_0,
	{ RLIMIT_NOFILE, CLAMAV_NOFILE, CLAMAV_NOFILE,
	  "the fixed descriptors, the part in hand, and one libclamav "
	  "temporary file per nesting level it unpacks", 0, 1 },
	{ RLIMIT_AS, 4 * GiB, 4 * GiB,
	  "a real signature database needs about 1.2 GiB once compiled "
	  "(docs.clamav.net), and grows; plus parts mapped for scanning and "
	  "libclamav's unpack buffers", 0 },
	{ RLIMIT_CPU, 60, 61,
	  "loading a real database takes seconds to tens of seconds before "
	  "the first part; the soft limit's SIGXCPU is ignored (pid 1 of its "
	  "namespace, no handler), the hard limit's SIGKILL one second later "
	  "ends it, read as a limit", 0, 1 },
	{ RLIMIT_FSIZE, CLAMAV_TMPFS_BYTES, CLAMAV_TMPFS_BYTES,
	  "libclamav's temporary files in its scratch tmpfs; one cannot outgrow the "
	  "tmpfs that holds it", 0 },
	RLIMIT_MEMLOCK_0,
	RLIMIT_NPROC_0,
};

/* Measured with strace -f on the 44 clamav-testfiles, clean mail and the
 * copyright texts, after the role's warm-up scan: what libclamav does
 * after lockdown beyond the baseline.  Paths are confined by Landlock
 * (read/write beneath its scratch directory only), so openat and friends are real here,
 * not the baseline's soft EACCES. */
static const struct sandbox_rule clamav_rules[] = {
	{ "write", SANDBOX_ALLOW,
	  { ARG_RANGE(0, "fd", ROLE_FD_RECORDS, CLAMAV_NOFILE - 1) },
	  "log lines on fd 2 and libclamav's temporary files, whose "
	  "descriptors go up to RLIMIT_NOFILE; never fd 0" },
	{ "openat", SANDBOX_ALLOW, { { 0 } },
	  "libclamav's temporary files and directories; Landlock refuses "
	  "every path outside its scratch directory (EACCES), so a charset module nobody "
	  "pre-loaded still fails softly" },
	{ "newfstatat", SANDBOX_ALLOW, { { 0 } },
	  "glibc's fstat() (a descriptor, AT_EMPTY_PATH) on parts and "
	  "temporary files, and stat()/lstat() of absolute temporary paths "
	  "(AT_FDCWD: cli_rmdirs walks its directories with them and loops "
	  "if they fail).  Seccomp cannot read the path (an absolute one "
	  "ignores dirfd, AT_EMPTY_PATH a non-empty one) and Landlock does "
	  "not cover stat: the role sees an empty /etc (see hidden), and its "
	  "own uid keeps it out of qscand's 0700 spool" },
	{ "pread64", SANDBOX_ALLOW, { { 0 } },
	  "libclamav's fmap reads parts and temporary files by offset" },
	{ "lseek", SANDBOX_ALLOW, { { 0 } },
	  "rewinding temporary files before they are scanned" },
	{ "fcntl", SANDBOX_ALLOW, { ARG_EQ(1, "cmd", F_GETFL) },
	  "libclamav checks how a descriptor was opened before mapping it" },
	{ "mkdir", SANDBOX_ALLOW, { { 0 } },
	  "a temporary directory per unpacked container (OLE2, mail, HTML)" },
	{ "chmod", SANDBOX_EPERM, { { 0 } },
	  "soft: cli_rmdirs makes each temporary directory 0700 again "
	  "before removing it and ignores the result (it made them 0700); "
	  "Landlock has no right for mode changes, so none is allowed" },
	{ "unlink", SANDBOX_ALLOW, { { 0 } },
	  "removing temporary files after each scan" },
	{ "rmdir", SANDBOX_ALLOW, { { 0 } },
	  "removing temporary directories after each scan" },
	{ "getdents64", SANDBOX_ALLOW, { { 0 } },
	  "scanning and removing what a container left in its temporary "
	  "directory" },
	{ "recvmsg", SANDBOX_ALLOW,
	  { ARG_EQ(0, "fd", ROLE_FD_RECORDS),
	    ARG_EQ(2, "flags", MSG_CMSG_CLOEXEC) },
	  "REC_SCAN requests from the broker with the part's memfd "
	  "(role_recv); only on the records socket" },
};

const struct role_profile sandbox_profile_clamav = {
	.role = ROLE_CLAMAV,
	.name = "clamav",
	.user = "qscan-clamav",
	.clone_flags = ROLE_CLONE_FLAGS,
	.rlimits = clamav_rlimits,
	.n_rlimits = sizeof(clamav_rlimits) / sizeof(clamav_rlimits[0]),
	.landlock = LANDLOCK_PRIVATE_DIR,
	.fds = "0 /dev/null; 1 records (SOCK_SEQPACKET to the broker; "
	    "parts arrive on it as sealed memfds); 2 log pipe",
	/* libclamav's CL_ENGINE_TMPDIR: an empty tmpfs of its own,
	 * so temporary files of one message never meet another's,
	 * vanish with the role, and Landlock can name the one
	 * directory the role may touch after lockdown. */
	.tmpfs_dir = ROLE_SCRATCH_DIR,
	.tmpfs_bytes = CLAMAV_TMPFS_BYTES,
	/* stat() is open to it (above): /etc's secrets' metadata
	 * (/etc/shadow) stays out of sight.  Nothing there is needed
	 * after exec (ld.so finds the multiarch directories without
	 * ld.so.cache; measured with strace), and the database is
	 * loaded from its own directory. */
	.hidden_dir = "/etc",
	/* Its final filter allows real paths (openat, stat, mkdir,
	 * unlink) that Landlock alone confines: sharing qscand's uid
	 * outside its namespace, what it may touch is the spool. */
	.own_uid_why = "its filter lets it stat any path (Landlock "
	    "does not cover stat): with qscand's uid it could stat "
	    "inside qscand's 0700 spool",
	.rules = clamav_rules,
	.n_rules = sizeof(clamav_rules) / sizeof(clamav_rules[0]),
};
