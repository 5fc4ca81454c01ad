/* broker: the ladder of one message (ladder.h): receive, scan, decide,
 * carry out, summary; the exec path's and qscand's workers' alike;
 * trusted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "execute.h"
#include "ladder.h"
#include "log.h"
#include "notify.h"
#include "spam_facts.h"
#include "spawn.h"
#include "summary_fields.h"

static void
make_message_id(char *out, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, n, "%llx.%lx.%x", (unsigned long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (unsigned)getpid());
}

void
broker_init(struct broker *b)
{
	memset(b, 0, sizeof(*b));
	b->t.start = now_ms();
	b->sp.fd = -1;
	b->hook_fd = -1;
	make_message_id(b->message_id, sizeof(b->message_id));
	log_set_message_id(b->message_id);
}

uint64_t
broker_inherited_fifos(void)
{
	struct stat st;
	uint64_t fifos = 0;

	for (int fd = 3; fd < 64; fd++)
		if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
			fifos |= 1ull << fd;
	return fifos;
}

static void
log_warning(const char *text)
{
	log_warn("%s", text);
}

/* fd 0 to its end before fd 1: qmail-smtpd writes the envelope last. */
static void
receive_message(struct broker *b)
{
	g_autofree char *work = g_strdup_printf("%s/work", b->cfg.spool_dir);
	struct decide_facts *f = &b->facts;

	f->spool = spool_receive(work, 0, b->cfg.max_message_bytes, &b->sp);
	b->t.spool = now_ms() - b->t.start - b->t.setup;
	if (f->spool == SPOOL_WRITE_ERROR || f->spool == SPOOL_READ_ERROR) {
		log_err("spool %s: %s", work, strerror(errno));
		return;
	}
	f->envelope = envelope_read(1, b->cfg.max_recipients, &b->envl);
	if (f->envelope != ENVELOPE_OK)
		log_err("envelope: %s", envelope_result_name(f->envelope));
	else if (f->spool == SPOOL_OVERSIZE)
		log_warn("message of %llu bytes over max_message_bytes %llu",
		    (unsigned long long)b->sp.seen,
		    (unsigned long long)b->cfg.max_message_bytes);
}

static int
message_received(const struct decide_facts *f)
{
	return f->spool != SPOOL_READ_ERROR && f->spool != SPOOL_WRITE_ERROR &&
	    f->envelope == ENVELOPE_OK;
}

/* The sandbox (kernel, roles' users, filter, policy), then the roles. */
static void
scan_message(struct broker *b, char **setup_why)
{
	struct scan *s = &b->s;
	double setup_start = now_ms();
	int setup_rc;

	s->cfg = &b->cfg;
	s->privs = &b->privs;
	s->message_id = b->message_id;
	s->spool = &b->sp;
	s->envl = &b->envl;
	s->remote_ip = b->be.remote_ip;
	s->relay = b->be.relay;
	s->count_crashes = 1;
	/* A worker's monitor ran it once, before any input. */
	setup_rc = b->setup_done ? 0 : pipeline_setup(&b->cfg, &b->privs,
	    log_warning, setup_why);
	b->t.setup += now_ms() - setup_start;
	if (setup_rc != 0) {
		log_err("sandbox: %s", *setup_why);
		b->facts.setup_error = *setup_why;
		return;
	}
	pipeline_run(s);
	if (spawn_namespace_note())
		log_warn("%s", spawn_namespace_note());
	b->t.canary = s->canary.ms;
	b->t.unpack = s->unpack.ms;
	for (unsigned i = 0; i < s->n_scanners; i++)
		b->t.av += s->scanner_outcome[i].ms;
	pipeline_decide_facts(s, &b->facts);
}

static void
summary_recipients(GString *line, const struct envelope *envl)
{
	if (envl == NULL || envl->recipients == NULL ||
	    envl->recipients->len == 0) {
		g_string_append(line, "<>");
		return;
	}
	for (guint i = 0; i < envl->recipients->len && i < 50; i++) {
		if (i)
			g_string_append_c(line, ',');
		log_escape(line, g_ptr_array_index(envl->recipients, i));
	}
	if (envl->recipients->len > 50)
		g_string_append_printf(line, ",+%u",
		    envl->recipients->len - 50);
}

