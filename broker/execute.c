/* broker: the outcome carried out; trusted.  Each step either succeeds or
 * turns the outcome into what decide.c says the failure means. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "clock.h"
#include "execute.h"
#include "log.h"
#include "quarantine.h"
#include "queue.h"
#include "trace_header.h"

/* The archive copy of what is about to be queued or quarantined
 * (docs/archive.md); 0 to go on, -1 when the outcome was downgraded
 * (archive_failure_action tempfail: nothing leaves without its copy). */
static int
carry_archive(struct execute_ctx *x, struct outcome *o, const char *header,
    const char *what)
{
	g_autofree char *name = NULL, *why = NULL;

	if (!archive_wanted(x->cfg, x->envl))
		return 0;
	if (archive_store(x->cfg, header, x->envl, x->sp, x->message_id, what,
	    &name, &why) == 0) {
		g_free(x->archived);
		x->archived = g_steal_pointer(&name);
		return 0;
	}
	if (x->cfg->archive_failure_action == ACTION_PASS) {
		log_err("%s; archive_failure_action pass: %s without its "
		    "archive copy", why, what);
		return 0;
	}
	log_err("%s; archive_failure_action tempfail", why);
	outcome_downgrade(o, CARRY_ARCHIVE_WRITE, why);
	return -1;
}

/* Kept safely (fsynced) or not at all: then the client must keep it. */
static void
carry_quarantine(struct execute_ctx *x, struct outcome *o, const char *folder)
{
	const struct scan *s = x->s;
	g_autofree char *qname = NULL, *qwhy = NULL;
	g_autofree char *names = findings_virus_names(s, 0);
	g_autofree char *engines = findings_engine_list(s);
	g_autofree char *reason = g_strdup_printf("%s: %s",
	    verdict_name(s->verdict), s->reason);

	g_autoptr(GString) facts = g_string_new(NULL);
	guint nparts = s->facts.parts ? s->facts.parts->len : 0;

	g_string_append_printf(facts, "parts=%u engines=%s", nparts,
	    engines[0] ? engines : "none");
	for (guint i = 0; i < nparts && facts->len < 2048; i++) {
		const struct part_fact *p = s->facts.parts->pdata[i];

		if (p->filenames != NULL && p->filenames->len > 0)
			g_string_append_printf(facts, " file=%.200s:%llu",
			    (char *)p->filenames->pdata[0],
			    (unsigned long long)p->size);
	}
	/* A message also queued is archived as delivered, once. */
	if (x->cfg->archive_quarantined && !outcome_has(o, STEP_QUEUE, NULL) &&
	    carry_archive(x, o, NULL, "quarantined") != 0)
		return;
	if (quarantine_store(x->cfg->spool_dir, folder, x->cfg->header_prefix,
	    reason, facts->str, x->envl, x->sp, x->message_id, &qname, &qwhy) != 0) {
		log_err("%s", qwhy);
		outcome_downgrade(o, CARRY_QUARANTINE_WRITE, qwhy);
		return;
	}
	g_free(x->quarantine_id);
	x->quarantine_id = g_strdup(qname);
	log_info("quarantined in %s/quarantine/%s/new/%s", x->cfg->spool_dir,
	    folder, qname);
	/* Field 5 names the virus, or for policy the rule's reason. */
	quarantine_log(x->cfg->spool_dir, x->envl,
	    s->facts.headers[HDR_SUBJECT], s->verdict == VERDICT_VIRUS ?
	    names : s->reason, s->verdict == VERDICT_VIRUS ? engines :
	    "policy.", qname);
}

/* The text goes only to a descriptor that came to us as a pipe (from
 * qmail-smtpd), never to a file of ours that has that number. */
static void
carry_reject_text(struct execute_ctx *x, struct outcome *o,
    const char *rule_text)
{
	unsigned fd = x->cfg->reject_text_fd;
	g_autofree char *names = findings_virus_names(x->s, 0);
	g_autofree char *safe = broker_env_header_safe(rule_text ? rule_text :
	    names);
	/* qmail-smtpd reads at most 255 bytes; it adds nothing. */
	g_autofree char *text = rule_text ? g_strdup_printf("D%.200s "
	    "(#5.7.1)", safe) : g_strdup_printf("DYour email was "
	    "rejected because it contains a virus: %.180s (#5.7.1)", safe);

	if (fd >= 64 || !(x->inherited_fifos & (1ull << fd)) ||
	    write((int)fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		log_warn("reject_text_fd %u is no pipe from qmail-smtpd: "
		    "plain reject (31)", fd);
		outcome_downgrade(o, CARRY_NO_REJECT_PIPE, NULL);
	}
}

static void
carry_queue(struct execute_ctx *x, struct outcome *o)
{
	double q0 = now_ms();
	g_autofree char *hdr = NULL, *qwhy = NULL;
	enum qscan_failure failure = FAIL_NONE;
	int code;

	/* Past this point the message may be queued: our own alarm must
	 * not turn a delivery into a tempfail and a duplicate.  qmail-queue
	 * has its own limit (DEATH, 24 hours). */
	alarm(0);
	if (queue_is_self(x->cfg->qmail_queue)) {
		log_err("LOOP: qmail_queue %s is qmail-scanner-queue itself; "
		    "refusing to run it", x->cfg->qmail_queue);
		outcome_downgrade(o, CARRY_QUEUE_IS_SELF,
		    "qmail_queue is this program");
		return;
	}
	hdr = trace_header(x->cfg, x->be, x->envl, x->s, x->invoking_uid,
	    (now_ms() - x->start_ms) / 1000.0);
	/* Before qmail-queue can commit: the copy is of these very bytes. */
	if (carry_archive(x, o, hdr, "delivered") != 0)
		return;
	code = x->hook_fd >= 0 ?
	    queue_via_hook(x->hook_fd, hdr, x->sp, x->envl, &failure, &qwhy) :
	    queue_deliver(x->cfg->qmail_queue, hdr, x->sp, x->envl,
	    (char **)x->be->kept->pdata, &failure, &qwhy);
	if (code < 0)
		outcome_not_queued(o, failure);
	else
		outcome_queued(o, code);
	if (qwhy)
		log_err("qmail-queue: %s", qwhy);
	x->queue_ms = now_ms() - q0;
}

void
execute(struct execute_ctx *x, struct outcome *o)
{
	for (unsigned i = 0; i < o->n_steps; i++) {
		const char *arg = o->steps[i].arg;

		switch (o->steps[i].step) {
		case STEP_QUARANTINE:
			carry_quarantine(x, o, arg);
			break;
		case STEP_REJECT_TEXT:
			carry_reject_text(x, o, arg);
			break;
		case STEP_QUEUE:
			carry_queue(x, o);
			break;
		default:
			g_assert_not_reached();
		}
	}
}
