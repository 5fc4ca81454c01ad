/* tests: setting a test program up as the broker is before it spawns a
 * role: qscand with CAP_SETUID/CAP_SETGID, the role users looked up, the
 * outer filter compiled once.  Shared by the death and settings tests. */
#ifndef QSCAN_TEST_AS_BROKER_H
#define QSCAN_TEST_AS_BROKER_H

#include <linux/filter.h>
#include <sys/types.h>

#include "privs.h"
#include "sandbox.h"

struct as_broker {
	struct privs privs;
	struct sock_fprog outer;
	uid_t uid[ROLE_ID_MAX + 1];
	gid_t gid[ROLE_ID_MAX + 1];
};

/* 0, or -1 after a TAP "Bail out!" line saying what is missing. */
int as_broker_setup(struct as_broker *b);

#endif
