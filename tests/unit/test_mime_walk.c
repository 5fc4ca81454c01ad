/* tests: unit tests for unpacker/mime_walk.c (facts from GMime); harness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "mime_walk.h"
#include "part_order.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: check failed: %s\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
		failures++;						\
	}								\
} while (0)

#define REC_MAX 64

/* Everything a walk reported, copied. */
struct got {
	unsigned n_parts;
	struct {
		uint32_t parent, depth;
		enum part_kind kind;
		uint64_t size;
		char path[64], type[64], charset[32], encoding[32];
		char *content;
		size_t content_len;
		unsigned contents;
	} part[REC_MAX];
	unsigned n_names;
	struct {
		uint32_t part;
		enum filename_source source;
		char name[RECORD_STR_MAX + 1];
	} name[REC_MAX];
	char header[HDR_FACT_MAX + 1][256];
	size_t header_len[HDR_FACT_MAX + 1];
	unsigned n_anoms;
	struct {
		uint32_t part;
		enum anomaly_code code;
	} anom[REC_MAX];
	unsigned all_parts;	/* also counted past REC_MAX */
	unsigned n_fields;
	struct {
		char name[64], value[128];
	} field[REC_MAX];
	char detected[REC_MAX][64];
};

static void
got_part(void *ctx, const struct walk_part *p)
{
	struct got *g = ctx;

	g->all_parts++;
	if (g->n_parts >= REC_MAX)
		return;
	g->part[g->n_parts].parent = p->parent;
	g->part[g->n_parts].depth = p->depth;
	g->part[g->n_parts].kind = p->kind;
	g->part[g->n_parts].size = p->decoded_size;
	snprintf(g->part[g->n_parts].path, 64, "%s", p->path);
	snprintf(g->part[g->n_parts].type, 64, "%s", p->content_type);
	snprintf(g->part[g->n_parts].charset, 32, "%s", p->charset);
	snprintf(g->part[g->n_parts].encoding, 32, "%s", p->encoding);
	snprintf(g->detected[g->n_parts], 64, "%s", p->detected_type);
	g->n_parts++;
}

static void
got_name(void *ctx, uint32_t part, enum filename_source source,
    const char *name, size_t len)
{
	struct got *g = ctx;

	if (g->n_names >= REC_MAX)
		return;
	g->name[g->n_names].part = part;
	g->name[g->n_names].source = source;
	memcpy(g->name[g->n_names].name, name, len + 1);
	g->n_names++;
}

static void
got_header(void *ctx, enum header_fact which, const char *value, size_t len)
{
	struct got *g = ctx;

	snprintf(g->header[which], sizeof(g->header[which]), "%s", value);
	g->header_len[which] = len;
}

static void
got_field(void *ctx, uint32_t part, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	struct got *g = ctx;

	(void)part;
	(void)nlen;
	(void)vlen;
	if (g->n_fields >= REC_MAX)
		return;
	snprintf(g->field[g->n_fields].name, 64, "%s", name);
	snprintf(g->field[g->n_fields].value, 128, "%s", value);
	g->n_fields++;
}

static void
got_anomaly(void *ctx, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	struct got *g = ctx;

	if (g->n_anoms >= REC_MAX)
		return;
	g->anom[g->n_anoms].part = part;
	g->anom[g->n_anoms].code = code;
	g->n_anoms++;
}

static void
got_content(void *ctx, uint32_t part, const uint8_t *data, size_t len)
{
	struct got *g = ctx;

	if (part >= REC_MAX)
		return;
	g->part[part].content = malloc(len + 1);
	if (g->part[part].content == NULL)
		abort();
	memcpy(g->part[part].content, data, len);
	g->part[part].content[len] = '\0';
	g->part[part].content_len = len;
	g->part[part].contents++;
}

