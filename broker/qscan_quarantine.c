/* broker: qscan list, show, release, delete (docs/quarantine.md);
 * trusted. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "broker_env.h"
#include "decide.h"
#include "pipeline.h"
#include "envelope.h"
#include "log.h"
#include "privs.h"
#include "qscan_limits.h"
#include "qscan_quarantine.h"
#include "quarantine_entry.h"
#include "queue.h"

/* Exit codes of these commands (docs/quarantine.md). */
enum {
	QX_OK = 0, QX_ERROR = 1, QX_USAGE = 2, QX_DAMAGED = 3, QX_QUEUE = 4,
	QX_RESCAN = 5,
};

/* release --rescan: the roles run as for qscan check (privs_drop keeps
 * what spawning them with their own uids needs). */
static struct privs rescan_privs;
static int rescan_ready;

/* Who ran us, for the log (before the drop). */
static uid_t caller_uid;

int
qscan_quarantine_user(const struct qscan_config *cfg)
{
	uid_t uid;
	gid_t gid;

	caller_uid = getuid();
	if (privs_lookup_user(cfg->broker_user, &uid, &gid) != 0) {
		fprintf(stderr, "qscan: no user %s ([users] broker)\n",
		    cfg->broker_user);
		return -1;
	}
	if (getuid() == uid && geteuid() == uid)
		return 0;
	if (getuid() != 0) {
		fprintf(stderr, "qscan: the quarantine is %s's: run this as "
		    "root or %s\n", cfg->broker_user, cfg->broker_user);
		return -1;
	}
	/* The broker's files stay the broker's: never root-owned. */
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		fprintf(stderr, "qscan: cannot become %s: %s\n",
		    cfg->broker_user, strerror(errno));
		return -1;
	}
	return 0;
}

/* A value for the terminal: bytes outside printable ASCII, and '\\',
 * as \xNN (reversible; nothing reaches the terminal raw). */
static char *
shown(const char *s)
{
	GString *g = g_string_new(NULL);

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			g_string_append_printf(g, "\\x%02x", *p);
		else
			g_string_append_c(g, (char)*p);
	return g_string_free(g, FALSE);
}

static char *
rcpts_joined(const struct qentry *e)
{
	GString *g = g_string_new(NULL);

	for (guint i = 0; i < e->to->len; i++)
		g_string_append_printf(g, "%s%s", i ? "," : "",
		    (char *)e->to->pdata[i]);
	return g_string_free(g, FALSE);
}

/* "2d", "12h", "30m", "1w", "90s", or a date: "2026-12-01",
 * "2026-12-01T10:00:00" (local time unless it names a zone). */
int
qscan_parse_since(const char *v, time_t *out)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	g_autoptr(GTimeZone) tz = g_time_zone_new_local();
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *full = NULL;

	if (end != v && n >= 0 && end[0] != '\0' && end[1] == '\0' &&
	    strchr("smhdw", end[0]) != NULL) {
		long long unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 :
		    end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 604800;

		if (n > 100LL * 365 * 86400 / unit)
			return -1;
		*out = time(NULL) - (time_t)(n * unit);
		return 0;
	}
	full = strlen(v) == 10 ? g_strconcat(v, "T00:00:00", NULL) :
	    g_strdup(v);
	if ((dt = g_date_time_new_from_iso8601(full, tz)) == NULL)
		return -1;
	*out = (time_t)g_date_time_to_unix(dt);
	return 0;
}

struct list_args {
	time_t since;
	const char *verdict;
	unsigned n;
};

static void
list_one(struct qentry *e, void *arg)
{
	struct list_args *a = arg;
	g_autofree char *from = NULL, *to = NULL, *rc = NULL, *reason = NULL;
	char date[32];
	struct tm tm;

	if (e->mtime < a->since ||
	    (a->verdict && strcmp(a->verdict, e->verdict) != 0))
		return;
	localtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", &tm);
	from = shown(e->from);
	rc = rcpts_joined(e);
	to = shown(rc);
	reason = shown(e->reason);
	printf("%s\t%s\t%s\t%s\t<%s>\t%s\t%s\t%s\n", e->id, e->folder, date,
	    e->verdict[0] ? e->verdict : "-", from, to,
	    e->released ? "released" : "held", reason);
	a->n++;
}

