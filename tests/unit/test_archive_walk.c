/* tests: unit tests for unpacker/archive_walk.c over the fixtures in
 * fuzz/corpus/archive/ and archives built here (bombs, deep nesting);
 * harness.  Usage: test-archive_walk CORPUS_DIR.  Timings are printed,
 * never asserted (docs/architecture.md, "Tests": tests must not assert
 * timings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive_walk.h"
#include "check.h"

#define T_MAX_SEEN	256
#define T_MAX_FILE	(4u * 1024 * 1024)
#define T_MB		(1024u * 1024)

struct t_mem {
	char path[AW_PATH_MAX + 1];
	uint32_t parent, depth;
	int encrypted, truncated;
	enum aw_format format;
	size_t size;
	uint8_t head[4096];	/* first bytes of the content */
};

struct t_ctx {
	struct t_mem m[T_MAX_SEEN];
	unsigned n;
	struct aw_archive arc[T_MAX_SEEN];
	unsigned n_arc;
	enum aw_anomaly anom[T_MAX_SEEN];
	uint32_t anom_member[T_MAX_SEEN];
	unsigned n_anom;
	uint32_t max_depth_seen;
};

static const char *corpus;
static uint8_t hello[] = "hello world\n";
static uint8_t data_bin[2048];

static void
t_on_archive(void *vctx, const struct aw_archive *arc)
{
	struct t_ctx *c = vctx;

	if (c->n_arc < T_MAX_SEEN)
		c->arc[c->n_arc++] = *arc;
}

static void
t_on_member(void *vctx, const struct aw_member *m)
{
	struct t_ctx *c = vctx;
	struct t_mem *t;

	CHECK(m->index == c->n);
	CHECK(strlen(m->path) == m->path_len);
	if (m->depth > c->max_depth_seen)
		c->max_depth_seen = m->depth;
	if (c->n >= T_MAX_SEEN)
		return;
	t = &c->m[c->n++];
	memcpy(t->path, m->path, m->path_len + 1);
	t->parent = m->parent;
	t->depth = m->depth;
	t->encrypted = m->encrypted;
	t->format = m->format;
}

static void
t_on_content(void *vctx, uint32_t member, const uint8_t *data, size_t len,
    int truncated)
{
	struct t_ctx *c = vctx;
	struct t_mem *t;

	if (member >= T_MAX_SEEN)
		return;
	CHECK(member + 1 == c->n);
	t = &c->m[member];
	t->size = len;
	t->truncated = truncated;
	memcpy(t->head, data, len < sizeof(t->head) ? len : sizeof(t->head));
}

static void
t_on_anomaly(void *vctx, uint32_t member, enum aw_anomaly code,
    const char *detail)
{
	struct t_ctx *c = vctx;

	printf("    anomaly %s (member %d): %s\n",
	    archive_walk_anomaly_name(code),
	    member == AW_NO_PARENT ? -1 : (int)member, detail);
	if (c->n_anom < T_MAX_SEEN) {
		c->anom_member[c->n_anom] = member;
		c->anom[c->n_anom++] = code;
	}
}

static const struct aw_sink t_sink = {
	.on_archive = t_on_archive,
	.on_member = t_on_member,
	.on_content = t_on_content,
	.on_anomaly = t_on_anomaly,
};

static int
t_has(const struct t_ctx *c, enum aw_anomaly code)
{
	for (unsigned i = 0; i < c->n_anom; i++)
		if (c->anom[i] == code)
			return 1;
	return 0;
}

static double
t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *
t_read(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	uint8_t *buf = malloc(T_MAX_FILE);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL || buf == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	*len = fread(buf, 1, T_MAX_FILE, f);
	fclose(f);
	return buf;
}

static enum aw_result
t_walk_buf(const uint8_t *buf, size_t len, const struct aw_limits *lim,
    struct t_ctx *c)
{
	struct aw_limits dflt;
	struct aw_stats st;
	enum aw_result res;

