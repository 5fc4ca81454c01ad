/* broker: JSON report; trusted. */
#include <string.h>

#include "report_json.h"

static void
json_str(GString *out, const char *raw)
{
	/* Roles promise UTF-8 but may lie: invalid bytes become U+FFFD. */
	g_autofree char *s = g_utf8_make_valid(raw ? raw : "", -1);

	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

/* Every engine's verdicts of one result, as {"part","engine",key}. */
static void
json_verdicts(GString *out, const struct scan *s, int result,
    const char *key)
{
	const struct message_facts *f = &s->facts;

	for (unsigned i = 0, n = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);

			if (v->result != result)
				continue;
			g_string_append(out, n++ ? ",{\"part\":" : "{\"part\":");
			json_str(out, v->part == REC_NO_PARENT ? "raw" :
			    ((struct part_fact *)f->parts->pdata[v->part])->path);
			g_string_append(out, ",\"engine\":");
			json_str(out, role_id_name(r->role));
			g_string_append_printf(out, ",\"%s\":", key);
			json_str(out, v->name);
			g_string_append_c(out, '}');
		}
	}
}

static void
json_headers(GString *out, const struct message_facts *f)
{
	for (int h = 0, first = 1; h <= HDR_FACT_MAX; h++) {
		if (f->headers[h] == NULL)
			continue;
		if (!first)
			g_string_append_c(out, ',');
		first = 0;
		json_str(out, header_fact_name((unsigned)h));
		g_string_append_c(out, ':');
		json_str(out, f->headers[h]);
	}
}

static void
json_header_fields(GString *out, const struct message_facts *f)
{
	for (guint i = 0; f->header_fields && i < f->header_fields->len; i++) {
		const struct header_field_fact *h = f->header_fields->pdata[i];

		g_string_append(out, i ? ",{\"name\":" : "{\"name\":");
		json_str(out, h->name);
		g_string_append(out, ",\"value\":");
		json_str(out, h->value);
		if (h->part == REC_NO_PARENT)
			g_string_append(out, ",\"part\":null}");
		else
			g_string_append_printf(out, ",\"part\":%u}", h->part);
	}
}

static void
json_part_filenames(GString *out, const struct part_fact *p)
{
	for (guint j = 0; j < p->filenames->len; j++) {
		if (j)
			g_string_append_c(out, ',');
		g_string_append(out, "{\"name\":");
		json_str(out, p->filenames->pdata[j]);
		g_string_append(out, ",\"source\":");
		json_str(out, filename_source_name(g_array_index(
		    p->filename_sources, uint8_t, j)));
		g_string_append_c(out, '}');
	}
}

static void
json_parts(GString *out, const struct message_facts *f)
{
	for (guint i = 0; f->parts && i < f->parts->len; i++) {
		const struct part_fact *p = f->parts->pdata[i];

		g_string_append(out, i ? ",{\"path\":" : "{\"path\":");
		json_str(out, p->path);
		g_string_append(out, ",\"kind\":");
		json_str(out, part_kind_name(p->kind));
		g_string_append(out, ",\"content_type\":");
		json_str(out, p->content_type);
		g_string_append(out, ",\"charset\":");
		json_str(out, p->charset);
		g_string_append(out, ",\"encoding\":");
		json_str(out, p->encoding);
		g_string_append(out, ",\"detected_type\":");
		json_str(out, p->detected_type);
		g_string_append_printf(out, ",\"flags\":%u,\"encrypted\":%s",
		    p->flags, (p->flags & PART_FLAG_ENCRYPTED) ? "true" : "false");
		g_string_append_printf(out, ",\"size\":%llu,\"depth\":%u,"
		    "\"filenames\":[", (unsigned long long)p->size, p->depth);
		json_part_filenames(out, p);
		g_string_append(out, "]}");
	}
}

static void
json_anomalies(GString *out, const struct message_facts *f)
{
	for (guint i = 0; f->anomalies && i < f->anomalies->len; i++) {
		const struct anomaly_fact *a = &g_array_index(f->anomalies,
		    struct anomaly_fact, i);

		g_string_append(out, i ? ",{\"code\":" : "{\"code\":");
		json_str(out, anomaly_code_name(a->code));
		if (a->part == REC_NO_PARENT)
			g_string_append(out, ",\"part\":null");
		else
			g_string_append_printf(out, ",\"part\":%u", a->part);
		g_string_append(out, ",\"detail\":");
		json_str(out, a->detail);
		g_string_append_c(out, '}');
	}
}

static void
json_engines(GString *out, const struct scan *s)
{
	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		g_string_append(out, i ? ",{\"engine\":" : "{\"engine\":");
		json_str(out, r->engine ? r->engine : role_id_name(r->role));
		g_string_append(out, ",\"version\":");
		json_str(out, r->version);
		g_string_append(out, ",\"database\":");
		json_str(out, r->database);
		g_string_append(out, ",\"ending\":");
		json_str(out, role_ending_name(s->scanner_outcome[i].ending));
		/* What the engine was given: "raw" and part paths, in order. */
		g_string_append(out, ",\"scanned\":[");
		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);

			if (j)
				g_string_append_c(out, ',');
			json_str(out, v->part == REC_NO_PARENT ? "raw" :
			    ((struct part_fact *)
			    s->facts.parts->pdata[v->part])->path);
		}
		g_string_append_c(out, ']');
		g_string_append_printf(out, ",\"ms\":%.2f}",
		    s->scanner_outcome[i].ms);
	}
}

/* What mhr said about each part it looked up: facts, whatever the
 * broker made of them (docs/mhr.md). */