static int
cmd_list(const struct qscan_config *cfg, int argc, char **argv)
{
	struct list_args a = { 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (qscan_parse_since(argv[++i], &a.since) != 0) {
				fprintf(stderr, "qscan: --since %s: not a "
				    "date (2026-12-01, 2026-12-01T10:00:00) "
				    "or a duration (90s, 30m, 12h, 2d, 1w)\n",
				    argv[i]);
				return QX_USAGE;
			}
		} else if (strcmp(argv[i], "--verdict") == 0 && i + 1 < argc)
			a.verdict = argv[++i];
		else {
			fprintf(stderr, "usage: qscan list [--since DATE|"
			    "DURATION] [--verdict VERDICT]\n");
			return QX_USAGE;
		}
	}
	qentry_each(cfg->spool_dir, list_one, &a);
	fprintf(stderr, "%u entr%s\n", a.n, a.n == 1 ? "y" : "ies");
	return QX_OK;
}

/* The original's header, bounded, control bytes shown as '?'. */
static void
show_headers(const struct qentry *e)
{
	FILE *f = fopen(e->path, "rbe");
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;

	if (f == NULL || fseeko(f, e->head_len, SEEK_SET) != 0) {
		if (f)
			fclose(f);
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0 && total < 65536) {
		g_autofree char *s = NULL;

		total += (size_t)n;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			break;
		s = shown(line);
		printf("  %s\n", s);
	}
	free(line);
	fclose(f);
}

static int
find_or_say(const struct qscan_config *cfg, const char *id,
    struct qentry *e)
{
	g_autofree char *why = NULL, *safe = shown(id);

	if (qentry_find(cfg->spool_dir, id, e, &why) == 0)
		return 0;
	fprintf(stderr, "qscan: %s: %s\n", safe, why);
	return -1;
}

