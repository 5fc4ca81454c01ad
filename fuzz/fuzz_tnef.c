/* fuzz: libFuzzer harness for the TNEF parser (unpacker/tnef.c, the
 * attribute stream, and unpacker/tnef_props.c, the MAPI property lists);
 * runs the untrusted parser code in the harness, never in the broker.
 *
 * Besides crashes it checks: indexes dense and in order, parents
 * reported before children at depth parent + 1, no deeper than the
 * limit, names NUL-terminated and bounded, data inside the input buffer,
 * counts within the limits and equal to the parser's statistics.  Any
 * break is an abort(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "tnef.h"

/* Same as max_len in tnef.options. */
#define FUZZ_TNEF_MAX_INPUT	(256u * 1024)
/* Limits low enough that the fuzzer reaches them often. */
#define FUZZ_TNEF_MAX_ATT	64
#define FUZZ_TNEF_MAX_DEPTH	4

struct fuzz_ctx {
	const uint8_t *buf;
	size_t len;
	uint32_t n;
	uint32_t depth[FUZZ_TNEF_MAX_ATT];
	uint32_t anomalies;
	uint64_t bytes;
};

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_tnef: invariant broken: %s\n", what);
	abort();
}

static void
fuzz_on_attachment(void *vctx, const struct tnef_attachment *a)
{
	struct fuzz_ctx *c = vctx;
	volatile uint8_t sink = 0;

	if (a->index != c->n || c->n >= FUZZ_TNEF_MAX_ATT)
		fuzz_fail("index not dense or over max_attachments");
	if (a->parent == TNEF_NO_PARENT) {
		if (a->depth != 0)
			fuzz_fail("top attachment not at depth 0");
	} else if (a->parent >= a->index ||
	    a->depth != c->depth[a->parent] + 1) {
		fuzz_fail("child before parent or at the wrong depth");
	}
	if (a->depth > FUZZ_TNEF_MAX_DEPTH)
		fuzz_fail("deeper than max_depth");
	if (a->name == NULL || a->name_len > TNEF_NAME_MAX ||
	    strlen(a->name) != a->name_len)
		fuzz_fail("name unbounded or with NUL inside");
	if (a->size > 0 && (a->data < c->buf || a->data > c->buf + c->len ||
	    a->size > (size_t)(c->buf + c->len - a->data)))
		fuzz_fail("data outside the input");
	if (a->size > 0) {
		sink ^= a->data[0];
		sink ^= a->data[a->size - 1];
	}
	(void)sink;
	c->depth[c->n++] = a->depth;
	c->bytes += a->size;
}

static void
fuzz_on_anomaly(void *vctx, uint32_t parent, enum tnef_anomaly code,
    const char *detail)
{
	struct fuzz_ctx *c = vctx;

	if (code < TNEF_ANOM_BAD_CHECKSUM || code > TNEF_ANOM_LIMIT_DEPTH)
		fuzz_fail("unknown anomaly code");
	if (parent != TNEF_NO_PARENT && parent >= c->n)
		fuzz_fail("anomaly about an attachment not reported");
	if (detail == NULL || strlen(detail) >= TNEF_DETAIL_MAX)
		fuzz_fail("detail unbounded");
	/* at most 2 per stream plus 2 limits; streams <= attachments + 1 */
	if (++c->anomalies > 2 * (FUZZ_TNEF_MAX_ATT + 1) + 2)
		fuzz_fail("anomalies unbounded");
}

static const struct tnef_sink fuzz_sink = {
	.on_attachment = fuzz_on_attachment,
	.on_anomaly = fuzz_on_anomaly,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tnef_limits lim = {
		.max_attachments = FUZZ_TNEF_MAX_ATT,
		.max_depth = FUZZ_TNEF_MAX_DEPTH,
	};
	struct fuzz_ctx c;
	struct tnef_stats st;
	enum tnef_result res;

	if (size > FUZZ_TNEF_MAX_INPUT)
		return 0;
	memset(&c, 0, sizeof(c));
	c.buf = data;
	c.len = size;
	res = tnef_parse(data, size, &lim, &fuzz_sink, &c, &st);
	if (res == TNEF_MESSAGE_FATAL)
		fuzz_fail("tnef_parse refused valid arguments");
	if (st.attachments != c.n || st.anomalies != c.anomalies ||
	    st.bytes != c.bytes)
		fuzz_fail("statistics differ from what the sink saw");
	if (res == TNEF_OK && c.anomalies != 0)
		fuzz_fail("OK with anomalies");
	/* Accepted: parsed with nothing odd (an anomaly is a fact the
	 * broker's policy sees; not TNEF at all is a failed part). */
	harness_outcome_report(res == TNEF_OK);
	return 0;
}
