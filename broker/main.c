/* broker: qmail-scanner-queue, what QMAILQUEUE names: the hook.
 *
 * It hands the message to qscand when the service is there
 * (hook_service.c, docs/warm.md) and runs qmail-queue when the service
 * says so.  Otherwise, the exec path: it reads the message (fd 0) to its
 * end into an unnamed spool file, then the envelope (fd 1), runs the
 * roles, decides, and either hands the message to the real qmail-queue
 * or answers with an exit code qmail-smtpd turns into an SMTP reply
 * (ladder.c).  Every failure of ours is a temporary code
 * (docs/architecture.md, "Nothing lost"). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker_env.h"
#include "clock.h"
#include "config.h"
#include "exitcodes.h"
#include "hook_service.h"
#include "ladder.h"
#include "log.h"
#include "oom.h"
#include "privs.h"
#include "qscan-config.h"

/* Qmail-Scanner's MAXTIME: a broker stuck this long gives up (52); until
 * the configuration is read (then limits.max_seconds). */
#define BROKER_MAX_SECONDS 1200

/* How long the hook waits for SVC_READY beyond the service's own wait
 * for its zygotes. */
#define HOOK_READY_MARGIN_MS 2000

static void
on_alarm(int sig)
{
	(void)sig;
	_exit(QQ_TEMP_TIMEOUT);
}

/* A caller that is not root may not read the configuration: it is told
 * where each problem is; what it is goes to the mail log only. */
static void
log_config_problems(uid_t invoking_uid, GPtrArray *errors, GPtrArray *where)
{
	if (invoking_uid == 0) {
		for (guint i = 0; i < errors->len; i++)
			log_err("config: %s", (char *)errors->pdata[i]);
		return;
	}
	log_open("qmail-scanner-queue", TRUE, FALSE);
	for (guint i = 0; i < errors->len; i++)
		log_err("config: %s", (char *)errors->pdata[i]);
	log_open("qmail-scanner-queue", FALSE, TRUE);
	for (guint i = 0; i < where->len; i++)
		log_err("config: %s: error (details in the mail log)",
		    (char *)where->pdata[i]);
	log_open("qmail-scanner-queue", TRUE, TRUE);
}

/* load_settings: a caller without privilege who may not read the file. */
#define LOAD_UNREADABLE (-1)

/* The configuration is opened with the rights we were started with and
 * parsed after the drop to the built-in broker user; then we become the
 * user it names, if another.  0, or the exit code (no summary line: no
 * message was taken yet), or LOAD_UNREADABLE. */
static int
load_settings(struct broker *b, int privileged)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) where = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *why = NULL, *first_user = NULL;
	const char *config_path = b->be.config_override ?
	    b->be.config_override : QSCAN_CONFIG_PATH;
	int config_fd;

	config_defaults(&b->cfg);
	if ((config_fd = open(config_path, O_RDONLY | O_CLOEXEC)) < 0) {
		/* Without privilege the service may still take it. */
		if (!privileged)
			return LOAD_UNREADABLE;
		log_err("config: %s: cannot read: %s", config_path,
		    strerror(errno));
		return qq_exit_for_failure(FAIL_CONFIG);
	}
	first_user = g_strdup(b->cfg.broker_user);
	if (privs_drop(first_user, &b->privs, &why) != 0) {
		close(config_fd);
		log_err("privileges: %s", why);
		return qq_exit_for_failure(FAIL_INTERNAL);
	}
	if (config_load_fd(&b->cfg, config_fd, config_path, errors,
	    where) != 0) {
		log_config_problems(b->invoking_uid, errors, where);
		return qq_exit_for_failure(FAIL_CONFIG);
	}
	log_open("qmail-scanner-queue", b->cfg.use_syslog, TRUE);
	alarm(b->cfg.max_seconds);
	if (privs_become(b->cfg.broker_user, &b->privs, &why) != 0) {
		log_err("privileges: %s", why);
		return qq_exit_for_failure(FAIL_INTERNAL);
	}
	if (b->privs.note[0])
		log_warn("%s", b->privs.note);
	if (b->privs.kept_groups[0])
		log_warn("the caller's supplementary groups %s stay ours and "
		    "the roles' (clearing them needs CAP_SETGID: install "
		    "setuid root or with file capabilities)",
		    b->privs.kept_groups);
	log_open_file(b->cfg.log_file);
	return 0;
}

/* Signals, the deadline, message id, which descriptors are pipes. */
static void
broker_start(struct broker *b)
{
	broker_init(b);
	broker_oom_install();
	privs_reset_signals();
	umask(077);
	b->inherited_fifos = broker_inherited_fifos();
	b->invoking_uid = getuid();
	signal(SIGALRM, on_alarm);
	alarm(BROKER_MAX_SECONDS);
}

/* QSCAN_SOCKET, believed only by a hook with no privilege at all. */
static const char *
socket_override(int privileged)
{
	const char *v = getenv("QSCAN_SOCKET");

	if (privileged || v == NULL || getuid() != geteuid() ||
	    strlen(v) > 200)
		return NULL;
	return v;
}

/* The service first.  Returns the exit code when the service took the
 * message or we tempfail without it; HOOK_UNAVAILABLE: the exec path. */
static int
try_service(struct broker *b, int have_cfg, const char *socket)
{
	g_autofree char *why = NULL;
	struct hook_args a = {
		.socket = socket,
		.ready_wait_ms = b->cfg.service_zygote_wait_ms +
		    HOOK_READY_MARGIN_MS,
		.invoking_uid = b->invoking_uid,
		.fifos = b->inherited_fifos,
		.env = (char **)b->be.kept->pdata,
		.qmail_queue = b->cfg.qmail_queue,
	};
	int code;

	/* load_settings dropped us to the broker user: the caller's gid is
	 * the real one only when it did not. */
	a.invoking_gid = getuid() == b->invoking_uid ? getgid() : getegid();
	code = hook_service(&a, &why);
	if (code != HOOK_UNAVAILABLE)
		return code;
	if (have_cfg && b->cfg.service_fallback == FALLBACK_EXEC) {
		log_info("service unavailable (%s): exec path", why);
		return HOOK_UNAVAILABLE;
	}
	log_err("service unavailable (%s): tempfail", why);
	return QQ_TEMP_REFUSED;
}

int
main(int argc, char **argv)
{
	static struct broker b;
	g_autofree char *socket = NULL;
	int code, privileged, loaded;

	(void)argc;
	(void)argv;
	broker_start(&b);
	privileged = hook_privileged();
	socket = g_strdup(socket_override(privileged));
	broker_env_take(&b.be);
	log_open("qmail-scanner-queue", TRUE, TRUE);
	if ((loaded = load_settings(&b, privileged)) > 0)
		return loaded;
	b.t.setup = now_ms() - b.t.start;
	code = try_service(&b, loaded == 0, socket ? socket :
	    b.cfg.service_socket);
	if (code == HOOK_UNAVAILABLE)
		code = broker_ladder(&b);
	broker_clear(&b);
	return code;
}
