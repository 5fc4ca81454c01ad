/* tests: policy/ (trusted, pure): every rule type, every action, the
 * precedence, every parse error with its line.  argv[1]: the shipped
 * policy/default.rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "check.h"
#include "policy.h"
#include "policy_internal.h"	/* policy_evaluate_budget */

/* ---- the message most tests look at ---- */

static const char *const names_pdf[] = { "report.pdf" };
static const char *const names_zip[] = { "files.zip" };
static const char *const names_member[] = { "docs/Invoice.EXE" };
static const char *const names_secret[] = { "secret.doc" };

static const char *const recipients[] = { "bob@example.com",
	"carol@example.net" };
static const char *const viruses[] = { "Eicar-Signature" };

static struct policy_part parts[5];
static struct policy_header headers[3];
static struct policy_input base;

static void
input_reset(void)
{
	memset(parts, 0, sizeof(parts));
	parts[0] = (struct policy_part){ .path = "1",
	    .declared_type = "text/plain", .detected_type = "text/plain",
	    .size = 100 };
	parts[1] = (struct policy_part){ .path = "2",
	    .declared_type = "application/pdf",
	    .detected_type = "application/pdf", .filenames = names_pdf,
	    .n_filenames = 1, .size = 2048 };
	parts[2] = (struct policy_part){ .path = "3",
	    .declared_type = "application/zip",
	    .detected_type = "application/zip", .filenames = names_zip,
	    .n_filenames = 1, .size = 5000 };
	parts[3] = (struct policy_part){ .path = "3/docs/Invoice.EXE",
	    .detected_type = "application/x-dosexec",
	    .filenames = names_member, .n_filenames = 1, .size = 4096,
	    .archive_member = TRUE };
	parts[4] = (struct policy_part){ .path = "3/secret.doc",
	    .filenames = names_secret, .n_filenames = 1, .size = 777,
	    .archive_member = TRUE, .encrypted = TRUE };
	headers[0] = (struct policy_header){ "Subject",
	    "\xc3\x9cn\xc3\xaf" "code Invoice 123456" };	/* "Ünïcode ..." */
	headers[1] = (struct policy_header){ "From", "Alice <alice@example.org>" };
	headers[2] = (struct policy_header){ "X-Mailer", "Foo 1.0" };
	base = (struct policy_input){
		.sender = "alice@example.org",
		.recipients = recipients, .n_recipients = 2,
		.remote_ip = "192.0.2.77",
		.headers = headers, .n_headers = 3,
		.parts = parts, .n_parts = 5,
	};
}

/* ---- helpers ---- */

static struct policy *
load(const char *text, int at)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct policy *p = policy_load_text("t.rules", text, strlen(text),
	    errors);

	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "line %d: unexpected: %s\n", at,
		    (char *)errors->pdata[i]);
	if (p == NULL || errors->len != 0) {
		fprintf(stderr, "line %d: rules did not load\n", at);
		check_failures++;
	}
	return p;
}

/* The action rules decide for in; -1 when they did not load. */
static int
decide_at(const char *rules, const struct policy_input *in, int at)
{
	struct policy *p = load(rules, at);
	struct policy_result r;
	int a;

	if (p == NULL)
		return -1;
	policy_result_init(&r);
	policy_evaluate(p, in, &r);
	a = (int)r.action;
	policy_result_clear(&r);
	policy_free(p);
	return a;
}
#define decide(rules, in) decide_at((rules), (in), __LINE__)

/* Exactly one error, starting "t.rules:LINE: " and containing needle. */
static void
expect_error_at(const char *text, size_t len, unsigned line,
    const char *needle, int at)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *prefix = g_strdup_printf("t.rules:%u: ", line);
	struct policy *p = policy_load_text("t.rules", text, len, errors);

	if (p != NULL) {
		fprintf(stderr, "line %d: loaded, expected an error\n", at);
		check_failures++;
		policy_free(p);
		return;
	}
	if (errors->len != 1 ||
	    !g_str_has_prefix(errors->pdata[0], prefix) ||
	    strstr(errors->pdata[0], needle) == NULL) {
		fprintf(stderr, "line %d: wanted one error %s...%s, got %u:\n",
		    at, prefix, needle, errors->len);
		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "  %s\n", (char *)errors->pdata[i]);
		check_failures++;
	}
}
#define expect_error(text, line, needle) \
	expect_error_at((text), strlen(text), (line), (needle), __LINE__)

#define PASS POLICY_PASS
#define QUAR POLICY_QUARANTINE

/* ---- rule types ---- */