static const struct walk_sink got_sink = {
	.on_part = got_part,
	.on_filename = got_name,
	.on_header = got_header,
	.on_header_field = got_field,
	.on_anomaly = got_anomaly,
	.on_content = got_content,
};

static const struct walk_limits wide = {
	.max_parts = 100000, .max_depth = 1000, .max_decoded_bytes = 1u << 30,
	.max_archive_depth = 8, .max_archive_members = 10000,
	.max_expanded_bytes = 1u << 30, .max_expansion_ratio = 100,
};

static struct got *
walk_text(const char *msg, const struct walk_limits *lim)
{
	struct got *g = calloc(1, sizeof(*g));
	struct walk_stats st;

	if (g == NULL)
		abort();
	CHECK(mime_walk((const uint8_t *)msg, strlen(msg), lim, &got_sink, g,
	    &st) == 0);
	CHECK(st.parts == g->all_parts);
	return g;
}

static void
got_free(struct got *g)
{
	for (unsigned i = 0; i < g->n_parts; i++)
		free(g->part[i].content);
	free(g);
}

static unsigned
count_anom(const struct got *g, enum anomaly_code code)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->n_anoms; i++)
		n += g->anom[i].code == code;
	return n;
}

static const char *
name_of(const struct got *g, uint32_t part, enum filename_source src)
{
	for (unsigned i = 0; i < g->n_names; i++)
		if (g->name[i].part == part && g->name[i].source == src)
			return g->name[i].name;
	return NULL;
}

static void
test_walk_both_filename_sources(void)
{
	struct got *g = walk_text(
	    "Subject: x\r\n"
	    "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
	    "--m\r\n"
	    "Content-Type: text/plain; name=\"invoice.txt\"\r\n"
	    "Content-Disposition: attachment; filename=\"invoice.txt.scr\"\r\n"
	    "\r\nx\r\n"
	    "--m\r\n"
	    "Content-Type: Application/Octet-Stream; name=same.bin\r\n"
	    "Content-Disposition: attachment; filename=same.bin\r\n"
	    "Content-Transfer-Encoding: BASE64\r\n"
	    "\r\naGVsbG8=\r\n"
	    "--m--\r\n", &wide);

	CHECK(g->n_parts == 3);
	CHECK(strcmp(g->part[0].type, "multipart/mixed") == 0);
	CHECK(g->part[0].kind == PART_MULTIPART);
	CHECK(strcmp(g->part[1].path, "1.1") == 0);
	CHECK(strcmp(name_of(g, 1, FN_CONTENT_TYPE_NAME) ?: "", "invoice.txt") == 0);
	CHECK(strcmp(name_of(g, 1, FN_DISPOSITION_FILENAME) ?: "",
	    "invoice.txt.scr") == 0);
	/* Equal names are still reported twice. */
	CHECK(strcmp(name_of(g, 2, FN_CONTENT_TYPE_NAME) ?: "", "same.bin") == 0);
	CHECK(strcmp(name_of(g, 2, FN_DISPOSITION_FILENAME) ?: "", "same.bin") == 0);
	CHECK(g->n_names == 4);
	CHECK(strcmp(g->part[2].type, "application/octet-stream") == 0);
	CHECK(strcmp(g->part[2].encoding, "base64") == 0);
	CHECK(g->part[2].size == 5 && g->part[2].contents == 1);
	CHECK(g->part[2].content != NULL &&
	    memcmp(g->part[2].content, "hello", 5) == 0);
	CHECK(g->part[0].contents == 0);
	/* The format checks see what the first attachment hides; the
	 * second one is clean. */
	CHECK(g->n_anoms == 3);
	CHECK(count_anom(g, ANOM_FILENAME_MISMATCH) == 1);
	CHECK(count_anom(g, ANOM_DOUBLE_EXTENSION) == 1);
	CHECK(count_anom(g, ANOM_EXE_NAME_ON_MEDIA) == 1);
	for (unsigned i = 0; i < g->n_anoms; i++)
		CHECK(g->anom[i].part == 1);
	got_free(g);
}

