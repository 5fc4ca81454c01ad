/* fuzz: libFuzzer harness for the MIME walk (unpacker/mime_walk.c); runs
 * the untrusted parser code in the harness, never in the broker.
 *
 * Besides crashes it checks what the broker's decoder relies on: indexes
 * dense and in order, parents reported before children, depth one more
 * than the parent's, paths extending the parent's path, every string
 * bounded and NUL-free, content only for leaf and uuencoded parts and
 * exactly once, limit anomalies at most once, and counts equal to the
 * walk's own statistics.  Any break is an abort(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_walk.h"

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
	unsigned contents;
	int rfc822;		/* message/rfc822 left encoded: may have a child */
	char *path;
};

struct fuzz_ctx {
	struct fuzz_part *parts;
	size_t n_parts, cap;
	uint32_t anomalies, filenames, headers, header_fields;
	uint64_t decoded;
	unsigned limit_seen[ANOM_CODE_MAX + 1];
	unsigned header_seen[HDR_FACT_MAX + 1];
	int last_content_ok;	/* content may follow only its part's records */
	uint32_t current;	/* the part whose records are being reported */
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

static void
fuzz_on_part(void *vctx, const struct walk_part *p)
{
	struct fuzz_ctx *c = vctx;
	struct fuzz_part *fp;
	size_t plen;

	if (p->index != c->n_parts)
		fuzz_fail("part indexes not dense and in order");
	if (p->index == 0) {
		if (p->parent != WALK_NO_PARENT || p->depth != 0 ||
		    strcmp(p->path, "1") != 0)
			fuzz_fail("root part is not parentless, depth 0, path 1");
	} else {
		const struct fuzz_part *par;

		if (p->parent >= p->index)
			fuzz_fail("child reported before its parent");
		par = &c->parts[p->parent];
		if (p->depth != par->depth + 1)
			fuzz_fail("depth is not parent depth + 1");
		if (par->kind == PART_UUENCODED)
			fuzz_fail("a uuencoded part has children");
		if (p->kind == PART_UUENCODED && par->kind != PART_LEAF)
			fuzz_fail("a uuencoded part outside a leaf");
		if (par->kind == PART_LEAF && p->kind != PART_UUENCODED &&
		    !par->rfc822)
			fuzz_fail("a leaf has a MIME child but is no message");
		plen = strlen(par->path);
		if (strlen(p->path) <= RECORD_STR_MAX - 1 &&
		    (strncmp(p->path, par->path, plen) != 0 ||
		    p->path[plen] != '.'))
			fuzz_fail("path does not extend the parent's path");
	}
	if (p->kind > PART_KIND_MAX)
		fuzz_fail("unknown part kind");
	if (p->kind != PART_LEAF && p->kind != PART_UUENCODED &&
	    p->decoded_size != 0)
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
	if (p->flags != 0)
		fuzz_fail("a MIME part with flags");
	if (c->n_parts > 0 && c->parts[c->current].contents == 0 &&
	    (c->parts[c->current].kind == PART_LEAF ||
	    c->parts[c->current].kind == PART_UUENCODED))
		fuzz_fail("leaf part without content");

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
	fp->contents = 0;
	fp->rfc822 = strcmp(p->content_type, "message/rfc822") == 0;
	fp->path = strdup(p->path);
	if (fp->path == NULL)
		abort();
	c->decoded += p->decoded_size;
	if (c->decoded > FUZZ_MIME_MAX_DECODED)
		fuzz_fail("decoded bytes over max_decoded_bytes");
	c->current = p->index;
	c->last_content_ok = 1;
}

static void
fuzz_on_filename(void *vctx, uint32_t part, enum filename_source source,
    const char *name, size_t len)
{
	struct fuzz_ctx *c = vctx;

	if (c->n_parts == 0 || part != c->current || !c->last_content_ok)
		fuzz_fail("filename not right after its part");
	if (source > FN_SOURCE_MAX)
		fuzz_fail("unknown filename source");
	if ((source == FN_UUENCODE) != (c->parts[part].kind == PART_UUENCODED))
		fuzz_fail("uuencode filename on a non-uuencoded part");
	fuzz_check_str(name, len);
	c->filenames++;
}

static void
fuzz_on_header(void *vctx, enum header_fact which, const char *value,
    size_t len)
{
	struct fuzz_ctx *c = vctx;

	if (c->n_parts != 0)
		fuzz_fail("header fact after the first part");
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

	if (c->n_parts != 0 || part != WALK_NO_PARENT)
		fuzz_fail("header field not before the first part");
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

	if (code == 0 || code > ANOM_CODE_MAX)
		fuzz_fail("unknown anomaly code");
	if (part != WALK_NO_PARENT && part >= c->n_parts)
		fuzz_fail("anomaly about a part not yet reported");
	if (anomaly_is_limit(code) && c->limit_seen[code]++ > 0)
		fuzz_fail("limit anomaly reported twice");
	fuzz_check_str(detail, strlen(detail));
	c->last_content_ok = 0;
	/* The broker refuses more than max_parts + ANOMALIES_OVER_PARTS_MAX. */
	if (++c->anomalies >= FUZZ_MIME_MAX_PARTS + ANOMALIES_OVER_PARTS_MAX)
		fuzz_fail("more anomalies than the broker accepts");
}

static void
fuzz_on_content(void *vctx, uint32_t part, const uint8_t *data, size_t len)
{
	struct fuzz_ctx *c = vctx;
	struct fuzz_part *p;
	volatile uint8_t sink = 0;

	if (part >= c->n_parts || part != c->current || !c->last_content_ok)
		fuzz_fail("content not right after its part and filenames");
	p = &c->parts[part];
	if (p->kind != PART_LEAF && p->kind != PART_UUENCODED)
		fuzz_fail("content for a container part");
	if (p->contents++ > 0)
		fuzz_fail("content twice for one part");
	if (len != p->size)
		fuzz_fail("content length differs from decoded size");
	if (len > 0) {
		/* Touch both ends: ASan sees a short buffer. */
		sink ^= data[0];
		sink ^= data[len - 1];
	}
	(void)sink;
	c->last_content_ok = 0;
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
	if (mime_walk(data, size, &lim, &fuzz_sink, &c, &st) != 0)
		fuzz_fail("mime_walk refused valid arguments");
	if (st.parts != c.n_parts || st.anomalies != c.anomalies ||
	    st.filenames != c.filenames || st.headers != c.headers ||
	    st.header_fields != c.header_fields ||
	    st.decoded_bytes != c.decoded)
		fuzz_fail("statistics differ from what the sink saw");
	if (c.n_parts > 0 && c.parts[c.current].contents == 0 &&
	    (c.parts[c.current].kind == PART_LEAF ||
	    c.parts[c.current].kind == PART_UUENCODED))
		fuzz_fail("last leaf part without content");
	for (size_t i = 0; i < c.n_parts; i++)
		free(c.parts[i].path);
	free(c.parts);
	return 0;
}
