/* tests: the mhr role's DNS query builder and reply parser
 * (scanners/dns_query.c, dns_reply.c) on replies dnsmasq 2.90 really
 * sends and on what they must refuse: truncated, oversize, another id,
 * another question, compression loops, NXDOMAIN, SERVFAIL, bad TXT. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "dns_msg.h"

#define ID 0x1234u
#define NAME "275a021bbfb6489e54d471899f7db9d1." \
	"663fc695ec2fe2a2c4538aabf651fd0f.hash.cymru.com"

static uint8_t q[DNS_QUERY_MAX];
static size_t qlen;
static struct dns_reply r;

/* A reply built like dnsmasq's: header, our question, answers. */
static uint8_t b[2048];
static size_t blen;

static void
put(const void *p, size_t n)
{
	memcpy(b + blen, p, n);
	blen += n;
}

static void
put16(unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(x, 2);
}

static void
header(unsigned id, unsigned flags, unsigned qd, unsigned an)
{
	blen = 0;
	put16(id);
	put16(flags);
	put16(qd);
	put16(an);
	put16(0);
	put16(0);
}

/* The question exactly as the query has it. */
static void
question(void)
{
	put(q + DNS_HEADER_LEN, qlen - DNS_HEADER_LEN);
}

static void
txt_answer(const char *text)
{
	size_t n = strlen(text);

	put16(0xc00c);		/* the question's name */
	put16(DNS_TYPE_TXT);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);		/* ttl */
	put16((unsigned)n + 1);
	b[blen++] = (uint8_t)n;
	put(text, n);
}

static enum dns_reply_kind
parse(void)
{
	return dns_reply_parse(b, blen, q, qlen, &r);
}

static void
test_build(void)
{
	uint8_t out[DNS_QUERY_MAX];
	char label64[80], long_name[300];

	qlen = dns_query_build(ID, NAME, DNS_TYPE_TXT, q, sizeof(q));
	CHECK_INT(qlen, DNS_HEADER_LEN + 1 + 32 + 1 + 32 + 1 + 4 + 1 + 5 +
	    1 + 3 + 1 + 4);
	CHECK_INT(q[0], 0x12);
	CHECK_INT(q[1], 0x34);
	CHECK_INT(q[2], 0x01);	/* RD */
	CHECK_INT(q[5], 1);	/* one question */
	CHECK_INT(q[DNS_HEADER_LEN], 32);
	/* A trailing dot is the same name. */
	CHECK_INT(dns_query_build(ID, NAME ".", DNS_TYPE_TXT, out,
	    sizeof(out)), qlen);
	CHECK(memcmp(out, q, qlen) == 0);
	/* Refused: empty, empty label, label over 63, name over 255, a
	 * buffer too small. */
	CHECK_INT(dns_query_build(ID, "", DNS_TYPE_TXT, out, sizeof(out)), 0);
	CHECK_INT(dns_query_build(ID, "a..b", DNS_TYPE_TXT, out, sizeof(out)),
	    0);
	CHECK_INT(dns_query_build(ID, ".a", DNS_TYPE_TXT, out, sizeof(out)),
	    0);
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".b");
	CHECK_INT(dns_query_build(ID, label64, DNS_TYPE_TXT, out,
	    sizeof(out)), 0);
	for (int i = 0; i < 100; i++)
		memcpy(long_name + 3 * i, "ab.", 3);
	strcpy(long_name + 297, "ab");
	CHECK_INT(dns_query_build(ID, long_name, DNS_TYPE_TXT, out,
	    sizeof(out)), 0);
	CHECK_INT(dns_query_build(ID, NAME, DNS_TYPE_TXT, out, 20), 0);
}

