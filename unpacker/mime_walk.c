/* unpacker: walks a parsed MIME tree and reports facts to a sink; runs in
 * role unpack, untrusted, after the final filter. */
#include <string.h>

#include <gmime/gmime.h>

#include "archive_walk.h"
#include "filetype.h"
#include "format_checks.h"
#include "mime_walk.h"
#include "tnef.h"
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
	int stop;		/* a limit that ends the walk: report no more */
	int fatal;		/* out of memory in a container walk */
	int said_depth, said_parts, said_decoded;
	/* Container limits, for the whole message: each said once. */
	int said_arc_depth, said_arc_members, said_expanded, said_ratio;
	int said_anomalies;
	uint64_t arc_members;	/* archive members and TNEF attachments */
	uint64_t arc_expanded;	/* bytes read out of archives */
	/* A cut string of the part being reported waits until its content
	 * is out: a part's first records are always PART, its FILENAMEs,
	 * its CONTENT (common/part_order.h).  Only the first cut field is
	 * named. */
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

/* An anomaly about one part, within the walk's budget.  Past the budget a
 * finding would go unsaid, and a policy rule keyed on it would not match:
 * that is said once, as a limit, so the message cannot pass for clean. */
static void
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

/* ---- containers: archives and TNEF inside a part's bytes ------------- */

/* A container limit (ANOM_LIMIT_ARCHIVE_*, ANOM_LIMIT_EXPANDED_BYTES,
 * ANOM_LIMIT_EXPANSION_RATIO), said once per message and never out of
 * the anomaly budget: a limit that went unsaid would let the message
 * pass as clean.  All but depth end the walk, as the parts and decoded
 * limits do: the verdict is "limits" whatever follows. */
static void
walk_limit(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	int *said;

	switch (code) {
	case ANOM_LIMIT_ARCHIVE_DEPTH:
		said = &w->said_arc_depth;
		break;
	case ANOM_LIMIT_ARCHIVE_MEMBERS:
		said = &w->said_arc_members;
		break;
	case ANOM_LIMIT_EXPANDED_BYTES:
		said = &w->said_expanded;
		break;
	case ANOM_LIMIT_EXPANSION_RATIO:
		said = &w->said_ratio;
		break;
	case ANOM_LIMIT_DECODED:
		said = &w->said_decoded;
		break;
	default:
		return;
	}
	if (code != ANOM_LIMIT_ARCHIVE_DEPTH)
		w->stop = 1;
	if (*said)
		return;
	*said = 1;
	walk_anomaly(w, part, code, detail);
}

/* One archive member or TNEF attachment, by the module's own index. */
struct walk_node {
	uint32_t part;		/* our index; when it was not reported, the
				   nearest reported ancestor's */
	uint32_t depth;		/* our depth, reported or not */
	uint32_t children;	/* positions handed out under it */
	int reported;
	char *path;		/* our path when reported */
};

/* One container walk: the archive or TNEF stream in one part's bytes. */
struct walk_box {
	struct walk *w;
	uint32_t part;		/* the part whose bytes these are */
	uint32_t depth;
	uint32_t level;		/* container nesting: 0 in a MIME part */
	const char *path;
	uint32_t *children;	/* positions under that part */
	GArray *nodes;		/* struct walk_node, by module index */
	/* The expanded budget handed to archive_walk was the decoded one
	 * (smaller): its expanded limit is our decoded limit. */
	int expanded_is_decoded;
	/* The member on_member announced, waiting for its bytes. */
	int have_pending;
	struct aw_member pending;
	char pending_path[AW_PATH_MAX + 1];
};

static void walk_container(struct walk *w, uint32_t part, uint32_t depth,
    uint32_t level, const char *path, uint32_t *children,
    const uint8_t *data, size_t len, int tnef_hint);

/* The node a module's parent index names; NULL for the container's own
 * part (the modules' NO_PARENT, or an index they never announced). */
static struct walk_node *
walk_box_node(struct walk_box *b, uint32_t module_index)
{
	if (module_index >= b->nodes->len)
		return NULL;
	return &g_array_index(b->nodes, struct walk_node, module_index);
}

