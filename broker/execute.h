/* broker: carrying an outcome out (quarantine, reject text, qmail-queue);
 * where that fails, the outcome is re-derived by decide.c's rules
 * (outcome_downgrade), never patched here; trusted. */
#ifndef QSCAN_EXECUTE_H
#define QSCAN_EXECUTE_H

#include <stdint.h>
#include <sys/types.h>

#include "broker_env.h"
#include "config.h"
#include "decide.h"
#include "envelope.h"
#include "pipeline.h"
#include "spool.h"

/* What carrying out needs of the message and the process. */
struct execute_ctx {
	const struct qscan_config *cfg;
	const struct broker_env *be;
	const struct envelope *envl;
	const struct spool *sp;
	const struct scan *s;
	const char *message_id;
	uid_t invoking_uid;	/* for the trace header */
	uint64_t inherited_fifos; /* bit n: fd n came to us as a pipe */
	double start_ms;	/* now_ms() when the broker started */
	int hook_fd;		/* qscand's worker: the hook runs qmail-queue
				 * (queue_via_hook); -1: we run it */
	double queue_ms;	/* out: time spent in qmail-queue */
	char *quarantine_id;	/* out (caller frees): the entry's name */
	char *archived;		/* out (caller frees): the archive copy's */
	/* The copy with repeated MIME headers renamed, when made (fd -1
	 * otherwise; the caller closes it): sp then points here. */
	struct spool renamed;
};

/* Carries out o's steps in order; o's exit code, action and reason are
 * final afterwards. */
void execute(struct execute_ctx *x, struct outcome *o);

#endif
