/* broker: one summary line read back into a struct (docs/summary-line.md,
 * docs/report.md).  Same rules as the writer (log_escape) and as
 * tests/summary_parse.py: every value a token of printable ASCII with no
 * '=' and no backslash but `\xNN`, the keys in their order, the
 * optional ones only where they may be, nothing left over. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "summary_read.h"

const char *const summary_verdict_names[SV_COUNT] = {
	"clean", "virus", "policy", "spam", "limits", "tempfail",
	"unscannable", "reject",
};
const char *const summary_action_names[SA_COUNT] = {
	"queue", "queue-failed", "reject", "tempfail", "quarantine", "drop",
};
const char *const summary_stage_names[SS_COUNT] = {
	"setup", "spool", "canary", "unpack", "av", "queue", "total",
};

/* The engine results a line may name (summary_fields.c). */
static const char *const engine_results[] = {
	"clean", "virus", "unchecked", "error", "failed", NULL,
};

static int
is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* One token: printable ASCII, no '=', backslashes only as \xNN. */
static int
token_ok(const char *v)
{
	if (*v == '\0')
		return 0;
	for (const char *p = v; *p; p++) {
		if (*p < '!' || *p > '~' || *p == '=')
			return 0;
		if (*p == '\\') {
			if (p[1] != 'x' || !is_hex_lower(p[2]) ||
			    !is_hex_lower(p[3]))
				return 0;
			p += 3;
		}
	}
	return 1;
}

