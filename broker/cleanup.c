/* broker: qscan cleanup, Qmail-Scanner's -z (docs/quarantine.md):
 * removes quarantine entries, crash samples and archive copies past
 * their days; trusted, runs as the broker user, safe beside mail in
 * flight: only complete files (a maildir's new/ and cur/) are aged by
 * their setting, tmp/ only after 36 hours (the Maildir rule). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarantine_entry.h"
#include "qscan_quarantine.h"

#define TMP_STALE_SECONDS (36 * 3600)

struct sweep {
	int dry_run;
	time_t now;
	unsigned removed, failed;
	unsigned long long bytes;
};

/* Regular files directly in dir older than max_age seconds. */
static void
sweep_dir(struct sweep *w, const char *dir, time_t max_age, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int dfd;

	if (d == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		long long age;

		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		age = (long long)(w->now - st.st_mtime);
		if (age <= (long long)max_age)
			continue;
		if (!w->dry_run && unlinkat(dfd, de->d_name, 0) != 0) {
			fprintf(stderr, "qscan: cleanup: %s/%s: %s\n", dir,
			    de->d_name, strerror(errno));
			w->failed++;
			continue;
		}
		printf("%s %s %s/%s (%lld days old, %lld bytes)\n",
		    w->dry_run ? "would remove" : "removed", what, dir,
		    de->d_name, age / 86400, (long long)st.st_size);
		w->removed++;
		w->bytes += (unsigned long long)st.st_size;
	}
	closedir(d);
}

/* A maildir: new/ and cur/ by days (0: kept), tmp/ by the 36 hours. */
static void
sweep_maildir(struct sweep *w, const char *maildir, unsigned days,
    const char *what)
{
	g_autofree char *n = g_build_filename(maildir, "new", NULL);
	g_autofree char *c = g_build_filename(maildir, "cur", NULL);
	g_autofree char *t = g_build_filename(maildir, "tmp", NULL);

	if (days > 0) {
		sweep_dir(w, n, (time_t)days * 86400, what);
		sweep_dir(w, c, (time_t)days * 86400, what);
	}
	sweep_dir(w, t, TMP_STALE_SECONDS, "stale tmp file");
}

int
qscan_cleanup(const struct qscan_config *cfg, int dry_run)
{
	struct sweep w = { .dry_run = dry_run, .now = time(NULL) };
	g_autoptr(GPtrArray) folders = qentry_folders(cfg->spool_dir);
	g_autofree char *crashes = g_build_filename(cfg->spool_dir, "crashes",
	    NULL);
	g_autofree char *archive = g_build_filename(cfg->spool_dir, "archive",
	    NULL);

	for (guint i = 0; i < folders->len; i++) {
		g_autofree char *md = g_build_filename(cfg->spool_dir,
		    "quarantine", (char *)folders->pdata[i], NULL);

		sweep_maildir(&w, md, cfg->quarantine_days,
		    "quarantine entry");
	}
	sweep_maildir(&w, crashes, cfg->crash_days, "crash sample");
	if (g_file_test(archive, G_FILE_TEST_IS_DIR))
		sweep_maildir(&w, archive, cfg->archive_days, "archive copy");
	printf("cleanup: %s %u file%s, %llu bytes (quarantine_days %u, "
	    "crash_days %u, archive_days %u)%s\n",
	    dry_run ? "would remove" : "removed", w.removed,
	    w.removed == 1 ? "" : "s", w.bytes, cfg->quarantine_days,
	    cfg->crash_days, cfg->archive_days, w.failed ? "; some failed" :
	    "");
	return w.failed ? 1 : 0;
}
