/* broker: qscan, the administrator's tool (check, lint, profiles); trusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "policy.h"
#include "privs.h"
#include "qscan-config.h"
#include "report_json.h"
#include "sandbox.h"
#include "scan.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: qscan check [--json] FILE...\n"
	    "       qscan lint [CONFIG]   (and the policy file it names)\n"
	    "       qscan profiles [ROLE]\n"
	    "QSCAN_CONFIG names another configuration (not when setuid).\n");
	return 2;
}

static const char *
config_path(void)
{
	const char *v = getenv("QSCAN_CONFIG");

	if (v != NULL && getauxval(AT_SECURE) == 0 && getuid() == geteuid())
		return v;
	return QSCAN_CONFIG_PATH;
}

static int
load_config(struct qscan_config *cfg, const char *path)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);

	config_defaults(cfg);
	if (config_load(cfg, path, errors) == 0)
		return 0;
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
	return -1;
}

/* What lint cannot see (how the broker binary is installed) but must
 * say: a scanner that needs a uid of its own is refused by a broker
 * installed setuid qscand. */
static void
lint_own_uid_scanners(const struct qscan_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_scanners; i++) {
		const struct role_profile *p = sandbox_profile(cfg->scanners[i]);

		if (p != NULL && p->own_uid_why != NULL)
			printf("note: scanner %s needs a uid of its own: a broker "
			    "installed setuid %s (roles share its uid) refuses "
			    "service, since %s\n", p->name, cfg->broker_user,
			    p->own_uid_why);
	}
}

static int
cmd_lint(int argc, char **argv)
{
	struct qscan_config cfg;
	const char *path = argc > 1 ? argv[1] : config_path();

	if (load_config(&cfg, path) != 0)
		return 1;
	printf("%s: ok\n", path);
	lint_own_uid_scanners(&cfg);
	if (strcmp(cfg.policy_file, "none") != 0) {
		g_autoptr(GPtrArray) errors =
		    g_ptr_array_new_with_free_func(g_free);
		struct policy *p = policy_load(cfg.policy_file, errors);

		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
		if (p == NULL) {
			config_clear(&cfg);
			return 1;
		}
		printf("%s: ok, %zu rules\n", cfg.policy_file,
		    policy_rule_count(p));
		policy_free(p);
	}
	config_clear(&cfg);
	return 0;
}

static int
cmd_profiles(int argc, char **argv)
{
	int found = 0;

	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile(r);

		if (p == NULL || (argc > 1 && strcmp(argv[1], p->name) != 0))
			continue;
		sandbox_profile_print(stdout, r);
		found++;
	}
	if (!found) {
		fprintf(stderr, "qscan: no role %s\n", argc > 1 ? argv[1] : "");
		return 1;
	}
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* `in` was opened before the privilege drop, with the caller's rights. */
static int
check_one(const struct qscan_config *cfg, const struct privs *privs,
    const char *file, int in, int json, GString *out)
{
	g_autofree char *work = g_strdup_printf("%s/work", cfg->spool_dir);
	struct spool sp = { .fd = -1 };
	struct scan s;
	struct decision d;
	enum spool_result sr;
	double t0 = now_ms();
	sr = spool_receive(work, in, cfg->max_message_bytes, &sp);
	if (sr == SPOOL_WRITE_ERROR)	/* no spool of ours: use /tmp */
		sr = spool_receive(g_get_tmp_dir(), in, cfg->max_message_bytes,
		    &sp);
	close(in);
	if (sr != SPOOL_OK) {
		fprintf(stderr, "qscan: %s: %s\n", file, sr == SPOOL_OVERSIZE ?
		    "over max_message_bytes" : "cannot spool");
		spool_close(&sp);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.privs = privs;
	s.message_id = "check";
	s.spool = &sp;
	scan_run(&s);
	scan_decide(&s, &d);
	if (json) {
		if (out->len > 1)
			g_string_append(out, ",\n");
		report_json(out, file, &s, &d, now_ms() - t0);
	} else
		printf("%s: verdict=%s action=%s exit=%d parts=%u%s%s\n", file,
		    verdict_name(s.verdict), d.action, d.exit_code,
		    s.facts.parts ? s.facts.parts->len : 0,
		    s.reason[0] ? " reason=" : "", s.reason);
	scan_clear(&s);
	spool_close(&sp);
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	struct qscan_config cfg;
	struct privs privs;
	g_autofree char *why = NULL;
	g_autoptr(GString) out = g_string_new("[");
	g_autofree int *fds = NULL;
	int json = 0, i = 1, rc = 0;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = 1;
		i++;
	}
	if (i >= argc)
		return usage();
	if (load_config(&cfg, config_path()) != 0)
		return 1;
	log_open("qscan", FALSE, TRUE);
	/* Open the files as the caller: qscand may not reach them. */
	fds = g_new(int, argc);
	for (int j = i; j < argc; j++)
		if ((fds[j] = open(argv[j], O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "qscan: %s: %s\n", argv[j],
			    strerror(errno));
			rc = 1;
		}
	if (privs_drop(cfg.broker_user, &privs, &why) != 0 ||
	    scan_setup(&cfg, &privs, &why) != 0) {
		fprintf(stderr, "qscan: %s\n", why);
		return 1;
	}
	for (; i < argc; i++)
		if (fds[i] >= 0 && check_one(&cfg, &privs, argv[i], fds[i],
		    json, out) != 0)
			rc = 1;
	if (json)
		printf("%s]\n", out->str);
	config_clear(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "profiles") == 0)
		return cmd_profiles(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		printf("qscan %s\n", QSCAN_VERSION);
		return 0;
	}
	return usage();
}
