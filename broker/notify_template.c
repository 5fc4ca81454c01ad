/* broker: a notice from its template (notify.h): placeholders replaced
 * by cleaned values, the Subject encoded, the headers of a MIME text
 * message; pure, trusted, every value hostile. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "notify.h"

char *
notify_clean_value(const char *v, size_t max)
{
	g_autofree char *valid = g_utf8_make_valid(v ? v : "", -1);
	GString *out = g_string_sized_new(MIN(strlen(valid), max) + 4);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		const char *next = g_utf8_next_char(p);

		if (out->len + (size_t)(next - p) > max) {
			g_string_append(out, "...");
			break;
		}
		/* C0, DEL, C1 and the Unicode line separators: a value is
		 * one line, in a header or the body alike. */
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    c == 0x2028 || c == 0x2029)
			g_string_append_c(out, ' ');
		else
			g_string_append_len(out, p, next - p);
	}
	return g_string_free(out, FALSE);
}

char *
notify_expand(const char *tmpl, const struct notify_values *v)
{
	const struct {
		const char *name;
		const char *value;
		size_t max;
	} vars[] = {
		{ "VERDICT", v->verdict, NOTIFY_VALUE_MAX },
		{ "REASON", v->reason, NOTIFY_VALUE_MAX },
		{ "SUBJECT", v->subject, NOTIFY_VALUE_MAX },
		{ "ID", v->id, NOTIFY_VALUE_MAX },
		{ "SENDER", v->sender, NOTIFY_VALUE_MAX },
		{ "RECIPIENTS", v->recipients, NOTIFY_RECIPIENT_LIST_MAX },
		{ "DATE", v->date, NOTIFY_VALUE_MAX },
		{ "HOST", v->host, NOTIFY_VALUE_MAX },
	};
	GString *out = g_string_new(NULL);
	const char *p = tmpl;

	while (*p) {
		const char *pct = strchr(p, '%'), *end;
		size_t i;

		if (pct == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, pct - p);
		if (pct[1] == '%') {
			g_string_append_c(out, '%');
			p = pct + 2;
			continue;
		}
		end = strchr(pct + 1, '%');
		for (i = 0; end != NULL && i < G_N_ELEMENTS(vars); i++)
			if ((size_t)(end - pct - 1) == strlen(vars[i].name) &&
			    strncmp(pct + 1, vars[i].name, end - pct - 1) == 0)
				break;
		if (end == NULL || i == G_N_ELEMENTS(vars)) {
			g_string_append_c(out, '%');	/* not ours: as written */
			p = pct + 1;
			continue;
		}
		{
			g_autofree char *clean = notify_clean_value(
			    vars[i].value ? vars[i].value : "", vars[i].max);

			g_string_append(out, clean[0] ? clean : "-");
		}
		p = end + 1;
	}
	return g_string_free(out, FALSE);
}

char *
notify_header_encode(const char *s)
{
	/* 45 bytes are 60 in base64: with "=?UTF-8?B?" and "?=", 72 of
	 * the 75 an encoded word may have (RFC 2047, 2). */
	const size_t chunk = 45;
	g_autofree char *valid = g_utf8_make_valid(s, -1);
	GString *out;
	const char *p;
	int ascii = 1;

	/* Walked by characters: invalid bytes would step past the end. */
	s = valid;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			ascii = 0;
	if (ascii)
		return g_strdup(s);
	out = g_string_new(NULL);
	for (p = s; *p;) {
		const char *q = p, *next;
		g_autofree char *b64 = NULL;

		/* Whole characters only: a word must decode on its own. */
		while (*q && (size_t)((next = g_utf8_next_char(q)) - p) <= chunk)
			q = next;
		if (q == p)
			q = g_utf8_next_char(p);
		b64 = g_base64_encode((const guchar *)p, q - p);
		g_string_append_printf(out, "%s=?UTF-8?B?%s?=",
		    out->len ? "\n " : "", b64);
		p = q;
	}
	return g_string_free(out, FALSE);
}

void
notify_date(long long t, char *out, size_t n)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, n, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The body's lines as 8bit wants them: LF ends, none over
 * NOTIFY_LINE_MAX bytes (broken on a character boundary). */
static void
append_body(GString *out, const char *body)
{
	size_t col = 0;

	for (const char *p = body; *p; p = g_utf8_next_char(p)) {
		const char *next = g_utf8_next_char(p);

		if (*p == '\r')
			continue;
		if (*p == '\n') {
			g_string_append_c(out, '\n');
			col = 0;
			continue;
		}
		if (col + (size_t)(next - p) > NOTIFY_LINE_MAX) {
			g_string_append_c(out, '\n');
			col = 0;
		}
		g_string_append_len(out, p, next - p);
		col += (size_t)(next - p);
	}
	if (col != 0)
		g_string_append_c(out, '\n');
}

int
notify_compose(const char *tmpl, size_t len, const struct notify_values *v,
    const struct notify_mail *m, GString *out, char **why)
{
	g_autofree char *text = NULL, *subject = NULL, *body = NULL;
	g_autofree char *subj_line = NULL, *encoded = NULL, *id = NULL;
	const char *nl, *start;

	if (len > NOTIFY_TEMPLATE_MAX || memchr(tmpl, '\0', len) != NULL ||
	    !g_utf8_validate(tmpl, (gssize)len, NULL)) {
		*why = g_strdup("template over 16 KiB, or not UTF-8 text");
		return -1;
	}
	text = g_strndup(tmpl, len);
	if (!g_str_has_prefix(text, "Subject:") ||
	    (nl = strchr(text, '\n')) == NULL) {
		*why = g_strdup("template does not start with a Subject: line");
		return -1;
	}
	start = nl + 1;
	if (*start == '\r')
		start++;
	if (*start != '\n') {
		*why = g_strdup("template: no empty line after Subject:");
		return -1;
	}
	subject = g_strstrip(g_strndup(text + 8, nl - text - 8));
	body = notify_expand(start + 1, v);
	/* The subject line: its expansion is one line (values are). */
	subj_line = notify_expand(subject, v);
	{
		g_autofree char *one = notify_clean_value(subj_line,
		    NOTIFY_LINE_MAX / 2);

		encoded = notify_header_encode(one);
	}
	/* Ours, but a header must be ASCII whatever it is given. */
	{
		g_autofree char *clean = notify_clean_value(m->id,
		    NOTIFY_VALUE_MAX / 4);

		id = notify_header_encode(clean);
	}
	g_string_append_printf(out, "Date: %s\nFrom: %s\nTo: %s\n"
	    "Subject: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-replied\n%s: %s\n\n", m->date, m->from,
	    m->to, encoded, m->message_id, m->id_header, id);
	append_body(out, body);
	if (out->len > NOTIFY_MESSAGE_MAX) {
		*why = g_strdup_printf("notice of %zu bytes over %u",
		    (size_t)out->len, NOTIFY_MESSAGE_MAX);
		return -1;
	}
	return 0;
}
