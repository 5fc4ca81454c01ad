/* broker: the notices of one message sent (notify.h, docs/notify.md):
 * who, by [notify] and the filters; the template in the configured
 * language; qmail-queue with the null sender, run here or by the hook;
 * trusted.  Nothing here changes the message's outcome. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"
#include "queue.h"
#include "sealed_memfd.h"

static int
verdict_index(const char *verdict)
{
	if (strcmp(verdict, "virus") == 0)
		return NOTIFY_VIRUS;
	if (strcmp(verdict, "policy") == 0)
		return NOTIFY_POLICY;
	if (strcmp(verdict, "spam") == 0)
		return NOTIFY_SPAM;
	if (strcmp(verdict, "limits") == 0)
		return NOTIFY_LIMITS;
	return -1;
}

/* A template file, bounded: NULL when absent or unreadable. */
static char *
read_template(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > NOTIFY_TEMPLATE_MAX) {
		log_err("notify: template %s: not a regular file of at most "
		    "%u bytes", path, NOTIFY_TEMPLATE_MAX);
		close(fd);
		return NULL;
	}
	buf = g_malloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		log_err("notify: template %s: short read", path);
		g_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* <dir>/<lang>/<audience>.txt, else <dir>/<lang>/notify.txt; the same
 * in "en" when the language has neither. */
static char *
load_template(const struct qscan_config *cfg, enum notify_audience a,
    size_t *len, char **used)
{
	const char *langs[] = { cfg->notify_language, "en" };

	for (unsigned l = 0; l < G_N_ELEMENTS(langs); l++) {
		g_autofree char *own = g_strdup_printf("%s/%s/%s.txt",
		    cfg->notify_template_dir, langs[l],
		    notify_audience_name(a));
		g_autofree char *all = g_strdup_printf("%s/%s/notify.txt",
		    cfg->notify_template_dir, langs[l]);
		char *t;

		if ((t = read_template(own, len)) != NULL ||
		    (t = read_template(all, len)) != NULL) {
			if (used != NULL)
				*used = g_strdup(access(own, F_OK) == 0 ?
				    own : all);
			if (l > 0)
				log_warn("notify: no template in %s/%s: "
				    "English instead", cfg->notify_template_dir,
				    cfg->notify_language);
			return t;
		}
	}
	log_err("notify: no template %s/%s/notify.txt", cfg->notify_template_dir,
	    cfg->notify_language);
	return NULL;
}

/* The message's recipients as one value: "a@x, b@y (and 3 more)". */
static char *
recipient_list(const struct envelope *envl)
{
	GString *out = g_string_new(NULL);
	guint i;

	for (i = 0; i < envl->recipients->len; i++) {
		const char *r = envl->recipients->pdata[i];

		if (out->len + strlen(r) + 2 > NOTIFY_RECIPIENT_LIST_MAX - 32)
			break;
		g_string_append_printf(out, "%s%s", i ? ", " : "", r);
	}
	if (i < envl->recipients->len)
		g_string_append_printf(out, " (and %u more)",
		    envl->recipients->len - i);
	return g_string_free(out, FALSE);
}

/* One notice to `to` (addresses notify_address_ok took): composed,
 * sealed in a memfd, handed to qmail-queue with envelope "F\0T..\0\0". */
