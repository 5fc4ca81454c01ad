/* tests: broker/notify_filter.c and notify_template.c: the --notify
 * words and [notify] keys, the addresses and senders refused, list mail,
 * the forged-sender list, and every shipped language's template expanded
 * into a notice (valid UTF-8, every placeholder replaced, no header
 * injection, the Subject encoded).  Arguments: the template directory
 * and the shipped forged-sender list. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "facts.h"
#include "notify.h"

static const char *const languages[] = { "en", "it", "af", "pl", "sv",
	"cs", "de", "es", "tr", "lt", "fr", "pt", "nl", "zh", NULL };
static const char *const placeholders[] = { "%VERDICT%", "%REASON%",
	"%SUBJECT%", "%ID%", "%SENDER%", "%RECIPIENTS%", "%DATE%", "%HOST%",
	NULL };

static void
test_who(void)
{
	const char *why = NULL;
	unsigned w = 99;

	CHECK_INT(notify_who_parse("sender, recips,admin", &w, &why), 0);
	CHECK_INT(w, NOTIFY_SENDER | NOTIFY_RECIPS | NOTIFY_ADMIN);
	CHECK_INT(notify_who_parse("psender", &w, &why), 0);
	CHECK_INT(w, NOTIFY_PSENDER);
	CHECK_INT(notify_who_parse("none", &w, &why), 0);
	CHECK_INT(w, 0);
	CHECK_INT(notify_who_parse("none,admin", &w, &why), -1);
	CHECK(why != NULL && strstr(why, "none alone"));
	CHECK_INT(notify_who_parse("nmlvadm", &w, &why), -1);
	CHECK_INT(notify_who_parse("sender,,admin", &w, &why), -1);
}

static char *
write_tmp(const char *text)
{
	char *path = g_strdup("/tmp/qscan-test-notify.XXXXXX");
	int fd = g_mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_config(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct qscan_config c;
	char *good = write_tmp("[notify]\nvirus = admin,recips\n"
	    "policy = sender\nspam = none\nquarantine_admin = av@b.example\n"
	    "from = scanner@b.example\nlanguage = de\nmax_recipients = 5\n");
	char *bad = write_tmp("[notify]\nvirus = everyone\n"
	    "quarantine_admin = a@b.example\\r\\nBcc: x@y\nfrom = <a@b>\n"
	    "language = ../etc\nmax_recipients = 0\n");

	config_defaults(&c);
	CHECK_INT(c.notify_who[NOTIFY_VIRUS], NOTIFY_PSENDER);
	CHECK_INT(c.notify_who[NOTIFY_POLICY], NOTIFY_PSENDER);
	CHECK(strcmp(c.notify_language, "en") == 0);
	CHECK(strcmp(c.notify_admin, "") == 0);
	CHECK_INT(config_load(&c, good, errors), 0);
	CHECK_INT(c.notify_who[NOTIFY_VIRUS], NOTIFY_ADMIN | NOTIFY_RECIPS);
	CHECK_INT(c.notify_who[NOTIFY_POLICY], NOTIFY_SENDER);
	CHECK_INT(c.notify_who[NOTIFY_SPAM], 0);
	CHECK_INT(c.notify_who[NOTIFY_LIMITS], NOTIFY_PSENDER);
	CHECK(strcmp(c.notify_admin, "av@b.example") == 0);
	CHECK(strcmp(c.notify_from, "scanner@b.example") == 0);
	CHECK(strcmp(c.notify_language, "de") == 0);
	CHECK_INT(c.notify_max_recipients, 5);
	config_clear(&c);
	config_defaults(&c);
	CHECK_INT(config_load(&c, bad, errors), 5);
	config_clear(&c);
	unlink(good);
	unlink(bad);
	g_free(good);
	g_free(bad);
}

static void
test_addresses(void)
{
	CHECK(notify_address_ok("alice@a.example"));
	CHECK(notify_address_ok("a.b+c-d@sub.a.example"));
	CHECK(!notify_address_ok(""));
	CHECK(!notify_address_ok("alice"));
	CHECK(!notify_address_ok("@a.example"));
	CHECK(!notify_address_ok("alice@"));
	CHECK(!notify_address_ok("al ice@a.example"));
	CHECK(!notify_address_ok("a@b.example\r\nBcc: x@y"));
	CHECK(!notify_address_ok("<a@b.example>"));
	CHECK(!notify_address_ok("a,b@c.example"));
	CHECK(!notify_address_ok("j\xc3\xb6rg@b.example"));
	CHECK(notify_language_ok("pt_BR"));
	CHECK(!notify_language_ok("../en"));
	CHECK(!notify_language_ok(""));
	CHECK(!notify_language_ok("abcdefghijklmnopq"));

	CHECK(notify_sender_refused("") != NULL);
	CHECK(notify_sender_refused("#@[]") != NULL);
	CHECK(notify_sender_refused("MAILER-DAEMON@a.example") != NULL);
	CHECK(notify_sender_refused("Postmaster@a.example") != NULL);
	CHECK(notify_sender_refused("bounce-123-x=y@list.example") != NULL);
	CHECK(notify_sender_refused("bounces@list.example") != NULL);
	CHECK(notify_sender_refused("owner-users@list.example") != NULL);
	CHECK(notify_sender_refused("users-owner@list.example") != NULL);
	CHECK(notify_sender_refused("users-request@list.example") != NULL);
	CHECK(notify_sender_refused("a\nb@a.example") != NULL);
	CHECK(notify_sender_refused("alice@a.example") == NULL);
	CHECK(notify_sender_refused("postmaster-fan@a.example") == NULL);
}

static struct header_field_fact *
field(uint32_t part, const char *name, const char *value)
{
	struct header_field_fact *h = g_new(struct header_field_fact, 1);

	h->part = part;
	h->name = (char *)name;
	h->value = (char *)value;
	return h;
}

static void
test_list_mail(void)
{
	g_autoptr(GPtrArray) f = g_ptr_array_new_with_free_func(g_free);

	CHECK(notify_list_mail(NULL) == NULL);
	g_ptr_array_add(f, field(REC_NO_PARENT, "Subject", "hello"));
	g_ptr_array_add(f, field(2, "List-Id", "<x.list.example>"));
	g_ptr_array_add(f, field(REC_NO_PARENT, "Precedence", "first-class"));
	g_ptr_array_add(f, field(REC_NO_PARENT, "Auto-Submitted", " No"));
	CHECK(notify_list_mail(f) == NULL);
	g_ptr_array_add(f, field(REC_NO_PARENT, "precedence", " Bulk"));
	CHECK(notify_list_mail(f) != NULL &&
	    strstr(notify_list_mail(f), "Precedence"));
	g_ptr_array_set_size(f, 4);
	g_ptr_array_add(f, field(REC_NO_PARENT, "Auto-Submitted",
	    "auto-generated"));
	CHECK(notify_list_mail(f) != NULL);
	g_ptr_array_set_size(f, 4);
	g_ptr_array_add(f, field(REC_NO_PARENT, "LIST-ID", "<y.list.example>"));
	CHECK(notify_list_mail(f) != NULL &&
	    strstr(notify_list_mail(f), "List-Id"));
}

static void
test_forged(const char *shipped)
{
	g_autofree char *why = NULL, *hit = NULL;
	g_autoptr(GPtrArray) pats = notify_forged_load(shipped, &why);
	char *own = write_tmp("# comment\n\n  Win.Worm.Test-?  \n");
	g_autoptr(GPtrArray) mine = NULL;

	CHECK(pats != NULL && pats->len > 10);
	hit = notify_forged_match(pats, "Eicar-Signature,Worm.Mydoom.M");
	CHECK(hit != NULL && strcmp(hit, "Worm.Mydoom.M") == 0);
	g_free(hit);
	hit = notify_forged_match(pats, "W32.NETSKY.P");
	CHECK(hit != NULL);
	g_clear_pointer(&hit, g_free);
	CHECK(notify_forged_match(pats, "Eicar-Signature") == NULL);
	CHECK(notify_forged_match(pats, "") == NULL);
	mine = notify_forged_load(own, &why);
	CHECK(mine != NULL && mine->len == 1);
	hit = notify_forged_match(mine, "win.worm.test-1");
	CHECK(hit != NULL);
	CHECK(notify_forged_match(mine, "Win.Worm.Test-12") == NULL);
	CHECK(notify_forged_load("/nonexistent/forged", &why) == NULL);
	CHECK(why != NULL && strstr(why, "/nonexistent/forged"));
	unlink(own);
	g_free(own);
}

static void
test_values(void)
{
	struct notify_values v = {
		.verdict = "virus", .reason = "clamav:Eicar",
		.subject = "Hi\r\nBcc: evil@x.example", .id = "q1",
		.sender = "a@a.example", .recipients = "b@b.example",
		.date = "now", .host = "test.example",
	};
	g_autofree char *e = notify_expand("%VERDICT% %REASON% %SUBJECT% "
	    "%ID% %SENDER% %RECIPIENTS% %DATE% %HOST% 100%% %FOO% 5%", &v);
	g_autofree char *longv = g_strnfill(2000, 'x');
	g_autofree char *cut = notify_clean_value(longv, NOTIFY_VALUE_MAX);
	g_autofree char *bad = notify_clean_value("a\xff\xfe" "b\x7f", 100);
	g_autofree char *empty = NULL;

	CHECK(strcmp(e, "virus clamav:Eicar Hi  Bcc: evil@x.example q1 "
	    "a@a.example b@b.example now test.example 100% %FOO% 5%") == 0);
	CHECK(strlen(cut) <= NOTIFY_VALUE_MAX + 3 &&
	    g_str_has_suffix(cut, "..."));
	CHECK(g_utf8_validate(bad, -1, NULL) && strchr(bad, 0x7f) == NULL);
	v.subject = NULL;
	empty = notify_expand("[%SUBJECT%]", &v);
	CHECK(strcmp(empty, "[-]") == 0);
}

static void
test_encode(void)
{
	g_autofree char *ascii = notify_header_encode("Plain subject");
	const char *utf = "Zpráva nebyla doručena: virus — 邮件未投递，"
	    "一封邮件因其内容而未被投递 and more words to need several parts";
	g_autofree char *enc = notify_header_encode(utf);
	g_auto(GStrv) words = g_strsplit(enc, "\n ", -1);
	GString *back = g_string_new(NULL);
	char date[64];

	CHECK(strcmp(ascii, "Plain subject") == 0);
	CHECK(g_strv_length(words) > 1);
	for (unsigned i = 0; words[i] != NULL; i++) {
		size_t n = strlen(words[i]);
		g_autofree char *b64 = NULL;
		g_autofree guchar *raw = NULL;
		gsize rlen;

		CHECK(n <= 75);
		CHECK(g_str_has_prefix(words[i], "=?UTF-8?B?") &&
		    g_str_has_suffix(words[i], "?="));
		b64 = g_strndup(words[i] + 10, n - 12);
		raw = g_base64_decode(b64, &rlen);
		/* Each word decodes to whole characters on its own. */
		CHECK(g_utf8_validate((const char *)raw, (gssize)rlen, NULL));
		g_string_append_len(back, (const char *)raw, (gssize)rlen);
	}
	CHECK(strcmp(back->str, utf) == 0);
	g_string_free(back, TRUE);
	notify_date(0, date, sizeof(date));
	CHECK(strcmp(date, "Thu, 01 Jan 1970 00:00:00 +0000") == 0);
	notify_date(1796083200LL, date, sizeof(date));
	CHECK(strcmp(date, "Tue, 01 Dec 2026 00:00:00 +0000") == 0);
}

