/* tests: the record format (common/record.c), the unpack role's record
 * order (common/part_order.c) and the unpack decoder
 * (broker/unpack_facts.c): what is accepted, and every refusal. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "facts.h"
#include "part_order.h"

static struct rec_writer w;

static void
hello(uint16_t role, uint32_t version)
{
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, version);
	rec_put_u16(&w, role);
}

static void
part(uint32_t index, uint32_t parent, uint16_t depth, uint64_t size)
{
	rec_begin(&w, REC_PART);
	rec_put_u32(&w, index);
	rec_put_u32(&w, parent);
	rec_put_u16(&w, depth);
	rec_put_u16(&w, PART_LEAF);
	rec_put_u16(&w, 0);
	rec_put_u64(&w, size);
	rec_put_str(&w, "1", 1);
	rec_put_str(&w, "text/plain", 10);
	rec_put_str(&w, "us-ascii", 8);
	rec_put_str(&w, "7bit", 4);
	rec_put_str(&w, "", 0);
}

static void
part_full(uint32_t index, uint32_t parent, uint16_t depth, uint16_t kind,
    uint16_t flags, const char *detected)
{
	rec_begin(&w, REC_PART);
	rec_put_u32(&w, index);
	rec_put_u32(&w, parent);
	rec_put_u16(&w, depth);
	rec_put_u16(&w, kind);
	rec_put_u16(&w, flags);
	rec_put_u64(&w, 0);
	rec_put_str(&w, "1", 1);
	rec_put_str(&w, "application/zip", 15);
	rec_put_str(&w, "", 0);
	rec_put_str(&w, "", 0);
	rec_put_str(&w, detected, strlen(detected));
}

static void
header_field(uint32_t part_index, const char *name, const char *value)
{
	rec_begin(&w, REC_HEADER_FIELD);
	rec_put_u32(&w, part_index);
	rec_put_str(&w, name, strlen(name));
	rec_put_str(&w, value, strlen(value));
}

static void
content(uint32_t part_index, uint64_t size)
{
	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, part_index);
	rec_put_u64(&w, size);
}

static void
filename(uint32_t part_index, const char *name)
{
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, part_index);
	rec_put_u8(&w, FN_DISPOSITION_FILENAME);
	rec_put_str(&w, name, strlen(name));
}

static void
anomaly(uint32_t part_index, uint16_t code)
{
	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, part_index);
	rec_put_u16(&w, code);
	rec_put_str(&w, "", 0);
}

/* Finishes the record in w (fills its length) and feeds it. */
static int
feed(struct unpack_decoder *d, int fd)
{
	size_t payload = w.len - RECORD_HEADER_LEN;

	CHECK(!w.failed);
	for (int i = 0; i < 4; i++)
		w.buf[4 + i] = (payload >> (8 * i)) & 0xff;
	return unpack_decoder_feed(d, w.buf, w.len, fd);
}

static void
start(struct unpack_decoder *d, struct message_facts *f)
{
	message_facts_init(f);
	unpack_decoder_init(d, f, 100, 1 << 20);
	hello(ROLE_UNPACK, RECORD_VERSION);
	CHECK_INT(feed(d, -1), 0);
}

static int
sealed_memfd(const char *data, size_t len, int seal)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	if (seal)
		CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
		    F_SEAL_SHRINK | F_SEAL_SEAL) == 0);
	return fd;
}

static void
test_good_stream(void)
{
	struct message_facts f;
	struct unpack_decoder d;

	start(&d, &f);
	rec_begin(&w, REC_HEADER);
	rec_put_u8(&w, HDR_SUBJECT);
	rec_put_str(&w, "hi", 2);
	CHECK_INT(feed(&d, -1), 0);
	part(0, REC_NO_PARENT, 0, 5);
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, 0);
	rec_put_u8(&w, FN_DISPOSITION_FILENAME);
	rec_put_str(&w, "a.txt", 5);
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, 0);
	rec_put_u64(&w, 5);
	CHECK_INT(feed(&d, sealed_memfd("hello", 5, 1)), 0);
	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, REC_NO_PARENT);
	rec_put_u16(&w, ANOM_LIMIT_PARTS);
	rec_put_str(&w, "", 0);
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 1);
	rec_put_u32(&w, 1);
	CHECK_INT(feed(&d, -1), 0);
	CHECK(unpack_decoder_done(&d));
	CHECK_INT(f.parts->len, 1);
	CHECK(strcmp(((struct part_fact *)f.parts->pdata[0])->filenames->pdata[0],
	    "a.txt") == 0);
	CHECK(strcmp(f.headers[HDR_SUBJECT], "hi") == 0);
	CHECK(message_facts_limit(&f) != NULL);
	/* Anything after END is refused. */
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 1);
	rec_put_u32(&w, 1);
	CHECK_REFUSED(feed(&d, -1), d.error, "record after end");
	message_facts_clear(&f);
}