	if (lim == NULL) {
		archive_walk_default_limits(&dflt);
		lim = &dflt;
	}
	memset(c, 0, sizeof(*c));
	res = archive_walk(buf, len, 0, lim, &t_sink, c, &st);
	CHECK(st.members == c->n || c->n == T_MAX_SEEN);
	CHECK(st.anomalies == c->n_anom || c->n_anom == T_MAX_SEEN);
	CHECK(st.archives == c->n_arc || c->n_arc == T_MAX_SEEN);
	return res;
}

static enum aw_result
t_walk(const char *name, const struct aw_limits *lim, struct t_ctx *c)
{
	size_t len;
	uint8_t *buf = t_read(corpus, name, &len);
	enum aw_result res;

	printf("  %s\n", name);
	res = t_walk_buf(buf, len, lim, c);
	free(buf);
	return res;
}

static const struct t_mem *
t_find(const struct t_ctx *c, const char *path)
{
	for (unsigned i = 0; i < c->n; i++)
		if (strcmp(c->m[i].path, path) == 0)
			return &c->m[i];
	return NULL;
}

/* The two files every basic.* fixture holds. */
static void
t_check_basic(const char *name, enum aw_format fmt, enum aw_filter filter,
    const char *data_path)
{
	struct t_ctx c;
	const struct t_mem *h, *d;

	CHECK_INT(t_walk(name, NULL, &c), AW_OK);
	CHECK_INT(c.n, 2);
	CHECK_INT(c.n_arc, 1);
	CHECK_INT(c.arc[0].format, fmt);
	CHECK_INT(c.arc[0].filter, filter);
	h = t_find(&c, "hello.txt");
	d = t_find(&c, data_path);
	CHECK(h != NULL && d != NULL);
	if (h == NULL || d == NULL) {
		for (unsigned i = 0; i < c.n; i++)
			fprintf(stderr, "%s: member \"%s\"\n", name,
			    c.m[i].path);
		return;
	}
	CHECK_INT(h->size, 12);
	CHECK(memcmp(h->head, hello, 12) == 0);
	CHECK_INT(d->size, sizeof(data_bin));
	CHECK(memcmp(d->head, data_bin, sizeof(data_bin)) == 0);
	CHECK(!h->encrypted && !h->truncated && h->parent == AW_NO_PARENT);
	CHECK_INT(h->format, fmt);
}

static void
test_archive_formats(void)
{
	t_check_basic("basic.zip", AW_FMT_ZIP, AW_FILTER_NONE, "dir/data.bin");
	t_check_basic("basic.tar.gz", AW_FMT_TAR, AW_FILTER_GZIP,
	    "dir/data.bin");
	t_check_basic("basic.tar.bz2", AW_FMT_TAR, AW_FILTER_BZIP2,
	    "dir/data.bin");
	t_check_basic("basic.tar.xz", AW_FMT_TAR, AW_FILTER_XZ,
	    "dir/data.bin");
	t_check_basic("basic.7z", AW_FMT_7ZIP, AW_FILTER_NONE, "dir/data.bin");
	t_check_basic("basic.cab", AW_FMT_CAB, AW_FILTER_NONE, "dir/data.bin");
	t_check_basic("basic.cpio", AW_FMT_CPIO, AW_FILTER_NONE,
	    "dir/data.bin");
	t_check_basic("basic.iso", AW_FMT_ISO9660, AW_FILTER_NONE,
	    "dir/data.bin");
}

static void
test_archive_rar(void)
{
	struct t_ctx c;
	const struct t_mem *m;

	/* RAR4 with Japanese names: two files, one of 5 bytes */
	CHECK_INT(t_walk("rar4-unicode.rar", NULL, &c), AW_OK);
	CHECK_INT(c.n_arc, 1);
	CHECK_INT(c.arc[0].format, AW_FMT_RAR);
	CHECK_INT(c.n, 2);
	for (unsigned i = 0; i < c.n; i++)
		printf("    rar4 member \"%s\" %zu bytes\n", c.m[i].path,
		    c.m[i].size);
	/* RAR5 holding a zip: the zip is walked one level down */
	CHECK_INT(t_walk("rar5-zip-in-rar.rar", NULL, &c), AW_OK);
	CHECK(c.n_arc == 2 && c.arc[0].format == AW_FMT_RAR5 &&
	    c.arc[1].format == AW_FMT_ZIP && c.arc[1].depth == 1);
	m = t_find(&c, "payload/inner.zip");
	CHECK(m != NULL && m->size == 165);
	CHECK(t_find(&c, "payload/real_after.txt") != NULL);
	CHECK(c.max_depth_seen == 1);
	for (unsigned i = 0; i < c.n; i++)
		printf("    rar5 member \"%s\" %zu bytes depth %u\n",
		    c.m[i].path, c.m[i].size, c.m[i].depth);
}

