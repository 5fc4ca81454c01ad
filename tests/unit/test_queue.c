/* tests: broker/queue.c: qmail-queue is given our header and the message
 * on fd 0 and the envelope unchanged on fd 1, with the environment we
 * pass; its exit code comes back as it is, and every way it can fail to
 * take the message is a temporary code (never 0, never permanent).
 * argv[1]: the recording stand-in, tests/qq_standin.c. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "check.h"
#include "envelope.h"
#include "exitcodes.h"
#include "queue.h"
#include "spool.h"

/* What the broker makes of queue_deliver's answer: its exit code, or
 * for a failure of ours the code decide.c gives it (outcome_not_queued). */
static int
deliver(const char *qq, const char *header, const struct spool *sp,
    const struct envelope *e, char **env, char **why)
{
	enum qscan_failure f = FAIL_NONE;
	int rc = queue_deliver(qq, header, sp, e, env, &f, why);

	if (rc < 0) {
		CHECK(f != FAIL_NONE);
		return qq_exit_for_failure(f);
	}
	CHECK(f == FAIL_NONE);
	return rc;
}

static char *dir, *qq, *rec;

#define ENVELOPE_BYTES "Falice@a.example\0Tbob@b.example\0Tcarol@c.example\0\0"

/* The stand-in, copied next to its settings file (<path>.conf). */
static void
standin_exits(const char *standin, int code)
{
	g_autofree char *conf = g_strdup_printf("%s.conf", qq);
	g_autofree char *text = g_strdup_printf("record=%s\nexit=%d\n", rec,
	    code);
	g_autofree char *bin = NULL;
	gsize len = 0;

	if (!g_file_test(qq, G_FILE_TEST_EXISTS)) {
		CHECK(g_file_get_contents(standin, &bin, &len, NULL));
		CHECK(g_file_set_contents(qq, bin, (gssize)len, NULL));
		CHECK(chmod(qq, 0755) == 0);
	}
	CHECK(g_file_set_contents(conf, text, -1, NULL));
	for (const char *const *f = (const char *const[]){ "message",
	    "envelope", "environ", NULL }; *f; f++) {
		g_autofree char *p = g_build_filename(rec, *f, NULL);

		unlink(p);
	}
}

static char *
recorded(const char *name, gsize *len)
{
	g_autofree char *p = g_build_filename(rec, name, NULL);
	char *text = NULL;

	if (!g_file_get_contents(p, &text, len, NULL))
		return NULL;
	return text;
}

/* A spool holding `len` bytes of message. */
static void
spool_of(size_t len, struct spool *sp, GByteArray **bytes)
{
	g_autofree char *path = g_build_filename(dir, "input", NULL);
	g_autofree char *work = g_build_filename(dir, "work", NULL);
	GByteArray *b = g_byte_array_new();
	int fd;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)("Subject: hi\n\nbody\n"[i % 18]);

		g_byte_array_append(b, &c, 1);
	}
	CHECK(g_file_set_contents(path, (const char *)b->data, (gssize)len,
	    NULL));
	fd = open(path, O_RDONLY);
	g_mkdir_with_parents(work, 0700);
	CHECK_INT(spool_receive(work, fd, 64 << 20, sp), SPOOL_OK);
	close(fd);
	unlink(path);
	*bytes = b;
}

static void
envelope_of(struct envelope *e)
{
	CHECK_INT(envelope_parse((const uint8_t *)ENVELOPE_BYTES,
	    sizeof(ENVELOPE_BYTES) - 1, 100, e), ENVELOPE_OK);
}

/* What qmail-queue receives: header + message on fd 0, the envelope
 * bytes as they came on fd 1, our environment and nothing else. */
