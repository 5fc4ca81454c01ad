/* tests: the clamav databases' stamp and watch (broker/db_watch.c), on
 * real files in a scratch directory. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "check.h"
#include "db_watch.h"

static void
put(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	CHECK(g_file_set_contents(path, text, -1, NULL));
}

/* freshclam's way: write a dot file, rename it over the old one. */
static void
replace(const char *dir, const char *name, const char *text)
{
	g_autofree char *tmp = g_build_filename(dir, ".tmp-new", NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);

	CHECK(g_file_set_contents(tmp, text, -1, NULL));
	CHECK(rename(tmp, path) == 0);
}

static int
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 1000) == 1;
}

int
main(void)
{
	char tmpl[] = "/tmp/qscan-dbwatch.XXXXXX";
	char *dir = mkdtemp(tmpl);
	char now[DB_STAMP_LEN], before[DB_STAMP_LEN];
	g_autofree char *single = NULL;
	struct db_watch w, one;
	char *why = NULL;

	CHECK(dir != NULL);
	put(dir, "daily.cld", "daily 1");
	put(dir, "main.cvd", "main 1");

	/* A missing path is refused, saying which. */
	CHECK(db_watch_open(&w, "/nonexistent/qscan-db", &why) == -1);
	CHECK(why != NULL && strstr(why, "/nonexistent/qscan-db") != NULL);
	g_clear_pointer(&why, g_free);

	CHECK(db_watch_open(&w, dir, &why) == 0);
	CHECK(w.inotify_fd >= 0);
	CHECK_INT(db_watch_changed(&w, now, &why), 0);
	/* Nothing happened: nothing to read. */
	CHECK_INT(db_watch_drain(&w), 0);

	/* A dot file (freshclam's temporary) is no change... */
	put(dir, ".partial", "half a download");
	CHECK_INT(db_watch_changed(&w, now, &why), 0);
	/* ...but its rename into place is, and inotify says so. */
	replace(dir, "daily.cld", "daily 2");
	CHECK(readable(w.inotify_fd));
	CHECK_INT(db_watch_drain(&w), 1);
	CHECK_INT(db_watch_changed(&w, now, &why), 1);
	/* Still changed until the new engine is loaded... */
	CHECK_INT(db_watch_changed(&w, before, &why), 1);
	CHECK(strcmp(now, before) == 0);
	db_watch_loaded(&w, now);
	CHECK_INT(db_watch_changed(&w, now, &why), 0);

	/* A new file, a removed file, the same size but a new mtime. */
	put(dir, "local.hdb", "x");
	CHECK_INT(db_watch_changed(&w, now, &why), 1);
	db_watch_loaded(&w, now);
	{
		g_autofree char *p = g_build_filename(dir, "local.hdb", NULL);
		struct timespec t[2] = { { 1, 0 }, { 1, 0 } };

		CHECK(utimensat(AT_FDCWD, p, t, 0) == 0);
		CHECK_INT(db_watch_changed(&w, now, &why), 1);
		db_watch_loaded(&w, now);
		CHECK(unlink(p) == 0);
		CHECK_INT(db_watch_changed(&w, now, &why), 1);
		db_watch_loaded(&w, now);
	}

	/* One file: only that file counts. */
	single = g_build_filename(dir, "main.cvd", NULL);
	CHECK(db_watch_open(&one, single, &why) == 0);
	put(dir, "other.ndb", "y");
	CHECK_INT(db_watch_changed(&one, now, &why), 0);
	replace(dir, "main.cvd", "main 2");
	CHECK_INT(db_watch_changed(&one, now, &why), 1);
	db_watch_close(&one);

	/* The directory gone: an error, not "unchanged". */
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		CHECK(system(cmd) == 0);
	}
	CHECK(db_watch_changed(&w, now, &why) == -1);
	CHECK(why != NULL);
	g_free(why);
	db_watch_close(&w);
	return CHECK_DONE();
}
