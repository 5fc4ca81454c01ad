/* broker: qscand's front (docs/warm.md, "Processes"): accepts the hook's
 * connections, lets in only the clients SO_PEERCRED names, forks one
 * worker per connection, and owns the zygotes' lives: asks the monitor
 * for them, reads their READY and RETIRING records, canaries each before
 * its first message and every canary_interval_s (one that fails is
 * killed), restarts a dead one with backoff, starts a successor for one
 * that retires.  No capability,
 * not dumpable, the service filter.  Trusted. */
#include <cap-ng.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "clock.h"
#include "fd_pass.h"
#include "log.h"
#include "qscand.h"
#include "sandbox.h"
#include "warm_child.h"
#include "zygote_spawn.h"

#define BACKOFF_MIN_S		1
#define BACKOFF_MAX_S		60
/* SIGTERM: how long the workers in flight may take to finish. */
#define STOP_WAIT_MS		(60 * 1000)
/* Workers at once; a connection beyond waits in the backlog. */
#define WORKERS_MAX		256
/* Connections waiting for a zygote of every role. */
#define PENDING_MAX		256
/* How often the loop looks at its clocks (restarts, canaries, waits). */
#define TICK_MS			100

struct zslot {
	pid_t pid;		/* 0: none */
	int records_fd, log_fd;
	int canaried;
	double canary_due;
};

struct front_role {
	enum role_id role;
	struct zslot cur;	/* the one that gets work */
	struct zslot old;	/* retiring: its log and its end only */
	int starting;		/* asked the monitor, no answer yet */
	double restart_at;	/* 0: not scheduled */
	unsigned backoff_s;
};

struct pending {
	int fd;
	uid_t uid;
	double deadline;
};

struct front {
	struct qscand *q;
	int mon, sfd;
	struct front_role r[1 + SCANNERS_MAX];
	unsigned n;
	struct pending wait[PENDING_MAX];
	unsigned n_wait;
	unsigned n_workers;
	int stopping;
	double stop_deadline;
};

static void
slot_clear(struct zslot *z)
{
	if (z->records_fd >= 0)
		close(z->records_fd);
	if (z->log_fd >= 0)
		close(z->log_fd);
	memset(z, 0, sizeof(*z));
	z->records_fd = z->log_fd = -1;
}

/* No capability in any set (the bounding set too when the kernel lets
 * us), checked with capget; not dumpable; the service filter. */
static int
front_lockdown(char **why)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	const char *swhy;

	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) != 0 &&
	    capng_apply(CAPNG_SELECT_CAPS) != 0) {
		*why = g_strdup("cannot clear capabilities");
		return -1;
	}
	for (unsigned long cap = 0; cap <= CAP_LAST_CAP; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	if (syscall(SYS_capget, &hdr, data) != 0 ||
	    data[0].permitted || data[1].permitted || data[0].effective ||
	    data[1].effective || data[0].inheritable || data[1].inheritable) {
		*why = g_strdup("capabilities remain after the drop");
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0) != 0) {
		*why = g_strdup("cannot clear dumpable");
		return -1;
	}
	if (sandbox_service_filter_install(&swhy) != 0) {
		*why = g_strdup(swhy);
		return -1;
	}
	return 0;
}

static void
front_ask(struct front *f, enum mon_op op, enum role_id role, pid_t pid)
{
	struct mon_request req = { .op = op, .role = (uint8_t)role,
	    .pid = pid };

	if (fd_pass_send(f->mon, &req, sizeof(req), -1, 0) != sizeof(req))
		log_err("front: cannot ask the monitor: %s", strerror(errno));
}

static struct front_role *
front_role_of(struct front *f, unsigned role)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->r[i].role == role)
			return &f->r[i];
	return NULL;
}

static void
front_schedule_restart(struct front_role *r)
{
	r->restart_at = now_ms() + r->backoff_s * 1000.0;
	log_info("zygote %s: next start in %u s", role_id_name(r->role),
	    r->backoff_s);
	r->backoff_s = MIN(r->backoff_s * 2, BACKOFF_MAX_S);
}

