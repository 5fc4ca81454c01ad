/* broker: the per-message pipeline, its once-per-process setup and what
 * its steps share (pipeline_steps.h); trusted, believes roles only about
 * their own message and only through the decoders. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "crash_repeats.h"
#include "log.h"
#include "sandbox.h"
#include "pipeline_steps.h"
#include "warm_child.h"

static struct sock_fprog outer_filter;
static struct policy *loaded_policy;	/* compiled once per process */
static uid_t role_uid[ROLE_ID_MAX + 1];
static gid_t role_gid[ROLE_ID_MAX + 1];

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

/* What [sandbox] requires of the kernel (spawn_setup); the weaknesses it
 * allows go to `warn`. */
static int
sandbox_ready(const struct qscan_config *cfg, const struct privs *privs,
    void (*warn)(const char *text), char **why)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	struct spawn_settings set;
	int rc;

	spawn_settings_from(cfg, &set);
	rc = spawn_setup(&set, privs, warnings, why);
	for (guint i = 0; i < warnings->len; i++)
		warn(warnings->pdata[i]);
	return rc;
}

int
pipeline_setup(const struct qscan_config *cfg, const struct privs *privs,
    void (*warn)(const char *text), char **why)
{
	struct rlimit rl;

	if (sandbox_ready(cfg, privs, warn, why) != 0)
		return -1;
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
		if (cfg->role_user[r] == NULL)
			continue;	/* an id no role has in this build */
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

void
pipeline_fail(struct scan *s, enum qscan_failure f, const char *fmt, ...)
{
	va_list ap;

	s->verdict = VERDICT_TEMPFAIL;
	s->failure = f;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	log_err("%s", s->reason);
}

int
pipeline_start_role(struct scan *s, enum role_id role,
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

	if (s->warm != NULL && s->warm->socket[role] != NULL)
		return warm_start_role(s->warm->socket[role], &spec,
		    s->warm->wait_ms, rp, why);
	return spawn_role(&spec, rp, why);
}

void
pipeline_role_user(enum role_id role, uid_t *uid, gid_t *gid)
{
	*uid = role_uid[role];
	*gid = role_gid[role];
}

/* One more crash of a role on this content (crash_repeats.c): the count
 * decides in pipeline_run() once every step is done. */
static void
count_crash(struct scan *s, const char *role)
{
	g_autofree char *why = NULL;
	char hex[CRASH_HASH_HEX];
	unsigned n;

	if (crash_repeats_count(s->cfg->spool_dir, s->spool,
	    s->cfg->crash_days, hex, &n, &why) != 0) {
		log_err("crash repeats: not counted: %s", why);
		return;
	}
	log_err("crash repeats: role %s crashed on content sha256 %s: "
	    "crash %u of %u", role, hex, n, s->cfg->crash_repeats);
	if (n > s->crash_count) {
		s->crash_count = n;
		memcpy(s->crash_hash, hex, sizeof(s->crash_hash));
	}
}

void
pipeline_keep_crash_sample(struct scan *s, const char *role)
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
	if (s->count_crashes && s->cfg->crash_repeats > 0)
		count_crash(s, role);
}

void
pipeline_run(struct scan *s)
{
	message_facts_init(&s->facts);
	s->verdict = VERDICT_CLEAN;
	s->failure = FAIL_NONE;
	s->reason[0] = '\0';
	s->unchecked_decides = 0;
	s->crash_count = 0;
	s->crash_hash[0] = '\0';
	memset(&s->spam, 0, sizeof(s->spam));
	s->spam_action = SPAM_ACTION_TAG;
	/* Warm, every zygote was canaried by the front before it got
	 * work and at every canary interval since (docs/warm.md). */
	if (s->warm == NULL && step_canary(s) != 0)
		return;
	step_unpack(s);
	/* A message unpack already refused (a bomb, too deep, too many
	 * parts) is not handed to the engines: they would only spend
	 * seconds on what is refused anyway.  With limits_action = pass it
	 * is delivered, so it is scanned first. */
	if (s->verdict == VERDICT_CLEAN || (s->verdict == VERDICT_LIMITS &&
	    s->cfg->limits_action == ACTION_PASS))
		step_scanners(s);
	/* AV first, so a known virus is called a virus; then policy. */
	if (loaded_policy != NULL && (s->verdict == VERDICT_CLEAN ||
	    s->verdict == VERDICT_LIMITS))
		step_policy(s, loaded_policy);
	/* Spam last, and only on what would be delivered: Qmail-Scanner's
	 * order, and spamd's seconds are not spent on refused mail. */
	if (s->verdict == VERDICT_CLEAN || (s->verdict == VERDICT_LIMITS &&
	    (s->unchecked_decides ? s->cfg->unchecked_action :
	    s->cfg->limits_action) == ACTION_PASS))
		step_spam(s);
	/* Rules on spam_score and spam_rule, for what spam left deliverable. */
	if (loaded_policy != NULL && s->spam.state == SPAM_FACT_SCORED &&
	    (s->verdict == VERDICT_CLEAN || s->verdict == VERDICT_LIMITS))
		step_policy_spam(s, loaded_policy);
	/* A content that crashes a role every time would be retried for
	 * days, a crash each time: after crash_repeats it is a verdict. */
	if (s->verdict == VERDICT_TEMPFAIL && s->cfg->crash_repeats > 0 &&
	    s->crash_count >= s->cfg->crash_repeats) {
		s->verdict = VERDICT_UNSCANNABLE;
		s->failure = FAIL_NONE;
		snprintf(s->reason, sizeof(s->reason), "crashed a role %u "
		    "times: sha256 %s", s->crash_count, s->crash_hash);
		log_err("crash repeats: sha256 %s crashed a role %u times: "
		    "unscannable", s->crash_hash, s->crash_count);
	}
}

void
pipeline_clear(struct scan *s)
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
pipeline_decide_facts(const struct scan *s, struct decide_facts *f)
{
	f->verdict = s->verdict;
	f->failure = s->failure;
	f->unchecked_decides = s->unchecked_decides;
	f->reason = s->reason;
	f->policy_action = POLICY_PASS;
	f->policy_text = NULL;
	f->spam_action = s->spam_action;
	f->spam_text = s->verdict == VERDICT_SPAM ? s->spam_text : NULL;
	if (s->verdict == VERDICT_POLICY) {
		f->policy_action = s->policy.action;
		f->policy_text = g_array_index(s->policy.matches,
		    struct policy_match, s->policy.decisive).text;
	}
}
