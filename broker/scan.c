/* broker: the per-message pipeline; trusted, believes roles only about
 * their own message and only through the decoders. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "canary_report.h"
#include "clamd_connect.h"
#include "log.h"
#include "role_runtime.h"
#include "role_settings_build.h"
#include "sandbox.h"
#include "scan.h"

static struct sock_fprog outer_filter;
static struct policy *loaded_policy;	/* compiled once per process */
static uid_t role_uid[ROLE_ID_MAX + 1];
static gid_t role_gid[ROLE_ID_MAX + 1];

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_CLEAN:	return "clean";
	case VERDICT_VIRUS:	return "virus";
	case VERDICT_POLICY:	return "policy";
	case VERDICT_SPAM:	return "spam";
	case VERDICT_LIMITS:	return "limits";
	case VERDICT_TEMPFAIL:	return "tempfail";
	default:		return "unknown";
	}
}

/* A configured scanner whose profile needs a uid of its own cannot run
 * when roles share ours (a broker installed setuid qscand): 1 with *why. */
static int
shared_uid_refused(const struct qscan_config *cfg, const struct privs *privs,
    char **why)
{
	if (privs->mode != PRIVS_SHARED_UID)
		return 0;
	for (unsigned i = 0; i < cfg->n_scanners; i++) {
		const struct role_profile *p = sandbox_profile(cfg->scanners[i]);

		if (p != NULL && p->own_uid_why != NULL) {
			*why = g_strdup_printf("scanner %s refused: roles share "
			    "our uid (broker installed setuid %s), and %s; "
			    "install it setuid root or with file capabilities "
			    "(qscan-setup --setuid or --setcap), or scan with "
			    "clamd", p->name, cfg->broker_user, p->own_uid_why);
			return 1;
		}
	}
	return 0;
}

int
scan_setup(const struct qscan_config *cfg, const struct privs *privs,
    char **why)
{
	struct rlimit rl;

	/* Each decoded part is kept as a memfd: allow the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (sandbox_landlock_abi() < 1) {
		*why = g_strdup("kernel has no Landlock: no sandbox, no service");
		return -1;
	}
	if (sandbox_outer_filter_compile(&outer_filter) != 0) {
		*why = g_strdup("cannot compile the outer seccomp filter");
		return -1;
	}
	if (strcmp(cfg->policy_file, "none") != 0 && loaded_policy == NULL) {
		g_autoptr(GPtrArray) errors =
		    g_ptr_array_new_with_free_func(g_free);

		loaded_policy = policy_load(cfg->policy_file, errors);
		if (loaded_policy == NULL) {
			*why = g_strdup_printf("policy: %s%s",
			    errors->len ? (char *)errors->pdata[0] :
			    "cannot load", errors->len > 1 ?
			    " (and more: qscan lint)" : "");
			return -1;
		}
	}
	if (shared_uid_refused(cfg, privs, why))
		return -1;
	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		if (privs->mode == PRIVS_SHARED_UID) {
			role_uid[r] = privs->uid;
			role_gid[r] = privs->gid;
		} else if (privs_lookup_user(cfg->role_user[r], &role_uid[r],
		    &role_gid[r]) != 0) {
			*why = g_strdup_printf("role user %s does not exist "
			    "(run qscan-setup)", cfg->role_user[r]);
			return -1;
		} else if (role_uid[r] == 0 || role_uid[r] == privs->uid) {
			*why = g_strdup_printf("role user %s must have a uid "
			    "of its own", cfg->role_user[r]);
			return -1;
		}
	}
	return 0;
}

static void
fail(struct scan *s, enum qscan_failure f, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
fail(struct scan *s, enum qscan_failure f, const char *fmt, ...)
{
	va_list ap;

	s->verdict = VERDICT_TEMPFAIL;
	s->failure = f;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	log_err("%s", s->reason);
}

/* Starts the role's helper, qscan-<role> (its only argument: the name),
 * with its settings (NULL: none) as the first record it reads. */
static int
start_role_peer(struct scan *s, enum role_id role,
    const struct rec_writer *settings, int message_fd, int peer_fd,
    struct role_proc *rp, char **why)
{
	const struct role_profile *prof = sandbox_profile(role);
	g_autofree char *name = g_strdup_printf("qscan-%s", prof->name);
	g_autofree char *helper = g_strdup_printf("%s/%s", s->cfg->role_dir,
	    name);
	char *argv[] = { name, NULL };
	struct spawn_spec spec = {
		.role = role, .helper = helper, .argv = argv,
		.message_fd = message_fd, .peer_fd = peer_fd,
		.settings = settings, .uid = role_uid[role],
		.gid = role_gid[role], .privs = s->privs,
		.outer_filter = &outer_filter,
	};

	return spawn_role(&spec, rp, why);
}

static int
start_role(struct scan *s, enum role_id role,
    const struct rec_writer *settings, int message_fd, struct role_proc *rp,
    char **why)
{
	return start_role_peer(s, role, settings, message_fd, -1, rp, why);
}

/* ---- canary: HELLO, its report, then death by SIGSYS ------------------ */

static int
canary_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct canary_decoder *d = ctx;

	if (canary_decoder_feed(d, buf, len, fd) != 0) {
		*why = d->error;
		return -1;
	}
	return 0;
}

