/* unpacker: TNEF attachment extractor ([MS-OXTNEF]); runs in role unpack,
 * untrusted, after the final filter. */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "tnef.h"
#include "tnef_internal.h"

/* Stream layout ([MS-OXTNEF] 2.1.3.1). */
#define TNEF_SIGNATURE		0x223E9F78u
#define TNEF_SIG_LEN		4
#define TNEF_KEY_LEN		2
#define TNEF_HEADER_LEN		(TNEF_SIG_LEN + TNEF_KEY_LEN)
/* Attribute frame: level, id, length before the data; checksum after. */
#define TNEF_ATTR_HEAD_LEN	9
#define TNEF_ATTR_CSUM_LEN	2

#define TNEF_LVL_MESSAGE	0x01
#define TNEF_LVL_ATTACHMENT	0x02

/* Attribute ids, low 16 bits: writers disagree on the type half, so the
 * tnef tool and ytnef match on the id alone, and so do we. */
#define TNEF_ATT_ATTACH_DATA	0x800Fu
#define TNEF_ATT_ATTACH_TITLE	0x8010u
#define TNEF_ATT_ATTACH_RENDDATA 0x9002u
#define TNEF_ATT_ATTACHMENT	0x9005u

/* One attribute frame. */
struct tnef_frame {
	uint8_t level;
	uint32_t id;
	const uint8_t *data;
	size_t len;
};

/* One parse, all streams. */
struct tnef_run {
	const struct tnef_limits *lim;
	const struct tnef_sink *sink;
	void *ctx;
	struct tnef_stats st;
	uint32_t max_depth;
	int stopped;		/* a limit ended the whole parse */
	int limit_depth_seen;
	int any_anomaly;
};

/* One stream (the top one or an embedded message). */
struct tnef_stream {
	uint32_t parent;
	uint32_t depth;
	unsigned reported;	/* bit per enum tnef_anomaly */
};

int
tnef_is_tnef(const uint8_t *buf, size_t len)
{
	return buf != NULL && len >= TNEF_SIG_LEN &&
	    tnef_le32(buf) == TNEF_SIGNATURE;
}

const char *
tnef_anomaly_name(enum tnef_anomaly code)
{
	switch (code) {
	case TNEF_ANOM_BAD_CHECKSUM:
		return "bad-checksum";
	case TNEF_ANOM_CORRUPT:
		return "corrupt";
	case TNEF_ANOM_LIMIT_ATTACHMENTS:
		return "limit-attachments";
	case TNEF_ANOM_LIMIT_DEPTH:
		return "limit-depth";
	default:
		return "unknown";
	}
}

/* Reports code for stream s unless it was already reported there. */
static void
tnef_anomaly(struct tnef_run *r, struct tnef_stream *s,
    enum tnef_anomaly code, const char *detail)
{
	unsigned bit = 1u << (unsigned)code;

	r->any_anomaly = 1;
	if (s->reported & bit)
		return;
	s->reported |= bit;
	r->st.anomalies++;
	if (r->sink->on_anomaly != NULL)
		r->sink->on_anomaly(r->ctx, s->parent, code, detail);
}

/* Appends code point cp as UTF-8 to out[*o..cap); returns 0 when it does
 * not fit whole, so a cut never splits a sequence. */
static int
tnef_put_utf8(char *out, size_t cap, size_t *o, uint32_t cp)
{
	char b[6];
	size_t n = (size_t)g_unichar_to_utf8((gunichar)cp, b);

	if (cap - *o < n)
		return 0;
	memcpy(out + *o, b, n);
	*o += n;
	return 1;
}

/* Copies a name into out (TNEF_NAME_MAX + 1 bytes), NUL-terminated, up
 * to its first NUL; UTF-16LE is converted (unpaired surrogates become
 * U+FFFD).  Returns the length; *cut is set when it did not fit. */
