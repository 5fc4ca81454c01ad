/* tests: broker/quarantine_entry.c: an entry written by quarantine_store()
 * read back (the exact envelope, the original, released or held), found
 * by id, ids with path characters refused, a truncated, altered or old
 * entry refused for release (docs/quarantine.md). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "check.h"
#include "envelope.h"
#include "quarantine.h"
#include "quarantine_entry.h"
#include "spool.h"

static char *spool_dir;

/* The original begins with lines that look like ours: never taken. */
static const char message[] = "X-Q-Envelope-To: <mallory@m.example>\n"
    "X-Q-Quarantine-Original: 1 00\nSubject: hi\n\nbody\n";
static const char env_bytes[] = "Fal\001ice\377@a.example\0Tbob\t@b\0"
    "Tc\303\251@c\0\0";

static void
spool_message(struct spool *sp)
{
	sp->fd = memfd_create("m", MFD_CLOEXEC);
	CHECK(sp->fd >= 0);
	CHECK(write(sp->fd, message, sizeof(message) - 1) ==
	    (ssize_t)sizeof(message) - 1);
	sp->size = sp->seen = sizeof(message) - 1;
}

static char *
store(const char *folder)
{
	g_autofree char *why = NULL;
	char *name = NULL;
	struct spool sp;
	struct envelope e;

	for (int i = 0; i < 3; i++) {
		g_autofree char *d = g_build_filename(spool_dir, "quarantine",
		    folder, i == 0 ? "tmp" : i == 1 ? "new" : "cur", NULL);

		CHECK(g_mkdir_with_parents(d, 0700) == 0);
	}
	spool_message(&sp);
	CHECK_INT(envelope_parse((const uint8_t *)env_bytes,
	    sizeof(env_bytes) - 1, 10, &e), ENVELOPE_OK);
	CHECK_INT(quarantine_store(spool_dir, folder, "X-Q", "policy: Scam",
	    "parts=1", &e, &sp, "m1", &name, &why), 0);
	envelope_clear(&e);
	spool_close(&sp);
	return name;
}

static char *
fd_text(int fd, gsize *len)
{
	GString *g = g_string_new(NULL);
	char buf[256];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		g_string_append_len(g, buf, n);
		off += n;
	}
	*len = g->len;
	return g_string_free(g, FALSE);
}

static void
test_round_trip(void)
{
	g_autofree char *name = store("policy"), *why = NULL, *text = NULL;
	struct qentry e;
	gsize len = 0;
	const void *raw;
	int fd;

	CHECK(name != NULL && qentry_id_valid(name));
	CHECK_INT(qentry_find(spool_dir, name, &e, &why), 0);
	CHECK(strcmp(e.folder, "policy") == 0 && strcmp(e.id, name) == 0);
	CHECK(strcmp(e.verdict, "policy") == 0);
	CHECK(strcmp(e.reason, "policy: Scam") == 0);
	CHECK(strcmp(e.facts, "parts=1") == 0);
	/* From the raw envelope: every byte. */
	CHECK(strcmp(e.from, "al\001ice\377@a.example") == 0);
	CHECK_INT(e.to->len, 2);
	CHECK(e.to->len == 2 && strcmp(e.to->pdata[0], "bob\t@b") == 0);
	raw = g_bytes_get_data(e.envelope, &len);
	CHECK(len == sizeof(env_bytes) - 1 && memcmp(raw, env_bytes, len) == 0);
	CHECK(!e.released && e.has_original);
	CHECK_INT(e.orig_len, sizeof(message) - 1);
	fd = qentry_original_fd(&e, &why);
	CHECK(fd >= 0);
	text = fd_text(fd, &len);
	CHECK(len == sizeof(message) - 1 && memcmp(text, message, len) == 0);
	close(fd);
	qentry_clear(&e);
}

