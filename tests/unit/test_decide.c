/* tests: decide() and outcome_downgrade() as a table: each verdict under
 * each *_action setting, the spool, envelope and size before the scan,
 * every failure kind to its qmail-queue code, and what carrying out may
 * fail at.  Pure: no root, no roles. */
#include <string.h>

#include "check.h"
#include "decide.h"

/* The settings a row changes from the defaults. */
struct settings {
	enum virus_action virus;
	enum over_limit_action limits, unchecked, oversize;
	unsigned reject_text_fd;
	int crash_quarantine;	/* crash_repeats_action = quarantine */
};

#define DEFAULTS { VIRUS_QUARANTINE, ACTION_REJECT, ACTION_PASS, \
	ACTION_REJECT, 0 }

struct row {
	const char *name;
	struct settings set;
	struct decide_facts f;
	/* Expected. */
	const char *verdict, *action;
	int exit_code;
	int queue, reject_text;
	const char *quarantine;		/* folder, NULL: none */
	const char *reason;
};

#define SCANNED(v) .spool = SPOOL_OK, .envelope = ENVELOPE_OK, .verdict = (v)

static const struct row rows[] = {
	/* Before the scan. */
	{ "spool read error", DEFAULTS, { .spool = SPOOL_READ_ERROR },
	    "tempfail", "tempfail", 54, 0, 0, NULL, "message read error" },
	{ "spool write error", DEFAULTS, { .spool = SPOOL_WRITE_ERROR },
	    "tempfail", "tempfail", 53, 0, 0, NULL, "spool write error" },
	{ "envelope address too long", DEFAULTS, { .spool = SPOOL_OK,
	    .envelope = ENVELOPE_ADDRESS_TOO_LONG },
	    "reject", "reject", 11, 0, 0, NULL, "address too long" },
	{ "envelope format", DEFAULTS, { .spool = SPOOL_OK,
	    .envelope = ENVELOPE_FORMAT },
	    "tempfail", "tempfail", 91, 0, 0, NULL, "format error" },
	{ "envelope truncated", DEFAULTS, { .spool = SPOOL_OK,
	    .envelope = ENVELOPE_TRUNCATED },
	    "tempfail", "tempfail", 54, 0, 0, NULL, "ends early" },
	{ "envelope read error", DEFAULTS, { .spool = SPOOL_OK,
	    .envelope = ENVELOPE_READ_ERROR },
	    "tempfail", "tempfail", 54, 0, 0, NULL, "read error" },
	{ "too many recipients", DEFAULTS, { .spool = SPOOL_OK,
	    .envelope = ENVELOPE_TOO_MANY_RECIPIENTS },
	    "tempfail", "tempfail", 91, 0, 0, NULL, "too many recipients" },
	{ "envelope error beats oversize", DEFAULTS, {
	    .spool = SPOOL_OVERSIZE, .envelope = ENVELOPE_FORMAT },
	    "tempfail", "tempfail", 91, 0, 0, NULL, "format error" },
	{ "oversize reject", DEFAULTS, { .spool = SPOOL_OVERSIZE },
	    "limits", "reject", 31, 0, 0, NULL, "max_message_bytes" },
	{ "oversize tempfail", { VIRUS_QUARANTINE, ACTION_REJECT, ACTION_PASS,
	    ACTION_TEMPFAIL, 0 }, { .spool = SPOOL_OVERSIZE },
	    "limits", "tempfail", 71, 0, 0, NULL, "max_message_bytes" },
	/* oversize_action takes reject or tempfail only (config.c): an
	 * unscanned message is never delivered, whatever the value. */
	{ "oversize pass still refused", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_PASS, 0 }, { .spool = SPOOL_OVERSIZE },
	    "limits", "reject", 31, 0, 0, NULL, "max_message_bytes" },
	{ "sandbox setup failed", DEFAULTS, { .spool = SPOOL_OK,
	    .setup_error = "kernel has no Landlock" },
	    "tempfail", "tempfail", 81, 0, 0, NULL, "kernel has no Landlock" },

	/* Clean. */
	{ "clean", DEFAULTS, { SCANNED(VERDICT_CLEAN), .reason = "" },
	    "clean", "queue", 0, 1, 0, NULL, "" },

	/* Our failures, each to its temporary code. */
	{ "fail memory", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_MEMORY, .reason = "m" },
	    "tempfail", "tempfail", 51, 0, 0, NULL, "m" },
	{ "fail timeout", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_TIMEOUT, .reason = "t" },
	    "tempfail", "tempfail", 52, 0, 0, NULL, "t" },
	{ "fail write", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_WRITE, .reason = "w" },
	    "tempfail", "tempfail", 53, 0, 0, NULL, "w" },
	{ "fail read", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_READ, .reason = "r" },
	    "tempfail", "tempfail", 54, 0, 0, NULL, "r" },
	{ "fail config", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_CONFIG, .reason = "c" },
	    "tempfail", "tempfail", 55, 0, 0, NULL, "c" },
	{ "fail role", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_ROLE, .reason = "role unpack failed" },
	    "tempfail", "tempfail", 81, 0, 0, NULL, "role unpack failed" },
	{ "fail internal", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_INTERNAL, .reason = "i" },
	    "tempfail", "tempfail", 81, 0, 0, NULL, "i" },
	{ "fail sandbox (canary)", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_SANDBOX, .reason = "canary" },
	    "tempfail", "tempfail", 81, 0, 0, NULL, "canary" },
	/* scan_failure_action = tempfail: step_scanners makes the verdict
	 * tempfail with the failure of the engine. */
	{ "scanner failed, tempfail", DEFAULTS, { SCANNED(VERDICT_TEMPFAIL),
	    .failure = FAIL_ROLE, .reason = "clamd: connect" },
	    "tempfail", "tempfail", 81, 0, 0, NULL, "clamd: connect" },
	{ "scanner timed out, tempfail", DEFAULTS, {
	    SCANNED(VERDICT_TEMPFAIL), .failure = FAIL_TIMEOUT,
	    .reason = "clamd: timeout" },
	    "tempfail", "tempfail", 52, 0, 0, NULL, "clamd: timeout" },
	/* scan_failure_action = pass: the verdict stays clean. */
	{ "scanner failed, pass", DEFAULTS, { SCANNED(VERDICT_CLEAN),
	    .reason = "" }, "clean", "queue", 0, 1, 0, NULL, "" },

	/* Crashed a role crash_repeats times: kept either way, refused by
	 * default (even with reject_text_fd: no rule's text to give). */
	{ "unscannable reject", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_UNSCANNABLE),
	    .reason = "crashed a role 3 times: sha256 ab" },
	    "unscannable", "reject", 31, 0, 0, "crashes",
	    "crashed a role 3 times: sha256 ab" },
	{ "unscannable quarantine", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 0, 1 },
	    { SCANNED(VERDICT_UNSCANNABLE), .reason = "c" },
	    "unscannable", "quarantine", 0, 0, 0, "crashes", "c" },

	/* Virus by virus_action. */
	{ "virus quarantine", DEFAULTS, { SCANNED(VERDICT_VIRUS),
	    .reason = "clamav:Eicar" },
	    "virus", "quarantine", 0, 0, 0, "viruses", "clamav:Eicar" },
	{ "virus reject", { VIRUS_REJECT, ACTION_REJECT, ACTION_PASS,
	    ACTION_REJECT, 0 }, { SCANNED(VERDICT_VIRUS), .reason = "v" },
	    "virus", "reject", 31, 0, 0, NULL, "v" },
	{ "virus reject with text", { VIRUS_REJECT, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_VIRUS),
	    .reason = "v" }, "virus", "reject", 82, 0, 1, NULL, "v" },
	{ "virus drop", { VIRUS_DROP, ACTION_REJECT, ACTION_PASS,
	    ACTION_REJECT, 6 }, { SCANNED(VERDICT_VIRUS), .reason = "v" },
	    "virus", "drop", 0, 0, 0, NULL, "v" },
	{ "virus quarantine ignores reject_text_fd", { VIRUS_QUARANTINE,
	    ACTION_REJECT, ACTION_PASS, ACTION_REJECT, 6 },
	    { SCANNED(VERDICT_VIRUS), .reason = "v" },
	    "virus", "quarantine", 0, 0, 0, "viruses", "v" },

	/* Limits (unpack's) by limits_action. */
	{ "limits reject", DEFAULTS, { SCANNED(VERDICT_LIMITS),
	    .reason = "limit_parts" },
	    "limits", "reject", 31, 0, 0, NULL, "limit_parts" },
	{ "limits tempfail", { VIRUS_QUARANTINE, ACTION_TEMPFAIL,
	    ACTION_PASS, ACTION_REJECT, 0 }, { SCANNED(VERDICT_LIMITS),
	    .reason = "l" }, "limits", "tempfail", 71, 0, 0, NULL, "l" },
	{ "limits pass", { VIRUS_QUARANTINE, ACTION_PASS, ACTION_REJECT,
	    ACTION_REJECT, 0 }, { SCANNED(VERDICT_LIMITS), .reason = "l" },
	    "limits", "queue", 0, 1, 0, NULL, "l" },
	{ "limits reject never has text", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_LIMITS),
	    .reason = "l" }, "limits", "reject", 31, 0, 0, NULL, "l" },

	/* Unchecked (an engine's own limit) by unchecked_action, not
	 * limits_action. */
	{ "unchecked reject", { VIRUS_QUARANTINE, ACTION_PASS, ACTION_REJECT,
	    ACTION_REJECT, 0 }, { SCANNED(VERDICT_LIMITS),
	    .unchecked_decides = 1, .reason = "unchecked: x" },
	    "limits", "reject", 31, 0, 0, NULL, "unchecked: x" },
	{ "unchecked tempfail", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_TEMPFAIL, ACTION_REJECT, 0 }, { SCANNED(VERDICT_LIMITS),
	    .unchecked_decides = 1, .reason = "u" },
	    "limits", "tempfail", 71, 0, 0, NULL, "u" },
	{ "unchecked pass", { VIRUS_QUARANTINE, ACTION_REJECT, ACTION_PASS,
	    ACTION_REJECT, 0 }, { SCANNED(VERDICT_LIMITS),
	    .unchecked_decides = 1, .reason = "u" },
	    "limits", "queue", 0, 1, 0, NULL, "u" },

	/* Policy by the deciding rule's action. */
	{ "policy quarantine", DEFAULTS, { SCANNED(VERDICT_POLICY),
	    .policy_action = POLICY_QUARANTINE, .reason = "exe (line 3)" },
	    "policy", "quarantine", 0, 0, 0, "policy", "exe (line 3)" },
	{ "policy drop", DEFAULTS, { SCANNED(VERDICT_POLICY),
	    .policy_action = POLICY_DROP, .reason = "p" },
	    "policy", "drop", 0, 0, 0, NULL, "p" },
	{ "policy tempfail", DEFAULTS, { SCANNED(VERDICT_POLICY),
	    .policy_action = POLICY_TEMPFAIL, .reason = "p" },
	    "policy", "tempfail", 71, 0, 0, NULL, "p" },
	{ "policy reject without text", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_POLICY),
	    .policy_action = POLICY_REJECT, .reason = "p" },
	    "policy", "reject", 31, 0, 0, NULL, "p" },
	{ "policy reject with text", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_POLICY),
	    .policy_action = POLICY_REJECT, .policy_text = "no exe",
	    .reason = "p" }, "policy", "reject", 82, 0, 1, NULL, "p" },
	{ "policy reject with text, no fd", DEFAULTS, {
	    SCANNED(VERDICT_POLICY), .policy_action = POLICY_REJECT,
	    .policy_text = "no exe", .reason = "p" },
	    "policy", "reject", 31, 0, 0, NULL, "p" },

	/* Spam by the score it reached (broker/step_spam.c). */
	{ "spam tag", DEFAULTS, { SCANNED(VERDICT_SPAM), .reason = "s",
	    .spam_action = SPAM_ACTION_TAG },
	    "spam", "queue", 0, 1, 0, NULL, "s" },
	{ "spam quarantine", DEFAULTS, { SCANNED(VERDICT_SPAM),
	    .reason = "s", .spam_action = SPAM_ACTION_QUARANTINE },
	    "spam", "quarantine", 0, 0, 0, "spam", "s" },
	{ "spam delete", DEFAULTS, { SCANNED(VERDICT_SPAM), .reason = "s",
	    .spam_action = SPAM_ACTION_DELETE },
	    "spam", "drop", 0, 0, 0, NULL, "s" },
	{ "spam reject", DEFAULTS, { SCANNED(VERDICT_SPAM), .reason = "s",
	    .spam_action = SPAM_ACTION_REJECT, .spam_text = "t" },
	    "spam", "reject", 31, 0, 0, NULL, "s" },
	{ "spam reject with text", { VIRUS_QUARANTINE, ACTION_REJECT,
	    ACTION_PASS, ACTION_REJECT, 6 }, { SCANNED(VERDICT_SPAM),
	    .reason = "s", .spam_action = SPAM_ACTION_REJECT,
	    .spam_text = "t" }, "spam", "reject", 82, 0, 1, NULL, "s" },
};