static void
test_delivers_bytes(const char *standin)
{
	static const char header[] = "X-Qmail-Scanner: clean\n";
	char *env[] = { "TCPREMOTEIP=192.0.2.7", "PROTO=SMTP", NULL };
	struct spool sp;
	struct envelope e;
	GByteArray *msg;
	g_autofree char *m = NULL, *en = NULL, *ev = NULL, *why = NULL;
	gsize mlen = 0, elen = 0, evlen = 0;

	standin_exits(standin, 0);
	spool_of(200000, &sp, &msg);	/* more than a pipe holds */
	envelope_of(&e);
	CHECK_INT(deliver(qq, header, &sp, &e, env, &why), 0);
	CHECK(why == NULL);
	m = recorded("message", &mlen);
	en = recorded("envelope", &elen);
	ev = recorded("environ", &evlen);
	CHECK(m != NULL && en != NULL && ev != NULL);
	CHECK_INT(mlen, strlen(header) + msg->len);
	CHECK(m && memcmp(m, header, strlen(header)) == 0 &&
	    memcmp(m + strlen(header), msg->data, msg->len) == 0);
	CHECK_INT(elen, sizeof(ENVELOPE_BYTES) - 1);
	CHECK(en && memcmp(en, ENVELOPE_BYTES, elen) == 0);
	CHECK(ev && strcmp(ev, "TCPREMOTEIP=192.0.2.7\nPROTO=SMTP\n") == 0);
	envelope_clear(&e);
	spool_close(&sp);
	g_byte_array_unref(msg);
}

/* Its code comes back unchanged, permanent ones included: they are
 * qmail-queue's answer, qmail-smtpd's to pass on. */
static void
test_codes_passed_back(const char *standin)
{
	const int codes[] = { 0, 11, 31, 51, 53, 71, 81, 91 };

	for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
		char *env[] = { NULL };
		g_autofree char *why = NULL;
		struct spool sp;
		struct envelope e;
		GByteArray *msg;

		standin_exits(standin, codes[i]);
		spool_of(100, &sp, &msg);
		envelope_of(&e);
		CHECK_INT(deliver(qq, "", &sp, &e, env, &why), codes[i]);
		CHECK(why == NULL);
		envelope_clear(&e);
		spool_close(&sp);
		g_byte_array_unref(msg);
	}
}

/* Runs `script` (a shell script written to a file of its own) as
 * qmail-queue on `len` bytes; returns the code, *why as given. */
static int
deliver_to_script(const char *script, size_t len, char **why, char **path)
{
	char *env[] = { NULL };
	struct spool sp;
	struct envelope e;
	GByteArray *msg;
	int code;

	*path = g_build_filename(dir, "qq-script", NULL);
	CHECK(g_file_set_contents(*path, script, -1, NULL));
	CHECK(chmod(*path, 0755) == 0);
	spool_of(len, &sp, &msg);
	envelope_of(&e);
	code = deliver(*path, "", &sp, &e, env, why);
	envelope_clear(&e);
	spool_close(&sp);
	g_byte_array_unref(msg);
	return code;
}

static void
test_failures_temporary(void)
{
	g_autofree char *why = NULL, *path = NULL;
	char *env[] = { NULL };
	struct spool sp;
	struct envelope e;
	GByteArray *msg;
	int code;

	/* Killed by a signal: 81, and says so. */
	code = deliver_to_script("#!/bin/sh\ncat >/dev/null; kill -9 $$\n",
	    100, &why, &path);
	CHECK_INT(code, QQ_TEMP_INTERNAL_BUG);
	CHECK(why != NULL && strstr(why, "killed by signal 9") != NULL);
	g_clear_pointer(&why, g_free);
	g_clear_pointer(&path, g_free);

	/* Exit 0 without reading the message: it cannot have queued it. */
	code = deliver_to_script("#!/bin/sh\nexit 0\n", 1 << 20, &why, &path);
	CHECK_INT(code, QQ_TEMP_WRITE_ERROR);
	CHECK(why != NULL && strstr(why, "exited 0 before reading the whole "
	    "message") != NULL);
	g_clear_pointer(&why, g_free);
	g_clear_pointer(&path, g_free);

	/* Missing, or not executable: 120 (qmail's "unable to exec qq"),
	 * temporary, and named. */
	for (int i = 0; i < 2; i++) {
		g_autofree char *bad = g_build_filename(dir, i ? "qq-plain" :
		    "nonexistent", NULL);

		if (i) {
			CHECK(g_file_set_contents(bad, "", -1, NULL));
			CHECK(chmod(bad, 0644) == 0);
		}
		spool_of(100, &sp, &msg);
		envelope_of(&e);
		code = deliver(bad, "", &sp, &e, env, &why);
		CHECK_INT(code, QQ_TEMP_EXEC_FAILED);
		CHECK(!qq_is_permanent(code));
		CHECK(why != NULL && g_str_has_prefix(why, "cannot run ") &&
		    strstr(why, bad) != NULL);
		g_clear_pointer(&why, g_free);
		envelope_clear(&e);
		spool_close(&sp);
		g_byte_array_unref(msg);
		unlink(bad);
	}
}

