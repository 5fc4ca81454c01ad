/* unpacker: walks a parsed MIME tree and reports facts to a sink; runs in
 * role unpack, untrusted, after the final filter. */
#include <string.h>

#include <gmime/gmime.h>

#include "filetype.h"
#include "format_checks.h"
#include "mime_walk.h"
#include "uuencode.h"

/* Our own anomaly details are short sentences; hostile text is cut. */
#define WALK_DETAIL_MAX		256
/* Anomalies about single parts (cut strings, bad uuencode, an encoded
 * message that does not parse) are at most one per kind per part, and at
 * most max_parts + WALK_PART_ANOMALY_SLACK in all: the broker refuses a
 * role that sends more than max_parts + ANOMALIES_OVER_PARTS_MAX
 * anomalies, and the message-
 * wide ones (limits, parse failure, no Content-Type, cut header values
 * and header fields, the top-level header block's findings when GMime
 * found no message: at most 20) must always fit. */
#define WALK_PART_ANOMALY_SLACK	(ANOMALIES_OVER_PARTS_MAX / 2)

enum walk_str {
	WS_PATH = 0,
	WS_TYPE,
	WS_CHARSET,
	WS_ENCODING,
	WS_COUNT,
};

struct walk {
	const struct walk_limits *lim;
	const struct walk_sink *sink;
	void *ctx;
	struct walk_stats st;
	GString *path;		/* path of the part being reported */
	int stop;		/* parts or decoded limit hit: report no more */
	int said_depth, said_parts, said_decoded;
	/* A cut string of the part being reported waits until its content
	 * is out: a part's first records are always PART, FILENAME...,
	 * CONTENT.  Only the first cut field is named. */
	const char *cut_what;
	unsigned n_cut;
	uint64_t part_anomalies;	/* against the budget above */
	/* Cleaned strings of the part being reported (not re-entrant: one
	 * part is reported at a time, children only after it is done). */
	char str[WS_COUNT][RECORD_STR_MAX + 1];
	char name[RECORD_STR_MAX + 1];
	/* The bytes GMime is parsing (the message, or an encoded message's
	 * decoded bytes): header offsets point into them. */
	const uint8_t *buf;
	size_t buflen;
	GMimeMessage *top;	/* the top-level message */
};

/* Is the check behind `code` switched off? */
static int
walk_check_off(const struct walk *w, enum anomaly_code code)
{
	return anomaly_is_check(code) && code < 64 &&
	    ((w->lim->disabled_checks >> code) & 1) != 0;
}

static void
walk_anomaly(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	char clean[RECORD_STR_MAX + 1];
	size_t n = strlen(detail);
	int cut;

	if (walk_check_off(w, code))
		return;
	if (n > WALK_DETAIL_MAX)
		n = WALK_DETAIL_MAX;
	rec_clean_str(detail, n, clean, &cut);
	w->st.anomalies++;
	if (w->sink->on_anomaly != NULL)
		w->sink->on_anomaly(w->ctx, part, code, clean);
}

/* An anomaly about one part, within the walk's budget. */
static void
walk_part_anomaly(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	if (walk_check_off(w, code) ||
	    w->part_anomalies >= (uint64_t)w->lim->max_parts +
	    WALK_PART_ANOMALY_SLACK)
		return;
	w->part_anomalies++;
	walk_anomaly(w, part, code, detail);
}

static void
walk_report_findings(struct walk *w, uint32_t part,
    const struct fc_findings *f)
{
	for (unsigned i = 0; i < f->n; i++)
		walk_part_anomaly(w, part, f->f[i].code, f->f[i].detail);
}

static void
walk_pend_cut(struct walk *w, const char *what)
{
	if (w->n_cut++ == 0)
		w->cut_what = what;
}

static void
walk_flush_cut(struct walk *w, uint32_t part)
{
	char detail[WALK_DETAIL_MAX];

	if (w->n_cut == 0)
		return;
	if (w->n_cut == 1)
		g_snprintf(detail, sizeof(detail), "%s", w->cut_what);
	else
		g_snprintf(detail, sizeof(detail), "%s and %u more",
		    w->cut_what, w->n_cut - 1);
	w->n_cut = 0;
	walk_part_anomaly(w, part, ANOM_TRUNCATED_STRING, detail);
}

