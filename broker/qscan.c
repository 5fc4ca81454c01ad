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
#include "envelope.h"
#include "exitcodes.h"
#include "lint_system.h"
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
	    "usage: qscan check [--json] [--from ADDR] [--rcpt ADDR]...\n"
	    "                   [--ip IP] [--relay] FILE...\n"
	    "                          (exits with the hook's code)\n"
	    "       qscan lint [--config-only] [CONFIG]\n"
	    "                          (its policy; then the paths, users,\n"
	    "                          servers it names, unless --config-only)\n"
	    "       qscan lint --rules FILE   (a rules file alone)\n"
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

/* A rules file alone: 0, or 1 after printing every problem. */
static int
lint_rules(const char *path)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct policy *p = policy_load(path, errors);

	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
	if (p == NULL)
		return 1;
	printf("%s: ok, %zu rules\n", path, policy_rule_count(p));
	policy_free(p);
	return 0;
}

/* qscan lint [--config-only] [CONFIG] | --rules FILE */
static int
cmd_lint(int argc, char **argv)
{
	struct qscan_config cfg;
	const char *path = config_path();
	int i = 1, config_only = 0, rc = 0;
	unsigned problems;

	if (argc == 3 && strcmp(argv[1], "--rules") == 0)
		return lint_rules(argv[2]);
	if (i < argc && strcmp(argv[i], "--config-only") == 0) {
		config_only = 1;
		i++;
	}
	if (i < argc && argv[i][0] == '-')
		return usage();
	if (i < argc)
		path = argv[i++];
	if (i < argc)
		return usage();
	if (load_config(&cfg, path) != 0)
		return 1;
	printf("%s: ok\n", path);
	lint_own_uid_scanners(&cfg);
	lint_notify(&cfg);
	if (strcmp(cfg.policy_file, "none") != 0 &&
	    lint_rules(cfg.policy_file) != 0)
		rc = 1;
	if (!config_only && (problems = lint_system(&cfg)) > 0) {
		printf("system: %u problem%s (above)\n", problems,
		    problems == 1 ? "" : "s");
		rc = 1;
	} else if (!config_only)
		printf("system: ok (spool, roles, users, servers)\n");
	config_clear(&cfg);
	return rc;
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

/* What `qscan check` was told about the client and the envelope: what
 * qmail-smtpd would have given the hook (TCPREMOTEIP, RELAYCLIENT, fd 1). */
struct check_args {
	int json;
	int have_envelope;		/* --from or --rcpt given */
	const char *from;		/* "" when only --rcpt was given */
	GPtrArray *rcpts;		/* const char *, borrowed from argv */
	char *remote_ip;		/* sanitised like TCPREMOTEIP; "" */
	int relay;
};

/* The envelope the hook would read, built as qmail-smtpd writes it and
 * parsed by the hook's own parser, so its limits (max_recipients, an
 * address's length) answer as they would. */
static enum envelope_result
check_envelope(const struct qscan_config *cfg, const struct check_args *a,
    struct envelope *envl)
{
	g_autoptr(GByteArray) raw = g_byte_array_new();

	g_byte_array_append(raw, (const guint8 *)"F", 1);
	g_byte_array_append(raw, (const guint8 *)a->from, strlen(a->from) + 1);
	for (guint i = 0; i < a->rcpts->len; i++) {
		const char *r = g_ptr_array_index(a->rcpts, i);

		g_byte_array_append(raw, (const guint8 *)"T", 1);
		g_byte_array_append(raw, (const guint8 *)r, strlen(r) + 1);
	}
	g_byte_array_append(raw, (const guint8 *)"", 1);
	return envelope_parse(raw->data, raw->len, cfg->max_recipients, envl);
}

/* `in` was opened before the privilege drop, with the caller's rights.
 * Returns the hook's exit code for the message, or -1 when it could not
 * be checked at all. */
static int
check_one(const struct qscan_config *cfg, const struct privs *privs,
    const char *setup_error, const struct check_args *a, const char *file,
    int in, GString *out)
{
	g_autofree char *work = g_strdup_printf("%s/work", cfg->spool_dir);
	struct spool sp = { .fd = -1 };
	struct envelope envl = { 0 };
	struct scan s;
	struct decide_facts f = { .spool = SPOOL_OK, .envelope = ENVELOPE_OK };
	struct outcome o;
	int code;
	double t0 = now_ms();

	f.spool = spool_receive(work, in, cfg->max_message_bytes, &sp);
	if (f.spool == SPOOL_WRITE_ERROR)	/* no spool of ours: use /tmp */
		f.spool = spool_receive(g_get_tmp_dir(), in,
		    cfg->max_message_bytes, &sp);
	close(in);
	if (f.spool == SPOOL_READ_ERROR || f.spool == SPOOL_WRITE_ERROR) {
		fprintf(stderr, "qscan: %s: cannot spool: %s\n", file,
		    strerror(errno));
		spool_close(&sp);
		return -1;
	}
	if (a->have_envelope)
		f.envelope = check_envelope(cfg, a, &envl);
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.privs = privs;
	s.message_id = "check";
	s.spool = &sp;
	s.envl = a->have_envelope && f.envelope == ENVELOPE_OK ? &envl : NULL;
	s.remote_ip = a->remote_ip;
	s.relay = a->relay;
	/* The hook's order (ladder.c): no scan of a message it would not
	 * take, nor without a sandbox. */
	f.setup_error = setup_error;
	if (f.spool == SPOOL_OK && f.envelope == ENVELOPE_OK &&
	    setup_error == NULL) {
		pipeline_run(&s);
		pipeline_decide_facts(&s, &f);
	}
	decide(cfg, &f, &o);
	code = o.exit_code;
	if (a->json) {
		if (out->len > 1)
			g_string_append(out, ",\n");
		report_json(out, file, &s, &o, now_ms() - t0);
	} else
		printf("%s: verdict=%s action=%s exit=%d parts=%u%s%s\n", file,
		    o.verdict, o.action, o.exit_code,
		    s.facts.parts ? s.facts.parts->len : 0,
		    o.reason && o.reason[0] ? " reason=" : "",
		    o.reason ? o.reason : "");
	outcome_clear(&o);
	pipeline_clear(&s);
	envelope_clear(&envl);
	spool_close(&sp);
	return code;
}

/* Options first, then the files; 0 or usage's 2. */
static int
check_parse(int argc, char **argv, int *i, struct check_args *a)
{
	for (*i = 1; *i < argc && strncmp(argv[*i], "--", 2) == 0; (*i)++) {
		const char *o = argv[*i];

		if (strcmp(o, "--") == 0) {
			(*i)++;
			break;
		}
		if (strcmp(o, "--json") == 0)
			a->json = 1;
		else if (strcmp(o, "--relay") == 0)
			a->relay = 1;
		else if (*i + 1 >= argc)
			return 2;
		else if (strcmp(o, "--from") == 0) {
			a->from = argv[++*i];
			a->have_envelope = 1;
		} else if (strcmp(o, "--rcpt") == 0) {
			g_ptr_array_add(a->rcpts, argv[++*i]);
			a->have_envelope = 1;
		} else if (strcmp(o, "--ip") == 0) {
			g_free(a->remote_ip);
			a->remote_ip = broker_env_sanitise(argv[++*i]);
		} else
			return 2;
	}
	return *i < argc ? 0 : 2;
}

/* The hook's exit code for each file (docs/architecture.md, "Exit
 * codes"): the first that is not 0 is ours, so `qscan check` answers as
 * qmail-scanner-queue would.  --json reports each code in the JSON and
 * exits 0 when every file was checked.  1: a file could not be read. */
static int
cmd_check(int argc, char **argv)
{
	struct qscan_config cfg;
	struct privs privs;
	struct check_args a = { .from = "" };
	g_autofree char *why = NULL, *first_user = NULL;
	g_autoptr(GString) out = g_string_new("[");
	g_autoptr(GPtrArray) rcpts = g_ptr_array_new();
	g_autofree int *fds = NULL;
	const char *path = config_path();
	int i, rc = 0, unreadable = 0, config_fd;

	a.rcpts = rcpts;
	if (check_parse(argc, argv, &i, &a) != 0) {
		g_free(a.remote_ip);
		return usage();
	}
	if (a.remote_ip == NULL)
		a.remote_ip = g_strdup("");
	/* Opened as the caller, parsed after the drop (as the broker). */
	config_defaults(&cfg);
	if ((config_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s:0: cannot read: %s\n", path,
		    strerror(errno));
		g_free(a.remote_ip);
		return qq_exit_for_failure(FAIL_CONFIG);
	}
	log_open("qscan", FALSE, TRUE);
	/* Open the files as the caller: qscand may not reach them. */
	fds = g_new(int, argc);
	for (int j = i; j < argc; j++)
		if ((fds[j] = open(argv[j], O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "qscan: %s: %s\n", argv[j],
			    strerror(errno));
			unreadable = 1;
		}
	first_user = g_strdup(cfg.broker_user);
	if (privs_drop(first_user, &privs, &why) != 0) {
		close(config_fd);
		fprintf(stderr, "qscan: %s\n", why);
		g_free(a.remote_ip);
		return qq_exit_for_failure(FAIL_INTERNAL);
	}
	if (load_config_fd(&cfg, config_fd, path) != 0) {
		g_free(a.remote_ip);
		return qq_exit_for_failure(FAIL_CONFIG);
	}
	if (privs_become(cfg.broker_user, &privs, &why) != 0) {
		fprintf(stderr, "qscan: %s\n", why);
		g_free(a.remote_ip);
		return qq_exit_for_failure(FAIL_INTERNAL);
	}
	/* Without a sandbox the hook takes no message: each file is told
	 * the tempfail it would get. */
	if (pipeline_setup(&cfg, &privs, warn_stderr, &why) != 0)
		fprintf(stderr, "qscan: %s\n", why);
	else
		g_clear_pointer(&why, g_free);
	if (privs.kept_groups[0])
		fprintf(stderr, "qscan: warning: the caller's supplementary "
		    "groups %s stay (no CAP_SETGID)\n", privs.kept_groups);
	for (; i < argc; i++) {
		int code;

		if (fds[i] < 0)
			continue;
		code = check_one(&cfg, &privs, why, &a, argv[i], fds[i], out);
		if (code < 0)
			unreadable = 1;
		else if (rc == 0 && !a.json)
			rc = code;
	}
	if (a.json)
		printf("%s]\n", out->str);
	config_clear(&cfg);
	g_free(a.remote_ip);
	return rc != 0 ? rc : unreadable;
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
