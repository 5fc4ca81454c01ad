/* policy: trusted, pure: facts in, decision out; the matcher. */
#include <string.h>

#include "policy_internal.h"

/* What one rule matched on, for the report. */
struct hit {
	long part;
	const char *filename, *header, *value;
	gboolean limit;
};

/* A test's outcome before negation: the regex limit and the time budget
 * make a third. */
enum outcome { NO, YES, UNDECIDED };

/* The clock the budget reads; a test gives one whose time moves a fixed
 * step per read, so how far an evaluation gets does not depend on the
 * machine's speed. */
static gint64 (*budget_clock)(void) = g_get_monotonic_time;

void
policy_set_clock(gint64 (*now)(void))
{
	budget_clock = now != NULL ? now : g_get_monotonic_time;
}

/* The time budget of one evaluation (POLICY_EVAL_BUDGET_USEC). */
struct budget {
	gint64 deadline;	/* budget_clock() */
	unsigned tests;		/* pattern tests since the last clock read */
	gboolean out;		/* ran out: nothing more is looked at */
};

/* Reading the clock costs about as much as a glob or suffix test, so
 * those read it every 64th time; a regex match can cost milliseconds and
 * reads it every time.  Returns TRUE once the budget is spent. */
enum { BUDGET_TESTS_PER_READ = 64 };

static gboolean
budget_spent(struct budget *b, gboolean costly)
{
	if (b->out)
		return TRUE;
	if (!costly && ++b->tests < BUDGET_TESTS_PER_READ)
		return FALSE;
	b->tests = 0;
	if (budget_clock() >= b->deadline)
		b->out = TRUE;
	return b->out;
}

static gboolean
suffix_match(const char *suffix, const char *s, size_t len)
{
	size_t n = strlen(suffix);

	return n <= len && g_ascii_strncasecmp(s + len - n, suffix, n) == 0;
}

/* Windows drops trailing dots and spaces, so "a.exe. " runs as a.exe:
 * names are compared as Windows will see them. */
static size_t
filename_trim(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '.' || s[len - 1] == ' '))
		len--;
	return len;
}

static enum outcome
regex_test(const GRegex *re, const char *s, size_t len)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *valid = NULL;
	gboolean m;

	/* GRegex works on UTF-8; hostile bytes become U+FFFD, which no
	 * admin pattern means to match. */
	if (!g_utf8_validate(s, (gssize)len, NULL)) {
		valid = g_utf8_make_valid(s, (gssize)len);
		s = valid;
		len = strlen(valid);
	}
	m = g_regex_match_full(re, s, (gssize)len, 0, 0, NULL, &err);
	if (err != NULL)
		return UNDECIDED;	/* match or heap limit reached */
	return m ? YES : NO;
}

/* filename: TRUE when s is a filename (trimmed, basename for globs).
 * Undecided once the budget is spent. */
static enum outcome
pattern_test(struct budget *b, const struct pattern *pat, const char *s,
    gboolean filename)
{
	size_t len = strnlen(s, POLICY_SUBJECT_MAX);

	if (pat->kind != PAT_ANY && budget_spent(b, pat->kind == PAT_REGEX))
		return UNDECIDED;
	switch (pat->kind) {
	case PAT_ANY:
		return YES;
	case PAT_SUFFIX:
		return suffix_match(pat->text, s, filename_trim(s, len)) ?
		    YES : NO;
	case PAT_GLOB:
		if (filename) {
			len = filename_trim(s, len);
			if (pat->basename) {
				/* Members of Windows-made archives may
				 * use '\' as the separator. */
				for (size_t k = len; k > 0; k--)
					if (s[k - 1] == '/' || s[k - 1] == '\\') {
						s += k;
						len -= k;
						break;
					}
			}
		}
		return policy_match_glob(pat->text, s, len) ? YES : NO;
	case PAT_REGEX:
	default:
		return regex_test(pat->re, s, len);
	}
}

/* Folds an outcome with negation; an undecided test takes the strict
 * side (see policy_evaluate in policy.h) and is remembered in the hit. */
static gboolean
outcome_resolve(enum outcome o, gboolean negate, gboolean strict,
    struct hit *h)
{
	if (o == UNDECIDED) {
		h->limit = TRUE;
		return strict;
	}
	return (o == YES) != negate;
}

