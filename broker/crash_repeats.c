/* broker: how often each content crashed a role (docs/architecture.md,
 * "A message that crashes a role every time"); trusted.  The table is
 * <spool>/crashes/repeats, one line per content: its SHA-256, the number
 * of crashes, the first and the last (seconds since the epoch).  Hooks
 * update it one at a time under an flock of crashes/ and replace it by
 * rename, so a reader never sees half of it.  It is ours, but read as if
 * it were not: a line that does not parse is dropped. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crash_repeats.h"

#define REPEATS_FILE	"repeats"
#define REPEATS_TMP	"repeats.tmp"
/* At most this many contents remembered; the least recently seen go. */
#define REPEATS_MAX	1024
/* A line is 64 + 3 numbers; anything longer is not ours. */
#define REPEATS_LINE_MAX	128

struct repeat {
	char hex[CRASH_HASH_HEX];
	unsigned count;
	long long first, last;
};

static int
is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* The table as it is (none: empty); lines that do not parse, and those
 * last seen before `since`, are dropped. */
static GArray *
repeats_read(int dfd, long long since)
{
	GArray *t = g_array_new(FALSE, TRUE, sizeof(struct repeat));
	int fd = openat(dfd, REPEATS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char line[REPEATS_LINE_MAX + 2];
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return t;
	}
	while (fgets(line, sizeof(line), f) != NULL && t->len < REPEATS_MAX) {
		struct repeat r = { 0 };
		char hex[65];
		int used = 0;

		if (strchr(line, '\n') == NULL) {
			/* Longer than any of ours: skip it to its end. */
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (sscanf(line, "%64s %u %lld %lld\n%n", hex, &r.count,
		    &r.first, &r.last, &used) != 4 || used == 0 ||
		    line[64] != ' ' || !is_hex64(hex) || r.count == 0 || r.last < since)
			continue;
		memcpy(r.hex, hex, sizeof(r.hex));
		g_array_append_val(t, r);
	}
	fclose(f);
	return t;
}

static int
repeats_write(int dfd, GArray *t, char **why)
{
	g_autoptr(GString) out = g_string_new(NULL);
	int fd;
	size_t done = 0;

	for (guint i = 0; i < t->len; i++) {
		const struct repeat *r = &g_array_index(t, struct repeat, i);

		g_string_append_printf(out, "%s %u %lld %lld\n", r->hex,
		    r->count, r->first, r->last);
	}
	fd = openat(dfd, REPEATS_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		*why = g_strdup_printf("%s: %s", REPEATS_TMP, strerror(errno));
		return -1;
	}
	while (done < out->len) {
		ssize_t n = write(fd, out->str + done, out->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = g_strdup_printf("writing %s: %s", REPEATS_TMP,
			    n < 0 ? strerror(errno) : "short");
			close(fd);
			unlinkat(dfd, REPEATS_TMP, 0);
			return -1;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 ||
	    renameat(dfd, REPEATS_TMP, dfd, REPEATS_FILE) != 0) {
		*why = g_strdup_printf("replacing %s: %s", REPEATS_FILE,
		    strerror(errno));
		unlinkat(dfd, REPEATS_TMP, 0);
		return -1;
	}
	return 0;
}

int
crash_repeats_count(const char *spool_dir, const struct spool *sp,
    unsigned keep_days, char hex[CRASH_HASH_HEX], unsigned *count,
    char **why)
{
	g_autofree char *sum = spool_sha256(sp);
	g_autofree char *dir = g_build_filename(spool_dir, "crashes", NULL);
	long long now = (long long)time(NULL);
	long long since = keep_days ? now - (long long)keep_days * 86400 : 0;
	GArray *t;
	struct repeat *hit = NULL;
	int dfd, rc;

	if (sum == NULL) {
		*why = g_strdup_printf("reading the message: %s",
		    strerror(errno));
		return -1;
	}
	g_strlcpy(hex, sum, CRASH_HASH_HEX);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*why = g_strdup_printf("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((rc = flock(dfd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		*why = g_strdup_printf("lock %s: %s", dir, strerror(errno));
		close(dfd);
		return -1;
	}
	t = repeats_read(dfd, since);
	for (guint i = 0; i < t->len && hit == NULL; i++)
		if (strcmp(g_array_index(t, struct repeat, i).hex, hex) == 0)
			hit = &g_array_index(t, struct repeat, i);
	if (hit != NULL) {
		if (hit->count < UINT32_MAX)
			hit->count++;
		hit->last = now;
	} else {
		struct repeat r = { .count = 1, .first = now, .last = now };

		memcpy(r.hex, hex, sizeof(r.hex));
		if (t->len >= REPEATS_MAX) {
			/* Room: the least recently seen goes. */
			guint oldest = 0;

			for (guint i = 1; i < t->len; i++)
				if (g_array_index(t, struct repeat, i).last <
				    g_array_index(t, struct repeat, oldest).last)
					oldest = i;
			g_array_remove_index(t, oldest);
		}
		g_array_append_val(t, r);
		hit = &g_array_index(t, struct repeat, t->len - 1);
	}
	*count = hit->count;
	rc = repeats_write(dfd, t, why);
	g_array_free(t, TRUE);
	close(dfd);
	return rc;
}