/* Digits only, at most 18 of them (no overflow of 64 bits). */
static int
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_ulong(const char *s, unsigned long *out)
{
	uint64_t v;

	if (parse_u64(s, strlen(s), &v) != 0 || v > 0xffffffffUL)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

static int
parse_long_signed(const char *s, long *out)
{
	unsigned long v;
	int neg = (*s == '-');

	if (parse_ulong(s + neg, &v) != 0)
		return -1;
	*out = neg ? -(long)v : (long)v;
	return 0;
}

/* \d+(\.\d+)? as the writer prints milliseconds. */
static int
parse_num(const char *s, size_t len, double *out)
{
	const char *dot = memchr(s, '.', len);
	uint64_t whole, frac = 0;
	size_t wlen = dot ? (size_t)(dot - s) : len;
	size_t flen = dot ? len - wlen - 1 : 0;
	double scale = 1;

	if (parse_u64(s, wlen, &whole) != 0 ||
	    (dot && parse_u64(dot + 1, flen, &frac) != 0))
		return -1;
	for (size_t i = 0; i < flen; i++)
		scale *= 10;
	*out = (double)whole + (double)frac / scale;
	return 0;
}

static int
lookup(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

static int
all_lower(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

const char *
summary_list_next(const char **cursor, size_t *len)
{
	const char *item = *cursor, *comma;

	if (item == NULL || strcmp(item, "<>") == 0) {
		*cursor = NULL;
		return NULL;
	}
	comma = strchr(item, ',');
	*len = comma ? (size_t)(comma - item) : strlen(item);
	*cursor = comma ? comma + 1 : NULL;
	return item;
}

/* The `,+N` that says N items were left out: the last item only. */
static int
is_more(const char *item, size_t len, const char *cursor)
{
	uint64_t n;

	return cursor == NULL && len > 1 && item[0] == '+' &&
	    parse_u64(item + 1, len - 1, &n) == 0;
}

/* Each item of a list checked by one function; `<>` is the empty list.
 * more: whether a last `+N` is allowed. */
static int
list_ok(const char *v, int (*item_ok)(const char *, size_t), int more)
{
	const char *cursor = v, *item;
	size_t len;

	if (strcmp(v, "<>") == 0)
		return 1;
	while ((item = summary_list_next(&cursor, &len)) != NULL) {
		if (more && is_more(item, len, cursor))
			return 1;
		if (!item_ok(item, len))
			return 0;
	}
	return 1;
}

/* name:size, split at the last ':'. */
static int
attach_ok(const char *s, size_t len)
{
	uint64_t n;
	size_t i = len;

	while (i > 0 && s[i - 1] != ':')
		i--;
	return i > 1 && parse_u64(s + i, len - i, &n) == 0;
}

/* engine:result:ms */
static int
engine_ok(const char *s, size_t len)
{
	const char *c1 = memchr(s, ':', len), *c2;
	double ms;
	size_t rlen;
	int found = 0;

	if (c1 == NULL || !all_lower(s, (size_t)(c1 - s)))
		return 0;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (c2 == NULL)
		return 0;
	rlen = (size_t)(c2 - c1 - 1);
	for (int i = 0; engine_results[i]; i++)
		if (strlen(engine_results[i]) == rlen &&
		    memcmp(engine_results[i], c1 + 1, rlen) == 0)
			found = 1;
	return found && parse_num(c2 + 1, len - (size_t)(c2 + 1 - s), &ms) == 0;
}

/* engine:Name, split at the first ':' */
static int
virus_ok(const char *s, size_t len)
{
	const char *c = memchr(s, ':', len);

	return c != NULL && all_lower(s, (size_t)(c - s)) &&
	    (size_t)(c + 1 - s) < len;
}

/* action@line or action@line:name */
static int
policy_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *c, *end = s + len;
	uint64_t n;

	if (at == NULL || !all_lower(s, (size_t)(at - s)))
		return 0;
	c = memchr(at + 1, ':', (size_t)(end - at - 1));
	if (parse_u64(at + 1, (size_t)((c ? c : end) - at - 1), &n) != 0)
		return 0;
	return c == NULL || c + 1 < end;
}

/* setup:N,spool:N,...,total:N in that order. */
static int
ms_parse(const char *v, double *ms)
{
	const char *cursor = v, *item;
	size_t len;
	int i = 0;

	while ((item = summary_list_next(&cursor, &len)) != NULL) {
		size_t klen;

		if (i == SS_COUNT)
			return -1;
		klen = strlen(summary_stage_names[i]);
		if (len <= klen + 1 ||
		    memcmp(item, summary_stage_names[i], klen) != 0 ||
		    item[klen] != ':' ||
		    parse_num(item + klen + 1, len - klen - 1, &ms[i]) != 0)
			return -1;
		i++;
	}
	return i == SS_COUNT ? 0 : -1;
}

/* A quarantine or archive name: [A-Za-z0-9][A-Za-z0-9._-]* */
static int
name_ok(const char *v)
{
	if (!g_ascii_isalnum(*v))
		return 0;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' &&
		    *p != '-')
			return 0;
	return 1;
}

/* id: three lower-case hex groups. */
static int
message_id_ok(const char *v)
{
	int groups = 1, digits = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '.') {
			if (digits == 0)
				return 0;
			groups++;
			digits = 0;
		} else if (is_hex_lower(*p))
			digits++;
		else
			return 0;
	}
	return groups == 3 && digits > 0;
}

