/* tests: unit tests for unpacker/tnef.c over the hand-made streams of
 * tests/tnef/make_tnef.py (in fuzz/corpus/tnef/) and ClamAV's clam.tnef;
 * harness.  Usage: test-tnef CORPUS_DIR [CLAM_EXE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tnef.h"

#define T_MAX_SEEN	64
#define T_MAX_FILE	(1024u * 1024)

struct t_att {
	char name[TNEF_NAME_MAX + 1];
	uint8_t data[4096];
	size_t size;
	uint32_t parent, depth;
	enum tnef_name_source src;
	enum tnef_data_source dsrc;
	int embedded;
};

struct t_ctx {
	struct t_att att[T_MAX_SEEN];
	unsigned n;
	enum tnef_anomaly anom[T_MAX_SEEN];
	char detail[T_MAX_SEEN][TNEF_DETAIL_MAX];
	unsigned n_anom;
	const uint8_t *last_data;	/* clam.exe is bigger than data[] */
	size_t last_size;
};

static const char *corpus;

static void
t_on_attachment(void *vctx, const struct tnef_attachment *a)
{
	struct t_ctx *c = vctx;
	struct t_att *t;

	CHECK(a->index == c->n);
	CHECK(strlen(a->name) == a->name_len);
	if (c->n >= T_MAX_SEEN)
		return;
	t = &c->att[c->n++];
	memcpy(t->name, a->name, a->name_len + 1);
	t->size = a->size;
	if (a->size <= sizeof(t->data) && a->size > 0)
		memcpy(t->data, a->data, a->size);
	t->parent = a->parent;
	t->depth = a->depth;
	t->src = a->name_source;
	t->dsrc = a->data_source;
	t->embedded = a->embedded_message;
	c->last_data = a->data;
	c->last_size = a->size;
}

static void
t_on_anomaly(void *vctx, uint32_t parent, enum tnef_anomaly code,
    const char *detail)
{
	struct t_ctx *c = vctx;

	CHECK(detail != NULL && strlen(detail) < TNEF_DETAIL_MAX);
	if (c->n_anom >= T_MAX_SEEN || detail == NULL)
		return;
	snprintf(c->detail[c->n_anom], TNEF_DETAIL_MAX, "%s", detail);
	c->anom[c->n_anom++] = code;
}

static const struct tnef_sink t_sink = {
	.on_attachment = t_on_attachment,
	.on_anomaly = t_on_anomaly,
};

static uint8_t *
t_read(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	uint8_t *buf = malloc(T_MAX_FILE);

	snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "",
	    dir ? "/" : "", name);
	f = fopen(path, "rb");
	if (f == NULL || buf == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	*len = fread(buf, 1, T_MAX_FILE, f);
	fclose(f);
	return buf;
}

static enum tnef_result
t_parse(const char *name, struct t_ctx *c, uint32_t max_att,
    uint32_t max_depth, uint8_t **keep)
{
	struct tnef_limits lim = { .max_attachments = max_att,
	    .max_depth = max_depth };
	struct tnef_stats st;
	size_t len;
	uint8_t *buf = t_read(corpus, name, &len);
	enum tnef_result res;

	memset(c, 0, sizeof(*c));
	res = tnef_parse(buf, len, &lim, &t_sink, c, &st);
	CHECK_INT(st.attachments, c->n);
	CHECK_INT(st.anomalies, c->n_anom);
	if (keep != NULL)
		*keep = buf;
	else
		free(buf);
	return res;
}

static int
t_has(const struct t_ctx *c, enum tnef_anomaly code)
{
	for (unsigned i = 0; i < c->n_anom; i++)
		if (c->anom[i] == code)
			return 1;
	return 0;
}

static void
t_expect(const struct t_att *a, const char *name, const void *data,
    size_t size)
{
	if (strcmp(a->name, name) != 0)
		fprintf(stderr, "name \"%s\", expected \"%s\"\n", a->name,
		    name);
	CHECK(strcmp(a->name, name) == 0);
	CHECK_INT(a->size, size);
	CHECK(a->size == size && memcmp(a->data, data, size) == 0);
}