/* rec_clean_str cut at `max` bytes, and then back to the start of a UTF-8
 * sequence, so a cut never leaves half a character for the report to
 * choke on.  out has room for max + 1 bytes.  Returns the length. */
static size_t
walk_clean_max(const char *s, size_t len, size_t max, char *out, int *cut)
{
	size_t n;

	n = rec_clean_str(s, len > max ? max : len, out, cut);
	*cut = len > max;
	if (*cut) {
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		out[n] = '\0';
	}
	return n;
}

/* Cleans s (may be NULL: "") into out; notes a cut for the part. */
static size_t
walk_clean(struct walk *w, const char *s, char *out, const char *what)
{
	size_t n;
	int cut = 0;

	if (s == NULL)
		s = "";
	n = walk_clean_max(s, strlen(s), RECORD_STR_MAX, out, &cut);
	if (cut)
		walk_pend_cut(w, what);
	return n;
}

static void
walk_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* May a part be reported at `depth` under `parent`?  Says each limit
 * once; the parts limit stops the walk, the depth limit skips a subtree. */
static int
walk_admit(struct walk *w, uint32_t parent, uint32_t depth)
{
	char detail[WALK_DETAIL_MAX];

	if (w->stop)
		return 0;
	if (depth > w->lim->max_depth) {
		if (!w->said_depth) {
			w->said_depth = 1;
			g_snprintf(detail, sizeof(detail),
			    "nesting deeper than %u", w->lim->max_depth);
			walk_anomaly(w, parent, ANOM_LIMIT_DEPTH, detail);
		}
		return 0;
	}
	if (w->st.parts >= w->lim->max_parts) {
		w->said_parts = 1;
		w->stop = 1;
		g_snprintf(detail, sizeof(detail), "more than %u parts",
		    w->lim->max_parts);
		walk_anomaly(w, parent, ANOM_LIMIT_PARTS, detail);
		return 0;
	}
	return 1;
}

static int
walk_admit_bytes(struct walk *w, uint32_t parent, uint64_t size)
{
	char detail[WALK_DETAIL_MAX];

	if (w->stop)
		return 0;
	if (size > w->lim->max_decoded_bytes - w->st.decoded_bytes) {
		w->said_decoded = 1;
		w->stop = 1;
		g_snprintf(detail, sizeof(detail),
		    "decoded bytes over %" G_GUINT64_FORMAT,
		    w->lim->max_decoded_bytes);
		walk_anomaly(w, parent, ANOM_LIMIT_DECODED, detail);
		return 0;
	}
	return 1;
}

/* Reports the part record; the caller has admitted it.  Returns its index. */
static uint32_t
walk_emit_part(struct walk *w, uint32_t parent, uint32_t depth,
    enum part_kind kind, uint64_t size, const char *type,
    const char *charset, const char *encoding, const char *detected)
{
	struct walk_part p;

	w->n_cut = 0;
	walk_clean(w, w->path->str, w->str[WS_PATH], "path");
	walk_clean(w, type, w->str[WS_TYPE], "content_type");
	walk_clean(w, charset, w->str[WS_CHARSET], "charset");
	walk_clean(w, encoding, w->str[WS_ENCODING], "encoding");
	walk_lower(w->str[WS_TYPE]);
	walk_lower(w->str[WS_CHARSET]);
	walk_lower(w->str[WS_ENCODING]);

	p.index = w->st.parts++;
	p.parent = parent;
	p.depth = depth;
	p.kind = kind;
	p.flags = 0;
	p.decoded_size = size;
	p.path = w->str[WS_PATH];
	p.content_type = w->str[WS_TYPE];
	p.charset = w->str[WS_CHARSET];
	p.encoding = w->str[WS_ENCODING];
	p.detected_type = detected;
	w->st.decoded_bytes += size;
	if (w->sink->on_part != NULL)
		w->sink->on_part(w->ctx, &p);
	return p.index;
}

