/* tests: spamd's reply decoder (scanners/spamd_reply.c) on the replies
 * spamd 4.0.1 really sends, and one case per refusal. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "spamd_reply.h"

static struct spamd_reply r;

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static enum spamd_reply_kind
parse(const char *s)
{
	return spamd_reply_parse((const uint8_t *)s, strlen(s), &r);
}

/* A malformed reply says why, in words the log shows. */
static void
check_malformed(const char *s, const char *why)
{
	CHECK_INT(parse(s), SPAMD_REPLY_MALFORMED);
	CHECK_INT(r.kind, SPAMD_REPLY_MALFORMED);
	if (strcmp(r.text, why) != 0)
		fprintf(stderr, "%.60s: \"%s\", expected \"%s\"\n", s, r.text,
		    why);
	CHECK_STR(r.text, why);
}

static void
test_real(void)
{
	/* GTUBE, captured from spamd 4.0.1 (SYMBOLS). */
	CHECK_INT(parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 68\r\n"
	    "Spam: True ; 1003.3 / 5.0\r\n\r\nGTUBE,MISSING_DATE,MISSING_MID,"
	    "NO_RECEIVED,NO_RELAYS,TVD_SPACE_RATIO"), SPAMD_REPLY_SCORED);
	CHECK_INT(r.is_spam, 1);
	CHECK_INT(r.score_milli, 1003300);
	CHECK_INT(r.threshold_milli, 5000);
	CHECK_INT(r.n_symbols, 6);
	CHECK_INT(r.n_kept, 6);
	CHECK_STR(r.symbols, "GTUBE,MISSING_DATE,MISSING_MID,NO_RECEIVED,"
	    "NO_RELAYS,TVD_SPACE_RATIO");
	/* Ham, with -0.0. */
	CHECK_INT(parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 33\r\n"
	    "Spam: False ; -0.0 / 5.0\r\n\r\nMSGID_SHORT,NO_RECEIVED,NO_RELAYS"),
	    SPAMD_REPLY_SCORED);
	CHECK_INT(r.is_spam, 0);
	CHECK_INT(r.score_milli, 0);
	CHECK_INT(r.n_symbols, 3);
	/* CHECK's reply: no body, no Content-length. */
	CHECK_INT(parse("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.0 / 5.0\r\n"
	    "\r\n"), SPAMD_REPLY_SCORED);
	CHECK_INT(r.n_symbols, 0);
	CHECK_STR(r.symbols, "");
	/* spamd's refusals. */
	CHECK_INT(parse("SPAMD/1.0 76 Bad header line: (Content-Length "
	    "mismatch: Expected 999 bytes, got 3 bytes)\r\n"),
	    SPAMD_REPLY_REFUSED);
	CHECK_INT(r.code, 76);
	CHECK_STR(r.text, "Bad header line: (Content-Length mismatch: "
	    "Expected 999 bytes, got 3 bytes)");
	/* Yes/No, no spaces, a negative score, a trailing CRLF, more
	 * headers. */
	CHECK_INT(parse("SPAMD/1.5 0 EX_OK\r\nDidSet: x\r\nspam: Yes;-2.125/"
	    "3\r\ncontent-length: 5\r\n\r\nA_1\r\n"), SPAMD_REPLY_SCORED);
	CHECK_INT(r.is_spam, 1);
	CHECK_INT(r.score_milli, -2125);
	CHECK_INT(r.threshold_milli, 3000);
	CHECK_STR(r.symbols, "A_1");
}

