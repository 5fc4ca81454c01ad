/* broker: the summary line's fields about the message and its scan
 * (docs/summary-line.md): Message-ID, subject, attachments, each
 * engine's result, the policy's hits.  Trusted; every hostile string
 * goes through log_escape, so no value can hold a space, '=', ',' or a
 * line break, and no subject can forge a key or a line. */
#include <string.h>

#include "log.h"
#include "pipeline.h"
#include "summary_fields.h"

/* Free text is cut before escaping (an escaped byte is 4 bytes), so the
 * line stays bounded whatever the message: about 4 KB of these fields
 * at most.  Qmail-Scanner cut subject and Message-ID at 80. */
#define SUMMARY_TEXT_MAX 200
#define SUMMARY_NAME_MAX 80
#define SUMMARY_ATTACH_MAX 10
#define SUMMARY_HITS_MAX 20

static void
append_attachments(GString *line, const struct scan *s)
{
	const GPtrArray *parts = s->facts.parts;
	unsigned n = 0, more = 0;

	g_string_append(line, " attach=");
	for (guint i = 0; parts != NULL && i < parts->len; i++) {
		const struct part_fact *p = parts->pdata[i];

		if (p->filenames == NULL || p->filenames->len == 0)
			continue;
		if (n == SUMMARY_ATTACH_MAX) {
			more++;
			continue;
		}
		/* name:size; a reader splits at the last ':'. */
		if (n++)
			g_string_append_c(line, ',');
		log_escape_cut(line, p->filenames->pdata[0], SUMMARY_NAME_MAX);
		g_string_append_printf(line, ":%llu",
		    (unsigned long long)p->size);
	}
	if (n == 0)
		g_string_append(line, "<>");
	if (more)
		g_string_append_printf(line, ",+%u", more);
}

/* clean, virus, unchecked (a part over the engine's limit), error (it
 * failed on a part), or failed (the role did not end well): the worst. */
static const char *
engine_result(const struct scan *s, unsigned i)
{
	const struct scanner_result *r = &s->scanners[i];
	int virus = 0, error = 0, limit = 0;

	if (s->scanner_outcome[i].ending != ROLE_DONE)
		return "failed";
	for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
		uint8_t v = g_array_index(r->verdicts, struct verdict_fact,
		    j).result;

		virus |= v == SCAN_VIRUS;
		error |= v == SCAN_ERROR;
		limit |= v == SCAN_LIMIT;
	}
	return virus ? "virus" : error ? "error" : limit ? "unchecked" :
	    "clean";
}

static void
append_engines(GString *line, const struct scan *s)
{
	g_autofree char *viruses = findings_virus_names(s, 1);

	g_string_append(line, " engines=");
	for (unsigned i = 0; i < s->n_scanners; i++)
		g_string_append_printf(line, "%s%s:%s:%.1f", i ? "," : "",
		    role_id_name(s->scanners[i].role), engine_result(s, i),
		    s->scanner_outcome[i].ms);
	if (s->n_scanners == 0)
		g_string_append(line, "<>");
	if (viruses[0] == '\0')
		return;
	/* "role:Name,role:Name": each entry escaped whole (its ',' too),
	 * a reader splits entries at ',' and each at its first ':'. */
	g_string_append(line, " viruses=");
	{
		g_auto(GStrv) names = g_strsplit(viruses, ",", -1);

		for (unsigned i = 0; names[i] != NULL; i++) {
			if (i == SUMMARY_HITS_MAX) {
				g_string_append_printf(line, ",+%u",
				    g_strv_length(names) - i);
				break;
			}
			if (i)
				g_string_append_c(line, ',');
			log_escape_cut(line, names[i], SUMMARY_NAME_MAX);
		}
	}
}

/* Every rule that matched, tag and monitor rules included (the DLP
 * monitor's hits are here, not only on stderr): action@line, and
 * :name when the rule has one. */
static void
append_policy(GString *line, const struct scan *s)
{
	const GArray *m = s->policy_ran ? s->policy.matches : NULL;
	guint n = m ? m->len : 0;

	g_string_append(line, " policy=");
	for (guint i = 0; i < n && i < SUMMARY_HITS_MAX; i++) {
		const struct policy_match *pm = &g_array_index(m,
		    struct policy_match, i);

		g_string_append_printf(line, "%s%s@%u", i ? "," : "",
		    policy_action_name(pm->action), pm->line);
		if (pm->name != NULL && pm->name[0] != '\0') {
			g_string_append_c(line, ':');
			log_escape_cut(line, pm->name, SUMMARY_NAME_MAX);
		}
	}
	if (n > SUMMARY_HITS_MAX)
		g_string_append_printf(line, ",+%u", n - SUMMARY_HITS_MAX);
	if (n == 0)
		g_string_append(line, "<>");
	/* Dry run: the rules decided, nothing was done about it. */
	if (s->policy_ran && s->policy.monitor_only)
		g_string_append_printf(line, " policy_mode=monitor_only");
}

void
summary_append_scan(GString *line, const struct scan *s)
{
	g_string_append(line, " msgid=");
	log_escape_cut(line, s->facts.headers[HDR_MESSAGE_ID],
	    SUMMARY_TEXT_MAX);
	g_string_append(line, " subject=");
	log_escape_cut(line, s->facts.headers[HDR_SUBJECT], SUMMARY_TEXT_MAX);
	append_attachments(line, s);
	append_engines(line, s);
	append_policy(line, s);
}