/* The part an anomaly about module index `i` goes to. */
static uint32_t
walk_box_part(struct walk_box *b, uint32_t i)
{
	struct walk_node *n = walk_box_node(b, i);

	return n != NULL ? n->part : b->part;
}

/* "dir/sub/invoice.pdf.exe" -> "invoice.pdf.exe": the checks judge the
 * name a user sees, and a dot in a directory is no extension.  Archives
 * made on Windows may use either separator. */
static const char *
walk_base_name(const char *name, size_t len, size_t *base_len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			start = i + 1;
	*base_len = len - start;
	return name + start;
}

/* A winmail.dat by name, in any case, as Outlook and gateways write it. */
static int
walk_name_is_winmail(const char *name, size_t len)
{
	size_t n;
	const char *base = name != NULL ? walk_base_name(name, len, &n) : NULL;

	return base != NULL && n == 11 && g_ascii_strncasecmp(base,
	    "winmail.dat", 11) == 0;
}

/* Reports one child of a container under the module's parent index and
 * appends its node (also when refused, so later indices still map).
 * Returns the node, valid until the next append. */
static struct walk_node *
walk_box_child(struct walk_box *b, uint32_t module_parent,
    enum part_kind kind, uint16_t flags, enum filename_source src,
    const char *name, size_t name_len, int name_cut, const uint8_t *data,
    size_t len)
{
	struct walk *w = b->w;
	struct walk_node *pn = walk_box_node(b, module_parent);
	struct walk_node node;
	struct fc_findings f;
	char detail[WALK_DETAIL_MAX];
	const char *detected, *base;
	g_autofree char *valid = NULL;
	size_t base_len;
	int parent_reported = pn != NULL ? pn->reported : 1;
	uint32_t parent = pn != NULL ? pn->part : b->part;
	uint32_t *positions = pn != NULL ? &pn->children : b->children;
	const char *ppath = pn != NULL ? pn->path : b->path;

	memset(&node, 0, sizeof(node));
	node.part = parent;
	node.depth = (pn != NULL ? pn->depth : b->depth) + 1;
	/* Zip and tar names are bytes in whatever code page the packer
	 * used, TNEF's 8-bit ones too: invalid sequences become U+FFFD, so
	 * the report and policy always get text, and ".exe" stays ".exe". */
	if (!g_utf8_validate(name, (gssize)name_len, NULL)) {
		valid = g_utf8_make_valid(name, (gssize)name_len);
		name = valid;
		name_len = strlen(valid);
	}
	/* The whole message's budget; the modules enforce their share of
	 * it per walk, this catches walks nested inside each other. */
	if (++w->arc_members > w->lim->max_archive_members) {
		g_snprintf(detail, sizeof(detail), "more than %u archive "
		    "members and TNEF attachments", w->lim->max_archive_members);
		walk_limit(w, parent, ANOM_LIMIT_ARCHIVE_MEMBERS, detail);
	}
	if (parent_reported && !w->stop &&
	    walk_admit(w, parent, node.depth) &&
	    walk_admit_bytes(w, parent, len)) {
		g_string_printf(w->path, "%s.%u", ppath, ++*positions);
		detected = filetype_detect(data, len);
		node.part = walk_emit_part(w, parent, node.depth, kind, flags,
		    len, "application/octet-stream", "", "", detected);
		node.reported = 1;
		node.path = g_strdup(w->path->str);
		if (name_len > 0)
			walk_emit_filename(w, node.part, src, name, name_len);
		if (name_cut)
			walk_pend_cut(w, "filename");
		walk_emit_content(w, node.part, data, len);
		walk_flush_cut(w, node.part);
		fc_findings_init(&f);
		base = walk_base_name(name, name_len, &base_len);
		if (base_len > 0)
			fc_check_filename(base, base_len, &f);
		fc_check_part_type("application/octet-stream", detected,
		    base_len > 0 ? base : NULL, base_len, &f);
		walk_report_findings(w, node.part, &f);
	}
	g_array_append_val(b->nodes, node);
	return &g_array_index(b->nodes, struct walk_node, b->nodes->len - 1);
}

/* The modules' anomalies, one to one; TNEF's limits are the archive
 * limits, since both bound what a container may unfold into. */
static void
walk_box_anomaly(struct walk_box *b, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	if (anomaly_is_limit(code))
		walk_limit(b->w, part, code, detail);
	else
		walk_part_anomaly(b->w, part, code, detail);
}

