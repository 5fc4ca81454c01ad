/* broker: qscand's monitor after the start (docs/warm.md,
 * "Processes"): the only process of the service that may change uids, it
 * does one thing: start a zygote when the front asks (a fixed 8-byte
 * request, range-checked), with the spawn spec qscand_main.c computed
 * before any input, kill one when asked, reap them and say so.  It
 * parses no record, no envelope, no configuration.  Trusted. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd_pass.h"
#include "log.h"
#include "qscand.h"
#include "zygote_spawn.h"

/* A retiring zygote and its successor: at most two per role. */
#define ZYGOTES_PER_ROLE 2

struct monitor {
	struct qscand *q;
	const struct spawn_spec *spec;	/* by role */
	int front;
	struct zygote z[ROLE_ID_MAX + 1][ZYGOTES_PER_ROLE];
	int live[ROLE_ID_MAX + 1][ZYGOTES_PER_ROLE];
};

static void
monitor_reply(struct monitor *m, enum mon_op op, int role, pid_t pid,
    int status, int fd)
{
	struct mon_reply r = { .op = op, .role = (uint8_t)role, .pid = pid,
	    .status = status };

	if (fd_pass_send(m->front, &r, sizeof(r), fd, 0) != sizeof(r))
		log_err("monitor: cannot tell the front: %s", strerror(errno));
}

static void
monitor_start(struct monitor *m, int role)
{
	g_autofree char *why = NULL;
	struct zygote *z;
	int slot;

	for (slot = 0; slot < ZYGOTES_PER_ROLE && m->live[role][slot]; slot++)
		;
	if (slot == ZYGOTES_PER_ROLE) {
		log_err("monitor: role %s has %d zygotes already",
		    role_id_name(role), ZYGOTES_PER_ROLE);
		monitor_reply(m, MON_FAILED, role, 0, 0, -1);
		return;
	}
	z = &m->z[role][slot];
	if (zygote_spawn(&m->spec[role], m->q->zygote_listen[role], z,
	    &why) != 0) {
		log_err("monitor: zygote %s could not start: %s",
		    role_id_name(role), why);
		monitor_reply(m, MON_FAILED, role, 0, 0, -1);
		return;
	}
	m->live[role][slot] = 1;
	log_info("zygote %s started, pid %d", role_id_name(role), (int)z->pid);
	/* The front reads its records and its log; we keep the pidfd. */
	monitor_reply(m, MON_STARTED, role, z->pid, 0, z->records_fd);
	monitor_reply(m, MON_LOG_FD, role, z->pid, 0, z->log_fd);
	close(z->records_fd);
	close(z->log_fd);
	z->records_fd = z->log_fd = -1;
}

static void
monitor_kill(struct monitor *m, int role, pid_t pid)
{
	for (int slot = 0; slot < ZYGOTES_PER_ROLE; slot++)
		if (m->live[role][slot] && m->z[role][slot].pid == pid)
			syscall(SYS_pidfd_send_signal, m->z[role][slot].pidfd,
			    SIGKILL, NULL, 0);
}

/* One request from the front: exactly 8 bytes, a known op, a role that
 * has a zygote.  0, or -1 when the front is gone. */
static int
monitor_request(struct monitor *m)
{
	struct mon_request req;
	uint8_t buf[sizeof(req) + 1];
	const char *why;
	int fd;
	ssize_t n = fd_pass_recv(m->front, buf, sizeof(buf), 0, &fd, &why);

	if (n == 0 || (n < 0 && n != FD_PASS_MALFORMED))
		return -1;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(req)) {
		log_err("monitor: a request of %zd bytes refused", n);
		return 0;
	}
	memcpy(&req, buf, sizeof(req));
	if (req.zero != 0 || req.role > ROLE_ID_MAX ||
	    m->q->zygote_path[req.role] == NULL ||
	    (req.op != MON_START && req.op != MON_KILL)) {
		log_err("monitor: request op %u role %u refused",
		    (unsigned)req.op, (unsigned)req.role);
		return 0;
	}
	if (req.op == MON_START)
		monitor_start(m, req.role);
	else
		monitor_kill(m, req.role, req.pid);
	return 0;
}