static void
test_walk_rfc2231_rfc2047(void)
{
	struct got *g = walk_text(
	    "Subject: =?utf-8?B?UmVjaG51bmcgw7xiZXIg4oKsIDEwMA==?=\r\n"
	    "From: =?iso-8859-1?Q?J=F6rg?= <j@example.org>\r\n"
	    "To: a@example.org, =?utf-8?Q?Andr=C3=A9?= <b@example.org>\r\n"
	    "Message-ID: <id@example.org>\r\n"
	    "Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\n"
	    "Content-Type: application/octet-stream;\r\n"
	    " name*0*=utf-8''%E2%82%AC;\r\n"
	    " name*1=\"uro.txt\"\r\n"
	    "Content-Disposition: attachment;\r\n"
	    " filename*0*=iso-8859-1'de'Gr%FC;\r\n"
	    " filename*1*=%DFe.exe\r\n"
	    "\r\nx\r\n"
	    "--b\r\n"
	    "Content-Type: application/octet-stream;"
	    " name=\"=?utf-8?B?UmVjaG51bmcucGRmLmV4ZQ==?=\"\r\n"
	    "Content-Disposition: attachment;"
	    " filename=\"=?utf-8?Q?Rechnung=2Epdf=2Eexe?=\"\r\n"
	    "\r\ny\r\n"
	    "--b--\r\n", &wide);

	CHECK(strcmp(g->header[HDR_SUBJECT],
	    "Rechnung \xc3\xbc" "ber \xe2\x82\xac 100") == 0);
	CHECK(strcmp(g->header[HDR_FROM], "J\xc3\xb6rg <j@example.org>") == 0);
	CHECK(strcmp(g->header[HDR_TO],
	    "a@example.org, Andr\xc3\xa9 <b@example.org>") == 0);
	CHECK(strcmp(g->header[HDR_MESSAGE_ID], "<id@example.org>") == 0);
	CHECK(strcmp(g->header[HDR_DATE],
	    "Tue, 3 Mar 2026 10:00:00 +0000") == 0);
	CHECK(g->header[HDR_CC][0] == '\0');	/* absent: not reported */
	CHECK(strcmp(name_of(g, 1, FN_CONTENT_TYPE_NAME) ?: "",
	    "\xe2\x82\xacuro.txt") == 0);
	CHECK(strcmp(name_of(g, 1, FN_DISPOSITION_FILENAME) ?: "",
	    "Gr\xc3\xbc\xc3\x9f" "e.exe") == 0);
	CHECK(strcmp(name_of(g, 2, FN_CONTENT_TYPE_NAME) ?: "",
	    "Rechnung.pdf.exe") == 0);
	CHECK(strcmp(name_of(g, 2, FN_DISPOSITION_FILENAME) ?: "",
	    "Rechnung.pdf.exe") == 0);
	CHECK(count_anom(g, ANOM_NO_CONTENT_TYPE) == 0);
	got_free(g);
}