static void
json_hash_reputation(GString *out, const struct scan *s)
{
	for (unsigned i = 0, n = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->reputations && j < r->reputations->len;
		    j++) {
			const struct hash_rep_fact *f = &g_array_index(
			    r->reputations, struct hash_rep_fact, j);

			g_string_append(out, n++ ? ",{\"part\":" :
			    "{\"part\":");
			json_str(out, ((struct part_fact *)
			    s->facts.parts->pdata[f->part])->path);
			g_string_append(out, ",\"sha256\":");
			json_str(out, f->sha256);
			g_string_append(out, ",\"status\":");
			json_str(out, hash_rep_status_name(f->status));
			g_string_append(out, ",\"hash\":");
			json_str(out, hash_kind_name(f->kind));
			g_string_append_printf(out, ",\"percent\":%u,"
			    "\"last_seen\":%llu,\"why\":", f->percent,
			    (unsigned long long)f->last_seen);
			json_str(out, f->why);
			g_string_append_c(out, '}');
		}
	}
}

static void
json_policy(GString *out, const struct scan *s)
{
	const struct message_facts *f = &s->facts;

	for (guint i = 0; s->policy_ran && i < s->policy.matches->len; i++) {
		const struct policy_match *m = &g_array_index(s->policy.matches,
		    struct policy_match, i);

		g_string_append_printf(out, "%s{\"line\":%u,\"action\":",
		    i ? "," : "", m->line);
		json_str(out, policy_action_name(m->action));
		g_string_append(out, ",\"rule\":");
		json_str(out, m->name);
		g_string_append(out, ",\"reason\":");
		json_str(out, m->reason);
		g_string_append(out, ",\"part\":");
		if (m->part < 0 || (guint)m->part >= f->parts->len)
			g_string_append(out, "null");
		else
			json_str(out, ((struct part_fact *)
			    f->parts->pdata[m->part])->path);
		g_string_append(out, ",\"filename\":");
		json_str(out, m->filename);
		g_string_append(out, ",\"header\":");
		json_str(out, m->header);
		g_string_append_printf(out, ",\"decisive\":%s}",
		    (long)i == s->policy.decisive ? "true" : "false");
	}
}

/* What spamd said (docs/spam.md): status not_run, skipped, yes, no or
 * unknown; score and threshold in points; rules as a list. */
static void
json_spam(GString *out, const struct spam_fact *f)
{
	static const char *const states[] = { "not_run", "skipped", NULL,
	    "unknown" };
	const char *st = f->state == SPAM_FACT_SCORED ?
	    (f->status == SPAM_YES ? "yes" : "no") :
	    f->state <= SPAM_FACT_FAILED ? states[f->state] : "unknown";
	g_auto(GStrv) rules = g_strsplit(f->symbols, ",", -1);

	g_string_append(out, "{\"status\":");
	json_str(out, st);
	if (f->state == SPAM_FACT_SCORED)
		g_string_append_printf(out, ",\"score\":%.3f,\"threshold\":"
		    "%.3f,\"rules_named\":%u", f->score_milli / 1000.0,
		    f->threshold_milli / 1000.0, (unsigned)f->n_symbols);
	g_string_append(out, ",\"rules\":[");
	for (unsigned i = 0; f->symbols[0] && rules[i] != NULL; i++) {
		if (i)
			g_string_append_c(out, ',');
		json_str(out, rules[i]);
	}
	g_string_append(out, "],\"why\":");
	json_str(out, f->why);
	g_string_append_c(out, '}');
}

void
report_json(GString *out, const char *file, const struct scan *s,
    const struct outcome *o, double total_ms)
{
	const struct message_facts *f = &s->facts;

	g_string_append(out, "{\"file\":");
	json_str(out, file);
	g_string_append(out, ",\"verdict\":");
	json_str(out, verdict_name(s->verdict));
	g_string_append(out, ",\"action\":");
	json_str(out, o->action);
	g_string_append_printf(out, ",\"exit_code\":%d,\"reason\":",
	    o->exit_code);
	json_str(out, s->reason);
	g_string_append(out, ",\"headers\":{");
	json_headers(out, f);
	g_string_append(out, "},\"header_fields\":[");
	json_header_fields(out, f);
	g_string_append(out, "],\"parts\":[");
	json_parts(out, f);
	g_string_append(out, "],\"anomalies\":[");
	json_anomalies(out, f);
	g_string_append(out, "],\"viruses\":[");
	json_verdicts(out, s, SCAN_VIRUS, "name");
	/* Parts an engine left unchecked at a limit of its own. */
	g_string_append(out, "],\"unchecked\":[");
	json_verdicts(out, s, SCAN_LIMIT, "why");
	g_string_append(out, "],\"engines\":[");
	json_engines(out, s);
	g_string_append(out, "],\"hash_reputation\":[");
	json_hash_reputation(out, s);
	g_string_append(out, "],\"policy\":[");
	json_policy(out, s);
	g_string_append(out, "],\"spam\":");
	json_spam(out, &s->spam);
	g_string_append(out, ",\"roles\":{");
	g_string_append(out, "\"canary\":");
	json_str(out, role_ending_name(s->canary.ending));
	g_string_append(out, ",\"unpack\":");
	json_str(out, role_ending_name(s->unpack.ending));
	g_string_append_printf(out, "},\"timings_ms\":{\"canary\":%.2f,"
	    "\"unpack\":%.2f,\"total\":%.2f}}", s->canary.ms, s->unpack.ms,
	    total_ms);
}
