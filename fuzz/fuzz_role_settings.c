/* fuzz: the roles' settings decoder (common/role_settings.c), which each
 * role runs before lockdown on the broker's first record.  Input: one
 * datagram, decoded as the unpack, clamav and clamd role would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "role_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum role_id fuzz_roles[] = { ROLE_UNPACK, ROLE_CLAMAV,
    ROLE_CLAMD, ROLE_MHR };

/* What was accepted is in range, and encodes to a record that decodes
 * to the same settings. */
static void
check_accepted(enum role_id role, const struct role_settings *s)
{
	static struct role_settings again;
	static struct rec_writer w;
	const struct role_setting_def *t;
	char why[160];
	size_t n;

	t = role_settings_table(&n);
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)s + t[i].offset;
		uint32_t v32;
		uint64_t v64;

		if (!(t[i].roles & (1u << role)))
			continue;
		if (t[i].type == RS_STRING) {
			size_t len = strnlen(p, t[i].size);

			if (len == t[i].size || len > t[i].max ||
			    (t[i].required && len < t[i].min))
				abort();
			continue;
		}
		if (t[i].size == sizeof(v32)) {
			memcpy(&v32, p, sizeof(v32));
			v64 = v32;
		} else
			memcpy(&v64, p, sizeof(v64));
		if (t[i].type == RS_BITMASK ? (v64 & ~t[i].allowed_bits()) != 0 :
		    t[i].required && (v64 < t[i].min || v64 > t[i].max))
			abort();
	}
	if (role_settings_encode(role, s, &w) != 0 ||
	    role_settings_decode(role, w.buf, w.len, &again, why,
	    sizeof(why)) != 0 || memcmp(s, &again, sizeof(again)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct role_settings s;
	char why[160];
	int accepted = 0;

	if (size > RECORD_MAX)
		return 0;
	for (size_t r = 0; r < sizeof(fuzz_roles) / sizeof(fuzz_roles[0]);
	    r++) {
		why[0] = '\0';
		if (role_settings_decode(fuzz_roles[r], data, size, &s, why,
		    sizeof(why)) == 0) {
			/* A record names one role: no other takes it. */
			if (accepted++)
				abort();
			check_accepted(fuzz_roles[r], &s);
		} else if (why[0] == '\0')
			abort();	/* a refusal always says why */
	}
	/* Accepted: one of the roles took it as its settings. */
	harness_outcome_report(accepted);
	return 0;
}
