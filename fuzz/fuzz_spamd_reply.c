/* fuzz: spamd's reply decoder (scanners/spamd_reply.c) on arbitrary
 * bytes, with the invariants the role and the broker rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "spamd_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the broker's REC_SPAM decoder accepts (broker/spam_facts.c). */
static void
check_symbols(const struct spamd_reply *r)
{
	unsigned n = 0;
	size_t len = 0;

	if (strlen(r->symbols) >= sizeof(r->symbols))
		abort();
	for (const char *s = r->symbols; *s; s++) {
		if (*s == ',') {
			if (len == 0)
				abort();
			n++;
			len = 0;
		} else if (++len > SPAMD_SYMBOL_LEN_MAX ||
		    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			abort();
	}
	n += r->symbols[0] != '\0';
	if (n != r->n_kept || r->n_kept > SPAMD_SYMBOLS_MAX ||
	    r->n_kept > r->n_symbols ||
	    (r->n_symbols > r->n_kept && r->n_kept != SPAMD_SYMBOLS_MAX))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spamd_reply r;
	enum spamd_reply_kind k = spamd_reply_parse(data, size, &r);

	if (k != r.kind || strlen(r.text) > SPAMD_TEXT_MAX)
		abort();
	switch (k) {
	case SPAMD_REPLY_SCORED:
		/* Only a whole "SPAMD/1.x 0 EX_OK" reply scores. */
		if (size < 19 || memcmp(data, "SPAMD/1.", 8) != 0 ||
		    r.code != 0 || r.text[0] != '\0' ||
		    r.score_milli <= -1000000000 ||
		    r.score_milli >= 1000000000 ||
		    r.threshold_milli <= -1000000000 ||
		    r.threshold_milli >= 1000000000 ||
		    (r.is_spam != 0 && r.is_spam != 1))
			abort();
		check_symbols(&r);
		harness_outcome_report(1);
		break;
	case SPAMD_REPLY_REFUSED:
		if (r.code == 0 || r.n_symbols != 0)
			abort();
		for (const char *s = r.text; *s; s++)
			if (*s < 0x20 || *s > 0x7e)
				abort();
		harness_outcome_report(0);
		break;
	case SPAMD_REPLY_MALFORMED:
		if (r.text[0] == '\0')
			abort();
		harness_outcome_report(0);
		break;
	default:
		abort();
	}
	return 0;
}
