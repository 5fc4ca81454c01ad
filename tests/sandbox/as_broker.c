/* tests: the broker's state before a spawn (as_broker.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "as_broker.h"
#include "spawn.h"

#define BROKER_USER	"qscand"

int
as_broker_setup(struct as_broker *b)
{
	char *why = NULL;

	memset(b, 0, sizeof(*b));
	if (privs_drop(BROKER_USER, &b->privs, &why) != 0) {
		printf("Bail out! privs_drop: %s\n", why);
		return -1;
	}
	if (b->privs.mode != PRIVS_ROLE_UIDS) {
		printf("Bail out! roles would share our uid\n");
		return -1;
	}
	if (sandbox_outer_filter_compile(&b->outer) < 0) {
		printf("Bail out! cannot compile the outer filter\n");
		return -1;
	}
	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile((enum role_id)r);

		if (p != NULL && privs_lookup_user(p->user, &b->uid[r],
		    &b->gid[r]) != 0) {
			printf("Bail out! role user %s is missing\n", p->user);
			return -1;
		}
	}
	return 0;
}

int
as_broker_any_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	(void)ctx; (void)buf; (void)len; (void)why;
	if (fd >= 0)
		close(fd);
	return 0;
}

int
as_broker_any_complete(void *ctx)
{
	(void)ctx;
	return 1;
}
