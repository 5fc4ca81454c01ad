/* broker: one message through the roles, facts in, verdict out; shared by
 * qmail-scanner-queue and `qscan check`; trusted.  Its steps are
 * step_canary.c, step_unpack.c, step_scanners.c and step_policy.c, in
 * that order; what they found is read through findings.c; what is done
 * about it is decide.c's. */
#ifndef QSCAN_PIPELINE_H
#define QSCAN_PIPELINE_H

#include "config.h"
#include "decide.h"
#include "envelope.h"
#include "policy.h"
#include "exitcodes.h"
#include "facts.h"
#include "privs.h"
#include "role_run.h"
#include "spool.h"

/* The service's roles (docs/warm.md): per role the socket of its
 * zygotes, NULL for a role spawned here as in the exec path, and how
 * long to wait for a zygote to take a request. */
struct warm_roles {
	const char *socket[ROLE_ID_MAX + 1];	/* by enum role_id */
	unsigned wait_ms;
};

struct scan {
	const struct qscan_config *cfg;
	/* NULL: the exec path (every role spawned, the canary first). */
	const struct warm_roles *warm;
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
	 * unchecked and unchecked_action is not pass: decide() then acts by
	 * unchecked_action, not limits_action. */
	int unchecked_decides;
	/* step_spam (docs/spam.md): spamd's fact, and what its score
	 * decided when the verdict is spam; the reject text. */
	struct spam_fact spam;
	enum spam_action spam_action;
	char spam_text[160];
	/* The policy's findings (matches, the decision) when it ran. */
	struct policy_result policy;
	int policy_ran;
	/* The hook's own messages (not qscan check's, nor a release's):
	 * each crash of a role counts against the content
	 * (crash_repeats.c). */
	int count_crashes;
	unsigned crash_count;		/* the most crashes of this content */
	char crash_hash[65];		/* its SHA-256, when counted */
};

/* Once per process, after privileges are dropped: what [sandbox]
 * requires of the kernel (allowed weaknesses go to `warn`), then
 * compiles the outer filter, checks Landlock, resolves role users,
 * compiles the policy.  -1 with *why: no sandbox (or no policy), no
 * service. */
int pipeline_setup(const struct qscan_config *cfg, const struct privs *privs,
    void (*warn)(const char *text), char **why);

/* Runs the canary (must die by SIGSYS; not with s->warm: the front
 * canaries each zygote instead), then the unpack role on the spool
 * file, the scanners and the policy, and sets verdict, failure and
 * reason.  Never queues anything. */
void pipeline_run(struct scan *s);

void pipeline_clear(struct scan *s);

/* The scan's part of the facts decide() reads. */
void pipeline_decide_facts(const struct scan *s, struct decide_facts *f);

/* What the steps found, each as one line (caller frees; "" when none). */

/* Every virus found, each name once: "clamav:Name,clamd:Name" with
 * with_engine, else "Name,Other". */
char *findings_virus_names(const struct scan *s, int with_engine);
/* Header lines the policy's tag rules add ("Name: value\n"...). */
char *findings_policy_tags(const struct scan *s);
/* The parts an engine left unchecked, at a limit of its own: "clamd
 * raw: 31457280 bytes over max-stream-bytes 26214400; clamav 1.2:
 * Heuristics.Limits.Exceeded.MaxFileSize". */
char *findings_unchecked_list(const struct scan *s);
/* "clamav: 1.4.6/27000. clamd: 1.0.7/27000." */
char *findings_engine_list(const struct scan *s);

#endif
