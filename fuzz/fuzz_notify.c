/* fuzz: a notice made from hostile values (broker/notify_template.c,
 * notify_filter.c): the input is NUL-separated fields, template (empty:
 * one naming every placeholder), Subject, sender, recipients, reason,
 * a header's name and value, virus names.  Whatever it makes must have
 * exactly our headers, ASCII, no line over 998 bytes, and be UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "harness_outcome.h"
#include "notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 8
#define NOTICE_HEADERS 10

static const char default_template[] = "Subject: %VERDICT%: %SUBJECT% "
    "from %SENDER%\n\n%REASON% %ID% %RECIPIENTS% %DATE% %HOST% %% %X%\n";

static void
check_notice(const GString *out)
{
	const char *p = out->str, *end = strstr(out->str, "\n\n");
	unsigned fields = 0;
	size_t col = 0;

	if (end == NULL || !g_utf8_validate(out->str, (gssize)out->len, NULL))
		abort();
	for (; p < end + 1; p++) {
		if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\0')
			abort();
		if (p == out->str || p[-1] == '\n') {
			if (*p != ' ')
				fields++;
			else if (p == out->str)
				abort();
		}
	}
	if (fields != NOTICE_HEADERS)
		abort();
	for (p = out->str; *p; p++) {
		col = *p == '\n' ? 0 : col + 1;
		if (col > 998)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *copy = g_malloc(size + 1);
	const char *f[FIELDS] = { "" , "", "", "", "", "", "", "" };
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) headers = g_ptr_array_new();
	g_autoptr(GPtrArray) pats = g_ptr_array_new();
	g_autofree char *why = NULL, *hit = NULL, *enc = NULL;
	struct header_field_fact h = { .part = REC_NO_PARENT };
	const char *tmpl;
	size_t n = 0, tlen;
	int rc;

	memcpy(copy, data, size);
	copy[size] = '\0';
	f[0] = copy;
	for (size_t i = 0; i < size && n < FIELDS - 1; i++)
		if (copy[i] == '\0')
			f[++n] = copy + i + 1;
	tmpl = f[0][0] ? f[0] : default_template;
	tlen = strlen(tmpl);

	(void)notify_sender_refused(f[2]);
	(void)notify_address_ok(f[3]);
	h.name = (char *)f[5];
	h.value = (char *)f[6];
	g_ptr_array_add(headers, &h);
	(void)notify_list_mail(headers);
	g_ptr_array_add(pats, (char *)"*mydoom*");
	g_ptr_array_add(pats, (char *)"w32.?etsky*");
	hit = notify_forged_match(pats, f[7]);
	enc = notify_header_encode(f[1]);
	for (const char *p = enc; *p; p++)
		if ((unsigned char)*p >= 0x80 && g_utf8_validate(f[1], -1, NULL))
			abort();
	{
		struct notify_values v = {
			.verdict = "virus", .subject = f[1], .sender = f[2],
			.recipients = f[3], .reason = f[4], .id = f[7],
			.date = "Mon, 07 Dec 2026 20:00:00 +0000",
			.host = "test.example",
		};
		struct notify_mail m = {
			.from = "postmaster@test.example", .to = "a@b.example",
			.message_id = "<m.admin.notify@test.example>",
			.date = v.date, .id_header = "X-Qscan-Quarantine-Id",
			.id = f[7],
		};

		rc = notify_compose(tmpl, tlen, &v, &m, out, &why);
	}
	harness_outcome_report(rc == 0);
	if (rc == 0)
		check_notice(out);
	return 0;
}
