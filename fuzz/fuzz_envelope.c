/* fuzz: the envelope reader (broker/envelope.c) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "harness_outcome.h"
#include "qscan_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope env;
	enum envelope_result r;

	/* Small recipient limit so the "too many" path is reachable. */
	r = envelope_parse(data, size, 64, &env);
	harness_outcome_report(r == ENVELOPE_OK);
	if (r == ENVELOPE_OK) {
		/* Whatever was accepted must be exactly what was given. */
		if (env.raw->len != size || memcmp(env.raw->data, data, size) ||
		    env.recipients->len == 0 || env.recipients->len > 64 ||
		    strlen(env.sender) > ENVELOPE_ADDRESS_MAX)
			abort();
		for (guint i = 0; i < env.recipients->len; i++)
			if (strlen(env.recipients->pdata[i]) >
			    ENVELOPE_ADDRESS_MAX)
				abort();
		envelope_clear(&env);
	} else if (env.sender || env.recipients || env.raw)
		abort();	/* a refused envelope leaves nothing behind */
	return 0;
}
