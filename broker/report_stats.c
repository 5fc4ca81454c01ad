/* broker: counting summary lines for the report and the metrics
 * (docs/report.md).  Streaming: each line is parsed, counted and
 * forgotten. */
#include <math.h>
#include <string.h>

#include "report_stats.h"

const char *const report_fail_names[RF_COUNT] = {
	"tempfail", "queue-failed", "engine failure",
};

#define HOUR 3600
#define DAY 86400
/* Decoded names are cut here (the writer's own cut is 200 bytes). */
#define NAME_MAX_BYTES 256

void
report_stats_init(struct report_stats *st, int64_t since)
{
	memset(st, 0, sizeof(*st));
	st->since = since;
	st->hours = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, g_free);
	st->days = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, g_free);
	st->engine_ms = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->engine_results = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->viruses = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->rules = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->blocked_domains = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->fail_causes = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	st->tool_actions = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
}

void
report_stats_clear(struct report_stats *st)
{
	g_hash_table_unref(st->hours);
	g_hash_table_unref(st->days);
	g_hash_table_unref(st->engine_ms);
	g_hash_table_unref(st->engine_results);
	g_hash_table_unref(st->viruses);
	g_hash_table_unref(st->rules);
	g_hash_table_unref(st->blocked_domains);
	g_hash_table_unref(st->fail_causes);
	g_hash_table_unref(st->tool_actions);
	for (unsigned i = 0; i < REPORT_RECENT_MAX; i++) {
		g_free(st->recent[i].from);
		g_free(st->recent[i].subject);
		g_free(st->recent[i].reason);
	}
}

static char *
decode(const char *v)
{
	char buf[NAME_MAX_BYTES];

	summary_unescape(v, strlen(v), buf, sizeof(buf));
	return g_strdup(buf);
}

/* Keeps the last REPORT_RECENT_MAX blocked messages. */
static void
remember(struct report_stats *st, const struct summary_line *l)
{
	struct report_recent *r = &st->recent[st->recent_next];

	g_free(r->from);
	g_free(r->subject);
	g_free(r->reason);
	r->stamp = l->stamp;
	r->verdict = l->verdict;
	r->action = l->action;
	r->from = decode(l->from);
	r->subject = decode(l->subject);
	r->reason = decode(l->reason);
	st->recent_next = (st->recent_next + 1) % REPORT_RECENT_MAX;
	if (st->recent_len < REPORT_RECENT_MAX)
		st->recent_len++;
}

double
hist_bound(int i, double base)
{
	if (i >= HIST_BUCKETS - 1)
		return INFINITY;
	return base * exp2((double)(i + 1) / HIST_PER_OCTAVE);
}

void
hist_add(struct hist *h, double v, double base)
{
	int i = 0;

	if (v > base) {
		/* the smallest i with v <= base * 2^((i+1)/4) */
		double x = ceil(log2(v / base) * HIST_PER_OCTAVE) - 1;

		i = x < 0 ? 0 : x >= HIST_BUCKETS - 1 ? HIST_BUCKETS - 1 :
		    (int)x;
		/* log2's rounding: step to the right bucket */
		while (i > 0 && v <= hist_bound(i - 1, base))
			i--;
		while (i < HIST_BUCKETS - 1 && v > hist_bound(i, base))
			i++;
	}
	h->n[i]++;
	h->count++;
	h->sum += v;
}

double
hist_quantile(const struct hist *h, double p, double base)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)ceil(p * (double)h->count);
	if (want == 0)
		want = 1;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want)
			return i == HIST_BUCKETS - 1 ?
			    hist_bound(HIST_BUCKETS - 2, base) :
			    hist_bound(i, base);
	}
	return hist_bound(HIST_BUCKETS - 2, base);
}

/* Adds n to name's count; past REPORT_NAMES_MAX names, to "(other)". */
static void
count_name(GHashTable *t, const char *name, uint64_t n)
{
	uint64_t *c = g_hash_table_lookup(t, name);

	if (c == NULL) {
		if (g_hash_table_size(t) >= REPORT_NAMES_MAX)
			name = "(other)";
		c = g_hash_table_lookup(t, name);
		if (c == NULL) {
			c = g_new0(uint64_t, 1);
			g_hash_table_insert(t, g_strdup(name), c);
		}
	}
	*c += n;
}

static void
count_item(GHashTable *t, const char *item, size_t len)
{
	char name[NAME_MAX_BYTES];

	summary_unescape(item, len, name, sizeof(name));
	count_name(t, name[0] ? name : "(empty)", 1);
}

static void *
bucket_of(GHashTable *t, int64_t key, size_t size)
{
	void *v = g_hash_table_lookup(t, &key);

	if (v == NULL) {
		int64_t *k = g_new(int64_t, 1);

		*k = key;
		v = g_malloc0(size);
		g_hash_table_insert(t, k, v);
	}
	return v;
}

/* Floor division: a stamp before 1970 still lands in its own hour. */
static int64_t
floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;

	if (t % unit < 0)
		q--;
	return q * unit;
}

/* engine:result:ms items: per-engine time and result counts; whether
 * one failed. */
