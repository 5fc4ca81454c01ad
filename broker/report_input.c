/* broker: reading summary logs through zlib (docs/report.md).  zlib's
 * gzread reads a plain file as it is and a gzip file decompressed, so a
 * rotated log is read whatever its name; it is already linked by GLib
 * and libarchive, and GLib's GZlibDecompressor would only wrap it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "report_input.h"

/* Bytes asked of zlib at a time. */
#define READ_CHUNK (128 * 1024)

struct line_buf {
	char *line;		/* SUMMARY_LINE_MAX + 1 */
	size_t len;
	int too_long;
};

/* Appends bytes of one line; past SUMMARY_LINE_MAX they are dropped and
 * the line is marked. */
static void
line_append(struct line_buf *b, const char *p, size_t n)
{
	if (b->too_long)
		return;
	if (n >= SUMMARY_LINE_MAX - b->len) {
		b->too_long = 1;
		return;
	}
	memcpy(b->line + b->len, p, n);
	b->len += n;
}

static void
line_end(struct line_buf *b, struct report_stats *st, int whole)
{
	b->line[b->len] = '\0';
	report_stats_add_line(st, b->line, b->len, whole && !b->too_long);
	b->len = 0;
	b->too_long = 0;
}

int
report_input_read(const char *path, struct report_stats *st)
{
	g_autofree char *chunk = g_malloc(READ_CHUNK);
	struct line_buf b = { g_malloc(SUMMARY_LINE_MAX + 1), 0, 0 };
	int fd, n, rc = -1, errnum;
	const char *msg;
	gzFile gz;

	if (strcmp(path, "-") == 0)
		fd = dup(0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (gz = gzdopen(fd, "rb")) == NULL) {
		fprintf(stderr, "qscan: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		g_free(b.line);
		return -1;
	}
	gzbuffer(gz, READ_CHUNK);
	while ((n = gzread(gz, chunk, READ_CHUNK)) > 0) {
		const char *p = chunk, *end = chunk + n, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			line_append(&b, p, (size_t)(nl - p));
			line_end(&b, st, 1);
			p = nl + 1;
		}
		line_append(&b, p, (size_t)(end - p));
	}
	/* a gzip stream cut short reads as an end of file with
	 * Z_BUF_ERROR kept: the counts would be short, so say it */
	msg = gzerror(gz, &errnum);
	if (n < 0 || errnum != Z_OK) {
		fprintf(stderr, "qscan: %s: %s\n", path, msg);
		goto out;
	}
	/* a last line without its newline: being written, or cut */
	if (b.len > 0 || b.too_long)
		line_end(&b, st, 0);
	rc = 0;
out:
	gzclose(gz);
	g_free(b.line);
	return rc;
}