/* The one line per message (tests/integration/lib.sh reads its fields). */
static void
summary(const struct broker *b, const struct outcome *o)
{
	const struct envelope *envl = message_received(&b->facts) ?
	    &b->envl : NULL;
	const struct stage_times *t = &b->t;
	g_autoptr(GString) line = g_string_new(NULL);
	g_autofree char *unchecked = findings_unchecked_list(&b->s);
	g_autofree char *spam = spam_summary(&b->s.spam);
	double end = now_ms();
	struct rusage ru;

	g_string_append_printf(line, "id=%s ip=", b->message_id);
	log_escape(line, b->be.remote_ip);
	g_string_append_printf(line, " relay=%d from=", b->be.relay);
	log_escape(line, envl && envl->sender ? envl->sender : NULL);
	g_string_append(line, " rcpt=");
	summary_recipients(line, envl);
	g_string_append_printf(line, " size=%llu parts=%u verdict=%s "
	    "action=%s exit=%d", (unsigned long long)b->sp.seen,
	    b->s.facts.parts ? b->s.facts.parts->len : 0, o->verdict,
	    o->action, o->exit_code);
	/* Only when an engine left a part unchecked; before reason=, which
	 * readers take up to " ms=". */
	if (unchecked[0]) {
		g_string_append(line, " unchecked=");
		log_escape(line, unchecked);
	}
	/* The message and its scan, then the names the tools take (qscan
	 * show ID; archive/new/NAME), all before reason= (see above). */
	summary_append_scan(line, &b->s);
	/* Only when spamd was asked or skipped (docs/spam.md). */
	if (spam[0])
		g_string_append_printf(line, " %s", spam);
	if (b->quarantine_id != NULL)
		g_string_append_printf(line, " quarantine=%s", b->quarantine_id);
	if (b->archived != NULL)
		g_string_append_printf(line, " archive=%s", b->archived);
	g_string_append(line, " reason=");
	log_escape(line, o->reason && o->reason[0] ? o->reason : NULL);
	/* The broker's own peak, not its roles' (RUSAGE_SELF): what the
	 * facts of this message cost it (bench/bench_memory.sh). */
	g_string_append_printf(line, " rss_kb=%ld",
	    getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1L);
	g_string_append_printf(line, " ms=setup:%.1f,spool:%.1f,canary:%.1f,"
	    "unpack:%.1f,av:%.1f,queue:%.1f,total:%.1f", t->setup, t->spool,
	    t->canary, t->unpack, t->av, t->queue, end - t->start);
	log_summary(line->str);
}

/* After the message's own outcome (queued, quarantined, refused): the
 * notices [notify] asks for (docs/notify.md).  They change nothing of
 * it, and our deadline is over: the message is settled, and a notice
 * cut short by the alarm would turn its exit into a tempfail. */
static void
notify_outcome(const struct broker *b, const struct execute_ctx *x,
    const struct outcome *o)
{
	struct notify_ctx n = {
		.cfg = &b->cfg, .envl = &b->envl, .s = &b->s,
		.verdict = o->verdict, .action = o->action,
		.reason = o->reason && o->reason[0] ? o->reason : o->verdict,
		.id = x->quarantine_id ? x->quarantine_id : b->message_id,
		.message_id = b->message_id,
		.env = b->be.kept ? (char **)b->be.kept->pdata : NULL,
		.hook_fd = b->hook_fd,
	};

	if (!message_received(&b->facts) || b->s.cfg == NULL)
		return;
	alarm(0);
	notify_message(&n);
}

static void
carry_out(struct broker *b, struct outcome *o)
{
	struct execute_ctx x = {
		.cfg = &b->cfg, .be = &b->be, .envl = &b->envl, .sp = &b->sp,
		.s = &b->s, .message_id = b->message_id,
		.invoking_uid = b->invoking_uid,
		.inherited_fifos = b->inherited_fifos, .start_ms = b->t.start,
		.hook_fd = b->hook_fd, .renamed = { .fd = -1 },
	};

	execute(&x, o);
	spool_close(&x.renamed);
	b->t.queue = x.queue_ms;
	notify_outcome(b, &x, o);
	g_free(b->quarantine_id);
	b->quarantine_id = x.quarantine_id;
	g_free(b->archived);
	b->archived = x.archived;
}

int
broker_ladder(struct broker *b)
{
	g_autofree char *setup_why = NULL;
	struct outcome o;
	int code;

	receive_message(b);
	if (message_received(&b->facts) && b->facts.spool == SPOOL_OK)
		scan_message(b, &setup_why);
	decide(&b->cfg, &b->facts, &o);
	carry_out(b, &o);
	summary(b, &o);
	code = o.exit_code;
	outcome_clear(&o);
	return code;
}

void
broker_clear(struct broker *b)
{
	g_clear_pointer(&b->quarantine_id, g_free);
	g_clear_pointer(&b->archived, g_free);
	pipeline_clear(&b->s);
	spool_close(&b->sp);
	envelope_clear(&b->envl);
	broker_env_clear(&b->be);
	config_clear(&b->cfg);
}
