/* fuzz: the zygote protocol's decoder (common/zygote_proto.c), which a
 * zygote runs on every worker's request and the service on everything a
 * zygote says.  Input: one byte, the number of descriptors that came
 * with the datagram (0..4), then the datagram. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "zygote_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[ZYG_MSG_MAX];
	const char *why = NULL;
	struct zyg_msg m;
	int accepted;

	if (size < 1 || size > 1 + 2 * ZYG_MSG_MAX)
		return 0;
	accepted = zyg_decode(data + 1, size - 1, data[0], &m, &why) == 0;
	if (!accepted && why == NULL)
		abort();	/* a refusal always says why */
	/* Every field of every type is read: what was accepted encodes
	 * back to the very bytes, so nothing passed unread. */
	if (accepted && (zyg_encode(&m, again) != size - 1 ||
	    memcmp(again, data + 1, size - 1) != 0))
		abort();
	harness_outcome_report(accepted);
	return 0;
}