/* Folds one subject into a running "any of" outcome. */
static enum outcome
outcome_any(enum outcome acc, enum outcome o)
{
	if (acc == YES || o == YES)
		return YES;
	return acc == UNDECIDED || o == UNDECIDED ? UNDECIDED : NO;
}

static void
hit_set(struct hit *h, long part, const char *filename, const char *header,
    const char *value)
{
	if (h->part < 0 && part >= 0)
		h->part = part;
	if (h->filename == NULL)
		h->filename = filename;
	if (h->header == NULL)
		h->header = header;
	if (h->value == NULL)
		h->value = value;
}

/* Q-S virtual headers for anomalies: any offending part (or message) whose
 * names (or the anomaly's detail, or "") match the value. */
static enum outcome
virtual_test(struct budget *b, const struct cond *c,
    const struct policy_input *in, struct hit *h)
{
	enum outcome acc = NO;
	size_t total = in->n_anomalies + (c->encrypted ? in->n_parts : 0);

	for (size_t k = 0; k < total && acc != YES && !b->out; k++) {
		long part;
		const char *detail = NULL;

		if (k < in->n_anomalies) {
			const struct policy_anomaly *a = &in->anomalies[k];

			if (a->code == NULL || strcmp(a->code, c->name) != 0)
				continue;
			part = a->part >= 0 && (size_t)a->part < in->n_parts ?
			    a->part : -1;
			detail = a->detail;
		} else {
			part = (long)(k - in->n_anomalies);
			if (!in->parts[part].encrypted)
				continue;
		}
		if (part >= 0 && in->parts[part].n_filenames > 0) {
			const struct policy_part *pt = &in->parts[part];

			for (size_t f = 0; f < pt->n_filenames && !b->out;
			    f++) {
				enum outcome o = pattern_test(b, &c->pat,
				    pt->filenames[f], FALSE);

				if (o == YES)
					hit_set(h, part, pt->filenames[f],
					    c->vheader, NULL);
				acc = outcome_any(acc, o);
				if (acc == YES)
					break;
			}
		} else {
			enum outcome o = pattern_test(b, &c->pat,
			    detail ? detail : "", FALSE);

			if (o == YES)
				hit_set(h, part, NULL, c->vheader, detail);
			acc = outcome_any(acc, o);
		}
	}
	return acc;
}

/* Any of n strings. */
static enum outcome
list_test(struct budget *b, const struct pattern *pat,
    const char *const *list, size_t n, const char *header, struct hit *h)
{
	enum outcome acc = NO;

	for (size_t k = 0; k < n && acc != YES && !b->out; k++) {
		enum outcome o;

		if (list[k] == NULL)
			continue;
		o = pattern_test(b, pat, list[k], FALSE);
		if (o == YES)
			hit_set(h, -1, NULL, header, list[k]);
		acc = outcome_any(acc, o);
	}
	return acc;
}

/* Any header of the condition's name whose value matches. */
static enum outcome
header_test(struct budget *b, const struct cond *c,
    const struct policy_input *in, struct hit *mine)
{
	enum outcome o = NO;

	for (size_t k = 0; k < in->n_headers && o != YES && !b->out; k++) {
		const struct policy_header *hd = &in->headers[k];
		enum outcome one;

		if (hd->name == NULL ||
		    g_ascii_strcasecmp(hd->name, c->name) != 0)
			continue;
		one = pattern_test(b, &c->pat, hd->value ? hd->value : "",
		    FALSE);
		if (one == YES)
			hit_set(mine, -1, NULL, hd->name, hd->value);
		o = outcome_any(o, one);
	}
	return o;
}

/* The remote address inside one of the condition's networks. */
static enum outcome
ip_net_test(const struct cond *c, const struct policy_input *in,
    struct hit *mine)
{
	uint8_t addr[16];

	if (in->remote_ip == NULL || !policy_parse_ip(in->remote_ip, addr))
		return NO;
	for (unsigned k = 0; k < c->n_nets; k++)
		if (policy_net_contains(&c->nets[k], addr)) {
			hit_set(mine, -1, NULL, "REMOTEIPADDR", in->remote_ip);
			return YES;
		}
	return NO;
}

