/* broker: the ladder one message climbs (receive, scan, decide, carry
 * out, summary), shared by the exec path (qmail-scanner-queue, main.c)
 * and qscand's workers (qscand_worker.c); trusted. */
#ifndef QSCAN_LADDER_H
#define QSCAN_LADDER_H

#include <stdint.h>
#include <sys/types.h>

#include "broker_env.h"
#include "config.h"
#include "decide.h"
#include "envelope.h"
#include "pipeline.h"
#include "privs.h"
#include "spool.h"

struct stage_times {
	double start, setup, spool, canary, unpack, av, queue;
};

/* One message's broker: what it was given, what it found. */
struct broker {
	struct qscan_config cfg;
	struct broker_env be;
	struct privs privs;
	struct envelope envl;
	struct spool sp;
	struct scan s;
	struct decide_facts facts;
	struct stage_times t;
	uid_t invoking_uid;	/* who ran us (qmaild), before the drop */
	/* Which descriptors came to us as pipes (bit n: fd n), looked at
	 * before we open anything: the reject text goes only to one of
	 * those, never to a file of ours that happens to have that number. */
	uint64_t inherited_fifos;
	/* A worker of qscand: the hook's connection, which runs qmail-queue
	 * for us (queue_via_hook); -1 on the exec path. */
	int hook_fd;
	/* A worker: pipeline_setup ran once in the monitor before the fork. */
	int setup_done;
	char message_id[64];
	/* What execute() kept (owned): the quarantine entry's name, the
	 * archive copy's; NULL when none. */
	char *quarantine_id, *archived;
};

/* Clears b, starts its clock, names its message. */
void broker_init(struct broker *b);

/* The descriptors 3..63 that are pipes now (bit n: fd n). */
uint64_t broker_inherited_fifos(void);

/* Receive (fd 0, then fd 1), scan, decide, carry out, the summary line;
 * returns the exit code for qmail-smtpd. */
int broker_ladder(struct broker *b);

void broker_clear(struct broker *b);

#endif
