/* unpacker: what a leaf's bytes hold, walked from the MIME walk: archive
 * members (archive_walk), TNEF attachments (tnef_parse) and uuencoded
 * blocks, reported as the leaf's children; runs in role unpack,
 * untrusted, after the final filter, and in the fuzzer. */
#include <string.h>

#include "archive_walk.h"
#include "filetype.h"
#include "mime_walk_internal.h"
#include "tnef.h"
#include "uuencode.h"

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

/* The records of one container child the walk admitted, at w->path:
 * its part, its name, its content, then its own findings. */
static uint32_t
walk_box_report(struct walk *w, uint32_t parent, uint32_t depth,
    enum part_kind kind, uint16_t flags, enum filename_source src,
    const char *name, size_t name_len, int name_cut, const uint8_t *data,
    size_t len)
{
	struct fc_findings f;
	const char *detected, *base;
	size_t base_len;
	uint32_t idx;

	detected = filetype_detect(data, len);
	idx = walk_emit_part(w, parent, depth, kind, flags, len,
	    "application/octet-stream", "", "", detected);
	if (name_len > 0)
		walk_emit_filename(w, idx, src, name, name_len);
	if (name_cut)
		walk_pend_cut(w, "filename");
	walk_emit_content(w, idx, data, len);
	walk_flush_cut(w, idx);
	fc_findings_init(&f);
	base = walk_base_name(name, name_len, &base_len);
	if (base_len > 0)
		fc_check_filename(base, base_len, &f);
	fc_check_part_type("application/octet-stream", detected,
	    base_len > 0 ? base : NULL, base_len, &f);
	walk_report_findings(w, idx, &f);
	return idx;
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
	char detail[WALK_DETAIL_MAX];
	g_autofree char *valid = NULL;
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
		node.part = walk_box_report(w, parent, node.depth, kind, flags,
		    src, name, name_len, name_cut, data, len);
		node.reported = 1;
		node.path = g_strdup(w->path->str);
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

/* One valid uuencoded block, decoded into data[0..blk->decoded_len):
 * its records as child number `pos` of part `parent`, then what it holds
 * when it is an archive or TNEF. */
static void
walk_uu_block(struct walk *w, uint32_t parent, uint32_t depth, unsigned pos,
    const struct uu_block *blk, const uint8_t *data)
{
	struct fc_findings f;
	const char *detected;
	const char *name = (const char *)blk->name;
	g_autofree char *path = NULL;
	uint32_t idx, positions = 0;
	size_t saved;

	walk_path_push(w, &saved, pos);
	detected = filetype_detect(data, blk->decoded_len);
	idx = walk_emit_part(w, parent, depth + 1, PART_UUENCODED, 0,
	    blk->decoded_len, "application/octet-stream", "", "x-uuencode",
	    detected);
	walk_emit_filename(w, idx, FN_UUENCODE, name, blk->name_len);
	walk_emit_content(w, idx, data, blk->decoded_len);
	walk_flush_cut(w, idx);
	fc_findings_init(&f);
	fc_check_filename(name, blk->name_len, &f);
	fc_check_part_type("application/octet-stream", detected, name,
	    blk->name_len, &f);
	walk_report_findings(w, idx, &f);
	path = g_strdup(w->path->str);
	walk_container(w, idx, depth + 1, 0, path, &positions, data,
	    blk->decoded_len, walk_name_is_winmail(name, blk->name_len));
	walk_path_pop(w, saved);
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
	size_t pos = 0;
	unsigned found = 0, bad = 0;
	char detail[WALK_DETAIL_MAX];

	while ((r = uu_next_block(text, len, &pos, &blk)) != UU_NONE) {
		uint8_t *data;

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
		walk_uu_block(w, parent, depth, ++found, &blk, data);
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

void
walk_leaf_containers(struct walk *w, uint32_t idx, uint32_t depth,
    const uint8_t *data, size_t len, const char *ct_name,
    const char *disp_name)
{
	g_autofree char *path = g_strdup(w->path->str);
	const char *type = w->str[WS_TYPE];
	uint32_t positions = 0;
	int tnef_hint;

	/* Read before the uuencoded children overwrite w->str. */
	tnef_hint = strcmp(type, "application/ms-tnef") == 0 ||
	    strcmp(type, "application/vnd.ms-tnef") == 0 ||
	    (ct_name != NULL && walk_name_is_winmail(ct_name,
	    strlen(ct_name))) || (disp_name != NULL &&
	    walk_name_is_winmail(disp_name, strlen(disp_name)));
	/* Uuencoded blocks first, then whatever archive or TNEF stream the
	 * bytes are, after them. */
	if (strcmp(type, "text/plain") == 0)
		positions = walk_uuencoded(w, idx, depth, data, len);
	walk_container(w, idx, depth, 0, path, &positions, data, len,
	    tnef_hint);
}
