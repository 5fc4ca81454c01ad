/* fuzz: clamd's reply and VERSION parsers (scanners/clamd_reply.c) on
 * arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamd_reply.h"
#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the role treats as clean must be exactly a clean reply. */
static void
check_clean(const uint8_t *data, size_t size, const struct clamd_reply *r)
{
	static const char ok[] = ": OK";
	size_t n = sizeof(ok) - 1;

	if (r->malformed || r->subject == CLAMD_SUBJECT_NONE ||
	    size < n || memcmp(data + size - n, ok, n) != 0 ||
	    r->text_len != 0)
		abort();
	for (size_t i = 0; i < size; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct clamd_reply r;
	struct clamd_version v;
	enum clamd_reply_kind k;
	int version_ok;

	k = clamd_reply_parse(data, size, &r);
	if (k != r.kind || r.text_len > CLAMD_REPLY_MAX ||
	    strlen(r.text) != r.text_len)
		abort();
	switch (k) {
	case CLAMD_REPLY_OK:
		check_clean(data, size, &r);
		break;
	case CLAMD_REPLY_FOUND:
		if (r.malformed || r.text_len == 0 ||
		    r.subject == CLAMD_SUBJECT_NONE)
			abort();
		break;
	case CLAMD_REPLY_SIZE_LIMIT:
		if (r.malformed)
			abort();
		break;
	case CLAMD_REPLY_ERROR:
		if (r.text_len == 0 && !r.malformed)
			abort();
		break;
	default:
		abort();	/* no other result exists */
	}
	if (r.has_id && r.id == 0)
		abort();	/* clamd counts from 1 */

	version_ok = clamd_version_parse(data, size, &v) == 0;
	/* Accepted: a reply of a shape clamd sends (its ERROR replies
	 * included), or a version line. */
	harness_outcome_report(!r.malformed || version_ok);
	if (version_ok) {
		if (v.engine[0] == '\0' ||
		    strlen(v.engine) > CLAMD_VERSION_FIELD_MAX ||
		    strlen(v.database) > CLAMD_VERSION_FIELD_MAX ||
		    strlen(v.db_time) > CLAMD_VERSION_FIELD_MAX ||
		    (v.database[0] == '\0') != (v.db_time[0] == '\0'))
			abort();
		/* a version is never also a verdict (a db time that ends
		 * in " ERROR" may read as an error: still not clean) */
		if (k != CLAMD_REPLY_ERROR)
			abort();
	} else if (v.engine[0] != '\0' || v.has_id) {
		abort();	/* a refused reply leaves nothing behind */
	}
	return 0;
}