/* A child two levels below its parent. */
static void
test_wrong_depth(void)
{
	struct message_facts f;
	struct unpack_decoder d;

	start(&d, &f);
	part_full(0, REC_NO_PARENT, 0, PART_MULTIPART, 0, "");
	CHECK_INT(feed(&d, -1), 0);
	part(1, 0, 2, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "inconsistent parent or depth");
	message_facts_clear(&f);
}

static void
test_refusals(void)
{
	struct message_facts f;
	struct unpack_decoder d;
	uint8_t junk[16] = { 0 };

	/* Not a hello first; wrong version; wrong role. */
	message_facts_init(&f);
	unpack_decoder_init(&d, &f, 100, 1 << 20);
	part(0, REC_NO_PARENT, 0, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "first record is not hello");
	unpack_decoder_init(&d, &f, 100, 1 << 20);
	hello(ROLE_UNPACK, RECORD_VERSION + 1);
	CHECK_REFUSED(feed(&d, -1), d.error, "bad hello");
	unpack_decoder_init(&d, &f, 100, 1 << 20);
	hello(ROLE_CANARY, RECORD_VERSION);
	CHECK_REFUSED(feed(&d, -1), d.error, "bad hello");
	message_facts_clear(&f);

	/* Short header, unknown type, length that disagrees. */
	start(&d, &f);
	CHECK_REFUSED(unpack_decoder_feed(&d, junk, 4, -1), d.error,
	    "bad record header");
	junk[0] = 99;
	CHECK_REFUSED(unpack_decoder_feed(&d, junk, 8, -1), d.error,
	    "bad record header");
	junk[0] = REC_END;
	junk[4] = 7;	/* says 7 bytes of payload, 8 follow */
	CHECK_REFUSED(unpack_decoder_feed(&d, junk, 16, -1), d.error,
	    "bad record header");
	/* One byte over RECORD_MAX, whatever its header says. */
	{
		g_autofree uint8_t *big = g_malloc0(RECORD_MAX + 1);
		uint32_t payload = RECORD_MAX + 1 - RECORD_HEADER_LEN;

		big[0] = REC_HEADER;
		for (int i = 0; i < 4; i++)
			big[4 + i] = (payload >> (8 * i)) & 0xff;
		CHECK_REFUSED(unpack_decoder_feed(&d, big, RECORD_MAX + 1, -1),
		    d.error, "bad record header");
	}
	/* Leftover bytes after the fields. */
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 0);
	rec_put_u32(&w, 0);
	rec_put_u8(&w, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed end");
	/* Parts out of order, parent after child, wrong depth. */
	part(1, REC_NO_PARENT, 0, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "part out of order");
	part(0, 0, 1, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "inconsistent parent or depth");
	part(0, REC_NO_PARENT, 0, 3);
	CHECK_INT(feed(&d, -1), 0);
	/* (A wrong depth: test_wrong_depth; here the order rule comes
	 * first.) */
	part(1, 0, 2, 0);
	CHECK_REFUSED(feed(&d, -1), d.error,
	    "part before the previous part's content");
	/* Filename for a part that does not exist; NUL inside a string. */
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, 7);
	rec_put_u8(&w, 0);
	rec_put_str(&w, "x", 1);
	CHECK_REFUSED(feed(&d, -1), d.error,
	    "filename not right after its part");
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, 0);
	rec_put_u8(&w, 0);
	rec_put_u16(&w, 3);
	rec_put_u8(&w, 'a');
	rec_put_u8(&w, 0);
	rec_put_u8(&w, 'b');
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed filename");
	/* A descriptor on a record that takes none. */
	rec_begin(&w, REC_HEADER);
	rec_put_u8(&w, HDR_FROM);
	rec_put_str(&w, "a", 1);
	CHECK_REFUSED(feed(&d, sealed_memfd("abc", 3, 1)), d.error,
	    "descriptor on a record that takes none");
	/* Content: no descriptor; not sealed; wrong size. */
	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, 0);
	rec_put_u64(&w, 3);
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed content");
	CHECK_REFUSED(feed(&d, sealed_memfd("abc", 3, 0)), d.error,
	    "content descriptor not a sealed memfd of the declared size");
	CHECK_REFUSED(feed(&d, sealed_memfd("abcd", 4, 1)), d.error,
	    "content descriptor not a sealed memfd of the declared size");
	CHECK_INT(feed(&d, sealed_memfd("abc", 3, 1)), 0);
	/* Twice for one part. */
	CHECK_REFUSED(feed(&d, sealed_memfd("abc", 3, 1)), d.error,
	    "content not right after its part and filenames");
	/* END counts that do not match what was sent. */
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 2);
	rec_put_u32(&w, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "end counts disagree");
	CHECK(!unpack_decoder_done(&d));
	CHECK(d.error[0] != '\0');
	message_facts_clear(&f);
}