static void
test_archive_encrypted(void)
{
	static const char *const names[] = {
		"enc-zipcrypto.zip", "enc-aes.zip", "enc.7z",
	};
	struct t_ctx c;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INT(t_walk(names[i], NULL, &c), AW_ANOMALY);
		CHECK(t_has(&c, AW_ANOM_ENCRYPTED));
		CHECK(c.n >= 1);
		for (unsigned k = 0; k < c.n; k++) {
			CHECK(c.m[k].encrypted);
			CHECK_INT(c.m[k].size, 0);
		}
		/* once per archive, however many members */
		CHECK_INT(c.n_anom, 1);
	}
	/* 7z with encrypted headers: nothing to list */
	CHECK_INT(t_walk("enc-header.7z", NULL, &c), AW_ANOMALY);
	CHECK(t_has(&c, AW_ANOM_ENCRYPTED));
	CHECK_INT(c.n_arc, 1);
}

static void
test_archive_corrupt(void)
{
	struct t_ctx c;
	enum aw_result res;
	static const uint8_t text[] = "just some text, not an archive\n";

	CHECK_INT(t_walk("corrupt-data.zip", NULL, &c), AW_ANOMALY);
	CHECK(t_has(&c, AW_ANOM_CORRUPT));
	res = t_walk("truncated.zip", NULL, &c);
	CHECK(res == AW_ANOMALY || res == AW_PART_FAILED);
	CHECK(t_has(&c, AW_ANOM_CORRUPT));
	/* broken inside the gzip stream, before the first tar header */
	CHECK_INT(t_walk("truncated.tar.gz", NULL, &c), AW_PART_FAILED);
	CHECK(t_has(&c, AW_ANOM_CORRUPT));
	CHECK_INT(t_walk_buf(text, sizeof(text) - 1, NULL, &c),
	    AW_NOT_ARCHIVE);
	CHECK(c.n == 0 && c.n_anom == 0 && c.n_arc == 0);
	CHECK_INT(t_walk_buf(text, 0, NULL, &c), AW_NOT_ARCHIVE);
	/* every prefix of a zip ends cleanly */
	{
		size_t len;
		uint8_t *buf = t_read(corpus, "nested.zip", &len);

		for (size_t cut = 0; cut < len; cut += 7)
			CHECK(t_walk_buf(buf, cut, NULL, &c) !=
			    AW_MESSAGE_FATAL);
		free(buf);
	}
}

static void
test_archive_nested(void)
{
	struct t_ctx c;
	const struct t_mem *m;
	struct aw_limits lim;

	CHECK_INT(t_walk("nested.zip", NULL, &c), AW_OK);
	CHECK_INT(c.n_arc, 3);
	CHECK_INT(c.n, 4);
	m = t_find(&c, "hello.txt");
	CHECK(m != NULL && m->depth == 1 && m->parent == 0 &&
	    m->size == 12 && memcmp(m->head, hello, 12) == 0);
	m = t_find(&c, "dir/data.bin");
	CHECK(m != NULL && m->depth == 1 && m->parent == 2 &&
	    m->size == sizeof(data_bin));
	/* max_depth 0: the inner archives are members, not opened */
	archive_walk_default_limits(&lim);
	lim.max_depth = 0;
	CHECK_INT(t_walk("nested.zip", &lim, &c), AW_ANOMALY);
	CHECK_INT(c.n, 2);
	CHECK(t_has(&c, AW_ANOM_LIMIT_DEPTH));
	CHECK_INT(c.n_anom, 1);
}

