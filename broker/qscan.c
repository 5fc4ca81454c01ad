/* broker: qscan, the administrator's tool (check, lint, profiles,
 * reload); trusted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "broker_env.h"
#include "clock.h"
#include "config.h"
#include "decide.h"
#include "log.h"
#include "notify.h"
#include "oom.h"
#include "pipeline.h"
#include "policy.h"
#include "privs.h"
#include "qscan-config.h"
#include "qscan_quarantine.h"
#include "qscan_report.h"
#include "report_json.h"
#include "sandbox.h"
#include "spawn.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: qscan check [--json] FILE...\n"
	    "       qscan lint [CONFIG]   (and the policy file it names)\n"
	    "       qscan profiles [ROLE|service]\n"
	    "       qscan reload          (qscand: new zygotes; a new qscand\n"
	    "                             when the configuration was edited)\n"
	    "       qscan list [--since DATE|DURATION] [--verdict VERDICT]\n"
	    "       qscan show ID\n"
	    "       qscan release ID [--to ADDR] [--rescan]\n"
	    "       qscan delete ID\n"
	    "       qscan cleanup [--dry-run]\n"
	    "       (the quarantine commands: root or the broker user)\n"
	    "       qscan report [--since D] [--log FILE|-]... -o FILE.html\n"
	    "       qscan report [--since D] [--log FILE|-]... --mrtg [IN,OUT]\n"
	    "       qscan metrics [--since D] [--log FILE|-]... [--textfile DIR]\n"
	    "QSCAN_CONFIG names another configuration (not when setuid).\n");
	return 2;
}

static const char *
config_path(void)
{
	const char *v = broker_env_config_override();

	return v != NULL ? v : QSCAN_CONFIG_PATH;
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

/* A setuid qscan run by another user says only where a problem is. */
static int
load_config_fd(struct qscan_config *cfg, int fd, const char *path)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) where = g_ptr_array_new_with_free_func(g_free);
	int full = getuid() == 0 || getauxval(AT_SECURE) == 0;

	if (config_load_fd(cfg, fd, path, errors, where) == 0)
		return 0;
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s%s\n", full ? (char *)errors->pdata[i] :
		    (char *)where->pdata[i], full ? "" : ": error");
	return -1;
}