static int
count_engines(struct report_stats *st, const char *engines)
{
	const char *cursor = engines, *item;
	size_t len;
	int failed = 0;

	while ((item = summary_list_next(&cursor, &len)) != NULL) {
		const char *c1 = memchr(item, ':', len);
		const char *c2 = memchr(c1 + 1, ':',
		    len - (size_t)(c1 + 1 - item));
		g_autofree char *engine = g_strndup(item,
		    (size_t)(c1 - item));
		g_autofree char *key = g_strdup_printf("%s %.*s", engine,
		    (int)(c2 - c1 - 1), c1 + 1);
		g_autofree char *ms = g_strndup(c2 + 1,
		    len - (size_t)(c2 + 1 - item));
		struct hist *h = g_hash_table_lookup(st->engine_ms, engine);

		/* the names are [a-z]+ (summary_read.c), so few */
		if (h == NULL) {
			h = g_new0(struct hist, 1);
			g_hash_table_insert(st->engine_ms, g_strdup(engine), h);
		}
		hist_add(h, g_ascii_strtod(ms, NULL), HIST_MS_BASE);
		count_name(st->engine_results, key, 1);
		if (strncmp(c1 + 1, "error:", 6) == 0 ||
		    strncmp(c1 + 1, "failed:", 7) == 0) {
			g_autofree char *cause = g_strdup_printf("%s %.*s",
			    engine, (int)(c2 - c1 - 1), c1 + 1);

			count_name(st->fail_causes, cause, 1);
			failed = 1;
		}
	}
	return failed;
}

/* The domain of a sender: after its last '@'; "(null sender)" for <>. */
static void
count_domain(GHashTable *t, const char *from)
{
	char addr[NAME_MAX_BYTES];
	const char *at;

	summary_unescape(from, strlen(from), addr, sizeof(addr));
	if (addr[0] == '\0') {
		count_name(t, "(null sender)", 1);
		return;
	}
	at = strrchr(addr, '@');
	count_name(t, at && at[1] ? at + 1 : "(no domain)", 1);
}

static void
count_message(struct report_stats *st, const struct summary_line *l)
{
	struct report_hour *hour = bucket_of(st->hours,
	    floor_to(l->stamp, HOUR), sizeof(struct report_hour));
	struct report_day *day = bucket_of(st->days,
	    floor_to(l->stamp, DAY), sizeof(struct report_day));
	const char *cursor, *item;
	size_t len;

	st->messages++;
	st->verdict_action[l->verdict][l->action]++;
	st->relay_verdict[l->relay][l->verdict]++;
	hour->verdict[l->verdict]++;
	hour->relay[l->relay]++;
	hist_add(&st->size, (double)l->size, HIST_SIZE_BASE);
	for (int i = 0; i < SS_COUNT; i++) {
		hist_add(&day->stage[i], l->ms[i], HIST_MS_BASE);
		hist_add(&st->stage[i], l->ms[i], HIST_MS_BASE);
	}
	if (count_engines(st, l->engines))
		hour->fail[RF_ENGINE]++;
	if (l->action == SA_TEMPFAIL) {
		hour->fail[RF_TEMPFAIL]++;
		count_item(st->fail_causes, l->reason, strlen(l->reason));
	}
	if (l->action == SA_QUEUE_FAILED) {
		g_autofree char *cause = g_strdup_printf(
		    "qmail-queue exit %lu", l->exit_code);

		hour->fail[RF_QUEUE_FAILED]++;
		count_name(st->fail_causes, cause, 1);
	}
	if (l->viruses != NULL)
		for (cursor = l->viruses;
		    (item = summary_list_next(&cursor, &len)) != NULL;) {
			const char *c = memchr(item, ':', len);

			/* engine:Name, split at the first ':'; +N is the
			 * count of names the line left out */
			if (c == NULL)
				continue;
			count_item(st->viruses, c + 1,
			    len - (size_t)(c + 1 - item));
		}
	for (cursor = l->policy;
	    (item = summary_list_next(&cursor, &len)) != NULL;)
		if (item[0] != '+')
			count_item(st->rules, item, len);
	if (l->action == SA_REJECT || l->action == SA_QUARANTINE ||
	    l->action == SA_DROP) {
		count_domain(st->blocked_domains, l->from);
		remember(st, l);
	}
}

void
report_stats_add_line(struct report_stats *st, char *line, size_t len,
    int whole)
{
	struct summary_line l;
	const char *why;

	st->lines++;
	if (!whole || summary_read_line(line, len, &l, &why) != 0) {
		st->refused++;
		return;
	}
	if (l.stamp < st->since) {
		st->skipped++;
		return;
	}
	if (st->first == 0 || l.stamp < st->first)
		st->first = l.stamp;
	if (l.stamp > st->last)
		st->last = l.stamp;
	if (l.kind == SUMMARY_TOOL) {
		st->tool_lines++;
		count_name(st->tool_actions, l.tool_action, 1);
		return;
	}
	count_message(st, &l);
}

static gint
count_cmp(gconstpointer a, gconstpointer b)
{
	const struct report_count *x = *(const struct report_count *const *)a;
	const struct report_count *y = *(const struct report_count *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

GPtrArray *
report_top(GHashTable *counts, guint max)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, counts);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct report_count *c = g_new(struct report_count, 1);

		c->name = k;
		c->n = *(uint64_t *)v;
		g_ptr_array_add(all, c);
	}
	g_ptr_array_sort(all, count_cmp);
	if (all->len > max)
		g_ptr_array_set_size(all, max);
	return all;
}
