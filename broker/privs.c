/* broker: privilege drop with libcap-ng; trusted, runs first in main. */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privs.h"

int
privs_lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
privs_set_setid_effective(int on)
{
	capng_get_caps_process();
	if (capng_updatev(on ? CAPNG_ADD : CAPNG_DROP, CAPNG_EFFECTIVE,
	    CAP_SETUID, CAP_SETGID, -1) != 0)
		return -1;
	return capng_apply(CAPNG_SELECT_CAPS);
}

int
privs_raise(void)
{
	return privs_set_setid_effective(1);
}

int
privs_lower(void)
{
	return privs_set_setid_effective(0);
}

/* Only CAP_SETUID and CAP_SETGID may remain, and only as permitted. */
static int
privs_verify(char **why)
{
	capng_get_caps_process();
	for (unsigned cap = 0; cap <= CAP_LAST_CAP; cap++) {
		int permitted = capng_have_capability(CAPNG_PERMITTED, cap);
		int effective = capng_have_capability(CAPNG_EFFECTIVE, cap);

		if (effective || (permitted && cap != CAP_SETUID &&
		    cap != CAP_SETGID)) {
			*why = g_strdup_printf("still holds capability %s",
			    capng_capability_to_name(cap));
			return -1;
		}
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0) {
		*why = g_strdup("refusing to work as root");
		return -1;
	}
	return 0;
}

void
privs_reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);	/* EINVAL for the few libc keeps */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Becomes uid/gid with no supplementary group, keeping CAP_SETUID and
 * CAP_SETGID permitted (not effective).  The bounding set needs
 * CAP_SETPCAP, which file capabilities do not give; setuid root does. */
static int
privs_change_id(uid_t uid, gid_t gid, int setpcap, const char *user,
    char **why)
{
	/* capng_change_id keeps only what is effective too. */
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_SETUID, CAP_SETGID, -1);
	if (capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP |
	    (setpcap ? CAPNG_CLEAR_BOUNDING : 0)) != 0) {
		*why = g_strdup_printf("cannot become %s", user);
		return -1;
	}
	if (privs_lower() != 0) {
		*why = g_strdup("cannot lower capabilities");
		return -1;
	}
	return 0;
}

/* The supplementary groups we still hold besides our gid, "1,2,3". */
static void
privs_note_groups(struct privs *p, gid_t gid)
{
	gid_t groups[64];
	int n = getgroups((int)G_N_ELEMENTS(groups), groups);
	size_t used = 0;

	p->kept_groups[0] = '\0';
	if (n < 0) {
		snprintf(p->kept_groups, sizeof(p->kept_groups), "(more than "
		    "%zu)", G_N_ELEMENTS(groups));
		return;
	}
	for (int i = 0; i < n && used + 12 < sizeof(p->kept_groups); i++)
		if (groups[i] != gid)
			used += (size_t)snprintf(p->kept_groups + used,
			    sizeof(p->kept_groups) - used, "%s%u",
			    used ? "," : "", (unsigned)groups[i]);
}

int
privs_drop(const char *user, struct privs *p, char **why)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, egid = getegid();

	memset(p, 0, sizeof(*p));
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) &&
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETGID)) {
		int setpcap = capng_have_capability(CAPNG_PERMITTED,
		    CAP_SETPCAP);

		if (privs_lookup_user(user, &uid, &gid) != 0) {
			*why = g_strdup_printf("user %s does not exist "
			    "(run qscan-setup)", user);
			return -1;
		}
		if (privs_change_id(uid, gid, setpcap, user, why) != 0)
			return -1;
		p->mode = PRIVS_ROLE_UIDS;
	} else {
		/* No way to give roles their own uid: say so, go on. */
		struct passwd *pw;
		int setuid_run;

		getresuid(&ruid, &euid, &suid);
		if (euid == 0) {
			*why = g_strdup("root without CAP_SETUID: refusing");
			return -1;
		}
		/* Setuid to someone else: the gid must be that user's too
		 * (installed setgid as well), or the caller's would stay. */
		setuid_run = ruid != euid;
		pw = setuid_run ? getpwuid(euid) : NULL;
		if (setuid_run && (pw == NULL || pw->pw_gid != egid)) {
			*why = g_strdup_printf("installed setuid uid %u but not "
			    "setgid to its group: the caller's gid %u would "
			    "stay (qscan-setup --setuid-qscand installs both)",
			    (unsigned)euid, (unsigned)egid);
			return -1;
		}
		if (setresgid(egid, egid, egid) != 0 ||
		    setresuid(euid, euid, euid) != 0) {
			*why = g_strdup_printf("cannot fix uids: %s",
			    strerror(errno));
			return -1;
		}
		p->mode = PRIVS_SHARED_UID;
		snprintf(p->note, sizeof(p->note), "no CAP_SETUID/CAP_SETGID "
		    "(installed setuid %s, not root): roles share uid %u "
		    "outside their user namespace", user, (unsigned)euid);
		/* Only CAP_SETGID clears them: the caller's stay, logged. */
		if (setuid_run)
			privs_note_groups(p, egid);
	}
	if (prctl(PR_SET_DUMPABLE, 0) != 0 || privs_verify(why) != 0) {
		if (*why == NULL)
			*why = g_strdup("cannot clear dumpable");
		return -1;
	}
	p->uid = geteuid();
	p->gid = getegid();
	return 0;
}

int
privs_become(const char *user, struct privs *p, char **why)
{
	uid_t uid;
	gid_t gid;

	if (p->mode != PRIVS_ROLE_UIDS)
		return 0;
	if (privs_lookup_user(user, &uid, &gid) != 0) {
		*why = g_strdup_printf("user %s does not exist (run qscan-setup)",
		    user);
		return -1;
	}
	if (uid == p->uid && gid == p->gid)
		return 0;
	if (uid == 0 || gid == 0) {
		*why = g_strdup("refusing to work as root");
		return -1;
	}
	if (privs_raise() != 0) {
		*why = g_strdup("cannot raise CAP_SETUID/CAP_SETGID");
		return -1;
	}
	/* A uid change may make us dumpable again (fs.suid_dumpable). */
	if (privs_change_id(uid, gid, 0, user, why) != 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0) != 0) {
		*why = g_strdup("cannot clear dumpable");
		return -1;
	}
	if (privs_verify(why) != 0)
		return -1;
	p->uid = geteuid();
	p->gid = getegid();
	return 0;
}
