/* broker: the per-message pipeline; trusted, believes roles only about
 * their own message and only through the decoders. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "scan.h"

static struct sock_fprog outer_filter;
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

int
scan_setup(const struct qscan_config *cfg, const struct privs *privs,
    char **why)
{
	if (sandbox_landlock_abi() < 1) {
		*why = g_strdup("kernel has no Landlock: no sandbox, no service");
		return -1;
	}
	if (sandbox_outer_filter_compile(&outer_filter) != 0) {
		*why = g_strdup("cannot compile the outer seccomp filter");
		return -1;
	}
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

static int
start_role(struct scan *s, enum role_id role, char *const *argv,
    int message_fd, struct role_proc *rp, char **why)
{
	const struct role_profile *prof = sandbox_profile(role);
	g_autofree char *helper = g_strdup_printf("%s/qscan-%s",
	    s->cfg->role_dir, prof->name);
	struct spawn_spec spec = {
		.role = role, .helper = helper, .argv = argv,
		.message_fd = message_fd, .uid = role_uid[role],
		.gid = role_gid[role], .privs = s->privs,
		.outer_filter = &outer_filter,
	};

	return spawn_role(&spec, rp, why);
}

/* ---- canary: HELLO, then death by SIGSYS ------------------------------ */

static int
canary_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	int *hello = ctx;
	struct rec_reader r;
	uint32_t magic, version;
	uint16_t role;

	if (fd >= 0)
		close(fd);
	if (*hello || rec_open(&r, buf, len) != REC_HELLO || fd >= 0) {
		*why = "canary sent more than a hello";
		return -1;
	}
	rec_get_u32(&r, &magic);
	rec_get_u32(&r, &version);
	rec_get_u16(&r, &role);
	if (rec_end(&r) || magic != RECORD_MAGIC || version != RECORD_VERSION ||
	    role != ROLE_CANARY) {
		*why = "bad canary hello";
		return -1;
	}
	*hello = 1;
	return 0;
}

static int
canary_complete(void *ctx)
{
	return *(int *)ctx;
}

static int
run_canary(struct scan *s)
{
	char *argv[] = { "qscan-canary", NULL };
	struct role_proc rp;
	g_autofree char *why = NULL;
	int hello = 0;

	if (start_role(s, ROLE_CANARY, argv, -1, &rp, &why) != 0) {
		fail(s, FAIL_SANDBOX, "canary could not start: %s", why);
		return -1;
	}
	role_run(&rp, s->cfg->role_timeout_ms, canary_consume, canary_complete,
	    &hello, &s->canary);
	if (s->canary.ending != ROLE_VIOLATION || !hello) {
		log_err("SANDBOX BROKEN: the canary was not killed by seccomp "
		    "(%s, %s, hello %s): refusing to scan",
		    role_ending_name(s->canary.ending), s->canary.detail,
		    hello ? "seen" : "missing");
		fail(s, FAIL_SANDBOX, "canary %s (%s): no sandbox, no service",
		    role_ending_name(s->canary.ending), s->canary.detail);
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
	char parts[16], depth[16], decoded[32];
	char *argv[] = { "qscan-unpack", "--max-parts", parts, "--max-depth",
	    depth, "--max-decoded-bytes", decoded, NULL };
	struct unpack_ctx u;
	struct role_proc rp;
	g_autofree char *why = NULL;
	const struct anomaly_fact *limit;
	int msg_fd;

	snprintf(parts, sizeof(parts), "%u", s->cfg->max_parts);
	snprintf(depth, sizeof(depth), "%u", s->cfg->max_depth);
	snprintf(decoded, sizeof(decoded), "%llu",
	    (unsigned long long)s->cfg->max_decoded_bytes);
	msg_fd = spool_open_readonly(s->spool);
	if (msg_fd < 0) {
		fail(s, FAIL_INTERNAL, "cannot reopen the spool file: %s",
		    strerror(errno));
		return;
	}
	unpack_decoder_init(&u.dec, &s->facts, s->cfg->max_parts,
	    s->cfg->max_decoded_bytes);
	if (start_role(s, ROLE_UNPACK, argv, msg_fd, &rp, &why) != 0) {
		close(msg_fd);
		s->unpack.ending = ROLE_SPAWN_FAILED;
		fail(s, FAIL_SANDBOX, "role unpack could not start: %s", why);
		return;
	}
	close(msg_fd);
	role_run(&rp, s->cfg->role_timeout_ms, unpack_consume, unpack_complete,
	    &u, &s->unpack);
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

void
scan_run(struct scan *s)
{
	message_facts_init(&s->facts);
	s->verdict = VERDICT_CLEAN;
	s->failure = FAIL_NONE;
	s->reason[0] = '\0';
	if (run_canary(s) != 0)
		return;
	run_unpack(s);
}

void
scan_clear(struct scan *s)
{
	message_facts_clear(&s->facts);
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
		a = s->cfg->limits_action;
		break;
	case VERDICT_VIRUS:
	case VERDICT_POLICY:
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