static void
test_writer_limits(void)
{
	char big[RECORD_STR_MAX + 2];
	char clean[RECORD_STR_MAX + 1];
	int truncated;

	memset(big, 'x', sizeof(big));
	rec_begin(&w, REC_HEADER);
	rec_put_str(&w, big, RECORD_STR_MAX + 1);
	CHECK(w.failed);
	rec_begin(&w, REC_HEADER);
	rec_put_str(&w, "a\0b", 3);
	CHECK(w.failed);
	CHECK_INT(rec_clean_str("a\0b", 3, clean, &truncated), 3);
	CHECK(strcmp(clean, "a?b") == 0 && !truncated);
	CHECK_INT(rec_clean_str(big, sizeof(big), clean, &truncated),
	    RECORD_STR_MAX);
	CHECK(truncated);
	/* A record cannot outgrow RECORD_MAX. */
	rec_begin(&w, REC_HEADER);
	for (int i = 0; i < 20; i++)
		rec_put_str(&w, big, RECORD_STR_MAX);
	CHECK(w.failed);
}

/* Version 2: part flags and detected type, header fields, new codes. */
static void
test_version2(void)
{
	struct message_facts f;
	struct unpack_decoder d;
	struct part_fact *pf;
	struct header_field_fact *h;
	char big[HEADER_VALUE_MAX + 2];

	CHECK_INT(RECORD_VERSION, 6);
	start(&d, &f);
	header_field(REC_NO_PARENT, "Received", "from a by b");
	CHECK_INT(feed(&d, -1), 0);
	header_field(REC_NO_PARENT, "X-Spam", "yes");
	CHECK_INT(feed(&d, -1), 0);
	header_field(REC_NO_PARENT, "", "nameless");
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed header field");
	memset(big, 'v', sizeof(big));
	big[HEADER_VALUE_MAX + 1] = '\0';
	header_field(REC_NO_PARENT, "X-Long", big);
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed header field");
	header_field(7, "X-Who", "unknown part");
	CHECK_REFUSED(feed(&d, -1), d.error,
	    "header field out of order or for an unknown part");
	part_full(0, REC_NO_PARENT, 0, PART_LEAF, 2, "");	/* reserved */
	CHECK_REFUSED(feed(&d, -1), d.error, "reserved part flag set");
	part_full(0, REC_NO_PARENT, 0, PART_KIND_MAX + 1, 0, "");
	CHECK_REFUSED(feed(&d, -1), d.error, "unknown part kind");
	part_full(0, REC_NO_PARENT, 0, PART_LEAF, 0, "application/zip");
	CHECK_INT(feed(&d, -1), 0);
	content(0, 0);
	CHECK_INT(feed(&d, sealed_memfd("", 0, 1)), 0);
	part_full(1, 0, 1, PART_ARCHIVE_MEMBER, PART_FLAG_ENCRYPTED, "");
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, 1);
	rec_put_u8(&w, FN_ARCHIVE_PATH);
	rec_put_str(&w, "a/b.doc", 7);
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, 1);
	rec_put_u8(&w, FN_SOURCE_MAX + 1);
	rec_put_str(&w, "x", 1);
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed filename");
	content(1, 0);
	CHECK_INT(feed(&d, sealed_memfd("", 0, 1)), 0);
	/* The top-level message's fields come before the first part. */
	header_field(REC_NO_PARENT, "Subject", "late");
	CHECK_REFUSED(feed(&d, -1), d.error,
	    "header record after the first part");
	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, 1);
	rec_put_u16(&w, ANOM_LIMIT_EXPANSION_RATIO);
	rec_put_str(&w, "1000:1", 6);
	CHECK_INT(feed(&d, -1), 0);
	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, 1);
	rec_put_u16(&w, ANOM_CODE_MAX + 1);
	rec_put_str(&w, "", 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "malformed anomaly");
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 2);
	rec_put_u32(&w, 1);
	CHECK_INT(feed(&d, -1), 0);
	CHECK(unpack_decoder_done(&d));
	CHECK_INT(f.header_fields->len, 2);
	h = f.header_fields->pdata[1];
	CHECK(strcmp(h->name, "X-Spam") == 0 && strcmp(h->value, "yes") == 0);
	CHECK(h->part == REC_NO_PARENT);
	pf = f.parts->pdata[0];
	CHECK(strcmp(pf->detected_type, "application/zip") == 0);
	pf = f.parts->pdata[1];
	CHECK(pf->flags == PART_FLAG_ENCRYPTED && pf->kind == PART_ARCHIVE_MEMBER);
	CHECK(message_facts_limit(&f) != NULL);
	message_facts_clear(&f);

	/* At most HEADER_FIELDS_MAX fields. */
	start(&d, &f);
	for (unsigned i = 0; i < HEADER_FIELDS_MAX; i++) {
		header_field(REC_NO_PARENT, "X-H", "v");
		CHECK_INT(feed(&d, -1), 0);
	}
	header_field(REC_NO_PARENT, "X-H", "one too many");
	CHECK_REFUSED(feed(&d, -1), d.error, "too many header fields");
	message_facts_clear(&f);
}

