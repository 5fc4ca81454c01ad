/* scanners: clamd reply parsers; runs in role clamd, untrusted, after the
 * final filter.  Pure: bytes in, a struct out. */
#include <string.h>

#include "clamd_reply.h"

#define CLAMD_SIZE_LIMIT_TEXT	"INSTREAM size limit exceeded. ERROR"
#define CLAMD_STREAM_PREFIX	"stream: "
#define CLAMD_FD_PREFIX		"fd["
#define CLAMD_OK_TEXT		"OK"
#define CLAMD_FOUND_SUFFIX	" FOUND"
#define CLAMD_ERROR_SUFFIX	" ERROR"
#define CLAMD_VERSION_PREFIX	"ClamAV "

/* A read-only view of the bytes still to parse; every step checks the
 * length first, so nothing reads past the end. */
struct clamd_view {
	const uint8_t *p;
	size_t len;
};

static int
clamd_view_skip(struct clamd_view *v, const char *lit)
{
	size_t n = strlen(lit);

	if (v->len < n || memcmp(v->p, lit, n) != 0)
		return -1;
	v->p += n;
	v->len -= n;
	return 0;
}

static int
clamd_view_ends_with(const struct clamd_view *v, const char *lit)
{
	size_t n = strlen(lit);

	return v->len >= n && memcmp(v->p + v->len - n, lit, n) == 0;
}

static int
clamd_view_equals(const struct clamd_view *v, const char *lit)
{
	size_t n = strlen(lit);

	return v->len == n && memcmp(v->p, lit, n) == 0;
}

/* A decimal number: 1 to CLAMD_NUMBER_DIGITS_MAX digits, no sign, no
 * leading zero (clamd prints with %u/%d, which never makes one), at most
 * UINT32_MAX. */
