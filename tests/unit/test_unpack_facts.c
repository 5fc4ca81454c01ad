/* tests: what the facts of a message cost the broker (broker/unpack_facts.c,
 * broker/scan_facts.c): strings kept at their received length, the byte
 * budget's accounting, and a role that goes over it. */
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "facts.h"

static struct rec_writer w;
/* A string of RECORD_STR_MAX letters, the most a record may carry. */
static char longest[RECORD_STR_MAX + 1];

/* Finishes the record in w (fills its length). */
static void
finish(void)
{
	size_t payload = w.len - RECORD_HEADER_LEN;

	CHECK(!w.failed);
	for (int i = 0; i < 4; i++)
		w.buf[4 + i] = (payload >> (8 * i)) & 0xff;
}

static int
feed(struct unpack_decoder *d)
{
	finish();
	return unpack_decoder_feed(d, w.buf, w.len, -1);
}

static void
put(const char *s)
{
	rec_put_str(&w, s, strlen(s));
}

static void
start(struct unpack_decoder *d, struct message_facts *f, unsigned max_parts)
{
	message_facts_init(f);
	unpack_decoder_init(d, f, max_parts, 1 << 20);
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, RECORD_VERSION);
	rec_put_u16(&w, ROLE_UNPACK);
	CHECK_INT(feed(d), 0);
}

/* A leaf under part 0 (or the root when index is 0), with these strings. */
static int
part(struct unpack_decoder *d, uint32_t index, const char *path,
    const char *ctype, const char *charset, const char *enc,
    const char *detected)
{
	rec_begin(&w, REC_PART);
	rec_put_u32(&w, index);
	rec_put_u32(&w, index == 0 ? REC_NO_PARENT : 0);
	rec_put_u16(&w, index == 0 ? 0 : 1);
	rec_put_u16(&w, index == 0 ? PART_MULTIPART : PART_LEAF);
	rec_put_u16(&w, 0);
	rec_put_u64(&w, 0);
	put(path);
	put(ctype);
	put(charset);
	put(enc);
	put(detected);
	return feed(d);
}

static int
filename(struct unpack_decoder *d, uint32_t index, const char *name)
{
	rec_begin(&w, REC_FILENAME);
	rec_put_u32(&w, index);
	rec_put_u8(&w, FN_DISPOSITION_FILENAME);
	put(name);
	return feed(d);
}

/* A leaf's content, which part_order.h wants right after its part and
 * filenames: an empty sealed memfd (the parts here have size 0). */
static int
content(struct unpack_decoder *d, uint32_t index)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) == 0);
	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, index);
	rec_put_u64(&w, 0);
	finish();
	return unpack_decoder_feed(d, w.buf, w.len, fd);
}

static int
anomaly(struct unpack_decoder *d, uint32_t index, const char *detail)
{
	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, index);
	rec_put_u16(&w, ANOM_DOUBLE_EXTENSION);
	put(detail);
	return feed(d);
}

static int
end(struct unpack_decoder *d, uint32_t parts, uint32_t anomalies)
{
	rec_begin(&w, REC_END);
	rec_put_u32(&w, parts);
	rec_put_u32(&w, anomalies);
	return feed(d);
}

/* Bytes malloc has handed out and not had back. */
static size_t
heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static size_t
cost(const char *s)
{
	return s[0] == '\0' ? 0 : strlen(s) + 1;
}

/* Each string as it came, at its length; the budget charged with exactly
 * that; and the heap of 2000 ordinary parts near their text, not 4 KiB a
 * string (the decoder used to keep RECORD_STR_MAX + 1 for each). */