static void
walk_aw_member(void *ctx, const struct aw_member *m)
{
	struct walk_box *b = ctx;

	b->pending = *m;
	g_strlcpy(b->pending_path, m->path, sizeof(b->pending_path));
	b->pending.path = b->pending_path;
	b->have_pending = 1;
}

static void
walk_aw_content(void *ctx, uint32_t member, const uint8_t *data, size_t len,
    int truncated)
{
	struct walk_box *b = ctx;
	struct walk *w = b->w;
	const struct aw_member *m = &b->pending;
	struct walk_node *n;
	uint32_t part, depth;
	g_autofree char *path = NULL;

	w->arc_expanded += len;
	if (!b->have_pending || m->index != member ||
	    member != b->nodes->len) {
		/* archive_walk.h promises on_member, then on_content, for
		 * the next index; anything else is not ours to report. */
		struct walk_node lost = { b->part, b->depth + 1, 0, 0, NULL };

		g_array_append_val(b->nodes, lost);
		return;
	}
	b->have_pending = 0;
	n = walk_box_child(b, m->parent, PART_ARCHIVE_MEMBER,
	    m->encrypted ? PART_FLAG_ENCRYPTED : 0, FN_ARCHIVE_PATH, m->path,
	    m->path_len, m->path_truncated, data, len);
	if (w->arc_expanded > w->lim->max_expanded_bytes) {
		char detail[WALK_DETAIL_MAX];

		g_snprintf(detail, sizeof(detail), "archives expanded to over "
		    "%" G_GUINT64_FORMAT " bytes", w->lim->max_expanded_bytes);
		walk_limit(w, n->part, ANOM_LIMIT_EXPANDED_BYTES, detail);
	}
	/* Archives inside archives are archive_walk's own recursion; a
	 * TNEF stream inside one is ours. */
	if (!n->reported || w->stop || truncated ||
	    (!tnef_is_tnef(data, len) &&
	    !walk_name_is_winmail(m->path, m->path_len)))
		return;
	/* The nested walk appends to its own box, never to b->nodes, so
	 * n stays valid through it. */
	part = n->part;
	depth = n->depth;
	path = g_strdup(n->path);
	walk_container(w, part, depth, m->depth + 1, path, &n->children,
	    data, len, 1);
}

static void
walk_aw_anomaly(void *ctx, uint32_t member, enum aw_anomaly code,
    const char *detail)
{
	struct walk_box *b = ctx;
	uint32_t part = walk_box_part(b, member);

	switch (code) {
	case AW_ANOM_ENCRYPTED:
		walk_box_anomaly(b, part, ANOM_ARCHIVE_ENCRYPTED, detail);
		break;
	case AW_ANOM_CORRUPT:
		walk_box_anomaly(b, part, ANOM_ARCHIVE_CORRUPT, detail);
		break;
	case AW_ANOM_LIMIT_DEPTH:
		walk_box_anomaly(b, part, ANOM_LIMIT_ARCHIVE_DEPTH, detail);
		break;
	case AW_ANOM_LIMIT_MEMBERS:
		walk_box_anomaly(b, part, ANOM_LIMIT_ARCHIVE_MEMBERS, detail);
		break;
	case AW_ANOM_LIMIT_EXPANDED:
		walk_box_anomaly(b, part, b->expanded_is_decoded ?
		    ANOM_LIMIT_DECODED : ANOM_LIMIT_EXPANDED_BYTES, detail);
		break;
	case AW_ANOM_LIMIT_RATIO:
		walk_box_anomaly(b, part, ANOM_LIMIT_EXPANSION_RATIO, detail);
		break;
	default:
		walk_box_anomaly(b, part, ANOM_ARCHIVE_CORRUPT, detail);
		break;
	}
}

/* Our own limits (parts, decoded bytes) end archive_walk too. */
static int
walk_aw_stop(void *ctx)
{
	const struct walk_box *b = ctx;

	return b->w->stop;
}