/* Names are stable: logs, JSON and policy rules use them. */
static void
test_anomaly_names(void)
{
	CHECK(strcmp(anomaly_code_name(ANOM_HEADER_CR_NUL), "header_cr_nul") == 0);
	CHECK(strcmp(anomaly_code_name(ANOM_DOUBLE_EXTENSION),
	    "double_extension") == 0);
	CHECK(strcmp(anomaly_code_name(ANOM_LIMIT_EXPANSION_RATIO),
	    "limit_expansion_ratio") == 0);
	CHECK(strcmp(anomaly_code_name(ANOM_CODE_MAX + 1), "unknown") == 0);
	CHECK_INT(ANOM_HEADER_CR_NUL, 8);
	CHECK_INT(ANOM_MALFORMED_MULTIPART, 21);
	CHECK_INT(ANOM_LIMIT_EXPANSION_RATIO, 29);
	for (unsigned c = 1; c <= ANOM_CODE_MAX; c++) {
		const char *n = anomaly_code_name(c);

		CHECK(strcmp(n, "unknown") != 0);
		CHECK_INT(anomaly_code_from_name(n, strlen(n)), c);
		CHECK(!(anomaly_is_limit(c) && anomaly_is_check(c)));
	}
	CHECK(anomaly_is_limit(ANOM_LIMIT_ARCHIVE_DEPTH));
	CHECK(anomaly_is_limit(ANOM_LIMIT_ARCHIVE_MEMBERS));
	CHECK(anomaly_is_limit(ANOM_LIMIT_EXPANDED_BYTES));
	CHECK(anomaly_is_limit(ANOM_LIMIT_EXPANSION_RATIO));
	CHECK(!anomaly_is_limit(ANOM_ARCHIVE_ENCRYPTED));
	CHECK(anomaly_is_check(ANOM_DOUBLE_EXTENSION));
	CHECK(anomaly_is_check(ANOM_NO_CONTENT_TYPE));
	CHECK(!anomaly_is_check(ANOM_PARSE_FAILED));
	CHECK(!anomaly_is_check(ANOM_TRUNCATED_STRING));
	CHECK_INT(anomaly_code_from_name("double_extensio", 15), 0);
	CHECK(strcmp(part_kind_name(PART_TNEF_ATTACHMENT), "tnef_attachment") == 0);
	CHECK(strcmp(filename_source_name(FN_TNEF), "tnef") == 0);
}

static int
scanner_feed(struct scanner_decoder *d, int fd)
{
	size_t payload = w.len - RECORD_HEADER_LEN;

	for (int i = 0; i < 4; i++)
		w.buf[4 + i] = (payload >> (8 * i)) & 0xff;
	return scanner_decoder_feed(d, w.buf, w.len, fd);
}

static void
verdict(uint32_t part, uint8_t result, const char *name)
{
	rec_begin(&w, REC_VERDICT);
	rec_put_u32(&w, part);
	rec_put_u8(&w, result);
	rec_put_str(&w, name, strlen(name));
}