/* The header block of a notice: the lines before the empty one. */
static char *
header_block(const char *msg)
{
	const char *end = strstr(msg, "\n\n");

	return end ? g_strndup(msg, end - msg + 1) : g_strdup("");
}

static void
test_languages(const char *dir)
{
	struct notify_values v = {
		.verdict = "virus", .reason = "clamav:Eicar-Test-Signature",
		.subject = "Rechnung\r\nBcc: evil@x.example Grüße",
		.id = "1765137000.123.4567.test.example", .sender = "a@a.example",
		.recipients = "b@b.example, c@b.example",
		.date = "Mon, 07 Dec 2026 20:00:00 +0000",
		.host = "test.example",
	};
	struct notify_mail m = {
		.from = "postmaster@test.example",
		.to = "b@b.example,\n c@b.example",
		.message_id = "<x.recips.notify@test.example>",
		.date = v.date, .id_header = "X-Qscan-Quarantine-Id",
		.id = v.id,
	};

	for (unsigned l = 0; languages[l] != NULL; l++) {
		g_autofree char *path = g_strdup_printf("%s/%s/notify.txt",
		    dir, languages[l]);
		g_autofree char *tmpl = NULL, *why = NULL, *hdr = NULL;
		g_autoptr(GString) out = g_string_new(NULL);
		g_auto(GStrv) lines = NULL;
		gsize len;
		unsigned n_subject = 0, n_bcc = 0;

		if (!g_file_get_contents(path, &tmpl, &len, NULL)) {
			fprintf(stderr, "no template %s\n", path);
			check_failures++;
			continue;
		}
		CHECK_INT(notify_compose(tmpl, len, &v, &m, out, &why), 0);
		CHECK(g_utf8_validate(out->str, (gssize)out->len, NULL));
		for (unsigned p = 0; placeholders[p] != NULL; p++)
			if (strstr(out->str, placeholders[p])) {
				fprintf(stderr, "%s: %s left\n", languages[l],
				    placeholders[p]);
				check_failures++;
			}
		CHECK(strstr(out->str, "clamav:Eicar-Test-Signature") != NULL);
		CHECK(strstr(out->str, v.id) != NULL);
		CHECK(strstr(out->str, "Rechnung  Bcc: evil@x.example") != NULL);
		hdr = header_block(out->str);
		lines = g_strsplit(hdr, "\n", -1);
		for (unsigned i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "Subject: "))
				n_subject++;
			if (g_ascii_strncasecmp(lines[i], "Bcc:", 4) == 0)
				n_bcc++;
			/* Headers are ASCII: the Subject is encoded. */
			for (const char *c = lines[i]; *c; c++)
				CHECK((unsigned char)*c < 0x80);
		}
		CHECK_INT(n_subject, 1);
		CHECK_INT(n_bcc, 0);
		CHECK(strstr(hdr, "\nContent-Type: text/plain; charset=UTF-8\n"));
		CHECK(strstr(hdr, "\nAuto-Submitted: auto-replied\n"));
		CHECK(strstr(hdr, "\nMIME-Version: 1.0\n"));
		CHECK(strstr(hdr, "\nMessage-ID: <x.recips.notify@test.example>\n"));
		CHECK(strstr(hdr, "\nX-Qscan-Quarantine-Id: 1765137000.123"));
		CHECK(g_str_has_prefix(hdr, "Date: Mon, 07 Dec 2026"));
	}
}