static void
apply(struct qscan_config *cfg, const struct settings *set)
{
	cfg->virus_action = set->virus;
	cfg->limits_action = set->limits;
	cfg->unchecked_action = set->unchecked;
	cfg->oversize_action = set->oversize;
	cfg->reject_text_fd = set->reject_text_fd;
	if (set->crash_quarantine)
		cfg->crash_repeats_action = VIRUS_QUARANTINE;
}

static void
check_row(const struct row *r)
{
	struct qscan_config cfg;
	struct outcome o;
	const char *folder = NULL, *text = NULL;

	config_defaults(&cfg);
	apply(&cfg, &r->set);
	decide(&cfg, &r->f, &o);
	if (strcmp(o.verdict, r->verdict) != 0 ||
	    strcmp(o.action, r->action) != 0 || o.exit_code != r->exit_code ||
	    outcome_has(&o, STEP_QUEUE, NULL) != r->queue ||
	    outcome_has(&o, STEP_REJECT_TEXT, &text) != r->reject_text ||
	    outcome_has(&o, STEP_QUARANTINE, &folder) !=
	    (r->quarantine != NULL) ||
	    (r->quarantine && strcmp(folder, r->quarantine) != 0) ||
	    strcmp(o.reason, r->reason) != 0) {
		fprintf(stderr, "%s: got verdict=%s action=%s exit=%d "
		    "queue=%d text=%d quarantine=%s reason=%s\n", r->name,
		    o.verdict, o.action, o.exit_code,
		    outcome_has(&o, STEP_QUEUE, NULL),
		    outcome_has(&o, STEP_REJECT_TEXT, NULL),
		    folder ? folder : "-", o.reason);
		check_failures++;
	}
	/* The rule's text (spam: the score's) is what goes on the fd; the
	 * virus line otherwise. */
	if (r->reject_text)
		CHECK(text == (r->f.verdict == VERDICT_SPAM ? r->f.spam_text :
		    r->f.policy_text));
	outcome_clear(&o);
	config_clear(&cfg);
}

