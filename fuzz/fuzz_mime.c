/* fuzz: libFuzzer harness for the MIME walk (unpacker/mime_walk.c, the
 * tree; unpacker/mime_headers.c, header and filename facts;
 * unpacker/mime_containers.c, the archive, TNEF and uuencoded members of
 * a leaf); runs the untrusted parser code in the harness, never in the
 * broker.
 *
 * Besides crashes it checks what the broker's decoder relies on: the
 * record order of common/part_order.h, fed through the same module the
 * decoder uses (a part's names, then its content, before anything else);
 * indexes dense and in order, parents reported before children, depth
 * one more than the parent's, paths extending the parent's path; the
 * tree the role really sends (mime_walk.h: MIME parts under multiparts
 * and messages, uuencoded blocks in text leaves, archive members and
 * TNEF attachments under any part with bytes); every string bounded and
 * NUL-free, limit anomalies at most once, and counts equal to the walk's
 * own statistics.  Any break is an abort(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_walk.h"
#include "part_order.h"

/* Same as max_len in mime.options: bigger inputs find nothing new, only
 * slower runs. */
#define FUZZ_MIME_MAX_INPUT	(1024u * 1024)
/* Limits low enough that the fuzzer reaches them often. */
#define FUZZ_MIME_MAX_PARTS	500
#define FUZZ_MIME_MAX_DEPTH	20
#define FUZZ_MIME_MAX_DECODED	(2u * 1024 * 1024)

struct fuzz_part {
	uint32_t parent;
	uint32_t depth;
	enum part_kind kind;
	uint64_t size;
	unsigned children;
	int rfc822;		/* message/rfc822 left encoded: may have a child */
	int text_plain;		/* may hold uuencoded blocks */
	char *path;
};

struct fuzz_ctx {
	struct fuzz_part *parts;
	size_t n_parts, cap;
	uint32_t anomalies, filenames, headers, header_fields;
	uint64_t decoded;
	unsigned limit_seen[ANOM_CODE_MAX + 1];
	unsigned header_seen[HDR_FACT_MAX + 1];
	struct part_order order;	/* what the broker's decoder enforces */
};

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_mime: invariant broken: %s\n", what);
	abort();
}

static void
fuzz_check_str(const char *s, size_t len)
{
	if (s == NULL || len > RECORD_STR_MAX || strlen(s) != len)
		fuzz_fail("string unbounded, NULL or with NUL inside");
}

/* The record order, by the broker's own rule. */
static void
fuzz_order(struct fuzz_ctx *c, unsigned type, uint32_t part, unsigned kind)
{
	const char *why = part_order_next(&c->order, type, part, kind);

	if (why != NULL)
		fuzz_fail(why);
}

static int
fuzz_kind_is_mime(enum part_kind k)
{
	return k == PART_LEAF || k == PART_MULTIPART || k == PART_MESSAGE;
}

static int
fuzz_kind_is_container_child(enum part_kind k)
{
	return k == PART_ARCHIVE_MEMBER || k == PART_TNEF_ATTACHMENT;
}

/* May a part of kind `k` be a child of `par`?  The tree mime_walk.h
 * describes: MIME parts under a multipart, a message/rfc822 part or an
 * encoded message/rfc822 leaf (one child for the last two); uuencoded
 * blocks under a text/plain leaf; archive members and TNEF attachments
 * under any other part that has bytes. */
static void
fuzz_check_child(const struct fuzz_part *par, enum part_kind k)
{
	switch (par->kind) {
	case PART_MULTIPART:
		if (!fuzz_kind_is_mime(k))
			fuzz_fail("a multipart has a child that is no MIME part");
		break;
	case PART_MESSAGE:
		if (!fuzz_kind_is_mime(k) || par->children > 0)
			fuzz_fail("a message part has other than one MIME child");
		break;
	case PART_LEAF:
		if (par->rfc822) {
			if (!fuzz_kind_is_mime(k) || par->children > 0)
				fuzz_fail("an encoded message has other than "
				    "one MIME child");
		} else if (fuzz_kind_is_mime(k))
			fuzz_fail("a leaf has a MIME child but is no message");
		else if (k == PART_UUENCODED && !par->text_plain)
			fuzz_fail("a uuencoded part outside a text/plain leaf");
		break;
	case PART_UUENCODED:
	case PART_ARCHIVE_MEMBER:
	case PART_TNEF_ATTACHMENT:
		if (!fuzz_kind_is_container_child(k))
			fuzz_fail("a part from an archive, TNEF or uuencode has "
			    "a child that is no archive member or attachment");
		break;
	default:
		fuzz_fail("unknown parent kind");
	}
}

