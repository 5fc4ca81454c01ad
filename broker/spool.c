/* broker: spool files; trusted. */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "spool.h"

int
fd_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

enum spool_result
spool_receive(const char *work_dir, int in, uint64_t max_bytes,
    struct spool *sp)
{
	static uint8_t buf[65536];
	enum spool_result r = SPOOL_OK;

	sp->size = sp->seen = 0;
	sp->fd = open(work_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (sp->fd < 0)
		return SPOOL_WRITE_ERROR;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = SPOOL_READ_ERROR;
			break;
		}
		if (n == 0)
			break;
		sp->seen += (uint64_t)n;
		if (r == SPOOL_OVERSIZE)
			continue;	/* drain: qmail-smtpd must finish writing */
		if (sp->seen > max_bytes) {
			r = SPOOL_OVERSIZE;
			continue;
		}
		if (fd_write_all(sp->fd, buf, (size_t)n) != 0) {
			r = SPOOL_WRITE_ERROR;
			break;
		}
		sp->size += (uint64_t)n;
	}
	if (r == SPOOL_READ_ERROR || r == SPOOL_WRITE_ERROR)
		spool_close(sp);
	return r;
}

int
spool_open_readonly(const struct spool *sp)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", sp->fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int
spool_link(const struct spool *sp, int dirfd, const char *name)
{
	char path[64];

	if (fsync(sp->fd) != 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sp->fd);
	if (linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW) != 0)
		return -1;
	return fsync(dirfd);
}

int
spool_copy_to(const struct spool *sp, int out)
{
	static uint8_t buf[65536];
	uint64_t off = 0;

	while (off < sp->size) {
		ssize_t n = pread(sp->fd, buf, sizeof(buf), (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;	/* the file shrank under us */
		if (n <= 0 || fd_write_all(out, buf, (size_t)n) != 0)
			return -1;
		off += (uint64_t)n;
	}
	return 0;
}

void
spool_close(struct spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

char *
spool_sha256(const struct spool *sp)
{
	g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
	static uint8_t buf[65536];
	uint64_t off = 0;

	while (off < sp->size) {
		ssize_t n = pread(sp->fd, buf, sizeof(buf), (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return NULL;
		g_checksum_update(ck, buf, (gsize)n);
		off += (uint64_t)n;
	}
	return g_strdup(g_checksum_get_string(ck));
}
