/* broker: a file's stamp (file_stamp.h); trusted, reads no contents. */
#include <errno.h>
#include <string.h>

#include "file_stamp.h"

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int
file_stamp_take(const char *path, struct file_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) != 0)
		return -1;
	s->taken = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
	return 0;
}

int
file_stamp_same(const char *path, const struct file_stamp *s)
{
	struct stat st;

	if (!s->taken) {
		errno = ENOENT;
		return -1;
	}
	if (stat(path, &st) != 0)
		return -1;
	return st.st_dev == s->dev && st.st_ino == s->ino &&
	    st.st_size == s->size && same_time(&st.st_mtim, &s->mtime) &&
	    same_time(&st.st_ctim, &s->ctime);
}
