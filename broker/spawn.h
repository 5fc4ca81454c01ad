/* broker: the spawner, the one place a role process comes to exist
 * (fork + exec, DESIGN 3); trusted. */
#ifndef QSCAN_SPAWN_H
#define QSCAN_SPAWN_H

#include <sys/types.h>
#include <linux/filter.h>

#include "privs.h"
#include "record.h"

struct spawn_spec {
	enum role_id role;
	const char *helper;		/* absolute path of the role helper */
	char *const *argv;		/* argv[0] included, NULL-terminated */
	int message_fd;			/* becomes fd 0; -1 gives /dev/null */
	int peer_fd;			/* becomes fd 3 (clamd's socket); -1: none */
	uid_t uid;			/* role uid and gid (PRIVS_ROLE_UIDS) */
	gid_t gid;
	const struct privs *privs;
	const struct sock_fprog *outer_filter;
};

struct role_proc {
	enum role_id role;
	pid_t pid;
	int pidfd;
	int records_fd;			/* our end of the SOCK_SEQPACKET pair */
	int log_fd;			/* read end of the role's log pipe */
	int namespaces;			/* CLONE_NEW* flags actually obtained */
};

/* Starts the role.  On failure returns -1 with *why, and nothing is left
 * running or open. */
int spawn_role(const struct spawn_spec *spec, struct role_proc *rp, char **why);

/* Logs once per process what the kernel refused (namespaces). */
const char *spawn_namespace_note(void);

#endif