static void
test_walk_nested_paths(void)
{
	struct got *g = walk_text(
	    "Subject: top\r\n"
	    "Content-Type: multipart/mixed; boundary=L0\r\n\r\n"
	    "--L0\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
	    "--L0\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: level 1\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: level 2\r\n"
	    "Content-Type: multipart/mixed; boundary=L2\r\n\r\n"
	    "--L2\r\nContent-Type: text/plain\r\n\r\ntwo\r\n"
	    "--L2\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: level 3\r\nContent-Type: text/html\r\n\r\n<p>3</p>\r\n"
	    "--L2--\r\n"
	    "--L0--\r\n", &wide);
	static const struct {
		const char *path;
		uint32_t parent, depth;
		enum part_kind kind;
	} want[] = {
		{ "1", WALK_NO_PARENT, 0, PART_MULTIPART },
		{ "1.1", 0, 1, PART_LEAF },
		{ "1.2", 0, 1, PART_MESSAGE },
		{ "1.2.1", 2, 2, PART_MESSAGE },
		{ "1.2.1.1", 3, 3, PART_MULTIPART },
		{ "1.2.1.1.1", 4, 4, PART_LEAF },
		{ "1.2.1.1.2", 4, 4, PART_MESSAGE },
		{ "1.2.1.1.2.1", 6, 5, PART_LEAF },
	};

	CHECK(g->n_parts == sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < g->n_parts && i < sizeof(want) /
	    sizeof(want[0]); i++) {
		CHECK(strcmp(g->part[i].path, want[i].path) == 0);
		CHECK(g->part[i].parent == want[i].parent);
		CHECK(g->part[i].depth == want[i].depth);
		CHECK(g->part[i].kind == want[i].kind);
	}
	CHECK(strcmp(g->part[7].type, "text/html") == 0);
	CHECK(g->part[7].content != NULL &&
	    strcmp(g->part[7].content, "<p>3</p>") == 0);
	/* Only the top-level message's header facts. */
	CHECK(strcmp(g->header[HDR_SUBJECT], "top") == 0);
	got_free(g);
}

static void
test_walk_uuencoded_child(void)
{
	struct got *g = walk_text(
	    "Subject: uu\r\n\r\n"
	    "Here it is:\r\n"
	    "begin 755 setup.exe\r\n"
	    "#0V%T\r\n"
	    "`\r\n"
	    "end\r\n"
	    "begin 644 broken.bin\r\n"
	    "not uuencoded {{{\r\n", &wide);

	CHECK(count_anom(g, ANOM_NO_CONTENT_TYPE) == 1);
	CHECK(g->n_parts == 2);
	CHECK(strcmp(g->part[0].type, "text/plain") == 0);
	CHECK(g->part[1].kind == PART_UUENCODED);
	CHECK(g->part[1].parent == 0 && g->part[1].depth == 1);
	CHECK(strcmp(g->part[1].path, "1.1") == 0);
	CHECK(g->part[1].size == 3 && g->part[1].content_len == 3);
	CHECK(g->part[1].content != NULL &&
	    memcmp(g->part[1].content, "Cat", 3) == 0);
	CHECK(strcmp(name_of(g, 1, FN_UUENCODE) ?: "", "setup.exe") == 0);
	CHECK(count_anom(g, ANOM_BAD_UUENCODE) == 1);
	got_free(g);
}

static void
test_walk_encoded_rfc822(void)
{
	/* "Subject: in\r\nContent-Type: text/plain; name=a.exe\r\n\r\nhi\r\n" */
	struct got *g = walk_text(
	    "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "U3ViamVjdDogaW4NCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbjsgbmFtZT1hLmV4ZQ0K"
	    "DQpoaQ0K\r\n", &wide);

	CHECK(g->n_parts == 2);
	CHECK(strcmp(g->part[0].type, "message/rfc822") == 0);
	CHECK(g->part[0].kind == PART_LEAF);
	CHECK(strcmp(g->part[1].path, "1.1") == 0);
	CHECK(strcmp(name_of(g, 1, FN_CONTENT_TYPE_NAME) ?: "", "a.exe") == 0);
	got_free(g);
}

static char *
many_parts(unsigned n)
{
	GString *s = g_string_new("Content-Type: multipart/mixed; boundary=p\n\n");

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s,
		    "--p\nContent-Type: text/plain; name=p%u.txt\n\npart %u\n",
		    i, i);
	g_string_append(s, "--p--\n");
	return g_string_free(s, FALSE);
}

static char *
deep_parts(unsigned n)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; "
		    "boundary=n%u\n\n--n%u\n", i, i);
	g_string_append(s, "Content-Type: text/plain\n\nbottom\n");
	for (unsigned i = n; i-- > 0;)
		g_string_append_printf(s, "--n%u--\n", i);
	return g_string_free(s, FALSE);
}

