/* tests: broker/envelope.c edge cases (qmail-queue(8) semantics). */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "envelope.h"
#include "exitcodes.h"
#include "qscan_limits.h"

static int
parse(const char *buf, size_t len, unsigned max, struct envelope *e)
{
	return envelope_exit_code(envelope_parse((const uint8_t *)buf, len,
	    max, e));
}

#define LIT(s) s, sizeof(s) - 1

static void
test_basic(void)
{
	struct envelope e;

	CHECK_INT(parse(LIT("Falice@a.example\0Tbob@b.example\0Tcarol@c.example\0\0"),
	    10, &e), 0);
	CHECK(strcmp(e.sender, "alice@a.example") == 0);
	CHECK_INT(e.recipients->len, 2);
	CHECK(strcmp(e.recipients->pdata[1], "carol@c.example") == 0);
	CHECK_INT(e.raw->len, sizeof("Falice@a.example\0Tbob@b.example\0"
	    "Tcarol@c.example\0\0") - 1);
	envelope_clear(&e);
}

static void
test_null_sender(void)
{
	struct envelope e;

	CHECK_INT(parse(LIT("F\0Tbob@b.example\0\0"), 10, &e), 0);
	CHECK(strcmp(e.sender, "") == 0);
	CHECK_INT(e.recipients->len, 1);
	envelope_clear(&e);
}

static void
test_many_recipients(void)
{
	GString *s = g_string_new(NULL);
	struct envelope e;

	g_string_append_len(s, "Fa@b", 5);	/* with its NUL */
	for (int i = 0; i < 1000; i++)
		g_string_append_printf(s, "Tr%d@x.example%c", i, '\0');
	g_string_append_c(s, '\0');
	CHECK_INT(parse(s->str, s->len, 1000, &e), 0);
	CHECK_INT(e.recipients->len, 1000);
	CHECK(strcmp(e.recipients->pdata[999], "r999@x.example") == 0);
	envelope_clear(&e);
	/* One over the configured limit: a format error, nothing kept. */
	CHECK_INT(parse(s->str, s->len, 999, &e), QQ_TEMP_ENVELOPE_FORMAT);
	CHECK(e.sender == NULL && e.recipients == NULL);
	g_string_free(s, TRUE);
}

static void
test_truncated(void)
{
	struct envelope e;

	CHECK_INT(parse("", 0, 10, &e), QQ_TEMP_READ_ERROR);
	CHECK_INT(parse(LIT("Fa@b"), 10, &e), QQ_TEMP_READ_ERROR);
	/* Missing final NUL. */
	CHECK_INT(parse(LIT("Fa@b\0Tc@d\0"), 10, &e), QQ_TEMP_READ_ERROR);
	CHECK_INT(parse(LIT("Fa@b\0Tc@d"), 10, &e), QQ_TEMP_READ_ERROR);
}

static void
test_format(void)
{
	struct envelope e;

	CHECK_INT(parse(LIT("Xa@b\0Tc@d\0\0"), 10, &e), QQ_TEMP_ENVELOPE_FORMAT);
	CHECK_INT(parse(LIT("Fa@b\0Xc@d\0\0"), 10, &e), QQ_TEMP_ENVELOPE_FORMAT);
	/* Junk after the final NUL. */
	CHECK_INT(parse(LIT("Fa@b\0Tc@d\0\0junk"), 10, &e),
	    QQ_TEMP_ENVELOPE_FORMAT);
	CHECK_INT(parse(LIT("Fa@b\0Tc@d\0\0\0"), 10, &e),
	    QQ_TEMP_ENVELOPE_FORMAT);
	/* No recipient at all; an empty recipient. */
	CHECK_INT(parse(LIT("Fa@b\0\0"), 10, &e), QQ_TEMP_ENVELOPE_FORMAT);
	CHECK_INT(parse(LIT("Fa@b\0T\0\0"), 10, &e), QQ_TEMP_ENVELOPE_FORMAT);
}

static void
test_overlong(void)
{
	char buf[3000];
	struct envelope e;
	size_t n;

	/* Exactly the longest address qmail-queue takes. */
	buf[0] = 'F';
	memset(buf + 1, 'a', ENVELOPE_ADDRESS_MAX);
	n = 1 + ENVELOPE_ADDRESS_MAX;
	memcpy(buf + n, "\0Tc@d\0\0", 7);
	CHECK_INT(parse(buf, n + 7, 10, &e), 0);
	envelope_clear(&e);
	/* One more: 11, as qmail-queue's ADDR limit. */
	buf[0] = 'F';
	memset(buf + 1, 'a', ENVELOPE_ADDRESS_MAX + 1);
	n = 2 + ENVELOPE_ADDRESS_MAX;
	memcpy(buf + n, "\0Tc@d\0\0", 7);
	CHECK_INT(parse(buf, n + 7, 10, &e), QQ_PERM_ADDRESS_TOO_LONG);
	/* Overlong recipient without any NUL after it. */
	memcpy(buf, "Fa@b\0T", 6);
	memset(buf + 6, 'r', 2000);
	CHECK_INT(parse(buf, 2006, 10, &e), QQ_PERM_ADDRESS_TOO_LONG);
}

static void
test_read_fd(void)
{
	int p[2];
	struct envelope e;
	static const char env[] = "Fa@b\0Tc@d\0\0";

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], env, sizeof(env) - 1) == (ssize_t)sizeof(env) - 1);
	close(p[1]);
	CHECK_INT(envelope_read(p[0], 10, &e), ENVELOPE_OK);
	close(p[0]);
	envelope_clear(&e);
	CHECK_INT(envelope_read(-1, 10, &e), ENVELOPE_READ_ERROR);
}

int
main(void)
{
	test_basic();
	test_null_sender();
	test_many_recipients();
	test_truncated();
	test_format();
	test_overlong();
	test_read_fd();
	return CHECK_DONE();
}
