/* fuzz: the broker's decoder for scanner roles' records
 * (broker/scan_facts.c).  Input: as fuzz_record.c, a sequence of
 * datagrams, each a little-endian u16 length then that many bytes.  The
 * broker asked for the raw message and parts 0..6, in that order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t asked[] = { REC_NO_PARENT, 0, 1, 2, 3, 4, 5, 6 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scanner_result res;
	struct scanner_decoder dec;
	size_t off = 0;
	int refused = 0;

	scanner_result_init(&res, ROLE_CLAMD);
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
	}
	if (scanner_decoder_done(&dec) &&
	    res.verdicts->len != G_N_ELEMENTS(asked))
		abort();
	/* Accepted: a whole stream, as the broker takes a role's (a stream
	 * without its end is a failed role too). */
	harness_outcome_report(!refused && scanner_decoder_done(&dec));
	scanner_result_clear(&res);
	return 0;
}