static void
fuzz_on_part(void *vctx, const struct walk_part *p)
{
	struct fuzz_ctx *c = vctx;
	struct fuzz_part *fp;
	size_t plen;

	fuzz_order(c, REC_PART, p->index, p->kind);
	if (p->kind > PART_KIND_MAX)
		fuzz_fail("unknown part kind");
	if (p->index != c->n_parts)
		fuzz_fail("part indexes not dense and in order");
	if (p->index == 0) {
		if (p->parent != WALK_NO_PARENT || p->depth != 0 ||
		    strcmp(p->path, "1") != 0)
			fuzz_fail("root part is not parentless, depth 0, path 1");
		if (!fuzz_kind_is_mime(p->kind))
			fuzz_fail("the root is no MIME part");
	} else {
		struct fuzz_part *par;

		if (p->parent >= p->index)
			fuzz_fail("child reported before its parent");
		par = &c->parts[p->parent];
		if (p->depth != par->depth + 1)
			fuzz_fail("depth is not parent depth + 1");
		fuzz_check_child(par, p->kind);
		par->children++;
		plen = strlen(par->path);
		if (strlen(p->path) <= RECORD_STR_MAX - 1 &&
		    (strncmp(p->path, par->path, plen) != 0 ||
		    p->path[plen] != '.'))
			fuzz_fail("path does not extend the parent's path");
	}
	if (!part_kind_has_content(p->kind) && p->decoded_size != 0)
		fuzz_fail("container part with a decoded size");
	if (p->depth > FUZZ_MIME_MAX_DEPTH)
		fuzz_fail("part deeper than max_depth");
	if (p->index >= FUZZ_MIME_MAX_PARTS)
		fuzz_fail("more parts than max_parts");
	fuzz_check_str(p->path, strlen(p->path));
	fuzz_check_str(p->content_type, strlen(p->content_type));
	fuzz_check_str(p->charset, strlen(p->charset));
	fuzz_check_str(p->encoding, strlen(p->encoding));
	fuzz_check_str(p->detected_type, strlen(p->detected_type));
	if ((p->flags & ~PART_FLAGS_KNOWN) != 0 || (p->flags != 0 &&
	    p->kind != PART_ARCHIVE_MEMBER))
		fuzz_fail("flags on a part other than an archive member");
	if (!fuzz_kind_is_mime(p->kind) &&
	    strcmp(p->content_type, "application/octet-stream") != 0)
		fuzz_fail("a found part not typed application/octet-stream");

	if (c->n_parts == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->parts = realloc(c->parts, c->cap * sizeof(*c->parts));
		if (c->parts == NULL)
			abort();
	}
	fp = &c->parts[c->n_parts++];
	fp->parent = p->parent;
	fp->depth = p->depth;
	fp->kind = p->kind;
	fp->size = p->decoded_size;
	fp->children = 0;
	fp->rfc822 = p->kind == PART_LEAF &&
	    strcmp(p->content_type, "message/rfc822") == 0;
	fp->text_plain = p->kind == PART_LEAF &&
	    strcmp(p->content_type, "text/plain") == 0;
	fp->path = strdup(p->path);
	if (fp->path == NULL)
		abort();
	c->decoded += p->decoded_size;
	if (c->decoded > FUZZ_MIME_MAX_DECODED)
		fuzz_fail("decoded bytes over max_decoded_bytes");
}

static void
fuzz_on_filename(void *vctx, uint32_t part, enum filename_source source,
    const char *name, size_t len)
{
	struct fuzz_ctx *c = vctx;
	enum part_kind k;

	fuzz_order(c, REC_FILENAME, part, 0);
	if (source > FN_SOURCE_MAX)
		fuzz_fail("unknown filename source");
	k = c->parts[part].kind;
	if ((source == FN_UUENCODE) != (k == PART_UUENCODED) ||
	    (source == FN_ARCHIVE_PATH) != (k == PART_ARCHIVE_MEMBER) ||
	    (source == FN_TNEF) != (k == PART_TNEF_ATTACHMENT))
		fuzz_fail("filename source does not match the part's kind");
	fuzz_check_str(name, len);
	c->filenames++;
}