/* Writes a zip of n members into a malloc'd buffer; member i is named
 * base (n == 1) or base followed by i, and holds `repeat` copies of data[0..len). */
static uint8_t *
t_make_zip(const char *base, unsigned n, const uint8_t *data, size_t len,
    size_t repeat, size_t cap, size_t *out_len)
{
	struct archive *a = archive_write_new();
	uint8_t *buf = malloc(cap);
	size_t used = 0;

	if (a == NULL || buf == NULL ||
	    archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK) {
		fprintf(stderr, "cannot start a zip\n");
		exit(1);
	}
	for (unsigned i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		char name[64];

		if (n == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s%03u", base, i);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)(len * repeat));
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			fprintf(stderr, "zip header: %s\n",
			    archive_error_string(a));
			exit(1);
		}
		for (size_t r = 0; r < repeat; r++)
			if (archive_write_data(a, data, len) != (la_ssize_t)len) {
				fprintf(stderr, "zip data: %s\n",
				    archive_error_string(a));
				exit(1);
			}
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "zip close: %s\n", archive_error_string(a));
		exit(1);
	}
	archive_write_free(a);
	*out_len = used;
	return buf;
}

static void
test_archive_deep_nesting(void)
{
	struct t_ctx c;
	struct aw_limits lim;
	uint8_t *zip, *outer;
	size_t len, olen;
	double t0;

	/* 12 zips, one inside the other, "payload.txt" at the bottom */
	zip = t_make_zip("payload.txt", 1, hello, 12, 1, 64 * 1024, &len);
	for (int level = 0; level < 11; level++) {
		outer = t_make_zip("nested.zip", 1, zip, len, 1,
		    len + 64 * 1024, &olen);
		free(zip);
		zip = outer;
		len = olen;
	}
	archive_walk_default_limits(&lim);
	t0 = t_now();
	CHECK_INT(t_walk_buf(zip, len, &lim, &c), AW_ANOMALY);
	printf("  12-deep nested zip (%zu bytes): %.3f s, %u members, "
	    "deepest level %u\n", len, t_now() - t0, c.n, c.max_depth_seen);
	CHECK(t_has(&c, AW_ANOM_LIMIT_DEPTH));
	CHECK_INT(c.max_depth_seen, DEFAULT_MAX_ARCHIVE_DEPTH);
	CHECK_INT(c.n, DEFAULT_MAX_ARCHIVE_DEPTH + 1);
	/* with room for all twelve the payload is found */
	lim.max_depth = 12;
	CHECK_INT(t_walk_buf(zip, len, &lim, &c), AW_OK);
	CHECK(c.n == 12 && strcmp(c.m[11].path, "payload.txt") == 0 &&
	    c.m[11].depth == 11);
	free(zip);
}

static void
test_archive_members_limit(void)
{
	struct t_ctx c;
	struct aw_limits lim;
	uint8_t *zip;
	size_t len;

	zip = t_make_zip("f", 50, hello, 12, 1, 256 * 1024, &len);
	archive_walk_default_limits(&lim);
	lim.max_members = 10;
	CHECK_INT(t_walk_buf(zip, len, &lim, &c), AW_ANOMALY);
	CHECK_INT(c.n, 10);
	CHECK(t_has(&c, AW_ANOM_LIMIT_MEMBERS));
	CHECK_INT(c.n_anom, 1);
	free(zip);
}

/* 42.zip's shape: 10 zips of 10 zips of 10 zips of one 50 MB zero file;
 * 50 GB if walked to the end. */