static void
walk_emit_filename(struct walk *w, uint32_t part, enum filename_source src,
    const char *raw, size_t raw_len)
{
	size_t n;
	int cut;

	n = walk_clean_max(raw, raw_len, RECORD_STR_MAX, w->name, &cut);
	if (cut)
		walk_pend_cut(w, "filename");
	w->st.filenames++;
	if (w->sink->on_filename != NULL)
		w->sink->on_filename(w->ctx, part, src, w->name, n);
}

static void
walk_emit_content(struct walk *w, uint32_t part, const uint8_t *data,
    size_t len)
{
	if (w->sink->on_content != NULL)
		w->sink->on_content(w->ctx, part, data, len);
}

static void
walk_path_push(struct walk *w, size_t *saved, unsigned pos)
{
	*saved = w->path->len;
	g_string_append_printf(w->path, ".%u", pos);
}

static void
walk_path_pop(struct walk *w, size_t saved)
{
	g_string_truncate(w->path, saved);
}

/* The part's decoded bytes: transfer encoding undone, charset untouched.
 * Base64, quoted-printable and uuencode never grow, so this is bounded by
 * the message size. */
static GByteArray *
walk_decode(GMimePart *part)
{
	GByteArray *out = g_byte_array_new();
	GMimeDataWrapper *dw = g_mime_part_get_content(part);

	if (dw != NULL) {
		GMimeStream *s = g_mime_stream_mem_new();

		g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(s), out);
		g_mime_data_wrapper_write_to_stream(dw, s);
		g_object_unref(s);
	}
	return out;
}

/* Reports every uuencoded block of a decoded text body as a child. */
static void
walk_uuencoded(struct walk *w, uint32_t parent, uint32_t depth,
    const uint8_t *text, size_t len)
{
	struct uu_block blk;
	enum uu_result r;
	size_t pos = 0, saved;
	unsigned found = 0, bad = 0;
	char detail[WALK_DETAIL_MAX];
	struct fc_findings f;
	const char *detected;

	while ((r = uu_next_block(text, len, &pos, &blk)) != UU_NONE) {
		uint8_t *data;
		uint32_t idx;

		if (r == UU_BAD) {
			bad++;
			continue;
		}
		if (!walk_admit(w, parent, depth + 1) ||
		    !walk_admit_bytes(w, parent, blk.decoded_len))
			break;
		data = g_malloc(blk.decoded_len > 0 ? blk.decoded_len : 1);
		if (uu_decode_block(text, len, &blk, data, blk.decoded_len) !=
		    blk.decoded_len) {
			/* uu_next_block validated this block: cannot happen,
			 * but a wrong part is worse than a missing one. */
			g_free(data);
			bad++;
			continue;
		}
		walk_path_push(w, &saved, ++found);
		detected = filetype_detect(data, blk.decoded_len);
		idx = walk_emit_part(w, parent, depth + 1, PART_UUENCODED,
		    blk.decoded_len, "application/octet-stream", "",
		    "x-uuencode", detected);
		walk_emit_filename(w, idx, FN_UUENCODE, (const char *)blk.name,
		    blk.name_len);
		walk_emit_content(w, idx, data, blk.decoded_len);
		walk_flush_cut(w, idx);
		fc_findings_init(&f);
		fc_check_filename((const char *)blk.name, blk.name_len, &f);
		fc_check_part_type("application/octet-stream", detected,
		    (const char *)blk.name, blk.name_len, &f);
		walk_report_findings(w, idx, &f);
		walk_path_pop(w, saved);
		g_free(data);
	}
	if (bad > 0) {
		/* One fact per body: a flood of begin lines is one finding. */
		g_snprintf(detail, sizeof(detail),
		    "%u begin line(s) without a valid body or end line", bad);
		walk_part_anomaly(w, parent, ANOM_BAD_UUENCODE, detail);
	}
}

static void walk_object(struct walk *w, GMimeObject *obj, uint32_t parent,
    uint32_t depth, GMimeMessage *owner, const char *boundary);

/* The smallest offset GMime recorded for a header of `obj` (and of
 * `owner`, the message whose body obj is, when not NULL), or -1. */
