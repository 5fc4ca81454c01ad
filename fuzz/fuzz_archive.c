/* fuzz: libFuzzer harness for the archive walk (unpacker/archive_walk.c,
 * and unpacker/archive_walk_reader.c: the readers and the look-alike
 * check, over libarchive); runs the untrusted parser code in the harness, never
 * in the broker.
 *
 * Besides crashes it checks: members dense and in order, a member's
 * parent reported before it and one level up, no deeper than the limit,
 * content exactly once per member and right after it, expanded bytes and
 * members within the limits (plus one read chunk of overshoot for the
 * member that hit a byte limit), limits reported at most once, strings
 * bounded and NUL-free, counts equal to the walk's statistics, and no
 * archive walked inside a member whose bytes are the input itself (it
 * would decode to nothing new).  Any break is an abort(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_walk.h"
#include "harness_outcome.h"

/* Same as max_len in archive.options. */
#define FUZZ_AW_MAX_INPUT	(512u * 1024)
/* Limits low enough that the fuzzer reaches them often; bytes small so
 * a bomb costs milliseconds. */
#define FUZZ_AW_MAX_DEPTH	3
#define FUZZ_AW_MAX_MEMBERS	200
#define FUZZ_AW_MAX_EXPANDED	(8u * 1024 * 1024)
#define FUZZ_AW_MAX_RATIO	50
#define FUZZ_AW_RATIO_MIN	(256u * 1024)

struct fuzz_ctx {
	const uint8_t *input;
	size_t input_len;
	uint32_t n;
	uint32_t depth[FUZZ_AW_MAX_MEMBERS];
	uint8_t is_input[FUZZ_AW_MAX_MEMBERS];	/* content == input */
	int content_due;
	uint32_t anomalies, archives;
	unsigned limits_seen;
	uint64_t bytes;
};

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_archive: invariant broken: %s\n", what);
	abort();
}

static void
fuzz_on_archive(void *vctx, const struct aw_archive *arc)
{
	struct fuzz_ctx *c = vctx;

	if (c->content_due)
		fuzz_fail("archive before the last member's content");
	if (arc->depth > FUZZ_AW_MAX_DEPTH)
		fuzz_fail("archive deeper than max_depth");
	if (arc->parent != AW_NO_PARENT && arc->parent >= c->n)
		fuzz_fail("archive inside a member not reported");
	if (arc->parent != AW_NO_PARENT && c->is_input[arc->parent])
		fuzz_fail("archive walked inside a member equal to the input");
	if (arc->format_name == NULL || arc->filter_name == NULL)
		fuzz_fail("format or filter name NULL");
	c->archives++;
}

static void
fuzz_on_member(void *vctx, const struct aw_member *m)
{
	struct fuzz_ctx *c = vctx;

	if (c->content_due)
		fuzz_fail("member before the last one's content");
	if (m->index != c->n || c->n >= FUZZ_AW_MAX_MEMBERS)
		fuzz_fail("member index not dense or over max_members");
	if (m->parent == AW_NO_PARENT) {
		if (m->depth != 0)
			fuzz_fail("outer member not at depth 0");
	} else if (m->parent >= m->index ||
	    m->depth != c->depth[m->parent] + 1) {
		fuzz_fail("member before its parent or at the wrong depth");
	}
	if (m->depth > FUZZ_AW_MAX_DEPTH)
		fuzz_fail("member deeper than max_depth");
	if (m->path == NULL || m->path_len > AW_PATH_MAX ||
	    strlen(m->path) != m->path_len)
		fuzz_fail("path unbounded or with NUL inside");
	for (size_t i = 0; i < m->path_len; i++)
		if ((unsigned char)m->path[i] < 0x20)
			fuzz_fail("control byte in a path");
	c->depth[c->n++] = m->depth;
	c->content_due = 1;
}

