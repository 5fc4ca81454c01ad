/* unpacker: walks a parsed MIME tree and reports facts to a sink, in the
 * order of mime_walk.h; runs in role unpack, untrusted, after the final
 * filter, and in the fuzzer.  What a leaf's bytes hold is walked in
 * mime_containers.c, header and filename facts come from mime_headers.c. */
#include <string.h>

#include "archive_walk.h"
#include "filetype.h"
#include "mime_walk_internal.h"

/* Anomalies about single parts (cut strings, bad uuencode, an encoded
 * message that does not parse) are at most one per kind per part, and at
 * most max_parts + WALK_PART_ANOMALY_SLACK in all: the broker refuses a
 * role that sends more than max_parts + ANOMALIES_OVER_PARTS_MAX
 * anomalies, and the message-
 * wide ones (limits, parse failure, no Content-Type, cut header values
 * and header fields, the top-level header block's findings when GMime
 * found no message: at most 20) must always fit. */
#define WALK_PART_ANOMALY_SLACK	(ANOMALIES_OVER_PARTS_MAX / 2)

/* Is the check behind `code` switched off? */
static int
walk_check_off(const struct walk *w, enum anomaly_code code)
{
	return anomaly_is_check(code) && code < 64 &&
	    ((w->lim->disabled_checks >> code) & 1) != 0;
}

void
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

/* An anomaly about one part, within the walk's budget.  Past the budget a
 * finding would go unsaid, and a policy rule keyed on it would not match:
 * that is said once, as a limit, so the message cannot pass for clean. */
void
walk_part_anomaly(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	if (walk_check_off(w, code))
		return;
	if (w->part_anomalies >= (uint64_t)w->lim->max_parts +
	    WALK_PART_ANOMALY_SLACK) {
		if (!w->said_anomalies) {
			w->said_anomalies = 1;
			walk_anomaly(w, WALK_NO_PARENT, ANOM_LIMIT_ANOMALIES,
			    "more findings about parts than reported");
		}
		return;
	}
	w->part_anomalies++;
	walk_anomaly(w, part, code, detail);
}

void
walk_report_findings(struct walk *w, uint32_t part,
    const struct fc_findings *f)
{
	for (unsigned i = 0; i < f->n; i++)
		walk_part_anomaly(w, part, f->f[i].code, f->f[i].detail);
}

void
walk_pend_cut(struct walk *w, const char *what)
{
	if (w->n_cut++ == 0)
		w->cut_what = what;
}

void
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
size_t
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
int
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

int
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
uint32_t
walk_emit_part(struct walk *w, uint32_t parent, uint32_t depth,
    enum part_kind kind, uint16_t flags, uint64_t size, const char *type,
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
	p.flags = flags;
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

void
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

void
walk_emit_content(struct walk *w, uint32_t part, const uint8_t *data,
    size_t len)
{
	if (w->sink->on_content != NULL)
		w->sink->on_content(w->ctx, part, data, len);
}

void
walk_path_push(struct walk *w, size_t *saved, unsigned pos)
{
	*saved = w->path->len;
	g_string_append_printf(w->path, ".%u", pos);
}

void
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

static void walk_object(struct walk *w, GMimeObject *obj, uint32_t parent,
    uint32_t depth, GMimeMessage *owner, const char *boundary);

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

static enum part_kind
walk_object_kind(GMimeObject *obj)
{
	if (GMIME_IS_MULTIPART(obj))
		return PART_MULTIPART;
	if (GMIME_IS_MESSAGE_PART(obj))
		return PART_MESSAGE;
	return PART_LEAF;
}

/* The part record of a MIME part: its declared type, charset and
 * transfer encoding, the size of its decoded body (NULL: none). */
static uint32_t
walk_object_emit(struct walk *w, GMimeObject *obj, uint32_t parent,
    uint32_t depth, enum part_kind kind, const GByteArray *body,
    const char *detected)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *encoding;
	g_autofree char *type = NULL;
	g_autofree char *enc_trim = NULL;

	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	encoding = g_mime_object_get_header(obj, "Content-Transfer-Encoding");
	if (encoding != NULL)
		enc_trim = g_strstrip(g_strdup(encoding));
	return walk_emit_part(w, parent, depth, kind, 0,
	    body != NULL ? body->len : 0, type != NULL ? type : "",
	    ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") :
	    NULL, enc_trim, detected);
}

static void
walk_multipart_children(struct walk *w, GMimeMultipart *mp, uint32_t idx,
    uint32_t depth)
{
	int n = g_mime_multipart_get_count(mp);
	const char *b = g_mime_multipart_get_boundary(mp);
	size_t saved;

	for (int i = 0; i < n && !w->stop; i++) {
		walk_path_push(w, &saved, (unsigned)i + 1);
		walk_object(w, g_mime_multipart_get_part(mp, i), idx,
		    depth + 1, NULL, b);
		walk_path_pop(w, saved);
	}
}

/* The children of part `idx`, after all of its own records: subparts,
 * an embedded message's body, or what a leaf's decoded bytes hold. */