static int
notify_send(const struct notify_ctx *n, enum notify_audience a,
    const GPtrArray *to)
{
	const struct qscan_config *cfg = n->cfg;
	g_autofree char *tmpl = NULL, *rlist = recipient_list(n->envl);
	g_autofree char *from = NULL, *mid = NULL, *qwhy = NULL, *why = NULL;
	g_autofree char *id_header = g_strdup_printf("%s-Quarantine-Id",
	    cfg->header_prefix);
	g_autoptr(GString) msg = g_string_new(NULL);
	g_autoptr(GString) to_header = g_string_new(NULL);
	struct envelope env = { .sender = (char *)"" };
	enum qscan_failure failure = FAIL_NONE;
	char date[64];
	const char *step;
	size_t tlen = 0;
	int fd, code;

	if ((tmpl = load_template(cfg, a, &tlen, NULL)) == NULL)
		return -1;
	notify_date((long long)time(NULL), date, sizeof(date));
	from = cfg->notify_from[0] ? g_strdup(cfg->notify_from) :
	    g_strdup_printf("postmaster@%s", cfg->hostname);
	mid = g_strdup_printf("<%s.%s.notify@%s>", n->message_id,
	    notify_audience_name(a), cfg->hostname);
	for (guint i = 0; i < to->len; i++)
		g_string_append_printf(to_header, "%s%s", i ? ",\n " : "",
		    (char *)to->pdata[i]);
	{
		struct notify_values v = {
			.verdict = n->verdict, .reason = n->reason,
			.subject = n->s->facts.headers[HDR_SUBJECT],
			.id = n->id, .sender = n->envl->sender[0] ?
			    n->envl->sender : "<>",
			.recipients = rlist, .date = date,
			.host = cfg->hostname,
		};
		struct notify_mail m = {
			.from = from, .to = to_header->str,
			.message_id = mid, .date = date,
			.id_header = id_header, .id = n->id,
		};

		if (notify_compose(tmpl, tlen, &v, &m, msg, &why) != 0) {
			log_err("notify: %s notice not sent: %s",
			    notify_audience_name(a), why);
			return -1;
		}
	}
	env.raw = g_byte_array_new();
	g_byte_array_append(env.raw, (const guint8 *)"F", 2);
	for (guint i = 0; i < to->len; i++) {
		const char *r = to->pdata[i];

		g_byte_array_append(env.raw, (const guint8 *)"T", 1);
		g_byte_array_append(env.raw, (const guint8 *)r, strlen(r) + 1);
	}
	g_byte_array_append(env.raw, (const guint8 *)"", 1);
	fd = sealed_memfd_from("qscan-notice", (const uint8_t *)msg->str,
	    msg->len, &step);
	if (fd < 0) {
		log_err("notify: %s notice not sent: memfd: %s: %s",
		    notify_audience_name(a), step, strerror(errno));
		g_byte_array_unref(env.raw);
		return -1;
	}
	{
		struct spool sp = { .fd = fd, .size = msg->len,
		    .seen = msg->len };

		if (n->hook_fd >= 0)
			code = queue_notify_via_hook(n->hook_fd, &sp, &env,
			    &failure, &qwhy);
		else if (queue_is_self(cfg->qmail_queue)) {
			code = -1;
			qwhy = g_strdup("qmail_queue is this program");
		} else
			code = queue_deliver(cfg->qmail_queue, "", &sp, &env,
			    n->env, &failure, &qwhy);
	}
	close(fd);
	g_byte_array_unref(env.raw);
	if (code != 0) {
		log_err("notify: %s notice to %u address%s not sent: "
		    "qmail-queue %s%d%s%s; the message's own outcome stands",
		    notify_audience_name(a), to->len, to->len == 1 ? "" : "es",
		    code < 0 ? "not run" : "exit ", code < 0 ? 0 : code,
		    qwhy ? ": " : "", qwhy ? qwhy : "");
		return -1;
	}
	log_info("notify: %s notice to %u address%s queued (%s)",
	    notify_audience_name(a), to->len, to->len == 1 ? "" : "es", mid);
	return 0;
}

/* 1 when the sender may be told; else a log line says why not. */
static int
sender_may_be_told(const struct notify_ctx *n, int verdict)
{
	const char *why;

	/* Refused at SMTP, the sending server reports it itself. */
	if (strcmp(n->action, "reject") == 0) {
		log_info("notify: sender not told: refused at SMTP, the "
		    "client reports it");
		return 0;
	}
	if ((why = notify_sender_refused(n->envl->sender)) != NULL ||
	    (why = notify_list_mail(n->s->facts.header_fields)) != NULL) {
		log_info("notify: sender not told: %s", why);
		return 0;
	}
	if (verdict == NOTIFY_VIRUS) {
		g_autofree char *lwhy = NULL, *names =
		    findings_virus_names(n->s, 0), *hit = NULL;
		g_autoptr(GPtrArray) pats = notify_forged_load(
		    n->cfg->notify_forged_senders, &lwhy);

		/* Without its list we cannot tell a forged sender: say
		 * nothing rather than write to a stranger. */
		if (pats == NULL) {
			log_err("notify: sender not told: %s", lwhy);
			return 0;
		}
		if ((hit = notify_forged_match(pats, names)) != NULL) {
			log_info("notify: sender not told: %s forges its "
			    "sender (forged_senders)", hit);
			return 0;
		}
	}
	return 1;
}