static void
test_scanner_stream(void)
{
	static const uint32_t asked[] = { REC_NO_PARENT, 0, 2 };
	struct scanner_result res;
	struct scanner_decoder d;

	scanner_result_init(&res, ROLE_CLAMAV);
	scanner_decoder_init(&d, &res, asked, 3);
	hello(ROLE_CLAMD, RECORD_VERSION);	/* another scanner's hello */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "bad hello");
	scanner_decoder_init(&d, &res, asked, 3);
	hello(ROLE_CLAMAV, RECORD_VERSION);
	CHECK_INT(scanner_feed(&d, -1), 0);
	verdict(REC_NO_PARENT, SCAN_CLEAN, "");	/* engine must come first */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "second record is not engine");
	/* Engine strings go into a header: a line break is refused. */
	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "clamav", 6);
	rec_put_str(&w, "1.0\r\nX-Evil: y", 15);
	rec_put_str(&w, "27000", 5);
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "malformed engine");
	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "clamav", 6);
	rec_put_str(&w, "1.4.6", 5);
	rec_put_str(&w, "27000", 5);
	CHECK_INT(scanner_feed(&d, -1), 0);
	CHECK(strcmp(res.engine, "clamav") == 0);
	verdict(0, SCAN_CLEAN, "");		/* raw was asked first */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "verdict for a part not asked for, or out of order");
	verdict(REC_NO_PARENT, SCAN_VIRUS, "");	/* a virus has a name */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "virus without a name");
	verdict(REC_NO_PARENT, SCAN_VIRUS, "Eicar-Test-Signature");
	CHECK_INT(scanner_feed(&d, -1), 0);
	verdict(0, SCAN_CLEAN, "");
	CHECK_REFUSED(scanner_feed(&d, sealed_memfd("x", 1, 1)), d.error,
	    "descriptor from a scanner");
	CHECK_INT(scanner_feed(&d, -1), 0);
	rec_begin(&w, REC_END);			/* part 2 has no verdict yet */
	rec_put_u32(&w, 3);
	rec_put_u32(&w, 0);
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "end before every part had its verdict");
	verdict(2, SCAN_RESULT_MAX + 1, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "malformed verdict");
	verdict(2, SCAN_LIMIT, "size");
	CHECK_INT(scanner_feed(&d, -1), 0);
	verdict(2, SCAN_CLEAN, "");		/* more verdicts than asked */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "verdict for a part not asked for, or out of order");
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 3);
	rec_put_u32(&w, 0);
	CHECK_INT(scanner_feed(&d, -1), 0);
	CHECK(scanner_decoder_done(&d));
	CHECK_INT(res.verdicts->len, 3);
	scanner_result_clear(&res);
}

static void
reputation(uint32_t part, uint8_t status, uint8_t kind, uint8_t pct,
    uint64_t seen, const char *sha, const char *why)
{
	rec_begin(&w, REC_HASH_REPUTATION);
	rec_put_u32(&w, part);
	rec_put_u8(&w, status);
	rec_put_u8(&w, kind);
	rec_put_u8(&w, pct);
	rec_put_u64(&w, seen);
	rec_put_str(&w, sha, strlen(sha));
	rec_put_str(&w, why, strlen(why));
}

/* The mhr role's facts: one reputation before each clean verdict, each
 * consistent; no virus and no limit of its own (the broker decides). */
