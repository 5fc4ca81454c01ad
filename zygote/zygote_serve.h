/* zygote: a role helper serving as a zygote (docs/warm.md, "Zygotes and
 * their children"): after the role's own initialisation it forks one
 * child per request on its listening socket (fd 0), and each child locks
 * itself down after the fork.  Runs in the role's process, untrusted
 * like the role; it never reads message bytes. */
#ifndef QSCAN_ZYGOTE_SERVE_H
#define QSCAN_ZYGOTE_SERVE_H

#include "record.h"
#include "role_settings.h"

struct zygote_role {
	enum role_id role;
	/* The zygote's settings, as role_read_settings decoded them: a
	 * child refuses any record that differs but for RS_WARM and
	 * RS_ZYGOTE_MAX_CHILDREN. */
	const struct role_settings *set;
	/* Or NULL.  Where a child puts its own settings once they passed
	 * that check: for a role with a setting of the message's own
	 * (spamd's RS_SPAMD_USER), which child_main then reads. */
	struct role_settings *child_set;
	/* The role's code for one message, in the child, after its
	 * descriptors are at ROLE_FD_*, its settings checked and its
	 * rlimits set; it locks down and works as an exec'd role does.
	 * `dir`: the child's own scratch directory (for a profile with a
	 * tmpfs_dir), else NULL.  Never returns. */
	void (*child_main)(const char *dir);
	/* Or NULL.  Run by the spare (a child forked ahead of its request)
	 * before it waits: the role's own warm-up sample again, so that
	 * the pages a message's work writes are the spare's own by the time
	 * a message comes, copied off the message's path.  It reads no
	 * message byte and may open no file. */
	void (*spare_prepare)(void);
};

/* Sends ZYG_READY on fd 1; serves the canary connections its starter
 * passes (ZYG_CANARY) at once, and accepts on fd 0 only after
 * ZYG_SERVE; serves until it retires (after set->zygote_max_children
 * children, after a child that crashed or aborted, or when told:
 * ZYG_RETIRE or end of file on fd 1), waits for its children and exits
 * 0. */
void zygote_serve(const struct zygote_role *z) __attribute__((noreturn));

#endif