static void
on_alarm_in_test(int sig)
{
	(void)sig;
}

/* qmail-queue starts with the caller's signal mask, not the all-blocked
 * one queue_deliver holds around its vfork, and the caller gets its own
 * mask back; a handler of the caller's is not qmail-queue's.  perl, not
 * sh: dash clears the mask it was given. */
static void
test_signals_as_caller(void)
{
	g_autofree char *why = NULL, *path = NULL, *status = NULL, *want = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) sigs = g_string_new("");
	g_autofree char *out = g_build_filename(dir, "sigs", NULL);
	g_autofree char *script = g_strdup_printf("#!/usr/bin/perl\n"
	    "local $/; <STDIN>; open(O, '>', '%s') or exit 1;\n"
	    "open(S, '<', '/proc/self/status') or exit 1; print O <S>;\n", out);
	sigset_t usr2, now;
	uint64_t bit = 1ull << (SIGUSR2 - 1);

	signal(SIGALRM, on_alarm_in_test);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0);
	CHECK_INT(deliver_to_script(script, 100, &why, &path), 0);
	CHECK(g_file_get_contents(out, &status, NULL, NULL));
	for (char **l = lines = g_strsplit(status ? status : "", "\n", -1);
	    *l != NULL; l++)
		if (g_str_has_prefix(*l, "SigBlk:") ||
		    g_str_has_prefix(*l, "SigCgt:"))
			g_string_append_printf(sigs, "%s\n", *l);
	want = g_strdup_printf("SigBlk:\t%016llx\nSigCgt:\t%016llx\n",
	    (unsigned long long)bit, 0ull);
	if (strcmp(sigs->str, want) != 0)
		fprintf(stderr, "qmail-queue's signals:\n%s", sigs->str);
	CHECK(strcmp(sigs->str, want) == 0);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGUSR2) == 1);
	CHECK(sigismember(&now, SIGALRM) == 0 && sigismember(&now, SIGTERM) == 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &usr2, NULL) == 0);
	signal(SIGALRM, SIG_DFL);
	unlink(out);
}

static void
test_is_self(void)
{
	CHECK_INT(queue_is_self("/proc/self/exe"), 1);
	CHECK_INT(queue_is_self(qq), 0);
	CHECK_INT(queue_is_self("/nonexistent/qmail-queue"), 0);
}

int
main(int argc, char **argv)
{
	g_autofree char *work = NULL, *conf = NULL, *script = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: test-queue QQ_STANDIN\n");
		return 1;
	}
	dir = g_dir_make_tmp("qscan-test-queue-XXXXXX", NULL);
	CHECK(dir != NULL);
	qq = g_build_filename(dir, "qq", NULL);
	rec = g_build_filename(dir, "rec", NULL);
	CHECK(mkdir(rec, 0700) == 0);
	test_delivers_bytes(argv[1]);
	test_codes_passed_back(argv[1]);
	test_failures_temporary();
	test_signals_as_caller();
	test_is_self();

	/* Clean up what the cases left. */
	standin_exits(argv[1], 0);
	conf = g_strdup_printf("%s.conf", qq);
	script = g_build_filename(dir, "qq-script", NULL);
	work = g_build_filename(dir, "work", NULL);
	unlink(conf);
	unlink(qq);
	unlink(script);
	rmdir(rec);
	rmdir(work);
	rmdir(dir);
	return CHECK_DONE();
}