static void
test_scanner_mhr(void)
{
	static const uint32_t asked[] = { 0, 2 };
	static const char sha[] = "275a021bbfb6489e54d471899f7db9d1"
	    "663fc695ec2fe2a2c4538aabf651fd0f";
	struct scanner_result res;
	struct scanner_decoder d;

	/* Another scanner may not send one. */
	scanner_result_init(&res, ROLE_CLAMD);
	scanner_decoder_init(&d, &res, asked, 2);
	hello(ROLE_CLAMD, RECORD_VERSION);
	CHECK_INT(scanner_feed(&d, -1), 0);
	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "clamd", 5);
	rec_put_str(&w, "1.4.6", 5);
	rec_put_str(&w, "27000", 5);
	CHECK_INT(scanner_feed(&d, -1), 0);
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 80, 1700000000, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "record type not allowed for a scanner");
	scanner_result_clear(&res);

	scanner_result_init(&res, ROLE_MHR);
	scanner_decoder_init(&d, &res, asked, 2);
	hello(ROLE_MHR, RECORD_VERSION);
	CHECK_INT(scanner_feed(&d, -1), 0);
	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "mhr", 3);
	rec_put_str(&w, "1.0", 3);
	rec_put_str(&w, "hash.cymru.com", 14);
	CHECK_INT(scanner_feed(&d, -1), 0);
	verdict(0, SCAN_CLEAN, "");		/* no reputation before it */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "mhr verdict without its hash reputation");
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 101, 1, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "malformed hash reputation");
	reputation(0, HASH_REP_STATUS_MAX + 1, HASH_SHA256, 0, 0, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "malformed hash reputation");
	reputation(0, HASH_REP_LISTED, HASH_KIND_MAX + 1, 5, 1, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "malformed hash reputation");
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 5, 1,
	    "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
	    "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "malformed hash reputation");
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 5, 1, "abc", "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "malformed hash reputation");
	reputation(0, HASH_REP_NOT_LISTED, HASH_SHA256, 5, 0, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "percent or last seen for an unlisted part");
	reputation(0, HASH_REP_SKIPPED, HASH_SHA256, 0, 0, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "a skipped lookup says why");
	reputation(0, HASH_REP_NOT_LISTED, HASH_SHA256, 0, 0, sha, "x");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "a skipped lookup says why");
	reputation(2, HASH_REP_LISTED, HASH_SHA256, 80, 1, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "hash reputation for a part not asked for");
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 80, 1700000000, sha, "");
	CHECK_INT(scanner_feed(&d, -1), 0);
	reputation(0, HASH_REP_LISTED, HASH_SHA256, 80, 1700000000, sha, "");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "twice");
	verdict(0, SCAN_VIRUS, "MHR.80");	/* the role decides nothing */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "mhr decides nothing");
	verdict(0, SCAN_LIMIT, "x");
	CHECK_REFUSED(scanner_feed(&d, -1), d.error, "mhr decides nothing");
	verdict(0, SCAN_ERROR, "x");		/* error after its reputation */
	CHECK_REFUSED(scanner_feed(&d, -1), d.error,
	    "mhr error after a hash reputation");
	verdict(0, SCAN_CLEAN, "");
	CHECK_INT(scanner_feed(&d, -1), 0);
	/* Part 2: not readable, an error without a reputation. */
	verdict(2, SCAN_ERROR, "cannot read the part");
	CHECK_INT(scanner_feed(&d, -1), 0);
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 2);
	rec_put_u32(&w, 0);
	CHECK_INT(scanner_feed(&d, -1), 0);
	CHECK(scanner_decoder_done(&d));
	CHECK_INT(res.reputations->len, 1);
	CHECK_INT(g_array_index(res.reputations, struct hash_rep_fact,
	    0).percent, 80);
	CHECK(strcmp(g_array_index(res.reputations, struct hash_rep_fact,
	    0).sha256, sha) == 0);
	scanner_result_clear(&res);
	CHECK(strcmp(hash_rep_status_name(HASH_REP_SKIPPED), "skipped") == 0);
	CHECK(strcmp(hash_kind_name(HASH_MD5), "md5") == 0);
	CHECK(strcmp(role_id_name(ROLE_MHR), "mhr") == 0);
}

/* One record of an order case: type, part, kind. */
struct order_step {
	unsigned type;
	uint32_t part;
	unsigned kind;
};

#define ORDER_STEPS_MAX 8

/* The last step of each case is out of order, every step before it is
 * legal; the same cases go through the module and the decoder. */
