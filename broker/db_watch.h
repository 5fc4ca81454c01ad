/* broker: noticing that the clamav databases changed (freshclam wrote
 * them), so that the service loads them into a new zygote while the old
 * one serves (docs/warm.md, "Signature updates"); trusted.
 *
 * A stamp is a digest of every database file's name, size and
 * modification time: the same files unchanged give the same stamp.  An
 * inotify descriptor on the directory says when to look again; without
 * one (no inotify), the caller looks every so often. */
#ifndef QSCAN_DB_WATCH_H
#define QSCAN_DB_WATCH_H

#define DB_STAMP_LEN 65		/* SHA-256 in hex, and its NUL */

struct db_watch {
	char *dir;		/* the directory watched */
	char *only;		/* a single database file in dir, or NULL */
	int inotify_fd;		/* -1 when there is none */
	char loaded[DB_STAMP_LEN];	/* the stamp of what is loaded */
};

/* Watches `database` (a directory, or one file: then its directory,
 * looking at that file only) and takes its stamp as the loaded one.
 * Returns 0, or -1 with *why (no such path). */
int db_watch_open(struct db_watch *w, const char *database, char **why);

/* The stamp of what is there now into out; 0, or -1 with *why. */
int db_watch_stamp(const struct db_watch *w, char out[DB_STAMP_LEN],
    char **why);

/* Reads whatever the inotify descriptor has (it is non-blocking) and
 * says whether anything happened: 1, else 0. */
int db_watch_drain(struct db_watch *w);

/* 1 when the stamp now differs from the loaded one (then *now gets it),
 * 0 when not, -1 with *why when it cannot be taken. */
int db_watch_changed(const struct db_watch *w, char now[DB_STAMP_LEN],
    char **why);

/* What is loaded now (after a new zygote said READY). */
void db_watch_loaded(struct db_watch *w, const char stamp[DB_STAMP_LEN]);

void db_watch_close(struct db_watch *w);

#endif
