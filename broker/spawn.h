/* broker: the spawner, the one place a role process comes to exist
 * (fork + exec, docs/architecture.md, "Spawning a role"); trusted. */
#ifndef QSCAN_SPAWN_H
#define QSCAN_SPAWN_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <glib.h>

#include "cgroup.h"
#include "privs.h"
#include "record.h"

struct spawn_spec {
	enum role_id role;
	const char *helper;		/* absolute path of the role helper */
	char *const *argv;		/* argv[0] included, NULL-terminated */
	int message_fd;			/* becomes fd 0; -1 gives /dev/null */
	int peer_fd;			/* becomes fd 3 (clamd's socket); -1: none */
	/* The role's REC_SETTINGS, finished (role_settings_encode), written
	 * into its record socket before it runs: the first record it reads.
	 * NULL: none (the canary takes no settings). */
	const struct rec_writer *settings;
	uid_t uid;			/* role uid and gid (PRIVS_ROLE_UIDS) */
	gid_t gid;
	const struct privs *privs;
	const struct sock_fprog *outer_filter;
	/* 1: the role starts as a zygote (docs/warm.md; broker/
	 * zygote_spawn.c): the profile's per-message rlimits are left to
	 * its children. */
	int zygote;
};

struct role_proc {
	enum role_id role;
	pid_t pid;
	int pidfd;
	int records_fd;			/* our end of the SOCK_SEQPACKET pair */
	int log_fd;			/* read end of the role's log pipe */
	int namespaces;			/* CLONE_NEW* flags actually obtained */
	struct role_cgroup cgroup;	/* removed by role_run once reaped */
	/* A warm child (broker/warm_child.c): the connection to its zygote,
	 * on which the zygote answers ZYG_EXITED and shutting down kills
	 * the child; -1 for a role spawned here (pidfd is then ours to
	 * wait on and signal). */
	int warm_fd;
};

/* What the sandbox must have, from the configuration's [sandbox]. */
struct spawn_settings {
	const char *cgroup;		/* the delegated cgroup's path */
	int allow_no_cgroup;		/* run without memory/pids limits */
	int allow_weaker_sandbox;	/* roles without namespaces */
	uint64_t memory_bytes[ROLE_ID_MAX + 1];	/* by enum role_id */
	unsigned pids_max;
};

struct qscan_config;

/* The settings from the configuration's [sandbox] group. */
void spawn_settings_from(const struct qscan_config *cfg,
    struct spawn_settings *out);

/* Landlock's signal scope (ABI 6) keeps a role's permitted
 * tgkill(SIGABRT) inside its domain.  The final filter already does (its
 * tgkill names only the role's own pid), and so does the pid namespace
 * (the role can name no other process): the scope is one more wall, and
 * Debian 12's own kernel (6.1, ABI 2) runs without it. */
#define SPAWN_LANDLOCK_SIGNAL_ABI 6

/* Once per process, after privileges are final: checks the kernel gives
 * what the settings require (Landlock ABI, a delegated cgroup) and keeps
 * the settings for spawn_role.  What is missing but allowed is appended
 * to `warnings` for the log; what is missing and not allowed returns -1
 * with *why: no service. */
int spawn_setup(const struct spawn_settings *set, const struct privs *p,
    GPtrArray *warnings, char **why);

/* Probes whether the kernel lets us make the namespaces `flags` names
 * (a child that exits at once): 0, or the errno clone3 gave. */
int spawn_probe_namespaces(int flags);

/* Starts the role.  On failure returns -1 with *why, and nothing is left
 * running or open. */
int spawn_role(const struct spawn_spec *spec, struct role_proc *rp, char **why);

/* A warm child's cgroup of its own (broker/warm_child.c), with the
 * memory and pids limits spawn_role gives `role`; see
 * role_cgroup_create. */
int spawn_role_cgroup(enum role_id role, struct role_cgroup *cg, char **why);

/* What the kernel refused (namespaces) and allow_weaker_sandbox let
 * pass, once per process, for the log; NULL when nothing. */
const char *spawn_namespace_note(void);

#endif
