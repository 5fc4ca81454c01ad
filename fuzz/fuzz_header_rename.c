/* fuzz: the scan that renames repeated top-level MIME headers
 * (broker/header_rename.c) on arbitrary bytes, whole and as if cut at
 * the caller's bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "header_rename.h"

#define PREFIX "X-Qscan"
#define INSERT (sizeof(PREFIX "-Renamed-") - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One pass: on success the output is the input's block with exactly
 * `renamed` insertions, and renaming the result again renames nothing
 * (a renamed header is no MIME header any more). */
static int
check_pass(const uint8_t *data, size_t size, int truncated)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GByteArray) again = g_byte_array_new();
	g_autoptr(GByteArray) whole = NULL;
	size_t consumed = 0, consumed2 = 0;
	unsigned renamed = 0, renamed2 = 0;

	if (header_rename_repeated(data, size, truncated, PREFIX, out,
	    &consumed, &renamed) != 0) {
		if (out->len != 0)
			abort();	/* refused: nothing written */
		return 0;
	}
	if (consumed > size || out->len != consumed + renamed * INSERT)
		abort();
	if (renamed == 0 && consumed > 0 &&
	    memcmp(out->data, data, consumed) != 0)
		abort();
	whole = g_byte_array_sized_new((guint)(out->len + size - consumed));
	g_byte_array_append(whole, out->data, out->len);
	g_byte_array_append(whole, data + consumed, (guint)(size - consumed));
	if (header_rename_repeated(whole->data, whole->len, 0, PREFIX, again,
	    &consumed2, &renamed2) != 0 || renamed2 != 0 ||
	    consumed2 != out->len)
		abort();
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (size > HEADER_RENAME_SCAN_MAX)
		return 0;
	ok = check_pass(data, size, 0);
	check_pass(data, size, 1);
	harness_outcome_report(ok);
	return 0;
}