static const struct {
	const char *what;
	struct order_step s[ORDER_STEPS_MAX];
	unsigned n;
} order_cases[] = {
	{ "filename after the part's content", { { REC_PART, 0, PART_LEAF },
	    { REC_FILENAME, 0, 0 }, { REC_CONTENT, 0, 0 },
	    { REC_FILENAME, 0, 0 } }, 4 },
	{ "filename after the part's anomaly", { { REC_PART, 0,
	    PART_MULTIPART }, { REC_ANOMALY, 0, 0 }, { REC_FILENAME, 0, 0 } },
	    3 },
	{ "filename for an earlier part", { { REC_PART, 0, PART_MULTIPART },
	    { REC_PART, 1, PART_MULTIPART }, { REC_FILENAME, 0, 0 } }, 3 },
	{ "filename after a child", { { REC_PART, 0, PART_MESSAGE },
	    { REC_PART, 1, PART_MULTIPART }, { REC_FILENAME, 0, 0 } }, 3 },
	{ "filename before any part", { { REC_FILENAME, 0, 0 } }, 1 },
	{ "content before any part", { { REC_CONTENT, 0, 0 } }, 1 },
	{ "content for a multipart", { { REC_PART, 0, PART_MULTIPART },
	    { REC_CONTENT, 0, 0 } }, 2 },
	{ "content for a message part", { { REC_PART, 0, PART_MESSAGE },
	    { REC_CONTENT, 0, 0 } }, 2 },
	{ "content twice", { { REC_PART, 0, PART_LEAF },
	    { REC_CONTENT, 0, 0 }, { REC_CONTENT, 0, 0 } }, 3 },
	{ "content for an earlier part", { { REC_PART, 0, PART_MULTIPART },
	    { REC_PART, 1, PART_LEAF }, { REC_CONTENT, 0, 0 } }, 3 },
	{ "content after an anomaly", { { REC_PART, 0, PART_MULTIPART },
	    { REC_PART, 1, PART_UUENCODED }, { REC_ANOMALY, 0, 0 } }, 3 },
	{ "part before the previous leaf's content", { { REC_PART, 0,
	    PART_MULTIPART }, { REC_PART, 1, PART_LEAF },
	    { REC_PART, 2, PART_LEAF } }, 3 },
	{ "part before an archive member's content", { { REC_PART, 0,
	    PART_LEAF }, { REC_CONTENT, 0, 0 }, { REC_PART, 1,
	    PART_ARCHIVE_MEMBER }, { REC_FILENAME, 1, 0 }, { REC_PART, 2,
	    PART_TNEF_ATTACHMENT } }, 5 },
	{ "end before the last part's content", { { REC_PART, 0,
	    PART_TNEF_ATTACHMENT }, { REC_FILENAME, 0, 0 }, { REC_END, 0, 0 } },
	    3 },
	{ "header fact after the first part", { { REC_PART, 0,
	    PART_MULTIPART }, { REC_HEADER, 0, 0 } }, 2 },
	{ "header field after the first part", { { REC_HEADER_FIELD, 0, 0 },
	    { REC_PART, 0, PART_MULTIPART }, { REC_HEADER_FIELD, 0, 0 } }, 3 },
	{ "record after end", { { REC_END, 0, 0 }, { REC_ANOMALY, 0, 0 } },
	    2 },
};

static void
test_part_order(void)
{
	static const struct order_step good[] = {
		{ REC_HEADER, 0, 0 }, { REC_HEADER_FIELD, 0, 0 },
		{ REC_ANOMALY, 0, 0 }, { REC_HEADER, 0, 0 },
		{ REC_PART, 0, PART_MULTIPART }, { REC_FILENAME, 0, 0 },
		{ REC_ANOMALY, 0, 0 },
		{ REC_PART, 1, PART_LEAF }, { REC_FILENAME, 1, 0 },
		{ REC_FILENAME, 1, 0 }, { REC_CONTENT, 1, 0 },
		{ REC_ANOMALY, 1, 0 }, { REC_ANOMALY, 0, 0 },
		{ REC_PART, 2, PART_UUENCODED }, { REC_CONTENT, 2, 0 },
		{ REC_PART, 3, PART_ARCHIVE_MEMBER }, { REC_FILENAME, 3, 0 },
		{ REC_CONTENT, 3, 0 },
		{ REC_PART, 4, PART_MESSAGE }, { REC_PART, 5, PART_LEAF },
		{ REC_CONTENT, 5, 0 }, { REC_ANOMALY, 3, 0 },
		{ REC_END, 0, 0 },
	};
	struct part_order o;

	part_order_init(&o);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(part_order_next(&o, good[i].type, good[i].part,
		    good[i].kind) == NULL);
	/* A message without parts. */
	part_order_init(&o);
	CHECK(part_order_next(&o, REC_ANOMALY, REC_NO_PARENT, 0) == NULL);
	CHECK(part_order_next(&o, REC_END, 0, 0) == NULL);

	for (size_t c = 0; c < sizeof(order_cases) / sizeof(order_cases[0]);
	    c++) {
		unsigned n = order_cases[c].n;
		const struct order_step *s = order_cases[c].s;
		const char *why;

		part_order_init(&o);
		for (unsigned i = 0; i + 1 < n; i++)
			CHECK(part_order_next(&o, s[i].type, s[i].part,
			    s[i].kind) == NULL);
		why = part_order_next(&o, s[n - 1].type, s[n - 1].part,
		    s[n - 1].kind);
		if (why == NULL)
			fprintf(stderr, "accepted: %s\n", order_cases[c].what);
		CHECK(why != NULL);
	}
	CHECK(part_kind_has_content(PART_LEAF));
	CHECK(part_kind_has_content(PART_TNEF_ATTACHMENT));
	CHECK(!part_kind_has_content(PART_MULTIPART));
	CHECK(!part_kind_has_content(PART_MESSAGE));

	/* A datagram too short for the fields the order reads. */
	part_order_init(&o);
	rec_begin(&w, REC_FILENAME);
	rec_put_u16(&w, 0);
	w.buf[4] = 2;
	CHECK(part_order_next_record(&o, w.buf, w.len) != NULL);
}