static void
test_listed(void)
{
	header(ID, 0x8580, 1, 1);
	question();
	txt_answer("1700000000 80");
	CHECK_INT(parse(), DNS_REPLY_LISTED);
	CHECK_INT(r.percent, 80);
	CHECK_INT(r.last_seen, 1700000000);
	CHECK_INT(dns_reply_kind_name(r.kind)[0], 'l');

	/* The question in other case is still ours (DNS names compare
	 * case-insensitively); so is 0 and 100 percent. */
	header(ID, 0x8580, 1, 1);
	question();
	for (size_t i = DNS_HEADER_LEN; i < blen; i++)
		if (b[i] >= 'a' && b[i] <= 'z')
			b[i] -= 'a' - 'A';
	txt_answer("1 100");
	CHECK_INT(parse(), DNS_REPLY_LISTED);
	CHECK_INT(r.percent, 100);
	header(ID, 0x8580, 1, 1);
	question();
	txt_answer("0 0");
	CHECK_INT(parse(), DNS_REPLY_LISTED);

	/* Two TXT: the higher percent stands. */
	header(ID, 0x8580, 1, 2);
	question();
	txt_answer("1700000000 20");
	txt_answer("1600000000 90");
	CHECK_INT(parse(), DNS_REPLY_LISTED);
	CHECK_INT(r.percent, 90);
	CHECK_INT(r.last_seen, 1600000000);
}

static void
test_not_listed(void)
{
	header(ID, 0x8183, 1, 0);	/* NXDOMAIN, as dnsmasq --local says */
	question();
	CHECK_INT(parse(), DNS_REPLY_NOT_LISTED);
	CHECK_INT(r.rcode, 3);
	header(ID, 0x8580, 1, 0);	/* NOERROR, no data */
	question();
	CHECK_INT(parse(), DNS_REPLY_NOT_LISTED);
}

static void
test_server_failed(void)
{
	header(ID, 0x8182, 1, 0);
	question();
	CHECK_INT(parse(), DNS_REPLY_SERVER_FAILED);
	CHECK_INT(r.rcode, 2);
	header(ID, 0x8182, 0, 0);	/* SERVFAIL without its question */
	CHECK_INT(parse(), DNS_REPLY_SERVER_FAILED);
	header(ID, 0x8185, 1, 0);	/* REFUSED: dnsmasq --no-resolv */
	question();
	CHECK_INT(parse(), DNS_REPLY_SERVER_FAILED);
	CHECK(strstr(r.why, "rcode 5") != NULL);
}

static void
expect_malformed(const char *reason)
{
	CHECK_INT(parse(), DNS_REPLY_MALFORMED);
	if (strstr(r.why, reason) == NULL) {
		fprintf(stderr, "why \"%s\", expected \"%s\"\n", r.why, reason);
		check_failures++;
	}
}

