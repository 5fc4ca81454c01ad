/* tests: broker/log.c: the escaping of hostile strings into log tokens and
 * free text, the control bytes a diagnostic may not carry, and the
 * summary line appended to the log file. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static void
check_escape(const char *in, const char *want)
{
	g_autoptr(GString) out = g_string_new("k=");

	log_escape(out, in);
	if (strcmp(out->str + 2, want) != 0) {
		fprintf(stderr, "log_escape(\"%s\") gave \"%s\", expected "
		    "\"%s\"\n", in ? in : "(null)", out->str + 2, want);
		check_failures++;
	}
}

static void
check_escape_cut(const char *in, size_t max, const char *want)
{
	g_autoptr(GString) out = g_string_new(NULL);

	log_escape_cut(out, in, max);
	if (strcmp(out->str, want) != 0) {
		fprintf(stderr, "log_escape_cut(\"%s\", %zu) gave \"%s\", "
		    "expected \"%s\"\n", in ? in : "(null)", max, out->str,
		    want);
		check_failures++;
	}
}

/* The summary's free text (subject, Message-ID): cut without splitting
 * a character, and a hostile subject cannot forge a key, a field or a
 * line of the summary (docs/summary-line.md). */
static void
test_escape_cut(void)
{
	g_autoptr(GString) line = g_string_new("subject=");
	g_auto(GStrv) fields = NULL;

	check_escape_cut(NULL, 10, "<>");
	check_escape_cut("short", 10, "short");
	check_escape_cut("exactly10!", 10, "exactly10!");
	check_escape_cut("0123456789abc", 10, "0123456789");
	/* "é" is c3 a9: a cut inside it drops the whole character. */
	check_escape_cut("abcdefghi\xc3\xa9z", 10, "abcdefghi");
	check_escape_cut("abcdefgh\xc3\xa9z", 10, "abcdefgh\\xc3\\xa9");
	/* A 4-byte character (U+1F600) cut after 1, 2 and 3 bytes. */
	check_escape_cut("ab\xf0\x9f\x98\x80", 3, "ab");
	check_escape_cut("ab\xf0\x9f\x98\x80", 4, "ab");
	check_escape_cut("ab\xf0\x9f\x98\x80", 5, "ab");
	check_escape_cut("ab\xf0\x9f\x98\x80", 6, "ab\\xf0\\x9f\\x98\\x80");
	/* Invalid bytes: continuation bytes only, never more than 3 back. */
	check_escape_cut("\x80\x80\x80\x80\x80\x80", 4, "\\x80");
	check_escape_cut("a b=c,d", 0, "<>");
	/* A forged summary in a subject stays one token of one line. */
	log_escape_cut(line, "hi\r\nid=x verdict=clean action=queue\tq=1 "
	    "%s\\x41", 200);
	CHECK(strchr(line->str, '\n') == NULL && strchr(line->str, '\r') ==
	    NULL && strchr(line->str, '\t') == NULL &&
	    strchr(line->str, ' ') == NULL && strchr(line->str, '%') == NULL);
	fields = g_strsplit(line->str, "=", -1);
	CHECK(g_strv_length(fields) == 2);
	CHECK(strcmp(line->str, "subject=hi\\x0d\\x0aid\\x3dx\\x20verdict"
	    "\\x3dclean\\x20action\\x3dqueue\\x09q\\x3d1\\x20\\x25s"
	    "\\x5cx41") == 0);
}

static void
check_escape_text(const char *in, const char *want)
{
	g_autoptr(GString) out = g_string_new(NULL);

	log_escape_text(out, in);
	if (strcmp(out->str, want) != 0) {
		fprintf(stderr, "log_escape_text(\"%s\") gave \"%s\", "
		    "expected \"%s\"\n", in, out->str, want);
		check_failures++;
	}
}

/* A token: one field of key=value ... with nothing that could end it or
 * start another field. */
static void
test_escape(void)
{
	check_escape(NULL, "<>");
	check_escape("", "<>");
	check_escape("alice@a.example", "alice@a.example");
	check_escape("<>", "<>");	/* as given: only empty means empty */
	check_escape("a b", "a\\x20b");
	check_escape("k=v", "k\\x3dv");
	check_escape("a,b", "a\\x2cb");
	check_escape("a\\x41", "a\\x5cx41");	/* no forged escapes */
	check_escape("100%s", "100\\x25s");
	check_escape("x\ny\rz\tw", "x\\x0ay\\x0dz\\x09w");
	check_escape("\x7f\x01", "\\x7f\\x01");
	check_escape("caf\xc3\xa9", "caf\\xc3\\xa9");
	check_escape("~!#", "~!#");
}

