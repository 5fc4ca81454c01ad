/* broker: whether a file changed since we read it (its device, inode,
 * size, modification and change times), without reading it: how qscand's
 * monitor notices an edited configuration or policy on SIGHUP
 * (docs/warm.md, "Running qscand"); trusted. */
#ifndef QSCAN_FILE_STAMP_H
#define QSCAN_FILE_STAMP_H

#include <sys/stat.h>

struct file_stamp {
	int taken;		/* 0: nothing to compare with */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* Takes path's stamp: 0, or -1 (errno; s->taken stays 0). */
int file_stamp_take(const char *path, struct file_stamp *s);

/* 1 when path is what the stamp says, 0 when it changed (another file
 * renamed over it counts: a new inode), -1 with errno when it cannot be
 * looked at now (removed, a directory we may no longer search). */
int file_stamp_same(const char *path, const struct file_stamp *s);

#endif