static void
test_compose_refusals(void)
{
	struct notify_values v = { .verdict = "policy" };
	struct notify_mail m = { .from = "a@b", .to = "c@d",
		.message_id = "<m@h>", .date = "d", .id_header = "X-Id",
		.id = "i" };
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *big = g_strnfill(NOTIFY_TEMPLATE_MAX + 1, 'a');
	char *why = NULL;
	const char *nl;
	size_t col = 0, maxcol = 0;

	CHECK_INT(notify_compose("Body only\n", 10, &v, &m, out, &why), -1);
	g_clear_pointer(&why, g_free);
	CHECK_INT(notify_compose("Subject: x\nno gap\n", 18, &v, &m, out,
	    &why), -1);
	g_clear_pointer(&why, g_free);
	CHECK_INT(notify_compose("Subject: \xff\n\nx\n", 14, &v, &m, out,
	    &why), -1);
	g_clear_pointer(&why, g_free);
	memcpy(big, "Subject: x\n\n", 12);
	CHECK_INT(notify_compose(big, strlen(big), &v, &m, out, &why), -1);
	g_clear_pointer(&why, g_free);
	/* A body line made long by values is broken below 998 bytes. */
	{
		g_autofree char *wide = g_strnfill(500, 'w');
		GString *t = g_string_new("Subject: s\n\n");

		for (int i = 0; i < 5; i++)
			g_string_append(t, "%REASON%");
		v.reason = wide;
		g_string_truncate(out, 0);
		CHECK_INT(notify_compose(t->str, t->len, &v, &m, out, &why), 0);
		g_string_free(t, TRUE);
	}
	for (nl = out->str; *nl; nl++) {
		col = *nl == '\n' ? 0 : col + 1;
		maxcol = MAX(maxcol, col);
	}
	CHECK(maxcol <= NOTIFY_LINE_MAX);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test-notify TEMPLATE-DIR FORGED-LIST\n");
		return 2;
	}
	test_who();
	test_config();
	test_addresses();
	test_list_mail();
	test_forged(argv[2]);
	test_values();
	test_encode();
	test_languages(argv[1]);
	test_compose_refusals();
	return CHECK_DONE();
}