static gint64
walk_first_header(GMimeObject *obj, GMimeMessage *owner)
{
	GMimeHeaderList *lists[2];
	gint64 best = -1;

	lists[0] = g_mime_object_get_header_list(obj);
	lists[1] = owner != NULL ?
	    g_mime_object_get_header_list(GMIME_OBJECT(owner)) : NULL;
	for (int l = 0; l < 2; l++) {
		int n = lists[l] != NULL ? g_mime_header_list_get_count(
		    lists[l]) : 0;

		for (int i = 0; i < n; i++) {
			gint64 off = g_mime_header_get_offset(
			    g_mime_header_list_get_header_at(lists[l], i));

			if (off >= 0 && (best < 0 || off < best))
				best = off;
		}
	}
	return best;
}

/* The header block checks for one part, on the bytes GMime parsed. */
static void
walk_check_headers(struct walk *w, GMimeObject *obj, GMimeMessage *owner,
    const char *boundary, struct fc_findings *f)
{
	gint64 first;
	size_t start;

	if (w->buf == NULL)
		return;
	if (owner != NULL && owner == w->top) {
		start = 0;	/* the top-level message: from its first byte */
	} else {
		first = walk_first_header(obj, owner);
		if (first < 0 || (guint64)first >= w->buflen)
			return;
		start = (size_t)first;
		if (boundary != NULL)
			start = fc_find_block_start(w->buf, start, boundary,
			    strlen(boundary));
	}
	fc_check_header_block(w->buf + start, w->buflen - start, f);
}

/* Multipart without boundary, never closed, or without children: what
 * one parser shows and another hides. */
static void
walk_check_multipart(GMimeMultipart *mp, GMimeContentType *ct,
    struct fc_findings *f)
{
	const char *b = ct != NULL ?
	    g_mime_content_type_get_parameter(ct, "boundary") : NULL;

	if (b == NULL)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart without a boundary: its body is hidden");
	else if (g_mime_multipart_get_count(mp) == 0)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart without any part");
	else if (!mp->write_end_boundary)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart never closed");
}

/* A stream over bytes that stay put while the stream lives: the stream
 * does not own the GByteArray header (set_byte_array), never writes to it
 * and only reads data and len, so nothing is copied. */
static GMimeStream *
walk_stream_over(GByteArray *hdr, const uint8_t *data, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new();

	hdr->data = (guint8 *)(uintptr_t)data;
	hdr->len = (guint)len;
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(s), hdr);
	return s;
}

/* Walks the body of a message found inside decoded bytes as the child of
 * part `parent`; a body GMime cannot parse is reported on that part. */
static void
walk_encoded_message(struct walk *w, uint32_t parent, uint32_t depth,
    GByteArray *bytes)
{
	GByteArray hdr;
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *inner;

	if (!walk_admit(w, parent, depth))
		return;
	s = walk_stream_over(&hdr, bytes->data, bytes->len);
	parser = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	inner = m != NULL ? g_mime_message_get_mime_part(m) : NULL;
	if (inner != NULL) {
		/* Its header offsets point into the decoded bytes. */
		const uint8_t *save_buf = w->buf;
		size_t save_len = w->buflen;

		w->buf = bytes->data;
		w->buflen = bytes->len;
		walk_object(w, inner, parent, depth, m, NULL);
		w->buf = save_buf;
		w->buflen = save_len;
	} else
		walk_part_anomaly(w, parent, ANOM_PARSE_FAILED,
		    "encoded message/rfc822 holds no message");
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(s);
}

/* Filenames, and declared against detected type, for one part. */
static void
walk_check_names(struct walk *w, const char *ct_name, const char *disp_name,
    const char *detected, struct fc_findings *f)
{
	const char *type = w->str[WS_TYPE];

	if (ct_name != NULL)
		fc_check_filename(ct_name, strlen(ct_name), f);
	if (disp_name != NULL)
		fc_check_filename(disp_name, strlen(disp_name), f);
	if (ct_name != NULL && disp_name != NULL)
		fc_check_filenames_differ(ct_name, strlen(ct_name), disp_name,
		    strlen(disp_name), f);
	fc_check_part_type(type, detected, NULL, 0, f);
	if (ct_name != NULL)
		fc_check_part_type(type, detected, ct_name, strlen(ct_name), f);
	if (disp_name != NULL)
		fc_check_part_type(type, detected, disp_name,
		    strlen(disp_name), f);
}