/* cur stops getting work: told to retire, a successor asked for. */
static void
front_retire(struct front *f, struct front_role *r, int tell)
{
	if (r->cur.pid == 0)
		return;
	if (tell && r->cur.records_fd >= 0)
		zygote_tell_retire(r->cur.records_fd);
	slot_clear(&r->old);
	r->old = r->cur;
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.records_fd = r->cur.log_fd = -1;
	if (!f->stopping && !r->starting && r->restart_at == 0) {
		r->starting = 1;
		front_ask(f, MON_START, r->role, 0);
	}
}

static void
front_canary(struct front *f, struct front_role *r)
{
	g_autofree char *why = NULL;

	if (zygote_canary(f->q->zygote_path[r->role], r->role,
	    f->q->cfg.service_zygote_wait_ms, &why) == 0) {
		if (!r->cur.canaried)
			log_info("zygote %s pid %d: canary passed, serving",
			    role_id_name(r->role), (int)r->cur.pid);
		r->cur.canaried = 1;
		r->cur.canary_due = now_ms() +
		    f->q->cfg.service_canary_interval_s * 1000.0;
		r->backoff_s = BACKOFF_MIN_S;
		return;
	}
	/* Not to be trusted with the children it has: killed, not retired;
	 * its successor after a backoff, as for a zygote that died. */
	log_err("zygote %s pid %d: CANARY FAILED (%s): killing it",
	    role_id_name(r->role), (int)r->cur.pid, why);
	front_ask(f, MON_KILL, r->role, r->cur.pid);
	slot_clear(&r->old);
	r->old = r->cur;
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.records_fd = r->cur.log_fd = -1;
	if (!f->stopping)
		front_schedule_restart(r);
}

static void
front_on_records(struct front *f, struct front_role *r, struct zslot *z)
{
	g_autofree char *why = NULL;
	enum zygote_status st;

	if (zygote_read_status(z->records_fd, &st, &why) != 0) {
		/* It is ending: the monitor tells us when it is reaped. */
		close(z->records_fd);
		z->records_fd = -1;
		return;
	}
	if (st == ZYGOTE_READY && z == &r->cur) {
		log_info("zygote %s pid %d: ready", role_id_name(r->role),
		    (int)z->pid);
		front_canary(f, r);
	} else if (st == ZYGOTE_RETIRING && z == &r->cur) {
		log_info("zygote %s pid %d: retiring", role_id_name(r->role),
		    (int)z->pid);
		front_retire(f, r, 0);
	}
}

/* A zygote's log lines (its own and its children's), relayed. */
static void
front_on_log(struct front_role *r, struct zslot *z)
{
	char buf[4096];
	ssize_t n = read(z->log_fd, buf, sizeof(buf) - 1);
	char *line, *save = NULL;

	if (n <= 0) {
		close(z->log_fd);
		z->log_fd = -1;
		return;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		g_autoptr(GString) safe = g_string_new(NULL);

		log_escape_text(safe, line);
		log_info("zygote %s pid %d: %s", role_id_name(r->role),
		    (int)z->pid, safe->str);
	}
}

