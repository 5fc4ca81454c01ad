/* broker: the counts `qscan report` and `qscan metrics` draw from,
 * gathered line by line (docs/report.md).  Memory grows with the hours
 * and days the log spans and the distinct names in it (capped), never
 * with the number of lines: percentiles come from fixed log-scale
 * histograms. */
#ifndef QSCAN_REPORT_STATS_H
#define QSCAN_REPORT_STATS_H

#include <glib.h>
#include <stdint.h>

#include "summary_read.h"

/* Bucket i holds values up to HIST_BASE * 2^((i+1)/4): four buckets an
 * octave, so a percentile read from the bucket's upper bound is at most
 * 19 % high; 95 buckets span 24 octaves (milliseconds from 0.01 to
 * 167 772 s; sizes, in units of 16 bytes, to 256 MiB), the last holds
 * the rest. */
#define HIST_BUCKETS 96
#define HIST_PER_OCTAVE 4

struct hist {
	uint64_t n[HIST_BUCKETS];
	uint64_t count;
	double sum;
};

/* A distinct name beyond this many is counted as "(other)": a log full
 * of made-up virus names or sender domains cannot grow the report. */
#define REPORT_NAMES_MAX 10000

/* The kinds of failure the tempfail chart draws as bands. */
enum report_fail {
	RF_TEMPFAIL,		/* action tempfail: the sender retries */
	RF_QUEUE_FAILED,	/* qmail-queue did not take it */
	RF_ENGINE,		/* an engine ended in error or failed */
	RF_COUNT
};
extern const char *const report_fail_names[RF_COUNT];

struct report_hour {
	uint64_t verdict[SV_COUNT];
	uint64_t relay[2];		/* [0] inbound, [1] outbound */
	uint64_t fail[RF_COUNT];
};

struct report_day {
	struct hist stage[SS_COUNT];
};

/* The last blocked messages the report lists, decoded (hostile text:
 * the HTML escapes it). */
#define REPORT_RECENT_MAX 20
struct report_recent {
	int64_t stamp;
	enum summary_verdict verdict;
	enum summary_action action;
	char *from, *subject, *reason;
};

struct report_stats {
	int64_t since;			/* lines before this are skipped */
	int64_t first, last;		/* stamps of the lines counted */
	uint64_t lines, refused, skipped, tool_lines, messages;
	uint64_t verdict_action[SV_COUNT][SA_COUNT];
	uint64_t relay_verdict[2][SV_COUNT];
	GHashTable *hours;		/* hour start -> struct report_hour */
	GHashTable *days;		/* day start -> struct report_day */
	struct hist size;		/* bytes */
	struct hist stage[SS_COUNT];	/* ms, every day together */
	GHashTable *engine_ms;		/* engine name -> struct hist */
	GHashTable *engine_results;	/* "engine result" -> count */
	GHashTable *viruses, *rules, *blocked_domains, *fail_causes;
	GHashTable *tool_actions;	/* qscan release/delete actions */
	struct report_recent recent[REPORT_RECENT_MAX];	/* a ring */
	unsigned recent_next, recent_len;
};

void report_stats_init(struct report_stats *st, int64_t since);
void report_stats_clear(struct report_stats *st);

/* Counts one raw log line (line[len] NUL; whole: it ended in a newline
 * and was not cut at SUMMARY_LINE_MAX).  The line is parsed in place. */
void report_stats_add_line(struct report_stats *st, char *line,
    size_t len, int whole);

void hist_add(struct hist *h, double v, double base);
/* The upper bound of the bucket the p-th fraction (0..1) falls in; 0
 * when empty. */
double hist_quantile(const struct hist *h, double p, double base);
/* The upper bound of bucket i (infinite for the last). */
double hist_bound(int i, double base);

#define HIST_MS_BASE 0.01
#define HIST_SIZE_BASE 16.0

/* Names and counts of a table, most first (ties by name), at most
 * max; free with g_ptr_array_unref (struct report_count). */
struct report_count {
	const char *name;
	uint64_t n;
};
GPtrArray *report_top(GHashTable *counts, guint max);

#endif