static void
walk_object(struct walk *w, GMimeObject *obj, uint32_t parent,
    uint32_t depth, GMimeMessage *owner, const char *boundary)
{
	GMimeContentType *ct;
	GMimeContentDisposition *disp;
	GByteArray *body = NULL;
	enum part_kind kind;
	const char *encoding, *ct_name, *disp_name;
	const char *detected = "";
	struct fc_findings f;
	g_autofree char *type = NULL;
	g_autofree char *enc_trim = NULL;
	uint32_t idx;
	size_t saved;

	if (!walk_admit(w, parent, depth))
		return;
	if (GMIME_IS_MULTIPART(obj))
		kind = PART_MULTIPART;
	else if (GMIME_IS_MESSAGE_PART(obj))
		kind = PART_MESSAGE;
	else
		kind = PART_LEAF;
	if (GMIME_IS_PART(obj)) {
		body = walk_decode(GMIME_PART(obj));
		if (!walk_admit_bytes(w, parent, body->len)) {
			g_byte_array_free(body, TRUE);
			return;
		}
	}

	ct = g_mime_object_get_content_type(obj);
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	encoding = g_mime_object_get_header(obj, "Content-Transfer-Encoding");
	if (encoding != NULL)
		enc_trim = g_strstrip(g_strdup(encoding));
	if (body != NULL)
		detected = filetype_detect(body->data, body->len);
	idx = walk_emit_part(w, parent, depth, kind,
	    body != NULL ? body->len : 0, type != NULL ? type : "",
	    ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") :
	    NULL, enc_trim, detected);

	/* Both sources, even when equal: the checks compare them. */
	ct_name = ct != NULL ? g_mime_content_type_get_parameter(ct, "name") :
	    NULL;
	if (ct_name != NULL)
		walk_emit_filename(w, idx, FN_CONTENT_TYPE_NAME, ct_name,
		    strlen(ct_name));
	disp = g_mime_object_get_content_disposition(obj);
	disp_name = disp != NULL ?
	    g_mime_content_disposition_get_parameter(disp, "filename") : NULL;
	if (disp_name != NULL)
		walk_emit_filename(w, idx, FN_DISPOSITION_FILENAME, disp_name,
		    strlen(disp_name));
	if (body != NULL)
		walk_emit_content(w, idx, body->data, body->len);
	walk_flush_cut(w, idx);

	fc_findings_init(&f);
	walk_check_headers(w, obj, owner, boundary, &f);
	if (kind == PART_MULTIPART)
		walk_check_multipart(GMIME_MULTIPART(obj), ct, &f);
	walk_check_names(w, ct_name, disp_name, detected, &f);
	walk_report_findings(w, idx, &f);

	if (kind == PART_MULTIPART) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		const char *b = g_mime_multipart_get_boundary(mp);

		for (int i = 0; i < n && !w->stop; i++) {
			walk_path_push(w, &saved, (unsigned)i + 1);
			walk_object(w, g_mime_multipart_get_part(mp, i), idx,
			    depth + 1, NULL, b);
			walk_path_pop(w, saved);
		}
	} else if (kind == PART_MESSAGE) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		GMimeObject *inner = m != NULL ?
		    g_mime_message_get_mime_part(m) : NULL;

		if (inner != NULL) {
			walk_path_push(w, &saved, 1);
			walk_object(w, inner, idx, depth + 1, m, NULL);
			walk_path_pop(w, saved);
		}
	} else if (body != NULL && strcmp(w->str[WS_TYPE], "text/plain") == 0) {
		walk_uuencoded(w, idx, depth, body->data, body->len);
	} else if (body != NULL &&
	    strcmp(w->str[WS_TYPE], "message/rfc822") == 0) {
		/* GMime leaves a base64 or quoted-printable message/rfc822 as
		 * a leaf; RFC 2046 forbids the encoding, which is why it
		 * hides attachments well.  Its decoded bytes are parsed as
		 * the message they claim to be. */
		walk_path_push(w, &saved, 1);
		walk_encoded_message(w, idx, depth + 1, body);
		walk_path_pop(w, saved);
	}
	if (body != NULL)
		g_byte_array_free(body, TRUE);
}

