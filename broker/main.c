/* broker: qmail-scanner-queue, what QMAILQUEUE names; trusted, setuid.
 *
 * Reads the message (fd 0) to its end into an unnamed spool file, then the
 * envelope (fd 1), runs the roles, decides, and either hands the message to
 * the real qmail-queue or answers with an exit code qmail-smtpd turns into
 * an SMTP reply.  Every failure of ours is a temporary code (DESIGN 6). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "broker_env.h"
#include "config.h"
#include "envelope.h"
#include "exitcodes.h"
#include "log.h"
#include "privs.h"
#include "qscan-config.h"
#include "quarantine.h"
#include "queue.h"
#include "scan.h"
#include "spawn.h"
#include "spool.h"

/* Qmail-Scanner's MAXTIME: a broker stuck this long gives up (52). */
#define BROKER_MAX_SECONDS 1200

struct stage_times {
	double start, setup, spool, canary, unpack, av, queue;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Which descriptors came to us as pipes (bit n: fd n), looked at before
 * we open anything: the reject text goes only to one of those, never to
 * a file of ours that happens to have that number. */
static uint64_t inherited_fifos;

static void
note_inherited_fifos(void)
{
	struct stat st;

	for (int fd = 3; fd < 64; fd++)
		if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
			inherited_fifos |= 1ull << fd;
}

static void
on_alarm(int sig)
{
	(void)sig;
	_exit(QQ_TEMP_TIMEOUT);
}

static void
make_message_id(char *out, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, n, "%llx.%lx.%x", (unsigned long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (unsigned)getpid());
}

/* The trace header, in the spirit of X-Qmail-Scanner-Diagnostics. */
/* The uid that ran us (qmaild, for qmail-smtpd), before the drop. */
static uid_t invoking_uid;

static char *
trace_header(const struct qscan_config *cfg, const struct broker_env *be,
    const struct envelope *envl, const struct scan *s, double secs)
{
	g_autofree char *sender = broker_env_sanitise(envl->sender);
	g_autofree char *host = broker_env_sanitise(cfg->hostname);
	g_autofree char *tag = NULL, *engines = scan_engine_list(s);
	g_autofree char *not_scanned = NULL, *tags = scan_policy_tags(s);
	g_autofree char *unchecked = scan_unchecked_list(s);
	g_autofree char *unchecked_hdr = NULL;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (s->verdict == VERDICT_CLEAN)
		tag = g_strdup("Clear");
	else
		tag = g_strdup_printf("%s(%s)", verdict_name(s->verdict),
		    s->reason);
	{
		g_autofree char *safe_tag = broker_env_sanitise(tag);

		/* A site that passes unscanned mail says so in a header. */
		if (s->not_scanned[0]) {
			g_autofree char *why = broker_env_header_safe(
			    s->not_scanned);

			not_scanned = g_strdup_printf("%s-Not-Scanned: %s\n",
			    cfg->header_prefix, why);
		}
		/* Parts an engine left unchecked (unchecked_action = pass). */
		if (unchecked[0]) {
			g_autofree char *why = broker_env_header_safe(unchecked);

			unchecked_hdr = g_strdup_printf("%s-Unchecked: %s\n",
			    cfg->header_prefix, why);
		}
		return g_strdup_printf("%s-Diagnostics: from %s by %s "
		    "(envelope-from <%s>, uid %u) with qscan-%s (%s%sunpack: %s. "
		    "%s:RC:%d(%s):. Processed in %.6f secs); %s\n%s%s%s",
		    cfg->header_prefix, be->remote_ip[0] ? be->remote_ip :
		    "localhost", host, sender, (unsigned)invoking_uid,
		    QSCAN_VERSION, engines, engines[0] ? " " : "",
		    QSCAN_VERSION, safe_tag, be->relay, be->remote_ip, secs, date,
		    not_scanned ? not_scanned : "",
		    unchecked_hdr ? unchecked_hdr : "", tags);
	}
}

static char message_id[64];

/* A caller that is not root may not read the configuration: it is told
 * where each problem is; what it is goes to the mail log only. */
static void
log_config_problems(GPtrArray *errors, GPtrArray *where)
{
	if (invoking_uid == 0) {
		for (guint i = 0; i < errors->len; i++)
			log_err("config: %s", (char *)errors->pdata[i]);
		return;
	}
	log_open("qmail-scanner-queue", TRUE, FALSE);
	for (guint i = 0; i < errors->len; i++)
		log_err("config: %s", (char *)errors->pdata[i]);
	log_open("qmail-scanner-queue", FALSE, TRUE);
	for (guint i = 0; i < where->len; i++)
		log_err("config: %s: error (details in the mail log)",
		    (char *)where->pdata[i]);
	log_open("qmail-scanner-queue", TRUE, TRUE);
}

/* The kernel must give what [sandbox] requires; then the roles' users,
 * filter and policy (scan_setup).  Allowed weaknesses are logged. */
static int
sandbox_ready(const struct qscan_config *cfg, const struct privs *privs,
    char **why)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	struct spawn_settings set;
	int rc;

