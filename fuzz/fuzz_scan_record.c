/* fuzz: the broker's decoder for scanner roles' records
 * (broker/scan_facts.c).  Input: as fuzz_record.c, a sequence of
 * datagrams, each a little-endian u16 length then that many bytes.  The
 * broker asked for the raw message and parts 0..6, in that order.  The
 * stream goes to a clamd decoder and to an mhr one (REC_HASH_REPUTATION
 * is mhr's only); accepted means either took it whole. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t asked[] = { REC_NO_PARENT, 0, 1, 2, 3, 4, 5, 6 };

/* One decoder of `role` over the whole input; 1 when it took it whole. */
static int
decode_as(enum role_id role, const uint8_t *data, size_t size)
{
	struct scanner_result res;
	struct scanner_decoder dec;
	size_t off = 0;
	int refused = 0, whole;

	scanner_result_init(&res, role);
	scanner_decoder_init(&dec, &res, asked, G_N_ELEMENTS(asked));
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (scanner_decoder_feed(&dec, data + off, len, -1) != 0) {
			if (dec.error[0] == '\0')
				abort();
			refused = 1;
			break;
		}
		off += len;
	}
	/* Whatever was accepted answers what was asked, in order. */
	if (res.verdicts->len > G_N_ELEMENTS(asked))
		abort();
	for (guint i = 0; i < res.verdicts->len; i++) {
		const struct verdict_fact *v = &g_array_index(res.verdicts,
		    struct verdict_fact, i);

		if (v->part != asked[i] || v->result > SCAN_RESULT_MAX ||
		    (v->result == SCAN_VIRUS && v->name[0] == '\0'))
			abort();
		/* mhr reports, the broker decides. */
		if (role == ROLE_MHR && (v->result == SCAN_VIRUS ||
		    v->result == SCAN_LIMIT))
			abort();
	}
	if (role != ROLE_MHR && res.reputations->len != 0)
		abort();
	for (guint i = 0; i < res.reputations->len; i++) {
		const struct hash_rep_fact *f = &g_array_index(res.reputations,
		    struct hash_rep_fact, i);

		if (f->percent > 100 || f->status > HASH_REP_STATUS_MAX ||
		    strlen(f->sha256) != HASH_SHA256_HEX_LEN ||
		    (f->status != HASH_REP_LISTED && f->percent != 0) ||
		    (f->status == HASH_REP_SKIPPED) != (f->why[0] != '\0'))
			abort();
		if (i > 0 && f->part == g_array_index(res.reputations,
		    struct hash_rep_fact, i - 1).part)
			abort();
	}
	if (scanner_decoder_done(&dec) &&
	    res.verdicts->len != G_N_ELEMENTS(asked))
		abort();
	/* Accepted: a whole stream, as the broker takes a role's (a stream
	 * without its end is a failed role too). */
	whole = !refused && scanner_decoder_done(&dec);
	scanner_result_clear(&res);
	return whole;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int clamd = decode_as(ROLE_CLAMD, data, size);
	int mhr = decode_as(ROLE_MHR, data, size);

	harness_outcome_report(clamd || mhr);
	return 0;
}