static void
walk_header(struct walk *w, enum header_fact which, const char *value,
    const char *what)
{
	char clean[HEADER_VALUE_MAX + 1];
	size_t n;
	int cut;

	if (value == NULL)
		return;
	while (*value == ' ' || *value == '\t')
		value++;
	/* The broker takes header values up to HEADER_VALUE_MAX only. */
	n = walk_clean_max(value, strlen(value), HEADER_VALUE_MAX, clean,
	    &cut);
	w->st.headers++;
	if (w->sink->on_header != NULL)
		w->sink->on_header(w->ctx, which, clean, n);
	if (cut)
		walk_anomaly(w, WALK_NO_PARENT, ANOM_TRUNCATED_STRING, what);
}

/* An address header as GMime parsed it, decoded; the raw value when GMime
 * found no address in it (that is itself worth a policy's look). */
static void
walk_address(struct walk *w, GMimeMessage *m, GMimeAddressType type,
    const char *header, enum header_fact which, const char *what)
{
	InternetAddressList *list;
	g_autofree char *s = NULL;
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(m), header);

	if (raw == NULL)
		return;
	list = g_mime_message_get_addresses(m, type);
	if (list != NULL && internet_address_list_length(list) > 0)
		s = internet_address_list_to_string(list, NULL, FALSE);
	walk_header(w, which, s != NULL ? s : raw, what);
}

static void
walk_message_facts(struct walk *w, GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);

	if (g_mime_object_get_header(o, "Subject") != NULL)
		walk_header(w, HDR_SUBJECT, g_mime_message_get_subject(m),
		    "subject");
	walk_address(w, m, GMIME_ADDRESS_TYPE_FROM, "From", HDR_FROM, "from");
	walk_address(w, m, GMIME_ADDRESS_TYPE_TO, "To", HDR_TO, "to");
	walk_address(w, m, GMIME_ADDRESS_TYPE_CC, "Cc", HDR_CC, "cc");
	walk_header(w, HDR_MESSAGE_ID, g_mime_object_get_header(o,
	    "Message-Id"), "message_id");
	walk_header(w, HDR_DATE, g_mime_object_get_header(o, "Date"), "date");
}

static void
walk_header_field(struct walk *w, GMimeHeader *h, unsigned *cut)
{
	char name[RECORD_STR_MAX + 1];
	char value[HEADER_VALUE_MAX + 1];
	const char *n = g_mime_header_get_name(h);
	const char *v = g_mime_header_get_value(h);
	size_t nl, vl;
	int c1 = 0, c2 = 0;

	if (n == NULL || n[0] == '\0')
		return;		/* the broker refuses nameless fields */
	if (v == NULL)
		v = "";
	while (*v == ' ' || *v == '\t')
		v++;
	nl = walk_clean_max(n, strlen(n), RECORD_STR_MAX, name, &c1);
	vl = walk_clean_max(v, strlen(v), HEADER_VALUE_MAX, value, &c2);
	*cut += (unsigned)(c1 || c2);
	w->st.header_fields++;
	if (w->sink->on_header_field != NULL)
		w->sink->on_header_field(w->ctx, WALK_NO_PARENT, name, nl,
		    value, vl);
}

/* Every header of the top-level message, in the order it has them.
 * GMime keeps the Content-* ones with the body part and the rest with
 * the message; both lists are in order, so a merge by offset restores
 * the message's own order. */