static void
walk_tnef_attachment(void *ctx, const struct tnef_attachment *att)
{
	struct walk_box *b = ctx;
	struct walk *w = b->w;
	struct walk_node *n;
	uint32_t part, depth;
	g_autofree char *path = NULL;

	n = walk_box_child(b, att->parent, PART_TNEF_ATTACHMENT, 0, FN_TNEF,
	    att->name, att->name_len, att->name_truncated, att->data,
	    att->size);
	/* An embedded message's stream is tnef_parse's own recursion. */
	if (!n->reported || w->stop || att->embedded_message)
		return;
	part = n->part;
	depth = n->depth;
	path = g_strdup(n->path);
	walk_container(w, part, depth, b->level + att->depth + 1, path,
	    &n->children, att->data, att->size,
	    walk_name_is_winmail(att->name, att->name_len));
}

static void
walk_tnef_anomaly(void *ctx, uint32_t parent, enum tnef_anomaly code,
    const char *detail)
{
	struct walk_box *b = ctx;
	uint32_t part = walk_box_part(b, parent);

	switch (code) {
	case TNEF_ANOM_BAD_CHECKSUM:
		walk_box_anomaly(b, part, ANOM_TNEF_BAD_CHECKSUM, detail);
		break;
	case TNEF_ANOM_LIMIT_ATTACHMENTS:
		walk_box_anomaly(b, part, ANOM_LIMIT_ARCHIVE_MEMBERS, detail);
		break;
	case TNEF_ANOM_LIMIT_DEPTH:
		walk_box_anomaly(b, part, ANOM_LIMIT_ARCHIVE_DEPTH, detail);
		break;
	case TNEF_ANOM_CORRUPT:
	default:
		walk_box_anomaly(b, part, ANOM_TNEF_CORRUPT, detail);
		break;
	}
}

static uint64_t
walk_left(uint64_t max, uint64_t used)
{
	return used < max ? max - used : 0;
}

static void
walk_box_tnef(struct walk_box *b, const uint8_t *data, size_t len)
{
	static const struct tnef_sink sink = {
		.on_attachment = walk_tnef_attachment,
		.on_anomaly = walk_tnef_anomaly,
	};
	const struct walk_limits *lim = b->w->lim;
	struct tnef_limits tl;
	uint64_t left = walk_left(lim->max_archive_members,
	    b->w->arc_members);

	tl.max_attachments = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
	tl.max_depth = lim->max_archive_depth - b->level;
	(void)tnef_parse(data, len, &tl, &sink, b, NULL);
}

static void
walk_box_archive(struct walk_box *b, const uint8_t *data, size_t len)
{
	static const struct aw_sink sink = {
		.on_member = walk_aw_member,
		.on_content = walk_aw_content,
		.on_anomaly = walk_aw_anomaly,
		.stop = walk_aw_stop,
	};
	struct walk *w = b->w;
	struct aw_limits al;
	struct aw_stats st;
	uint64_t members = walk_left(w->lim->max_archive_members,
	    w->arc_members);
	uint64_t expanded = walk_left(w->lim->max_expanded_bytes,
	    w->arc_expanded);
	uint64_t decoded = walk_left(w->lim->max_decoded_bytes,
	    w->st.decoded_bytes);

	al.max_depth = w->lim->max_archive_depth;
	al.max_members = members > UINT32_MAX ? UINT32_MAX : (uint32_t)members;
	/* Members are decoded parts too: never read more than either
	 * budget allows, so a bomb stops where the first limit lies. */
	b->expanded_is_decoded = decoded < expanded;
	al.max_expanded_bytes = decoded < expanded ? decoded : expanded;
	al.max_ratio = w->lim->max_expansion_ratio;
	al.ratio_min_bytes = AW_DEFAULT_RATIO_MIN;
	memset(&st, 0, sizeof(st));
	if (archive_walk(data, len, b->level, &al, &sink, b, &st) ==
	    AW_MESSAGE_FATAL) {
		w->fatal = 1;
		w->stop = 1;
	}
	/* Directories and links count against the member limit as
	 * archive_walk counts them; regular members were counted as they
	 * came. */
	w->arc_members += st.entries - st.members;
}

/* Walks the archive or TNEF stream in data[0..len), the bytes of part
 * `part` (at `depth`, path `path`), reporting what it holds as that
 * part's children from position *children + 1 on.  level is the
 * container nesting of these bytes (0: a MIME part's own).  tnef_hint:
 * the part is TNEF by its type or name even when the signature is
 * missing, which is then reported as tnef_corrupt.  archive_walk sniffs
 * every content itself; most are no archive and cost one open. */