static void
test_walk_limits_once(void)
{
	struct walk_limits lim = wide;
	char *msg = many_parts(10);
	struct got *g;

	lim.max_parts = 3;
	g = walk_text(msg, &lim);
	CHECK(g->all_parts == 3);
	CHECK(count_anom(g, ANOM_LIMIT_PARTS) == 1);
	CHECK(g->n_anoms == 1);
	got_free(g);

	lim = wide;
	lim.max_decoded_bytes = 13;	/* "part 0" "part 1": 6 + 6 */
	g = walk_text(msg, &lim);
	CHECK(g->all_parts == 3);
	CHECK(count_anom(g, ANOM_LIMIT_DECODED) == 1);
	CHECK(g->n_anoms == 1);
	got_free(g);
	g_free(msg);

	/* Two subtrees too deep: one anomaly, siblings still reported. */
	msg = g_strdup(
	    "Content-Type: multipart/mixed; boundary=a\n\n"
	    "--a\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\ndeep1\n--b--\n"
	    "--a\nContent-Type: multipart/mixed; boundary=c\n\n"
	    "--c\nContent-Type: text/plain\n\ndeep2\n--c--\n"
	    "--a\nContent-Type: text/plain\n\nshallow\n"
	    "--a--\n");
	lim = wide;
	lim.max_depth = 1;
	g = walk_text(msg, &lim);
	CHECK(g->all_parts == 4);
	CHECK(count_anom(g, ANOM_LIMIT_DEPTH) == 1);
	CHECK(g->n_anoms == 1);
	CHECK(strcmp(g->part[3].path, "1.3") == 0);
	got_free(g);
	g_free(msg);
}