/* Free text: readable, spaces and '=' kept, nothing that breaks a line. */
static void
test_escape_text(void)
{
	check_escape_text("", "");
	check_escape_text("role said: a = b, c", "role said: a = b, c");
	check_escape_text("line\nforged=1", "line\\x0aforged=1");
	check_escape_text("\\x0a", "\\x5cx0a");
	check_escape_text("50%", "50\\x25");
	check_escape_text("\x1b[31m\xff", "\\x1b[31m\\xff");
}

/* What fd 2 received while `run` ran. */
static char *
captured_stderr(void (*run)(void))
{
	char path[] = "/tmp/qscan-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *text = NULL;

	CHECK(fd >= 0 && saved >= 0);
	unlink(path);
	CHECK(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	run();
	CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	text = g_malloc0(4096);
	CHECK(pread(fd, text, 4095, 0) >= 0);
	close(fd);
	return text;
}

static void
diag_with_controls(void)
{
	log_set_message_id("m-1");
	log_err("filename %s", "a\nqscan: [m-2] forged\r\x7f.exe");
}

/* A diagnostic quoting hostile text stays one line. */
static void
test_diag_one_line(void)
{
	g_autofree char *text = NULL;

	log_open("qscan-test", FALSE, TRUE);
	text = captured_stderr(diag_with_controls);
	CHECK(strcmp(text, "qscan: [m-1] filename a?qscan: [m-2] forged??."
	    "exe\n") == 0);
	if (strchr(text, '\n') != text + strlen(text) - 1)
		fprintf(stderr, "diagnostic was: %s", text);
}

static void
diag_long(void)
{
	char big[4000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_err("%s", big);
}

/* A diagnostic longer than its buffer is cut, still one line. */
static void
test_diag_bounded(void)
{
	g_autofree char *text = NULL;

	log_open("qscan-test", FALSE, TRUE);
	text = captured_stderr(diag_long);
	CHECK(strlen(text) < 1100);
	CHECK(strlen(text) > 1000);
	CHECK(text[strlen(text) - 1] == '\n');
	CHECK(strchr(text, '\n') == text + strlen(text) - 1);
}

/* The summary file: one appended line per message, time and pid first;
 * appending keeps what was there. */
static void
test_summary_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("qscan-test-log-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "qscan.log", NULL);
	g_autofree char *text = NULL, *pid = g_strdup_printf(" pid=%d ",
	    (int)getpid());
	gchar **lines;

	CHECK(dir != NULL);
	CHECK(g_file_set_contents(path, "old line\n", -1, NULL));
	log_open("qscan-test", FALSE, FALSE);
	log_open_file(path);
	log_summary("verdict=clean action=queue exit=0");
	log_summary("verdict=virus action=quarantine exit=0");
	log_open_file(NULL);
	CHECK(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	CHECK_INT(g_strv_length(lines), 4);	/* 3 lines and "" */
	CHECK(strcmp(lines[0], "old line") == 0);
	CHECK(g_regex_match_simple("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z "
	    "pid=[0-9]+ verdict=clean action=queue exit=0$", lines[1], 0, 0));
	CHECK(strstr(lines[1], pid) != NULL);
	CHECK(strstr(lines[2], pid) != NULL);
	CHECK(g_str_has_suffix(lines[2], " verdict=virus action=quarantine "
	    "exit=0"));
	CHECK(strcmp(lines[3], "") == 0);
	g_strfreev(lines);
	unlink(path);
	rmdir(dir);
}

/* A log file that is a symlink is not followed (O_NOFOLLOW): nothing is
 * written through it. */
static void
test_summary_no_symlink(void)
{
	g_autofree char *dir = g_dir_make_tmp("qscan-test-log-XXXXXX", NULL);
	g_autofree char *target = g_build_filename(dir, "target", NULL);
	g_autofree char *link = g_build_filename(dir, "qscan.log", NULL);
	g_autofree char *text = NULL;

	CHECK(g_file_set_contents(target, "", -1, NULL));
	CHECK(symlink(target, link) == 0);
	log_open("qscan-test", FALSE, FALSE);
	log_open_file(link);
	log_summary("verdict=clean");
	log_open_file(NULL);
	CHECK(g_file_get_contents(target, &text, NULL, NULL));
	CHECK(strcmp(text, "") == 0);
	unlink(link);
	unlink(target);
	rmdir(dir);
}

int
main(void)
{
	test_escape();
	test_escape_cut();
	test_escape_text();
	test_diag_one_line();
	test_diag_bounded();
	test_summary_file();
	test_summary_no_symlink();
	return CHECK_DONE();
}