static int
canary_complete(void *ctx)
{
	return canary_decoder_done(ctx);
}

static int
run_canary(struct scan *s)
{
	struct canary_expect expect = {
		.uid = role_uid[ROLE_CANARY], .gid = role_gid[ROLE_CANARY],
		.broker_uid = s->privs->uid,
		.own_uid = s->privs->mode == PRIVS_ROLE_UIDS,
	};
	struct canary_decoder dec;
	struct role_proc rp;
	g_autofree char *why = NULL;
	char wrong[192] = "";

	canary_decoder_init(&dec);
	if (start_role(s, ROLE_CANARY, NULL, -1, &rp, &why) != 0) {
		fail(s, FAIL_SANDBOX, "canary could not start: %s", why);
		return -1;
	}
	expect.own_pid_ns = (rp.namespaces & CLONE_NEWPID) != 0;
	expect.pid = rp.pid;
	role_run(&rp, s->cfg->role_timeout_ms, &(struct role_io){
	    canary_consume, canary_complete, NULL, &dec }, &s->canary);
	if (s->canary.ending == ROLE_VIOLATION && !canary_decoder_done(&dec))
		snprintf(wrong, sizeof(wrong), "no report");
	else if (s->canary.ending == ROLE_VIOLATION)
		canary_report_check(&dec.report, &expect, wrong, sizeof(wrong));
	if (s->canary.ending != ROLE_VIOLATION || wrong[0] != '\0') {
		log_err("SANDBOX BROKEN: the canary was not a fully confined "
		    "role killed by its final filter (%s, %s%s%s): refusing "
		    "to scan", role_ending_name(s->canary.ending),
		    s->canary.detail, wrong[0] ? ", " : "", wrong);
		fail(s, FAIL_SANDBOX, "canary %s (%s%s%s): no sandbox, no "
		    "service", role_ending_name(s->canary.ending),
		    s->canary.detail, wrong[0] ? ", " : "", wrong);
		return -1;
	}
	return 0;
}

/* ---- unpack ------------------------------------------------------------ */

struct unpack_ctx {
	struct unpack_decoder dec;
};

static int
unpack_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct unpack_ctx *u = ctx;

	if (unpack_decoder_feed(&u->dec, buf, len, fd) != 0) {
		*why = u->dec.error;
		return -1;
	}
	return 0;
}

static int
unpack_complete(void *ctx)
{
	return unpack_decoder_done(&((struct unpack_ctx *)ctx)->dec);
}

