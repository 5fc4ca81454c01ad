/* broker pipeline step: SpamAssassin's spamd on a message that would
 * otherwise be delivered (after AV and policy, Qmail-Scanner's order):
 * the spamd role scores the raw message, the broker decides: tag (the
 * headers, execute time), or over a configured score quarantine, delete
 * or reject; a failed check passes marked unknown, or tempfails
 * (docs/spam.md).  Trusted. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pipeline_steps.h"
#include "role_settings.h"
#include "role_settings_build.h"
#include "spam_facts.h"
#include "spamd_connect.h"

struct spam_ctx {
	struct scanner_decoder dec;
	uint32_t part;
	int fd;
	uint64_t size;
	int sent, end_sent;
};

static int
spam_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct spam_ctx *c = ctx;

	if (scanner_decoder_feed(&c->dec, buf, len, fd) != 0) {
		*why = c->dec.error;
		return -1;
	}
	return 0;
}

static int
spam_complete(void *ctx)
{
	return scanner_decoder_done(&((struct spam_ctx *)ctx)->dec);
}

/* One REC_SCAN (the raw message), then REC_SCAN_END. */
static int
spam_produce(void *ctx, struct rec_writer *w, int *fd)
{
	struct spam_ctx *c = ctx;

	if (!c->sent) {
		rec_begin(w, REC_SCAN);
		rec_put_u32(w, c->part);
		rec_put_u64(w, c->size);
		*fd = c->fd;
		c->sent = 1;
		return 1;
	}
	if (c->end_sent)
		return 0;
	rec_begin(w, REC_SCAN_END);
	rec_put_u32(w, 1);
	c->end_sent = 1;
	return 1;
}

/* A User: value that cannot end spamd's header line early: printable
 * ASCII without spaces, at most ROLE_SPAMD_USER_MAX bytes.  A recipient
 * is the sender's choice: "a\r\nContent-length: 0" must not become a
 * header of its own. */
static int
spam_user_ok(const char *u)
{
	size_t n = 0;

	for (; u[n] != '\0'; n++)
		if ((unsigned char)u[n] <= 0x20 || (unsigned char)u[n] >= 0x7f)
			return 0;
	return n <= ROLE_SPAMD_USER_MAX;
}

/* The User: spamd is sent: a fixed name, the first recipient, or none
 * (also for a name spam_user_ok refuses: spamd's defaults then). */
static const char *
spam_user(const struct scan *s)
{
	const char *u = s->cfg->spamd_user;

	if (strcmp(u, "first-recipient") == 0) {
		if (s->envl == NULL || s->envl->recipients == NULL ||
		    s->envl->recipients->len == 0)
			return "";
		u = g_ptr_array_index(s->envl->recipients, 0);
	}
	if (!spam_user_ok(u)) {
		log_warn("spamd: user not sent (not printable ASCII without "
		    "spaces, or over %u bytes)", ROLE_SPAMD_USER_MAX);
		return "";
	}
	return u;
}

