/* broker: reading one summary line back (docs/summary-line.md) for
 * `qscan report` and `qscan metrics` (docs/report.md).  The log is
 * ours, but a subject, an address or a name in it came from a sender,
 * so the reader is as strict as tests/summary_parse.py: keys in their
 * order, every value one escaped token, or the line is refused. */
#ifndef QSCAN_SUMMARY_READ_H
#define QSCAN_SUMMARY_READ_H

#include <stddef.h>
#include <stdint.h>

/* A line longer than this is refused unread: the writer bounds every
 * free-text field (about 4 KB escaped) but not the recipients' length,
 * 50 escaped addresses of up to 256 bytes (4 bytes per escaped byte)
 * fit. */
#define SUMMARY_LINE_MAX 65536

enum summary_kind { SUMMARY_MESSAGE, SUMMARY_TOOL };

enum summary_verdict {
	SV_CLEAN, SV_VIRUS, SV_POLICY, SV_SPAM, SV_LIMITS, SV_TEMPFAIL,
	SV_UNSCANNABLE, SV_REJECT, SV_COUNT
};

enum summary_action {
	SA_QUEUE, SA_QUEUE_FAILED, SA_REJECT, SA_TEMPFAIL, SA_QUARANTINE,
	SA_DROP, SA_COUNT
};

/* The `ms=` stages, in the line's order. */
enum summary_stage {
	SS_SETUP, SS_SPOOL, SS_CANARY, SS_UNPACK, SS_AV, SS_QUEUE, SS_TOTAL,
	SS_COUNT
};

extern const char *const summary_verdict_names[SV_COUNT];
extern const char *const summary_action_names[SA_COUNT];
extern const char *const summary_stage_names[SS_COUNT];

/* Every string points into the line given to summary_read_line, still
 * escaped (`<>` for empty); summary_unescape decodes one.  Lists are
 * items separated by ',' (no item holds one). */
struct summary_line {
	enum summary_kind kind;
	int64_t stamp;		/* seconds since the epoch, UTC */
	long pid;
	const char *id;
	/* SUMMARY_MESSAGE */
	const char *ip, *from, *rcpt;
	int relay;
	uint64_t size;
	unsigned long parts;
	enum summary_verdict verdict;
	enum summary_action action;
	unsigned long exit_code;
	const char *unchecked, *msgid, *subject, *attach, *engines;
	const char *viruses, *policy, *policy_mode, *spam, *quarantine;
	const char *spam_score;	/* score=: "score/required" */
	const char *archive, *reason;
	long rss_kb;
	double ms[SS_COUNT];
	/* SUMMARY_TOOL (qscan release, delete) */
	const char *folder, *tool_action, *tool_rcpt;
	unsigned long qq_exit;	/* 0 when absent */
	long uid;
};

/* Parses line[0..len) (without its newline; it may hold NUL bytes,
 * which refuse it) in place: spaces become NULs and *out points into
 * the line.  line[len] must be NUL.  0, or -1 with *why a constant saying what was wrong. */
int summary_read_line(char *line, size_t len, struct summary_line *out,
    const char **why);

/* Decodes one escaped value (a whole field or one list item of `len`
 * bytes) into out[0..max), NUL-terminated, `<>` as "".  Returns the
 * decoded length; a value longer than max-1 is cut at max-1. */
size_t summary_unescape(const char *value, size_t len, char *out,
    size_t max);

/* The next list item of a value: *cursor starts at the value, each call
 * gives the item's start and sets *len, NULL after the last (and at
 * once for `<>`). */
const char *summary_list_next(const char **cursor, size_t *len);

#endif