static void
test_tnef_simple(void)
{
	struct t_ctx c;
	uint8_t bin[1024];

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)i;
	CHECK_INT(t_parse("simple.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 2);
	t_expect(&c.att[0], "hello.txt", "Hello, TNEF!\n", 13);
	t_expect(&c.att[1], "data.bin", bin, sizeof(bin));
	CHECK_INT(c.att[0].src, TNEF_NAME_TITLE);
	CHECK_INT(c.att[1].parent, TNEF_NO_PARENT);
	CHECK_INT(c.n_anom, 0);
}

static void
test_tnef_long_names(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("longname.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 3);
	t_expect(&c.att[0], "A long file name.txt", "long name body\n", 15);
	CHECK_INT(c.att[0].src, TNEF_NAME_LONG);
	/* PT_UNICODE long name, converted to UTF-8 */
	t_expect(&c.att[1], "r\xc3\xa9sum\xc3\xa9 2024 \xe2\x82\xac.pdf",
	    "%PDF-1.4 fake\n", 14);
	t_expect(&c.att[2], "SHORT.DAT", "short\n", 6);
	CHECK_INT(c.att[2].src, TNEF_NAME_SHORT);
	CHECK_INT(c.n_anom, 0);
}

static void
test_tnef_bad_checksum_goes_on(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("badcsum.tnef", &c, 100, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 2);
	t_expect(&c.att[0], "bad.txt", "checksum is wrong\n", 18);
	t_expect(&c.att[1], "after.txt", "still here\n", 11);
	CHECK_INT(c.n_anom, 1);
	CHECK(t_has(&c, TNEF_ANOM_BAD_CHECKSUM));
}

static void
test_tnef_truncated(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("truncated.tnef", &c, 100, 4, NULL), TNEF_ANOMALY);
	CHECK(c.n >= 1);
	t_expect(&c.att[0], "hello.txt", "Hello, TNEF!\n", 13);
	/* the second one lost its data attribute: reported without bytes */
	CHECK(c.n < 2 || c.att[1].size == 0);
	CHECK(t_has(&c, TNEF_ANOM_CORRUPT));
}

static void
test_tnef_embedded(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("embedded.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 3);
	t_expect(&c.att[0], "outer.txt", "outer\n", 6);
	CHECK(strcmp(c.att[1].name, "Embedded Message") == 0);
	CHECK(c.att[1].embedded);
	t_expect(&c.att[2], "inner.txt", "inner\n", 6);
	CHECK_INT(c.att[2].parent, 1);
	CHECK_INT(c.att[2].depth, 1);
	/* depth 0: the embedded message is reported, not opened */
	CHECK_INT(t_parse("embedded.tnef", &c, 100, 0, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 2);
	CHECK(t_has(&c, TNEF_ANOM_LIMIT_DEPTH));
}

static void
test_tnef_data_object(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("dataobj.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 1);
	t_expect(&c.att[0], "obj.bin", "object bytes\n", 13);
}

/* EVIL_ZIP of tests/tnef/make_tnef.py: a stored zip holding evil.exe. */
static const uint8_t t_evil_zip[] = {
	0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x63,
	0xb1, 0x58, 0xfd, 0x81, 0xae, 0x26, 0x08, 0x00, 0x00, 0x00, 0x08, 0x00,
	0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x65, 0x76, 0x69, 0x6c, 0x2e, 0x65,
	0x78, 0x65, 0x4d, 0x5a, 0x20, 0x65, 0x76, 0x69, 0x6c, 0x0a, 0x50, 0x4b,
	0x01, 0x02, 0x0a, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x63,
	0xb1, 0x58, 0xfd, 0x81, 0xae, 0x26, 0x08, 0x00, 0x00, 0x00, 0x08, 0x00,
	0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65, 0x76, 0x69, 0x6c,
	0x2e, 0x65, 0x78, 0x65, 0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x36, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/* The one anomaly is the corrupt one about several data. */
static void
t_expect_several(const struct t_ctx *c)
{
	CHECK_INT(c->n_anom, 1);
	CHECK_INT(c->anom[0], TNEF_ANOM_CORRUPT);
	CHECK(strstr(c->detail[0], "more than one data") != NULL);
}

static void
test_tnef_several_data(void)
{
	struct t_ctx c;

	/* two attAttachData: the zip first, then "hello"; both reported */
	CHECK_INT(t_parse("twodata.tnef", &c, 100, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 3);
	t_expect(&c.att[0], "hello.txt", t_evil_zip, sizeof(t_evil_zip));
	CHECK_INT(c.att[0].dsrc, TNEF_DATA_ATTR);
	t_expect(&c.att[1], "hello.txt", "hello", 5);
	CHECK_INT(c.att[1].dsrc, TNEF_DATA_ATTR);
	CHECK_INT(c.att[1].parent, TNEF_NO_PARENT);
	t_expect(&c.att[2], "after.txt", "after\n", 6);
	t_expect_several(&c);
	/* each data counts against max_attachments */
	CHECK_INT(t_parse("twodata.tnef", &c, 1, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 1);
	t_expect(&c.att[0], "hello.txt", t_evil_zip, sizeof(t_evil_zip));
	CHECK(t_has(&c, TNEF_ANOM_LIMIT_ATTACHMENTS));
	CHECK(t_has(&c, TNEF_ANOM_CORRUPT));
	CHECK_INT(t_parse("twodata.tnef", &c, 2, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 2);
	t_expect(&c.att[1], "hello.txt", "hello", 5);
	CHECK(t_has(&c, TNEF_ANOM_LIMIT_ATTACHMENTS));

	/* attAttachData "hello", then PR_ATTACH_DATA_BIN with the zip */
	CHECK_INT(t_parse("databin.tnef", &c, 100, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 3);
	t_expect(&c.att[0], "hello.txt", "hello", 5);
	CHECK_INT(c.att[0].dsrc, TNEF_DATA_ATTR);
	t_expect(&c.att[1], "hello.txt", t_evil_zip, sizeof(t_evil_zip));
	CHECK_INT(c.att[1].dsrc, TNEF_DATA_OBJECT);
	/* and as libytnef opens it: without its first 16 bytes */
	t_expect(&c.att[2], "hello.txt", t_evil_zip + 16,
	    sizeof(t_evil_zip) - 16);
	CHECK_INT(c.att[2].dsrc, TNEF_DATA_OBJECT);
	t_expect_several(&c);

	/* attAttachData "hello", then an embedded message: walked too */
	CHECK_INT(t_parse("dataembedded.tnef", &c, 100, 4, NULL),
	    TNEF_ANOMALY);
	CHECK_INT(c.n, 3);
	t_expect(&c.att[0], "hello.txt", "hello", 5);
	CHECK(!c.att[0].embedded);
	CHECK(c.att[1].embedded);
	CHECK_INT(c.att[1].dsrc, TNEF_DATA_OBJECT);
	CHECK(strcmp(c.att[1].name, "hello.txt") == 0);
	t_expect(&c.att[2], "inner.txt", "inner\n", 6);
	CHECK_INT(c.att[2].parent, 1);
	CHECK_INT(c.att[2].depth, 1);
	t_expect_several(&c);

	/* the same bytes in both: one file written twice, no anomaly; only
	 * libytnef's view of the PT_BINARY one is new */
	CHECK_INT(t_parse("samedata.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 2);
	t_expect(&c.att[0], "hello.txt", "the same bytes, twice over\n", 27);
	CHECK_INT(c.att[0].dsrc, TNEF_DATA_ATTR);
	t_expect(&c.att[1], "hello.txt", "twice over\n", 11);
	CHECK_INT(c.n_anom, 0);
}

static void
test_tnef_limits(void)
{
	struct t_ctx c;

	CHECK_INT(t_parse("many.tnef", &c, 100, 4, NULL), TNEF_OK);
	CHECK_INT(c.n, 40);
	t_expect(&c.att[39], "f39.txt", "file 39\n", 8);
	CHECK_INT(t_parse("many.tnef", &c, 10, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 10);
	CHECK_INT(c.n_anom, 1);
	CHECK(t_has(&c, TNEF_ANOM_LIMIT_ATTACHMENTS));
	/* twenty levels of embedded messages, opened down to depth 5 */
	CHECK_INT(t_parse("deep.tnef", &c, 100, 5, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 6);
	CHECK_INT(c.att[5].depth, 5);
	CHECK(t_has(&c, TNEF_ANOM_LIMIT_DEPTH));
	/* and past the hard cap, whatever the caller asks */
	CHECK_INT(t_parse("deep.tnef", &c, 100, 1000, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, TNEF_DEPTH_HARD_MAX + 1);
}

static void
test_tnef_bad_input(void)
{
	struct t_ctx c;
	struct tnef_limits lim = { .max_attachments = 10, .max_depth = 2 };
	static const uint8_t sig_only[] = { 0x78, 0x9f, 0x3e, 0x22 };

	CHECK_INT(t_parse("not-tnef.bin", &c, 100, 4, NULL), TNEF_PART_FAILED);
	CHECK_INT(c.n, 0);
	CHECK(t_has(&c, TNEF_ANOM_CORRUPT));
	CHECK_INT(t_parse("badprops.tnef", &c, 100, 4, NULL), TNEF_ANOMALY);
	CHECK_INT(c.n, 1);
	t_expect(&c.att[0], "props.txt", "props\n", 6);
	memset(&c, 0, sizeof(c));
	CHECK_INT(tnef_parse(sig_only, sizeof(sig_only), &lim, &t_sink, &c,
	    NULL), TNEF_ANOMALY);
	CHECK_INT(tnef_parse(NULL, 0, &lim, &t_sink, &c, NULL),
	    TNEF_PART_FAILED);
	CHECK_INT(tnef_parse(NULL, 5, &lim, &t_sink, &c, NULL),
	    TNEF_MESSAGE_FATAL);
	/* every prefix of a valid stream ends cleanly */
	{
		size_t len;
		uint8_t *buf = t_read(corpus, "longname.tnef", &len);

		for (size_t cut = 0; cut <= len; cut++) {
			memset(&c, 0, sizeof(c));
			CHECK(tnef_parse(buf, cut, &lim, &t_sink, &c, NULL) !=
			    TNEF_MESSAGE_FATAL);
		}
		free(buf);
	}
}

static void
test_tnef_clam(const char *clam_exe)
{
	struct t_ctx c;
	uint8_t *tnef_buf, *exe;
	size_t exe_len;
	int found = 0;

	CHECK_INT(t_parse("clam.tnef", &c, 100, 4, &tnef_buf), TNEF_ANOMALY);
	CHECK(t_has(&c, TNEF_ANOM_BAD_CHECKSUM));
	exe = t_read(NULL, clam_exe, &exe_len);
	for (unsigned i = 0; i < c.n; i++) {
		printf("clam.tnef: attachment \"%s\", %zu bytes\n",
		    c.att[i].name, c.att[i].size);
		if (strcmp(c.att[i].name, "clam.exe") == 0)
			found = 1;
	}
	CHECK(found);
	/* clam.exe is the last attachment */
	CHECK_INT(c.last_size, exe_len);
	CHECK(c.last_size == exe_len &&
	    memcmp(c.last_data, exe, exe_len) == 0);
	free(exe);
	free(tnef_buf);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-tnef CORPUS_DIR [CLAM_EXE]\n");
		return 2;
	}
	corpus = argv[1];
	test_tnef_simple();
	test_tnef_long_names();
	test_tnef_bad_checksum_goes_on();
	test_tnef_truncated();
	test_tnef_embedded();
	test_tnef_data_object();
	test_tnef_several_data();
	test_tnef_limits();
	test_tnef_bad_input();
	test_tnef_clam(argc > 2 ? argv[2] :
	    "/usr/share/clamav-testfiles/clam.exe");
	return CHECK_DONE();
}