/* YYYY-MM-DDTHH:MM:SSZ */
static int
stamp_parse(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	time_t t;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != shape[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

enum field {
	F_ID, F_IP, F_RELAY, F_FROM, F_RCPT, F_SIZE, F_PARTS, F_VERDICT,
	F_ACTION, F_EXIT, F_UNCHECKED, F_MSGID, F_SUBJECT, F_ATTACH,
	F_ENGINES, F_VIRUSES, F_POLICY, F_POLICY_MODE, F_SPAM, F_SCORE, F_QUARANTINE,
	F_ARCHIVE, F_REASON, F_RSS_KB, F_MS,
	T_ID, T_FOLDER, T_ACTION, T_RCPT, T_QQ_EXIT, T_UID,
};

struct field_spec {
	const char *key;
	enum field field;
	int required;
};

static const struct field_spec message_fields[] = {
	{ "id", F_ID, 1 }, { "ip", F_IP, 1 }, { "relay", F_RELAY, 1 },
	{ "from", F_FROM, 1 }, { "rcpt", F_RCPT, 1 }, { "size", F_SIZE, 1 },
	{ "parts", F_PARTS, 1 }, { "verdict", F_VERDICT, 1 },
	{ "action", F_ACTION, 1 }, { "exit", F_EXIT, 1 },
	{ "unchecked", F_UNCHECKED, 0 }, { "msgid", F_MSGID, 1 },
	{ "subject", F_SUBJECT, 1 }, { "attach", F_ATTACH, 1 },
	{ "engines", F_ENGINES, 1 }, { "viruses", F_VIRUSES, 0 },
	{ "policy", F_POLICY, 1 }, { "policy_mode", F_POLICY_MODE, 0 },
	{ "spam", F_SPAM, 0 }, { "score", F_SCORE, 0 },
	{ "quarantine", F_QUARANTINE, 0 },
	{ "archive", F_ARCHIVE, 0 }, { "reason", F_REASON, 1 },
	{ "rss_kb", F_RSS_KB, 1 }, { "ms", F_MS, 1 },
	{ NULL, 0, 0 },
};

static const struct field_spec tool_fields[] = {
	{ "id", T_ID, 1 }, { "folder", T_FOLDER, 1 },
	{ "action", T_ACTION, 1 }, { "rcpt", T_RCPT, 0 },
	{ "qq_exit", T_QQ_EXIT, 0 }, { "uid", T_UID, 1 },
	{ NULL, 0, 0 },
};

/* yes, no, unknown or skipped:WHY (docs/spam.md) */
static int
spam_ok(const char *v)
{
	const char *why = v + strlen("skipped:");

	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "unknown") == 0)
		return 1;
	return strncmp(v, "skipped:", strlen("skipped:")) == 0 &&
	    why[0] != '\0' && why[strspn(why, "abcdefghijklmnopqrstuvwxyz-")]
	    == '\0';
}

/* spamd's score/required, either may be negative */
static int
score_ok(const char *v)
{
	const char *slash = strchr(v, '/');
	const char *b = slash ? slash + 1 : NULL;
	size_t alen = slash ? (size_t)(slash - v) : 0;
	double x;

	if (slash == NULL)
		return 0;
	if (alen > 0 && v[0] == '-')
		v++, alen--;
	if (b[0] == '-')
		b++;
	return parse_num(v, alen, &x) == 0 &&
	    parse_num(b, strlen(b), &x) == 0;
}

static int
folder_ok(const char *v)
{
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' &&
		    *p != '-')
			return 0;
	return 1;
}

/* Checks one value and stores it; 0 or -1. */
static int
field_store(enum field f, const char *v, struct summary_line *out)
{
	int i;

	switch (f) {
	case F_ID:
		out->id = v;
		return message_id_ok(v) ? 0 : -1;
	case F_IP: out->ip = v; return 0;
	case F_RELAY:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return -1;
		out->relay = v[0] == '1';
		return 0;
	case F_FROM: out->from = v; return 0;
	case F_RCPT: out->rcpt = v; return 0;
	case F_SIZE: return parse_u64(v, strlen(v), &out->size);
	case F_PARTS: return parse_ulong(v, &out->parts);
	case F_VERDICT:
		if ((i = lookup(summary_verdict_names, SV_COUNT, v)) < 0)
			return -1;
		out->verdict = (enum summary_verdict)i;
		return 0;
	case F_ACTION:
		if ((i = lookup(summary_action_names, SA_COUNT, v)) < 0)
			return -1;
		out->action = (enum summary_action)i;
		return 0;
	case F_EXIT: return parse_ulong(v, &out->exit_code);
	case F_UNCHECKED: out->unchecked = v; return 0;
	case F_MSGID: out->msgid = v; return 0;
	case F_SUBJECT: out->subject = v; return 0;
	case F_ATTACH:
		out->attach = v;
		return list_ok(v, attach_ok, 1) ? 0 : -1;
	case F_ENGINES:
		out->engines = v;
		return list_ok(v, engine_ok, 0) ? 0 : -1;
	case F_VIRUSES:
		out->viruses = v;
		return strcmp(v, "<>") != 0 && list_ok(v, virus_ok, 1) ? 0 : -1;
	case F_POLICY:
		out->policy = v;
		return list_ok(v, policy_ok, 1) ? 0 : -1;
	case F_POLICY_MODE:
		out->policy_mode = v;
		return strcmp(v, "monitor_only") == 0 ? 0 : -1;
	case F_SPAM:
		out->spam = v;
		return spam_ok(v) ? 0 : -1;
	case F_SCORE:
		out->spam_score = v;
		return score_ok(v) ? 0 : -1;
	case F_QUARANTINE:
		out->quarantine = v;
		return name_ok(v) ? 0 : -1;
	case F_ARCHIVE:
		out->archive = v;
		return name_ok(v) ? 0 : -1;
	case F_REASON: out->reason = v; return 0;
	case F_RSS_KB: return parse_long_signed(v, &out->rss_kb);
	case F_MS: return ms_parse(v, out->ms);
	case T_ID:
		out->id = v;
		return name_ok(v) ? 0 : -1;
	case T_FOLDER:
		out->folder = v;
		return folder_ok(v) ? 0 : -1;
	case T_ACTION:
		out->tool_action = v;
		for (const char *p = v; *p; p++)
			if ((*p < 'a' || *p > 'z') && *p != '-')
				return -1;
		return 0;
	case T_RCPT: out->tool_rcpt = v; return 0;
	case T_QQ_EXIT: return parse_ulong(v, &out->qq_exit);
	case T_UID: return parse_long_signed(v, &out->uid);
	default:
		return -1;
	}
}

