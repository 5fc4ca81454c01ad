/* broker: running one spawned role to its end: records in, log lines
 * relayed, deadline enforced, ending classified (docs/architecture.md,
 * "Role endings"); trusted. */
#ifndef QSCAN_ROLE_RUN_H
#define QSCAN_ROLE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "spawn.h"

enum role_ending {
	ROLE_NOT_RUN = 0,	/* never started (an earlier step failed) */
	ROLE_DONE,		/* exit 0 after a complete, valid record stream */
	ROLE_BAD_RECORDS,	/* refused or incomplete records */
	ROLE_EXITED,		/* exit status other than 0 */
	ROLE_VIOLATION,		/* SIGSYS: the sandbox stopped it */
	ROLE_CRASH,		/* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
	ROLE_ABORT,		/* SIGABRT, or exit ROLE_EXIT_ABORT: abort()
				 * after lockdown (a role is pid 1) */
	ROLE_LIMIT,		/* SIGXCPU, SIGXFSZ, SIGKILL we did not send */
	ROLE_TIMEOUT,		/* past its wall-clock limit; we killed it */
	ROLE_PEER_TIMEOUT,	/* exit ROLE_EXIT_PEER_TIMEOUT: its server was slow */
	ROLE_COMPROMISE,	/* any other ending */
	ROLE_SPAWN_FAILED,
	/* A warm child's zygote ended before it said how the child did
	 * (docs/warm.md): a failure of ours, never the message's. */
	ROLE_ZYGOTE_LOST,
};

/* Consumes one record and the descriptor on it (ownership passes; -1 when
 * none).  Returns 0, or -1 when refused, with the reason in *why (static
 * or owned by the consumer). */
typedef int (*record_consumer)(void *ctx, const uint8_t *buf, size_t len,
    int fd, const char **why);
/* 1 when the consumer saw a complete stream (REC_END). */
typedef int (*record_complete)(void *ctx);
/* Work for the role: fills w (rec_begin ...) and *fd (-1 when none; the
 * descriptor stays the producer's) and returns 1, or returns 0 when there
 * is nothing more to send. */
typedef int (*record_producer)(void *ctx, struct rec_writer *w, int *fd);

struct role_io {
	record_consumer consume;
	record_complete complete;
	record_producer produce;	/* NULL: the role gets no records */
	void *ctx;
};

struct role_outcome {
	enum role_ending ending;
	int code;		/* exit status or signal number */
	unsigned records;
	double ms;
	char detail[256];	/* what happened, for the log line */
};

/* Drives `rp` until it has ended and both channels are closed, or until
 * timeout_ms passed (then it is killed).  Always reaps and closes rp.
 * A warm child (rp->warm_fd >= 0) is killed by shutting its connection
 * down and its ending is what its zygote answers (ZYG_EXITED). */
void role_run(struct role_proc *rp, unsigned timeout_ms,
    const struct role_io *io, struct role_outcome *out);

const char *role_ending_name(enum role_ending e);

#endif
