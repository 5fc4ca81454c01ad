/* broker: facts to outcome, and the outcome again when carrying it out
 * failed; pure, trusted.  A failure of ours is temporary
 * (docs/architecture.md, "Nothing lost"). */
#include <string.h>

#include "decide.h"

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_CLEAN:	return "clean";
	case VERDICT_VIRUS:	return "virus";
	case VERDICT_POLICY:	return "policy";
	case VERDICT_SPAM:	return "spam";
	case VERDICT_LIMITS:	return "limits";
	case VERDICT_TEMPFAIL:	return "tempfail";
	case VERDICT_UNSCANNABLE: return "unscannable";
	default:		return "unknown";
	}
}

static void
add_step(struct outcome *o, enum outcome_step step, const char *arg)
{
	g_assert(o->n_steps < OUTCOME_STEPS_MAX);
	o->steps[o->n_steps].step = step;
	o->steps[o->n_steps].arg = arg;
	o->n_steps++;
}

static void
set_reason(struct outcome *o, const char *reason)
{
	g_free(o->reason);
	o->reason = g_strdup(reason ? reason : "");
}

/* Exit code and action for a code alone: 0 is taken, permanent codes
 * reject, the rest tempfail. */
static void
answer(struct outcome *o, int code)
{
	o->exit_code = code;
	o->action = code == QQ_OK ? "queue" : qq_is_permanent(code) ?
	    "reject" : "tempfail";
}

static void
queue(struct outcome *o)
{
	o->action = "queue";
	add_step(o, STEP_QUEUE, NULL);
}

/* limits, spam: by a reject/tempfail/pass setting. */
static void
by_over_limit_action(struct outcome *o, enum over_limit_action a)
{
	switch (a) {
	case ACTION_PASS:
		queue(o);
		break;
	case ACTION_TEMPFAIL:
		answer(o, QQ_TEMP_REFUSED);
		break;
	case ACTION_REJECT:
	default:
		answer(o, QQ_PERM_REFUSED);
		break;
	}
}

/* A reject with text is exit 82 and the text on reject_text_fd; without
 * the fd configured, the plain 554 (31). */
static void
reject(const struct qscan_config *cfg, struct outcome *o, int with_text,
    const char *text)
{
	answer(o, QQ_PERM_REFUSED);
	if (with_text && cfg->reject_text_fd != 0) {
		o->exit_code = QQ_CUSTOM_TEXT;
		add_step(o, STEP_REJECT_TEXT, text);
	}
}

static void
quarantine(struct outcome *o, const char *folder)
{
	o->action = "quarantine";
	add_step(o, STEP_QUARANTINE, folder);
}

static void
by_virus_action(const struct qscan_config *cfg, struct outcome *o)
{
	switch (cfg->virus_action) {
	case VIRUS_DROP:
		o->action = "drop";
		break;
	case VIRUS_REJECT:
		reject(cfg, o, 1, NULL);
		break;
	case VIRUS_QUARANTINE:
	default:
		quarantine(o, "viruses");
		break;
	}
}

static void
by_policy_action(const struct qscan_config *cfg,
    const struct decide_facts *f, struct outcome *o)
{
	switch (f->policy_action) {
	case POLICY_QUARANTINE:
		quarantine(o, "policy");
		break;
	case POLICY_DROP:
		o->action = "drop";
		break;
	case POLICY_TEMPFAIL:
		answer(o, QQ_TEMP_REFUSED);
		break;
	case POLICY_REJECT:
	default:
		/* A rule without text answers the plain 554. */
		reject(cfg, o, f->policy_text != NULL, f->policy_text);
		break;
	}
}

static void
by_spam_action(const struct qscan_config *cfg, const struct decide_facts *f,
    struct outcome *o)
{
	switch (f->spam_action) {
	case SPAM_ACTION_QUARANTINE:
		quarantine(o, "spam");
		break;
	case SPAM_ACTION_DELETE:
		o->action = "drop";
		break;
	case SPAM_ACTION_REJECT:
		reject(cfg, o, f->spam_text != NULL, f->spam_text);
		break;
	case SPAM_ACTION_TAG:
	default:
		queue(o);
		break;
	}
}

/* Before the scan: the spool, the envelope, the size, the sandbox.
 * Returns 1 when one of them decided. */
