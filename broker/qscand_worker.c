/* broker: qscand's worker, the broker of one message (docs/warm.md,
 * "Processes"): the exec path's ladder (ladder.c) on the descriptors the hook
 * passed, with roles from the zygotes (s->warm) and qmail-queue run by
 * the hook (queue_via_hook).  Forked by the front, no capability, the
 * front's filter; trusted, believes the hook only through the codec. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ladder.h"
#include "log.h"
#include "qscand.h"
#include "svc_proto.h"

/* As the exec path's BROKER_MAX_SECONDS: SIGALRM ends the worker, the
 * hook reads end of file and tempfails. */
#define WORKER_MAX_SECONDS	1200
/* The hook sends SVC_HELLO at once, and its descriptors right after
 * SVC_READY. */
#define WORKER_HELLO_WAIT_MS	10000
/* How long a worker whose zygote was lost waits to see the monitor die. */
#define WORKER_MONITOR_WAIT_MS	200
/* Descriptors we keep while we rearrange 0, 1 and the reject pipe. */
#define WORKER_FD_FLOOR		64

static void G_GNUC_NORETURN
worker_give_up(const char *what, const char *why)
{
	log_err("hook: %s: %s", what, why);
	_exit(0);
}

/* One SVC_MESSAGE of `slot`, its descriptor moved above the fixed ones. */
static int
worker_take_fd(int conn, enum svc_slot slot)
{
	struct svc_msg m;
	const char *why;
	int rc = svc_recv(conn, WORKER_HELLO_WAIT_MS, &m, &why), fd;

	if (rc != SVC_MESSAGE || m.value != slot) {
		if (rc != SVC_MESSAGE)
			svc_msg_clear(&m);
		else
			svc_msg_clear(&m), why = "descriptors out of order";
		worker_give_up("SVC_MESSAGE", rc == 0 ? "end of file" :
		    rc > 0 && rc != SVC_MESSAGE ? "another record" : why);
	}
	fd = fcntl(m.fd, F_DUPFD_CLOEXEC, WORKER_FD_FLOOR);
	if (fd < 0)
		worker_give_up("SVC_MESSAGE", strerror(errno));
	svc_msg_clear(&m);
	return fd;
}

/* The hook's environment through the broker's allow-list, as if it were
 * ours: broker_env_take reads it as the exec path does. */
static void
worker_environment(char **env)
{
	clearenv();
	for (unsigned i = 0; env != NULL && env[i] != NULL; i++) {
		const char *eq = strchr(env[i], '=');
		g_autofree char *name = g_strndup(env[i], eq - env[i]);

		if (broker_env_allowed(name, strlen(name)))
			setenv(name, eq + 1, 1);
	}
}

/* fd 0 the message, fd 1 the envelope, the reject pipe at its number;
 * nothing else of ours below WORKER_FD_FLOOR but fd 2 and the log. */
static void
worker_place_fds(struct broker *b, int msg, int envl, int reject,
    unsigned reject_fd)
{
	log_open_file(NULL);
	for (int fd = 3; fd < WORKER_FD_FLOOR; fd++)
		close(fd);
	if (dup2(msg, 0) != 0 || dup2(envl, 1) != 1 ||
	    (reject >= 0 && dup2(reject, (int)reject_fd) != (int)reject_fd))
		worker_give_up("descriptors", strerror(errno));
	close(msg);
	close(envl);
	if (reject >= 0) {
		close(reject);
		b->inherited_fifos = 1ull << reject_fd;
	}
	log_open_file(b->cfg.log_file);
}

/* A role lost with its zygote because the monitor died (zygotes die
 * with it): the service died, and the hook says so (end of file: 71),
 * not "a role failed" (81).  The zygote learns of the monitor's death a
 * moment before the monitor's pidfd says it: wait that moment, on this
 * failure path only. */
static int
worker_service_died(int monitor_pidfd, const struct broker *b)
{
	struct pollfd p = { monitor_pidfd, POLLIN, 0 };
	int lost = b->s.unpack.ending == ROLE_ZYGOTE_LOST;

	for (unsigned i = 0; i < b->s.n_scanners; i++)
		lost |= b->s.scanner_outcome[i].ending == ROLE_ZYGOTE_LOST;
	if (!lost)
		return 0;
	if (poll(&p, 1, WORKER_MONITOR_WAIT_MS) != 1)
		return 0;
	log_err("hook: the service died with this message's zygote: "
	    "no answer, the hook tempfails");
	return 1;
}

void
worker_run(const struct qscand *q, int conn, uid_t peer_uid, int ready,
    const char *not_ready)
{
	static struct broker b;
	struct svc_msg hello;
	const char *why;
	unsigned reject_fd = 0;
	int msg, envl, reject = -1, monitor, rc;
	struct stat st;

	broker_init(&b);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(WORKER_MAX_SECONDS);
	/* Both above what worker_place_fds closes. */
	if ((conn = fcntl(conn, F_DUPFD_CLOEXEC, WORKER_FD_FLOOR + 8)) < 0 ||
	    (monitor = fcntl(q->monitor_pidfd, F_DUPFD_CLOEXEC,
	    WORKER_FD_FLOOR + 8)) < 0)
		worker_give_up("connection", strerror(errno));
	rc = svc_recv(conn, WORKER_HELLO_WAIT_MS, &hello, &why);
	if (rc != SVC_HELLO)
		worker_give_up("SVC_HELLO", rc == 0 ? "end of file" :
		    rc > 0 ? "another record" : why);
	if (!ready) {
		svc_send_fallback(conn, not_ready);
		_exit(0);
	}
	b.cfg = q->cfg;
	if (b.cfg.reject_text_fd >= 3 && b.cfg.reject_text_fd < 64 &&
	    (hello.fifos & (1ull << b.cfg.reject_text_fd)))
		reject_fd = b.cfg.reject_text_fd;
	if (svc_send_ready(conn, reject_fd) != 0)
		worker_give_up("SVC_READY", strerror(errno));
	msg = worker_take_fd(conn, SVC_SLOT_MESSAGE);
	envl = worker_take_fd(conn, SVC_SLOT_ENVELOPE);
	if (reject_fd != 0) {
		reject = worker_take_fd(conn, SVC_SLOT_REJECT);
		if (fstat(reject, &st) != 0 || !S_ISFIFO(st.st_mode)) {
			log_warn("hook: the reject-text descriptor is no pipe");
			close(reject);
			reject = -1;
		}
	}
	worker_place_fds(&b, msg, envl, reject, reject_fd);
	worker_environment(hello.env);
	broker_env_take(&b.be);
	b.privs = q->privs;
	/* The hook connects as the broker user when it read the
	 * configuration itself (root, setuid): then its word for who ran
	 * it, as the exec path's trace header says. */
	b.invoking_uid = peer_uid == 0 || peer_uid == q->privs.uid ?
	    hello.uid : peer_uid;
	svc_msg_clear(&hello);
	b.hook_fd = conn;
	b.setup_done = 1;
	b.s.warm = &q->warm;
	rc = broker_ladder(&b);
	if (worker_service_died(monitor, &b))
		_exit(0);
	svc_send_exit(conn, rc);
	_exit(0);
}