/* Keeps the sample of a role that crashed: it may be an exploit. */
static void
keep_crash_sample(struct scan *s, const char *role)
{
	g_autofree char *dir = g_strdup_printf("%s/crashes/new",
	    s->cfg->spool_dir);
	g_autofree char *name = g_strdup_printf("%s.%s", s->message_id, role);
	int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (dfd < 0 || spool_link(s->spool, dfd, name) != 0)
		log_err("cannot keep crash sample in %s: %s", dir,
		    strerror(errno));
	else
		log_err("crash sample kept as %s/%s", dir, name);
	if (dfd >= 0)
		close(dfd);
}

static void
run_unpack(struct scan *s)
{
	g_autofree struct rec_writer *settings =
	    role_settings_build_unpack(s->cfg);
	struct unpack_ctx u;
	struct role_proc rp;
	g_autofree char *why = NULL;
	const struct anomaly_fact *limit;
	int msg_fd;

	msg_fd = spool_open_readonly(s->spool);
	if (msg_fd < 0) {
		fail(s, FAIL_INTERNAL, "cannot reopen the spool file: %s",
		    strerror(errno));
		return;
	}
	unpack_decoder_init(&u.dec, &s->facts, s->cfg->max_parts,
	    s->cfg->max_decoded_bytes);
	if (start_role(s, ROLE_UNPACK, settings, msg_fd, &rp, &why) != 0) {
		close(msg_fd);
		s->unpack.ending = ROLE_SPAWN_FAILED;
		fail(s, FAIL_SANDBOX, "role unpack could not start: %s", why);
		return;
	}
	close(msg_fd);
	role_run(&rp, s->cfg->role_timeout_ms, &(struct role_io){
	    unpack_consume, unpack_complete, NULL, &u }, &s->unpack);
	if (s->unpack.ending != ROLE_DONE) {
		fail(s, s->unpack.ending == ROLE_TIMEOUT ? FAIL_TIMEOUT :
		    FAIL_ROLE, "role unpack failed: %s (%s)",
		    role_ending_name(s->unpack.ending), s->unpack.detail);
		if (s->unpack.ending == ROLE_CRASH ||
		    s->unpack.ending == ROLE_VIOLATION)
			keep_crash_sample(s, "unpack");
		return;
	}
	if ((limit = message_facts_limit(&s->facts)) != NULL) {
		s->verdict = VERDICT_LIMITS;
		snprintf(s->reason, sizeof(s->reason), "%s",
		    anomaly_code_name(limit->code));
	}
}

/* ---- scanners ---------------------------------------------------------- */

struct scanner_ctx {
	struct scanner_decoder dec;
	const uint32_t *parts;
	const int *fds;
	uint32_t n_parts, sent;
	int end_sent;
};

static int
scanner_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct scanner_ctx *c = ctx;

	if (scanner_decoder_feed(&c->dec, buf, len, fd) != 0) {
		*why = c->dec.error;
		return -1;
	}
	return 0;
}

static int
scanner_complete(void *ctx)
{
	return scanner_decoder_done(&((struct scanner_ctx *)ctx)->dec);
}

static int
scanner_produce(void *ctx, struct rec_writer *w, int *fd)
{
	struct scanner_ctx *c = ctx;

	if (c->sent < c->n_parts) {
		struct stat st;

		rec_begin(w, REC_SCAN);
		rec_put_u32(w, c->parts[c->sent]);
		rec_put_u64(w, fstat(c->fds[c->sent], &st) == 0 ?
		    (uint64_t)st.st_size : 0);
		*fd = c->fds[c->sent++];
		return 1;
	}
	if (c->end_sent)
		return 0;
	rec_begin(w, REC_SCAN_END);
	rec_put_u32(w, c->n_parts);
	c->end_sent = 1;
	return 1;
}

/* Runs one scanner role over the raw message and every decoded part.
 * Returns 0, or -1 with *why when the scanner failed. */
static int
run_scanner(struct scan *s, enum role_id role, const uint32_t *parts,
    const int *fds, uint32_t n_parts, struct scanner_result *res,
    struct role_outcome *out, char **why)
{
	g_autofree struct rec_writer *settings = NULL;
	struct scanner_ctx c;
	struct role_proc rp;
	int peer = -1, is_unix = 0, rc;