static int
decide_before_scan(const struct qscan_config *cfg,
    const struct decide_facts *f, struct outcome *o)
{
	if (f->spool == SPOOL_READ_ERROR || f->spool == SPOOL_WRITE_ERROR) {
		o->verdict = "tempfail";
		answer(o, f->spool == SPOOL_READ_ERROR ? QQ_TEMP_READ_ERROR :
		    QQ_TEMP_WRITE_ERROR);
		set_reason(o, f->spool == SPOOL_READ_ERROR ?
		    "message read error" : "spool write error");
		return 1;
	}
	if (f->envelope != ENVELOPE_OK) {
		answer(o, envelope_exit_code(f->envelope));
		o->verdict = o->action;
		set_reason(o, envelope_result_name(f->envelope));
		return 1;
	}
	if (f->spool == SPOOL_OVERSIZE) {
		o->verdict = verdict_name(VERDICT_LIMITS);
		answer(o, cfg->oversize_action == ACTION_TEMPFAIL ?
		    QQ_TEMP_REFUSED : QQ_PERM_REFUSED);
		set_reason(o, "max_message_bytes");
		return 1;
	}
	if (f->setup_error != NULL) {
		o->verdict = "tempfail";
		answer(o, qq_exit_for_failure(FAIL_SANDBOX));
		set_reason(o, f->setup_error);
		return 1;
	}
	return 0;
}

void
decide(const struct qscan_config *cfg, const struct decide_facts *f,
    struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (decide_before_scan(cfg, f, o))
		return;
	o->verdict = verdict_name(f->verdict);
	set_reason(o, f->reason);
	switch (f->verdict) {
	case VERDICT_CLEAN:
		queue(o);
		break;
	case VERDICT_TEMPFAIL:
		answer(o, qq_exit_for_failure(f->failure));
		break;
	case VERDICT_LIMITS:
		by_over_limit_action(o, f->unchecked_decides ?
		    cfg->unchecked_action : cfg->limits_action);
		break;
	case VERDICT_VIRUS:
		by_virus_action(cfg, o);
		break;
	case VERDICT_POLICY:
		by_policy_action(cfg, f, o);
		break;
	case VERDICT_UNSCANNABLE:
		/* Kept either way: a copy for whoever looks at the crash. */
		quarantine(o, "crashes");
		if (cfg->crash_repeats_action == VIRUS_REJECT)
			answer(o, QQ_PERM_REFUSED);
		break;
	case VERDICT_SPAM:
		by_spam_action(cfg, f, o);
		break;
	default:
		by_over_limit_action(o, ACTION_REJECT);
		break;
	}
}

void
outcome_downgrade(struct outcome *o, enum carry_failure f, const char *why)
{
	switch (f) {
	case CARRY_NO_REJECT_PIPE:
		/* Still refused, without the text. */
		answer(o, QQ_PERM_REFUSED);
		break;
	case CARRY_QUARANTINE_WRITE:
	case CARRY_ARCHIVE_WRITE:
	case CARRY_REWRITE_WRITE:
		answer(o, qq_exit_for_failure(FAIL_WRITE));
		o->n_steps = 0;
		break;
	case CARRY_QUEUE_IS_SELF:
	default:
		answer(o, qq_exit_for_failure(FAIL_INTERNAL));
		o->n_steps = 0;
		break;
	}
	if (why != NULL)
		set_reason(o, why);
}

void
outcome_queued(struct outcome *o, int qmail_queue_code)
{
	o->exit_code = qmail_queue_code;
	o->action = qmail_queue_code == QQ_OK ? "queue" : "queue-failed";
}

void
outcome_not_queued(struct outcome *o, enum qscan_failure f)
{
	o->exit_code = qq_exit_for_failure(f);
	o->action = "queue-failed";
}

int
outcome_has(const struct outcome *o, enum outcome_step step,
    const char **arg)
{
	for (unsigned i = 0; i < o->n_steps; i++)
		if (o->steps[i].step == step) {
			if (arg != NULL)
				*arg = o->steps[i].arg;
			return 1;
		}
	return 0;
}

void
outcome_clear(struct outcome *o)
{
	g_clear_pointer(&o->reason, g_free);
	o->n_steps = 0;
}