/* Carrying out failed: the same rules give the new outcome. */
static void
check_downgrades(void)
{
	struct qscan_config cfg;
	struct decide_facts virus = { SCANNED(VERDICT_VIRUS), .reason = "v" };
	struct decide_facts clean = { SCANNED(VERDICT_CLEAN), .reason = "" };
	struct outcome o;

	config_defaults(&cfg);
	decide(&cfg, &virus, &o);
	outcome_downgrade(&o, CARRY_QUARANTINE_WRITE, "quarantine: disk full");
	CHECK(strcmp(o.action, "tempfail") == 0);
	CHECK_INT(o.exit_code, 53);
	CHECK_INT(o.n_steps, 0);
	CHECK(strcmp(o.verdict, "virus") == 0);
	CHECK(strcmp(o.reason, "quarantine: disk full") == 0);
	outcome_clear(&o);

	cfg.virus_action = VIRUS_REJECT;
	cfg.reject_text_fd = 6;
	decide(&cfg, &virus, &o);
	CHECK_INT(o.exit_code, 82);
	outcome_downgrade(&o, CARRY_NO_REJECT_PIPE, NULL);
	CHECK(strcmp(o.action, "reject") == 0);
	CHECK_INT(o.exit_code, 31);
	CHECK(strcmp(o.reason, "v") == 0);
	outcome_clear(&o);

	decide(&cfg, &clean, &o);
	outcome_downgrade(&o, CARRY_QUEUE_IS_SELF,
	    "qmail_queue is this program");
	CHECK(strcmp(o.action, "tempfail") == 0);
	CHECK_INT(o.exit_code, 81);
	CHECK(!outcome_has(&o, STEP_QUEUE, NULL));
	CHECK(strcmp(o.reason, "qmail_queue is this program") == 0);
	outcome_clear(&o);

	/* qmail-queue's own code is ours. */
	decide(&cfg, &clean, &o);
	outcome_queued(&o, 0);
	CHECK(strcmp(o.action, "queue") == 0);
	CHECK_INT(o.exit_code, 0);
	outcome_queued(&o, 53);
	CHECK(strcmp(o.action, "queue-failed") == 0);
	CHECK_INT(o.exit_code, 53);
	/* ... or ours, when it could not take the message. */
	outcome_not_queued(&o, FAIL_WRITE);
	CHECK(strcmp(o.action, "queue-failed") == 0);
	CHECK_INT(o.exit_code, 53);
	outcome_not_queued(&o, FAIL_INTERNAL);
	CHECK_INT(o.exit_code, 81);
	outcome_clear(&o);
	config_clear(&cfg);
}

int
main(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		check_row(&rows[i]);
	check_downgrades();
	printf("%zu rows\n", G_N_ELEMENTS(rows));
	return CHECK_DONE();
}