unsigned
notify_message(const struct notify_ctx *n)
{
	const struct qscan_config *cfg = n->cfg;
	GPtrArray *to[NOTIFY_AUDIENCES];
	unsigned who, budget = cfg->notify_max_recipients, sent = 0;
	guint refused = 0, over = 0;
	int v = verdict_index(n->verdict);

	if (v < 0 || (strcmp(n->action, "quarantine") != 0 &&
	    strcmp(n->action, "reject") != 0 && strcmp(n->action, "drop") != 0))
		return 0;
	if ((who = cfg->notify_who[v]) == 0)
		return 0;
	for (unsigned a = 0; a < NOTIFY_AUDIENCES; a++)
		to[a] = g_ptr_array_new();
	/* The admin first, then the sender, then the recipients, as far
	 * as max_recipients goes. */
	if (who & NOTIFY_ADMIN) {
		if (cfg->notify_admin[0] == '\0')
			log_warn("notify: admin not told: "
			    "notify.quarantine_admin is not set");
		else {
			g_ptr_array_add(to[NOTIFY_TO_ADMIN], cfg->notify_admin);
			budget--;
		}
	}
	if (((who & NOTIFY_SENDER) || ((who & NOTIFY_PSENDER) &&
	    v == NOTIFY_POLICY)) && sender_may_be_told(n, v)) {
		if (budget == 0)
			over++;
		else {
			g_ptr_array_add(to[NOTIFY_TO_SENDER], n->envl->sender);
			budget--;
		}
	}
	for (guint i = 0; (who & NOTIFY_RECIPS) &&
	    i < n->envl->recipients->len; i++) {
		char *r = n->envl->recipients->pdata[i];

		if (!notify_address_ok(r))
			refused++;
		else if (budget == 0)
			over++;
		else {
			g_ptr_array_add(to[NOTIFY_TO_RECIPS], r);
			budget--;
		}
	}
	if (refused)
		log_warn("notify: %u recipient%s not told: not a plain "
		    "address", refused, refused == 1 ? "" : "s");
	if (over)
		log_warn("notify: %u address%s not told: over "
		    "notify.max_recipients %u", over, over == 1 ? "" : "es",
		    cfg->notify_max_recipients);
	for (unsigned a = 0; a < NOTIFY_AUDIENCES; a++)
		if (to[a]->len > 0 && notify_send(n, a, to[a]) == 0)
			sent++;
	for (unsigned a = 0; a < NOTIFY_AUDIENCES; a++)
		g_ptr_array_unref(to[a]);
	return sent;
}

unsigned
notify_check(const struct qscan_config *cfg, GPtrArray *problems,
    GPtrArray *notes)
{
	unsigned who = 0, n = 0;

	for (unsigned v = 0; v < G_N_ELEMENTS(cfg->notify_who); v++)
		who |= cfg->notify_who[v] & ~(v == NOTIFY_POLICY ? 0u :
		    NOTIFY_PSENDER);
	if ((cfg->notify_who[NOTIFY_POLICY] & NOTIFY_PSENDER))
		who |= NOTIFY_SENDER;
	if ((who & NOTIFY_ADMIN) && cfg->notify_admin[0] == '\0') {
		g_ptr_array_add(problems, g_strdup("notify: admin is told, "
		    "but notify.quarantine_admin is not set"));
		n++;
	}
	for (unsigned a = 0; a < NOTIFY_AUDIENCES; a++) {
		static const unsigned bit[] = { NOTIFY_SENDER, NOTIFY_RECIPS,
		    NOTIFY_ADMIN };
		g_autofree char *tmpl = NULL, *used = NULL, *why = NULL;
		g_autoptr(GString) out = g_string_new(NULL);
		struct notify_values v = { .verdict = "virus",
		    .reason = "lint", .subject = "lint", .id = "lint",
		    .sender = "a@example.org", .recipients = "b@example.org",
		    .date = "Thu, 01 Jan 1970 00:00:00 +0000",
		    .host = cfg->hostname };
		struct notify_mail m = { .from = "a@example.org",
		    .to = "b@example.org", .message_id = "<lint@example.org>",
		    .date = v.date, .id_header = "X-Lint", .id = "lint" };
		size_t len = 0;

		if (!(who & bit[a]))
			continue;
		if ((tmpl = load_template(cfg, a, &len, &used)) == NULL) {
			g_ptr_array_add(problems, g_strdup_printf("notify: no "
			    "%s template in %s/%s (nor in en)",
			    notify_audience_name(a), cfg->notify_template_dir,
			    cfg->notify_language));
			n++;
		} else if (notify_compose(tmpl, len, &v, &m, out, &why) != 0) {
			g_ptr_array_add(problems, g_strdup_printf("%s: %s",
			    used, why));
			n++;
		} else
			g_ptr_array_add(notes, g_strdup_printf("%s: ok (%s)",
			    used, notify_audience_name(a)));
	}
	if (cfg->notify_who[NOTIFY_VIRUS] & NOTIFY_SENDER) {
		g_autofree char *why = NULL;
		g_autoptr(GPtrArray) pats = notify_forged_load(
		    cfg->notify_forged_senders, &why);

		if (pats == NULL) {
			g_ptr_array_add(problems, g_steal_pointer(&why));
			n++;
		} else
			g_ptr_array_add(notes, g_strdup_printf("%s: ok, %u "
			    "patterns", cfg->notify_forged_senders, pats->len));
	}
	return n;
}
