/* broker: MRTG's lines and Prometheus metrics from the report's counts
 * (docs/report.md).  No label value comes from a sender: verdicts,
 * actions and stages are our names, engines are [a-z]+ (summary_read.c). */
#include <math.h>
#include <string.h>

#include "report_text.h"

static uint64_t
verdict_total(const struct report_stats *st, int v)
{
	uint64_t n = 0;

	for (int a = 0; a < SA_COUNT; a++)
		n += st->verdict_action[v][a];
	return n;
}

static uint64_t
action_total(const struct report_stats *st, int a)
{
	uint64_t n = 0;

	for (int v = 0; v < SV_COUNT; v++)
		n += st->verdict_action[v][a];
	return n;
}

int
report_mrtg_counter(const struct report_stats *st, const char *name,
    uint64_t *out)
{
	uint64_t n = 0;

	if (strcmp(name, "messages") == 0)
		n = st->messages;
	else if (strcmp(name, "inbound") == 0 ||
	    strcmp(name, "outbound") == 0) {
		int r = name[0] == 'o';

		for (int v = 0; v < SV_COUNT; v++)
			n += st->relay_verdict[r][v];
	} else if (strcmp(name, "blocked") == 0) {
		/* what did not reach qmail-queue for content reasons */
		n = action_total(st, SA_REJECT) +
		    action_total(st, SA_QUARANTINE) + action_total(st, SA_DROP);
	} else {
		int v;

		for (v = 0; v < SV_COUNT; v++)
			if (strcmp(name, summary_verdict_names[v]) == 0)
				break;
		if (v == SV_COUNT)
			return -1;
		n = verdict_total(st, v);
	}
	*out = n;
	return 0;
}

int
report_mrtg(const struct report_stats *st, const char *pair,
    const char *host, GString *out)
{
	g_auto(GStrv) two = g_strsplit(pair, ",", 3);
	uint64_t in, outn;
	int64_t span = st->last > st->first ? st->last - st->first : 0;

	if (g_strv_length(two) != 2 ||
	    report_mrtg_counter(st, two[0], &in) != 0 ||
	    report_mrtg_counter(st, two[1], &outn) != 0)
		return -1;
	g_string_append_printf(out, "%llu\n%llu\n",
	    (unsigned long long)in, (unsigned long long)outn);
	g_string_append_printf(out, "%lld days, %02lld:%02lld\n",
	    (long long)(span / 86400), (long long)(span % 86400 / 3600),
	    (long long)(span % 3600 / 60));
	g_string_append_printf(out, "qscan on %s (%s, %s)\n", host, two[0],
	    two[1]);
	return 0;
}

/* Prometheus's float: +Inf spelled its way; six digits are plenty
 * for bucket bounds, which are 19 % apart. */
static void
append_float(GString *out, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (isinf(v))
		g_string_append(out, "+Inf");
	else
		g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.6g", v));
}

/* One histogram's series, in seconds or bytes (scale applied to the
 * stored unit); every HIST_PER_OCTAVE-th bound only, one an octave, so
 * the file stays small. */
static void
append_hist(GString *out, const char *name, const char *labels,
    const struct hist *h, double base, double scale)
{
	uint64_t cum = 0;

	for (int i = 0; i < HIST_BUCKETS; i++) {
		cum += h->n[i];
		if (i != HIST_BUCKETS - 1 &&
		    (i + 1) % HIST_PER_OCTAVE != 0)
			continue;
		g_string_append_printf(out, "%s_bucket{%s%sle=\"", name,
		    labels, labels[0] ? "," : "");
		append_float(out, hist_bound(i, base) * scale);
		g_string_append_printf(out, "\"} %llu\n",
		    (unsigned long long)cum);
	}
	g_string_append_printf(out, "%s_sum%s%s%s ", name, labels[0] ? "{" :
	    "", labels, labels[0] ? "}" : "");
	append_float(out, h->sum * scale);
	g_string_append_printf(out, "\n%s_count%s%s%s %llu\n", name,
	    labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    (unsigned long long)h->count);
}

static gint
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a table, sorted, so the output is the same every run. */
static GPtrArray *
sorted_keys(GHashTable *t)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, str_cmp);
	return keys;
}