static void
test_at_length(void)
{
	enum { PARTS = 2000 };
	struct message_facts f;
	struct unpack_decoder d;
	const struct part_fact *p;
	size_t before, grown, text = 0;
	char path[32], name[64];

	before = heap_in_use();
	start(&d, &f, PARTS);
	CHECK_INT(part(&d, 0, "1", "multipart/mixed", "", "", ""), 0);
	text += cost("1") + cost("multipart/mixed");
	for (uint32_t i = 1; i < PARTS; i++) {
		snprintf(path, sizeof(path), "1.%u", i);
		snprintf(name, sizeof(name), "invoice-%05u.pdf", i);
		CHECK_INT(part(&d, i, path, "application/pdf", "", "base64",
		    "application/pdf"), 0);
		CHECK_INT(filename(&d, i, name), 0);
		CHECK_INT(content(&d, i), 0);
		text += cost(path) + cost("application/pdf") + cost("base64") +
		    cost("application/pdf") + cost(name);
	}
	/* The longest string a record may carry is kept whole. */
	CHECK_INT(anomaly(&d, 1, longest), 0);
	text += RECORD_STR_MAX + 1;
	CHECK_INT(end(&d, PARTS, 1), 0);
	CHECK(unpack_decoder_done(&d));
	grown = heap_in_use() - before;

	CHECK_INT(f.string_bytes, text);
	CHECK(message_facts_limit(&f) == NULL);
	p = f.parts->pdata[1234];
	CHECK(strcmp(p->path, "1.1234") == 0);
	CHECK(strcmp(p->content_type, "application/pdf") == 0);
	CHECK(strcmp(p->charset, "") == 0);
	CHECK(strcmp(p->encoding, "base64") == 0);
	CHECK_INT(p->filenames->len, 1);
	CHECK(strcmp(p->filenames->pdata[0], "invoice-01234.pdf") == 0);
	CHECK_INT(strlen(g_array_index(f.anomalies, struct anomaly_fact,
	    0).detail), RECORD_STR_MAX);
	/* About 80 bytes of text and the fixed structures per part; at
	 * RECORD_STR_MAX + 1 a string it was over 24 KiB. */
	printf("%d parts, %zu bytes of text: %zu bytes of heap, %zu a part\n",
	    PARTS, text, grown, grown / PARTS);
	CHECK(grown / PARTS < 1024);
	message_facts_clear(&f);
	CHECK(f.strings == NULL && f.string_bytes == 0);
}

/* A role sending strings of RECORD_STR_MAX for part after part: the
 * records are still accepted, the budget is never passed, the heap stays
 * near it, every string past it is "" (not cut), the parts are all kept,
 * and the message has one limit anomaly of the broker's: verdict limits. */
static void
test_over_budget(void)
{
	/* 13 longest strings a part: the budget is gone after ~320 parts. */
	enum { PARTS = 1000 };
	struct message_facts f;
	struct unpack_decoder d;
	const struct anomaly_fact *limit;
	const struct part_fact *first_empty = NULL, *p;
	size_t before, grown;
	unsigned n_limit = 0;

	before = heap_in_use();
	start(&d, &f, PARTS);
	for (uint32_t i = 0; i < PARTS; i++) {
		CHECK_INT(part(&d, i, longest, longest, longest, longest,
		    longest), 0);
		for (int n = 0; n < PART_FILENAMES_MAX; n++)
			CHECK_INT(filename(&d, i, longest), 0);
		if (i > 0)
			CHECK_INT(content(&d, i), 0);
		CHECK(f.string_bytes <= FACTS_STRING_BYTES_MAX);
	}
	/* Small strings do not fit in again once the budget is spent. */
	CHECK_INT(anomaly(&d, PARTS - 1, "x.pdf.exe"), 0);
	/* The role counts its own anomalies only. */
	CHECK_INT(end(&d, PARTS, 1), 0);
	CHECK(unpack_decoder_done(&d));
	grown = heap_in_use() - before;

	CHECK_INT(f.parts->len, PARTS);
	CHECK(f.string_bytes <= FACTS_STRING_BYTES_MAX);
	CHECK(f.string_bytes > FACTS_STRING_BYTES_MAX - (RECORD_STR_MAX + 1));
	CHECK_INT(f.anomalies->len, 2);
	for (guint i = 0; i < f.anomalies->len; i++)
		n_limit += g_array_index(f.anomalies, struct anomaly_fact,
		    i).code == ANOM_LIMIT_FACT_BYTES;
	CHECK_INT(n_limit, 1);
	limit = message_facts_limit(&f);
	CHECK(limit != NULL && limit->code == ANOM_LIMIT_FACT_BYTES &&
	    limit->part == REC_NO_PARENT);
	CHECK(strcmp(anomaly_code_name(ANOM_LIMIT_FACT_BYTES),
	    "limit_fact_bytes") == 0);
	CHECK(anomaly_is_limit(ANOM_LIMIT_FACT_BYTES));
	CHECK(!anomaly_is_check(ANOM_LIMIT_FACT_BYTES));
	/* Whole, or empty: never a cut string. */
	for (guint i = 0; i < f.parts->len; i++) {
		p = f.parts->pdata[i];
		CHECK_INT(p->filenames->len, PART_FILENAMES_MAX);
		for (int n = 0; n < PART_FILENAMES_MAX; n++) {
			size_t len = strlen(p->filenames->pdata[n]);

			CHECK(len == 0 || len == RECORD_STR_MAX);
			if (len == 0 && first_empty == NULL)
				first_empty = p;
		}
		CHECK(strlen(p->path) == 0 || strlen(p->path) == RECORD_STR_MAX);
	}
	CHECK(first_empty != NULL && first_empty->index > 300);
	p = f.parts->pdata[PARTS - 1];
	CHECK(strcmp(p->path, "") == 0 && strcmp(p->content_type, "") == 0);
	CHECK(strcmp(g_array_index(f.anomalies, struct anomaly_fact,
	    f.anomalies->len - 1).detail, "") == 0);
	/* Without the budget: 13 000 strings of 4 KiB, over 50 MB. */
	printf("over budget: %d parts of the longest strings, %zu bytes of "
	    "text kept, %zu bytes of heap\n", PARTS, f.string_bytes, grown);
	CHECK(grown < FACTS_STRING_BYTES_MAX + FACTS_STRING_BYTES_MAX / 8);
	message_facts_clear(&f);
}