static void
test_refused(void)
{
	size_t at;

	/* Truncated: a short header, a cut answer, the TC bit. */
	header(ID, 0x8580, 1, 1);
	blen = 7;
	expect_malformed("shorter than a header");
	header(ID, 0x8580, 1, 1);
	question();
	txt_answer("1700000000 80");
	blen -= 5;
	expect_malformed("runs past the end");
	header(ID, 0x8780, 1, 0);
	question();
	CHECK_INT(parse(), DNS_REPLY_TRUNCATED);

	/* Oversize: over 512 bytes without EDNS0. */
	header(ID, 0x8580, 1, 1);
	question();
	txt_answer("1700000000 80");
	memset(b + blen, 0, 600);
	blen += 600;
	expect_malformed("longer than 512");

	/* Another id, or a query instead of a reply: not ours. */
	header(ID + 1, 0x8580, 1, 1);
	question();
	txt_answer("1700000000 80");
	CHECK_INT(parse(), DNS_REPLY_NOT_OURS);
	header(ID, 0x0100, 1, 1);
	question();
	CHECK_INT(parse(), DNS_REPLY_NOT_OURS);

	/* Another question: name, type; two questions. */
	header(ID, 0x8580, 1, 1);
	question();
	b[DNS_HEADER_LEN + 1] = '0';
	txt_answer("1700000000 80");
	expect_malformed("not our question");
	header(ID, 0x8580, 1, 1);
	question();
	b[blen - 3] = 1;	/* type A */
	expect_malformed("not our question");
	header(ID, 0x8580, 2, 0);
	question();
	question();
	expect_malformed("not one question");

	/* Compression: a pointer to itself, a forward one, a chain of
	 * backward ones past the bound; an unknown label type. */
	header(ID, 0x8580, 1, 1);
	question();
	at = blen;
	txt_answer("1700000000 80");
	b[at] = 0xc0;
	b[at + 1] = (uint8_t)at;
	expect_malformed("does not point back");
	b[at + 1] = (uint8_t)(at + 2);
	expect_malformed("does not point back");
	b[at] = 0x40;
	expect_malformed("unknown label type");
	header(ID, 0xc00c, 1, 0);
	blen = DNS_HEADER_LEN;
	put16(0xc00c);		/* the question's name points at itself */
	put16(DNS_TYPE_TXT);
	put16(DNS_CLASS_IN);
	b[3] = 0x80;
	b[2] = 0x85;
	expect_malformed("does not point back");
	/* 20 pointers, each one back to the one before it, in the data of
	 * an answer of a type nobody asked for; the next answer's name is
	 * the last of them. */
	header(ID, 0x8580, 1, 2);
	question();
	put16(0xc00c);
	put16(99);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);
	put16(1 + 2 * 20);
	{
		size_t first = blen;

		b[blen++] = 0;	/* the root name */
		for (int i = 0; i < 20; i++)
			put16(0xc000 | (unsigned)(i == 0 ? first : blen - 2));
		put16(0xc000 | (unsigned)(blen - 2));
		put16(DNS_TYPE_TXT);
		put16(DNS_CLASS_IN);
		put16(0);
		put16(0);
		put16(0);
	}
	expect_malformed("too many compression pointers");

	/* TXT that is not "<epoch> <percent>". */
	static const char *const bad_txt[] = { "", "1700000000", "x 80",
	    "1700000000 101", "1700000000  80", "1700000000 80 ",
	    "01 80", "1 080", "1234567890123 1", "-1 5", "1 8a" };
	for (size_t i = 0; i < sizeof(bad_txt) / sizeof(bad_txt[0]); i++) {
		header(ID, 0x8580, 1, 1);
		question();
		txt_answer(bad_txt[i]);
		CHECK_INT(parse(), DNS_REPLY_MALFORMED);
	}
	/* A TXT string longer than its record. */
	header(ID, 0x8580, 1, 1);
	question();
	txt_answer("1700000000 80");
	b[blen - 14] = 40;
	expect_malformed("TXT string runs past");
	/* Too many answers. */
	header(ID, 0x8580, 1, DNS_ANSWERS_MAX + 1);
	question();
	expect_malformed("too many answers");
	/* A CNAME chain to the TXT is followed; a CNAME loop is bounded. */
	header(ID, 0x8580, 1, 2);
	question();
	put16(0xc00c);
	put16(DNS_TYPE_CNAME);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);
	put16(7);
	put("\x01x\xc0\x0c", 4);
	put("\x00\x00\x00", 3);
	expect_malformed("bytes after its name");
}

static void
test_cname(void)
{
	size_t target;

	header(ID, 0x8580, 1, 2);
	question();
	put16(0xc00c);
	put16(DNS_TYPE_CNAME);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);
	put16(4);
	target = blen;
	put("\x01x\xc0\x0c", 4);
	put16(0xc000 | (unsigned)target);
	put16(DNS_TYPE_TXT);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);
	put16(6);
	put("\x05" "9 100", 6);
	CHECK_INT(parse(), DNS_REPLY_LISTED);
	CHECK_INT(r.percent, 100);
	/* The TXT of a name the chain does not reach does not count. */
	header(ID, 0x8580, 1, 1);
	question();
	put("\x01y\xc0\x0c", 4);
	put16(DNS_TYPE_TXT);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(0);
	put16(6);
	put("\x05" "9 100", 6);
	CHECK_INT(parse(), DNS_REPLY_NOT_LISTED);
}

int
main(void)
{
	test_build();
	test_listed();
	test_not_listed();
	test_server_failed();
	test_refused();
	test_cname();
	return CHECK_DONE();
}