static void
fuzz_on_header(void *vctx, enum header_fact which, const char *value,
    size_t len)
{
	struct fuzz_ctx *c = vctx;

	fuzz_order(c, REC_HEADER, 0, 0);
	if (which > HDR_FACT_MAX)
		fuzz_fail("unknown header fact");
	if (c->header_seen[which]++ > 0)
		fuzz_fail("header fact reported twice");
	if (len > HEADER_VALUE_MAX)
		fuzz_fail("header value over HEADER_VALUE_MAX");
	fuzz_check_str(value, len);
	c->headers++;
}

static void
fuzz_on_header_field(void *vctx, uint32_t part, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
	struct fuzz_ctx *c = vctx;

	fuzz_order(c, REC_HEADER_FIELD, part, 0);
	if (part != WALK_NO_PARENT)
		fuzz_fail("header field not of the top-level message");
	if (name_len == 0 || value_len > HEADER_VALUE_MAX)
		fuzz_fail("header field nameless or over HEADER_VALUE_MAX");
	fuzz_check_str(name, name_len);
	fuzz_check_str(value, value_len);
	if (++c->header_fields > HEADER_FIELDS_MAX)
		fuzz_fail("more header fields than HEADER_FIELDS_MAX");
}

static void
fuzz_on_anomaly(void *vctx, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	struct fuzz_ctx *c = vctx;

	fuzz_order(c, REC_ANOMALY, part, 0);
	if (code == 0 || code > ANOM_CODE_MAX)
		fuzz_fail("unknown anomaly code");
	if (part != WALK_NO_PARENT && part >= c->n_parts)
		fuzz_fail("anomaly about a part not yet reported");
	if (anomaly_is_limit(code) && c->limit_seen[code]++ > 0)
		fuzz_fail("limit anomaly reported twice");
	fuzz_check_str(detail, strlen(detail));
	/* The broker refuses more than max_parts + ANOMALIES_OVER_PARTS_MAX. */
	if (++c->anomalies >= FUZZ_MIME_MAX_PARTS + ANOMALIES_OVER_PARTS_MAX)
		fuzz_fail("more anomalies than the broker accepts");
}

static void
fuzz_on_content(void *vctx, uint32_t part, const uint8_t *data, size_t len)
{
	struct fuzz_ctx *c = vctx;
	volatile uint8_t sink = 0;

	fuzz_order(c, REC_CONTENT, part, 0);
	if (len != c->parts[part].size)
		fuzz_fail("content length differs from decoded size");
	if (len > 0) {
		/* Touch both ends: ASan sees a short buffer. */
		sink ^= data[0];
		sink ^= data[len - 1];
	}
	(void)sink;
}

static const struct walk_sink fuzz_sink = {
	.on_part = fuzz_on_part,
	.on_filename = fuzz_on_filename,
	.on_header = fuzz_on_header,
	.on_header_field = fuzz_on_header_field,
	.on_anomaly = fuzz_on_anomaly,
	.on_content = fuzz_on_content,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	static const struct walk_limits lim = {
		.max_parts = FUZZ_MIME_MAX_PARTS,
		.max_depth = FUZZ_MIME_MAX_DEPTH,
		.max_decoded_bytes = FUZZ_MIME_MAX_DECODED,
		/* Archives and TNEF in the message are walked as the role
		 * walks them, within the same small budget. */
		.max_archive_depth = 4,
		.max_archive_members = FUZZ_MIME_MAX_PARTS,
		.max_expanded_bytes = FUZZ_MIME_MAX_DECODED,
		.max_expansion_ratio = 100,
	};
	struct fuzz_ctx c;
	struct walk_stats st;

	if (size > FUZZ_MIME_MAX_INPUT)
		return 0;
	if (!initialised) {
		g_mime_init();
		initialised = 1;
	}
	memset(&c, 0, sizeof(c));
	part_order_init(&c.order);
	if (mime_walk(data, size, &lim, &fuzz_sink, &c, &st) != 0)
		fuzz_fail("mime_walk refused valid arguments");
	if (st.parts != c.n_parts || st.anomalies != c.anomalies ||
	    st.filenames != c.filenames || st.headers != c.headers ||
	    st.header_fields != c.header_fields ||
	    st.decoded_bytes != c.decoded)
		fuzz_fail("statistics differ from what the sink saw");
	/* The role's END: the last part's content must be out. */
	fuzz_order(&c, REC_END, 0, 0);
	for (size_t i = 0; i < c.n_parts; i++)
		free(c.parts[i].path);
	free(c.parts);
	return 0;
}