static void
spam_failed(struct spam_fact *f, const char *why)
{
	f->state = SPAM_FACT_FAILED;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

/* The role over the raw message; the fact in s->spam either way. */
static void
spam_ask(struct scan *s, struct role_outcome *out)
{
	struct spam_fact *f = &s->spam;
	g_autofree struct rec_writer *settings = NULL;
	g_autofree char *why = NULL;
	struct scanner_result res;
	struct role_proc rp;
	struct spam_ctx c;
	struct role_io io = { spam_consume, spam_complete, spam_produce, &c };
	int peer, rc;

	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	if ((peer = spamd_connect(s->cfg->spamd_servers,
	    s->cfg->spamd_connect_timeout_ms, &why)) < 0) {
		spam_failed(f, why);
		return;
	}
	if ((c.fd = spool_open_readonly(s->spool)) < 0) {
		close(peer);
		spam_failed(f, "cannot reopen the spool file");
		return;
	}
	c.part = REC_NO_PARENT;
	c.size = s->spool->size;
	settings = role_settings_build_spamd(s->cfg, spam_user(s));
	rc = pipeline_start_role(s, ROLE_SPAMD, settings, -1, peer, &rp, &why);
	close(peer);
	if (rc != 0) {
		close(c.fd);
		spam_failed(f, why);
		return;
	}
	scanner_result_init(&res, ROLE_SPAMD);
	res.spam = f;
	scanner_decoder_init(&c.dec, &res, &c.part, 1);
	role_run(&rp, s->cfg->role_timeout_ms, &io, out);
	close(c.fd);
	if (out->ending != ROLE_DONE) {
		g_autofree char *w = g_strdup_printf("role %s (%s)",
		    role_ending_name(out->ending), out->detail);

		spam_failed(f, w);
	}
	scanner_result_clear(&res);
}

/* The most severe action whose score the message reached. */
static void
spam_decide(struct scan *s)
{
	const struct qscan_config *cfg = s->cfg;
	int64_t score = s->spam.score_milli;
	char sc[32], lim[32];
	const char *key;
	int64_t at;

	if (score >= cfg->spamd_reject_score) {
		s->spam_action = SPAM_ACTION_REJECT;
		key = "reject_score";
		at = cfg->spamd_reject_score;
	} else if (score >= cfg->spamd_delete_score) {
		s->spam_action = SPAM_ACTION_DELETE;
		key = "delete_score";
		at = cfg->spamd_delete_score;
	} else if (score >= cfg->spamd_quarantine_score) {
		s->spam_action = SPAM_ACTION_QUARANTINE;
		key = "quarantine_score";
		at = cfg->spamd_quarantine_score;
	} else
		return;		/* tagged: the headers say it */
	spam_score_text(s->spam.score_milli, sc, sizeof(sc));
	spam_score_text((int32_t)at, lim, sizeof(lim));
	s->verdict = VERDICT_SPAM;
	snprintf(s->reason, sizeof(s->reason), "spam score %s at or over "
	    "%s %s", sc, key, lim);
	snprintf(s->spam_text, sizeof(s->spam_text), "Your email was "
	    "rejected as spam (score %s, limit %s)", sc, lim);
}

void
step_spam(struct scan *s)
{
	const struct qscan_config *cfg = s->cfg;
	struct spam_fact *f = &s->spam;
	struct role_outcome out;

	if (cfg->spamd_servers[0] == '\0')
		return;
	if (s->relay && !cfg->spamd_scan_relay_clients) {
		f->state = SPAM_FACT_SKIPPED;
		snprintf(f->why, sizeof(f->why), "relay");
		log_info("spam=skipped reason=relay (RELAYCLIENT set, "
		    "[spamd] relay_clients = skip)");
		return;
	}
	if (s->spool->size > cfg->spamd_max_bytes) {
		f->state = SPAM_FACT_SKIPPED;
		snprintf(f->why, sizeof(f->why), "size");
		log_info("spam=skipped reason=size (%llu bytes over [spamd] "
		    "max_bytes %llu)", (unsigned long long)s->spool->size,
		    (unsigned long long)cfg->spamd_max_bytes);
		return;
	}
	spam_ask(s, &out);
	if (f->state == SPAM_FACT_SCORED) {
		spam_decide(s);
		return;
	}
	/* Scoring is advisory: unknown by default, a tempfail by choice. */
	if (cfg->spamd_failure_action == ACTION_TEMPFAIL) {
		s->verdict = VERDICT_TEMPFAIL;
		s->failure = out.ending == ROLE_TIMEOUT ||
		    out.ending == ROLE_PEER_TIMEOUT ? FAIL_TIMEOUT : FAIL_ROLE;
		snprintf(s->reason, sizeof(s->reason), "spamd: %.300s", f->why);
		log_err("spam check failed, tempfail ([spamd] failure_action): "
		    "%s", f->why);
		return;
	}
	log_warn("spam=unknown: spam check failed, passing unscored "
	    "([spamd] failure_action = pass): %s", f->why);
}
