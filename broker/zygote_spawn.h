/* broker: starting, talking to and reaping a zygote, a role helper whose
 * settings say warm (docs/warm.md, "Zygotes and their children"): the
 * monitor's side (the listening socket, spawn, reap) and the front's
 * (READY and RETIRING read strictly, SERVE and RETIRE told); trusted. */
#ifndef QSCAN_ZYGOTE_SPAWN_H
#define QSCAN_ZYGOTE_SPAWN_H

#include <sys/types.h>

#include "cgroup.h"
#include "record.h"
#include "spawn.h"

struct zygote {
	enum role_id role;
	pid_t pid;
	int pidfd;
	int records_fd;		/* its fd 1: READY, RETIRING in; RETIRE out */
	int log_fd;		/* read end of its log pipe: drain it */
	struct role_cgroup cgroup;
};

enum zygote_status {
	ZYGOTE_READY = 1,	/* initialised; accepts once told SERVE */
	ZYGOTE_RETIRING = 2,	/* accepts no more; exits 0 when its
				 * children are done */
};

/* The listening SOCK_SEQPACKET socket of one role's zygotes at `path`
 * (a stale socket file there is replaced): bound, mode 0600, listening,
 * CLOEXEC.  Returns the descriptor, or -1 with *why. */
int zygote_listen_socket(const char *path, char **why);

/* Starts a zygote of spec->role with spawn_role: listen_fd becomes its
 * fd 0 (spec->message_fd is ignored), spec->settings must say warm
 * (role_settings_build with warm 1).  Returns 0 and fills *z, or -1
 * with *why and nothing left running. */
int zygote_spawn(const struct spawn_spec *spec, int listen_fd,
    struct zygote *z, char **why);

/* Waits for the zygote to end (kill it first to not wait), removes its
 * cgroup and closes its descriptors; *status (when not NULL) gets its
 * wait status as waitpid gives it. */
void zygote_reap(struct zygote *z, int *status);

/* Reads one message from the zygote's records_fd (blocking; poll it
 * first) and decodes it strictly: READY or RETIRING for its role.
 * Returns 0 with *st, or -1 with *why (end of file: the zygote died;
 * anything else: it lied, treat it as failed). */
int zygote_read_status(int records_fd, enum zygote_status *st, char **why);

/* Tells the zygote to retire (ZYG_RETIRE).  0, or -1 with errno. */
int zygote_tell_retire(int records_fd);

/* Tells the zygote to accept workers' connections (ZYG_SERVE): once its
 * canary passed.  0, or -1 with errno. */
int zygote_tell_serve(int records_fd);

#endif