	spawn_settings_from(cfg, &set);
	rc = spawn_setup(&set, privs, warnings, why);
	for (guint i = 0; i < warnings->len; i++)
		log_warn("%s", (char *)warnings->pdata[i]);
	return rc == 0 ? scan_setup(cfg, privs, why) : rc;
}

static void
summary(const struct broker_env *be, const struct envelope *envl,
    const struct spool *sp, const struct scan *s, const char *verdict,
    const char *action, int code, const char *reason,
    const struct stage_times *t)
{
	g_autoptr(GString) line = g_string_new(NULL);
	double end = now_ms();
	struct rusage ru;

	g_string_append_printf(line, "id=%s ip=", message_id);
	log_escape(line, be->remote_ip);
	g_string_append_printf(line, " relay=%d from=", be->relay);
	log_escape(line, envl && envl->sender ? envl->sender : NULL);
	g_string_append(line, " rcpt=");
	if (envl && envl->recipients && envl->recipients->len) {
		for (guint i = 0; i < envl->recipients->len && i < 50; i++) {
			if (i)
				g_string_append_c(line, ',');
			log_escape(line, g_ptr_array_index(envl->recipients, i));
		}
		if (envl->recipients->len > 50)
			g_string_append_printf(line, ",+%u",
			    envl->recipients->len - 50);
	} else
		g_string_append(line, "<>");
	g_string_append_printf(line, " size=%llu parts=%u verdict=%s "
	    "action=%s exit=%d ", (unsigned long long)(sp ? sp->seen : 0),
	    s && s->facts.parts ? s->facts.parts->len : 0, verdict, action,
	    code);
	/* Only when an engine left a part unchecked; before reason=, which
	 * readers take up to " ms=". */
	if (s != NULL) {
		g_autofree char *unchecked = scan_unchecked_list(s);

		if (unchecked[0]) {
			g_string_append(line, "unchecked=");
			log_escape(line, unchecked);
			g_string_append_c(line, ' ');
		}
	}
	g_string_append(line, "reason=");
	log_escape(line, reason && reason[0] ? reason : NULL);
	/* The broker's own peak, not its roles' (RUSAGE_SELF): what the
	 * facts of this message cost it (bench/bench_memory.sh). */
	g_string_append_printf(line, " rss_kb=%ld",
	    getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1L);
	g_string_append_printf(line, " ms=setup:%.1f,spool:%.1f,canary:%.1f,"
	    "unpack:%.1f,av:%.1f,queue:%.1f,total:%.1f", t->setup, t->spool,
	    t->canary, t->unpack, t->av, t->queue, end - t->start);
	log_summary(line->str);
}