static size_t
tnef_str_copy(const struct tnef_str *s, char *out, int *cut)
{
	size_t o = 0;

	*cut = 0;
	if (!s->utf16) {
		const uint8_t *nul = memchr(s->p, 0, s->len);
		size_t n = nul != NULL ? (size_t)(nul - s->p) : s->len;

		if (n > TNEF_NAME_MAX) {
			*cut = 1;
			n = TNEF_NAME_MAX;
			/* Back off a cut UTF-8 sequence, as mime_walk does. */
			while (n > 0 && (s->p[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(out, s->p, n);
		out[n] = '\0';
		return n;
	}
	for (size_t i = 0; i + 1 < s->len; i += 2) {
		uint32_t cp = tnef_le16(s->p + i);

		if (cp == 0)
			break;
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < s->len) {
			uint32_t lo = tnef_le16(s->p + i + 2);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
				i += 2;
			} else {
				cp = 0xFFFD;
			}
		} else if (cp >= 0xD800 && cp <= 0xDFFF) {
			cp = 0xFFFD;
		}
		if (!tnef_put_utf8(out, TNEF_NAME_MAX, &o, cp)) {
			*cut = 1;
			break;
		}
	}
	out[o] = '\0';
	return o;
}

static enum tnef_result tnef_parse_stream(struct tnef_run *r,
    const uint8_t *buf, size_t len, uint32_t parent, uint32_t depth);

/* Reads the attribute frame at *at of buf[0..len) and moves *at past it.
 * Returns 0; -1 when the header is cut, -2 when the length runs past the
 * end (f->id and f->len are then set, for the detail); *at stays. */
static int
tnef_frame(const uint8_t *buf, size_t len, size_t *at, struct tnef_frame *f)
{
	size_t left = len - *at;

	if (left < TNEF_ATTR_HEAD_LEN)
		return -1;
	f->level = buf[*at];
	f->id = tnef_le32(buf + *at + 1);
	f->len = tnef_le32(buf + *at + 5);
	if (f->len > left - TNEF_ATTR_HEAD_LEN ||
	    left - TNEF_ATTR_HEAD_LEN - f->len < TNEF_ATTR_CSUM_LEN)
		return -2;
	f->data = buf + *at + TNEF_ATTR_HEAD_LEN;
	*at += TNEF_ATTR_HEAD_LEN + f->len + TNEF_ATTR_CSUM_LEN;
	return 0;
}

/* Pass one: counts the attachment's data and keeps the first of each
 * kind. */
static void
tnef_note_data(void *arg, const struct tnef_src *src)
{
	struct tnef_att *att = arg;

	if (src->kind == TNEF_DATA_ATTR) {
		if (att->n_attr++ == 0)
			att->attr = *src;
		return;
	}
	if (att->n_obj++ == 0)
		att->obj = *src;
	if (src->binary && src->len >= TNEF_YTNEF_SKIP)
		att->n_shifted++;
}

static int
tnef_same_bytes(const struct tnef_src *a, const struct tnef_src *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

/* Reports one data of an attachment (tmpl holds its place and name; src
 * NULL: no data at all) and, for an embedded message, walks its stream. */
static void
tnef_report(struct tnef_run *r, struct tnef_stream *s,
    const struct tnef_attachment *tmpl, const struct tnef_src *src)
{
	struct tnef_attachment out = *tmpl;

	if (r->stopped)
		return;
	if (r->st.attachments >= r->lim->max_attachments) {
		tnef_anomaly(r, s, TNEF_ANOM_LIMIT_ATTACHMENTS,
		    "max_attachments reached");
		r->stopped = 1;
		return;
	}
	out.index = r->st.attachments;
	if (src != NULL) {
		out.data = src->p;
		out.size = src->len;
		out.data_source = src->kind;
		out.embedded_message = src->embedded_message;
	}
	r->st.attachments++;
	r->st.bytes += out.size;
	if (r->sink->on_attachment != NULL)
		r->sink->on_attachment(r->ctx, &out);
	if (!out.embedded_message)
		return;
	if (s->depth + 1 > r->max_depth) {
		r->any_anomaly = 1;
		if (!r->limit_depth_seen) {
			r->limit_depth_seen = 1;
			r->st.anomalies++;
			if (r->sink->on_anomaly != NULL)
				r->sink->on_anomaly(r->ctx, out.index,
				    TNEF_ANOM_LIMIT_DEPTH,
				    "embedded message beyond max_depth");
		}
		return;
	}
	(void)tnef_parse_stream(r, out.data, out.size, out.index,
	    s->depth + 1);
}

/* Pass two: the attachment's other data, each reported under its name. */
struct tnef_more {
	struct tnef_run *r;
	struct tnef_stream *s;
	const struct tnef_attachment *tmpl;
	const struct tnef_src *first;	/* reported already */
	int shifted;			/* report libytnef's view too */
};

/* Reports src unless it is the first data or shows nothing new. */
static void
tnef_report_other(struct tnef_more *m, const struct tnef_src *src)
{
	if (src->kind == m->first->kind && src->p == m->first->p)
		return;
	/* The same bytes again would show the scanners nothing new; an
	 * embedded message still does, since only it gets its stream
	 * walked. */
	if (tnef_same_bytes(src, m->first) &&
	    src->embedded_message == m->first->embedded_message)
		return;
	tnef_report(m->r, m->s, m->tmpl, src);
}

static void
tnef_report_more(void *arg, const struct tnef_src *src)
{
	struct tnef_more *m = arg;
	struct tnef_src view;

	tnef_report_other(m, src);
	if (!m->shifted || !src->binary || src->len < TNEF_YTNEF_SKIP)
		return;
	view = *src;
	view.p += TNEF_YTNEF_SKIP;
	view.len -= TNEF_YTNEF_SKIP;
	/* libytnef walks it as an embedded message when it is a stream. */
	view.embedded_message = tnef_is_tnef(view.p, view.len);
	tnef_report_other(m, &view);
}

/* The attachment's name, from the first of its long file name, its
 * title and its short file name that it has, into tmpl and name
 * (TNEF_NAME_MAX + 1 bytes). */
static void
tnef_pick_name(const struct tnef_att *att, struct tnef_attachment *tmpl,
    char *name)
{
	const struct tnef_str *src = NULL;

	if (att->long_name.p != NULL) {
		src = &att->long_name;
		tmpl->name_source = TNEF_NAME_LONG;
	} else if (att->title.p != NULL) {
		src = &att->title;
		tmpl->name_source = TNEF_NAME_TITLE;
	} else if (att->short_name.p != NULL) {
		src = &att->short_name;
		tmpl->name_source = TNEF_NAME_SHORT;
	}
	name[0] = '\0';
	if (src != NULL)
		tmpl->name_len = tnef_str_copy(src, name, &tmpl->name_truncated);
	tmpl->name = name;
}

/* Pass two: every data of the attachment but the first, found again in
 * its attributes in buf[att->start..att->end). */
static void
tnef_report_rest(struct tnef_run *r, struct tnef_stream *s,
    const struct tnef_att *att, const uint8_t *buf,
    const struct tnef_attachment *tmpl, const struct tnef_src *first)
{
	struct tnef_more more;
	struct tnef_att names;
	size_t at;

	more.shifted = att->n_attr > 0 && att->n_shifted > 0;
	more.r = r;
	more.s = s;
	more.tmpl = tmpl;
	more.first = first;
	memset(&names, 0, sizeof(names));
	at = att->start;
	/* Every frame here was read whole by pass one. */
	while (at < att->end && !r->stopped) {
		struct tnef_frame f;

		if (tnef_frame(buf, att->end, &at, &f) != 0)
			break;
		if (f.level != TNEF_LVL_ATTACHMENT)
			continue;
		if ((f.id & 0xFFFFu) == TNEF_ATT_ATTACH_DATA) {
			struct tnef_src d = { .p = f.data, .len = f.len,
			    .kind = TNEF_DATA_ATTR };

			tnef_report_more(&more, &d);
		} else if ((f.id & 0xFFFFu) == TNEF_ATT_ATTACHMENT) {
			(void)tnef_read_props(f.data, f.len, &names,
			    tnef_report_more, &more);
		}
	}
}

/* Reports the attachment being built (if any): every data it carries,
 * the first attAttachData (else the first PR_ATTACH_DATA_OBJ) first, the
 * others in stream order, found again in its attributes in buf.  A
 * client could open any of them, so none may go unscanned. */
static void
tnef_finish(struct tnef_run *r, struct tnef_stream *s, struct tnef_att *att,
    const uint8_t *buf)
{
	char name[TNEF_NAME_MAX + 1];
	char detail[TNEF_DETAIL_MAX];
	struct tnef_attachment tmpl;
	const struct tnef_src *first = NULL;
	int several;

	if (!att->open || r->stopped)
		return;
	att->open = 0;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.parent = s->parent;
	tmpl.depth = s->depth;
	tnef_pick_name(att, &tmpl, name);
	if (att->n_attr > 0)
		first = &att->attr;
	else if (att->n_obj > 0)
		first = &att->obj;
	several = att->n_attr > 1 || att->n_obj > 1 ||
	    (att->n_attr == 1 && att->n_obj == 1);
	/* Equal bytes in attAttachData and PR_ATTACH_DATA_BIN are one file
	 * written twice; anything else is more than a well-formed TNEF
	 * carries. */
	if (att->n_attr > 1 || att->n_obj > 1 || (several &&
	    !tnef_same_bytes(&att->attr, &att->obj))) {
		snprintf(detail, sizeof(detail),
		    "attachment with %u attAttachData and %u "
		    "PR_ATTACH_DATA_OBJ: more than one data",
		    (unsigned)att->n_attr, (unsigned)att->n_obj);
		tnef_anomaly(r, s, TNEF_ANOM_CORRUPT, detail);
	}
	tnef_report(r, s, &tmpl, first);
	/* A PT_BINARY value next to attAttachData is already several. */
	if (!several || r->stopped)
		return;
	tnef_report_rest(r, s, att, buf, &tmpl, first);
}

static uint16_t
tnef_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return (uint16_t)sum;
}

/* Reads the frame at *at into f and moves *at past it, reporting a bad
 * checksum or an unknown level.  Returns 0 for an attachment attribute,
 * 1 for one to pass over, -1 when the stream cannot be read on (the
 * anomaly reported). */
static int
tnef_next_frame(struct tnef_run *r, struct tnef_stream *s,
    const uint8_t *buf, size_t len, size_t *at, struct tnef_frame *f)
{
	char detail[TNEF_DETAIL_MAX];
	uint16_t want, got;
	int rc = tnef_frame(buf, len, at, f);

	if (rc == -1) {
		snprintf(detail, sizeof(detail),
		    "truncated attribute header at offset %zu", *at);
		tnef_anomaly(r, s, TNEF_ANOM_CORRUPT, detail);
		return -1;
	}
	if (rc != 0) {
		snprintf(detail, sizeof(detail),
		    "attribute 0x%08x at offset %zu: length %zu "
		    "runs past the end", (unsigned)f->id, *at, f->len);
		tnef_anomaly(r, s, TNEF_ANOM_CORRUPT, detail);
		return -1;
	}
	want = tnef_le16(f->data + f->len);
	got = tnef_checksum(f->data, f->len);
	if (want != got) {
		r->st.bad_checksums++;
		snprintf(detail, sizeof(detail),
		    "attribute 0x%08x: checksum 0x%04x, computed 0x%04x",
		    (unsigned)f->id, (unsigned)want, (unsigned)got);
		tnef_anomaly(r, s, TNEF_ANOM_BAD_CHECKSUM, detail);
	}
	if (f->level == TNEF_LVL_MESSAGE)
		return 1;	/* message attributes hold no files */
	if (f->level != TNEF_LVL_ATTACHMENT) {
		snprintf(detail, sizeof(detail),
		    "attribute 0x%08x: unknown level %u",
		    (unsigned)f->id, (unsigned)f->level);
		tnef_anomaly(r, s, TNEF_ANOM_CORRUPT, detail);
		return 1;
	}
	return 0;
}

/* One attachment attribute f, which lay in buf[frame_at..at): an
 * attRendData begins a new attachment (the one before is reported);
 * the others add to the one being built. */
static void
tnef_attachment_frame(struct tnef_run *r, struct tnef_stream *s,
    struct tnef_att *att, const uint8_t *buf, const struct tnef_frame *f,
    size_t frame_at, size_t at)
{
	char detail[TNEF_DETAIL_MAX];

	if ((f->id & 0xFFFFu) == TNEF_ATT_ATTACH_RENDDATA) {
		tnef_finish(r, s, att, buf);
		memset(att, 0, sizeof(*att));
		att->open = 1;
		att->start = at;
		att->end = at;
		return;
	}
	if (!att->open) {
		memset(att, 0, sizeof(*att));
		att->open = 1;
		att->start = frame_at;
	}
	att->end = at;
	switch (f->id & 0xFFFFu) {
	case TNEF_ATT_ATTACH_TITLE:
		att->title.p = f->data;
		att->title.len = f->len;
		att->title.utf16 = 0;
		break;
	case TNEF_ATT_ATTACH_DATA: {
		struct tnef_src d = { .p = f->data, .len = f->len,
		    .kind = TNEF_DATA_ATTR };

		tnef_note_data(att, &d);
		break;
	}
	case TNEF_ATT_ATTACHMENT:
		if (tnef_read_props(f->data, f->len, att, tnef_note_data,
		    att) != 0) {
			snprintf(detail, sizeof(detail),
			    "malformed MAPI properties in attribute "
			    "0x%08x", (unsigned)f->id);
			tnef_anomaly(r, s, TNEF_ANOM_CORRUPT, detail);
		}
		break;
	default:
		break;	/* dates, metafiles, rendering: not files */
	}
}

static enum tnef_result
tnef_parse_stream(struct tnef_run *r, const uint8_t *buf, size_t len,
    uint32_t parent, uint32_t depth)
{
	struct tnef_stream s = { .parent = parent, .depth = depth };
	struct tnef_att att;
	size_t at = TNEF_HEADER_LEN;

	memset(&att, 0, sizeof(att));
	if (!tnef_is_tnef(buf, len)) {
		tnef_anomaly(r, &s, TNEF_ANOM_CORRUPT, "no TNEF signature");
		return TNEF_PART_FAILED;
	}
	if (len < TNEF_HEADER_LEN) {
		tnef_anomaly(r, &s, TNEF_ANOM_CORRUPT, "truncated header");
		return TNEF_ANOMALY;
	}
	while (at < len && !r->stopped) {
		struct tnef_frame f;
		size_t frame_at = at;
		int rc = tnef_next_frame(r, &s, buf, len, &at, &f);

		if (rc < 0)
			break;
		if (rc == 0)
			tnef_attachment_frame(r, &s, &att, buf, &f, frame_at,
			    at);
	}
	tnef_finish(r, &s, &att, buf);
	return r->any_anomaly ? TNEF_ANOMALY : TNEF_OK;
}

enum tnef_result
tnef_parse(const uint8_t *buf, size_t len, const struct tnef_limits *lim,
    const struct tnef_sink *sink, void *ctx, struct tnef_stats *stats)
{
	struct tnef_run r;
	enum tnef_result res;

	if ((buf == NULL && len > 0) || lim == NULL || sink == NULL)
		return TNEF_MESSAGE_FATAL;
	memset(&r, 0, sizeof(r));
	r.lim = lim;
	r.sink = sink;
	r.ctx = ctx;
	r.max_depth = lim->max_depth < TNEF_DEPTH_HARD_MAX ? lim->max_depth :
	    TNEF_DEPTH_HARD_MAX;
	res = tnef_parse_stream(&r, buf, len, TNEF_NO_PARENT, 0);
	if (stats != NULL)
		*stats = r.st;
	return res;
}