static void
test_archive_nested_bomb(void)
{
	struct t_ctx c;
	struct aw_limits lim;
	uint8_t *zeros = calloc(1, T_MB), *l0, *l1, *l2, *l3;
	size_t n0, n1, n2, n3;
	double t0;

	l0 = t_make_zip("zeros.bin", 1, zeros, T_MB, 50, 4 * T_MB, &n0);
	l1 = t_make_zip("l1-", 10, l0, n0, 1, 10 * n0 + T_MB, &n1);
	l2 = t_make_zip("l2-", 10, l1, n1, 1, 10 * n1 + T_MB, &n2);
	l3 = t_make_zip("l3-", 10, l2, n2, 1, 10 * n2 + T_MB, &n3);
	archive_walk_default_limits(&lim);
	t0 = t_now();
	CHECK_INT(t_walk_buf(l3, n3, &lim, &c), AW_ANOMALY);
	printf("  42.zip-style bomb (%zu bytes, 50 GB inside): %.3f s, "
	    "%u members\n", n3, t_now() - t0, c.n);
	CHECK(t_has(&c, AW_ANOM_LIMIT_RATIO) ||
	    t_has(&c, AW_ANOM_LIMIT_EXPANDED));
	/* without the ratio limit the byte budget stops it */
	lim.max_ratio = 0;
	lim.max_expanded_bytes = 200ull * T_MB;
	t0 = t_now();
	CHECK_INT(t_walk_buf(l3, n3, &lim, &c), AW_ANOMALY);
	printf("  42.zip-style bomb, ratio off, 200 MB budget: %.3f s, "
	    "%u members\n", t_now() - t0, c.n);
	CHECK(t_has(&c, AW_ANOM_LIMIT_EXPANDED));
	free(zeros);
	free(l0);
	free(l1);
	free(l2);
	free(l3);
}

/* The 400 MB zero bomb, written by python3's zipfile at test time. */
static void
test_archive_zero_bomb(void)
{
	char dir[] = "/tmp/test-archive-walk.XXXXXX", cmd[512];
	struct t_ctx c;
	struct aw_limits lim;
	uint8_t *buf;
	size_t len;
	double t0;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		check_failures++;
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 -c '"
	    "import zipfile,sys\n"
	    "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
	    "  with z.open(\"zeros.bin\", \"w\", force_zip64=True) as f:\n"
	    "    b = bytes(1 << 20)\n"
	    "    for i in range(400): f.write(b)\n"
	    "' %s/bomb.zip", dir);
	t0 = t_now();
	if (system(cmd) != 0) {
		fprintf(stderr, "python3 could not write the bomb\n");
		check_failures++;
		return;
	}
	printf("  writing the 400 MB zip bomb: %.3f s\n", t_now() - t0);
	buf = t_read(dir, "bomb.zip", &len);
	snprintf(cmd, sizeof(cmd), "%s/bomb.zip", dir);
	unlink(cmd);
	rmdir(dir);
	archive_walk_default_limits(&lim);
	t0 = t_now();
	CHECK_INT(t_walk_buf(buf, len, &lim, &c), AW_ANOMALY);
	printf("  400 MB zero bomb (%zu bytes), defaults: %.3f s, "
	    "stopped after %zu bytes\n", len, t_now() - t0, c.m[0].size);
	CHECK(t_has(&c, AW_ANOM_LIMIT_RATIO));
	CHECK(c.n == 1 && c.m[0].truncated);
	lim.max_ratio = 0;
	lim.max_expanded_bytes = 100ull * T_MB;
	t0 = t_now();
	CHECK_INT(t_walk_buf(buf, len, &lim, &c), AW_ANOMALY);
	printf("  400 MB zero bomb, ratio off, 100 MB budget: %.3f s, "
	    "stopped after %zu bytes\n", t_now() - t0, c.m[0].size);
	CHECK(t_has(&c, AW_ANOM_LIMIT_EXPANDED));
	CHECK_INT(c.m[0].size, 100ull * T_MB);
	free(buf);
}

/* ---- look-alikes, lone compressed files, a container holding itself --- */

/* A compressor's signature, or only its first letters; filter_on: the
 * role decodes that compression; whole: libarchive's filter bids on it
 * (then what follows, never a valid stream, is a corrupt one). */