static void
front_on_exited(struct front *f, struct front_role *r, pid_t pid, int status)
{
	if (r->old.pid == pid) {
		log_info("zygote %s pid %d: ended (replaced, wait status %d)",
		    role_id_name(r->role), (int)pid, status);
		slot_clear(&r->old);
		return;
	}
	if (r->cur.pid != pid)
		return;
	log_err("zygote %s pid %d: ended (%s %d)", role_id_name(r->role),
	    (int)pid, WIFSIGNALED(status) ? "signal" : "exit",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	slot_clear(&r->cur);
	if (!f->stopping)
		front_schedule_restart(r);
}

/* One reply of the monitor (fixed size); -1 when the monitor is gone. */
static int
front_on_monitor(struct front *f)
{
	struct mon_reply rep;
	uint8_t buf[sizeof(rep) + 1];
	const char *why;
	struct front_role *r;
	int fd;
	ssize_t n = fd_pass_recv(f->mon, buf, sizeof(buf), 0, &fd, &why);

	if (n == 0 || (n < 0 && n != FD_PASS_MALFORMED))
		return -1;
	memcpy(&rep, buf, MIN((size_t)MAX(n, 0), sizeof(rep)));
	if (n != (ssize_t)sizeof(rep) || (r = front_role_of(f, rep.role)) ==
	    NULL) {
		if (fd >= 0)
			close(fd);
		log_err("front: a reply of the monitor refused");
		return 0;
	}
	switch (rep.op) {
	case MON_STARTED:
		r->starting = 0;
		r->restart_at = 0;
		slot_clear(&r->cur);
		r->cur.pid = rep.pid;
		r->cur.records_fd = fd;
		return 0;
	case MON_LOG_FD:
		if (r->cur.pid == rep.pid && r->cur.log_fd < 0) {
			r->cur.log_fd = fd;
			return 0;
		}
		break;
	case MON_FAILED:
		r->starting = 0;
		if (!f->stopping)
			front_schedule_restart(r);
		break;
	case MON_EXITED:
		front_on_exited(f, r, rep.pid, rep.status);
		break;
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Every role's current zygote canaried; else *why names the first not. */
static int
front_ready(struct front *f, char *why, size_t n)
{
	for (unsigned i = 0; i < f->n; i++)
		if (!f->r[i].cur.canaried) {
			snprintf(why, n, "no canaried zygote for role %s",
			    role_id_name(f->r[i].role));
			return 0;
		}
	return 1;
}

static int
peer_allowed(const struct qscand *q, const struct ucred *c)
{
	if (c->uid == 0 || c->uid == q->privs.uid)
		return 1;
	for (unsigned i = 0; i < q->n_client_uids; i++)
		if (q->client_uid[i] == c->uid)
			return 1;
	return q->client_gid != (gid_t)-1 && c->gid == q->client_gid;
}

/* The worker's process: nothing of the front's but the connection. */
static void
front_fork_worker(struct front *f, int fd, uid_t uid)
{
	char why[128] = "";
	int ready = front_ready(f, why, sizeof(why));
	pid_t pid;
	sigset_t none;

	if (f->n_workers >= WORKERS_MAX) {
		ready = 0;
		snprintf(why, sizeof(why), "%u messages in flight already",
		    f->n_workers);
	}
	if ((pid = fork()) < 0) {
		log_err("front: fork: %s", strerror(errno));
		close(fd);
		return;
	}
	if (pid > 0) {
		close(fd);
		f->n_workers++;
		return;
	}
	close(f->q->hook_listen);
	close(f->mon);
	close(f->sfd);
	for (unsigned i = 0; i < f->n; i++) {
		slot_clear(&f->r[i].cur);
		slot_clear(&f->r[i].old);
	}
	for (unsigned i = 0; i < f->n_wait; i++)
		close(f->wait[i].fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	worker_run(f->q, fd, uid, ready, why);
}

static void
front_accept(struct front *f)
{
	struct ucred c;
	socklen_t len = sizeof(c);
	int fd = accept4(f->q->hook_listen, NULL, NULL, SOCK_CLOEXEC);
	char why[128];

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0 ||
	    !peer_allowed(f->q, &c)) {
		log_warn("front: peer uid %u gid %u pid %d is no client "
		    "(service.client_users, client_group): closed",
		    (unsigned)c.uid, (unsigned)c.gid, (int)c.pid);
		close(fd);
		return;
	}
	if (front_ready(f, why, sizeof(why)) || f->n_wait == PENDING_MAX) {
		front_fork_worker(f, fd, c.uid);
		return;
	}
	f->wait[f->n_wait++] = (struct pending){ fd, c.uid,
	    now_ms() + f->q->cfg.service_zygote_wait_ms };
}

/* Waiting connections: served once ready, or told FALLBACK (by their
 * worker) when their wait is over. */
static void
front_pending(struct front *f)
{
	char why[128];
	int ready = front_ready(f, why, sizeof(why));
	double now = now_ms();
	unsigned kept = 0;

	for (unsigned i = 0; i < f->n_wait; i++) {
		struct pending p = f->wait[i];

		if (ready || f->stopping || now >= p.deadline)
			front_fork_worker(f, p.fd, p.uid);
		else
			f->wait[kept++] = p;
	}
	f->n_wait = kept;
}

static void
front_clocks(struct front *f)
{
	double now = now_ms();

	for (unsigned i = 0; i < f->n; i++) {
		struct front_role *r = &f->r[i];

		if (!f->stopping && r->cur.pid == 0 && !r->starting &&
		    r->restart_at != 0 && now >= r->restart_at) {
			r->restart_at = 0;
			r->starting = 1;
			front_ask(f, MON_START, r->role, 0);
		}
		if (r->cur.canaried && now >= r->cur.canary_due)
			front_canary(f, r);
	}
	front_pending(f);
}

static void
front_on_signal(struct front *f)
{
	struct signalfd_siginfo si;

	if (read(f->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGCHLD:
		while (waitpid(-1, NULL, WNOHANG) > 0)
			if (f->n_workers > 0)
				f->n_workers--;
		break;
	case SIGHUP:
		log_info("front: SIGHUP: restarting the zygotes");
		for (unsigned i = 0; i < f->n; i++)
			front_retire(f, &f->r[i], 1);
		break;
	case SIGTERM:
	case SIGINT:
		if (f->stopping)
			break;
		log_info("front: stopping: no new connection, %u in flight",
		    f->n_workers);
		f->stopping = 1;
		f->stop_deadline = now_ms() + STOP_WAIT_MS;
		close(f->q->hook_listen);
		f->q->hook_listen = -1;
		break;
	default:
		break;
	}
}

/* The descriptors the loop watches: the monitor, signals, the hook's
 * socket, each zygote's records and log.  Which zygote a pollfd is
 * about: who[i] (role index * 2 + 0 cur / 1 old, *2 + 1 for the log). */
static nfds_t
front_pollfds(struct front *f, struct pollfd *p, int *who)
{
	nfds_t n = 0;

	p[n++] = (struct pollfd){ .fd = f->mon, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = f->sfd, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = f->q->hook_listen, .events = POLLIN };
	for (unsigned i = 0; i < f->n; i++)
		for (int which = 0; which < 2; which++) {
			struct zslot *z = which ? &f->r[i].old : &f->r[i].cur;

			if (z->records_fd >= 0) {
				who[n] = (int)(i * 4 + which * 2);
				p[n++] = (struct pollfd){ .fd = z->records_fd,
				    .events = POLLIN };
			}
			if (z->log_fd >= 0) {
				who[n] = (int)(i * 4 + which * 2 + 1);
				p[n++] = (struct pollfd){ .fd = z->log_fd,
				    .events = POLLIN };
			}
		}
	return n;
}

void
front_run(struct qscand *q, int monitor_sock)
{
	struct front f = { .q = q, .mon = monitor_sock };
	struct pollfd p[3 + (1 + SCANNERS_MAX) * 4];
	int who[G_N_ELEMENTS(p)];
	g_autofree char *why = NULL;
	sigset_t set;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((f.sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    front_lockdown(&why) != 0) {
		log_err("front: %s", why ? why : "signalfd failed");
		_exit(1);
	}
	for (unsigned i = 0; i < q->n_roles; i++) {
		struct front_role *r = &f.r[f.n++];

		r->role = q->roles[i];
		r->backoff_s = BACKOFF_MIN_S;
		r->cur.records_fd = r->cur.log_fd = -1;
		r->old.records_fd = r->old.log_fd = -1;
		r->starting = 1;
		front_ask(&f, MON_START, r->role, 0);
	}
	log_info("front: listening on %s", q->cfg.service_socket);
	for (;;) {
		nfds_t n = front_pollfds(&f, p, who);

		if (f.stopping && (f.n_workers == 0 ||
		    now_ms() >= f.stop_deadline)) {
			log_info("front: stopped (%u in flight left)",
			    f.n_workers);
			_exit(0);
		}
		if (poll(p, n, TICK_MS) < 0 && errno != EINTR) {
			log_err("front: poll: %s", strerror(errno));
			_exit(1);
		}
		if (p[0].revents && front_on_monitor(&f) != 0) {
			log_err("front: the monitor is gone: exiting");
			_exit(1);
		}
		if (p[1].revents)
			front_on_signal(&f);
		if (p[2].fd >= 0 && p[2].revents)
			front_accept(&f);
		for (nfds_t i = 3; i < n; i++) {
			struct front_role *r = &f.r[who[i] / 4];
			struct zslot *z = (who[i] / 2) % 2 ? &r->old : &r->cur;

			if (!p[i].revents)
				continue;
			/* An earlier event this round may have closed it. */
			if (who[i] % 2 == 0 && z->records_fd == p[i].fd)
				front_on_records(&f, r, z);
			else if (who[i] % 2 == 1 && z->log_fd == p[i].fd)
				front_on_log(r, z);
		}
		front_clocks(&f);
	}
}
