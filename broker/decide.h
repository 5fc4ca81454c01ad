/* broker: the one decision, from the facts of a message to its outcome
 * (verdict, what to carry out, exit code, reason); pure, no I/O, trusted.
 * execute.c carries the outcome out; when that fails it asks
 * outcome_downgrade() here, so every received message's exit code is
 * chosen in this file (startup failures, the alarm and out of memory end
 * on their own: docs/architecture.md, "Exit codes"). */
#ifndef QSCAN_DECIDE_H
#define QSCAN_DECIDE_H

#include "config.h"
#include "envelope.h"
#include "exitcodes.h"
#include "policy.h"
#include "spool.h"

enum verdict {
	VERDICT_CLEAN,
	VERDICT_VIRUS,
	VERDICT_POLICY,
	VERDICT_SPAM,
	VERDICT_LIMITS,
	VERDICT_TEMPFAIL,
	/* It crashed a role [limits] crash_repeats times: kept in
	 * quarantine/crashes/, refused or accepted by crash_repeats_action. */
	VERDICT_UNSCANNABLE,
};

const char *verdict_name(enum verdict v);

/* What a spam verdict does (docs/spam.md); tag never makes one. */
enum spam_action {
	SPAM_ACTION_TAG = 0,
	SPAM_ACTION_QUARANTINE,		/* quarantine/spam/ */
	SPAM_ACTION_DELETE,		/* accepted and discarded, logged */
	SPAM_ACTION_REJECT,		/* 31, or 82 with the text */
};

/* What is known about a message when it is decided.  The stages run in
 * this order and a failed one leaves the later ones unset: spool, then
 * envelope, then the sandbox setup, then the scan. */
struct decide_facts {
	enum spool_result spool;
	enum envelope_result envelope;	/* when spool is OK or OVERSIZE */
	const char *setup_error;	/* the sandbox could not be set up */
	/* The scan's result (struct scan, pipeline_decide_facts()). */
	enum verdict verdict;
	enum qscan_failure failure;	/* when verdict is tempfail */
	int unchecked_decides;		/* limits by unchecked_action */
	enum policy_action policy_action; /* when verdict is policy */
	const char *policy_text;	/* the deciding rule's reject text */
	const char *reason;		/* the scan's one line */
	enum spam_action spam_action;	/* when verdict is spam */
	const char *spam_text;		/* its reject text */
};

/* What the broker does, in order; the list has room for what comes
 * next (archive a copy, notify, tag headers). */
enum outcome_step {
	STEP_QUARANTINE,	/* arg: folder under quarantine/ */
	STEP_REJECT_TEXT,	/* arg: the rule's text; NULL: virus names */
	STEP_QUEUE,		/* hand to qmail-queue */
};

#define OUTCOME_STEPS_MAX 4

struct outcome {
	const char *verdict;	/* summary verdict=: a verdict_name(), or
				 * "reject"/"tempfail" before any scan */
	const char *action;	/* summary action=: queue, queue-failed,
				 * reject, tempfail, quarantine, drop */
	struct {
		enum outcome_step step;
		const char *arg;
	} steps[OUTCOME_STEPS_MAX];
	unsigned n_steps;
	int exit_code;		/* what we exit with (a queued message:
				 * qmail-queue's code, set by execute) */
	char *reason;		/* summary reason= (owned) */
};

/* The one mapping from facts and configuration to an outcome. */
void decide(const struct qscan_config *cfg, const struct decide_facts *f,
    struct outcome *o);

/* Why carrying out an outcome failed. */
enum carry_failure {
	CARRY_QUARANTINE_WRITE,	/* not safely kept: the client must */
	CARRY_NO_REJECT_PIPE,	/* reject_text_fd no pipe: plain reject */
	CARRY_QUEUE_IS_SELF,	/* qmail_queue names us: a loop */
	CARRY_REWRITE_WRITE,	/* the renamed copy could not be written */
	CARRY_ARCHIVE_WRITE,	/* no archive copy (archive_failure_action
				 * tempfail): not delivered, the client
				 * keeps it */
};

/* The outcome re-derived after a failure to carry it out: the steps
 * left are dropped when the message can no longer be accepted.  `why`
 * (may be NULL) becomes the reason when it changes. */
void outcome_downgrade(struct outcome *o, enum carry_failure f,
    const char *why);

/* After qmail-queue ran: its exit code is ours. */
void outcome_queued(struct outcome *o, int qmail_queue_code);
/* qmail-queue could not be run, or did not take the whole message. */
void outcome_not_queued(struct outcome *o, enum qscan_failure f);

int outcome_has(const struct outcome *o, enum outcome_step step,
    const char **arg);

void outcome_clear(struct outcome *o);

#endif
