/* fuzz: the policy rules parser (policy/policy_parse.c) on arbitrary text,
 * then every compiled policy evaluated against one fixed message; then
 * the same text parsed as a file whose every include names the same
 * text again (include's paths, loops, depth and byte bounds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness_outcome.h"
#include "policy.h"
#include "policy_internal.h"	/* policy_parse_text with a reader */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rules file cap; bigger inputs only test the size check. */
#define FUZZ_MAX_INPUT ((size_t)POLICY_FILE_MAX)

static const char *const names_a[] = { "invoice.pdf.exe", "Invoice.EXE. " };
static const char *const names_b[] = { "docs/\xe2\x80\xae" "fdp.scr",
	"x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}" };
static const char *const names_c[] = { "winmail.dat" };
static const char *const rcpts[] = { "bob@example.com", "" };
static const char *const viruses[] = { "Eicar-Signature" };

static const struct policy_part parts[] = {
	{ "1", "text/plain", "text/plain", NULL, 0, 120, FALSE, FALSE },
	{ "2", "application/zip", "application/zip", names_a, 2, 5000,
	  FALSE, FALSE },
	{ "2/docs", NULL, "application/x-dosexec", names_b, 2, 4096, TRUE,
	  TRUE },
	{ "3", "application/ms-tnef", NULL, names_c, 1, 0, FALSE, FALSE },
};
static const struct policy_header headers[] = {
	{ "Subject", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab Invoice" },
	{ "From", "\xff\xfe broken utf-8 \xc3" },
	{ "X-Empty", "" },
};
static const struct policy_anomaly anomalies[] = {
	{ "double_extension", 1, NULL },
	{ "clsid_extension", 2, NULL },
	{ "long_filename", 99, "out of range part" },
	{ "archive_encrypted", -1, NULL },
	{ "no_content_type", -1, NULL },
};

static const uint8_t *fuzz_data;
static size_t fuzz_size;

/* Every included file is the input itself, its canonical name the path
 * as the parser built it (so "a" and "./a" differ, as symlinks would). */
static char *
fuzz_read(const char *path, size_t *len, char **canonical, char **why)
{
	char *text = g_malloc(fuzz_size + 1);

	(void)why;
	memcpy(text, fuzz_data, fuzz_size);
	text[fuzz_size] = '\0';
	*len = fuzz_size;
	*canonical = g_strdup(path);
	return text;
}

static void
fuzz_includes(const uint8_t *data, size_t size)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct policy *p = g_new0(struct policy, 1);

	fuzz_data = data;
	fuzz_size = size;
	p->name = g_strdup("fuzz.rules");
	p->rules = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)policy_rule_free);
	policy_parse_text(p, "fuzz.rules", "fuzz.rules", (const char *)data,
	    size, fuzz_read, errors);
	if (p->rules->len > POLICY_RULES_MAX)
		abort();
	for (guint i = 0; i < errors->len; i++)
		if (strchr(errors->pdata[i], ':') == NULL)
			abort();
	policy_free(p);
	g_ptr_array_unref(errors);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct policy *p;
	struct policy_result r;
	struct policy_input in = {
		.sender = "alice@example.org",
		.recipients = rcpts, .n_recipients = 2,
		.remote_ip = "::ffff:192.0.2.77", .relay_client = FALSE,
		.headers = headers, .n_headers = G_N_ELEMENTS(headers),
		.parts = parts, .n_parts = G_N_ELEMENTS(parts),
		.anomalies = anomalies, .n_anomalies = G_N_ELEMENTS(anomalies),
		.viruses = viruses, .n_viruses = 1,
	};

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	p = policy_load_text("fuzz.rules", (const char *)data, size, errors);
	harness_outcome_report(p != NULL);
	/* Loaded exactly when there was nothing to report. */
	if ((p == NULL) != (errors->len > 0))
		abort();
	for (guint i = 0; i < errors->len; i++)
		if (strncmp(errors->pdata[i], "fuzz.rules:", 11) != 0)
			abort();
	if (p != NULL) {
		for (int round = 0; round < 2; round++) {
			policy_result_init(&r);
			policy_evaluate(p, &in, &r);
			if (r.matches->len > policy_rule_count(p) ||
			    r.decisive >= (long)r.matches->len ||
			    (r.decisive < 0 && r.decided != POLICY_PASS) ||
			    (!r.monitor_only && r.action != r.decided))
				abort();
			for (guint i = 0; i < r.matches->len; i++) {
				const struct policy_match *m = &g_array_index(
				    r.matches, struct policy_match, i);

				if (m->part >= (long)G_N_ELEMENTS(parts) ||
				    m->reason == NULL || m->name == NULL ||
				    (m->action == POLICY_TAG && m->text == NULL))
					abort();
			}
			policy_result_clear(&r);
			/* Second round: the same rules on another client. */
			in.remote_ip = "2001:db8::25";
			in.relay_client = TRUE;
		}
		policy_free(p);
	}
	g_ptr_array_unref(errors);
	/* A NUL is refused before any parse (policy_load_text). */
	if (size <= POLICY_FILE_MAX && memchr(data, '\0', size) == NULL)
		fuzz_includes(data, size);
	return 0;
}