static void
test_walk_strings(void)
{
	GString *s = g_string_new("Content-Type: text/plain; name=\"");
	struct got *g;

	for (unsigned i = 0; i < RECORD_STR_MAX + 100; i++)
		g_string_append_c(s, 'A');
	g_string_append(s, "\"\n\nx\n");
	g = walk_text(s->str, &wide);
	CHECK(strlen(name_of(g, 0, FN_CONTENT_TYPE_NAME) ?: "") ==
	    RECORD_STR_MAX);
	/* The name on the part; the Content-Type header field, cut at
	 * HEADER_VALUE_MAX, on the message; and the name is too long. */
	CHECK(count_anom(g, ANOM_TRUNCATED_STRING) == 2);
	CHECK(count_anom(g, ANOM_LONG_FILENAME) == 1);
	CHECK(g->n_anoms == 3 && g->anom[0].part == WALK_NO_PARENT &&
	    g->anom[1].part == 0 && g->anom[2].part == 0);
	got_free(g);
	g_string_free(s, TRUE);

	/* Two cut names on one part: one anomaly, naming the first. */
	s = g_string_new("Content-Type: text/plain; name=\"");
	for (unsigned i = 0; i < RECORD_STR_MAX + 1; i++)
		g_string_append_c(s, 'A');
	g_string_append(s, "\"\nContent-Disposition: attachment; filename=\"");
	for (unsigned i = 0; i < RECORD_STR_MAX + 1; i++)
		g_string_append_c(s, 'B');
	g_string_append(s, "\"\n\nx\n");
	g = walk_text(s->str, &wide);
	CHECK(g->n_names == 2);
	CHECK(count_anom(g, ANOM_TRUNCATED_STRING) == 2);
	got_free(g);
	g_string_free(s, TRUE);

	/* A header value is cut at HEADER_VALUE_MAX, never inside a UTF-8
	 * sequence: "x" then 2-byte characters puts the limit mid-character. */
	s = g_string_new("Subject: x");
	for (unsigned i = 0; i < HEADER_VALUE_MAX; i++)
		g_string_append(s, "\xc3\xa9");
	g_string_append(s, "\nContent-Type: text/plain\n\nx\n");
	g = walk_text(s->str, &wide);
	CHECK(strlen(g->header[HDR_SUBJECT]) > 0);
	/* once for the Subject fact, once for the Subject header field */
	CHECK(count_anom(g, ANOM_TRUNCATED_STRING) == 2);
	CHECK(g->n_anoms == 2 && g->anom[0].part == WALK_NO_PARENT &&
	    g->anom[1].part == WALK_NO_PARENT);
	CHECK(g->header_len[HDR_SUBJECT] == HEADER_VALUE_MAX - 1);
	got_free(g);
	g_string_free(s, TRUE);

	g = walk_text("", &wide);
	CHECK(count_anom(g, ANOM_PARSE_FAILED) == 1 && g->n_parts == 0);
	got_free(g);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_walk_big_shapes(void)
{
	char *msg = many_parts(20000);
	struct got *g;
	double t0 = now();

	g = walk_text(msg, &wide);
	printf("20000 parts: %.3f s\n", now() - t0);
	CHECK(g->all_parts == 20001);
	CHECK(g->n_anoms == 0);
	got_free(g);
	g_free(msg);

	msg = deep_parts(400);
	t0 = now();
	g = walk_text(msg, &wide);
	printf("400 nested multiparts: %.3f s\n", now() - t0);
	CHECK(g->all_parts == 401);
	CHECK(g->n_anoms == 0);
	got_free(g);
	g_free(msg);
}

/* Every header of the top-level message, in its order (GMime splits the
 * Content-* ones off), decoded; detected types of leaf parts. */
static void
test_walk_header_fields(void)
{
	struct walk_limits off = wide;
	struct got *g = walk_text(
	    "Received: from a by b\n"
	    "Content-Type: multipart/mixed; boundary=m\n"
	    "Subject: =?utf-8?B?w6TDtsO8?=\n"
	    "MIME-Version: 1.0\n"
	    "X-Custom: yes\n"
	    "\n--m\n"
	    "Content-Type: image/gif; name=\"file.gif.exe\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\nTVpQAAIAAAAEAA8A//8AALgAAAAAAAAAQAAaAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
	    "--m--\n", &wide);

	CHECK(g->n_fields == 5);
	CHECK(strcmp(g->field[0].name, "Received") == 0);
	CHECK(strcmp(g->field[1].name, "Content-Type") == 0);
	CHECK(strcmp(g->field[2].name, "Subject") == 0);
	CHECK(strcmp(g->field[2].value, "\xc3\xa4\xc3\xb6\xc3\xbc") == 0);
	CHECK(strcmp(g->field[4].value, "yes") == 0);
	CHECK(strcmp(g->detected[1], "application/x-dosexec") == 0);
	CHECK(strcmp(g->detected[0], "") == 0);
	CHECK(count_anom(g, ANOM_DOUBLE_EXTENSION) == 1);
	CHECK(count_anom(g, ANOM_DISGUISED_EXECUTABLE) == 1);
	CHECK(count_anom(g, ANOM_EXE_NAME_ON_MEDIA) == 1);
	got_free(g);

	/* Switched off: not reported at all. */
	off.disabled_checks = (1ull << ANOM_DOUBLE_EXTENSION) |
	    (1ull << ANOM_DISGUISED_EXECUTABLE);
	g = walk_text("Content-Type: image/gif; name=\"file.gif.exe\"\n\nx\n",
	    &off);
	CHECK(count_anom(g, ANOM_DOUBLE_EXTENSION) == 0);
	CHECK(count_anom(g, ANOM_EXE_NAME_ON_MEDIA) == 1);
	got_free(g);
}

/* The walk's callbacks, fed to the broker's own order (part_order.h). */
struct order_check {
	struct part_order o;
	const char *why;	/* the first break */
	unsigned seen;		/* callbacks before it */
	int truncated_on_1;	/* ANOM_TRUNCATED_STRING about part 1 */
};

static void
order_feed(struct order_check *c, unsigned type, uint32_t part,
    unsigned kind)
{
	const char *why = part_order_next(&c->o, type, part, kind);

	if (why != NULL && c->why == NULL)
		c->why = why;
	if (c->why == NULL)
		c->seen++;
}

static void
order_part(void *ctx, const struct walk_part *p)
{
	order_feed(ctx, REC_PART, p->index, p->kind);
}

static void
order_name(void *ctx, uint32_t part, enum filename_source source,
    const char *name, size_t len)
{
	order_feed(ctx, REC_FILENAME, part, 0);
}

static void
order_header(void *ctx, enum header_fact which, const char *value,
    size_t len)
{
	order_feed(ctx, REC_HEADER, 0, 0);
}

static void
order_field(void *ctx, uint32_t part, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	order_feed(ctx, REC_HEADER_FIELD, part, 0);
}

static void
order_anomaly(void *ctx, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	struct order_check *c = ctx;

	if (part == 1 && code == ANOM_TRUNCATED_STRING)
		c->truncated_on_1 = 1;
	order_feed(c, REC_ANOMALY, part, 0);
}

static void
order_content(void *ctx, uint32_t part, const uint8_t *data, size_t len)
{
	order_feed(ctx, REC_CONTENT, part, 0);
}

static const struct walk_sink order_sink = {
	.on_part = order_part,
	.on_filename = order_name,
	.on_header = order_header,
	.on_header_field = order_field,
	.on_anomaly = order_anomaly,
	.on_content = order_content,
};

/* Second and later name= and filename= values are the part's names too:
 * they come with the first ones, before its content, and a cut one is
 * said like any cut string of the part. */
static void
test_walk_record_order(void)
{
	GString *m = g_string_new(
	    "Subject: x\r\n"
	    "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
	    "--m\r\n"
	    "Content-Type: application/octet-stream; name=a.txt; "
	    "name=b.exe\r\n"
	    "Content-Disposition: attachment; filename=c.txt; "
	    "filename=d.exe; filename=\"");
	struct order_check c;
	struct walk_stats st;
	struct got *g;

	for (unsigned i = 0; i < RECORD_STR_MAX + 10; i++)
		g_string_append_c(m, 'x');
	g_string_append(m, ".exe\"\r\n\r\nhello\r\n--m--\r\n");

	memset(&c, 0, sizeof(c));
	part_order_init(&c.o);
	CHECK(mime_walk((const uint8_t *)m->str, m->len, &wide, &order_sink,
	    &c, &st) == 0);
	order_feed(&c, REC_END, 0, 0);
	if (c.why != NULL)
		fprintf(stderr, "after %u callbacks: %s\n", c.seen, c.why);
	CHECK(c.why == NULL);
	CHECK(st.parts == 2 && st.filenames == 5);
	CHECK(c.truncated_on_1);

	g = walk_text(m->str, &wide);
	CHECK(strcmp(name_of(g, 1, FN_CONTENT_TYPE_NAME) ?: "", "a.txt") == 0);
	CHECK(g->n_names == 5 && strcmp(g->name[2].name, "b.exe") == 0);
	CHECK(g->part[1].contents == 1);
	CHECK(count_anom(g, ANOM_FILENAME_MISMATCH) == 1);
	got_free(g);
	g_string_free(m, TRUE);
}

int
main(void)
{
	g_mime_init();
	test_walk_both_filename_sources();
	test_walk_rfc2231_rfc2047();
	test_walk_nested_paths();
	test_walk_uuencoded_child();
	test_walk_encoded_rfc822();
	test_walk_limits_once();
	test_walk_strings();
	test_walk_header_fields();
	test_walk_big_shapes();
	test_walk_record_order();
	if (failures > 0) {
		fprintf(stderr, "test_mime_walk: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_mime_walk: all checks passed\n");
	return 0;
}
