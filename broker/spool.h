/* broker: the spool: an unnamed O_TMPFILE per message in work/
 * (docs/architecture.md, "Nothing lost"); trusted, copies hostile bytes
 * without looking at them. */
#ifndef QSCAN_SPOOL_H
#define QSCAN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

enum spool_result {
	SPOOL_OK,
	SPOOL_OVERSIZE,		/* more than the limit arrived; input drained */
	SPOOL_READ_ERROR,	/* 54 */
	SPOOL_WRITE_ERROR,	/* 53: disk full, work/ missing */
};

struct spool {
	int fd;			/* O_RDWR, unnamed; -1 when closed */
	uint64_t size;		/* bytes kept (the whole message unless oversize) */
	uint64_t seen;		/* bytes read from the input */
};

/* Copies `in` to its end into a new unnamed file in work_dir, keeping at
 * most max_bytes; past that the rest is read and dropped so the writer is
 * never blocked.  On error nothing is left behind. */
enum spool_result spool_receive(const char *work_dir, int in,
    uint64_t max_bytes, struct spool *sp);

/* Opens a new read-only descriptor on the spool file (for roles). */
int spool_open_readonly(const struct spool *sp);

/* Gives the file a name under dir (a maildir's tmp/new), fsynced. */
int spool_link(const struct spool *sp, int dirfd, const char *name);

/* Copies the spool file's bytes to out.  Returns 0 or -1 with errno. */
int spool_copy_to(const struct spool *sp, int out);

/* Writes all n bytes (retrying short writes).  Returns 0 or -1. */
int fd_write_all(int fd, const void *buf, size_t n);

void spool_close(struct spool *sp);

/* The message's SHA-256 in hex (caller frees), read from the spool; NULL
 * with errno on a read error.  A quarantine entry keeps it (release
 * checks it); a crash counts against it. */
char *spool_sha256(const struct spool *sp);

#endif