static void
test_filenames(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	const struct policy_match *m;
	static const char *const trailing[] = { "evil.exe. " };
	static const char *const winmail[] = { "WINMAIL.DAT" };
	static const char *const backslash[] = { "dir\\x.scr" };

	input_reset();
	in = base;
	/* Glob on the last component, case-insensitive, archive member. */
	p = load("rule exe filename \"*.exe\" action reject\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK_INT(r.matches->len, 1);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK_INT(m->line, 1);
	CHECK_INT(m->part, 3);
	CHECK(m->filename && strcmp(m->filename, "docs/Invoice.EXE") == 0);
	CHECK(strcmp(m->name, "exe") == 0);
	CHECK(strcmp(m->reason, "policy rule exe") == 0);
	CHECK(m->text == NULL);
	CHECK(!m->limit_hit);
	policy_result_clear(&r);
	policy_free(p);

	CHECK_INT(decide("rule a filename \"invoice.*\" action reject\n", &in),
	    POLICY_REJECT);
	/* A glob with '/' sees the whole member path. */
	CHECK_INT(decide("rule a filename \"docs/*\" action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a filename \"other/*\" action reject\n", &in),
	    PASS);
	CHECK_INT(decide("rule a filename \"*.ex?\" action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a filename \"*.[ef]xe\" action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a filename \"*.[!e]xe\" action reject\n", &in),
	    PASS);
	/* Regex: on the whole name, case-sensitive unless /i. */
	CHECK_INT(decide("rule a filename /invoice\\.exe$/i action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a filename /invoice\\.exe$/ action reject\n",
	    &in), PASS);
	CHECK_INT(decide("rule a filename /^docs\\// action reject\n", &in),
	    POLICY_REJECT);
	/* member: the same part must be an archive member. */
	CHECK_INT(decide("rule a filename \"*.exe\" member action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a filename \"*.pdf\" and member action reject\n",
	    &in), PASS);
	CHECK_INT(decide("rule a filename \"*.pdf\" not member action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a not filename \"*\" action reject\n", &in),
	    POLICY_REJECT);		/* part 0 has no filename */

	/* Q-S extension: end of the name, case-insensitive. */
	CHECK_INT(decide(".exe\tSIZE=-1\tno programs\n", &in), QUAR);
	CHECK_INT(decide(".ExE\tSIZE=-1\tno programs\n", &in), QUAR);
	CHECK_INT(decide(".bat\tSIZE=-1\tno programs\n", &in), PASS);
	CHECK_INT(decide("*.PDF\tSIZE=-1\tglob\n", &in), QUAR);
	/* Trailing dots and spaces dropped, as Windows does. */
	parts[1].filenames = trailing;
	CHECK_INT(decide(".exe\tSIZE=-1\tx\n", &in), QUAR);
	CHECK_INT(decide("rule a filename \"*.exe\" action drop\n", &in),
	    POLICY_DROP);
	parts[1].filenames = winmail;
	CHECK_INT(decide("winmail.dat\tSIZE=-1\tTNEF\n", &in), QUAR);
	parts[1].filenames = backslash;
	CHECK_INT(decide("rule a filename \"x.scr\" action drop\n", &in),
	    POLICY_DROP);
	input_reset();
}

static void
test_sizes(void)
{
	struct policy_input in;

	input_reset();
	in = base;
	CHECK_INT(decide(".exe\tSIZE=4096\tx\n", &in), QUAR);
	CHECK_INT(decide(".exe\tSIZE=4095\tx\n", &in), PASS);
	CHECK_INT(decide(".exe\tsize=4096\tx\n", &in), QUAR);
	CHECK_INT(decide(".exe\tSIZE=-1\tx\n", &in), QUAR);
	/* 1.x bare size: ignored for an extension, exact for a name. */
	CHECK_INT(decide(".exe\t0\tx\n", &in), QUAR);
	CHECK_INT(decide("report.pdf\t2048\tx\n", &in), QUAR);
	CHECK_INT(decide("report.pdf\t2047\tx\n", &in), PASS);
	CHECK_INT(decide("report.pdf\tSIZE=2048\tx\n", &in), QUAR);
	/* Ranges, with units. */
	CHECK_INT(decide("rule a filename \"*.exe\" size >4k action drop\n",
	    &in), PASS);
	CHECK_INT(decide("rule a filename \"*.exe\" size >=4k action drop\n",
	    &in), POLICY_DROP);
	CHECK_INT(decide("rule a filename \"*.exe\" size <4097 action drop\n",
	    &in), POLICY_DROP);
	CHECK_INT(decide("rule a filename \"*.exe\" size <=4095 action drop\n",
	    &in), PASS);
	CHECK_INT(decide("rule a size 4000-4100 action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a size =777 action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a size >1M action drop\n", &in), PASS);
	parts[2].size = 2ull * 1024 * 1024;
	CHECK_INT(decide("rule a size >1M action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a size >=2m action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a size >1G action drop\n", &in), PASS);
	input_reset();
}

static void
test_headers(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	const struct policy_match *m;

	input_reset();
	in = base;
	/* Q-S: anchored, case-sensitive regex; name case-insensitive. */
	CHECK_INT(decide("Subject:\t.*Invoice [0-9]+\tworm\n", &in), QUAR);
	CHECK_INT(decide("subject:\t.*Invoice [0-9]+\tworm\n", &in), QUAR);
	CHECK_INT(decide("Subject:\tInvoice\tworm\n", &in), PASS);
	CHECK_INT(decide("Subject:\t.*invoice.*\tworm\n", &in), PASS);
	CHECK_INT(decide("X-Mailer:\tFoo 1\\.0\tbad mailer\n", &in), QUAR);
	/* 1.x form. */
	CHECK_INT(decide(".*Invoice.*\tVirus-Subject:\tworm\n", &in), QUAR);
	CHECK_INT(decide("Pickles.*Breakfast\tVirus-Subject:\tworm\n", &in),
	    PASS);
	/* Keyword form: decoded UTF-8, case-insensitive with /i. */
	CHECK_INT(decide("rule a header subject /\xc3\xbcn\xc3\xaf/i "
	    "action reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a header Subject: /\xc3\xbcn\xc3\xaf/ "
	    "action reject\n", &in), PASS);
	CHECK_INT(decide("rule a header SUBJECT \"*invoice*\" action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a header X-Missing \"*\" action reject\n", &in),
	    PASS);
	CHECK_INT(decide("rule a not header X-Missing \"*\" action reject\n",
	    &in), POLICY_REJECT);

	p = load("rule a header from /example\\.org/ action monitor\n",
	    __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, PASS);
	CHECK_INT(r.decided, PASS);
	CHECK_INT(r.decisive, -1);
	CHECK_INT(r.matches->len, 1);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK_INT(m->action, POLICY_MONITOR);
	CHECK_INT(m->part, -1);
	CHECK(m->header && strcmp(m->header, "From") == 0);
	CHECK(m->value && strcmp(m->value, "Alice <alice@example.org>") == 0);
	policy_result_clear(&r);
	policy_free(p);
	input_reset();
}

static void
test_envelope(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	const struct policy_match *m;

	input_reset();
	in = base;
	CHECK_INT(decide("MAILFROM\t.*@example\\.org\tsender\n", &in), QUAR);
	CHECK_INT(decide("MAILFROM\t.*@example\\.com\tsender\n", &in), PASS);
	CHECK_INT(decide("MAILFROM:\talice@.*\tsender\n", &in), QUAR);
	CHECK_INT(decide("RCPTTO\tcarol@example\\.net\trcpt\n", &in), QUAR);
	CHECK_INT(decide("RCPTTO\tdave@example\\.net\trcpt\n", &in), PASS);
	CHECK_INT(decide("REMOTEIPADDR\t192\\.0\\.2\\..*\tip\n", &in), QUAR);
	CHECK_INT(decide("REMOTEIPADDR\t10\\..*\tip\n", &in), PASS);
	CHECK_INT(decide("rule a sender \"*@EXAMPLE.org\" action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a recipient /^bob@/ action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a recipient /^eve@/ action reject\n", &in),
	    PASS);

	p = load("RCPTTO\tcarol@.*\trcpt\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.decisive, 0);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK(m->header && strcmp(m->header, "RCPTTO") == 0);
	CHECK(m->value && strcmp(m->value, "carol@example.net") == 0);
	CHECK(strcmp(m->reason, "rcpt") == 0);
	CHECK(strcmp(m->name, "RCPTTO") == 0);
	policy_result_clear(&r);
	policy_free(p);

	/* Null sender. */
	in.sender = "";
	CHECK_INT(decide("rule a sender /^$/ action tempfail\n", &in),
	    POLICY_TEMPFAIL);

	/* CIDR, IPv4. */
	in = base;
	CHECK_INT(decide("rule a ip 192.0.2.0/24 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 198.51.100.0/24 action reject\n", &in),
	    PASS);
	CHECK_INT(decide("rule a ip 198.51.100.0/24,192.0.2.64/26 "
	    "action reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a ip 192.0.2.77 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 192.0.2.76/32 action reject\n", &in), PASS);
	CHECK_INT(decide("rule a ip 0.0.0.0/0 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 2001:db8::/32 action reject\n", &in), PASS);
	/* An IPv4-mapped client address meets IPv4 networks. */
	in.remote_ip = "::ffff:192.0.2.77";
	CHECK_INT(decide("rule a ip 192.0.2.0/25 action reject\n", &in),
	    POLICY_REJECT);
	/* IPv6. */
	in.remote_ip = "2001:db8:0:1::25";
	CHECK_INT(decide("rule a ip 2001:db8::/32 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 2001:db8:0:1::/64 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 2001:db8:0:2::/64 action reject\n", &in),
	    PASS);
	CHECK_INT(decide("rule a ip 2001:db9::/32 action reject\n", &in), PASS);
	CHECK_INT(decide("rule a ip 2001:db8::/31 action reject\n", &in),
	    POLICY_REJECT);
	CHECK_INT(decide("rule a ip 0.0.0.0/0 action reject\n", &in), PASS);
	CHECK_INT(decide("rule a ip ::/0 action reject\n", &in),
	    POLICY_REJECT);
	/* No or unparsable client address: no ip rule matches. */
	in.remote_ip = NULL;
	CHECK_INT(decide("rule a ip ::/0 action reject\n", &in), PASS);
	in.remote_ip = "not-an-ip";
	CHECK_INT(decide("rule a ip ::/0 action reject\n", &in), PASS);

	/* Relay. */
	in = base;
	CHECK_INT(decide("rule a relay action pass\nrule b size >0 action "
	    "reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a not relay action tempfail\n", &in),
	    POLICY_TEMPFAIL);
	in.relay_client = TRUE;
	CHECK_INT(decide("rule a relay action pass\nrule b size >0 action "
	    "reject\n", &in), PASS);
	CHECK_INT(decide("rule a not relay action tempfail\n", &in), PASS);
	input_reset();
}

static void
test_types_anomalies(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	const struct policy_match *m;
	struct policy_anomaly an[4];
	static const char *const renamed[] = { "docs/invoice.pdf" };

	input_reset();
	in = base;
	CHECK_INT(decide("rule a type \"application/pdf\" action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a type \"image/*\" action drop\n", &in), PASS);
	CHECK_INT(decide("rule a type /^APPLICATION\\/ZIP$/i action drop\n",
	    &in), POLICY_DROP);
	CHECK_INT(decide("rule a detected \"application/x-dosexec\" "
	    "action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a detected \"image/png\" action drop\n", &in),
	    PASS);
	/* A program under another name: type and name on the same part. */
	CHECK_INT(decide("rule a detected \"application/x-dosexec\" and not "
	    "filename \"*.exe\" action drop\n", &in), PASS);
	parts[3].filenames = renamed;
	CHECK_INT(decide("rule a detected \"application/x-dosexec\" and not "
	    "filename \"*.exe\" action drop\n", &in), POLICY_DROP);
	/* Part conditions hold for one part, not across parts. */
	CHECK_INT(decide("rule a type \"application/pdf\" size 4096 "
	    "action drop\n", &in), PASS);
	CHECK_INT(decide("rule a encrypted action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a encrypted filename \"*.exe\" action drop\n",
	    &in), PASS);
	/* Virus names from AV. */
	CHECK_INT(decide("rule a virus \"eicar*\" action monitor\n", &in),
	    PASS);
	in.viruses = viruses;
	in.n_viruses = 1;
	CHECK_INT(decide("rule a virus \"eicar*\" action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a virus /^Win\\./ action drop\n", &in), PASS);

	/* Anomaly codes, and the Q-S virtual headers built on them. */
	in = base;
	CHECK_INT(decide("rule a anomaly no_content_type action reject\n",
	    &in), PASS);
	CHECK_INT(decide("FILEDOUBLEBARRELED\t.*\tdouble\n", &in), PASS);
	CHECK_INT(decide("FILELENGTHTOOLONG\t.*\tlong\n", &in), PASS);
	CHECK_INT(decide("FILECLSID\t.*\tclsid\n", &in), PASS);
	an[0] = (struct policy_anomaly){ "no_content_type", -1, NULL };
	an[1] = (struct policy_anomaly){ "double_extension", 1, NULL };
	an[2] = (struct policy_anomaly){ "long_filename", 2, NULL };
	an[3] = (struct policy_anomaly){ "clsid_extension", -1,
	    "x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}" };
	in.anomalies = an;
	in.n_anomalies = 4;
	CHECK_INT(decide("rule a anomaly no_content_type action reject\n",
	    &in), POLICY_REJECT);
	CHECK_INT(decide("rule a anomaly bad_uuencode action reject\n", &in),
	    PASS);
	CHECK_INT(decide("FILEDOUBLEBARRELED\t.*\tdouble\n", &in), QUAR);
	CHECK_INT(decide("FILEDOUBLEBARRELED\t.*\\.pdf\tdouble\n", &in), QUAR);
	CHECK_INT(decide("FILEDOUBLEBARRELED\t.*\\.zip\tdouble\n", &in), PASS);
	CHECK_INT(decide("FILELENGTHTOOLONG\tfiles\\.zip\tlong\n", &in), QUAR);
	CHECK_INT(decide("FILECLSID\t.*\\{[-0-9A-F]+\\}\tclsid\n", &in), QUAR);

	p = load("FILEDOUBLEBARRELED\t.*\tdouble\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, QUAR);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK_INT(m->part, 1);
	CHECK(m->filename && strcmp(m->filename, "report.pdf") == 0);
	CHECK(m->header && strcmp(m->header, "FILEDOUBLEBARRELED") == 0);
	policy_result_clear(&r);
	policy_free(p);

	/* ZIPPASSWORDPROTECTED: an encrypted member, or the anomaly. */
	in = base;
	p = load("ZIPPASSWORDPROTECTED\t.*\tencrypted\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, QUAR);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK_INT(m->part, 4);
	CHECK(m->filename && strcmp(m->filename, "secret.doc") == 0);
	CHECK(m->header && strcmp(m->header, "ZIPPASSWORDPROTECTED") == 0);
	policy_result_clear(&r);
	policy_free(p);
	CHECK_INT(decide("ZIPPASSWORDPROTECTED\t.*\\.zip\tenc\n", &in), PASS);
	an[0] = (struct policy_anomaly){ "archive_encrypted", 2, NULL };
	in.anomalies = an;
	in.n_anomalies = 1;
	CHECK_INT(decide("ZIPPASSWORDPROTECTED\t.*\\.zip\tenc\n", &in), QUAR);
	parts[4].encrypted = FALSE;
	in.n_anomalies = 0;
	CHECK_INT(decide("ZIPPASSWORDPROTECTED\t.*\tencrypted\n", &in), PASS);
	input_reset();
}

/* ---- actions and precedence ---- */

static void
test_actions(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	const struct policy_match *m;

	input_reset();
	in = base;
	CHECK_INT(decide("rule a size >0 action quarantine\n", &in), QUAR);
	CHECK_INT(decide("rule a size >0 action reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a size >0 action tempfail\n", &in),
	    POLICY_TEMPFAIL);
	CHECK_INT(decide("rule a size >0 action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a size >0 action pass\n", &in), PASS);
	CHECK_INT(decide("rule a size >0 action monitor\n", &in), PASS);
	CHECK_INT(decide("rule a size >0 action tag \"X-A: b\"\n", &in), PASS);
	/* A 4th field on a Q-S line. */
	CHECK_INT(decide(".exe\tSIZE=-1\tno\ttempfail\n", &in),
	    POLICY_TEMPFAIL);
	CHECK_INT(decide(".exe\tSIZE=-1\tno\tpass\n", &in), PASS);

	p = load(".exe\tSIZE=-1\tNo programs\treject \"5.7.1 No programs "
	    "here\"\nrule b size >0 action tag \"X-Policy: \\\"seen\\\"\" "
	    "reason \"tagged\"\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK_INT(r.matches->len, 2);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK(strcmp(m->reason, "No programs") == 0);
	CHECK(m->text && strcmp(m->text, "5.7.1 No programs here") == 0);
	m = &g_array_index(r.matches, struct policy_match, 1);
	CHECK_INT(m->action, POLICY_TAG);
	CHECK_INT(m->line, 2);
	CHECK(m->text && strcmp(m->text, "X-Policy: \"seen\"") == 0);
	CHECK(strcmp(m->reason, "tagged") == 0);
	policy_result_clear(&r);
	policy_free(p);

	/* Reject text stands in for a missing reason. */
	p = load("rule a size >0 action reject \"Go away\"\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	m = &g_array_index(r.matches, struct policy_match, 0);
	CHECK(strcmp(m->reason, "Go away") == 0);
	policy_result_clear(&r);
	policy_free(p);
	input_reset();
}

static void
test_precedence(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;

	input_reset();
	in = base;
	/* First terminal rule in file order wins, not the harshest. */
	CHECK_INT(decide("rule a size >0 action quarantine\n"
	    "rule b size >0 action reject\n", &in), QUAR);
	CHECK_INT(decide("rule a size >0 action reject\n"
	    "rule b size >0 action quarantine\n", &in), POLICY_REJECT);
	/* An exception above a block. */
	CHECK_INT(decide("rule ok sender \"*@example.org\" action pass\n"
	    ".exe\tSIZE=-1\tno\n", &in), PASS);
	CHECK_INT(decide(".exe\tSIZE=-1\tno\n"
	    "rule ok sender \"*@example.org\" action pass\n", &in), QUAR);

	/* tag and monitor: all reported, before and after the decision;
	 * terminal rules after it are not tried. */
	p = load("# comment\n"
	    "rule m1 size >0 action monitor\n"
	    "\n"
	    "rule t1 size >0 action tag \"X-One: 1\"\n"
	    "rule nomatch size >1G action reject\n"
	    "rule d size >0 action tempfail\n"
	    "rule later size >0 action reject\n"
	    "rule m2 size >0 action monitor\n"
	    "rule t2 size >0 action tag \"X-Two: 2\"\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, POLICY_TEMPFAIL);
	CHECK_INT(r.decided, POLICY_TEMPFAIL);
	CHECK_INT(r.matches->len, 5);
	CHECK_INT(r.decisive, 2);
	CHECK_INT(g_array_index(r.matches, struct policy_match, 0).line, 2);
	CHECK_INT(g_array_index(r.matches, struct policy_match, 1).line, 4);
	CHECK_INT(g_array_index(r.matches, struct policy_match, 2).line, 6);
	CHECK_INT(g_array_index(r.matches, struct policy_match, 3).line, 8);
	CHECK_INT(g_array_index(r.matches, struct policy_match, 4).line, 9);
	policy_result_clear(&r);
	policy_free(p);

	/* Nothing matches: pass. */
	p = load("rule a size >1G action reject\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, PASS);
	CHECK_INT(r.decisive, -1);
	CHECK_INT(r.matches->len, 0);
	CHECK_INT(policy_rule_count(p), 1);
	policy_result_clear(&r);
	policy_free(p);

	/* monitor_only: decided and reported, but passed. */
	p = load("set monitor_only on\nrule a size >0 action reject\n",
	    __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, PASS);
	CHECK_INT(r.decided, POLICY_REJECT);
	CHECK(r.monitor_only);
	CHECK_INT(r.decisive, 0);
	policy_result_clear(&r);
	policy_free(p);
	CHECK_INT(decide("set monitor_only off\nrule a size >0 action reject\n",
	    &in), POLICY_REJECT);

	/* The encrypted-archive switch: off by default, a rule at its line. */
	CHECK_INT(decide("rule a size >1G action reject\n", &in), PASS);
	CHECK_INT(decide("set block_encrypted_archives off\n", &in), PASS);
	CHECK_INT(decide("set block_encrypted_archives on\n", &in), QUAR);
	CHECK_INT(decide("rule ok relay action pass\n"
	    "set block_encrypted_archives on\n", &in), QUAR);
	in.relay_client = TRUE;
	CHECK_INT(decide("rule ok relay action pass\n"
	    "set block_encrypted_archives on\n", &in), PASS);
	input_reset();
}

/* A regex that hits its limit counts the strict way. */
static void
test_limits(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	struct policy_header h[1];
	char evil[40], *huge;

	input_reset();
	in = base;
	memset(evil, 'a', 30);
	evil[30] = 'b';
	evil[31] = '\0';
	h[0] = (struct policy_header){ "Subject", evil };
	in.headers = h;
	in.n_headers = 1;
	p = load("rule a header Subject /^(a+)+$/ action reject\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK(r.matches->len == 1 &&
	    g_array_index(r.matches, struct policy_match, 0).limit_hit);
	policy_result_clear(&r);
	policy_free(p);
	/* Negated, still strict for a blocking rule. */
	CHECK_INT(decide("rule a not header Subject /^(a+)+$/ action reject\n",
	    &in), POLICY_REJECT);
	/* Never lets mail through an exception. */
	CHECK_INT(decide("rule a header Subject /^(a+)+$/ action pass\n"
	    "rule b size >0 action reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a not header Subject /^(a+)+$/ action pass\n"
	    "rule b size >0 action reject\n", &in), POLICY_REJECT);

	/* An ordinary pattern over a long value is decided, not limited:
	 * an exception still works. */
	huge = g_malloc(POLICY_SUBJECT_MAX + 1);
	memset(huge, 'a', POLICY_SUBJECT_MAX);
	huge[POLICY_SUBJECT_MAX] = '\0';
	h[0].value = huge;
	CHECK_INT(decide("rule a header Subject /^(?:a|b)*$/ action pass\n"
	    "rule b size >0 action reject\n", &in), PASS);
	CHECK_INT(decide("rule a header Subject /^(a|b)*$/ action pass\n"
	    "rule b size >0 action reject\n", &in), PASS);
	g_free(huge);

	/* Hostile subjects: invalid UTF-8, and longer than the cap. */
	h[0].value = "\xff\xfe Invoice \xc3";
	CHECK_INT(decide("rule a header Subject /Invoice/ action drop\n", &in),
	    POLICY_DROP);
	huge = g_malloc(POLICY_SUBJECT_MAX * 2 + 1);
	memset(huge, 'x', POLICY_SUBJECT_MAX * 2);
	huge[POLICY_SUBJECT_MAX * 2] = '\0';
	memcpy(huge, "head", 4);
	memcpy(huge + POLICY_SUBJECT_MAX * 2 - 4, "tail", 4);
	h[0].value = huge;
	CHECK_INT(decide("rule a header Subject /^head/ action drop\n", &in),
	    POLICY_DROP);
	/* Past the cap is not seen (documented bound). */
	CHECK_INT(decide("rule a header Subject /tail$/ action drop\n", &in),
	    PASS);
	g_free(huge);
	input_reset();
}

/* The review's pattern: unanchored, exponential at every start position,
 * over 'a...abc'.  PCRE2 resets its match limit per start position, so
 * before the search was written into the pattern this took 27 s. */
#define EVIL_RE "/(?:a|a){1,15}c/"

static char *
evil_subject(void)
{
	char *s = g_malloc(POLICY_SUBJECT_MAX + 1);

	memset(s, 'a', POLICY_SUBJECT_MAX);
	s[POLICY_SUBJECT_MAX - 2] = 'b';
	s[POLICY_SUBJECT_MAX - 1] = 'c';
	s[POLICY_SUBJECT_MAX] = '\0';
	return s;
}

/* One regex match is bounded whatever the subject's length, and fails
 * closed. */
static void
test_regex_bound(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	struct policy_header h[1];
	char *evil = evil_subject(), *name;
	const char *names[1];
	struct policy_part pt[1];
	gint64 t;

	input_reset();
	in = base;
	h[0] = (struct policy_header){ "Subject", evil };
	in.headers = h;
	in.n_headers = 1;
	p = load("rule a header Subject " EVIL_RE " action reject\n",
	    __LINE__);
	policy_result_init(&r);
	t = g_get_monotonic_time();
	policy_evaluate(p, &in, &r);
	printf("regex bound: " EVIL_RE " on %d bytes: %.1f ms\n",
	    POLICY_SUBJECT_MAX, (double)(g_get_monotonic_time() - t) / 1000);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK(r.matches->len == 1 &&
	    g_array_index(r.matches, struct policy_match, 0).limit_hit);
	CHECK(!r.out_of_time);
	policy_result_clear(&r);
	policy_free(p);
	/* The exception does not apply; the blocking rule after it does. */
	CHECK_INT(decide("rule a header Subject " EVIL_RE " action pass\n"
	    "rule b size >0 action reject\n", &in), POLICY_REJECT);
	CHECK_INT(decide("rule a not header Subject " EVIL_RE " action pass\n"
	    "rule b size >0 action reject\n", &in), POLICY_REJECT);

	/* The same as a filename. */
	pt[0] = parts[1];
	names[0] = evil;
	pt[0].filenames = names;
	in = base;
	in.parts = pt;
	in.n_parts = 1;
	CHECK_INT(decide("rule a filename " EVIL_RE " action quarantine\n",
	    &in), QUAR);

	/* The search written into the pattern keeps the unanchored
	 * meaning: a match mid-subject, after an alternative that starts
	 * with .*, and across lines for a leading .*. */
	in = base;
	in.headers = h;
	h[0].value = "xx Invoice yy";
	CHECK_INT(decide("rule a header Subject /Invoice/ action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a header Subject /^Invoice/ action drop\n",
	    &in), PASS);
	CHECK_INT(decide("rule a header Subject /\\GInvoice/ action drop\n",
	    &in), PASS);
	h[0].value = "ab";
	CHECK_INT(decide("rule a header Subject /.*x|b/ action drop\n", &in),
	    POLICY_DROP);
	h[0].value = "one\ntwo.exe\nthree";
	CHECK_INT(decide("rule a header Subject /(?m).*o\\.exe$/ action drop\n",
	    &in), POLICY_DROP);
	CHECK_INT(decide("rule a header Subject /.*three/ action drop\n",
	    &in), POLICY_DROP);
	CHECK_INT(decide("rule a header Subject /.*e.three/ action drop\n",
	    &in), PASS);

	/* A leading .* is tried at line starts only, so over an honest
	 * long value it is decided, not limited: the exception works. */
	name = g_malloc(POLICY_SUBJECT_MAX + 1);
	for (int k = 0; k < POLICY_SUBJECT_MAX; k++)
		name[k] = "report draft "[k % 13];
	memcpy(name + POLICY_SUBJECT_MAX - 4, ".pdf", 5);
	h[0].value = name;
	CHECK_INT(decide("rule a header Subject /.*\\.pdf$/ action pass\n"
	    "rule b size >0 action reject\n", &in), PASS);
	CHECK_INT(decide("rule a header Subject /.*\\.exe$/ action reject\n",
	    &in), PASS);
	CHECK_INT(decide("rule a header Subject /draft/ action pass\n"
	    "rule b size >0 action reject\n", &in), PASS);
	g_free(name);
	g_free(evil);
	input_reset();
}

/* A clock for the budget that advances CLOCK_STEP_USEC per read: the
 * evaluation then runs out of time after a fixed amount of work. */
enum { CLOCK_STEP_USEC = 10 * 1000 };
static int clock_reads;

static gint64
stepping_clock(void)
{
	return (gint64)++clock_reads * CLOCK_STEP_USEC;
}

/* Out of time, the evaluation fails closed: blocking rules match, pass
 * rules do not. */
static void
test_time_budget(void)
{
	struct policy_input in;
	struct policy *p;
	struct policy_result r;
	struct policy_header *h;
	struct policy_match *m;
	char *evil = evil_subject();

	input_reset();
	/* Spent before the first rule. */
	p = load("rule a size >1G action pass\n"
	    "rule b header Subject /nomatch/ action tag \"X-T: b\"\n"
	    "rule c size >1G action reject\n", __LINE__);
	policy_result_init(&r);
	policy_evaluate_budget(p, &base, &r, 0);
	CHECK(r.out_of_time);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK_INT(r.matches->len, 2);
	if (r.matches->len == 2) {
		m = &g_array_index(r.matches, struct policy_match, 0);
		CHECK(m->action == POLICY_TAG && m->limit_hit);
		m = &g_array_index(r.matches, struct policy_match, 1);
		CHECK(m->action == POLICY_REJECT && m->limit_hit);
		CHECK_INT(r.decisive, 1);
	}
	policy_result_clear(&r);
	/* With time to spare the same rules are decided. */
	policy_result_init(&r);
	policy_evaluate(p, &base, &r);
	CHECK(!r.out_of_time);
	CHECK_INT(r.action, POLICY_PASS);
	CHECK_INT(r.matches->len, 0);
	policy_result_clear(&r);
	policy_free(p);

	/* Spent during a rule: 256 headers of the evil subject cost 256
	 * limited matches; the pass rule does not apply, the blocking rule
	 * after it matches although its pattern would not. */
	h = g_new(struct policy_header, 256);
	for (int k = 0; k < 256; k++)
		h[k] = (struct policy_header){ "Subject", evil };
	in = base;
	in.headers = h;
	in.n_headers = 256;
	p = load("rule a header Subject " EVIL_RE " action pass\n"
	    "rule b header Subject /nomatch/ action reject\n", __LINE__);
	policy_result_init(&r);
	policy_set_clock(stepping_clock);
	clock_reads = 0;
	policy_evaluate_budget(p, &in, &r, 100 * 1000);
	policy_set_clock(NULL);
	printf("time budget: 256 x " EVIL_RE ", 10 ms per match, 100 ms "
	    "budget: stopped after %d clock reads\n", clock_reads);
	CHECK(r.out_of_time);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK(r.matches->len == 1 &&
	    g_array_index(r.matches, struct policy_match, 0).line == 2 &&
	    g_array_index(r.matches, struct policy_match, 0).limit_hit);
	policy_result_clear(&r);
	policy_free(p);

	/* The full budget on the same message: bounded, fail-closed.  The
	 * clock moves 10 ms per read (one read per regex match), so 2 rules
	 * x 256 limited matches certainly outlast POLICY_EVAL_BUDGET_USEC
	 * whatever the machine's speed, and the evaluation must stop after
	 * about budget / 10 ms matches rather than run all 512. */
	p = load("rule a header Subject " EVIL_RE " action pass\n"
	    "rule b header Subject " EVIL_RE " action pass\n"
	    "rule c header Subject /nomatch/ action reject\n", __LINE__);
	policy_result_init(&r);
	policy_set_clock(stepping_clock);
	clock_reads = 0;
	policy_evaluate(p, &in, &r);
	policy_set_clock(NULL);
	printf("time budget: 2 rules x 256 x " EVIL_RE ", 10 ms per match: "
	    "stopped after %d clock reads, out of time: %s\n", clock_reads,
	    r.out_of_time ? "yes" : "no");
	CHECK(r.out_of_time);
	CHECK_INT(r.action, POLICY_REJECT);
	CHECK(clock_reads <= POLICY_EVAL_BUDGET_USEC / CLOCK_STEP_USEC + 4);
	CHECK(r.matches->len == 1 &&
	    g_array_index(r.matches, struct policy_match, 0).line == 3 &&
	    g_array_index(r.matches, struct policy_match, 0).limit_hit);
	policy_result_clear(&r);
	policy_free(p);
	g_free(h);
	g_free(evil);
	input_reset();
}

/* ---- parse errors, each with its line ---- */

static void
test_errors(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	GString *s;
	struct policy *p;

	/* Qmail-Scanner lines. */
	expect_error("# c\n.exe\tSIZE=-1\n", 2, "three TAB-separated fields");
	expect_error(".exe\tSIZE=-1\tx\treject\textra\n", 1,
	    "more than four");
	expect_error("\n\n.exe\tSIZE=abc\tx\n", 3, "SIZE=n");
	expect_error(".exe\tSIZE=-2\tx\n", 1, "SIZE=n");
	expect_error("ISSENSITIVEANDNOCRYPTO\t.*\tx\n", 1, "not supported");
	expect_error("CRYPTODETAILS\t.*\tx\n", 1, "not supported");
	expect_error("Subject:\t(abc\tx\n", 1, "bad regex");
	expect_error("X-Mailer:\tnothing)|(.*\tx\n", 1, "bad regex");
	expect_error("Subject:\t(*LIMIT_MATCH=99999999)a\tx\n", 1, "(*");
	expect_error("Bad Name:\tx\ty\n", 1, "bad header field name");
	expect_error(".exe\tSIZE=-1\tx\texplode\n", 1, "unknown action");
	expect_error(".exe\tSIZE=-1\tx\treject \"a\" b\n", 1, "unexpected");
	expect_error(".exe SIZE=-1 x\n", 1, "neither");
	expect_error(".exe\tSIZE=-1\tbad\x01" "desc\n", 1, "control");

	/* Keyword rules. */
	expect_error("rule\n", 1, "neither");	/* no blank after rule */
	expect_error("rule  \n", 1, "needs a name");
	expect_error("rule a/b size >0 action drop\n", 1, "needs a name");
	expect_error("rule a size >0 action drop\nrule a size >0 action "
	    "pass\n", 2, "defined twice (first on line 1)");
	expect_error("rule a action drop\n", 1, "no condition");
	expect_error("rule a size >0\n", 1, "no action");
	expect_error("rule a size >0 action\n", 1, "missing action");
	expect_error("rule a size >0 action nuke\n", 1, "unknown action");
	expect_error("rule a colour \"red\" action drop\n", 1,
	    "unknown condition 'colour'");
	expect_error("rule a filename action drop\n", 1, "needs a \"glob\"");
	expect_error("rule a filename \"\" action drop\n", 1, "empty pattern");
	expect_error("rule a filename \"*.exe action drop\n", 1,
	    "unterminated \"string\"");
	expect_error("rule a filename /x action drop\n", 1,
	    "unterminated /regex/");
	expect_error("rule a filename /x/g action drop\n", 1, "regex flag");
	expect_error("rule a filename \"a\\b\" action drop\n", 1,
	    "unknown escape");
	expect_error("rule a filename \"a\"b action drop\n", 1, "no space");
	expect_error("rule a filename /(/ action drop\n", 1, "bad regex");
	expect_error("rule a filename /(*LIMIT_DEPTH=1)a/ action drop\n", 1,
	    "(*");
	expect_error("rule a size > action drop\n", 1, "size takes");
	expect_error("rule a size 5-3 action drop\n", 1, "size takes");
	expect_error("rule a size <0 action drop\n", 1, "size takes");
	expect_error("rule a size 10X action drop\n", 1, "size takes");
	expect_error("rule a size 99999999999999999999 action drop\n", 1,
	    "size takes");
	expect_error("rule a size 99999999999G action drop\n", 1,
	    "size takes");
	expect_error("rule a ip 300.1.1.1 action drop\n", 1, "not an IPv4");
	expect_error("rule a ip 10.0.0.0/33 action drop\n", 1, "prefix");
	expect_error("rule a ip 2001:db8::/129 action drop\n", 1, "prefix");
	expect_error("rule a ip 10.1.0.0/8 action drop\n", 1, "host bits");
	expect_error("rule a ip 2001:db8::1/64 action drop\n", 1, "host bits");
	expect_error("rule a ip action drop\n", 1, "not an IPv4");
	expect_error("rule a header action drop\n", 1, "needs a \"glob\"");
	expect_error("rule a header Sub:ject /x/ action drop\n", 1,
	    "bad header field name");
	expect_error("rule a header \"Subject\" /x/ action drop\n", 1,
	    "needs a field name");
	expect_error("rule a anomaly Double action drop\n", 1, "lower_case");
	expect_error("rule a anomaly\n", 1, "needs a code name");
	expect_error("rule a size >0 action tag\n", 1, "Header-Name: value");
	expect_error("rule a size >0 action tag \"no colon\"\n", 1,
	    "Header-Name: value");
	expect_error("rule a size >0 action reject \"\"\n", 1,
	    "empty reject text");
	expect_error("rule a size >0 action reject \"a\tb\"\n", 1, "control");
	expect_error("rule a size >0 action drop reason\n", 1,
	    "reason needs");
	expect_error("rule a size >0 action drop reason \"x\" more\n", 1,
	    "unexpected 'more'");
	expect_error("rule a size >0 action drop drop\n", 1, "unexpected");

	/* Settings. */
	expect_error("set colour on\n", 1, "unknown setting");
	expect_error("set monitor_only maybe\n", 1, "on or off");
	expect_error("set monitor_only\n", 1, "set takes");
	expect_error("set block_encrypted_archives on\n\n"
	    "set block_encrypted_archives off\n", 3, "given twice");
	expect_error("set monitor_only on\nset monitor_only on\n", 2,
	    "given twice");

	/* Whole lines and files. */
	s = g_string_new("# long\n");
	g_string_append_printf(s, "rule a filename \"%*s\" action drop\n",
	    POLICY_LINE_MAX, "x");
	expect_error(s->str, 2, "line longer");
	g_string_free(s, TRUE);
	s = g_string_new(NULL);
	g_string_append_printf(s, "rule a filename /%*s/ action drop\n",
	    POLICY_PATTERN_MAX + 1, "x");
	expect_error(s->str, 1, "longer than");
	g_string_free(s, TRUE);
	expect_error("rule a filename \"\xff\" action drop\n", 1, "not UTF-8");
	expect_error_at("rule a\0", 7, 0, "not text", __LINE__);
	s = g_string_new(NULL);
	for (int i = 0; i < POLICY_RULES_MAX + 3; i++)
		g_string_append(s, ".exe\tSIZE=-1\tx\n");
	expect_error(s->str, POLICY_RULES_MAX + 1, "more than");
	g_string_free(s, TRUE);
	s = g_string_new("rule a");
	for (int i = 0; i <= POLICY_CONDS_MAX; i++)
		g_string_append(s, " relay");
	g_string_append(s, " action drop\n");
	expect_error(s->str, 1, "conditions");
	g_string_free(s, TRUE);

	/* Several errors: each reported with its line; nothing loaded. */
	p = policy_load_text("t.rules", "rule a size >0 action drop\n"
	    "rule b\tbad\n.exe\tSIZE=x\ty\n# fine\nrule c relay action x\n",
	    strlen("rule a size >0 action drop\n"
	    "rule b\tbad\n.exe\tSIZE=x\ty\n# fine\nrule c relay action x\n"),
	    errors);
	CHECK(p == NULL);
	CHECK_INT(errors->len, 3);
	if (errors->len == 3) {
		CHECK(g_str_has_prefix(errors->pdata[0], "t.rules:2: "));
		CHECK(g_str_has_prefix(errors->pdata[1], "t.rules:3: "));
		CHECK(g_str_has_prefix(errors->pdata[2], "t.rules:5: "));
	}

	/* A missing file. */
	g_ptr_array_set_size(errors, 0);
	p = policy_load("/nonexistent/qscan.rules", errors);
	CHECK(p == NULL);
	CHECK(errors->len == 1 && g_str_has_prefix(errors->pdata[0],
	    "/nonexistent/qscan.rules:0: cannot read"));

	/* Accepted oddities: CRLF, leading blanks, inline comments, runs
	 * of TABs (as in Q-S's own file), an empty file. */
	CHECK_INT(decide("  # indented comment\r\n\r\n.{100,}\t\t\tVirus-Date:"
	    "\t\tMIME Header Buffer Overflow\r\n", &base), PASS);
	CHECK_INT(decide("rule a relay action drop # no relays\n", &base),
	    PASS);
	CHECK_INT(decide("", &base), PASS);
}

/* The shipped policy loads and does what its comments say. */
static void
test_default_rules(const char *path)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct policy *p = policy_load(path, errors);
	struct policy_input in;
	struct policy_result r;
	static const char *const names[][1] = { { "a.SCR" }, { "x/y/run.js" },
		{ "t.HTA" }, { "link.lnk" }, { "setup.msi" }, { "p.ps1" },
		{ "a.cpl" }, { "a.pif" }, { "a.bat" }, { "a.cmd" },
		{ "a.vbs" }, { "a.jse" }, { "a.wsh" }, { "a.shs" },
		{ "a.com" } };
	static const char *const ok_names[][1] = { { "a.txt" },
		{ "a.pdf" }, { "a.docx" }, { "a.zip" }, { "a.jpg" } };
	struct policy_part one;

	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	input_reset();
	in = base;
	/* The member docs/Invoice.EXE: quarantined, switch off. */
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, QUAR);
	CHECK(r.decisive >= 0 && g_array_index(r.matches, struct policy_match,
	    r.decisive).part == 3);
	policy_result_clear(&r);

	in.n_parts = 1;
	in.parts = &one;
	for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
		one = (struct policy_part){ .path = "1", .filenames = names[k],
		    .n_filenames = 1, .size = 10, .archive_member = TRUE };
		policy_result_init(&r);
		policy_evaluate(p, &in, &r);
		if (r.action != QUAR) {
			fprintf(stderr, "default.rules passed %s\n",
			    names[k][0]);
			check_failures++;
		}
		policy_result_clear(&r);
	}
	for (size_t k = 0; k < G_N_ELEMENTS(ok_names); k++) {
		one = (struct policy_part){ .path = "1",
		    .filenames = ok_names[k], .n_filenames = 1, .size = 10,
		    .detected_type = "application/octet-stream" };
		policy_result_init(&r);
		policy_evaluate(p, &in, &r);
		if (r.action != PASS) {
			fprintf(stderr, "default.rules stopped %s\n",
			    ok_names[k][0]);
			check_failures++;
		}
		policy_result_clear(&r);
	}
	/* Encrypted archives pass by default. */
	one = (struct policy_part){ .path = "1", .filenames = ok_names[3],
	    .n_filenames = 1, .size = 10, .encrypted = TRUE };
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, PASS);
	policy_result_clear(&r);
	/* A program renamed is caught by its bytes. */
	one = (struct policy_part){ .path = "1", .filenames = ok_names[1],
	    .n_filenames = 1, .size = 10,
	    .detected_type = "application/x-dosexec" };
	policy_result_init(&r);
	policy_evaluate(p, &in, &r);
	CHECK_INT(r.action, QUAR);
	policy_result_clear(&r);
	policy_free(p);
}

/* spam_score and spam_rule: only in the pass after spam scoring, and
 * every other rule only in the pass before it. */
static void
test_spam(void)
{
	static const char *const rules[] = { "GTUBE", "RCVD_ILLEGAL_IP" };
	static const char *const text =
	    "rule a spam_score >=10 action quarantine\n";
	struct policy_input in;

	input_reset();
	in = base;
	in.spam_score_milli = 12500;
	in.spam_rules = rules;
	in.n_spam_rules = 2;
	CHECK_INT(decide(text, &in), PASS);		/* pass 0 skips it */
	in.spam_pass = 1;
	CHECK_INT(decide(text, &in), QUAR);
	CHECK_INT(decide("rule a spam_score >12.5 action drop\n", &in), PASS);
	CHECK_INT(decide("rule a spam_score >12.499 action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a spam_score <=12.5 action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a spam_score <12.5 action drop\n", &in), PASS);
	CHECK_INT(decide("rule a spam_score >=-1 and spam_rule \"GTUBE\" "
	    "action drop\n", &in), POLICY_DROP);
	CHECK_INT(decide("rule a spam_rule /^RCVD_/ action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a spam_rule \"BAYES_*\" action drop\n", &in),
	    PASS);
	CHECK_INT(decide("rule a not spam_rule \"BAYES_*\" and sender "
	    "\"*@example.org\" action drop\n", &in), POLICY_DROP);
	/* A rule on other facts is the first pass's, never this one's. */
	CHECK_INT(decide("rule a sender \"*@example.org\" action drop\n",
	    &in), PASS);
	in.spam_score_milli = -500;
	CHECK_INT(decide("rule a spam_score <=-0.5 action drop\n", &in),
	    POLICY_DROP);
	CHECK_INT(decide("rule a spam_score <-0.5 action drop\n", &in), PASS);
	expect_error("rule a spam_score 5 action drop\n", 1,
	    "spam_score takes");
	expect_error("rule a spam_score >=5.1234 action drop\n", 1,
	    "spam_score takes");
	expect_error("rule a spam_score >=1234567 action drop\n", 1,
	    "spam_score takes");
	expect_error("rule a spam_score >= action drop\n", 1,
	    "spam_score takes");
}

static void
test_helpers(void)
{
	uint8_t a[16];

	CHECK(policy_match_glob("*", "", 0));
	CHECK(policy_match_glob("a*b*c", "aXXbYYc", 7));
	CHECK(!policy_match_glob("a*b*c", "aXXbYY", 6));
	CHECK(policy_match_glob("[]]x", "]x", 2));
	CHECK(policy_match_glob("[a", "[a", 2));	/* unterminated set */
	CHECK(policy_match_glob("*.EXE", "a.exe", 5));
	CHECK(policy_match_glob("?", "\xc3", 1));
	CHECK(policy_parse_ip("192.0.2.1", a) && a[10] == 0xff && a[15] == 1);
	CHECK(policy_parse_ip("::1", a) && a[15] == 1 && a[10] == 0);
	CHECK(!policy_parse_ip("192.0.2", a));
	CHECK(!policy_parse_ip("", a));
	CHECK(strcmp(policy_action_name(POLICY_TEMPFAIL), "tempfail") == 0);
	CHECK(policy_action_is_terminal(POLICY_PASS));
	CHECK(!policy_action_is_terminal(POLICY_MONITOR));
	CHECK(!policy_action_is_terminal(POLICY_TAG));
}


/* ---- include ---- */

/* Writes dir/name with text. */
static void
write_rules(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	CHECK(g_file_set_contents(path, text, -1, NULL));
}

/* Loads dir/name from disk: the errors, and the policy in *out. */
static GPtrArray *
load_file(const char *dir, const char *name, struct policy **out)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);

	*out = policy_load(path, errors);
	return errors;
}

/* One error, naming file (under dir) and line, containing needle. */
static void
expect_file_error_at(const char *dir, const char *top, const char *file,
    unsigned line, const char *needle, int at)
{
	struct policy *p;
	g_autoptr(GPtrArray) errors = load_file(dir, top, &p);
	g_autofree char *prefix = g_strdup_printf("%s/%s:%u: ", dir, file,
	    line);

	if (p != NULL || errors->len != 1 ||
	    !g_str_has_prefix(errors->pdata[0], prefix) ||
	    strstr(errors->pdata[0], needle) == NULL) {
		fprintf(stderr, "line %d: want one error %s...%s, got %u%s%s\n",
		    at, prefix, needle, errors->len, errors->len ? ": " : "",
		    errors->len ? (char *)errors->pdata[0] : "");
		check_failures++;
	}
	policy_free(p);
}
#define expect_file_error(d, t, f, l, n) \
	expect_file_error_at((d), (t), (f), (l), (n), __LINE__)

static void
test_include(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-policy.XXXXXX", NULL);
	g_autofree char *sub = g_build_filename(dir, "site", NULL);
	g_autoptr(GPtrArray) errors = NULL;
	struct policy *p;
	struct policy_result r;
	struct policy_input in;
	char buf[40];

	CHECK(dir != NULL && g_mkdir(sub, 0700) == 0);
	/* The shipped file and a site's own beside it: the included rules
	 * sit where the line is, so a pass above a reject still wins. */
	write_rules(dir, "top.rules", "rule early sender \"*@partner.example\" "
	    "action pass\ninclude site/own.rules\n"
	    "rule late filename \"*.zip\" action quarantine\n");
	write_rules(sub, "own.rules", "# the site's\n"
	    "include \"more rules.rules\"\n"
	    "rule own-exe filename \"*.EXE\" action reject \"no exe\"\n");
	write_rules(sub, "more rules.rules", "set monitor_only off\n");
	errors = load_file(dir, "top.rules", &p);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "include: %s\n", (char *)errors->pdata[i]);
	CHECK(p != NULL && errors->len == 0);
	if (p != NULL) {
		CHECK_INT(policy_rule_count(p), 3);
		in = base;
		policy_result_init(&r);
		policy_evaluate(p, &in, &r);
		/* own-exe (Invoice.EXE) comes before late (files.zip). */
		CHECK_INT(r.action, POLICY_REJECT);
		policy_result_clear(&r);
		in.sender = "x@partner.example";
		policy_result_init(&r);
		policy_evaluate(p, &in, &r);
		CHECK_INT(r.action, POLICY_PASS);
		policy_result_clear(&r);
		policy_free(p);
	}
	/* Errors name the included file and its line. */
	write_rules(sub, "own.rules", "\nrule bad filename \"*.x\" action "
	    "explode\n");
	expect_file_error(dir, "top.rules", "site/own.rules", 2, "explode");
	/* A missing file: the including line says which. */
	write_rules(sub, "own.rules", "include gone.rules\n");
	expect_file_error(dir, "top.rules", "site/own.rules", 1,
	    "include " );
	/* The same rule name in two files. */
	write_rules(sub, "own.rules", "rule early relay action drop\n");
	expect_file_error(dir, "top.rules", "site/own.rules", 1,
	    "rule early defined twice (first in ");
	/* A setting given in both. */
	write_rules(dir, "s1.rules", "set monitor_only on\ninclude s2.rules\n");
	write_rules(dir, "s2.rules", "set monitor_only on\n");
	expect_file_error(dir, "s1.rules", "s2.rules", 1, "given twice");
	/* Loops: to itself, and through another file. */
	write_rules(dir, "self.rules", "include self.rules\n");
	expect_file_error(dir, "self.rules", "self.rules", 1, "a loop (");
	write_rules(dir, "a.rules", "include b.rules\n");
	write_rules(dir, "b.rules", "\ninclude ./a.rules\n");
	expect_file_error(dir, "a.rules", "b.rules", 2,
	    "remove one of these include lines");
	/* Depth: a chain of POLICY_INCLUDE_DEPTH_MAX files loads, one more
	 * is refused at the line that goes too deep. */
	for (int i = 0; i <= POLICY_INCLUDE_DEPTH_MAX; i++) {
		g_autofree char *name = g_strdup_printf("d%d.rules", i);
		g_autofree char *text = i < POLICY_INCLUDE_DEPTH_MAX ?
		    g_strdup_printf("include d%d.rules\n", i + 1) :
		    g_strdup("rule deepest relay action drop\n");

		write_rules(dir, name, text);
	}
	snprintf(buf, sizeof(buf), "d%d.rules", POLICY_INCLUDE_DEPTH_MAX - 1);
	expect_file_error(dir, "d0.rules", buf, 1, "nested deeper than");
	g_clear_pointer(&errors, g_ptr_array_unref);
	errors = load_file(dir, "d1.rules", &p);
	CHECK(p != NULL && errors->len == 0);
	policy_free(p);
	/* A file included over and over: bounded in bytes, not only depth. */
	{
		g_autoptr(GString) big = g_string_new(NULL);
		g_autoptr(GString) many = g_string_new(NULL);

		while (big->len < 1000 * 1000)
			g_string_append(big, "# a comment line of the kind a "
			    "site writes, padded out to length\n");
		write_rules(dir, "big.rules", big->str);
		for (int i = 0; i < 9; i++)
			g_string_append(many, "include big.rules\n");
		write_rules(dir, "many.rules", many->str);
		expect_file_error(dir, "many.rules", "many.rules", 9,
		    "hold more than");
	}
	/* Include lines counted wherever they are. */
	{
		g_autoptr(GString) lines = g_string_new(NULL);

		write_rules(dir, "empty.rules", "");
		for (int i = 0; i <= POLICY_INCLUDES_MAX; i++)
			g_string_append(lines, "include empty.rules\n");
		write_rules(dir, "lines.rules", lines->str);
		expect_file_error(dir, "lines.rules", "lines.rules",
		    POLICY_INCLUDES_MAX + 1, "more than 256 include lines");
	}
	/* Usage, and text not from a file. */
	write_rules(dir, "u.rules", "include a.rules b.rules\n");
	expect_file_error(dir, "u.rules", "u.rules", 1,
	    "include takes one file name");
	expect_error("include x.rules\n", 1, "not read from a file");
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		CHECK(system(cmd) == 0);
	}
}

int
main(int argc, char **argv)
{
	test_helpers();
	test_filenames();
	test_sizes();
	test_headers();
	test_envelope();
	test_types_anomalies();
	test_actions();
	test_precedence();
	test_limits();
	test_regex_bound();
	test_time_budget();
	test_errors();
	test_spam();
	test_include();
	if (argc > 1)
		test_default_rules(argv[1]);
	else {
		fprintf(stderr, "usage: test-policy default.rules\n");
		check_failures++;
	}
	return CHECK_DONE();
}
