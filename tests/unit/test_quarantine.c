/* tests: broker/quarantine.c: the quarantined message in a maildir's new/
 * (our header lines, then the original bytes unchanged), its file name,
 * nothing left behind when it cannot be written, and quarantine.log's
 * TAB-separated line with hostile fields made safe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "check.h"
#include "envelope.h"
#include "quarantine.h"
#include "spool.h"

static char *spool_dir;

static const char message[] = "From: a@a.example\nSubject: hi\n\nbody\n";

static void
make_dirs(const char *folder)
{
	static const char *const sub[] = { "tmp", "new", "cur" };

	for (size_t i = 0; i < G_N_ELEMENTS(sub); i++) {
		g_autofree char *d = g_build_filename(spool_dir, "quarantine",
		    folder, sub[i], NULL);

		CHECK(g_mkdir_with_parents(d, 0700) == 0);
	}
}

static void
spool_message(struct spool *sp)
{
	g_autofree char *work = g_build_filename(spool_dir, "work", NULL);
	g_autofree char *in = g_build_filename(spool_dir, "in", NULL);
	int fd;

	CHECK(g_mkdir_with_parents(work, 0700) == 0);
	CHECK(g_file_set_contents(in, message, sizeof(message) - 1, NULL));
	fd = open(in, O_RDONLY);
	CHECK_INT(spool_receive(work, fd, 1 << 20, sp), SPOOL_OK);
	close(fd);
	unlink(in);
}

static void
envelope_of(const char *bytes, size_t len, struct envelope *e)
{
	CHECK_INT(envelope_parse((const uint8_t *)bytes, len, 100, e),
	    ENVELOPE_OK);
}

/* The names in dir, sorted, as one string "a b c" ("" when empty). */
static char *
names_in(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *n = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	char *out;

	while (d && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(n, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(n, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(n, NULL);
	out = g_strjoinv(" ", (char **)n->pdata);
	g_ptr_array_unref(n);
	return out;
}

static void
test_store(void)
{
	static const char env_bytes[] = "Fbad\r\nX-Injected: 1\0"
	    "Tbob@b.example\0Tcarol@c.example\0\0";
	g_autofree char *name = NULL, *why = NULL, *path = NULL;
	g_autofree char *text = NULL, *tmp_names = NULL, *want = NULL;
	g_autofree char *env64 = NULL, *sum = NULL;
	g_autofree char *new_dir = g_build_filename(spool_dir, "quarantine",
	    "viruses", "new", NULL);
	g_autofree char *tmp_dir = g_build_filename(spool_dir, "quarantine",
	    "viruses", "tmp", NULL);
	g_autofree char *pid = g_strdup_printf("P%dQ", (int)getpid());
	struct spool sp;
	struct envelope e;
	struct stat st;
	gsize len = 0;

	make_dirs("viruses");
	spool_message(&sp);
	envelope_of(env_bytes, sizeof(env_bytes) - 1, &e);
	CHECK_INT(quarantine_store(spool_dir, "viruses", "X-Qmail-Scanner",
	    "virus Eicar-Test\nX-Forged: yes", "parts=1\tx", &e, &sp, "m-1a2b", &name,
	    &why), 0);
	CHECK(why == NULL);
	CHECK(name != NULL);
	if (name == NULL)
		goto out;
	/* maildir: time.M<usec>P<pid>Q<message id>.<host>, no '/' or ':'. */
	CHECK(g_regex_match_simple("^[0-9]+\\.M[0-9]+P[0-9]+Qm-1a2b\\.[^/:]+$",
	    name, 0, 0));
	CHECK(strstr(name, pid) != NULL);
	path = g_build_filename(new_dir, name, NULL);
	CHECK(g_file_get_contents(path, &text, &len, NULL));
	want = g_strdup_printf("X-Qmail-Scanner-Quarantine-Reason: virus "
	    "Eicar-Test?X-Forged: yes\n"
	    "X-Qmail-Scanner-Envelope-From: <bad??X-Injected: 1>\n"
	    "X-Qmail-Scanner-Envelope-To: <bob@b.example>\n"
	    "X-Qmail-Scanner-Envelope-To: <carol@c.example>\n"
	    "X-Qmail-Scanner-Quarantine-Facts: parts=1?x\n"
	    "X-Qmail-Scanner-Quarantine-Envelope: %s\n"
	    "X-Qmail-Scanner-Quarantine-Original: %zu %s\n%s",
	    env64 = g_base64_encode((const guchar *)env_bytes,
	    sizeof(env_bytes) - 1), sizeof(message) - 1,
	    sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, message, -1),
	    message);
	CHECK(text != NULL && strcmp(text, want) == 0);
	if (text && strcmp(text, want) != 0)
		fprintf(stderr, "quarantined:\n%s\n", text);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* Written unnamed, then linked: nothing in tmp/. */
	tmp_names = names_in(tmp_dir);
	CHECK(strcmp(tmp_names, "") == 0);
	/* The spool file itself is untouched: still the message. */
	CHECK_INT(sp.size, sizeof(message) - 1);
	unlink(path);
out:
	envelope_clear(&e);
	spool_close(&sp);
}

/* The null sender as <>; another folder, another prefix. */
static void
test_null_sender(void)
{
	static const char env_bytes[] = "F\0Tbob@b.example\0\0";
	g_autofree char *name = NULL, *why = NULL, *names = NULL;
	g_autofree char *path = NULL, *text = NULL, *want = NULL, *sum = NULL;
	g_autofree char *new_dir = g_build_filename(spool_dir, "quarantine",
	    "policy", "new", NULL);
	struct spool sp;
	struct envelope e;

	make_dirs("policy");
	spool_message(&sp);
	envelope_of(env_bytes, sizeof(env_bytes) - 1, &e);
	CHECK_INT(quarantine_store(spool_dir, "policy", "X-Q", "policy: "
	    "double_extension", NULL, &e, &sp, "m2", &name, &why), 0);
	names = names_in(new_dir);
	CHECK(name != NULL && strcmp(names, name) == 0);
	path = g_build_filename(new_dir, name ? name : "-", NULL);
	CHECK(g_file_get_contents(path, &text, NULL, NULL));
	want = g_strdup_printf("X-Q-Quarantine-Reason: policy: "
	    "double_extension\nX-Q-Envelope-From: <>\n"
	    "X-Q-Envelope-To: <bob@b.example>\nX-Q-Quarantine-Facts: \n"
	    "X-Q-Quarantine-Envelope: RgBUYm9iQGIuZXhhbXBsZQAA\n"
	    "X-Q-Quarantine-Original: %zu %s\n%s", sizeof(message) - 1,
	    sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, message, -1),
	    message);
	CHECK(text != NULL && strcmp(text, want) == 0);
	unlink(path);
	envelope_clear(&e);
	spool_close(&sp);
}

/* A maildir that is not there: -1 with why, no name, nothing left. */
static void
test_store_fails(void)
{
	static const char env_bytes[] = "Fa@a.example\0Tbob@b.example\0\0";
	g_autofree char *name = NULL, *why = NULL, *names = NULL;
	g_autofree char *tmp_dir = g_build_filename(spool_dir, "quarantine",
	    "spam", "tmp", NULL);
	g_autofree char *new_dir = g_build_filename(spool_dir, "quarantine",
	    "spam", "new", NULL);
	struct spool sp;
	struct envelope e;

	spool_message(&sp);
	envelope_of(env_bytes, sizeof(env_bytes) - 1, &e);
	/* No such folder at all. */
	CHECK_INT(quarantine_store(spool_dir, "spam", "X-Q", "spam", NULL, &e, &sp,
	    "m", &name, &why), -1);
	CHECK(name == NULL);
	CHECK(why != NULL && strstr(why, "quarantine") != NULL &&
	    strstr(why, "spam/new") != NULL);
	g_clear_pointer(&why, g_free);
	/* tmp/ there, new/ missing: the written file must not stay. */
	CHECK(g_mkdir_with_parents(tmp_dir, 0700) == 0);
	CHECK_INT(quarantine_store(spool_dir, "spam", "X-Q", "spam", NULL, &e, &sp,
	    "m", &name, &why), -1);
	CHECK(name == NULL);
	CHECK(why != NULL && strstr(why, strerror(ENOENT)) != NULL);
	names = names_in(tmp_dir);
	CHECK(strcmp(names, "") == 0);
	CHECK(!g_file_test(new_dir, G_FILE_TEST_EXISTS));
	rmdir(tmp_dir);
	envelope_clear(&e);
	spool_close(&sp);
}

/* quarantine.log: one line appended per message, Q-S's six TAB-separated
 * fields and the id; TABs and line breaks in hostile fields cannot add fields or
 * lines. */
static void
test_log_line(void)
{
	static const char env_bytes[] = "Fa\tb@a.example\0Tbob@b.example\0"
	    "Tcarol\n@c.example\0\0";
	g_autofree char *log_dir = g_build_filename(spool_dir, "log", NULL);
	g_autofree char *path = g_build_filename(log_dir, "quarantine.log",
	    NULL);
	g_autofree char *text = NULL;
	struct envelope e;
	gchar **lines, **f;

	CHECK(g_mkdir_with_parents(log_dir, 0700) == 0);
	CHECK(g_file_set_contents(path, "earlier\n", -1, NULL));
	envelope_of(env_bytes, sizeof(env_bytes) - 1, &e);
	quarantine_log(spool_dir, &e, "Hi\tthere\r\nX: y", "Eicar-Test",
	    "clamav: 1.4.6/27000", "1.M2P3Qm.host");
	CHECK(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	CHECK_INT(g_strv_length(lines), 3);
	CHECK(strcmp(lines[0], "earlier") == 0);
	f = g_strsplit(lines[1], "\t", -1);
	CHECK_INT(g_strv_length(f), 7);
	if (g_strv_length(f) == 7) {
		/* RFC 822 date, as Qmail-Scanner writes it */
		CHECK(g_regex_match_simple("^[A-Z][a-z]{2}, [0-9]{2} "
		    "[A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$", f[0],
		    0, 0));
		CHECK(strcmp(f[1], "a?b@a.example") == 0);
		CHECK(strcmp(f[2], "bob@b.example,carol?@c.example") == 0);
		CHECK(strcmp(f[3], "Hi?there??X: y") == 0);
		CHECK(strcmp(f[4], "Eicar-Test") == 0);
		CHECK(strcmp(f[5], "clamav: 1.4.6/27000") == 0);
		CHECK(strcmp(f[6], "1.M2P3Qm.host") == 0);
	}
	CHECK(strcmp(lines[2], "") == 0);
	g_strfreev(f);
	g_strfreev(lines);
	unlink(path);
	rmdir(log_dir);
	envelope_clear(&e);
}

static void
remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			remove_tree(p);
		else
			unlink(p);
	}
	if (d)
		g_dir_close(d);
	rmdir(dir);
}

int
main(void)
{
	spool_dir = g_dir_make_tmp("qscan-test-quarantine-XXXXXX", NULL);
	CHECK(spool_dir != NULL);
	test_store();
	test_null_sender();
	test_store_fails();
	test_log_line();
	if (check_failures == 0)
		remove_tree(spool_dir);
	else
		fprintf(stderr, "kept for inspection: %s\n", spool_dir);
	g_free(spool_dir);
	return CHECK_DONE();
}
