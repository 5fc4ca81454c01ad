/* fuzz: the broker's record decoders (broker/unpack_facts.c, record.c,
 * canary_report.c).  Input: a sequence of datagrams, each a little-endian
 * u16 length then that many bytes, fed in order as the unpack role would
 * send them, and the same sequence as the canary would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canary_report.h"
#include "facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canary's decoder on the same datagrams: a refusal says why, and a
 * report is taken only after the hello. */
static void
fuzz_canary(const uint8_t *data, size_t size)
{
	struct canary_decoder dec;
	struct canary_expect e = { 1000, 1000, 999, 1 };
	char why[192];
	size_t off = 0;

	canary_decoder_init(&dec);
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (canary_decoder_feed(&dec, data + off, len, -1) != 0) {
			if (dec.error[0] == '\0')
				abort();
			return;
		}
		if (dec.have_report && !dec.hello)
			abort();
		off += len;
	}
	if (canary_decoder_done(&dec) &&
	    canary_report_check(&dec.report, &e, why, sizeof(why)) != 0 &&
	    why[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_facts facts;
	struct unpack_decoder dec;
	size_t off = 0;

	message_facts_init(&facts);
	unpack_decoder_init(&dec, &facts, 1000, 1u << 30);
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (unpack_decoder_feed(&dec, data + off, len, -1) != 0) {
			if (dec.error[0] == '\0')
				abort();	/* a refusal always says why */
			break;
		}
		off += len;
	}
	/* Invariants of whatever was accepted. */
	for (guint i = 0; i < facts.parts->len; i++) {
		struct part_fact *p = facts.parts->pdata[i];

		if (p->index != i || (p->parent != REC_NO_PARENT &&
		    p->parent >= i) || p->content_fd != -1)
			abort();
	}
	message_facts_clear(&facts);
	fuzz_canary(data, size);
	return 0;
}