static int
clamd_view_number(struct clamd_view *v, uint32_t *out)
{
	uint64_t n = 0;
	size_t i = 0;

	while (i < v->len && v->p[i] >= '0' && v->p[i] <= '9') {
		if (i == CLAMD_NUMBER_DIGITS_MAX)
			return -1;
		n = n * 10 + (uint64_t)(v->p[i] - '0');
		i++;
	}
	if (i == 0 || (i > 1 && v->p[0] == '0') || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	v->p += i;
	v->len -= i;
	return 0;
}

/* Printable ASCII only: clamd writes names and texts in the C locale; a
 * control byte, a newline of an n-prefixed reply, or a byte above 0x7e
 * means we are not reading what we think we are. */
static int
clamd_bytes_printable(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* A name or error text: not empty, and no space at either end (clamd
 * separates the status word with exactly one space). */
static int
clamd_text_ok(const uint8_t *p, size_t len)
{
	return len > 0 && p[0] != ' ' && p[len - 1] != ' ';
}

static void
clamd_reply_set_text(struct clamd_reply *r, const uint8_t *p, size_t len)
{
	/* len <= CLAMD_REPLY_MAX: the caller refused longer replies */
	memcpy(r->text, p, len);
	r->text[len] = '\0';
	r->text_len = len;
}

static enum clamd_reply_kind
clamd_reply_malformed(struct clamd_reply *r, const uint8_t *p, size_t len)
{
	if (len > CLAMD_REPLY_MAX)
		len = CLAMD_REPLY_MAX;
	for (size_t i = 0; i < len; i++)
		r->text[i] = p[i] >= 0x20 && p[i] <= 0x7e ? (char)p[i] : '?';
	r->text[len] = '\0';
	r->text_len = len;
	r->kind = CLAMD_REPLY_ERROR;
	r->subject = CLAMD_SUBJECT_NONE;
	r->fd = 0;
	r->malformed = 1;
	return r->kind;
}

/* "<id>: " when the reply starts with a digit; a digit not followed by
 * ": " is malformed (no known reply starts with one otherwise). */
static int
clamd_view_id(struct clamd_view *v, int *has_id, uint32_t *id)
{
	*has_id = 0;
	*id = 0;
	if (v->len == 0 || v->p[0] < '0' || v->p[0] > '9')
		return 0;
	/* clamd counts requests from 1 */
	if (clamd_view_number(v, id) != 0 || *id == 0 ||
	    clamd_view_skip(v, ": ") != 0)
		return -1;
	*has_id = 1;
	return 0;
}

enum clamd_reply_kind
clamd_reply_parse(const uint8_t *p, size_t len, struct clamd_reply *r)
{
	struct clamd_view v = { p, len };
	size_t n;

	memset(r, 0, sizeof(*r));
	if (len == 0 || len > CLAMD_REPLY_MAX || !clamd_bytes_printable(p, len))
		return clamd_reply_malformed(r, p, len);
	if (clamd_view_id(&v, &r->has_id, &r->id) != 0)
		return clamd_reply_malformed(r, p, len);

	if (clamd_view_equals(&v, CLAMD_SIZE_LIMIT_TEXT)) {
		r->kind = CLAMD_REPLY_SIZE_LIMIT;
		n = strlen(CLAMD_SIZE_LIMIT_TEXT) - strlen(CLAMD_ERROR_SUFFIX);
		clamd_reply_set_text(r, v.p, n);
		return r->kind;
	}

	if (clamd_view_skip(&v, CLAMD_STREAM_PREFIX) == 0) {
		r->subject = CLAMD_SUBJECT_STREAM;
	} else if (clamd_view_skip(&v, CLAMD_FD_PREFIX) == 0) {
		if (clamd_view_number(&v, &r->fd) != 0 ||
		    clamd_view_skip(&v, "]: ") != 0)
			return clamd_reply_malformed(r, p, len);
		r->subject = CLAMD_SUBJECT_FD;
	}

	if (r->subject != CLAMD_SUBJECT_NONE && clamd_view_equals(&v,
	    CLAMD_OK_TEXT)) {
		r->kind = CLAMD_REPLY_OK;
		return r->kind;
	}
	if (r->subject != CLAMD_SUBJECT_NONE &&
	    clamd_view_ends_with(&v, CLAMD_FOUND_SUFFIX)) {
		n = v.len - strlen(CLAMD_FOUND_SUFFIX);
		if (!clamd_text_ok(v.p, n))
			return clamd_reply_malformed(r, p, len);
		r->kind = CLAMD_REPLY_FOUND;
		clamd_reply_set_text(r, v.p, n);
		return r->kind;
	}
	/* With or without a subject: clamd's own words for a failure. */
	if (clamd_view_ends_with(&v, CLAMD_ERROR_SUFFIX)) {
		n = v.len - strlen(CLAMD_ERROR_SUFFIX);
		if (!clamd_text_ok(v.p, n))
			return clamd_reply_malformed(r, p, len);
		r->kind = CLAMD_REPLY_ERROR;
		clamd_reply_set_text(r, v.p, n);
		return r->kind;
	}
	return clamd_reply_malformed(r, p, len);
}

/* Copies up to the first `stop` byte (or the end) into out when the
 * field is 1..CLAMD_VERSION_FIELD_MAX bytes that `accept` takes. */
static int
clamd_view_field(struct clamd_view *v, char stop, int (*accept)(uint8_t),
    char *out)
{
	size_t i = 0;

	while (i < v->len && v->p[i] != (uint8_t)stop) {
		if (i == CLAMD_VERSION_FIELD_MAX || !accept(v->p[i]))
			return -1;
		i++;
	}
	if (i == 0)
		return -1;
	memcpy(out, v->p, i);
	out[i] = '\0';
	v->p += i;
	v->len -= i;
	return 0;
}

/* Engine versions: "1.4.6", "0.103.8", "1.5.0-rc", "1.0.7+dfsg". */
static int
clamd_engine_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '+' ||
	    c == '~' || c == '_';
}

static int
clamd_digit_char(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ctime-like text: printable, no '/' (it is the last field anyway). */
static int
clamd_time_char(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '/';
}

int
clamd_version_parse(const uint8_t *p, size_t len, struct clamd_version *v)
{
	struct clamd_view w = { p, len };

	memset(v, 0, sizeof(*v));
	if (len == 0 || len > CLAMD_REPLY_MAX || !clamd_bytes_printable(p, len))
		goto fail;
	if (clamd_view_id(&w, &v->has_id, &v->id) != 0 ||
	    clamd_view_skip(&w, CLAMD_VERSION_PREFIX) != 0 ||
	    clamd_view_field(&w, '/', clamd_engine_char, v->engine) != 0)
		goto fail;
	if (w.len == 0)
		return 0;	/* no versioned database loaded */
	if (clamd_view_skip(&w, "/") != 0 ||
	    clamd_view_field(&w, '/', clamd_digit_char, v->database) != 0 ||
	    clamd_view_skip(&w, "/") != 0 ||
	    clamd_view_field(&w, '/', clamd_time_char, v->db_time) != 0 ||
	    w.len != 0)
		goto fail;
	return 0;
fail:
	memset(v, 0, sizeof(*v));
	return -1;
}
