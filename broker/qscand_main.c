/* broker: qscand, the service (docs/warm.md): started as root in the
 * foreground by a supervisor.  The monitor's start: the configuration
 * once, the clients' ids, the sockets (made and handed to qscand while
 * still root), the drop to qscand keeping CAP_SETUID and CAP_SETGID
 * permitted, the sandbox and every zygote's spawn spec computed before
 * any input; then the front forked (qscand_front.c) and the monitor's
 * loop (qscand_monitor.c).  Trusted. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker_env.h"
#include "log.h"
#include "oom.h"
#include "pipeline_steps.h"
#include "qscan-config.h"
#include "qscand.h"
#include "role_settings_build.h"
#include "sandbox.h"
#include "spawn.h"
#include "warm_child.h"
#include "zygote_spawn.h"

#define HOOK_BACKLOG 128

/* Each zygote's spawn spec and what it points to, made once. */
struct zygote_specs {
	struct spawn_spec spec[ROLE_ID_MAX + 1];
	char *helper[ROLE_ID_MAX + 1];
	char *argv[ROLE_ID_MAX + 1][2];
	struct rec_writer *settings[ROLE_ID_MAX + 1];
	struct sock_fprog outer;
};

static int
usage(void)
{
	fprintf(stderr, "usage: qscand [-c CONFIG]\n"
	    "Started as root by a supervisor (daemontools, runit, systemd); "
	    "stays in the foreground, logs to stderr or syslog "
	    "(service.syslog).\n");
	return 64;
}

static void
log_warning(const char *text)
{
	log_warn("%s", text);
}

static int
load(struct qscand *q, const char *path)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);

	config_defaults(&q->cfg);
	if (config_load(&q->cfg, path, errors) == 0)
		return 0;
	for (guint i = 0; i < errors->len; i++)
		log_err("config: %s", (char *)errors->pdata[i]);
	return -1;
}

/* The uids of service.client_users, the gid of client_group (or -1) and
 * the socket's group: client_group, else the first client's group. */
static int
resolve_clients(struct qscand *q, gid_t *socket_gid, char **why)
{
	g_auto(GStrv) names = g_strsplit_set(q->cfg.service_client_users,
	    ",; ", -1);
	struct passwd *pw;
	struct group *gr;

	*socket_gid = (gid_t)-1;
	q->client_gid = (gid_t)-1;
	for (unsigned i = 0; names[i] != NULL; i++) {
		if (names[i][0] == '\0')
			continue;
		if ((pw = getpwnam(names[i])) == NULL) {
			*why = g_strdup_printf("service.client_users: no user "
			    "%s", names[i]);
			return -1;
		}
		if (q->n_client_uids == QSCAND_CLIENTS_MAX) {
			*why = g_strdup("service.client_users: too many");
			return -1;
		}
		if (*socket_gid == (gid_t)-1)
			*socket_gid = pw->pw_gid;
		q->client_uid[q->n_client_uids++] = pw->pw_uid;
	}
	if (q->cfg.service_client_group[0] != '\0') {
		if ((gr = getgrnam(q->cfg.service_client_group)) == NULL) {
			*why = g_strdup_printf("service.client_group: no group "
			    "%s", q->cfg.service_client_group);
			return -1;
		}
		q->client_gid = *socket_gid = gr->gr_gid;
	}
	if (*socket_gid == (gid_t)-1) {
		*why = g_strdup("service: no client_users and no client_group");
		return -1;
	}
	return 0;
}

/* service.socket: its directory made if missing (0750, qscand and the
 * socket's group), the socket 0660 qscand:group, listening. */