/* Splits the rest of the line at single spaces; walks the spec. */
static int
fields_read(char *p, const struct field_spec *spec,
    struct summary_line *out, const char **why)
{
	for (; spec->key != NULL; spec++) {
		size_t klen = strlen(spec->key);
		char *end, *v;

		if (p == NULL || strncmp(p, spec->key, klen) != 0 ||
		    p[klen] != '=') {
			if (spec->required) {
				*why = "a required key is missing or misplaced";
				return -1;
			}
			continue;
		}
		v = p + klen + 1;
		end = strchr(v, ' ');
		if (end != NULL)
			*end = '\0';
		p = end ? end + 1 : NULL;
		if (!token_ok(v)) {
			*why = "a value is not one escaped token";
			return -1;
		}
		if (field_store(spec->field, v, out) != 0) {
			*why = "a value is not of its key's form";
			return -1;
		}
	}
	if (p != NULL) {
		*why = "an unknown or misplaced field";
		return -1;
	}
	return 0;
}

int
summary_read_line(char *line, size_t len, struct summary_line *out,
    const char **why)
{
	char *sp1, *sp2, *rest;
	unsigned long pid;

	memset(out, 0, sizeof(*out));
	*why = "a line of NUL bytes";
	if (len >= SUMMARY_LINE_MAX) {
		*why = "the line is too long";
		return -1;
	}
	if (memchr(line, '\0', len) != NULL || line[len] != '\0')
		return -1;
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp2 == NULL) {
		*why = "no stamp and pid";
		return -1;
	}
	*sp1 = *sp2 = '\0';
	if (stamp_parse(line, &out->stamp) != 0 ||
	    strncmp(sp1 + 1, "pid=", 4) != 0 ||
	    parse_ulong(sp1 + 5, &pid) != 0) {
		*why = "no stamp and pid";
		return -1;
	}
	out->pid = (long)pid;
	rest = sp2 + 1;
	if (strncmp(rest, "quarantine ", 11) == 0) {
		out->kind = SUMMARY_TOOL;
		return fields_read(rest + 11, tool_fields, out, why);
	}
	out->kind = SUMMARY_MESSAGE;
	return fields_read(rest, message_fields, out, why);
}

size_t
summary_unescape(const char *value, size_t len, char *out, size_t max)
{
	size_t n = 0;

	if (max == 0)
		return 0;
	if (len == 2 && memcmp(value, "<>", 2) == 0)
		len = 0;
	for (size_t i = 0; i < len && n + 1 < max; i++) {
		if (value[i] == '\\' && i + 3 < len && value[i + 1] == 'x' &&
		    is_hex_lower(value[i + 2]) && is_hex_lower(value[i + 3])) {
			out[n++] = (char)(g_ascii_xdigit_value(value[i + 2]) *
			    16 + g_ascii_xdigit_value(value[i + 3]));
			i += 3;
		} else
			out[n++] = value[i];
	}
	out[n] = '\0';
	return n;
}