/* An anomaly of the condition's code, on the part it names if any. */
static enum outcome
anomaly_test(const struct cond *c, const struct policy_input *in,
    struct hit *mine)
{
	for (size_t k = 0; k < in->n_anomalies; k++) {
		const struct policy_anomaly *a = &in->anomalies[k];

		if (a->code != NULL && strcmp(a->code, c->name) == 0) {
			hit_set(mine, a->part >= 0 &&
			    (size_t)a->part < in->n_parts ? a->part : -1,
			    NULL, NULL, a->code);
			return YES;
		}
	}
	return NO;
}

static gboolean
message_cond(struct budget *b, const struct cond *c,
    const struct policy_input *in, gboolean strict, struct hit *h)
{
	struct hit mine = { .part = -1 };
	enum outcome o = NO;

	switch (c->kind) {
	case C_HEADER:
		o = header_test(b, c, in, &mine);
		break;
	case C_SENDER: {
		const char *s = in->sender ? in->sender : "";

		o = list_test(b, &c->pat, &s, 1, "MAILFROM", &mine);
		break;
	}
	case C_RECIPIENT:
		o = list_test(b, &c->pat, in->recipients, in->n_recipients,
		    "RCPTTO", &mine);
		break;
	case C_IP_TEXT: {
		const char *s = in->remote_ip ? in->remote_ip : "";

		o = list_test(b, &c->pat, &s, 1, "REMOTEIPADDR", &mine);
		break;
	}
	case C_IP_NET:
		o = ip_net_test(c, in, &mine);
		break;
	case C_RELAY:
		o = in->relay_client ? YES : NO;
		break;
	case C_ANOMALY:
		o = anomaly_test(c, in, &mine);
		break;
	case C_VIRUS:
		o = list_test(b, &c->pat, in->viruses, in->n_viruses, NULL,
		    &mine);
		break;
	case C_VIRTUAL:
		o = virtual_test(b, c, in, &mine);
		break;
	case C_SPAM_SCORE:
		o = in->spam_score_milli >= c->slo &&
		    in->spam_score_milli <= c->shi ? YES : NO;
		break;
	case C_SPAM_RULE:
		o = list_test(b, &c->pat, in->spam_rules, in->n_spam_rules,
		    NULL, &mine);
		break;
	case C_FILENAME:
	case C_TYPE:
	case C_DETECTED:
	case C_SIZE:
	case C_MEMBER:
	case C_ENCRYPTED:
	default:
		return FALSE;		/* part conditions: not here */
	}
	if (!outcome_resolve(o, c->negate, strict, h))
		return FALSE;
	if (!c->negate)
		hit_set(h, mine.part, mine.filename, mine.header, mine.value);
	return TRUE;
}

static gboolean
part_cond(struct budget *b, const struct cond *c,
    const struct policy_part *pt, gboolean strict, struct hit *h)
{
	enum outcome o = NO;
	const char *matched = NULL;

	switch (c->kind) {
	case C_FILENAME:
		for (size_t f = 0; f < pt->n_filenames && o != YES && !b->out;
		    f++) {
			enum outcome one;

			if (pt->filenames[f] == NULL)
				continue;
			one = pattern_test(b, &c->pat, pt->filenames[f], TRUE);
			if (one == YES)
				matched = pt->filenames[f];
			o = outcome_any(o, one);
		}
		break;
	case C_TYPE:
		o = pattern_test(b, &c->pat, pt->declared_type ?
		    pt->declared_type : "", FALSE);
		break;
	case C_DETECTED:
		o = pattern_test(b, &c->pat, pt->detected_type ?
		    pt->detected_type : "", FALSE);
		break;
	case C_SIZE:
		o = pt->size >= c->lo && pt->size <= c->hi ? YES : NO;
		break;
	case C_MEMBER:
		o = pt->archive_member ? YES : NO;
		break;
	case C_ENCRYPTED:
		o = pt->encrypted ? YES : NO;
		break;
	case C_HEADER:
	case C_SENDER:
	case C_RECIPIENT:
	case C_IP_TEXT:
	case C_IP_NET:
	case C_RELAY:
	case C_ANOMALY:
	case C_VIRUS:
	case C_VIRTUAL:
	case C_SPAM_SCORE:
	case C_SPAM_RULE:
	default:
		return FALSE;
	}
	if (!outcome_resolve(o, c->negate, strict, h))
		return FALSE;
	if (!c->negate && matched != NULL && h->filename == NULL)
		h->filename = matched;
	return TRUE;
}

/* Whether r matches; when the budget runs out meanwhile the answer may
 * rest on facts not looked at, and policy_evaluate_budget replaces it. */
