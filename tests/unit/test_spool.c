/* tests: broker/spool.c: the message kept whole in an unnamed file, the
 * size limit (input still drained), read and write errors leaving
 * nothing behind, the read-only view, linking and copying. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "check.h"
#include "spool.h"

static char *work;

/* A file holding `len` bytes of a pattern, opened for reading. */
static int
input_of(size_t len, GByteArray **bytes)
{
	g_autofree char *path = g_build_filename(work, "..", "input", NULL);
	GByteArray *b = g_byte_array_sized_new((guint)len);
	int fd;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)(i * 7 + i / 251);

		g_byte_array_append(b, &c, 1);
	}
	CHECK(g_file_set_contents(path, (const char *)b->data, (gssize)len,
	    NULL));
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	unlink(path);
	*bytes = b;
	return fd;
}

/* The spool file's bytes, through spool_copy_to. */
static GByteArray *
spooled(const struct spool *sp)
{
	char path[] = "/tmp/qscan-test-spool-copy.XXXXXX";
	int fd = mkstemp(path);
	GByteArray *out = g_byte_array_new();
	uint8_t buf[65536];
	ssize_t n;
	off_t off = 0;

	CHECK(fd >= 0);
	unlink(path);
	CHECK_INT(spool_copy_to(sp, fd), 0);
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		g_byte_array_append(out, buf, (guint)n);
		off += n;
	}
	close(fd);
	return out;
}

static int
work_is_empty(void)
{
	GDir *d = g_dir_open(work, 0, NULL);
	int empty = d != NULL && g_dir_read_name(d) == NULL;

	if (d)
		g_dir_close(d);
	return empty;
}

static void
test_whole(void)
{
	/* More than one read buffer (64 KiB), and an empty message. */
	const size_t sizes[] = { 0, 1, 65536, 65537, 300000 };

	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		GByteArray *in, *got;
		struct spool sp;
		int fd = input_of(sizes[i], &in);

		CHECK_INT(spool_receive(work, fd, 1 << 20, &sp), SPOOL_OK);
		CHECK(sp.fd >= 0);
		CHECK_INT(sp.size, sizes[i]);
		CHECK_INT(sp.seen, sizes[i]);
		got = spooled(&sp);
		CHECK_INT(got->len, in->len);
		CHECK(memcmp(got->data, in->data, in->len) == 0);
		/* Unnamed: nothing appears in work/. */
		CHECK(work_is_empty());
		spool_close(&sp);
		CHECK_INT(sp.fd, -1);
		close(fd);
		g_byte_array_unref(in);
		g_byte_array_unref(got);
	}
}

/* Exactly the limit is whole; one byte over is oversize, what is kept
 * stays within the limit, and the input is read to its end. */
static void
test_limit(void)
{
	GByteArray *in;
	struct spool sp;
	int fd = input_of(200000, &in);

	CHECK_INT(spool_receive(work, fd, 200000, &sp), SPOOL_OK);
	CHECK_INT(sp.size, 200000);
	spool_close(&sp);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK_INT(spool_receive(work, fd, 199999, &sp), SPOOL_OVERSIZE);
	CHECK(sp.size <= 199999);
	CHECK_INT(sp.seen, 200000);
	CHECK(lseek(fd, 0, SEEK_CUR) == 200000);	/* drained */
	CHECK(sp.fd >= 0);	/* kept: the caller still logs and answers */
	spool_close(&sp);
	/* Far over (the first read already is): the rest is still read
	 * to its end, so qmail-smtpd is never left blocked writing. */
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK_INT(spool_receive(work, fd, 1000, &sp), SPOOL_OVERSIZE);
	CHECK(sp.size <= 1000);
	CHECK_INT(sp.seen, 200000);
	CHECK(lseek(fd, 0, SEEK_CUR) == 200000);
	spool_close(&sp);
	close(fd);
	g_byte_array_unref(in);
}