static void
fuzz_on_content(void *vctx, uint32_t member, const uint8_t *data,
    size_t len, int truncated)
{
	struct fuzz_ctx *c = vctx;
	volatile uint8_t sink = 0;

	if (!c->content_due || member + 1 != c->n)
		fuzz_fail("content not right after its member, or twice");
	if (data == NULL)
		fuzz_fail("content pointer NULL");
	if (len > 0) {
		sink ^= data[0];
		sink ^= data[len - 1];
	}
	(void)sink;
	(void)truncated;
	if (len == c->input_len && memcmp(data, c->input, len) == 0)
		c->is_input[member] = 1;
	c->bytes += len;
	/* The member that hits the limit is cut at it (ratio: may pass it
	 * by the last chunk read). */
	if (c->bytes > FUZZ_AW_MAX_EXPANDED)
		fuzz_fail("expanded bytes over the limit");
	c->content_due = 0;
}

static void
fuzz_on_anomaly(void *vctx, uint32_t member, enum aw_anomaly code,
    const char *detail)
{
	struct fuzz_ctx *c = vctx;

	if (code < AW_ANOM_ENCRYPTED || code > AW_ANOM_LIMIT_RATIO)
		fuzz_fail("unknown anomaly code");
	if (c->content_due)
		fuzz_fail("anomaly between a member and its content");
	if (member != AW_NO_PARENT && member >= c->n)
		fuzz_fail("anomaly about a member not reported");
	if (code >= AW_ANOM_LIMIT_DEPTH) {
		if (c->limits_seen & (1u << code))
			fuzz_fail("limit reported twice");
		c->limits_seen |= 1u << code;
	}
	if (detail == NULL || strlen(detail) >= AW_DETAIL_MAX)
		fuzz_fail("detail unbounded");
	/* two per archive (encrypted, corrupt) plus the limits */
	if (++c->anomalies > 2 * (c->archives + 1) + 4)
		fuzz_fail("anomalies unbounded");
}

static const struct aw_sink fuzz_sink = {
	.on_archive = fuzz_on_archive,
	.on_member = fuzz_on_member,
	.on_content = fuzz_on_content,
	.on_anomaly = fuzz_on_anomaly,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int prepared;
	static const struct aw_limits lim = {
		.max_depth = FUZZ_AW_MAX_DEPTH,
		.max_members = FUZZ_AW_MAX_MEMBERS,
		.max_expanded_bytes = FUZZ_AW_MAX_EXPANDED,
		.max_ratio = FUZZ_AW_MAX_RATIO,
		.ratio_min_bytes = FUZZ_AW_RATIO_MIN,
	};
	struct fuzz_ctx c;
	struct aw_stats st;
	enum aw_result res;

	if (size > FUZZ_AW_MAX_INPUT)
		return 0;
	if (!prepared) {
		if (archive_walk_prepare() != 0)
			fuzz_fail("archive_walk_prepare failed");
		prepared = 1;
	}
	memset(&c, 0, sizeof(c));
	c.input = data;
	c.input_len = size;
	res = archive_walk(data, size, 0, &lim, &fuzz_sink, &c, &st);
	if (res == AW_MESSAGE_FATAL)
		fuzz_fail("archive_walk failed on its own (memory?)");
	if (c.content_due)
		fuzz_fail("last member without content");
	if (st.members != c.n || st.anomalies != c.anomalies ||
	    st.expanded_bytes != c.bytes || st.archives != c.archives)
		fuzz_fail("statistics differ from what the sink saw");
	if (st.entries > FUZZ_AW_MAX_MEMBERS)
		fuzz_fail("more entries than max_members");
	if (res == AW_NOT_ARCHIVE && (c.n != 0 || c.anomalies != 0))
		fuzz_fail("not an archive, yet something was reported");
	/* Accepted: walked with nothing odd (encrypted, corrupt, a limit:
	 * anomalies the policy sees; not an archive: nothing to walk). */
	harness_outcome_report(res == AW_OK);
	return 0;
}
