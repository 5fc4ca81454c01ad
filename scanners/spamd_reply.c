/* scanners: spamd's reply decoder (scanners/spamd_reply.h); pure code on
 * hostile bytes: every length is checked before it is used, every field
 * has one form, anything else is MALFORMED with the reason. */
#include <stdio.h>
#include <string.h>

#include "spamd_reply.h"

static enum spamd_reply_kind
malformed(struct spamd_reply *r, const char *why)
{
	r->kind = SPAMD_REPLY_MALFORMED;
	snprintf(r->text, sizeof(r->text), "%s", why);
	return r->kind;
}

/* The next CRLF-ended line from *off: its start and length (CRLF not
 * counted); -1 when no CRLF follows, or a bare CR or LF or a NUL is
 * inside. */
static int
next_line(const uint8_t *buf, size_t len, size_t *off, const uint8_t **line,
    size_t *n)
{
	for (size_t i = *off; i + 1 < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n') {
			*line = buf + *off;
			*n = i - *off;
			*off = i + 2;
			return 0;
		}
		if (buf[i] == '\r' || buf[i] == '\n' || buf[i] == '\0')
			return -1;
	}
	return -1;
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* A decimal of 1 to `digits` digits, no sign, no leading '+'. */
static int
parse_uint(const uint8_t *p, size_t n, unsigned digits, unsigned long *v)
{
	unsigned long x = 0;

	if (n == 0 || n > digits)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		x = x * 10 + (unsigned long)(p[i] - '0');
	}
	*v = x;
	return 0;
}

int
spamd_score_parse(const char *s, size_t len, int32_t *milli)
{
	const char *dot;
	unsigned long whole, frac = 0;
	size_t i = 0, nfrac = 0;
	int neg = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	dot = memchr(s + i, '.', len - i);
	if (parse_uint((const uint8_t *)s + i, (size_t)((dot ? dot : s + len) -
	    (s + i)), SPAMD_SCORE_INT_DIGITS, &whole) != 0)
		return -1;
	if (dot != NULL) {
		nfrac = len - (size_t)(dot + 1 - s);
		if (parse_uint((const uint8_t *)dot + 1, nfrac, 3, &frac) != 0)
			return -1;
		for (size_t k = nfrac; k < 3; k++)
			frac *= 10;
	}
	*milli = (int32_t)(whole * 1000 + frac);
	if (neg)
		*milli = -*milli;
	return 0;
}

/* "SPAMD/1.<minor> <code> <text>" */
static enum spamd_reply_kind
parse_status(const uint8_t *p, size_t n, struct spamd_reply *r)
{
	static const char magic[] = "SPAMD/1.";
	size_t i = sizeof(magic) - 1, start;
	unsigned long v;

	if (n < i || memcmp(p, magic, i) != 0)
		return malformed(r, "status line is not SPAMD/1.x");
	for (start = i; i < n && is_digit(p[i]); i++)
		;
	if (parse_uint(p + start, i - start, 2, &v) != 0 || i == n ||
	    p[i] != ' ')
		return malformed(r, "bad protocol version");
	for (start = ++i; i < n && is_digit(p[i]); i++)
		;
	if (parse_uint(p + start, i - start, 3, &v) != 0 || i == n ||
	    p[i] != ' ')
		return malformed(r, "bad status code");
	r->code = (unsigned)v;
	start = ++i;
	if (r->code == 0) {
		if (n - start != 5 || memcmp(p + start, "EX_OK", 5) != 0)
			return malformed(r, "code 0 without EX_OK");
		r->kind = SPAMD_REPLY_SCORED;
		return r->kind;
	}
	/* spamd's own words, for the log: printable ASCII only. */
	for (i = start; i < n && i - start < SPAMD_TEXT_MAX; i++)
		r->text[i - start] = p[i] >= 0x20 && p[i] < 0x7f ?
		    (char)p[i] : '?';
	r->text[i - start] = '\0';
	r->kind = SPAMD_REPLY_REFUSED;
	return r->kind;
}

/* The bytes [a, b) without the spaces around them. */
static void
trim(const uint8_t *p, size_t *a, size_t *b)
{
	while (*a < *b && p[*a] == ' ')
		(*a)++;
	while (*b > *a && p[*b - 1] == ' ')
		(*b)--;
}

/* "True ; 7.9 / 5.0": spaces around ';' and '/' as spamd writes them,
 * and none needed. */
