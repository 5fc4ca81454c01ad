/* broker: a cgroup of its own for every role process, beneath the one
 * qscan-setup delegated to the broker user: memory.max counts what
 * RLIMIT_AS does not (memfd and tmpfs pages), pids.max bounds tasks.
 * cgroup v2 when its memory controller is ours, else v1's memory and pids
 * hierarchies (hybrid hosts); trusted. */
#ifndef QSCAN_CGROUP_H
#define QSCAN_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "privs.h"
#include "record.h"

enum cgroup_kind {
	CGROUP_NONE = 0,	/* no limits (allow_no_cgroup) */
	CGROUP_V2,		/* unified hierarchy: clone3 CLONE_INTO_CGROUP */
	CGROUP_V1,		/* memory + pids hierarchies: pid written in */
};

#define CGROUP_PATH_MAX 512

struct role_cgroup {
	enum cgroup_kind kind;	/* CGROUP_NONE: none was made */
	int dir_fd;		/* v2: O_PATH of the role's cgroup, else -1 */
	uint64_t memory_max;
	char memory_dir[CGROUP_PATH_MAX];	/* v2: the role's cgroup */
	char pids_dir[CGROUP_PATH_MAX];		/* v1 only */
};

/* Once per process, after the privilege drop: finds the delegated cgroup
 * `path` (as it appears in /proc/self/cgroup, e.g. "/qscan") in a v2 or
 * v1 hierarchy and checks that we may make cgroups in it; on v2 moves the
 * broker beneath it (the kernel moves a process only between cgroups
 * whose common ancestor the mover may write).  Returns 0, or -1 with
 * *why; the kind in use is then CGROUP_NONE. */
int cgroup_setup(const char *path, const struct privs *p, char **why);

/* The same checks without joining or keeping anything, for `qscan
 * profiles`; cgroup_describe() then says what was found. */
int cgroup_probe(const char *path, char **why);

enum cgroup_kind cgroup_kind(void);

/* One line: what the probe found, for the log and `qscan profiles`. */
const char *cgroup_describe(void);

/* Makes the role's cgroup with its limits.  With no cgroup set up, rc
 * gets CGROUP_NONE and 0 is returned. */
int role_cgroup_create(struct role_cgroup *rc, enum role_id role,
    uint64_t memory_max, unsigned pids_max, char **why);

/* v1: moves `pid` (still our uid, waiting before exec) into the role's
 * cgroups.  v2 and none: nothing to do (clone3 put it there). */
int role_cgroup_attach(const struct role_cgroup *rc, pid_t pid, char **why);

/* Moves `pid`, a running process of any uid, into the role's cgroups:
 * cgroup.procs written (v2 and v1; none: nothing to do).  For a warm
 * child (broker/warm_child.c), which its zygote forked in its own
 * cgroup.  -1 with *why, and errno, when the kernel refuses. */
int role_cgroup_move(const struct role_cgroup *rc, pid_t pid, char **why);

/* How many times the kernel's OOM killer killed in the role's cgroup:
 * memory.events oom_kill (v2), memory.oom_control oom_kill (v1); -1 when
 * unknown.  *peak gets the highest usage seen, 0 when unknown. */
long role_cgroup_oom_kills(const struct role_cgroup *rc, uint64_t *peak);

/* A role killed by a SIGKILL we did not send: when the kernel's OOM
 * killer did it in the role's cgroup, writes that (limit, peak) into
 * detail and returns 1; else 0. */
int role_cgroup_explain_kill(const struct role_cgroup *rc, char *detail,
    size_t n);

/* After the role is reaped: removes its cgroups. */
void role_cgroup_remove(struct role_cgroup *rc);

#endif
