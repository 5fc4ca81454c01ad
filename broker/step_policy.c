/* broker pipeline step: the policy over the message's facts, the
 * envelope and the client; the deciding rule makes the verdict "policy".
 * Trusted. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pipeline_steps.h"

/* The arrays the policy's input points into, filled from the facts. */
struct policy_arrays {
	GArray *headers, *parts, *anomalies;
};

static void
policy_arrays_fill(struct policy_arrays *a, const struct message_facts *f)
{
	a->headers = g_array_new(FALSE, FALSE, sizeof(struct policy_header));
	a->parts = g_array_new(FALSE, FALSE, sizeof(struct policy_part));
	a->anomalies = g_array_new(FALSE, FALSE, sizeof(struct policy_anomaly));
	for (guint i = 0; f->header_fields && i < f->header_fields->len; i++) {
		const struct header_field_fact *h = f->header_fields->pdata[i];
		struct policy_header ph = { h->name, h->value };

		if (h->part == REC_NO_PARENT)
			g_array_append_val(a->headers, ph);
	}
	for (guint i = 0; i < f->parts->len; i++) {
		const struct part_fact *p = f->parts->pdata[i];
		struct policy_part pp = {
			.path = p->path, .declared_type = p->content_type,
			.detected_type = p->detected_type,
			.filenames = (const char *const *)p->filenames->pdata,
			.n_filenames = p->filenames->len, .size = p->size,
			.archive_member = p->kind == PART_ARCHIVE_MEMBER,
			.encrypted = (p->flags & PART_FLAG_ENCRYPTED) != 0,
		};

		g_array_append_val(a->parts, pp);
	}
	for (guint i = 0; i < f->anomalies->len; i++) {
		const struct anomaly_fact *an = &g_array_index(f->anomalies,
		    struct anomaly_fact, i);
		struct policy_anomaly pa = { anomaly_code_name(an->code),
		    an->part == REC_NO_PARENT ? -1 : (long)an->part,
		    an->detail };

		g_array_append_val(a->anomalies, pa);
	}
}

static void
policy_arrays_free(struct policy_arrays *a)
{
	g_array_free(a->headers, TRUE);
	g_array_free(a->parts, TRUE);
	g_array_free(a->anomalies, TRUE);
}

/* The facts the policy sees, borrowed from the scan for one evaluation. */
static void
policy_input_from(const struct scan *s, const struct policy_arrays *a,
    struct policy_input *in)
{
	memset(in, 0, sizeof(*in));
	if (s->envl != NULL) {
		in->sender = s->envl->sender;
		in->recipients = (const char *const *)s->envl->recipients->pdata;
		in->n_recipients = s->envl->recipients->len;
	}
	in->remote_ip = s->remote_ip;
	in->relay_client = s->relay;
	in->headers = (const struct policy_header *)(void *)a->headers->data;
	in->n_headers = a->headers->len;
	in->parts = (const struct policy_part *)(void *)a->parts->data;
	in->n_parts = a->parts->len;
	in->anomalies = (const struct policy_anomaly *)(void *)a->anomalies->data;
	in->n_anomalies = a->anomalies->len;
}

/* Monitor rules (and every rule in monitor-only mode) are logged, never
 * acted on. */
static void
policy_log_monitored(const struct policy_result *r)
{
	if (r->out_of_time)
		log_warn("policy: out of its time budget on this message; "
		    "the blocking rules not yet decided count as matched");
	for (guint i = 0; i < r->matches->len; i++) {
		const struct policy_match *m = &g_array_index(r->matches,
		    struct policy_match, i);

		if (m->action == POLICY_MONITOR || r->monitor_only)
			log_info("policy monitor: line %u %s: %s%s%s",
			    m->line, m->name ? m->name : "", m->reason ?
			    m->reason : "", m->filename ? " file " : "",
			    m->filename ? m->filename : "");
	}
}

void
step_policy(struct scan *s, const struct policy *policy)
{
	struct policy_arrays arrays;
	struct policy_input in;
	const struct policy_match *m;

	policy_arrays_fill(&arrays, &s->facts);
	policy_input_from(s, &arrays, &in);
	policy_result_init(&s->policy);
	policy_evaluate(policy, &in, &s->policy);
	policy_arrays_free(&arrays);
	s->policy_ran = 1;
	policy_log_monitored(&s->policy);
	if (s->policy.decisive < 0 || s->policy.action == POLICY_PASS)
		return;
	m = &g_array_index(s->policy.matches, struct policy_match,
	    s->policy.decisive);
	s->verdict = VERDICT_POLICY;
	snprintf(s->reason, sizeof(s->reason), "%s (line %u%s%s)",
	    m->reason ? m->reason : policy_action_name(m->action), m->line,
	    m->filename ? ", " : "", m->filename ? m->filename : "");
}

/* The pass after spam scoring (docs/spam.md): only the rules with a
 * spam_score or spam_rule condition, on a scored message that would be
 * delivered; what they match joins the first pass's result (its tags
 * and monitor lines), and a deciding rule makes the verdict "policy". */
void
step_policy_spam(struct scan *s, const struct policy *policy)
{
	g_auto(GStrv) rules = g_strsplit(s->spam.symbols, ",", -1);
	struct policy_arrays arrays;
	struct policy_result r;
	struct policy_input in;
	const struct policy_match *m;
	long decisive;
	guint base;

	if (s->spam.state != SPAM_FACT_SCORED)
		return;
	policy_arrays_fill(&arrays, &s->facts);
	policy_input_from(s, &arrays, &in);
	in.spam_pass = 1;
	in.spam_score_milli = s->spam.score_milli;
	in.spam_rules = (const char *const *)rules;
	in.n_spam_rules = s->spam.symbols[0] != '\0' ?
	    g_strv_length(rules) : 0;
	policy_result_init(&r);
	policy_evaluate(policy, &in, &r);
	policy_arrays_free(&arrays);
	policy_log_monitored(&r);
	if (!s->policy_ran) {
		policy_result_init(&s->policy);
		s->policy_ran = 1;
	}
	/* The matches move over with the strings they own. */
	base = s->policy.matches->len;
	g_array_append_vals(s->policy.matches, r.matches->data,
	    r.matches->len);
	g_array_set_size(r.matches, 0);
	s->policy.out_of_time |= r.out_of_time;
	/* The first pass decided nothing (or "pass", an exception written
	 * before the spam rules: it stands); else this pass decides. */
	decisive = s->policy.decisive < 0 ? r.decisive : -1;
	if (decisive >= 0) {
		s->policy.decisive = (long)base + decisive;
		s->policy.decided = r.decided;
		s->policy.action = r.action;
	}
	policy_result_clear(&r);
	if (decisive < 0 || s->policy.action == POLICY_PASS)
		return;
	m = &g_array_index(s->policy.matches, struct policy_match,
	    s->policy.decisive);
	s->verdict = VERDICT_POLICY;
	snprintf(s->reason, sizeof(s->reason), "%s (line %u)",
	    m->reason ? m->reason : policy_action_name(m->action), m->line);
}