	memset(&c, 0, sizeof(c));
	scanner_result_init(res, role);
	if (role == ROLE_CLAMAV) {
		settings = role_settings_build_clamav(s->cfg, 0);
	} else {
		peer = clamd_connect(s->cfg->clamd_servers,
		    s->cfg->clamd_connect_timeout_ms, &is_unix, why);
		if (peer < 0)
			return -1;
		settings = role_settings_build_clamd(s->cfg, is_unix);
	}
	rc = start_role_peer(s, role, settings, -1, peer, &rp, why);
	if (peer >= 0)
		close(peer);
	if (rc != 0) {
		out->ending = ROLE_SPAWN_FAILED;
		return -1;
	}
	c.parts = parts;
	c.fds = fds;
	c.n_parts = n_parts;
	scanner_decoder_init(&c.dec, res, parts, n_parts);
	role_run(&rp, s->cfg->role_timeout_ms, &(struct role_io){
	    scanner_consume, scanner_complete, scanner_produce, &c }, out);
	if (out->ending != ROLE_DONE) {
		*why = g_strdup_printf("%s (%s)", role_ending_name(out->ending),
		    out->detail);
		return -1;
	}
	for (guint i = 0; i < res->verdicts->len; i++) {
		const struct verdict_fact *v = &g_array_index(res->verdicts,
		    struct verdict_fact, i);

		if (v->result == SCAN_ERROR) {
			*why = g_strdup_printf("error on part %s: %s",
			    v->part == REC_NO_PARENT ? "raw" :
			    ((struct part_fact *)s->facts.parts->pdata[v->part])->path,
			    v->name);
			return -1;
		}
	}
	return 0;
}

static void
run_scanners(struct scan *s)
{
	g_autoptr(GArray) parts = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	int raw_fd = -1, failed = 0, timeout = 0, virus = 0, unchecked = 0;

	if (s->cfg->scan_raw) {
		uint32_t raw = REC_NO_PARENT;

		if ((raw_fd = spool_open_readonly(s->spool)) < 0) {
			fail(s, FAIL_INTERNAL, "cannot reopen the spool file: %s",
			    strerror(errno));
			return;
		}
		g_array_append_val(parts, raw);
		g_array_append_val(fds, raw_fd);
	}
	for (guint i = 0; i < s->facts.parts->len; i++) {
		const struct part_fact *p = s->facts.parts->pdata[i];

		if (p->content_fd >= 0) {
			g_array_append_val(parts, p->index);
			g_array_append_val(fds, p->content_fd);
		}
	}
	for (unsigned i = 0; i < s->cfg->n_scanners; i++) {
		enum role_id role = s->cfg->scanners[i];
		g_autofree char *why = NULL;
		struct scanner_result *res = &s->scanners[i];

		s->n_scanners = i + 1;
		if (run_scanner(s, role, (uint32_t *)(void *)parts->data,
		    (int *)(void *)fds->data, parts->len, res,
		    &s->scanner_outcome[i], &why) != 0) {
			log_err("scanner %s failed: %s", role_id_name(role), why);
			if (s->scanner_outcome[i].ending == ROLE_CRASH ||
			    s->scanner_outcome[i].ending == ROLE_VIOLATION)
				keep_crash_sample(s, role_id_name(role));
			if (!failed)
				snprintf(s->not_scanned, sizeof(s->not_scanned),
				    "%s: %s", role_id_name(role), why);
			failed = 1;
			timeout |= s->scanner_outcome[i].ending == ROLE_TIMEOUT ||
			    s->scanner_outcome[i].ending == ROLE_PEER_TIMEOUT;
			continue;
		}
		for (guint j = 0; j < res->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    res->verdicts, struct verdict_fact, j);

			virus |= v->result == SCAN_VIRUS;
			unchecked |= v->result == SCAN_LIMIT;
		}
	}
	if (raw_fd >= 0)
		close(raw_fd);
	/* A virus is a virus even when another engine failed. */
	if (virus) {
		g_autofree char *names = scan_virus_names(s, 1);

		s->verdict = VERDICT_VIRUS;
		snprintf(s->reason, sizeof(s->reason), "%s", names);
		s->not_scanned[0] = '\0';
		return;
	}
	if (failed && s->cfg->scan_failure_action == ACTION_TEMPFAIL) {
		s->verdict = VERDICT_TEMPFAIL;
		s->failure = timeout ? FAIL_TIMEOUT : FAIL_ROLE;
		snprintf(s->reason, sizeof(s->reason), "%s", s->not_scanned);
		s->not_scanned[0] = '\0';
		return;
	}
	if (failed)
		log_warn("passing the message unscanned (scan_failure_action "
		    "= pass): %s", s->not_scanned);
	/* A part over an engine's own limit (its size limit, mostly) says
	 * nothing about the content: by default it passes unscanned by that
	 * engine, the others' verdicts stand, and the trace header and the
	 * summary line name it (amavisd's "unchecked"). */
	if (unchecked && s->verdict == VERDICT_CLEAN) {
		g_autofree char *list = scan_unchecked_list(s);

		if (s->cfg->unchecked_action == ACTION_PASS) {
			log_info("not scanned by every engine: %s", list);
			return;
		}
		s->verdict = VERDICT_LIMITS;
		s->unchecked_decides = 1;
		snprintf(s->reason, sizeof(s->reason), "unchecked: %s", list);
	}
}

