/* fuzz: the pure format checks (unpacker/format_checks.c) and the magic
 * sniffing (unpacker/filetype.c) on arbitrary bytes: the input is a
 * header block, a pair of filenames and the content of a part at once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filetype.h"
#include "format_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same cap the MIME harness uses: these checks see at most a part. */
#define FUZZ_FC_MAX_INPUT (1024 * 1024)

static void
check_findings(const struct fc_findings *f)
{
	if (f->n > FC_FINDINGS_MAX)
		abort();
	for (unsigned i = 0; i < f->n; i++)
		if (f->f[i].code == 0 || f->f[i].code > ANOM_CODE_MAX ||
		    strlen(f->f[i].detail) >= sizeof(f->f[i].detail))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fc_findings f;
	const char *detected;
	const uint8_t *nul;
	size_t half, scanned;

	if (size > FUZZ_FC_MAX_INPUT)
		return 0;
	fc_findings_init(&f);
	scanned = fc_check_header_block(data, size, &f);
	if (scanned > size)
		abort();
	check_findings(&f);

	/* Two filenames: the bytes up to the first NUL, and the rest. */
	nul = memchr(data, '\0', size);
	half = nul ? (size_t)(nul - data) : size / 2;
	fc_findings_init(&f);
	fc_check_filename((const char *)data, half, &f);
	fc_check_filenames_differ((const char *)data, half,
	    (const char *)data + half, size - half, &f);
	check_findings(&f);

	detected = filetype_detect(data, size);
	if (detected == NULL)
		abort();
	fc_findings_init(&f);
	fc_check_part_type("text/plain", detected, (const char *)data, half, &f);
	fc_check_part_type("image/png", detected, NULL, 0, &f);
	check_findings(&f);
	return 0;
}
