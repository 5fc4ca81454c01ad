/* broker: one message through the roles, facts in, verdict out; shared by
 * qmail-scanner-queue and `qscan check`; trusted. */
#ifndef QSCAN_SCAN_H
#define QSCAN_SCAN_H

#include "config.h"
#include "envelope.h"
#include "policy.h"
#include "exitcodes.h"
#include "facts.h"
#include "privs.h"
#include "role_run.h"
#include "spool.h"

enum verdict {
	VERDICT_CLEAN,
	VERDICT_VIRUS,
	VERDICT_POLICY,
	VERDICT_SPAM,
	VERDICT_LIMITS,
	VERDICT_TEMPFAIL,
};

struct scan {
	const struct qscan_config *cfg;
	const struct privs *privs;
	const char *message_id;
	/* What the policy may match besides the content; NULL/"" in qscan
	 * check, which has no envelope. */
	const struct envelope *envl;
	const char *remote_ip;
	int relay;
	struct spool *spool;
	struct message_facts facts;
	enum verdict verdict;
	enum qscan_failure failure;	/* set when verdict is tempfail */
	char reason[320];		/* one line: why this verdict */
	struct role_outcome canary, unpack;
	/* AV, in the configured order; n_scanners of them ran. */
	struct scanner_result scanners[SCANNERS_MAX];
	struct role_outcome scanner_outcome[SCANNERS_MAX];
	unsigned n_scanners;
	/* Set when a scanner failed and scan_failure_action passed the
	 * message anyway: for the X-...-Not-Scanned header. */
	char not_scanned[320];
	/* 1 when the verdict is "limits" because an engine left a part
	 * unchecked and unchecked_action is not pass: scan_decide then
	 * acts by unchecked_action, not limits_action. */
	int unchecked_decides;
	/* The policy's findings (matches, the decision) when it ran. */
	struct policy_result policy;
	int policy_ran;
};

/* Once per process, after privileges are dropped: compiles the outer
 * filter, checks Landlock, resolves role users, compiles the policy.  -1
 * with *why: no sandbox (or no policy), no service. */
int scan_setup(const struct qscan_config *cfg, const struct privs *privs,
    char **why);

/* Runs the canary (must die by SIGSYS), then the unpack role on the spool
 * file, and sets verdict, failure and reason.  Never queues anything. */
void scan_run(struct scan *s);

void scan_clear(struct scan *s);

const char *verdict_name(enum verdict v);

/* Every virus found, each name once: "clamav:Name,clamd:Name" with
 * with_engine, else "Name,Other"; "" when none (caller frees). */
char *scan_virus_names(const struct scan *s, int with_engine);
/* Header lines the policy's tag rules add ("Name: value\n"...), or ""
 * (caller frees). */
char *scan_policy_tags(const struct scan *s);

/* The parts an engine left unchecked, at a limit of its own: "clamd
 * raw: 31457280 bytes over max-stream-bytes 26214400; clamav 1.2:
 * Heuristics.Limits.Exceeded.MaxFileSize", or "" (caller frees). */
char *scan_unchecked_list(const struct scan *s);

/* "clamav: 1.4.6/27000. clamd: 1.0.7/27000." (caller frees). */
char *scan_engine_list(const struct scan *s);

/* What the broker does with a verdict. */
struct decision {
	const char *action;	/* queue, reject, tempfail, quarantine, drop */
	int exit_code;		/* when not queued */
	int queue;		/* 1: hand to qmail-queue */
	const char *quarantine;	/* folder under quarantine/, or NULL */
	int reject_text;	/* 1: exit 82 with text on reject_text_fd */
	const char *text;	/* that text (a policy rule's), or NULL */
};
void scan_decide(const struct scan *s, struct decision *d);

#endif