/* The list goes into one header line (at most 998 bytes with the name)
 * and the summary line: entries past this many bytes are only counted. */
#define UNCHECKED_LIST_MAX 600

char *
scan_unchecked_list(const struct scan *s)
{
	GString *out = g_string_new(NULL);
	unsigned more = 0;

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);
			g_autofree char *entry = NULL;

			if (v->result != SCAN_LIMIT)
				continue;
			entry = g_strdup_printf("%s %.100s: %.200s",
			    role_id_name(r->role), v->part == REC_NO_PARENT ?
			    "raw" : ((struct part_fact *)
			    s->facts.parts->pdata[v->part])->path, v->name);
			if (out->len + strlen(entry) + 2 > UNCHECKED_LIST_MAX) {
				more++;
				continue;
			}
			g_string_append_printf(out, "%s%s", out->len ? "; " :
			    "", entry);
		}
	}
	if (more)
		g_string_append_printf(out, "; and %u more", more);
	return g_string_free(out, FALSE);
}

char *
scan_virus_names(const struct scan *s, int with_engine)
{
	GString *out = g_string_new(NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		for (guint j = 0; r->verdicts && j < r->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    r->verdicts, struct verdict_fact, j);
			char *key;

			if (v->result != SCAN_VIRUS)
				continue;
			/* The raw message and its part often match alike. */
			key = with_engine ? g_strdup_printf("%s:%s",
			    role_id_name(r->role), v->name) : g_strdup(v->name);
			if (!g_hash_table_add(seen, key))
				continue;
			g_string_append_printf(out, "%s%s", out->len ? "," : "",
			    key);
		}
	}
	return g_string_free(out, FALSE);
}

char *
scan_engine_list(const struct scan *s)
{
	GString *out = g_string_new(NULL);

	for (unsigned i = 0; i < s->n_scanners; i++) {
		const struct scanner_result *r = &s->scanners[i];

		if (r->engine != NULL)
			g_string_append_printf(out, "%s%s: %s/%s.", out->len ?
			    " " : "", r->engine, r->version, r->database);
		else
			g_string_append_printf(out, "%s%s: failed.", out->len ?
			    " " : "", role_id_name(r->role));
	}
	return g_string_free(out, FALSE);
}

/* ---- policy ------------------------------------------------------------ */

