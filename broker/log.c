/* broker: logging; trusted, formats hostile strings only through log_escape. */
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static gboolean log_syslog, log_stderr;
static int log_fd = -1;
static char log_msgid[64] = "-";
/* Whether syslogd listens on _PATH_LOG, found when the log is opened
 * (before any seccomp filter: a worker may not make sockets); without
 * it, syslog(3) would drop every line without a word. */
static int syslog_absent, syslog_noted;
static char syslog_why[128];

static void
syslog_probe(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_strlcpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path));
	syslog_absent = fd < 0 || connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0;
	if (syslog_absent)
		snprintf(syslog_why, sizeof(syslog_why), "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Once per process, the first time a line would go to syslog and
 * cannot: said on stderr, and syslog is skipped from then on. */
static gboolean
syslog_usable(void)
{
	if (syslog_absent && !syslog_noted) {
		syslog_noted = 1;
		dprintf(STDERR_FILENO, "qscan: syslog: %s: %s: nothing goes "
		    "to syslog (summary lines still go to log_file)\n",
		    _PATH_LOG, syslog_why);
	}
	return !syslog_absent;
}

void
log_open(const char *ident, gboolean use_syslog, gboolean to_stderr)
{
	log_syslog = use_syslog;
	log_stderr = to_stderr;
	if (use_syslog) {
		syslog_probe();
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
}

void
log_open_file(const char *path)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640) : -1;
	if (path && log_fd < 0)
		log_warn("cannot open log file %s: %s", path, strerror(errno));
}

void
log_set_message_id(const char *id)
{
	g_strlcpy(log_msgid, id, sizeof(log_msgid));
}

void
log_diag(int level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Diagnostics quote hostile text (filenames, scanner replies): no
	 * line breaks or other controls may forge a line of their own. */
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	if (log_syslog && syslog_usable())
		syslog(level, "[%s] %s", log_msgid, text);
	/* Not to stderr instead: what a caller without privilege may not
	 * read goes to syslog only (main.c, log_config_problems). */
	if (log_stderr)
		dprintf(STDERR_FILENO, "qscan: [%s] %s\n", log_msgid, text);
}

void
log_summary(const char *line)
{
	char stamp[64];
	struct tm tm;
	time_t now = time(NULL);
	g_autofree char *full = NULL;

	if (log_syslog && syslog_usable())
		syslog(LOG_INFO, "%s", line);
	if (log_fd < 0)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	full = g_strdup_printf("%s pid=%d %s\n", stamp, (int)getpid(), line);
	/* O_APPEND and one write: lines from concurrent brokers stay whole. */
	if (write(log_fd, full, strlen(full)) < 0)
		log_warn("cannot write log file: %s", strerror(errno));
}

void
log_escape(GString *out, const char *s)
{
	if (s == NULL || s[0] == '\0') {
		g_string_append(out, "<>");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '=' || *p == ',' ||
		    *p == '\\' || *p == '%')
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
}

void
log_escape_cut(GString *out, const char *s, size_t max)
{
	g_autofree char *head = NULL;
	size_t n;

	if (s == NULL || strlen(s) <= max) {
		log_escape(out, s);
		return;
	}
	/* Back over continuation bytes (10xxxxxx) to a lead byte, which
	 * the cut then drops with its sequence. */
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80 &&
	    max - n < 3)
		n--;
	head = g_strndup(s, n);
	log_escape(out, head);
}

void
log_escape_text(GString *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < ' ' || *p >= 0x7f || *p == '\\' || *p == '%')
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
}
