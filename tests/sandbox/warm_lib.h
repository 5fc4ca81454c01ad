/* tests: starting a zygote as the service does (docs/warm.md): its
 * listening socket, zygote_spawn, READY; and its log, its status, its
 * end.  One place for every test that needs a zygote (test-warm, the
 * death tests' warm column), so that a change in how a zygote comes up
 * is made once. */
#ifndef QSCAN_TEST_WARM_LIB_H
#define QSCAN_TEST_WARM_LIB_H

#include <glib.h>

#include "spawn.h"
#include "zygote_spawn.h"

struct warm_zygote {
	struct zygote z;
	int listen_fd;
	char path[256];		/* its listening socket */
	GString *log;		/* what it logged, as it came */
};

/* The listening socket at `path` (replaced when stale), the zygote of
 * spec->role spawned on it (spec->settings: a warm role's, from
 * role_settings_build with warm 1), its READY awaited for at most
 * ready_ms.  0, or -1 with *why (and what was started is gone). */
int warm_zygote_start(struct warm_zygote *y, const struct spawn_spec *spec,
    const char *path, unsigned ready_ms, char **why);

/* Waits at most wait_ms for one READY or RETIRING; 0 with *st. */
int warm_zygote_status(struct warm_zygote *y, enum zygote_status *st,
    unsigned wait_ms, char **why);

/* What the zygote logged so far, kept in y->log and printed as TAP
 * comments ("# zygote: ..."). */
void warm_zygote_drain_log(struct warm_zygote *y);

/* 1 when the zygote has not ended. */
int warm_zygote_alive(const struct warm_zygote *y);

/* Reaps the zygote (killed first when it does not end within wait_ms:
 * its status then says SIGKILL), removes its socket; its wait status. */
int warm_zygote_end(struct warm_zygote *y, unsigned wait_ms);

#endif