static const struct t_magic {
	const char *name;
	const char *bytes;
	size_t len;
	int filter_on, whole;
} t_magics[] = {
	{ "gzip, 2 bytes", "\x1f\x8b", 2, 1, 0 },
	{ "gzip header", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10, 1, 1 },
	{ "bzip2, 3 bytes", "BZh", 3, 1, 0 },
	{ "bzip2, 4 bytes", "BZh9", 4, 1, 0 },
	{ "bzip2 block", "BZh91AY&SY", 10, 1, 1 },
	{ "xz", "\xfd" "7zXZ\x00", 6, 1, 1 },
	{ "lzma", "\x5d\x00\x00\x80\x00", 5, 0, 0 },
	{ "zstd", "\x28\xb5\x2f\xfd", 4, 0, 0 },
	{ "lz4", "\x04\x22\x4d\x18", 4, 0, 0 },
	{ "compress (.Z)", "\x1f\x9d", 2, 0, 0 },
	{ "lzip", "LZIP\x01", 5, 0, 0 },
	{ "lzop", "\x89LZO\x00\r\n\x1a\n", 9, 0, 0 },
	{ "lrzip", "LRZI\x00\x06", 6, 0, 0 },
	{ "uu", "begin 644 notes.txt\n", 20, 0, 0 },
	{ "grzip", "GRZipII\x00\x02\x04:)", 12, 0, 0 },
};

static const char t_text[] = "ello Bob, a plain note that happens to "
    "start like a compressed file; nothing is packed in here.\n";

/* magic + text or + pseudo-random bytes (fixed seed), into out. */
static size_t
t_lookalike(const struct t_magic *mg, int random_tail, uint8_t *out,
    size_t cap)
{
	size_t n = mg->len;
	uint32_t x = 0x9e3779b9u;

	memcpy(out, mg->bytes, mg->len);
	while (n < cap) {
		if (random_tail) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			out[n++] = (uint8_t)(x >> 24);
		} else {
			size_t k = sizeof(t_text) - 1 < cap - n ?
			    sizeof(t_text) - 1 : cap - n;

			memcpy(out + n, t_text, k);
			n += k;
		}
	}
	return n;
}

/* Writes one file `name` holding data in libarchive's write format and
 * filter (ARCHIVE_FORMAT_RAW: one compressed file) to a malloc'd
 * buffer. */
static uint8_t *
t_write(int format, int filter, const char *name, const uint8_t *data,
    size_t len, size_t *out_len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = len + 1024 * 1024, used = 0;
	uint8_t *buf = malloc(cap);

	if (a == NULL || e == NULL || buf == NULL ||
	    archive_write_set_format(a, format) != ARCHIVE_OK ||
	    archive_write_add_filter(a, filter) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK) {
		fprintf(stderr, "cannot start an archive: %s\n",
		    a != NULL ? archive_error_string(a) : "no memory");
		exit(1);
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, data, len) != (la_ssize_t)len ||
	    archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "write: %s\n", archive_error_string(a));
		exit(1);
	}
	archive_entry_free(e);
	archive_write_free(a);
	*out_len = used;
	return buf;
}

/* Whether any member reported holds exactly buf[0..len). */
static int
t_member_is(const struct t_ctx *c, const uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->m[i].size == len && memcmp(c->m[i].head, buf,
		    len < sizeof(c->m[i].head) ? len : sizeof(c->m[i].head)) == 0)
			return 1;
	return 0;
}

static void
test_archive_lookalikes(void)
{
	uint8_t buf[3000], *zip;
	size_t zlen;
	struct t_ctx c;

	for (size_t i = 0; i < sizeof(t_magics) / sizeof(t_magics[0]); i++) {
		const struct t_magic *mg = &t_magics[i];

		for (int rnd = 0; rnd <= 1; rnd++) {
			size_t len = t_lookalike(mg, rnd, buf, sizeof(buf));
			enum aw_result res = t_walk_buf(buf, len, NULL, &c);

			printf("  %s + %s: %d, %u archives, %u members, "
			    "%u anomalies\n", mg->name, rnd ? "random" : "text",
			    (int)res, c.n_arc, c.n, c.n_anom);
			CHECK(!t_has(&c, AW_ANOM_LIMIT_DEPTH));
			CHECK(!t_member_is(&c, buf, len));
			/* past the depth limit: no container to report */
			CHECK_INT(archive_walk_is_archive(buf, len), 0);
			if (mg->whole) {
				/* a corrupt stream of a compression we
				 * decode: answered so, never walked */
				CHECK_INT(res, AW_PART_FAILED);
				CHECK(c.n_anom == 1 &&
				    c.anom[0] == AW_ANOM_CORRUPT);
				CHECK_INT(c.n, 0);
			} else if (!mg->filter_on || !rnd) {
				CHECK_INT(res, AW_NOT_ARCHIVE);
				CHECK(c.n == 0 && c.n_arc == 0 &&
				    c.n_anom == 0);
			} else {
				/* random bytes may complete a signature */
				CHECK(res == AW_NOT_ARCHIVE ||
				    (res == AW_PART_FAILED && c.n == 0));
			}
			/* as a zip member: a member, not an archive */
			zip = t_make_zip("notes.dat", 1, buf, len, 1,
			    len + 64 * 1024, &zlen);
			res = t_walk_buf(zip, zlen, NULL, &c);
			CHECK(res == AW_OK || (mg->whole && res == AW_ANOMALY));
			CHECK_INT(c.n_arc, mg->whole ? 2 : 1);
			CHECK_INT(c.n, 1);
			CHECK_INT(c.m[0].size, len);
			CHECK(!t_has(&c, AW_ANOM_LIMIT_DEPTH));
			free(zip);
		}
	}
}