static int
cmd_show(const struct qscan_config *cfg, int argc, char **argv)
{
	struct qentry e;
	g_autofree char *from = NULL, *reason = NULL, *facts = NULL;
	char date[64];
	struct tm tm;

	if (argc != 2) {
		fprintf(stderr, "usage: qscan show ID\n");
		return QX_USAGE;
	}
	if (find_or_say(cfg, argv[1], &e) != 0)
		return QX_ERROR;
	localtime_r(&e.mtime, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	from = shown(e.from);
	reason = shown(e.reason);
	facts = shown(e.facts);
	printf("id: %s\nfolder: %s\nfile: %s\ndate: %s\nstate: %s\n"
	    "verdict: %s\nreason: %s\nfacts: %s\nenvelope-from: <%s>\n",
	    e.id, e.folder, e.path, date, e.released ? "released" : "held",
	    e.verdict, reason, facts, from);
	for (guint i = 0; i < e.to->len; i++) {
		g_autofree char *t = shown(e.to->pdata[i]);

		printf("envelope-to: <%s>\n", t);
	}
	if (e.has_original)
		printf("original: %llu bytes, sha256 %s%s\n",
		    (unsigned long long)e.orig_len, e.sha256,
		    (uint64_t)e.file_size == (uint64_t)e.head_len +
		    e.orig_len ? "" : " (TRUNCATED: release refuses it)");
	else
		printf("original: not recorded (release refuses it)\n");
	printf("headers:\n");
	show_headers(&e);
	qentry_clear(&e);
	return QX_OK;
}

/* One line in the summary log (log_file and syslog): key=value as the
 * per-message lines (docs/quarantine.md). */
static void
log_action(const struct qscan_config *cfg, const char *what,
    const struct qentry *e, const char *to, int code)
{
	g_autoptr(GString) line = g_string_new(NULL);

	log_open("qscan", cfg->use_syslog, FALSE);
	log_open_file(cfg->log_file);
	g_string_append_printf(line, "quarantine id=%s folder=%s action=%s",
	    e->id, e->folder, what);
	if (to != NULL) {
		g_string_append(line, " rcpt=");
		log_escape(line, to);
	}
	if (code >= 0)
		g_string_append_printf(line, " qq_exit=%d", code);
	g_string_append_printf(line, " uid=%d", (int)caller_uid);
	log_summary(line->str);
}

/* Marks a released entry as Maildir does a passed message: cur/ID:2,P. */
static int
mark_released(const struct qentry *e, char **why)
{
	g_autofree char *dir = g_path_get_dirname(e->path);
	g_autofree char *maildir = g_path_get_dirname(dir);
	g_autofree char *base = g_path_get_basename(e->path);
	g_autofree char *flags = NULL, *target = NULL;
	const char *info = strchr(base, ':');

	if (e->released)
		return 0;
	if (info != NULL && strncmp(info, ":2,", 3) == 0)
		flags = g_strdup_printf("%sP", info + 3);
	else
		flags = g_strdup("P");
	/* Maildir flags are kept sorted (ASCII). */
	for (size_t i = 1; flags[i]; i++)
		for (size_t j = i; j > 0 && flags[j - 1] > flags[j]; j--) {
			char c = flags[j];

			flags[j] = flags[j - 1];
			flags[j - 1] = c;
		}
	target = g_strdup_printf("%s/cur/%s:2,%s", maildir, e->id, flags);
	if (rename(e->path, target) != 0) {
		*why = g_strdup_printf("rename to %s: %s", target,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The whole decision again, as the hook would take it; 0 when it would
 * queue the message. */
static int
rescan_message(const struct qscan_config *cfg, const struct qentry *e,
    struct spool *sp, const struct envelope *envl)
{
	struct scan s;
	struct decide_facts f = { .spool = SPOOL_OK, .envelope = ENVELOPE_OK };
	struct outcome o;
	int queue;

	if (!rescan_ready) {
		fprintf(stderr, "qscan: %s: --rescan: no roles\n", e->id);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.privs = &rescan_privs;
	s.message_id = "release";
	s.envl = envl;
	s.remote_ip = "";
	s.spool = sp;
	pipeline_run(&s);
	pipeline_decide_facts(&s, &f);
	decide(cfg, &f, &o);
	queue = strcmp(o.action, "queue") == 0;
	fprintf(queue ? stdout : stderr, "%s%s: rescan: verdict=%s "
	    "action=%s%s%s%s\n", queue ? "" : "qscan: ", e->id,
	    verdict_name(s.verdict), o.action, s.reason[0] ? " reason=" : "",
	    s.reason, queue ? "" : "; not released, the entry is kept");
	outcome_clear(&o);
	pipeline_clear(&s);
	return queue ? 0 : -1;
}

static int
cmd_release(const struct qscan_config *cfg, int argc, char **argv)
{
	const char *id = NULL, *to = NULL;
	struct qentry e;
	struct envelope envl = { 0 };
	struct spool sp = { .fd = -1 };
	g_autoptr(GByteArray) raw = NULL;
	g_autofree char *why = NULL;
	enum qscan_failure failure;
	enum envelope_result er;
	char *env[] = { NULL };
	int rc, code = QX_OK, bad = 0, rescan = 0;
	gsize len;
	const uint8_t *data;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--rescan") == 0)
			rescan = 1;
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			bad = 1;
	}
	if (bad || id == NULL || (to != NULL && (to[0] == '\0' ||
	    strlen(to) > ENVELOPE_ADDRESS_MAX || strchr(to, '\n')))) {
		fprintf(stderr, "usage: qscan release ID [--to ADDR] "
		    "[--rescan]\n");
		return QX_USAGE;
	}
	if (find_or_say(cfg, id, &e) != 0)
		return QX_ERROR;
	if ((sp.fd = qentry_original_fd(&e, &why)) < 0) {
		fprintf(stderr, "qscan: %s: %s; the entry is kept\n", e.id, why);
		qentry_clear(&e);
		return QX_DAMAGED;
	}
	sp.size = sp.seen = e.orig_len;
	data = g_bytes_get_data(e.envelope, &len);
	raw = g_byte_array_new();
	if (to == NULL)
		g_byte_array_append(raw, data, (guint)len);
	else {
		/* The original sender, the one recipient asked for. */
		struct envelope orig = { 0 };

		if (envelope_parse(data, len, cfg->max_recipients, &orig) ==
		    ENVELOPE_OK) {
			g_byte_array_append(raw, (const guint8 *)"F", 1);
			g_byte_array_append(raw, (const guint8 *)orig.sender,
			    (guint)strlen(orig.sender) + 1);
			g_byte_array_append(raw, (const guint8 *)"T", 1);
			g_byte_array_append(raw, (const guint8 *)to,
			    (guint)strlen(to) + 1);
			g_byte_array_append(raw, (const guint8 *)"", 1);
		}
		envelope_clear(&orig);
	}
	er = envelope_parse(raw->data, raw->len, ENVELOPE_RECIPIENTS_MAX,
	    &envl);
	if (er != ENVELOPE_OK) {
		fprintf(stderr, "qscan: %s: the stored envelope does not "
		    "parse (%s); the entry is kept\n", e.id,
		    envelope_result_name(er));
		code = QX_DAMAGED;
		goto out;
	}
	if (rescan && rescan_message(cfg, &e, &sp, &envl) != 0) {
		code = QX_RESCAN;
		goto out;
	}
	rc = queue_deliver(cfg->qmail_queue, "", &sp, &envl, env, &failure,
	    &why);
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "qscan: %s: %s failed: %s; the entry "
			    "is kept\n", e.id, cfg->qmail_queue, why);
		else
			fprintf(stderr, "qscan: %s: qmail-queue exit %d (%s)%s"
			    "%s; the entry is kept\n", e.id, rc, rc >= 11 &&
			    rc <= 40 ? "permanent" : "temporary", why ? ": " :
			    "", why ? why : "");
		log_action(cfg, "release-failed", &e, to, rc);
		code = QX_QUEUE;
		goto out;
	}
	g_clear_pointer(&why, g_free);
	if (mark_released(&e, &why) != 0)
		fprintf(stderr, "qscan: %s: delivered, but not marked: %s\n",
		    e.id, why);
	log_action(cfg, "released", &e, to, 0);
	printf("%s: released to %s through %s\n", e.id, to ? to :
	    "the original recipients", cfg->qmail_queue);
out:
	envelope_clear(&envl);
	spool_close(&sp);
	qentry_clear(&e);
	return code;
}

static int
cmd_delete(const struct qscan_config *cfg, int argc, char **argv)
{
	struct qentry e;

	if (argc != 2) {
		fprintf(stderr, "usage: qscan delete ID\n");
		return QX_USAGE;
	}
	if (find_or_say(cfg, argv[1], &e) != 0)
		return QX_ERROR;
	if (unlink(e.path) != 0) {
		fprintf(stderr, "qscan: %s: %s\n", e.path, strerror(errno));
		qentry_clear(&e);
		return QX_ERROR;
	}
	log_action(cfg, "deleted", &e, NULL, -1);
	printf("%s: deleted\n", e.id);
	qentry_clear(&e);
	return QX_OK;
}

static void
warn_stderr(const char *text)
{
	fprintf(stderr, "qscan: warning: %s\n", text);
}

/* As qscan check: the broker user, with the roles' uids at hand. */
static int
rescan_user(const struct qscan_config *cfg)
{
	g_autofree char *why = NULL;
	uid_t uid;
	gid_t gid;

	caller_uid = getuid();
	if (privs_lookup_user(cfg->broker_user, &uid, &gid) != 0 ||
	    (caller_uid != 0 && caller_uid != uid)) {
		fprintf(stderr, "qscan: the quarantine is %s's: run this as "
		    "root or %s\n", cfg->broker_user, cfg->broker_user);
		return -1;
	}
	log_open("qscan", FALSE, TRUE);
	if (privs_drop(cfg->broker_user, &rescan_privs, &why) != 0 ||
	    pipeline_setup(cfg, &rescan_privs, warn_stderr, &why) != 0) {
		fprintf(stderr, "qscan: --rescan: %s\n", why);
		return -1;
	}
	rescan_ready = 1;
	return 0;
}

/* One release, delete or cleanup at a time: a cleanup beside a release
 * would unlink the entry between its delivery and its mark (delivered,
 * then "not marked"), two releases would deliver it twice.  The lock is
 * the quarantine directory's own flock, held until exit: no lock file
 * to own, none left behind; list and show take none. */
static int
quarantine_lock(const struct qscan_config *cfg, const char *what)
{
	g_autofree char *dir = g_build_filename(cfg->spool_dir, "quarantine",
	    NULL);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0) {
		fprintf(stderr, "qscan: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	rc = flock(fd, LOCK_EX | LOCK_NB);
	if (rc != 0 && errno == EWOULDBLOCK) {
		fprintf(stderr, "qscan: %s: waiting for another qscan "
		    "release, delete or cleanup\n", what);
		while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
			;
	}
	if (rc == 0)
		return 0;
	fprintf(stderr, "qscan: cannot lock %s: %s\n", dir, strerror(errno));
	close(fd);
	return -1;
}

int
qscan_quarantine_cmd(struct qscan_config *cfg, int argc, char **argv)
{
	int rescan = 0;

	for (int i = 1; i < argc; i++)
		rescan |= strcmp(argv[0], "release") == 0 &&
		    strcmp(argv[i], "--rescan") == 0;
	if ((rescan ? rescan_user(cfg) : qscan_quarantine_user(cfg)) != 0)
		return QX_ERROR;
	if (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "show") != 0 &&
	    quarantine_lock(cfg, argv[0]) != 0)
		return QX_ERROR;
	if (strcmp(argv[0], "list") == 0)
		return cmd_list(cfg, argc, argv);
	if (strcmp(argv[0], "show") == 0)
		return cmd_show(cfg, argc, argv);
	if (strcmp(argv[0], "release") == 0)
		return cmd_release(cfg, argc, argv);
	if (strcmp(argv[0], "delete") == 0)
		return cmd_delete(cfg, argc, argv);
	if (strcmp(argv[0], "cleanup") == 0) {
		int dry = argc == 2 && strcmp(argv[1], "--dry-run") == 0;

		if (argc > 2 || (argc == 2 && !dry)) {
			fprintf(stderr, "usage: qscan cleanup [--dry-run]\n");
			return QX_USAGE;
		}
		return qscan_cleanup(cfg, dry);
	}
	return QX_USAGE;
}