static void
walk_container(struct walk *w, uint32_t part, uint32_t depth,
    uint32_t level, const char *path, uint32_t *children,
    const uint8_t *data, size_t len, int tnef_hint)
{
	struct walk_box b;
	g_autofree char *saved = NULL;
	int is_tnef;

	if (w->stop || len == 0)
		return;
	is_tnef = tnef_is_tnef(data, len);
	if (level > w->lim->max_archive_depth) {
		if (is_tnef || archive_walk_is_archive(data, len))
			walk_limit(w, part, ANOM_LIMIT_ARCHIVE_DEPTH,
			    "container nested beyond max_archive_depth "
			    "not opened");
		return;
	}
	memset(&b, 0, sizeof(b));
	b.w = w;
	b.part = part;
	b.depth = depth;
	b.level = level;
	b.path = path;
	b.children = children;
	b.nodes = g_array_new(FALSE, TRUE, sizeof(struct walk_node));
	saved = g_strdup(w->path->str);
	if (is_tnef || tnef_hint)
		walk_box_tnef(&b, data, len);
	if (!is_tnef && !w->stop)
		walk_box_archive(&b, data, len);
	for (guint i = 0; i < b.nodes->len; i++)
		g_free(g_array_index(b.nodes, struct walk_node, i).path);
	g_array_free(b.nodes, TRUE);
	g_string_assign(w->path, saved);
}

/* Reports every uuencoded block of a decoded text body as a child, and
 * what each block holds when it is an archive or TNEF.  Returns the
 * number of children reported. */
static unsigned
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
		idx = walk_emit_part(w, parent, depth + 1, PART_UUENCODED, 0,
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
		{
			g_autofree char *path = g_strdup(w->path->str);
			uint32_t positions = 0;

			walk_container(w, idx, depth + 1, 0, path, &positions,
			    data, blk.decoded_len, walk_name_is_winmail(
			    (const char *)blk.name, blk.name_len));
		}
		walk_path_pop(w, saved);
		g_free(data);
	}
	if (bad > 0) {
		/* One fact per body: a flood of begin lines is one finding. */
		g_snprintf(detail, sizeof(detail),
		    "%u begin line(s) without a valid body or end line", bad);
		walk_part_anomaly(w, parent, ANOM_BAD_UUENCODE, detail);
	}
	return found;
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
	size_t start, len;

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
	len = w->buflen - start;
	/* A child's headers end at the next boundary at the latest: a part
	 * without a blank line must not make us read on through its
	 * siblings (10 000 of them would cost seconds). */
	if (boundary != NULL) {
		g_autofree char *next = g_strdup_printf("\n--%s", boundary);
		const uint8_t *end = memmem(w->buf + start,
		    MIN(len, (size_t)FC_HEADER_BLOCK_MAX), next, strlen(next));

		if (end != NULL)
			len = (size_t)(end - (w->buf + start)) + 1;
	}
	fc_check_header_block(w->buf + start, len, f);
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

/* A second name= or filename= (plain, or RFC 2231 beside a plain one):
 * GMime's getter returns one, a mail client may show another.  Every
 * other value is reported too, checked like the first, and a name that
 * differs from the first is a filename_mismatch.  At most
 * WALK_EXTRA_NAMES per source, so the part stays under PART_FILENAMES_MAX. */
#define WALK_EXTRA_NAMES ((PART_FILENAMES_MAX - 2) / 2)

/* The other values of one parameter; they point into GMime's list. */
struct walk_extra {
	const char *first;
	const char *v[WALK_EXTRA_NAMES];
	unsigned n;
};

/* Reports them as filenames: with the part's other names, before its
 * content (common/part_order.h). */
static void
walk_extra_names(struct walk *w, uint32_t idx, GMimeParamList *list,
    const char *param, const char *first, enum filename_source src,
    struct walk_extra *out)
{
	int n = list != NULL ? g_mime_param_list_length(list) : 0;
	int seen_first = 0;

