/* broker: becoming qscand and holding just enough privilege to give roles
 * a uid of their own (docs/architecture.md, "Privileges"); trusted. */
#ifndef QSCAN_PRIVS_H
#define QSCAN_PRIVS_H

#include <sys/types.h>
#include <glib.h>

enum privs_mode {
	/* Started as root, setuid root or with file capabilities: now qscand
	 * with CAP_SETUID and CAP_SETGID permitted, not effective. */
	PRIVS_ROLE_UIDS,
	/* Setuid qscand (Qmail-Scanner's way) or an ordinary user: roles
	 * share our uid outside their user namespace. */
	PRIVS_SHARED_UID,
};

struct privs {
	enum privs_mode mode;
	uid_t uid;		/* what we run as now */
	gid_t gid;
	char note[256];		/* what could not be done, for the log */
	/* Shared-uid mode, setuid: the caller's supplementary groups, which
	 * no CAP_SETGID lets us clear ("" when none), for the log. */
	char kept_groups[128];
};

/* Drops to `user` as described above.  Refuses (returns -1 with *why) to
 * go on as root or with any capability beyond CAP_SETUID/CAP_SETGID. */
int privs_drop(const char *user, struct privs *p, char **why);

/* In PRIVS_ROLE_UIDS mode, after privs_drop: becomes `user` instead (the
 * configuration, read after the first drop, names another broker user).
 * Nothing to do when we already are `user`, or in shared-uid mode. */
int privs_become(const char *user, struct privs *p, char **why);

/* First thing in main: every signal back to its default disposition and
 * unblocked.  A caller of a setuid program chooses both, and exec keeps
 * them: SIGCHLD ignored makes the kernel reap our children (waitid fails),
 * SIGALRM blocked disarms our deadline. */
void privs_reset_signals(void);

/* Raises / lowers CAP_SETUID and CAP_SETGID in the effective set
 * (PRIVS_ROLE_UIDS only).  Return 0 or -1. */
int privs_raise(void);
int privs_lower(void);

/* Looks up a role user; -1 when it does not exist. */
int privs_lookup_user(const char *name, uid_t *uid, gid_t *gid);

#endif