/* The facts the policy sees, borrowed from the scan for one evaluation. */
static void
run_policy(struct scan *s)
{
	const struct message_facts *f = &s->facts;
	g_autoptr(GArray) headers = g_array_new(FALSE, FALSE,
	    sizeof(struct policy_header));
	g_autoptr(GArray) parts = g_array_new(FALSE, FALSE,
	    sizeof(struct policy_part));
	g_autoptr(GArray) anomalies = g_array_new(FALSE, FALSE,
	    sizeof(struct policy_anomaly));
	struct policy_input in;
	const struct policy_match *m;

	memset(&in, 0, sizeof(in));
	if (s->envl != NULL) {
		in.sender = s->envl->sender;
		in.recipients = (const char *const *)s->envl->recipients->pdata;
		in.n_recipients = s->envl->recipients->len;
	}
	in.remote_ip = s->remote_ip;
	in.relay_client = s->relay;
	for (guint i = 0; f->header_fields && i < f->header_fields->len; i++) {
		const struct header_field_fact *h = f->header_fields->pdata[i];
		struct policy_header ph = { h->name, h->value };

		if (h->part == REC_NO_PARENT)
			g_array_append_val(headers, ph);
	}
	for (guint i = 0; i < f->parts->len; i++) {
		const struct part_fact *p = f->parts->pdata[i];
		struct policy_part pp = {
			.path = p->path, .declared_type = p->content_type,
			.detected_type = p->detected_type,
			.filenames = (const char *const *)p->filenames->pdata,
			.n_filenames = p->filenames->len, .size = p->size,
			.archive_member = p->kind == PART_ARCHIVE_MEMBER,
			.encrypted = (p->flags & PART_FLAG_ENCRYPTED) != 0,
		};

		g_array_append_val(parts, pp);
	}
	for (guint i = 0; i < f->anomalies->len; i++) {
		const struct anomaly_fact *a = &g_array_index(f->anomalies,
		    struct anomaly_fact, i);
		struct policy_anomaly pa = { anomaly_code_name(a->code),
		    a->part == REC_NO_PARENT ? -1 : (long)a->part, a->detail };

		g_array_append_val(anomalies, pa);
	}
	in.headers = (const struct policy_header *)(void *)headers->data;
	in.n_headers = headers->len;
	in.parts = (const struct policy_part *)(void *)parts->data;
	in.n_parts = parts->len;
	in.anomalies = (const struct policy_anomaly *)(void *)anomalies->data;
	in.n_anomalies = anomalies->len;

	policy_result_init(&s->policy);
	policy_evaluate(loaded_policy, &in, &s->policy);
	s->policy_ran = 1;
	if (s->policy.out_of_time)
		log_warn("policy: out of its time budget on this message; "
		    "the blocking rules not yet decided count as matched");
	for (guint i = 0; i < s->policy.matches->len; i++) {
		m = &g_array_index(s->policy.matches, struct policy_match, i);
		if (m->action == POLICY_MONITOR || s->policy.monitor_only)
			log_info("policy monitor: line %u %s: %s%s%s",
			    m->line, m->name ? m->name : "", m->reason ?
			    m->reason : "", m->filename ? " file " : "",
			    m->filename ? m->filename : "");
	}
	if (s->policy.decisive < 0 || s->policy.action == POLICY_PASS)
		return;
	m = &g_array_index(s->policy.matches, struct policy_match,
	    s->policy.decisive);
	s->verdict = VERDICT_POLICY;
	snprintf(s->reason, sizeof(s->reason), "%s (line %u%s%s)",
	    m->reason ? m->reason : policy_action_name(m->action), m->line,
	    m->filename ? ", " : "", m->filename ? m->filename : "");
}

char *
scan_policy_tags(const struct scan *s)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; s->policy_ran && i < s->policy.matches->len; i++) {
		const struct policy_match *m = &g_array_index(s->policy.matches,
		    struct policy_match, i);

		if (m->action == POLICY_TAG && m->text != NULL &&
		    !s->policy.monitor_only)
			g_string_append_printf(out, "%s\n", m->text);
	}
	return g_string_free(out, FALSE);
}