	out->first = first;
	out->n = 0;
	for (int i = 0; i < n && out->n < WALK_EXTRA_NAMES; i++) {
		GMimeParam *p = g_mime_param_list_get_parameter_at(list, i);
		const char *name = p != NULL ? g_mime_param_get_name(p) : NULL;
		const char *value = p != NULL ? g_mime_param_get_value(p) : NULL;

		if (name == NULL || value == NULL ||
		    g_ascii_strcasecmp(name, param) != 0)
			continue;
		/* The first occurrence is the one already reported. */
		if (!seen_first && first != NULL && strcmp(value, first) == 0) {
			seen_first = 1;
			continue;
		}
		walk_emit_filename(w, idx, src, value, strlen(value));
		out->v[out->n++] = value;
	}
}

/* The checks on them, after the part's other findings. */
static void
walk_check_extra(struct walk *w, const struct walk_extra *e,
    const char *detected, struct fc_findings *f)
{
	for (unsigned i = 0; i < e->n; i++) {
		const char *value = e->v[i];

		fc_check_filename(value, strlen(value), f);
		fc_check_part_type(w->str[WS_TYPE], detected, value,
		    strlen(value), f);
		if (e->first != NULL)
			fc_check_filenames_differ(e->first, strlen(e->first),
			    value, strlen(value), f);
	}
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
	struct walk_extra ct_extra, disp_extra;
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
	idx = walk_emit_part(w, parent, depth, kind, 0,
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
	walk_extra_names(w, idx, ct != NULL ?
	    g_mime_content_type_get_parameters(ct) : NULL, "name", ct_name,
	    FN_CONTENT_TYPE_NAME, &ct_extra);
	walk_extra_names(w, idx, disp != NULL ?
	    g_mime_content_disposition_get_parameters(disp) : NULL,
	    "filename", disp_name, FN_DISPOSITION_FILENAME, &disp_extra);
	if (body != NULL)
		walk_emit_content(w, idx, body->data, body->len);
	walk_flush_cut(w, idx);

	fc_findings_init(&f);
	walk_check_headers(w, obj, owner, boundary, &f);
	if (kind == PART_MULTIPART)
		walk_check_multipart(GMIME_MULTIPART(obj), ct, &f);
	walk_check_names(w, ct_name, disp_name, detected, &f);
	walk_check_extra(w, &ct_extra, detected, &f);
	walk_check_extra(w, &disp_extra, detected, &f);
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
		/* Any other leaf: uuencoded blocks in text, then whatever
		 * archive or TNEF stream the bytes are, after them. */
		g_autofree char *path = g_strdup(w->path->str);
		uint32_t positions = 0;
		int tnef_hint;

		if (strcmp(w->str[WS_TYPE], "text/plain") == 0)
			positions = walk_uuencoded(w, idx, depth, body->data,
			    body->len);
		tnef_hint = strcmp(w->str[WS_TYPE], "application/ms-tnef") ==
		    0 || strcmp(w->str[WS_TYPE], "application/vnd.ms-tnef") ==
		    0 || (ct_name != NULL && walk_name_is_winmail(ct_name,
		    strlen(ct_name))) || (disp_name != NULL &&
		    walk_name_is_winmail(disp_name, strlen(disp_name)));
		walk_container(w, idx, depth, 0, path, &positions, body->data,
		    body->len, tnef_hint);
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
	if (cut > 0) {
		g_snprintf(detail, sizeof(detail), "header fields: %u value(s) "
		    "cut", cut);
		walk_anomaly(w, WALK_NO_PARENT, ANOM_TRUNCATED_STRING, detail);
	}
	/* A header rule cannot match a field it never sees: a limit. */
	if (total > HEADER_FIELDS_MAX) {
		g_snprintf(detail, sizeof(detail), "header fields: %u of %u "
		    "reported", w->st.header_fields, total);
		walk_anomaly(w, WALK_NO_PARENT, ANOM_LIMIT_HEADER_FIELDS,
		    detail);
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
	int rc;

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
	/* Container nesting costs stack and a libarchive handle per level. */
	if (lim_use.max_archive_depth > ARCHIVE_DEPTH_CEILING)
		lim_use.max_archive_depth = ARCHIVE_DEPTH_CEILING;

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
	rc = w->fatal ? -1 : 0;
	g_string_free(w->path, TRUE);
	g_free(w);
	return rc;
}