static void
test_ids(void)
{
	static const char *const bad[] = { "", "..", "../x", "a/b", "a..b",
	    ".a", "-a", "a:2,P", "a b", "a\n", "a\\b" };
	g_autofree char *why = NULL;
	struct qentry e;
	char long_id[300];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		CHECK(!qentry_id_valid(bad[i]));
		CHECK_INT(qentry_find(spool_dir, bad[i], &e, &why), -1);
		CHECK(why && strstr(why, "not a quarantine id"));
		g_clear_pointer(&why, g_free);
	}
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK(!qentry_id_valid(long_id));
	CHECK(qentry_id_valid("1796662837.M687307P367Q6b16e635.8b5c1.16f.vm"));
	CHECK_INT(qentry_find(spool_dir, "1.M1P1Qx.none", &e, &why), -1);
	CHECK(why && strcmp(why, "no such entry") == 0);
}

/* cur/ID:2,PS is released; a prefix of an id finds nothing. */
static void
test_released_and_prefix(void)
{
	g_autofree char *name = store("viruses"), *why = NULL;
	g_autofree char *from = NULL, *to = NULL, *prefix = NULL;
	struct qentry e;

	from = g_build_filename(spool_dir, "quarantine", "viruses", "new",
	    name, NULL);
	to = g_strdup_printf("%s/quarantine/viruses/cur/%s:2,PS", spool_dir,
	    name);
	CHECK(rename(from, to) == 0);
	CHECK_INT(qentry_find(spool_dir, name, &e, &why), 0);
	CHECK(e.released && strcmp(e.id, name) == 0);
	qentry_clear(&e);
	prefix = g_strndup(name, strlen(name) - 2);
	CHECK_INT(qentry_find(spool_dir, prefix, &e, &why), -1);
}

static void
test_refused(void)
{
	g_autofree char *name = store("spam"), *why = NULL, *path = NULL;
	g_autofree char *old = NULL;
	struct qentry e;
	struct stat st;
	int fd;

	path = g_build_filename(spool_dir, "quarantine", "spam", "new", name,
	    NULL);
	CHECK(stat(path, &st) == 0 && truncate(path, st.st_size - 1) == 0);
	CHECK_INT(qentry_find(spool_dir, name, &e, &why), 0);
	CHECK_INT(qentry_original_fd(&e, &why), -1);
	CHECK(why && strstr(why, "truncated or damaged"));
	g_clear_pointer(&why, g_free);
	qentry_clear(&e);
	/* Same length, one byte other. */
	CHECK(truncate(path, st.st_size - 1) == 0);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "X", 1) == 1);
	close(fd);
	CHECK_INT(qentry_find(spool_dir, name, &e, &why), 0);
	CHECK_INT(qentry_original_fd(&e, &why), -1);
	CHECK(why && strstr(why, "sha256 differs"));
	g_clear_pointer(&why, g_free);
	qentry_clear(&e);
	/* An entry written before release: listed, refused. */
	old = g_build_filename(spool_dir, "quarantine", "spam", "new",
	    "1.M1P1Qold.host", NULL);
	CHECK(g_file_set_contents(old, "X-Q-Quarantine-Reason: virus: V\n"
	    "X-Q-Envelope-From: <a@a>\nX-Q-Envelope-To: <b@b>\nSubject: s\n"
	    "\nbody\n", -1, NULL));
	CHECK_INT(qentry_find(spool_dir, "1.M1P1Qold.host", &e, &why), 0);
	CHECK(strcmp(e.verdict, "virus") == 0 && strcmp(e.from, "a@a") == 0);
	CHECK(!e.has_original && e.envelope == NULL);
	CHECK_INT(qentry_original_fd(&e, &why), -1);
	CHECK(why && strstr(why, "keeps no original"));
	qentry_clear(&e);
}

static void
remove_tree(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	CHECK(system(cmd) == 0);
}

int
main(void)
{
	spool_dir = g_dir_make_tmp("qscan-test-qentry-XXXXXX", NULL);
	CHECK(spool_dir != NULL);
	test_round_trip();
	test_ids();
	test_released_and_prefix();
	test_refused();
	if (check_failures == 0)
		remove_tree(spool_dir);
	else
		fprintf(stderr, "kept for inspection: %s\n", spool_dir);
	g_free(spool_dir);
	return CHECK_DONE();
}