static void
walk_header_fields(struct walk *w, GMimeMessage *m, GMimeObject *root)
{
	GMimeHeaderList *a = g_mime_object_get_header_list(GMIME_OBJECT(m));
	GMimeHeaderList *b = root != NULL ?
	    g_mime_object_get_header_list(root) : NULL;
	int na = a != NULL ? g_mime_header_list_get_count(a) : 0;
	int nb = b != NULL ? g_mime_header_list_get_count(b) : 0;
	int i = 0, j = 0;
	unsigned cut = 0, total = (unsigned)na + (unsigned)nb;
	char detail[WALK_DETAIL_MAX];

	while ((i < na || j < nb) && w->st.header_fields < HEADER_FIELDS_MAX) {
		GMimeHeader *ha = i < na ?
		    g_mime_header_list_get_header_at(a, i) : NULL;
		GMimeHeader *hb = j < nb ?
		    g_mime_header_list_get_header_at(b, j) : NULL;

		if (hb == NULL || (ha != NULL && g_mime_header_get_offset(ha) <=
		    g_mime_header_get_offset(hb))) {
			walk_header_field(w, ha, &cut);
			i++;
		} else {
			walk_header_field(w, hb, &cut);
			j++;
		}
	}
	if (cut > 0 || total > HEADER_FIELDS_MAX) {
		g_snprintf(detail, sizeof(detail), "header fields: %u value(s) "
		    "cut, %u of %u reported", cut, w->st.header_fields, total);
		walk_anomaly(w, WALK_NO_PARENT, ANOM_TRUNCATED_STRING, detail);
	}
}

int
mime_walk(const uint8_t *msg, size_t len, const struct walk_limits *lim,
    const struct walk_sink *sink, void *ctx, struct walk_stats *stats)
{
	static const uint8_t empty[1];
	struct walk_limits lim_use;
	struct walk *w;
	GByteArray input;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *root;

	if ((msg == NULL && len > 0) || lim == NULL || sink == NULL)
		return -1;
	if (msg == NULL)
		msg = empty;
	/* Index REC_NO_PARENT is reserved; depth travels as u16. */
	lim_use = *lim;
	if (lim_use.max_parts > REC_NO_PARENT - 1)
		lim_use.max_parts = REC_NO_PARENT - 1;
	if (lim_use.max_depth > UINT16_MAX)
		lim_use.max_depth = UINT16_MAX;

	w = g_new0(struct walk, 1);
	w->lim = &lim_use;
	w->sink = sink;
	w->ctx = ctx;
	w->path = g_string_new("1");

	if (len > G_MAXUINT) {
		/* GByteArray lengths are guint; the broker's size limit
		 * keeps real messages far below this. */
		walk_anomaly(w, WALK_NO_PARENT, ANOM_PARSE_FAILED,
		    "message larger than 4 GiB");
		goto out;
	}
	/* The message is parsed where it lies, uncopied. */
	stream = walk_stream_over(&input, msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	w->buf = msg;
	w->buflen = len;
	if (m == NULL) {
		struct fc_findings f;

		walk_anomaly(w, WALK_NO_PARENT, ANOM_PARSE_FAILED,
		    "GMime found no message");
		/* Why it found none is often in the header block. */
		fc_findings_init(&f);
		fc_check_header_block(msg, len, &f);
		for (unsigned i = 0; i < f.n; i++)
			walk_anomaly(w, WALK_NO_PARENT, f.f[i].code,
			    f.f[i].detail);
		g_object_unref(stream);
		goto out;
	}
	w->top = m;
	walk_message_facts(w, m);
	root = g_mime_message_get_mime_part(m);
	walk_header_fields(w, m, root);
	if (g_mime_object_get_header(GMIME_OBJECT(m), "Content-Type") == NULL &&
	    (root == NULL ||
	    g_mime_object_get_header(root, "Content-Type") == NULL))
		walk_anomaly(w, WALK_NO_PARENT, ANOM_NO_CONTENT_TYPE,
		    "no Content-Type header");
	if (root != NULL)
		walk_object(w, root, WALK_NO_PARENT, 0, m, NULL);
	g_object_unref(m);
	/* Parts hold substreams that share `input`; they are gone now. */
	g_object_unref(stream);
out:
	if (stats != NULL)
		*stats = w->st;
	g_string_free(w->path, TRUE);
	g_free(w);
	return 0;
}
