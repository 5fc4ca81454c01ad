/* broker: what the pipeline's steps found, each as one line for the
 * summary, the trace header, the quarantine log and the JSON report:
 * viruses, unchecked parts, engines, the policy's tag headers.  Trusted. */
#include <string.h>

#include "pipeline.h"

/* The list goes into one header line (at most 998 bytes with the name)
 * and the summary line: entries past this many bytes are only counted. */
#define UNCHECKED_LIST_MAX 600

char *
findings_unchecked_list(const struct scan *s)
{
	GString *out = g_string_new(NULL);
	unsigned more = 0;

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);
			g_autofree char *entry = NULL;

			if (v->result != SCAN_LIMIT)
				continue;
			entry = g_strdup_printf("%s %.100s: %.200s",
			    role_id_name(r->role), v->part == REC_NO_PARENT ?
			    "raw" : ((struct part_fact *)
			    s->facts.parts->pdata[v->part])->path, v->name);
			if (out->len + strlen(entry) + 2 > UNCHECKED_LIST_MAX) {
				more++;
				continue;
			}
			g_string_append_printf(out, "%s%s", out->len ? "; " :
			    "", entry);
		}
	}
	if (more)
		g_string_append_printf(out, "; and %u more", more);
	return g_string_free(out, FALSE);
}

char *
findings_virus_names(const struct scan *s, int with_engine)
{
	GString *out = g_string_new(NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);
			char *key;

			if (v->result != SCAN_VIRUS)
				continue;
			/* The raw message and its part often match alike. */
			key = with_engine ? g_strdup_printf("%s:%s",
			    role_id_name(r->role), v->name) : g_strdup(v->name);
			if (!g_hash_table_add(seen, key))
				continue;
			g_string_append_printf(out, "%s%s", out->len ? "," : "",
			    key);
		}
	}
	return g_string_free(out, FALSE);
}

char *
findings_engine_list(const struct scan *s)
{
	GString *out = g_string_new(NULL);

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		if (r->engine != NULL)
			g_string_append_printf(out, "%s%s: %s/%s.", out->len ?
			    " " : "", r->engine, r->version, r->database);
		else
			g_string_append_printf(out, "%s%s: failed.", out->len ?
			    " " : "", role_id_name(r->role));
	}
	return g_string_free(out, FALSE);
}

char *
findings_policy_tags(const struct scan *s)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; s->policy_ran && i < s->policy.matches->len; i++) {
		const struct policy_match *m = &g_array_index(s->policy.matches,
		    struct policy_match, i);

		if (m->action == POLICY_TAG && m->text != NULL &&
		    !s->policy.monitor_only)
			g_string_append_printf(out, "%s\n", m->text);
	}
	return g_string_free(out, FALSE);
}