int
main(int argc, char **argv)
{
	struct qscan_config cfg;
	struct broker_env be;
	struct privs privs;
	struct envelope envl;
	struct spool sp = { .fd = -1 };
	struct scan s;
	struct decision d;
	struct stage_times t = { .start = now_ms() };
	enum spool_result sr;
	enum envelope_result er;
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) where = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *why = NULL, *work = NULL, *first_user = NULL;
	char *msgid = message_id;
	const char *config_path;
	double setup_start;
	int code, setup_rc, config_fd;

	(void)argc;
	(void)argv;
	privs_reset_signals();
	umask(077);
	note_inherited_fifos();
	invoking_uid = getuid();
	memset(&envl, 0, sizeof(envl));
	memset(&s, 0, sizeof(s));
	signal(SIGALRM, on_alarm);
	alarm(BROKER_MAX_SECONDS);
	broker_env_take(&be);
	make_message_id(msgid, sizeof(message_id));
	log_set_message_id(msgid);
	log_open("qmail-scanner-queue", TRUE, TRUE);

	/* The configuration is opened with the rights we were started with
	 * and parsed after the drop to the built-in broker user; then we
	 * become the user it names, if another. */
	config_defaults(&cfg);
	config_path = be.config_override ? be.config_override :
	    QSCAN_CONFIG_PATH;
	if ((config_fd = open(config_path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("config: %s: cannot read: %s", config_path,
		    strerror(errno));
		return QQ_TEMP_CONFIG;
	}
	first_user = g_strdup(cfg.broker_user);
	if (privs_drop(first_user, &privs, &why) != 0) {
		close(config_fd);
		log_err("privileges: %s", why);
		return QQ_TEMP_INTERNAL_BUG;
	}
	if (config_load_fd(&cfg, config_fd, config_path, errors, where) != 0) {
		log_config_problems(errors, where);
		return QQ_TEMP_CONFIG;
	}
	log_open("qmail-scanner-queue", cfg.use_syslog, TRUE);
	if (privs_become(cfg.broker_user, &privs, &why) != 0) {
		log_err("privileges: %s", why);
		return QQ_TEMP_INTERNAL_BUG;
	}
	if (privs.note[0])
		log_warn("%s", privs.note);
	if (privs.kept_groups[0])
		log_warn("the caller's supplementary groups %s stay ours and "
		    "the roles' (clearing them needs CAP_SETGID: install "
		    "setuid root or with file capabilities)", privs.kept_groups);
	log_open_file(cfg.log_file);

	t.setup = now_ms() - t.start;

	/* fd 0 to its end before fd 1: qmail-smtpd writes the envelope last. */
	work = g_strdup_printf("%s/work", cfg.spool_dir);
	sr = spool_receive(work, 0, cfg.max_message_bytes, &sp);
	t.spool = now_ms() - t.start - t.setup;
	if (sr == SPOOL_WRITE_ERROR || sr == SPOOL_READ_ERROR) {
		code = sr == SPOOL_READ_ERROR ? QQ_TEMP_READ_ERROR :
		    QQ_TEMP_WRITE_ERROR;
		log_err("spool %s: %s", work, strerror(errno));
		summary(&be, NULL, &sp, NULL, "tempfail", "tempfail", code,
		    sr == SPOOL_READ_ERROR ? "message read error" :
		    "spool write error", &t);
		return code;
	}
	er = envelope_read(1, cfg.max_recipients, &envl);
	if (er != ENVELOPE_OK) {
		code = envelope_exit_code(er);
		log_err("envelope: %s", envelope_result_name(er));
		summary(&be, NULL, &sp, NULL, qq_is_permanent(code) ?
		    "reject" : "tempfail", qq_is_permanent(code) ? "reject" :
		    "tempfail", code, envelope_result_name(er), &t);
		spool_close(&sp);
		return code;
	}
	if (sr == SPOOL_OVERSIZE) {
		code = cfg.oversize_action == ACTION_TEMPFAIL ?
		    QQ_TEMP_REFUSED : QQ_PERM_REFUSED;
		log_warn("message of %llu bytes over max_message_bytes %llu",
		    (unsigned long long)sp.seen,
		    (unsigned long long)cfg.max_message_bytes);
		summary(&be, &envl, &sp, NULL, "limits", code == QQ_PERM_REFUSED ?
		    "reject" : "tempfail", code, "max_message_bytes", &t);
		goto out;
	}

	s.cfg = &cfg;
	s.privs = &privs;
	s.message_id = msgid;
	s.spool = &sp;
	s.envl = &envl;
	s.remote_ip = be.remote_ip;
	s.relay = be.relay;
	setup_start = now_ms();
	setup_rc = sandbox_ready(&cfg, &privs, &why);
	t.setup += now_ms() - setup_start;
	if (setup_rc != 0) {
		log_err("sandbox: %s", why);
		code = QQ_TEMP_INTERNAL_BUG;
		summary(&be, &envl, &sp, NULL, "tempfail", "tempfail", code,
		    why, &t);
		goto out;
	}
	scan_run(&s);
	if (spawn_namespace_note())
		log_warn("%s", spawn_namespace_note());
	t.canary = s.canary.ms;
	t.unpack = s.unpack.ms;
	for (unsigned i = 0; i < s.n_scanners; i++)
		t.av += s.scanner_outcome[i].ms;
	scan_decide(&s, &d);
	code = d.exit_code;
	if (d.quarantine) {
		g_autofree char *qname = NULL, *qwhy = NULL;
		g_autofree char *names = scan_virus_names(&s, 0);
		g_autofree char *engines = scan_engine_list(&s);
		g_autofree char *reason = g_strdup_printf("%s: %s",
		    verdict_name(s.verdict), s.reason);

		if (quarantine_store(cfg.spool_dir, d.quarantine,
		    cfg.header_prefix, reason, &envl, &sp, msgid, &qname,
		    &qwhy) != 0) {
			/* Not safely kept: the client must keep it. */
			log_err("%s", qwhy);
			code = QQ_TEMP_WRITE_ERROR;
			summary(&be, &envl, &sp, &s, verdict_name(s.verdict),
			    "tempfail", code, qwhy, &t);
			goto out;
		}
		log_info("quarantined in %s/quarantine/%s/new/%s",
		    cfg.spool_dir, d.quarantine, qname);
		/* Field 5 names the virus, or for policy the rule's reason. */
		quarantine_log(cfg.spool_dir, &envl,
		    s.facts.headers[HDR_SUBJECT], s.verdict == VERDICT_VIRUS ?
		    names : s.reason, s.verdict == VERDICT_VIRUS ? engines :
		    "policy.");
	} else if (d.reject_text) {
		g_autofree char *names = scan_virus_names(&s, 0);
		g_autofree char *safe = broker_env_header_safe(d.text ? d.text :
		    names);
		/* qmail-smtpd reads at most 255 bytes; it adds nothing. */
		g_autofree char *text = d.text ? g_strdup_printf("D%.200s "
		    "(#5.7.1)", safe) : g_strdup_printf("DYour email was "
		    "rejected because it contains a virus: %.180s (#5.7.1)",
		    safe);

		if (cfg.reject_text_fd >= 64 ||
		    !(inherited_fifos & (1ull << cfg.reject_text_fd)) ||
		    write((int)cfg.reject_text_fd, text, strlen(text)) !=
		    (ssize_t)strlen(text)) {
			log_warn("reject_text_fd %u is no pipe from qmail-smtpd: "
			    "plain reject (31)", cfg.reject_text_fd);
			code = QQ_PERM_REFUSED;
		}
	}
	if (d.queue) {
		double q0 = now_ms();

		/* Past this point the message may be queued: our own alarm
		 * must not turn a delivery into a tempfail and a duplicate.
		 * qmail-queue has its own limit (DEATH, 24 hours). */
		alarm(0);
		if (queue_is_self(cfg.qmail_queue)) {
			log_err("LOOP: qmail_queue %s is qmail-scanner-queue "
			    "itself; refusing to run it", cfg.qmail_queue);
			code = QQ_TEMP_INTERNAL_BUG;
			summary(&be, &envl, &sp, &s, verdict_name(s.verdict),
			    "tempfail", code, "qmail_queue is this program", &t);
			goto out;
		} else {
			g_autofree char *hdr = trace_header(&cfg, &be, &envl,
			    &s, (now_ms() - t.start) / 1000.0);
			g_autofree char *qwhy = NULL;

			code = queue_deliver(cfg.qmail_queue, hdr, &sp, &envl,
			    (char **)be.kept->pdata, &qwhy);
			if (qwhy)
				log_err("qmail-queue: %s", qwhy);
		}
		t.queue = now_ms() - q0;
	}
	summary(&be, &envl, &sp, &s, verdict_name(s.verdict),
	    d.queue ? (code == 0 ? "queue" : "queue-failed") : d.action, code,
	    s.reason, &t);
out:
	scan_clear(&s);
	spool_close(&sp);
	envelope_clear(&envl);
	broker_env_clear(&be);
	config_clear(&cfg);
	return code;
}
