/* tests: setting a test program up as the broker is before it spawns a
 * role: qscand with CAP_SETUID/CAP_SETGID, the role users looked up, the
 * outer filter compiled once.  Shared by the death and settings tests. */
#ifndef QSCAN_TEST_AS_BROKER_H
#define QSCAN_TEST_AS_BROKER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
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

/* A role_io that takes whatever the role sends (descriptors closed):
 * for cases about how a role ends, not what it says. */
int as_broker_any_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why);
int as_broker_any_complete(void *ctx);
#define AS_BROKER_ANY_IO \
	{ as_broker_any_consume, as_broker_any_complete, NULL, NULL }

#endif
