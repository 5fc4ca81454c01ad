/* broker: archive copies (docs/archive.md); trusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "archive.h"
#include "quarantine.h"

int
archive_wanted(const struct qscan_config *cfg, const struct envelope *envl)
{
	g_autoptr(GRegex) re = NULL;

	if (strcmp(cfg->archive, "no") == 0)
		return 0;
	if (strcmp(cfg->archive, "yes") == 0)
		return 1;
	/* config.c compiled it already; should it fail now, a copy too
	 * many is the safe side. */
	re = g_regex_new(cfg->archive, ARCHIVE_REGEX_FLAGS, 0, NULL);
	if (re == NULL)
		return 1;
	/* Addresses hold no NUL (envelope.c), where GRegex would stop. */
	if (g_regex_match(re, envl->sender, 0, NULL))
		return 1;
	for (guint i = 0; i < envl->recipients->len; i++)
		if (g_regex_match(re, envl->recipients->pdata[i], 0, NULL))
			return 1;
	return 0;
}

/* The envelope as our lines: readable addresses (sanitised) for people
 * and grep, then the raw bytes in base64 for what must be exact (bytes
 * outside printable ASCII, as quarantine entries keep them);
 * docs/archive.md. */
static void
envelope_lines(GString *out, const char *prefix, const struct envelope *envl,
    const char *what)
{
	g_autofree char *raw = g_base64_encode(envl->raw->data,
	    envl->raw->len);

	g_string_append_printf(out, "%s-Archived: %s\n", prefix, what);
	envelope_header_lines(out, prefix, envl);
	g_string_append_printf(out, "%s-Envelope-Raw: %s\n", prefix, raw);
}

int
archive_store(const struct qscan_config *cfg, const char *header,
    const struct envelope *envl, const struct spool *sp,
    const char *message_id, const char *what, char **name, char **why)
{
	g_autofree char *dir = g_build_filename(cfg->spool_dir, "archive",
	    NULL);
	g_autofree char *tmp = NULL, *new = NULL, *ndir = NULL;
	g_autoptr(GString) env = g_string_new(NULL);
	size_t hlen = header ? strlen(header) : 0;
	uint64_t msg_len = hlen + sp->size;
	int fd = -1, dfd = -1;
	const char *step = "open";

	*name = maildir_message_name(message_id);
	tmp = g_build_filename(dir, "tmp", *name, NULL);
	new = g_build_filename(dir, "new", *name, NULL);
	ndir = g_build_filename(dir, "new", NULL);
	envelope_lines(env, cfg->header_prefix, envl, what);
	/* O_EXCL: the name is unique (time, pid, message id); a file that
	 * has it already is not ours to overwrite. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		goto fail;
	step = "write";
	if (cfg->archive_envelope == ARCHIVE_ENVELOPE_HEADERS) {
		/* Before the message: the lines, then how long it is. */
		g_string_append_printf(env, "%s-Archive-Message: %llu\n",
		    cfg->header_prefix, (unsigned long long)msg_len);
		if (fd_write_all(fd, env->str, env->len) != 0)
			goto fail;
	}
	if ((hlen > 0 && fd_write_all(fd, header, hlen) != 0) ||
	    spool_copy_to(sp, fd) != 0)
		goto fail;
	if (cfg->archive_envelope == ARCHIVE_ENVELOPE_APPEND) {
		/* After it, as Qmail-Scanner did: a newline, a marker, the
		 * lines, and last the message's length, which finds the
		 * trailer however the message ends. */
		g_autofree char *head = g_strdup_printf("\n%s-Archive-"
		    "Trailer: follows\n", cfg->header_prefix);

		g_string_prepend(env, head);
		g_string_append_printf(env, "%s-Archive-Message: %llu\n",
		    cfg->header_prefix, (unsigned long long)msg_len);
		if (fd_write_all(fd, env->str, env->len) != 0)
			goto fail;
	}
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "rename";
	if (rename(tmp, new) != 0)
		goto fail;
	step = "fsync new/";
	dfd = open(ndir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		int e = errno;

		unlink(new);
		errno = e;
		goto fail;
	}
	close(dfd);
	close(fd);
	return 0;
fail:
	*why = g_strdup_printf("archive %s: %s: %s", dir, step,
	    strerror(errno));
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	g_clear_pointer(name, g_free);
	return -1;
}