void
scan_run(struct scan *s)
{
	message_facts_init(&s->facts);
	s->verdict = VERDICT_CLEAN;
	s->failure = FAIL_NONE;
	s->reason[0] = '\0';
	s->unchecked_decides = 0;
	if (run_canary(s) != 0)
		return;
	run_unpack(s);
	/* A message unpack already refused (a bomb, too deep, too many
	 * parts) is not handed to the engines: they would only spend
	 * seconds on what is refused anyway.  With limits_action = pass it
	 * is delivered, so it is scanned first. */
	if (s->verdict == VERDICT_CLEAN || (s->verdict == VERDICT_LIMITS &&
	    s->cfg->limits_action == ACTION_PASS))
		run_scanners(s);
	/* AV first, so a known virus is called a virus; then policy. */
	if (loaded_policy != NULL && (s->verdict == VERDICT_CLEAN ||
	    s->verdict == VERDICT_LIMITS))
		run_policy(s);
}

void
scan_clear(struct scan *s)
{
	message_facts_clear(&s->facts);
	for (unsigned i = 0; i < s->n_scanners; i++)
		scanner_result_clear(&s->scanners[i]);
	s->n_scanners = 0;
	if (s->policy_ran)
		policy_result_clear(&s->policy);
	s->policy_ran = 0;
}

void
scan_decide(const struct scan *s, struct decision *d)
{
	enum over_limit_action a;

	memset(d, 0, sizeof(*d));
	switch (s->verdict) {
	case VERDICT_CLEAN:
		d->action = "queue";
		d->queue = 1;
		return;
	case VERDICT_TEMPFAIL:
		d->action = "tempfail";
		d->exit_code = qq_exit_for_failure(s->failure);
		return;
	case VERDICT_LIMITS:
		a = s->unchecked_decides ? s->cfg->unchecked_action :
		    s->cfg->limits_action;
		break;
	case VERDICT_VIRUS:
		switch (s->cfg->virus_action) {
		case VIRUS_DROP:
			d->action = "drop";
			return;
		case VIRUS_REJECT:
			d->action = "reject";
			d->exit_code = QQ_PERM_REFUSED;
			if (s->cfg->reject_text_fd != 0) {
				d->exit_code = QQ_CUSTOM_TEXT;
				d->reject_text = 1;
			}
			return;
		case VIRUS_QUARANTINE:
		default:
			d->action = "quarantine";
			d->quarantine = "viruses";
			return;
		}
	case VERDICT_POLICY:
		switch (s->policy.action) {
		case POLICY_QUARANTINE:
			d->action = "quarantine";
			d->quarantine = "policy";
			return;
		case POLICY_DROP:
			d->action = "drop";
			return;
		case POLICY_TEMPFAIL:
			d->action = "tempfail";
			d->exit_code = QQ_TEMP_REFUSED;
			return;
		case POLICY_REJECT:
		default: {
			const struct policy_match *m = &g_array_index(
			    s->policy.matches, struct policy_match,
			    s->policy.decisive);

			d->action = "reject";
			d->exit_code = QQ_PERM_REFUSED;
			/* A rule without text answers the plain 554. */
			if (s->cfg->reject_text_fd != 0 && m->text != NULL) {
				d->exit_code = QQ_CUSTOM_TEXT;
				d->reject_text = 1;
				d->text = m->text;
			}
			return;
		}
		}
	case VERDICT_SPAM:
	default:
		a = ACTION_REJECT;
		break;
	}
	switch (a) {
	case ACTION_PASS:
		d->action = "queue";
		d->queue = 1;
		break;
	case ACTION_TEMPFAIL:
		d->action = "tempfail";
		d->exit_code = QQ_TEMP_REFUSED;
		break;
	case ACTION_REJECT:
	default:
		d->action = "reject";
		d->exit_code = QQ_PERM_REFUSED;
		break;
	}
}