static const uint8_t eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
/* No filter, then every filter the role enables. */
static const struct { int code; enum aw_filter filter; } t_filters[] = {
	{ ARCHIVE_FILTER_NONE, AW_FILTER_NONE },
	{ ARCHIVE_FILTER_GZIP, AW_FILTER_GZIP },
	{ ARCHIVE_FILTER_BZIP2, AW_FILTER_BZIP2 },
	{ ARCHIVE_FILTER_XZ, AW_FILTER_XZ },
};

/* Every format libarchive writes, bare and behind every filter: the
 * member and its bytes are still seen (rar and cab, which it cannot
 * write, are the corpus files of test_archive_formats/rar).  7-Zip only
 * bare: its reader seeks to the header at the end, which libarchive
 * cannot do behind a filter (a .7z.gz is answered corrupt). */
static void
test_archive_formats_written(void)
{
	static const struct { int code; enum aw_format fmt; } f[] = {
		{ ARCHIVE_FORMAT_ZIP, AW_FMT_ZIP },
		{ ARCHIVE_FORMAT_TAR_USTAR, AW_FMT_TAR },
		{ ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, AW_FMT_CPIO },
		{ ARCHIVE_FORMAT_7ZIP, AW_FMT_7ZIP },
		{ ARCHIVE_FORMAT_ISO9660, AW_FMT_ISO9660 },
	};
	struct t_ctx c;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		for (size_t k = 0; k < sizeof(t_filters) / sizeof(t_filters[0]); k++) {
			size_t len;
			uint8_t *buf;
			const struct t_mem *m;

			if (f[i].fmt == AW_FMT_7ZIP && k > 0)
				break;
			buf = t_write(f[i].code, t_filters[k].code, "setup.exe", eicar,
			    sizeof(eicar) - 1, &len);
			printf("  written %s + %s\n",
			    archive_walk_format_name(f[i].fmt),
			    archive_walk_filter_name(t_filters[k].filter));
			CHECK_INT(t_walk_buf(buf, len, NULL, &c), AW_OK);
			CHECK(c.n_arc == 1 && c.arc[0].format == f[i].fmt &&
			    c.arc[0].filter == t_filters[k].filter);
			m = t_find(&c, "setup.exe");
			CHECK(m != NULL && m->size == sizeof(eicar) - 1 &&
			    memcmp(m->head, eicar, sizeof(eicar) - 1) == 0);
			free(buf);
		}
}

/* A lone .gz, .bz2, .xz: one member, the original bytes; a look-alike
 * inside one is a member and no archive. */