static int
hook_socket(struct qscand *q, uid_t uid, gid_t gid, gid_t socket_gid,
    char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = q->cfg.service_socket;
	g_autofree char *dir = g_path_get_dirname(path);
	struct stat st;
	int s;

	(void)gid;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		*why = g_strdup_printf("service.socket %s: not an absolute "
		    "path of at most %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (stat(dir, &st) != 0) {
		if (g_mkdir_with_parents(dir, 0755) != 0 ||
		    chown(dir, uid, socket_gid) != 0 || chmod(dir, 0750) != 0) {
			*why = g_strdup_printf("%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	strcpy(sa.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chown(path, uid, socket_gid) != 0 || chmod(path, 0660) != 0 ||
	    listen(s, HOOK_BACKLOG) != 0) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	q->hook_listen = s;
	q->pid_file = g_build_filename(dir, "qscand.pid", NULL);
	return 0;
}

/* zygotes/ beside the socket, 0700 qscand, one listening socket per role
 * that needs a zygote: unpack, then the configured scanners. */
static int
zygote_sockets(struct qscand *q, uid_t uid, gid_t gid, char **why)
{
	g_autofree char *dir = g_path_get_dirname(q->cfg.service_socket);
	g_autofree char *zdir = g_build_filename(dir, "zygotes", NULL);

	q->roles[q->n_roles++] = ROLE_UNPACK;
	for (unsigned i = 0; i < q->cfg.n_scanners; i++)
		q->roles[q->n_roles++] = q->cfg.scanners[i];
	/* spamd scores after them, when a server is configured. */
	if (q->cfg.spamd_servers[0] != '\0')
		q->roles[q->n_roles++] = ROLE_SPAMD;
	if ((mkdir(zdir, 0700) != 0 && errno != EEXIST) ||
	    chown(zdir, uid, gid) != 0 || chmod(zdir, 0700) != 0) {
		*why = g_strdup_printf("%s: %s", zdir, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < q->n_roles; i++) {
		enum role_id r = q->roles[i];
		char *path = g_strdup_printf("%s/%s.sock", zdir,
		    role_id_name(r));

		q->zygote_path[r] = path;
		if ((q->zygote_listen[r] = zygote_listen_socket(path, why)) < 0)
			return -1;
		if (chown(path, uid, gid) != 0) {
			*why = g_strdup_printf("%s: %s", path, strerror(errno));
			return -1;
		}
		q->warm.socket[r] = path;
	}
	q->warm.wait_ms = q->cfg.service_zygote_wait_ms;
	return 0;
}

static int
write_pid_file(const struct qscand *q, char **why)
{
	g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
	g_autoptr(GError) err = NULL;

	if (!g_file_set_contents(q->pid_file, text, -1, &err)) {
		*why = g_strdup(err->message);
		return -1;
	}
	chmod(q->pid_file, 0644);
	return 0;
}

/* What the monitor spawns each zygote with, fixed before any input. */
static int
zygote_specs_build(const struct qscand *q, struct zygote_specs *z,
    char **why)
{
	int clamd_unix = g_str_has_prefix(q->cfg.clamd_servers, "unix:");

	if (sandbox_outer_filter_compile(&z->outer) != 0) {
		*why = g_strdup("cannot compile the outer seccomp filter");
		return -1;
	}
	for (unsigned i = 0; i < q->n_roles; i++) {
		enum role_id r = q->roles[i];
		const struct role_profile *prof = sandbox_profile(r);
		struct spawn_spec *s = &z->spec[r];

		z->argv[r][0] = g_strdup_printf("qscan-%s", prof->name);
		z->helper[r] = g_strdup_printf("%s/%s", q->cfg.role_dir,
		    z->argv[r][0]);
		z->settings[r] = role_settings_build(&q->cfg, r, clamd_unix, 1,
		    q->cfg.zygote_max_children);
		if (z->settings[r] == NULL || z->settings[r]->failed) {
			*why = g_strdup_printf("role %s: settings do not fit "
			    "a record", prof->name);
			return -1;
		}
		s->role = r;
		s->helper = z->helper[r];
		s->argv = z->argv[r];
		s->message_fd = -1;
		s->peer_fd = -1;
		s->settings = z->settings[r];
		pipeline_role_user(r, &s->uid, &s->gid);
		s->privs = &q->privs;
		s->outer_filter = &z->outer;
	}
	return 0;
}

/* Root's part: everything that needs root, then the drop. */
static int
start_as_root(struct qscand *q, char **why)
{
	uid_t uid;
	gid_t gid, socket_gid;

	if (privs_lookup_user(q->cfg.broker_user, &uid, &gid) != 0) {
		*why = g_strdup_printf("user %s does not exist (run "
		    "qscan-setup)", q->cfg.broker_user);
		return -1;
	}
	if (resolve_clients(q, &socket_gid, why) != 0 ||
	    hook_socket(q, uid, gid, socket_gid, why) != 0 ||
	    zygote_sockets(q, uid, gid, why) != 0 ||
	    write_pid_file(q, why) != 0)
		return -1;
	if (privs_drop(q->cfg.broker_user, &q->privs, why) != 0)
		return -1;
	if (q->privs.mode != PRIVS_ROLE_UIDS) {
		*why = g_strdup("no CAP_SETUID/CAP_SETGID after the drop");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct qscand q;
	static struct zygote_specs z;
	g_autofree char *why = NULL;
	const char *path = broker_env_config_override();
	int sp[2], opt, rc;
	sigset_t set;
	pid_t front;

	broker_oom_install();
	privs_reset_signals();
	umask(077);
	log_open("qscand", FALSE, TRUE);
	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c')
			return usage();
		path = optarg;
	}
	if (optind != argc)
		return usage();
	if (geteuid() != 0) {
		log_err("qscand: start it as root (its supervisor does)");
		return 1;
	}
	q.config_path = g_strdup(path ? path : QSCAN_CONFIG_PATH);
	/* Stamped before they are read: an edit in between is then seen
	 * as one at the next SIGHUP. */
	file_stamp_take(q.config_path, &q.config_stamp);
	if (load(&q, q.config_path) != 0)
		return 1;
	if (strcmp(q.cfg.policy_file, "none") != 0)
		file_stamp_take(q.cfg.policy_file, &q.policy_stamp);
	log_open("qscand", q.cfg.service_syslog, !q.cfg.service_syslog);
	if (start_as_root(&q, &why) != 0) {
		log_err("qscand: %s", why);
		return 1;
	}
	log_open_file(q.cfg.log_file);
	if (pipeline_setup(&q.cfg, &q.privs, log_warning, &why) != 0 ||
	    zygote_specs_build(&q, &z, &why) != 0) {
		log_err("qscand: %s", why);
		return 1;
	}
	/* Until the monitor's signalfd takes them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* CLOEXEC is no matter: the front and its workers never exec. */
	q.monitor_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (q.monitor_pidfd < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0 ||
	    (front = fork()) < 0) {
		log_err("qscand: cannot start the front: %s", strerror(errno));
		return 1;
	}
	if (front == 0) {
		close(sp[0]);
		for (unsigned i = 0; i < q.n_roles; i++)
			close(q.zygote_listen[q.roles[i]]);
		warm_cgroup_share_refusal();
		front_run(&q, sp[1]);
	}
	close(sp[1]);
	close(q.hook_listen);
	log_info("qscand %s: pid %d, front %d, %u zygote roles",
	    QSCAN_VERSION, (int)getpid(), (int)front, q.n_roles);
	rc = monitor_serve(&q, z.spec, sp[0], front);
	unlink(q.pid_file);
	return rc;
}
