/* broker: privilege drop with libcap-ng; trusted, runs first in main. */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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

int
privs_drop(const char *user, struct privs *p, char **why)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid;
	int setpcap;

	memset(p, 0, sizeof(*p));
	capng_get_caps_process();
	setpcap = capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP);
	if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) &&
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETGID)) {
		if (privs_lookup_user(user, &uid, &gid) != 0) {
			*why = g_strdup_printf("user %s does not exist "
			    "(run qscan-setup)", user);
			return -1;
		}
		/* capng_change_id keeps only what is effective too. */
		capng_clear(CAPNG_SELECT_BOTH);
		capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    CAP_SETUID, CAP_SETGID, -1);
		/* The bounding set needs CAP_SETPCAP, which file
		 * capabilities do not give; setuid root does. */
		if (capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP |
		    (setpcap ? CAPNG_CLEAR_BOUNDING : 0)) != 0) {
			*why = g_strdup_printf("cannot become %s", user);
			return -1;
		}
		if (privs_lower() != 0) {
			*why = g_strdup("cannot lower capabilities");
			return -1;
		}
		p->mode = PRIVS_ROLE_UIDS;
	} else {
		/* No way to give roles their own uid: say so, go on. */
		getresuid(&ruid, &euid, &suid);
		if (euid == 0) {
			*why = g_strdup("root without CAP_SETUID: refusing");
			return -1;
		}
		if (setresgid(getegid(), getegid(), getegid()) != 0 ||
		    setresuid(euid, euid, euid) != 0) {
			*why = g_strdup_printf("cannot fix uids: %s",
			    strerror(errno));
			return -1;
		}
		p->mode = PRIVS_SHARED_UID;
		snprintf(p->note, sizeof(p->note), "no CAP_SETUID/CAP_SETGID "
		    "(installed setuid %s, not root): roles share uid %u "
		    "outside their user namespace", user, (unsigned)euid);
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