static void
test_refusals(void)
{
	char big[SPAMD_REPLY_MAX + 2];
	char many[8192];
	size_t n;

	check_malformed("", "no status line");
	check_malformed("SPAMD/1.1 0 EX_OK", "no status line");
	check_malformed("SPAMD/1.1 0 EX_OK\n\r\n", "no status line");
	check_malformed("SPAMC/1.1 0 EX_OK\r\n\r\n",
	    "status line is not SPAMD/1.x");
	check_malformed("SPAMD/2.0 0 EX_OK\r\n\r\n",
	    "status line is not SPAMD/1.x");
	check_malformed("SPAMD/1. 0 EX_OK\r\n\r\n", "bad protocol version");
	check_malformed("SPAMD/1.123 0 EX_OK\r\n\r\n", "bad protocol version");
	check_malformed("SPAMD/1.1 x EX_OK\r\n\r\n", "bad status code");
	check_malformed("SPAMD/1.1 1000 EX_OK\r\n\r\n", "bad status code");
	check_malformed("SPAMD/1.1 0 EX_NOT\r\n\r\n", "code 0 without EX_OK");
	check_malformed("SPAMD/1.0 76 Bad\r\nSpam: True ; 1 / 5\r\n\r\n",
	    "bytes after an error status");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n",
	    "headers not ended by an empty line");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\n\r\n",
	    "headers not ended by an empty line");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nnot a header\r\n\r\n",
	    "header line without a name");
	check_malformed("SPAMD/1.1 0 EX_OK\r\n: x\r\n\r\n",
	    "header line without a name");
	check_malformed("SPAMD/1.1 0 EX_OK\r\n\r\n", "no Spam header");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Spam: True ; 1 / 5\r\n\r\n", "Spam header twice");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True 1 / 5\r\n\r\n",
	    "Spam header without ';'");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: Maybe ; 1 / 5\r\n\r\n",
	    "Spam header is neither True nor False");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 5\r\n\r\n",
	    "Spam header without '/'");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1.2345 / 5\r\n"
	    "\r\n", "bad score");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000000 / 5\r\n"
	    "\r\n", "bad score");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; - / 5\r\n\r\n",
	    "bad score");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; +1 / 5\r\n\r\n",
	    "bad score");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1. / 5\r\n\r\n",
	    "bad score");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / \r\n\r\n",
	    "bad threshold");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5 / 6\r\n"
	    "\r\n", "bad threshold");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: x\r\n\r\n", "bad Content-length");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 123456\r\n\r\n", "bad Content-length");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 1\r\nContent-length: 1\r\n\r\nA",
	    "Content-length twice");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 3\r\n\r\nAB", "body length differs from "
	    "Content-length");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 1\r\n\r\nAB", "body length differs from "
	    "Content-length");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "\r\nA", "body length differs from Content-length");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 3\r\n\r\nA,,", "bad symbol in the body");
	check_malformed("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
	    "Content-length: 3\r\n\r\nA-B", "bad symbol in the body");
	{
		static const char nul[] = "SPAMD/1.1 0 EX_OK\r\nSpam: True ; "
		    "1 / 5\r\nContent-length: 2\r\n\r\nA";

		/* sizeof counts the NUL: the body is "A\0". */
		CHECK_INT(spamd_reply_parse((const uint8_t *)nul, sizeof(nul),
		    &r), SPAMD_REPLY_MALFORMED);
		CHECK_STR(r.text, "bad symbol in the body");
	}
	/* A NUL in a header. */
	CHECK_INT(spamd_reply_parse((const uint8_t *)"SPAMD/1.1 0 EX_OK\r\n"
	    "Sp\0m: True ; 1 / 5\r\n\r\n", 40, &r), SPAMD_REPLY_MALFORMED);
	CHECK_STR(r.text, "headers not ended by an empty line");
	/* Seventeen headers. */
	n = (size_t)snprintf(many, sizeof(many), "SPAMD/1.1 0 EX_OK\r\n");
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X%d: y\r\n",
		    i);
	snprintf(many + n, sizeof(many) - n, "\r\n");
	check_malformed(many, "too many headers");
	/* A symbol of 101 characters. */
	n = (size_t)snprintf(many, sizeof(many), "SPAMD/1.1 0 EX_OK\r\n"
	    "Spam: True ; 1 / 5\r\nContent-length: 101\r\n\r\n");
	memset(many + n, 'A', 101);
	many[n + 101] = '\0';
	check_malformed(many, "bad symbol in the body");
	/* Over SPAMD_REPLY_MAX. */
	memset(big, 'A', sizeof(big));
	CHECK_INT(spamd_reply_parse((const uint8_t *)big, SPAMD_REPLY_MAX + 1,
	    &r), SPAMD_REPLY_MALFORMED);
	CHECK_STR(r.text, "reply too long");
}

/* More symbols than SPAMD_SYMBOLS_MAX: counted, the first kept. */
static void
test_many_symbols(void)
{
	static char buf[16384];
	char body[8192];
	size_t b = 0;

	for (int i = 0; i < 70; i++)
		b += (size_t)snprintf(body + b, sizeof(body) - b, "%sR%d",
		    i ? "," : "", i);
	snprintf(buf, sizeof(buf), "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 9 / 5"
	    "\r\nContent-length: %zu\r\n\r\n%s", b, body);
	CHECK_INT(parse(buf), SPAMD_REPLY_SCORED);
	CHECK_INT(r.n_symbols, 70);
	CHECK_INT(r.n_kept, SPAMD_SYMBOLS_MAX);
	CHECK(strncmp(r.symbols, "R0,R1,", 6) == 0);
	CHECK(strstr(r.symbols, ",R63") != NULL);
	CHECK(strstr(r.symbols, ",R64") == NULL);
}

static void
test_score(void)
{
	int32_t m;

	CHECK_INT(spamd_score_parse("7.9", 3, &m), 0);
	CHECK_INT(m, 7900);
	CHECK_INT(spamd_score_parse("999999.999", 10, &m), 0);
	CHECK_INT(m, 999999999);
	CHECK_INT(spamd_score_parse("-999999.999", 11, &m), 0);
	CHECK_INT(m, -999999999);
	CHECK_INT(spamd_score_parse("", 0, &m), -1);
	CHECK_INT(spamd_score_parse(".5", 2, &m), -1);
	CHECK_INT(spamd_score_parse("1.5.5", 5, &m), -1);
	CHECK_INT(spamd_score_parse("--1", 3, &m), -1);
}

int
main(void)
{
	test_real();
	test_refusals();
	test_many_symbols();
	test_score();
	return CHECK_DONE();
}
