/* broker: the outcome carried out; trusted.  Each step either succeeds or
 * turns the outcome into what decide.c says the failure means. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "clock.h"
#include "header_rename.h"
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
	    s->verdict == VERDICT_UNSCANNABLE ? "crash-repeats." : "policy.",
	    qname);
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

/* How many later copies of MIME headers the unpack role saw at the top
 * level: the trigger, and the count the bytes must agree with. */
static unsigned
repeated_mime_headers(const struct scan *s)
{
	const GPtrArray *h = s->facts.header_fields;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	unsigned later = 0;

	for (guint i = 0; h != NULL && i < h->len; i++) {
		const struct header_field_fact *f = h->pdata[i];
		size_t n = strlen(f->name);

		while (n > 0 && (f->name[n - 1] == ' ' ||
		    f->name[n - 1] == '\t'))
			n--;
		if (f->part != REC_NO_PARENT ||
		    !header_rename_is_mime(f->name, n))
			continue;
		if (!g_hash_table_add(seen, g_ascii_strdown(f->name, n)))
			later++;
	}
	return later;
}

/* [headers] rename_repeated_headers: a copy of the message with the
 * later MIME headers renamed, in x->renamed, which x->sp then names.
 * Only when the role's facts and the bytes agree on how many: where
 * they differ (a header the role cut, a line it read otherwise) the
 * message goes on unchanged, logged.  0, or -1 when downgraded. */
static int
carry_rename(struct execute_ctx *x, struct outcome *o)
{
	unsigned want = repeated_mime_headers(x->s), got = 0;
	size_t head = x->sp->size < HEADER_RENAME_SCAN_MAX ?
	    (size_t)x->sp->size : HEADER_RENAME_SCAN_MAX;
	g_autofree uint8_t *buf = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *work = NULL, *why = NULL;
	size_t consumed = 0, have = 0;

	if (!x->cfg->rename_repeated_headers || want == 0)
		return 0;
	buf = g_try_malloc(head ? head : 1);
	if (buf == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	while (have < head) {
		ssize_t n = pread(x->sp->fd, buf + have, head - have,
		    (off_t)have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		have += (size_t)n;
	}
	if (header_rename_repeated(buf, head, head < x->sp->size,
	    x->cfg->header_prefix, out, &consumed, &got) != 0) {
		log_warn("rename_repeated_headers: no end of the header block "
		    "in its first %u bytes: the message goes on unchanged",
		    HEADER_RENAME_SCAN_MAX);
		return 0;
	}
	if (got != want) {
		log_warn("rename_repeated_headers: the unpack role saw %u "
		    "repeated MIME header(s), the bytes have %u: the message "
		    "goes on unchanged", want, got);
		return 0;
	}
	work = g_build_filename(x->cfg->spool_dir, "work", NULL);
	x->renamed.fd = open(work, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (x->renamed.fd < 0 ||
	    fd_write_all(x->renamed.fd, out->data, out->len) != 0)
		goto fail;
	/* The rest of the message, unchanged, from where the block ends. */
	{
		static uint8_t chunk[65536];
		uint64_t off = consumed;

		while (off < x->sp->size) {
			ssize_t n = pread(x->sp->fd, chunk, sizeof(chunk),
			    (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || fd_write_all(x->renamed.fd, chunk,
			    (size_t)n) != 0)
				goto fail;
			off += (uint64_t)n;
		}
	}
	x->renamed.size = x->renamed.seen = out->len + (x->sp->size - consumed);
	x->sp = &x->renamed;
	log_info("rename_repeated_headers: renamed %u later MIME header(s)",
	    got);
	return 0;
fail:
	why = g_strdup_printf("rename_repeated_headers: %s", strerror(errno));
	log_err("%s", why);
	spool_close(&x->renamed);
	outcome_downgrade(o, CARRY_REWRITE_WRITE, why);
	return -1;
}

static void
carry_queue(struct execute_ctx *x, struct outcome *o)
{
	double q0 = now_ms();
	g_autofree char *hdr = NULL, *qwhy = NULL;
	enum qscan_failure failure = FAIL_NONE;
	int code;

	/* Our alarm runs on while qmail-queue is given the message: one
	 * that does not read is given up at limits.max_seconds.
	 * queue_deliver() stops it once everything is written. */
	if (queue_is_self(x->cfg->qmail_queue)) {
		log_err("LOOP: qmail_queue %s is qmail-scanner-queue itself; "
		    "refusing to run it", x->cfg->qmail_queue);
		outcome_downgrade(o, CARRY_QUEUE_IS_SELF,
		    "qmail_queue is this program");
		return;
	}
	if (carry_rename(x, o) != 0)
		return;
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