static void
walk_object_children(struct walk *w, GMimeObject *obj, uint32_t idx,
    uint32_t depth, enum part_kind kind, GByteArray *body,
    const struct walk_names *names)
{
	size_t saved;

	if (kind == PART_MULTIPART) {
		walk_multipart_children(w, GMIME_MULTIPART(obj), idx, depth);
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
	} else if (body != NULL &&
	    strcmp(w->str[WS_TYPE], "message/rfc822") == 0) {
		/* GMime leaves a base64 or quoted-printable message/rfc822 as
		 * a leaf; RFC 2046 forbids the encoding, which is why it
		 * hides attachments well.  Its decoded bytes are parsed as
		 * the message they claim to be. */
		walk_path_push(w, &saved, 1);
		walk_encoded_message(w, idx, depth + 1, body);
		walk_path_pop(w, saved);
	} else if (body != NULL) {
		/* Any other leaf: uuencoded blocks in text, archives, TNEF. */
		walk_leaf_containers(w, idx, depth, body->data, body->len,
		    names->ct_name, names->disp_name);
	}
}

/* One MIME part, in the record order of mime_walk.h: its part record,
 * filenames, content, the cut strings and format checks, its children. */
static void
walk_object(struct walk *w, GMimeObject *obj, uint32_t parent,
    uint32_t depth, GMimeMessage *owner, const char *boundary)
{
	GByteArray *body = NULL;
	enum part_kind kind;
	const char *detected = "";
	struct walk_names names;
	uint32_t idx;

	if (!walk_admit(w, parent, depth))
		return;
	kind = walk_object_kind(obj);
	if (GMIME_IS_PART(obj)) {
		body = walk_decode(GMIME_PART(obj));
		if (!walk_admit_bytes(w, parent, body->len)) {
			g_byte_array_free(body, TRUE);
			return;
		}
		detected = filetype_detect(body->data, body->len);
	}
	idx = walk_object_emit(w, obj, parent, depth, kind, body, detected);
	walk_part_names(w, idx, obj, &names);
	if (body != NULL)
		walk_emit_content(w, idx, body->data, body->len);
	walk_flush_cut(w, idx);
	walk_part_checks(w, idx, obj, owner, boundary, kind, &names,
	    detected);
	walk_object_children(w, obj, idx, depth, kind, body, &names);
	if (body != NULL)
		g_byte_array_free(body, TRUE);
}

/* Index REC_NO_PARENT is reserved; depth travels as u16. */
static void
walk_limits_clamp(const struct walk_limits *lim, struct walk_limits *out)
{
	*out = *lim;
	if (out->max_parts > REC_NO_PARENT - 1)
		out->max_parts = REC_NO_PARENT - 1;
	if (out->max_depth > UINT16_MAX)
		out->max_depth = UINT16_MAX;
	/* Container nesting costs stack and a libarchive handle per level. */
	if (out->max_archive_depth > ARCHIVE_DEPTH_CEILING)
		out->max_archive_depth = ARCHIVE_DEPTH_CEILING;
}

/* GMime found no message in msg[0..len): said, with why, which is often
 * in the header block. */
static void
walk_unparsed(struct walk *w, const uint8_t *msg, size_t len)
{
	struct fc_findings f;

	walk_anomaly(w, WALK_NO_PARENT, ANOM_PARSE_FAILED,
	    "GMime found no message");
	fc_findings_init(&f);
	fc_check_header_block(msg, len, &f);
	for (unsigned i = 0; i < f.n; i++)
		walk_anomaly(w, WALK_NO_PARENT, f.f[i].code, f.f[i].detail);
}

/* The top-level message: its header facts and fields and the message-
 * wide anomalies, before the first part; then its body, the root. */
static void
walk_message(struct walk *w, GMimeMessage *m)
{
	GMimeObject *root;

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
}

/* Parses msg[0..len) where it lies, uncopied, and walks it. */
static void
walk_parse(struct walk *w, const uint8_t *msg, size_t len)
{
	GByteArray input;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	if (len > G_MAXUINT) {
		/* GByteArray lengths are guint; the broker's size limit
		 * keeps real messages far below this. */
		walk_anomaly(w, WALK_NO_PARENT, ANOM_PARSE_FAILED,
		    "message larger than 4 GiB");
		return;
	}
	stream = walk_stream_over(&input, msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	w->buf = msg;
	w->buflen = len;
	if (m == NULL) {
		walk_unparsed(w, msg, len);
	} else {
		walk_message(w, m);
		g_object_unref(m);
	}
	/* Parts hold substreams that share `input`; they are gone now. */
	g_object_unref(stream);
}

int
mime_walk(const uint8_t *msg, size_t len, const struct walk_limits *lim,
    const struct walk_sink *sink, void *ctx, struct walk_stats *stats)
{
	static const uint8_t empty[1];
	struct walk_limits lim_use;
	struct walk *w;
	int rc;

	if ((msg == NULL && len > 0) || lim == NULL || sink == NULL)
		return -1;
	if (msg == NULL)
		msg = empty;
	walk_limits_clamp(lim, &lim_use);
	w = g_new0(struct walk, 1);
	w->lim = &lim_use;
	w->sink = sink;
	w->ctx = ctx;
	w->path = g_string_new("1");
	walk_parse(w, msg, len);
	if (stats != NULL)
		*stats = w->st;
	rc = w->fatal ? -1 : 0;
	g_string_free(w->path, TRUE);
	g_free(w);
	return rc;
}
