/* broker: the commands that read the summary log (docs/report.md).
 * Nothing here is privileged: whoever can read the log can run them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "qscan_quarantine.h"
#include "qscan_report.h"
#include "report_html.h"
#include "report_input.h"
#include "report_text.h"

struct report_args {
	int metrics;
	const char *mrtg;	/* the pair, or NULL */
	const char *output;	/* -o FILE */
	const char *textfile;	/* --textfile DIR */
	time_t since;
	GPtrArray *logs;
};

static int
report_usage(void)
{
	fprintf(stderr,
	    "usage: qscan report [--since DATE|DURATION] [--log FILE|-]... "
	    "-o FILE.html\n"
	    "       qscan report [--since DATE|DURATION] [--log FILE|-]... "
	    "--mrtg [IN,OUT]\n"
	    "       qscan metrics [--since DATE|DURATION] [--log FILE|-]... "
	    "[--textfile DIR]\n");
	return 2;
}

/* Writes text to DIR/NAME the way node_exporter's textfile collector
 * wants it: a temporary file in the same directory, synced, then
 * renamed over the old one, so no reader sees half (the report too: a
 * web server may serve it while it is made). */
static int
write_atomically(const char *dir, const char *name, const GString *text)
{
	g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, name);
	g_autofree char *final = g_build_filename(dir, name, NULL);
	size_t off = 0;
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "qscan: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	while (off < text->len) {
		ssize_t n = write(fd, text->str + off, text->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, final) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "qscan: %s: %s\n", final, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static int
write_stdout(const GString *text)
{
	if (fwrite(text->str, 1, text->len, stdout) != text->len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "qscan: stdout: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_args(struct report_args *a, int argc, char **argv)
{
	a->metrics = strcmp(argv[0], "metrics") == 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--since") == 0 && i + 1 < argc) {
			if (qscan_parse_since(argv[++i], &a->since) != 0) {
				fprintf(stderr, "qscan: --since %s: not a "
				    "date or a duration\n", argv[i]);
				return -1;
			}
		} else if (strcmp(o, "--log") == 0 && i + 1 < argc)
			g_ptr_array_add(a->logs, argv[++i]);
		else if (!a->metrics && strcmp(o, "--mrtg") == 0)
			a->mrtg = (i + 1 < argc && argv[i + 1][0] != '-') ?
			    argv[++i] : "messages,blocked";
		else if (!a->metrics && strcmp(o, "-o") == 0 && i + 1 < argc)
			a->output = argv[++i];
		else if (a->metrics && strcmp(o, "--textfile") == 0 &&
		    i + 1 < argc)
			a->textfile = argv[++i];
		else
			return -1;
	}
	if (!a->metrics && (a->mrtg == NULL) == (a->output == NULL))
		return -1;
	return 0;
}

int
qscan_report_cmd(int argc, char **argv, const char *default_log)
{
	struct report_args a = { 0 };
	struct report_stats st;
	g_autoptr(GPtrArray) logs = g_ptr_array_new();
	g_autoptr(GString) out = g_string_new(NULL);
	int rc = 1;

	a.logs = logs;
	if (parse_args(&a, argc, argv) != 0)
		return report_usage();
	if (logs->len == 0) {
		if (default_log == NULL) {
			fprintf(stderr, "qscan: no log_file configured: "
			    "name one with --log\n");
			return 1;
		}
		g_ptr_array_add(logs, (char *)default_log);
	}
	report_stats_init(&st, (int64_t)a.since);
	for (guint i = 0; i < logs->len; i++)
		if (report_input_read(logs->pdata[i], &st) != 0)
			goto out;
	if (a.metrics) {
		report_metrics(&st, out);
		if ((a.textfile ? write_atomically(a.textfile, "qscan.prom",
		    out) : write_stdout(out)) != 0)
			goto out;
	} else if (a.output != NULL) {
		g_autofree char *dir = g_path_get_dirname(a.output);
		g_autofree char *name = g_path_get_basename(a.output);

		report_html(&st, g_get_host_name(), out);
		if (write_atomically(dir, name, out) != 0)
			goto out;
	} else {
		if (report_mrtg(&st, a.mrtg, g_get_host_name(), out) != 0) {
			fprintf(stderr, "qscan: --mrtg %s: two of messages, "
			    "inbound, outbound, blocked or a verdict, as "
			    "IN,OUT\n", a.mrtg);
			rc = 2;
			goto out;
		}
		if (write_stdout(out) != 0)
			goto out;
	}
	if (st.refused > 0)
		fprintf(stderr, "qscan: %llu of %llu lines were no summary "
		    "line (docs/summary-line.md)\n",
		    (unsigned long long)st.refused,
		    (unsigned long long)st.lines);
	rc = 0;
out:
	report_stats_clear(&st);
	return rc;
}