void
report_metrics(const struct report_stats *st, GString *out)
{
	g_autoptr(GPtrArray) engines = sorted_keys(st->engine_ms);
	g_autoptr(GPtrArray) results = sorted_keys(st->engine_results);
	g_autoptr(GPtrArray) tools = sorted_keys(st->tool_actions);

	g_string_append(out,
	    "# HELP qscan_messages_total Messages by verdict and action "
	    "(summary lines read).\n"
	    "# TYPE qscan_messages_total counter\n");
	for (int v = 0; v < SV_COUNT; v++)
		for (int a = 0; a < SA_COUNT; a++)
			if (st->verdict_action[v][a] != 0)
				g_string_append_printf(out,
				    "qscan_messages_total{verdict=\"%s\","
				    "action=\"%s\"} %llu\n",
				    summary_verdict_names[v],
				    summary_action_names[a],
				    (unsigned long long)
				    st->verdict_action[v][a]);
	g_string_append(out,
	    "# HELP qscan_messages_direction_total Messages inbound "
	    "(RELAYCLIENT unset) and outbound (set).\n"
	    "# TYPE qscan_messages_direction_total counter\n");
	for (int r = 0; r < 2; r++) {
		uint64_t n = 0;

		for (int v = 0; v < SV_COUNT; v++)
			n += st->relay_verdict[r][v];
		g_string_append_printf(out,
		    "qscan_messages_direction_total{direction=\"%s\"} %llu\n",
		    r ? "outbound" : "inbound", (unsigned long long)n);
	}
	g_string_append(out,
	    "# HELP qscan_stage_duration_seconds Time per stage of the "
	    "scan (the summary line's ms=).\n"
	    "# TYPE qscan_stage_duration_seconds histogram\n");
	for (int s = 0; s < SS_COUNT; s++) {
		g_autofree char *labels = g_strdup_printf("stage=\"%s\"",
		    summary_stage_names[s]);

		append_hist(out, "qscan_stage_duration_seconds", labels,
		    &st->stage[s], HIST_MS_BASE, 0.001);
	}
	g_string_append(out,
	    "# HELP qscan_engine_duration_seconds Time per scan engine.\n"
	    "# TYPE qscan_engine_duration_seconds histogram\n");
	for (guint i = 0; i < engines->len; i++) {
		g_autofree char *labels = g_strdup_printf("engine=\"%s\"",
		    (const char *)engines->pdata[i]);

		append_hist(out, "qscan_engine_duration_seconds", labels,
		    g_hash_table_lookup(st->engine_ms, engines->pdata[i]),
		    HIST_MS_BASE, 0.001);
	}
	g_string_append(out,
	    "# HELP qscan_engine_results_total Engine results (error and "
	    "failed are engine failures).\n"
	    "# TYPE qscan_engine_results_total counter\n");
	for (guint i = 0; i < results->len; i++) {
		const char *key = results->pdata[i];
		const char *sp = strchr(key, ' ');

		g_string_append_printf(out,
		    "qscan_engine_results_total{engine=\"%.*s\","
		    "result=\"%s\"} %llu\n", (int)(sp - key), key, sp + 1,
		    (unsigned long long)*(uint64_t *)g_hash_table_lookup(
		    st->engine_results, key));
	}
	g_string_append(out,
	    "# HELP qscan_message_size_bytes Size of the messages read.\n"
	    "# TYPE qscan_message_size_bytes histogram\n");
	append_hist(out, "qscan_message_size_bytes", "", &st->size,
	    HIST_SIZE_BASE, 1);
	g_string_append_printf(out,
	    "# HELP qscan_quarantined_total Messages put in quarantine.\n"
	    "# TYPE qscan_quarantined_total counter\n"
	    "qscan_quarantined_total %llu\n",
	    (unsigned long long)action_total(st, SA_QUARANTINE));

	g_string_append(out,
	    "# HELP qscan_quarantine_commands_total qscan release and "
	    "delete, by action.\n"
	    "# TYPE qscan_quarantine_commands_total counter\n");
	for (guint i = 0; i < tools->len; i++)
		g_string_append_printf(out,
		    "qscan_quarantine_commands_total{action=\"%s\"} %llu\n",
		    (const char *)tools->pdata[i],
		    (unsigned long long)*(uint64_t *)g_hash_table_lookup(
		    st->tool_actions, tools->pdata[i]));
	g_string_append_printf(out,
	    "# HELP qscan_log_lines_refused_total Log lines that are "
	    "no summary line.\n"
	    "# TYPE qscan_log_lines_refused_total counter\n"
	    "qscan_log_lines_refused_total %llu\n"
	    "# HELP qscan_log_last_timestamp_seconds Stamp of the "
	    "newest line read.\n"
	    "# TYPE qscan_log_last_timestamp_seconds gauge\n"
	    "qscan_log_last_timestamp_seconds %lld\n",
	    (unsigned long long)st->refused, (long long)st->last);
}