static void
warn_stderr(const char *text)
{
	fprintf(stderr, "qscan: warning: %s\n", text);
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

/* [notify]'s templates and forged-sender list, as a message would
 * need them (docs/notify.md).  Warnings: a notice that cannot be made
 * is logged per message and changes nothing of its outcome. */
static void
lint_notify(const struct qscan_config *cfg)
{
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
	notify_check(cfg, problems, notes);
	for (guint i = 0; i < notes->len; i++)
		printf("%s\n", (char *)notes->pdata[i]);
	for (guint i = 0; i < problems->len; i++)
		fprintf(stderr, "qscan: warning: %s\n",
		    (char *)problems->pdata[i]);
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
	lint_notify(&cfg);
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

/* What this kernel gives, beside the tables: the sandbox asks for it
 * and fails closed without it unless [sandbox] allows otherwise. */
static void
print_kernel(const struct qscan_config *cfg, int have_cfg)
{
	const struct role_profile *p;
	int abi = sandbox_landlock_abi(), flags = 0, err;
	g_autofree char *why = NULL;

	for (int r = 1; r <= ROLE_ID_MAX; r++)
		if ((p = sandbox_profile(r)) != NULL)
			flags |= p->clone_flags;
	err = spawn_probe_namespaces(flags);
	printf("kernel (what this machine gives now):\n");
	printf("  landlock: ABI %d (%s; ABI >= %d adds the signal scope, "
	    "which matters only without the pid namespace)\n", abi,
	    abi >= SPAWN_LANDLOCK_SIGNAL_ABI ? "with signal scope" :
	    abi > 0 ? "file rules, no signal scope" : "none: no service",
	    SPAWN_LANDLOCK_SIGNAL_ABI);
	printf("  namespaces 0x%x (user, pid, net, ipc, mount): %s%s\n",
	    (unsigned)flags, err ? "refused: " : "available",
	    err ? strerror(err) : "");
	if (!have_cfg) {
		printf("  cgroup: not probed (no configuration read)\n");
		return;
	}
	/* As whoever runs us, who may not be the broker user. */
	if (cgroup_probe(cfg->cgroup, &why) == 0)
		printf("  cgroup: %s\n", cgroup_describe());
	else
		printf("  cgroup: %s\n", why);
	printf("  sandbox.allow_no_cgroup = %s, sandbox.allow_weaker_sandbox "
	    "= %s\n", cfg->allow_no_cgroup ? "true" : "false",
	    cfg->allow_weaker_sandbox ? "true" : "false");
}

static int
cmd_profiles(int argc, char **argv)
{
	struct qscan_config cfg;
	int found = 0, have_cfg;

	if (argc > 1 && strcmp(argv[1], "service") == 0) {
		sandbox_service_print(stdout);
		return 0;
	}
	have_cfg = load_config(&cfg, config_path()) == 0;
	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile(r);

		if (p == NULL || (argc > 1 && strcmp(argv[1], p->name) != 0))
			continue;
		sandbox_profile_print(stdout, r);
		if (have_cfg)
			printf("cgroup limits: memory.max %llu bytes "
			    "(sandbox.%s_memory_bytes, memfds and tmpfs "
			    "included), pids.max %u\n\n",
			    (unsigned long long)cfg.role_memory_bytes[r],
			    p->name, cfg.role_pids_max);
		found++;
	}
	if (found)
		print_kernel(&cfg, have_cfg);
	config_clear(&cfg);
	if (!found) {
		fprintf(stderr, "qscan: no role %s\n", argc > 1 ? argv[1] : "");
		return 1;
	}
	return 0;
}

/* `in` was opened before the privilege drop, with the caller's rights. */
static int
check_one(const struct qscan_config *cfg, const struct privs *privs,
    const char *file, int in, int json, GString *out)
{
	g_autofree char *work = g_strdup_printf("%s/work", cfg->spool_dir);
	struct spool sp = { .fd = -1 };
	struct scan s;
	struct decide_facts f = { .spool = SPOOL_OK, .envelope = ENVELOPE_OK };
	struct outcome o;
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
	pipeline_run(&s);
	pipeline_decide_facts(&s, &f);
	decide(cfg, &f, &o);
	if (json) {
		if (out->len > 1)
			g_string_append(out, ",\n");
		report_json(out, file, &s, &o, now_ms() - t0);
	} else
		printf("%s: verdict=%s action=%s exit=%d parts=%u%s%s\n", file,
		    verdict_name(s.verdict), o.action, o.exit_code,
		    s.facts.parts ? s.facts.parts->len : 0,
		    s.reason[0] ? " reason=" : "", s.reason);
	outcome_clear(&o);
	pipeline_clear(&s);
	spool_close(&sp);
	return 0;
}

static int
cmd_check(int argc, char **argv)
{
	struct qscan_config cfg;
	struct privs privs;
	g_autofree char *why = NULL, *first_user = NULL;
	g_autoptr(GString) out = g_string_new("[");
	g_autofree int *fds = NULL;
	const char *path = config_path();
	int json = 0, i = 1, rc = 0, config_fd;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = 1;
		i++;
	}
	if (i >= argc)
		return usage();
	/* Opened as the caller, parsed after the drop (as the broker). */
	config_defaults(&cfg);
	if ((config_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s:0: cannot read: %s\n", path,
		    strerror(errno));
		return 1;
	}
	log_open("qscan", FALSE, TRUE);
	/* Open the files as the caller: qscand may not reach them. */
	fds = g_new(int, argc);
	for (int j = i; j < argc; j++)
		if ((fds[j] = open(argv[j], O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "qscan: %s: %s\n", argv[j],
			    strerror(errno));
			rc = 1;
		}
	first_user = g_strdup(cfg.broker_user);
	if (privs_drop(first_user, &privs, &why) != 0) {
		close(config_fd);
		fprintf(stderr, "qscan: %s\n", why);
		return 1;
	}
	if (load_config_fd(&cfg, config_fd, path) != 0)
		return 1;
	if (privs_become(cfg.broker_user, &privs, &why) != 0 ||
	    pipeline_setup(&cfg, &privs, warn_stderr, &why) != 0) {
		fprintf(stderr, "qscan: %s\n", why);
		return 1;
	}
	if (privs.kept_groups[0])
		fprintf(stderr, "qscan: warning: the caller's supplementary "
		    "groups %s stay (no CAP_SETGID)\n", privs.kept_groups);
	for (; i < argc; i++)
		if (fds[i] >= 0 && check_one(&cfg, &privs, argv[i], fds[i],
		    json, out) != 0)
			rc = 1;
	if (json)
		printf("%s]\n", out->str);
	config_clear(&cfg);
	return rc;
}

/* SIGHUP to the qscand whose pid file sits beside service.socket
 * (qscand_main.c writes it as root, before any input). */
static int
cmd_reload(void)
{
	struct qscan_config cfg;
	g_autofree char *dir = NULL, *pid_file = NULL, *text = NULL;
	g_autoptr(GError) err = NULL;
	char *end;
	long pid;

	if (load_config(&cfg, config_path()) != 0)
		return 1;
	dir = g_path_get_dirname(cfg.service_socket);
	pid_file = g_build_filename(dir, "qscand.pid", NULL);
	config_clear(&cfg);
	if (!g_file_get_contents(pid_file, &text, NULL, &err)) {
		fprintf(stderr, "qscan: %s\n", err->message);
		return 1;
	}
	pid = strtol(text, &end, 10);
	if (pid <= 1 || (*end != '\n' && *end != '\0')) {
		fprintf(stderr, "qscan: %s: no pid\n", pid_file);
		return 1;
	}
	if (kill((pid_t)pid, SIGHUP) != 0) {
		fprintf(stderr, "qscan: qscand pid %ld: %s\n", pid,
		    strerror(errno));
		return 1;
	}
	printf("qscand pid %ld: SIGHUP sent (new zygotes; a new qscand when "
	    "the configuration or the policy was edited)\n", pid);
	return 0;
}

int
main(int argc, char **argv)
{
	broker_oom_install();
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "profiles") == 0)
		return cmd_profiles(argc - 1, argv + 1);
	if (strcmp(argv[1], "reload") == 0)
		return cmd_reload();
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0 ||
	    strcmp(argv[1], "release") == 0 ||
	    strcmp(argv[1], "delete") == 0 ||
	    strcmp(argv[1], "cleanup") == 0) {
		struct qscan_config cfg;
		int rc;

		if (load_config(&cfg, config_path()) != 0)
			return 1;
		rc = qscan_quarantine_cmd(&cfg, argc - 1, argv + 1);
		if (rc == 2)
			usage();
		config_clear(&cfg);
		return rc;
	}
	if (strcmp(argv[1], "report") == 0 ||
	    strcmp(argv[1], "metrics") == 0) {
		struct qscan_config cfg;
		int rc;

		/* with --log, no configuration is read: a log copied
		 * elsewhere is reported on anywhere */
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--log") == 0)
				return qscan_report_cmd(argc - 1, argv + 1,
				    NULL);
		if (load_config(&cfg, config_path()) != 0)
			return 1;
		rc = qscan_report_cmd(argc - 1, argv + 1, cfg.log_file);
		config_clear(&cfg);
		return rc;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("qscan %s\n", QSCAN_VERSION);
		return 0;
	}
	return usage();
}
