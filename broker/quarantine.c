/* broker: quarantine; trusted, writes hostile strings only sanitised. */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "broker_env.h"
#include "log.h"
#include "quarantine.h"

char *
maildir_message_name(const char *message_id)
{
	char host[64];
	struct timespec ts;

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	/* The name is the id qscan takes: only [A-Za-z0-9._-]. */
	for (char *p = host; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
			*p = '_';
	clock_gettime(CLOCK_REALTIME, &ts);
	return g_strdup_printf("%lld.M%ldP%dQ%s.%s", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (int)getpid(), message_id, host);
}

void
envelope_header_lines(GString *out, const char *prefix,
    const struct envelope *envl)
{
	g_autofree char *from = broker_env_header_safe(envl->sender);

	g_string_append_printf(out, "%s-Envelope-From: <%s>\n", prefix, from);
	for (guint i = 0; i < envl->recipients->len; i++) {
		g_autofree char *to = broker_env_header_safe(
		    envl->recipients->pdata[i]);

		g_string_append_printf(out, "%s-Envelope-To: <%s>\n", prefix,
		    to);
	}
}

int
quarantine_store(const char *spool_dir, const char *folder,
    const char *prefix, const char *reason, const char *facts,
    const struct envelope *envl, const struct spool *sp,
    const char *message_id, char **name, char **why)
{
	g_autofree char *tmp = g_strdup_printf("%s/quarantine/%s/tmp",
	    spool_dir, folder);
	g_autofree char *new = g_strdup_printf("%s/quarantine/%s/new",
	    spool_dir, folder);
	g_autoptr(GString) hdr = g_string_new(NULL);
	g_autofree char *safe = broker_env_header_safe(reason);
	g_autofree char *fsafe = broker_env_header_safe(facts ? facts : "");
	g_autofree char *env64 = g_base64_encode(envl->raw->data,
	    envl->raw->len);
	g_autofree char *sum = NULL;
	char path[64];
	int fd = -1, dfd = -1;

	*name = maildir_message_name(message_id);
	g_string_append_printf(hdr, "%s-Quarantine-Reason: %s\n", prefix, safe);
	envelope_header_lines(hdr, prefix, envl);
	/* What release needs (docs/quarantine.md): the raw envelope, and
	 * the original's length and digest, on the last of our lines. */
	g_string_append_printf(hdr, "%s-Quarantine-Facts: %s\n", prefix,
	    fsafe);
	g_string_append_printf(hdr, "%s-Quarantine-Envelope: %s\n", prefix,
	    env64);
	if ((sum = spool_sha256(sp)) == NULL)
		goto fail;
	g_string_append_printf(hdr, "%s-Quarantine-Original: %llu %s\n",
	    prefix, (unsigned long long)sp->size, sum);
	fd = open(tmp, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (fd_write_all(fd, hdr->str, hdr->len) != 0 ||
	    spool_copy_to(sp, fd) != 0 ||
	    fsync(fd) != 0)
		goto fail;
	dfd = open(new, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (dfd < 0 || linkat(AT_FDCWD, path, dfd, *name,
	    AT_SYMLINK_FOLLOW) != 0)
		goto fail;
	if (fsync(dfd) != 0) {
		unlinkat(dfd, *name, 0);
		goto fail;
	}
	close(dfd);
	close(fd);
	return 0;
fail:
	*why = g_strdup_printf("quarantine %s: %s", new, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	g_clear_pointer(name, g_free);
	return -1;
}

/* A field of the TAB-separated log: no TAB, no line breaks. */
static char *
field_safe(const char *s)
{
	/* Control bytes, TAB among them, become '?': no field can split. */
	return broker_env_header_safe(s);
}

void
quarantine_log(const char *spool_dir, const struct envelope *envl,
    const char *subject, const char *names, const char *scanners,
    const char *id)
{
	g_autofree char *path = g_strdup_printf("%s/log/quarantine.log",
	    spool_dir);
	g_autoptr(GString) rcpts = g_string_new(NULL);
	g_autofree char *line = NULL, *from = field_safe(envl->sender);
	g_autofree char *subj = field_safe(subject), *nm = field_safe(names);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	for (guint i = 0; i < envl->recipients->len; i++) {
		g_autofree char *r = field_safe(envl->recipients->pdata[i]);

		g_string_append_printf(rcpts, "%s%s", i ? "," : "", r);
	}
	/* Q-S's six fields, then the id qscan list/show/release take. */
	line = g_strdup_printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", date, from,
	    rcpts->str, subj, nm, scanners, id);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640);
	if (fd < 0 || fd_write_all(fd, line, strlen(line)) != 0)
		log_err("cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}
