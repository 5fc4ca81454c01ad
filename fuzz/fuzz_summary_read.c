/* fuzz: the summary line reader (broker/summary_read.c) and the counting
 * on top of it (broker/report_stats.c) on arbitrary bytes: one line per
 * input, as report_input.c hands it over (NUL-terminated, no newline). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "report_stats.h"
#include "summary_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every string of an accepted line is a token of the line (no space,
 * no '=', printable), and every list item decodes within bounds. */
static void
check_value(const char *v, const char *line, size_t len)
{
	char out[64];
	const char *cursor = v, *item;
	size_t n;

	if (v == NULL)
		return;
	if (v < line || v >= line + len || strchr(v, ' ') != NULL ||
	    strchr(v, '=') != NULL)
		abort();
	while ((item = summary_list_next(&cursor, &n)) != NULL)
		if (summary_unescape(item, n, out, sizeof(out)) >= sizeof(out))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct summary_line l;
	struct report_stats st;
	const char *why = NULL;
	char *line, *copy;
	int ok;

	if (size >= SUMMARY_LINE_MAX)
		return 0;
	line = malloc(size + 1);
	copy = malloc(size + 1);
	if (line == NULL || copy == NULL)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	memcpy(copy, line, size + 1);
	ok = summary_read_line(line, size, &l, &why) == 0;
	if (!ok && why == NULL)
		abort();
	if (ok) {
		const char *const values[] = {
			l.id, l.ip, l.from, l.rcpt, l.unchecked, l.msgid,
			l.subject, l.attach, l.engines, l.viruses, l.policy,
			l.reason, l.folder, l.tool_action, l.tool_rcpt,
		};

		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
			check_value(values[i], line, size);
	}
	/* the counting reads what the reader accepted, fields split again */
	report_stats_init(&st, 0);
	report_stats_add_line(&st, copy, size, 1);
	if (st.lines != 1 || st.refused != (uint64_t)!ok)
		abort();
	report_stats_clear(&st);
	free(line);
	free(copy);
	harness_outcome_report(ok);
	return 0;
}