static void
test_errors(void)
{
	g_autofree char *missing = g_build_filename(work, "nonexistent", NULL);
	GByteArray *in;
	struct spool sp;
	int fd = input_of(10, &in), wfd;

	/* work/ gone (disk trouble): a write error, nothing open. */
	CHECK_INT(spool_receive(missing, fd, 100, &sp), SPOOL_WRITE_ERROR);
	CHECK_INT(sp.fd, -1);
	close(fd);
	/* An input that cannot be read: a read error, nothing kept. */
	wfd = open("/dev/null", O_WRONLY);
	CHECK_INT(spool_receive(work, wfd, 100, &sp), SPOOL_READ_ERROR);
	CHECK_INT(sp.fd, -1);
	CHECK(work_is_empty());
	close(wfd);
	g_byte_array_unref(in);
}

/* Roles get a read-only view; quarantine links the same bytes. */
static void
test_readonly_and_link(void)
{
	g_autofree char *linked = NULL;
	GByteArray *in;
	struct spool sp;
	int fd = input_of(5000, &in), ro, dfd;
	uint8_t buf[8000];

	CHECK_INT(spool_receive(work, fd, 1 << 20, &sp), SPOOL_OK);
	ro = spool_open_readonly(&sp);
	CHECK(ro >= 0);
	CHECK_INT(read(ro, buf, sizeof(buf)), 5000);
	CHECK(memcmp(buf, in->data, 5000) == 0);
	CHECK(write(ro, "x", 1) < 0 && errno == EBADF);
	CHECK_INT(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(ro);

	dfd = open(work, O_DIRECTORY | O_RDONLY);
	CHECK_INT(spool_link(&sp, dfd, "msg"), 0);
	linked = g_build_filename(work, "msg", NULL);
	{
		g_autofree char *text = NULL;
		gsize len = 0;

		CHECK(g_file_get_contents(linked, &text, &len, NULL));
		CHECK_INT(len, 5000);
		CHECK(len == 5000 && memcmp(text, in->data, 5000) == 0);
	}
	/* A name that exists already is not replaced. */
	CHECK_INT(spool_link(&sp, dfd, "msg"), -1);
	CHECK_INT(errno, EEXIST);
	unlink(linked);
	close(dfd);
	spool_close(&sp);
	close(fd);
	g_byte_array_unref(in);
}

/* A spool file that shrank under us, or an output that is gone: the copy
 * fails, it never reports a short copy as done. */
static void
test_copy_errors(void)
{
	GByteArray *in;
	struct spool sp;
	int fd = input_of(1000, &in), p[2];
	struct sigaction ign = { .sa_handler = SIG_IGN };

	CHECK_INT(spool_receive(work, fd, 1 << 20, &sp), SPOOL_OK);
	CHECK(pipe(p) == 0);
	close(p[0]);
	sigaction(SIGPIPE, &ign, NULL);
	CHECK_INT(spool_copy_to(&sp, p[1]), -1);
	CHECK_INT(fd_write_all(p[1], "x", 1), -1);
	close(p[1]);

	CHECK(ftruncate(sp.fd, 10) == 0);
	CHECK(pipe(p) == 0);
	CHECK_INT(spool_copy_to(&sp, p[1]), -1);
	CHECK_INT(errno, EIO);
	close(p[0]);
	close(p[1]);
	spool_close(&sp);
	close(fd);
	g_byte_array_unref(in);
}

int
main(void)
{
	g_autofree char *top = g_dir_make_tmp("qscan-test-spool-XXXXXX", NULL);

	CHECK(top != NULL);
	work = g_build_filename(top, "work", NULL);
	CHECK(mkdir(work, 0700) == 0);
	test_whole();
	test_limit();
	test_errors();
	test_readonly_and_link();
	test_copy_errors();
	CHECK(work_is_empty());
	rmdir(work);
	rmdir(top);
	g_free(work);
	return CHECK_DONE();
}