static void
monitor_reap(struct monitor *m, int role, int slot)
{
	struct zygote *z = &m->z[role][slot];
	pid_t pid = z->pid;
	int status = 0;

	zygote_reap(z, &status);
	m->live[role][slot] = 0;
	monitor_reply(m, MON_EXITED, role, pid, status, -1);
}

static void
monitor_kill_all(struct monitor *m)
{
	for (int r = 1; r <= ROLE_ID_MAX; r++)
		for (int slot = 0; slot < ZYGOTES_PER_ROLE; slot++)
			if (m->live[r][slot]) {
				int status;

				syscall(SYS_pidfd_send_signal,
				    m->z[r][slot].pidfd, SIGKILL, NULL, 0);
				zygote_reap(&m->z[r][slot], &status);
				m->live[r][slot] = 0;
			}
}

/* The file that changed since the start: the configuration or the
 * policy; NULL when neither (or when one cannot be looked at: a
 * restart would then only fail to start, so it is logged instead). */
static const char *
monitor_changed_file(const struct qscand *q)
{
	const char *paths[2] = { q->config_path, q->cfg.policy_file };
	const struct file_stamp *stamps[2] = { &q->config_stamp,
	    &q->policy_stamp };

	for (int i = 0; i < 2; i++) {
		int same;

		if (i == 1 && strcmp(q->cfg.policy_file, "none") == 0)
			continue;
		same = file_stamp_same(paths[i], stamps[i]);
		if (same == 0)
			return paths[i];
		if (same < 0)
			log_err("qscand: SIGHUP: cannot look at %s: %s; "
			    "restarting the zygotes only", paths[i],
			    strerror(errno));
	}
	return NULL;
}

/* SIGTERM and SIGINT: 1 (stop).  SIGHUP: the configuration or the policy
 * edited: 1 too, to be started anew by the supervisor, which reads them
 * as root (docs/warm.md, "Running qscand"); else on to the front, which
 * restarts the zygotes. */
static int
monitor_signal(const struct qscand *q, int sfd, pid_t front_pid)
{
	struct signalfd_siginfo si;
	const char *changed;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		if ((changed = monitor_changed_file(q)) != NULL) {
			log_info("qscand: %s changed: stopping, for the "
			    "supervisor to start qscand anew with it",
			    changed);
			kill(front_pid, SIGTERM);
			return 1;
		}
		kill(front_pid, SIGHUP);
		return 0;
	}
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
		log_info("qscand: signal %u: stopping", si.ssi_signo);
		kill(front_pid, SIGTERM);
		return 1;
	}
	return 0;
}

int
monitor_serve(struct qscand *q, const struct spawn_spec *spec,
    int front_sock, pid_t front_pid)
{
	struct monitor m = { .q = q, .spec = spec, .front = front_sock };
	struct pollfd p[2 + (ROLE_ID_MAX + 1) * ZYGOTES_PER_ROLE];
	int who[G_N_ELEMENTS(p)][2];
	int stopping = 0, status;
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	for (;;) {
		nfds_t n = 2;

		p[0] = (struct pollfd){ .fd = front_sock, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (int r = 1; r <= ROLE_ID_MAX; r++)
			for (int slot = 0; slot < ZYGOTES_PER_ROLE; slot++)
				if (m.live[r][slot]) {
					who[n][0] = r;
					who[n][1] = slot;
					p[n++] = (struct pollfd){
					    .fd = m.z[r][slot].pidfd,
					    .events = POLLIN };
				}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("monitor: poll: %s", strerror(errno));
			break;
		}
		for (nfds_t i = 2; i < n; i++)
			if (p[i].revents)
				monitor_reap(&m, who[i][0], who[i][1]);
		if (p[1].revents && monitor_signal(q, sfd, front_pid))
			stopping = 1;
		if (p[0].revents && monitor_request(&m) != 0)
			break;
	}
	/* The front is gone: its zygotes with it; the supervisor restarts
	 * us unless we were asked to stop. */
	monitor_kill_all(&m);
	while (waitpid(front_pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!stopping)
		log_err("qscand: the front ended (status %d): exiting", status);
	return stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