static enum spamd_reply_kind
parse_spam(const uint8_t *p, size_t n, struct spamd_reply *r)
{
	const uint8_t *semi = memchr(p, ';', n), *slash;
	size_t a = 0, b, c, d;

	if (semi == NULL)
		return malformed(r, "Spam header without ';'");
	b = (size_t)(semi - p);
	trim(p, &a, &b);
	if ((b - a == 4 && memcmp(p + a, "True", 4) == 0) ||
	    (b - a == 3 && memcmp(p + a, "Yes", 3) == 0))
		r->is_spam = 1;
	else if ((b - a == 5 && memcmp(p + a, "False", 5) == 0) ||
	    (b - a == 2 && memcmp(p + a, "No", 2) == 0))
		r->is_spam = 0;
	else
		return malformed(r, "Spam header is neither True nor False");
	c = (size_t)(semi - p) + 1;
	slash = memchr(p + c, '/', n - c);
	if (slash == NULL)
		return malformed(r, "Spam header without '/'");
	d = (size_t)(slash - p);
	trim(p, &c, &d);
	if (spamd_score_parse((const char *)p + c, d - c,
	    &r->score_milli) != 0)
		return malformed(r, "bad score");
	c = (size_t)(slash - p) + 1;
	d = n;
	trim(p, &c, &d);
	if (spamd_score_parse((const char *)p + c, d - c,
	    &r->threshold_milli) != 0)
		return malformed(r, "bad threshold");
	return SPAMD_REPLY_SCORED;
}

/* A symbol is a rule name: letters, digits, '_'. */
static int
symbol_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > SPAMD_SYMBOL_LEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(p[i]) && p[i] != '_' &&
		    !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))
			return 0;
	return 1;
}

/* "A,B,C", maybe with a CRLF after the last; empty: none. */
static enum spamd_reply_kind
parse_symbols(const uint8_t *p, size_t n, struct spamd_reply *r)
{
	size_t start = 0, out = 0;

	if (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
		n -= 2;
	if (n == 0)
		return SPAMD_REPLY_SCORED;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != ',')
			continue;
		if (!symbol_ok(p + start, i - start))
			return malformed(r, "bad symbol in the body");
		if (r->n_kept < SPAMD_SYMBOLS_MAX) {
			if (out > 0)
				r->symbols[out++] = ',';
			memcpy(r->symbols + out, p + start, i - start);
			out += i - start;
			r->n_kept++;
		}
		r->n_symbols++;
		start = i + 1;
	}
	r->symbols[out] = '\0';
	return SPAMD_REPLY_SCORED;
}

static int
name_is(const uint8_t *p, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n != k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if ((p[i] | 0x20) != (name[i] | 0x20))
			return 0;
	return 1;
}

enum spamd_reply_kind
spamd_reply_parse(const uint8_t *buf, size_t len, struct spamd_reply *r)
{
	const uint8_t *line;
	size_t off = 0, n, body_len = 0;
	unsigned headers = 0;
	int have_spam = 0, have_len = 0;

	memset(r, 0, sizeof(*r));
	if (len > SPAMD_REPLY_MAX)
		return malformed(r, "reply too long");
	if (next_line(buf, len, &off, &line, &n) != 0)
		return malformed(r, "no status line");
	if (parse_status(line, n, r) != SPAMD_REPLY_SCORED) {
		/* A refusal is its status line and nothing else. */
		if (r->kind == SPAMD_REPLY_REFUSED && off != len)
			return malformed(r, "bytes after an error status");
		return r->kind;
	}
	for (;;) {
		const uint8_t *colon;
		size_t a, b;

		if (next_line(buf, len, &off, &line, &n) != 0)
			return malformed(r, "headers not ended by an empty line");
		if (n == 0)
			break;
		if (++headers > SPAMD_HEADERS_MAX)
			return malformed(r, "too many headers");
		colon = memchr(line, ':', n);
		if (colon == NULL || colon == line)
			return malformed(r, "header line without a name");
		a = (size_t)(colon - line) + 1;
		b = n;
		trim(line, &a, &b);
		if (name_is(line, (size_t)(colon - line), "Spam")) {
			if (have_spam++)
				return malformed(r, "Spam header twice");
			if (parse_spam(line + a, b - a, r) !=
			    SPAMD_REPLY_SCORED)
				return r->kind;
		} else if (name_is(line, (size_t)(colon - line),
		    "Content-length")) {
			unsigned long v;

			if (have_len++)
				return malformed(r, "Content-length twice");
			if (parse_uint(line + a, b - a, 5, &v) != 0)
				return malformed(r, "bad Content-length");
			body_len = v;
		}
		/* Other headers (DidSet, DidRemove, ...) say nothing we use. */
	}
	if (!have_spam)
		return malformed(r, "no Spam header");
	if (len - off != body_len)
		return malformed(r, "body length differs from Content-length");
	return parse_symbols(buf + off, body_len, r);
}
