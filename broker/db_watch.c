/* broker: the clamav databases' stamp and the inotify watch on them
 * (db_watch.h); trusted, reads only names and metadata. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "db_watch.h"

/* What freshclam and a site's own files change; dot files are its
 * temporaries (freshclam writes a new file and renames it into place). */
static gboolean
is_database_name(const char *name)
{
	return name[0] != '.';
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint
name_order(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
stamp_one(GChecksum *sum, const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char line[96];
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	g_checksum_update(sum, (const guchar *)name, strlen(name) + 1);
	snprintf(line, sizeof(line), "%lld %lld.%09ld\n", (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	g_checksum_update(sum, (const guchar *)line, strlen(line));
}

int
db_watch_stamp(const struct db_watch *w, char out[DB_STAMP_LEN], char **why)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	GDir *d;
	const char *name;

	if (w->only != NULL)
		g_ptr_array_add(names, g_strdup(w->only));
	else {
		if ((d = g_dir_open(w->dir, 0, &err)) == NULL) {
			*why = g_strdup_printf("database directory %s: %s",
			    w->dir, err->message);
			return -1;
		}
		while ((name = g_dir_read_name(d)) != NULL)
			if (is_database_name(name))
				g_ptr_array_add(names, g_strdup(name));
		g_dir_close(d);
		/* Directory order is the file system's: sort for a stamp. */
		g_ptr_array_sort(names, name_order);
	}
	for (guint i = 0; i < names->len; i++)
		stamp_one(sum, w->dir, names->pdata[i]);
	g_strlcpy(out, g_checksum_get_string(sum), DB_STAMP_LEN);
	return 0;
}

int
db_watch_open(struct db_watch *w, const char *database, char **why)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->inotify_fd = -1;
	if (stat(database, &st) != 0) {
		*why = g_strdup_printf("database %s: %s", database,
		    strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		w->dir = g_strdup(database);
	else {
		w->dir = g_path_get_dirname(database);
		w->only = g_path_get_basename(database);
	}
	/* No inotify (a limit reached, an old kernel): the caller's
	 * periodic look still notices, later. */
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd >= 0 && inotify_add_watch(w->inotify_fd, w->dir,
	    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
	    IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(w->inotify_fd);
		w->inotify_fd = -1;
	}
	if (db_watch_stamp(w, w->loaded, why) != 0) {
		db_watch_close(w);
		return -1;
	}
	return 0;
}

int
db_watch_drain(struct db_watch *w)
{
	/* Room for many events at once; their contents do not matter,
	 * the stamp decides. */
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;
	ssize_t n;

	if (w->inotify_fd < 0)
		return 0;
	while ((n = read(w->inotify_fd, buf, sizeof(buf))) > 0)
		any = 1;
	return any;
}

int
db_watch_changed(const struct db_watch *w, char now[DB_STAMP_LEN], char **why)
{
	if (db_watch_stamp(w, now, why) != 0)
		return -1;
	return strcmp(now, w->loaded) != 0;
}

void
db_watch_loaded(struct db_watch *w, const char stamp[DB_STAMP_LEN])
{
	g_strlcpy(w->loaded, stamp, DB_STAMP_LEN);
}

void
db_watch_close(struct db_watch *w)
{
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	w->inotify_fd = -1;
	g_clear_pointer(&w->dir, g_free);
	g_clear_pointer(&w->only, g_free);
}