/* The record of one order step, as the role would send it. */
static void
order_record(const struct order_step *s)
{
	switch (s->type) {
	case REC_PART:
		part_full(s->part, s->part == 0 ? REC_NO_PARENT : 0,
		    s->part == 0 ? 0 : 1, (uint16_t)s->kind, 0, "");
		break;
	case REC_FILENAME:
		filename(s->part, "a.txt");
		break;
	case REC_CONTENT:
		content(s->part, 0);
		break;
	case REC_ANOMALY:
		anomaly(REC_NO_PARENT, ANOM_BAD_UUENCODE);
		break;
	case REC_HEADER:
		rec_begin(&w, REC_HEADER);
		rec_put_u8(&w, HDR_DATE);
		rec_put_str(&w, "today", 5);
		break;
	case REC_HEADER_FIELD:
		header_field(REC_NO_PARENT, "X-A", "b");
		break;
	case REC_END:
	default:
		rec_begin(&w, REC_END);
		break;
	}
}

/* The broker's decoder refuses each out-of-order case, for the reason
 * part_order gives, and a refused record leaves the order as it was. */
static void
test_decoder_order(void)
{
	struct message_facts f;
	struct unpack_decoder d;
	uint32_t parts, anomalies;

	for (size_t c = 0; c < sizeof(order_cases) / sizeof(order_cases[0]);
	    c++) {
		unsigned n = order_cases[c].n;
		const struct order_step *s = order_cases[c].s;
		struct part_order o;
		const char *why = NULL;

		part_order_init(&o);
		for (unsigned i = 0; i < n; i++)
			why = part_order_next(&o, s[i].type, s[i].part,
			    s[i].kind);
		CHECK(why != NULL);
		start(&d, &f);
		parts = anomalies = 0;
		for (unsigned i = 0; i < n; i++) {
			int fd = s[i].type == REC_CONTENT ?
			    sealed_memfd("", 0, 1) : -1;

			order_record(&s[i]);
			if (s[i].type == REC_END) {
				rec_put_u32(&w, parts);
				rec_put_u32(&w, anomalies);
			}
			if (i + 1 < n) {
				CHECK_INT(feed(&d, fd), 0);
				parts += s[i].type == REC_PART;
				anomalies += s[i].type == REC_ANOMALY;
				continue;
			}
			CHECK_INT(feed(&d, fd), -1);
			if (why == NULL || strstr(d.error, why) == NULL) {
				fprintf(stderr, "%s: refused for \"%s\"\n",
				    order_cases[c].what, d.error);
				CHECK(0);
			}
		}
		message_facts_clear(&f);
	}

	/* Refused for its contents, a CONTENT does not count as sent. */
	start(&d, &f);
	part(0, REC_NO_PARENT, 0, 3);
	CHECK_INT(feed(&d, -1), 0);
	content(0, 3);
	CHECK_REFUSED(feed(&d, sealed_memfd("abc", 3, 0)), d.error,
	    "content descriptor not a sealed memfd of the declared size");
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 1);
	rec_put_u32(&w, 0);
	CHECK_REFUSED(feed(&d, -1), d.error, "content");
	content(0, 3);
	CHECK_INT(feed(&d, sealed_memfd("abc", 3, 1)), 0);
	filename(0, "late.exe");
	CHECK_REFUSED(feed(&d, -1), d.error,
	    "filename not right after its part");
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 1);
	rec_put_u32(&w, 0);
	CHECK_INT(feed(&d, -1), 0);
	CHECK(unpack_decoder_done(&d));
	message_facts_clear(&f);
}

int
main(void)
{
	test_scanner_stream();
	test_scanner_mhr();
	test_good_stream();
	test_refusals();
	test_wrong_depth();
	test_writer_limits();
	test_version2();
	test_anomaly_names();
	test_part_order();
	test_decoder_order();
	return CHECK_DONE();
}