static int
scanner_feed(struct scanner_decoder *d)
{
	finish();
	return scanner_decoder_feed(d, w.buf, w.len, -1);
}

static int
verdict(struct scanner_decoder *d, uint32_t part_index, uint8_t result,
    const char *name)
{
	rec_begin(&w, REC_VERDICT);
	rec_put_u32(&w, part_index);
	rec_put_u8(&w, result);
	put(name);
	return scanner_feed(d);
}

static void
scanner_start(struct scanner_decoder *d, struct scanner_result *res,
    const uint32_t *asked, uint32_t n)
{
	scanner_result_init(res, ROLE_CLAMAV);
	scanner_decoder_init(d, res, asked, n);
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, RECORD_VERSION);
	rec_put_u16(&w, ROLE_CLAMAV);
	CHECK_INT(scanner_feed(d), 0);
	rec_begin(&w, REC_ENGINE);
	put("clamav");
	put("1.4.6");
	put("27000");
	CHECK_INT(scanner_feed(d), 0);
}

/* Verdict names at their length; a scanner naming part after part with
 * the longest names runs out of its budget and is refused. */
static void
test_scanner(void)
{
	enum { ASKED = 2000 };
	static uint32_t asked[ASKED];
	struct scanner_result res;
	struct scanner_decoder d;
	size_t before, grown;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < ASKED; i++)
		asked[i] = i;
	before = heap_in_use();
	scanner_start(&d, &res, asked, ASKED);
	for (i = 0; i < ASKED; i++)
		CHECK_INT(verdict(&d, i, i % 2 ? SCAN_CLEAN : SCAN_VIRUS,
		    i % 2 ? "" : "Win.Test.EICAR_HDB-1"), 0);
	grown = heap_in_use() - before;
	CHECK_INT(res.string_bytes, ASKED / 2 *
	    (strlen("Win.Test.EICAR_HDB-1") + 1));
	CHECK(strcmp(g_array_index(res.verdicts, struct verdict_fact,
	    1000).name, "Win.Test.EICAR_HDB-1") == 0);
	CHECK(strcmp(g_array_index(res.verdicts, struct verdict_fact,
	    1001).name, "") == 0);
	printf("%d verdicts: %zu bytes of heap\n", ASKED, grown);
	CHECK(grown / ASKED < 256);
	scanner_result_clear(&res);

	scanner_start(&d, &res, asked, ASKED);
	for (i = 0; i < ASKED && rc == 0; i++)
		rc = verdict(&d, i, SCAN_VIRUS, longest);
	CHECK_INT(rc, -1);
	CHECK(strstr(d.error, "over the budget") != NULL);
	CHECK_INT(i - 1, SCANNER_STRING_BYTES_MAX / (RECORD_STR_MAX + 1));
	CHECK(res.string_bytes <= SCANNER_STRING_BYTES_MAX);
	scanner_result_clear(&res);
}

int
main(void)
{
	memset(longest, 'a', RECORD_STR_MAX);
	longest[RECORD_STR_MAX] = '\0';
	test_at_length();
	test_over_budget();
	test_scanner();
	return CHECK_DONE();
}
