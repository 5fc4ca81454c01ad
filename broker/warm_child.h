/* broker: a role for one message obtained from its zygote instead of
 * spawned (docs/warm.md, "Zygotes and their children"): the worker's
 * side of the zygote protocol, and the front's canary through a
 * zygote; trusted. */
#ifndef QSCAN_WARM_CHILD_H
#define QSCAN_WARM_CHILD_H

#include "record.h"
#include "spawn.h"

/* Connects to the zygote socket (waiting at most wait_ms for a zygote to
 * take the request: a retiring one closes it, and its successor takes
 * the next), asks for a child with the role ends of a new records socket
 * and log pipe, spec->message_fd and spec->peer_fd (when >= 0), moves
 * the child into a cgroup of its own, then sends spec->settings: the go.
 * spec->helper, argv, uid, privs and outer_filter are not used (the
 * zygote is all of that).  Fills *rp for role_run (rp->warm_fd the
 * connection); returns 0, or -1 with *why and nothing left open. */
int warm_start_role(const char *zygote_socket, const struct spawn_spec *spec,
    unsigned wait_ms, struct role_proc *rp, char **why);

/* Makes the kernel's refusal to move a child into its own cgroup (cgroup
 * v1), once a worker learnt it, known to every worker forked after this
 * call: the front calls it once, before it forks any. */
void warm_cgroup_share_refusal(void);

/* Asks the zygote whose fd 1 is records_fd (of `role`) for both canary
 * children, each on a connection passed to it there (ZYG_CANARY), so the
 * answer is that zygote's, whether or not it serves yet: the role's full
 * lockdown, then socket(AF_UNIX), and then tgkill at the zygote.
 * Returns 0 only when each died by SIGSYS, else -1 with *why.
 * timeout_ms bounds the whole of it. */
int zygote_canary(int records_fd, enum role_id role, unsigned timeout_ms,
    char **why);

#endif