static gboolean
rule_matches(struct budget *b, const struct rule *r,
    const struct policy_input *in, struct hit *h)
{
	/* An undecided regex counts against the sender: it may fire a
	 * blocking or monitoring rule, never an exception. */
	gboolean strict = r->action != POLICY_PASS;

	for (unsigned k = 0; k < r->n_conds; k++)
		if (r->conds[k].kind > C_ENCRYPTED &&
		    !message_cond(b, &r->conds[k], in, strict, h))
			return FALSE;
	if (!r->has_part_conds)
		return TRUE;
	for (size_t p = 0; p < in->n_parts && !b->out; p++) {
		struct hit ph = { .part = (long)p };
		gboolean all = TRUE;

		for (unsigned k = 0; k < r->n_conds && all; k++)
			if (r->conds[k].kind <= C_ENCRYPTED)
				all = part_cond(b, &r->conds[k], &in->parts[p],
				    strict, &ph);
		if (all) {
			/* The part that matched names the hit, even where a
			 * message condition already named another. */
			if (ph.filename != NULL || h->part != (long)p)
				h->filename = ph.filename;
			h->part = (long)p;
			h->limit |= ph.limit;
			return TRUE;
		}
	}
	return FALSE;
}

void
policy_result_init(struct policy_result *r)
{
	memset(r, 0, sizeof(*r));
	r->decisive = -1;
	r->matches = g_array_new(FALSE, TRUE, sizeof(struct policy_match));
}

void
policy_result_clear(struct policy_result *r)
{
	if (r->matches != NULL) {
		for (guint k = 0; k < r->matches->len; k++) {
			struct policy_match *m = &g_array_index(r->matches,
			    struct policy_match, k);

			g_free(m->filename);
			g_free(m->header);
			g_free(m->value);
		}
		g_array_unref(r->matches);
	}
	memset(r, 0, sizeof(*r));
	r->decisive = -1;
}

void
policy_evaluate_budget(const struct policy *p, const struct policy_input *in,
    struct policy_result *r, gint64 budget_usec)
{
	struct budget b = { .deadline = budget_clock() + budget_usec };

	r->monitor_only = p->monitor_only;
	for (guint k = 0; k < p->rules->len; k++) {
		const struct rule *rule = p->rules->pdata[k];
		gboolean terminal = policy_action_is_terminal(rule->action);
		/* As for an undecided regex (rule_matches): out of time, a
		 * rule counts against the sender. */
		gboolean strict = rule->action != POLICY_PASS;
		struct hit h = { .part = -1 };
		struct policy_match m = { 0 };
		gboolean matched = FALSE;

		/* After the decision only tag and monitor rules still
		 * matter: they are all reported. */
		if (terminal && r->decisive >= 0)
			continue;
		/* spamd's facts exist only in the pass after scoring. */
		if (rule->uses_spam != (in->spam_pass != 0))
			continue;
		if (!budget_spent(&b, TRUE))
			matched = rule_matches(&b, rule, in, &h);
		if (!matched) {
			/* A match found in time stands, but a miss the
			 * budget cut short may have skipped the matching
			 * fact: out of time, it is undecided. */
			if (!b.out || !strict)
				continue;
			h = (struct hit){ .part = -1, .limit = TRUE };
		}
		m.line = rule->line;
		m.action = rule->action;
		m.name = rule->name;
		m.reason = rule->reason;
		m.text = rule->text;
		m.part = h.part;
		m.filename = h.filename ? g_strndup(h.filename,
		    POLICY_SUBJECT_MAX) : NULL;
		m.header = g_strdup(h.header);
		m.value = h.value ? g_strndup(h.value, POLICY_SUBJECT_MAX) :
		    NULL;
		m.limit_hit = h.limit;
		g_array_append_val(r->matches, m);
		if (terminal)
			r->decisive = (long)r->matches->len - 1;
	}
	r->out_of_time = b.out;
	r->decided = r->decisive >= 0 ? g_array_index(r->matches,
	    struct policy_match, r->decisive).action : POLICY_PASS;
	r->action = p->monitor_only ? POLICY_PASS : r->decided;
}

void
policy_evaluate(const struct policy *p, const struct policy_input *in,
    struct policy_result *r)
{
	policy_evaluate_budget(p, in, r, POLICY_EVAL_BUDGET_USEC);
}