static void
test_archive_lone_compressed(void)
{
	uint8_t look[600];
	size_t look_len = t_lookalike(&t_magics[3], 0, look, sizeof(look));
	struct t_ctx c;

	/* from 1: a filter, the lone compressed file */
	for (size_t i = 1; i < sizeof(t_filters) / sizeof(t_filters[0]); i++) {
		size_t len;
		uint8_t *buf = t_write(ARCHIVE_FORMAT_RAW, t_filters[i].code, "data",
		    eicar, sizeof(eicar) - 1, &len);

		printf("  lone %s\n", archive_walk_filter_name(t_filters[i].filter));
		CHECK_INT(t_walk_buf(buf, len, NULL, &c), AW_OK);
		CHECK(c.n_arc == 1 && c.arc[0].filter == t_filters[i].filter);
		CHECK(c.n == 1 && c.m[0].size == sizeof(eicar) - 1 &&
		    memcmp(c.m[0].head, eicar, sizeof(eicar) - 1) == 0);
		CHECK_INT(archive_walk_is_archive(buf, len), 1);
		free(buf);
		/* "BZh9..." text, compressed: the text is the member */
		buf = t_write(ARCHIVE_FORMAT_RAW, t_filters[i].code, "data", look,
		    look_len, &len);
		CHECK_INT(t_walk_buf(buf, len, NULL, &c), AW_OK);
		CHECK(c.n_arc == 1 && c.n == 1 && c.n_anom == 0);
		CHECK(c.m[0].size == look_len &&
		    memcmp(c.m[0].head, look, look_len) == 0);
		free(buf);
	}
}

/* A container whose member is the container itself: basic.iso with
 * hello.txt's extent moved to block 0 and its size set to the whole
 * image, so libarchive reads the image back as that file's bytes.  It
 * is walked once, never down to the depth limit; inside a zip the same
 * member (equal to an archive two levels up) is not walked either. */
static void
test_archive_self_member(void)
{
	static const char name[] = "HELLO.TXT;1";
	size_t len, zlen, rec = 0;
	uint8_t *iso = t_read(corpus, "basic.iso", &len), *zip;
	struct t_ctx c;
	const struct t_mem *m;

	/* the directory record: 33 bytes, then the name */
	for (size_t i = 33; i + sizeof(name) - 1 <= len && rec == 0; i++)
		if (memcmp(iso + i, name, sizeof(name) - 1) == 0)
			rec = i - 33;
	CHECK(rec != 0 && len < 0x10000);
	if (rec == 0)
		return;
	/* extent (LE, BE) = 0; data length (LE, BE) = len */
	memset(iso + rec + 2, 0, 8);
	for (int k = 0; k < 4; k++) {
		iso[rec + 10 + k] = (uint8_t)(len >> (8 * k));
		iso[rec + 17 - k] = (uint8_t)(len >> (8 * k));
	}
	(void)t_walk_buf(iso, len, NULL, &c);
	printf("  iso holding itself (%zu bytes): %u archives, %u members\n",
	    len, c.n_arc, c.n);
	m = t_find(&c, "hello.txt");
	CHECK(m != NULL && m->size == len && m->depth == 0 &&
	    memcmp(m->head, iso, sizeof(m->head)) == 0);
	CHECK_INT(c.n_arc, 1);
	CHECK(!t_has(&c, AW_ANOM_LIMIT_DEPTH));
	zip = t_make_zip("self.iso", 1, iso, len, 1, len + 64 * 1024, &zlen);
	(void)t_walk_buf(zip, zlen, NULL, &c);
	CHECK_INT(c.n_arc, 2);
	CHECK(c.n == 2 && c.m[1].depth == 1 && c.m[1].size == len);
	CHECK(!t_has(&c, AW_ANOM_LIMIT_DEPTH));
	free(zip);
	free(iso);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-archive_walk CORPUS_DIR\n");
		return 2;
	}
	corpus = argv[1];
	for (size_t i = 0; i < sizeof(data_bin); i++)
		data_bin[i] = (uint8_t)i;
	CHECK_INT(archive_walk_prepare(), 0);
	CHECK(getenv("TZ") != NULL);
	test_archive_formats();
	test_archive_rar();
	test_archive_encrypted();
	test_archive_corrupt();
	test_archive_nested();
	test_archive_members_limit();
	test_archive_deep_nesting();
	test_archive_nested_bomb();
	test_archive_zero_bomb();
	test_archive_lookalikes();
	test_archive_formats_written();
	test_archive_lone_compressed();
	test_archive_self_member();
	return CHECK_DONE();
}
