/* broker: qscand's front (docs/warm.md, "Processes"): accepts the hook's
 * connections, lets in only the clients SO_PEERCRED names, forks one
 * worker per connection, and owns the zygotes' lives: asks the monitor
 * for them, reads their READY and RETIRING records, canaries each
 * through its own channel before it tells it SERVE and every
 * canary_interval_s (one that fails is killed), restarts a dead one with
 * backoff, starts a successor for one that retires, and on a reload or
 * a change of the clamav databases starts the successor beside the one
 * serving and swaps them once it is canaried (docs/warm.md, "Signature
 * updates").  No capability, not dumpable, the service filter.
 * Trusted. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "clock.h"
#include "db_watch.h"
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
/* freshclam replaces several files: the databases' stamp must stay the
 * same this long before a new engine loads them. */
#define DB_SETTLE_MS		2000

struct zslot {
	pid_t pid;		/* 0: none */
	int records_fd, log_fd;
	int canaried;		/* its canary passed: told SERVE */
	double canary_due;
	int failed;		/* a next that failed: killed, awaiting its end */
	char stamp[DB_STAMP_LEN];	/* clamav: the databases when asked */
	char since[32];		/* when it began to serve (UTC), for the log */
};

/* Zygotes retiring at once, per role: the monitor lets two of a role
 * live (ZYGOTES_PER_ROLE), so a cur may retire while the one before it
 * still finishes its children, and there is then no cur. */
#define RETIRING_MAX		2

/* Per role at most four slots, and at most two of them alive: `next`
 * is asked for only while no `old` lives (docs/warm.md, "Signature
 * updates"), a successor only while fewer than two live. */
struct front_role {
	enum role_id role;
	struct zslot cur;	/* the one that gets work */
	struct zslot next;	/* its successor, loading or canaried next */
	struct zslot old[RETIRING_MAX];	/* retiring: its log and its end */
	int starting;		/* asked the monitor, no answer yet */
	int next_wanted;	/* a reload or a database change: start next */
	char asked_stamp[DB_STAMP_LEN];	/* clamav: at the last MON_START */
	double restart_at;	/* 0: not scheduled */
	unsigned backoff_s;
};

/* The clamav databases (clamav a configured scanner only). */
struct front_db {
	int open;
	struct db_watch w;		/* w.loaded: what cur serves */
	char seen[DB_STAMP_LEN];	/* settled: stable DB_SETTLE_MS */
	char settling[DB_STAMP_LEN];	/* the stamp being watched */
	double settle_at;		/* 0: nothing settling */
	double look_at;			/* the next look without inotify */
	char failed[DB_STAMP_LEN];	/* a stamp that failed to load */
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
	struct front_db db;
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

static void
slot_move(struct zslot *to, struct zslot *from)
{
	slot_clear(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
	from->records_fd = from->log_fd = -1;
}

/* The zygotes of r alive (the monitor's count: at most two). */
static int
front_live(const struct front_role *r)
{
	int n = (r->cur.pid != 0) + (r->next.pid != 0);

	for (int i = 0; i < RETIRING_MAX; i++)
		n += r->old[i].pid != 0;
	return n;
}

/* cur retires (or was killed): into a free old slot, where its log is
 * read to its end and its exit recognised.  There is always one: two
 * live at most, cur one of them. */
static void
front_cur_to_old(struct front_role *r)
{
	int i;

	for (i = 0; i < RETIRING_MAX - 1 && r->old[i].pid != 0; i++)
		;
	slot_move(&r->old[i], &r->cur);
}

/* Now, in UTC, for a log line that names a moment. */
static void
utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		g_strlcpy(out, "?", 32);
}

/* Asks the monitor for a zygote of r's role: it goes into cur when
 * there is none, else into next.  For clamav, the databases' stamp now:
 * what the new engine loads (or fails to). */
static void
front_start(struct front *f, struct front_role *r)
{
	g_autofree char *why = NULL;

	r->starting = 1;
	r->asked_stamp[0] = '\0';
	if (r->role == ROLE_CLAMAV && f->db.open &&
	    db_watch_stamp(&f->db.w, r->asked_stamp, &why) != 0) {
		log_warn("front: %s", why);
		r->asked_stamp[0] = '\0';
	}
	front_ask(f, MON_START, r->role, 0);
}

/* cur is gone or going: next takes its place when one is on its way
 * (it serves once its READY and canary came); else 1, the caller
 * starts or schedules a successor. */
static int
front_promote_next(struct front_role *r)
{
	if (r->next.pid == 0 || r->next.failed)
		return 1;
	slot_move(&r->cur, &r->next);
	return 0;
}

/* cur said RETIRING (it stopped accepting): its successor. */
static void
front_retire(struct front *f, struct front_role *r)
{
	pid_t was = r->cur.pid;

	if (was == 0)
		return;
	front_cur_to_old(r);
	if (!front_promote_next(r) || f->stopping || r->starting ||
	    r->restart_at != 0)
		return;
	if (front_live(r) < 2) {
		front_start(f, r);
		return;
	}
	/* The one before it still finishes its children: a third would
	 * break the bound of two (two engines, for clamav).  Its end starts
	 * the successor (front_on_exited). */
	for (int i = 0; i < RETIRING_MAX; i++)
		if (r->old[i].pid != 0 && r->old[i].pid != was)
			log_info("zygote %s pid %d: retiring while pid %d "
			    "still finishes its children: a successor starts "
			    "when one of them ends", role_id_name(r->role),
			    (int)was, (int)r->old[i].pid);
}

/* next will not serve: it is left to end, and the same databases are
 * not tried again until their stamp changes (or a reload). */
static void
front_next_failed(struct front *f, struct front_role *r)
{
	r->next.failed = 1;
	r->next_wanted = 0;
	if (r->role == ROLE_CLAMAV)
		g_strlcpy(f->db.failed, r->next.stamp, DB_STAMP_LEN);
}

/* next passed its canary and serves: cur retires into old. */
static void
front_swap(struct front_role *r)
{
	pid_t was = r->cur.pid;

	if (r->cur.records_fd >= 0)
		(void)zygote_tell_retire(r->cur.records_fd);
	front_cur_to_old(r);
	slot_move(&r->cur, &r->next);
	if (was != 0)
		log_info("zygote %s pid %d: canary passed, serving; pid %d "
		    "told to retire", role_id_name(r->role), (int)r->cur.pid,
		    (int)was);
	else
		log_info("zygote %s pid %d: canary passed, serving",
		    role_id_name(r->role), (int)r->cur.pid);
}

/* The canary through z's own channel: before its first work (then, on
 * success, SERVE) and every canary interval. */
static void
front_canary(struct front *f, struct front_role *r, struct zslot *z)
{
	g_autofree char *why = NULL;
	int first = !z->canaried;
	int ok = zygote_canary(z->records_fd, r->role,
	    f->q->cfg.service_zygote_wait_ms, &why) == 0;

	if (ok && first && zygote_tell_serve(z->records_fd) != 0) {
		why = g_strdup_printf("cannot tell it to serve: %s",
		    strerror(errno));
		ok = 0;
	}
	if (ok) {
		z->canary_due = now_ms() +
		    f->q->cfg.service_canary_interval_s * 1000.0;
		if (!first)
			return;
		z->canaried = 1;
		utc_now(z->since);
		r->backoff_s = BACKOFF_MIN_S;
		if (r->role == ROLE_CLAMAV && f->db.open && z->stamp[0])
			db_watch_loaded(&f->db.w, z->stamp);
		if (z == &r->next)
			front_swap(r);
		else
			log_info("zygote %s pid %d: canary passed, serving",
			    role_id_name(r->role), (int)z->pid);
		return;
	}
	if (z == &r->next) {
		log_err("zygote %s pid %d: CANARY FAILED (%s): killing it; "
		    "pid %d serves on", role_id_name(r->role), (int)z->pid,
		    why, (int)r->cur.pid);
		front_ask(f, MON_KILL, r->role, z->pid);
		front_next_failed(f, r);
		return;
	}
	/* Not to be trusted with the children it has: killed, not retired;
	 * its successor after a backoff, as for a zygote that died. */
	log_err("zygote %s pid %d: CANARY FAILED (%s): killing it",
	    role_id_name(r->role), (int)z->pid, why);
	front_ask(f, MON_KILL, r->role, z->pid);
	front_cur_to_old(r);
	if (front_promote_next(r) && !f->stopping)
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
	if (st == ZYGOTE_READY && (z == &r->cur || z == &r->next) &&
	    !z->canaried && !z->failed) {
		log_info("zygote %s pid %d: ready", role_id_name(r->role),
		    (int)z->pid);
		front_canary(f, r, z);
	} else if (st == ZYGOTE_RETIRING && z == &r->cur) {
		log_info("zygote %s pid %d: retiring", role_id_name(r->role),
		    (int)z->pid);
		front_retire(f, r);
	} else if (st == ZYGOTE_RETIRING && z == &r->next && !z->failed) {
		log_err("zygote %s pid %d: retiring before it served: pid %d "
		    "serves on", role_id_name(r->role), (int)z->pid,
		    (int)r->cur.pid);
		front_next_failed(f, r);
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

/* What an ended zygote still had in its log pipe (why it failed), before
 * the line that says it ended. */
static void
front_drain_log(struct front_role *r, struct zslot *z)
{
	if (z->log_fd < 0 || fcntl(z->log_fd, F_SETFL, O_NONBLOCK) != 0)
		return;
	while (z->log_fd >= 0)
		front_on_log(r, z);
}

/* next ended before it served. */
static void
front_next_ended(struct front *f, struct front_role *r, int status)
{
	int code = WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status);
	const char *how = WIFSIGNALED(status) ? "signal" : "exit";

	front_drain_log(r, &r->next);
	if (r->next.failed)
		log_info("zygote %s pid %d: ended (it did not serve, %s %d)",
		    role_id_name(r->role), (int)r->next.pid, how, code);
	else if (r->role == ROLE_CLAMAV)
		log_err("zygote clamav pid %d: database %s failed to load "
		    "(%s %d): keeping the engine loaded at %s (pid %d)",
		    (int)r->next.pid, f->q->cfg.clamav_database, how, code,
		    r->cur.since, (int)r->cur.pid);
	else
		log_err("zygote %s pid %d: ended before it served (%s %d): "
		    "pid %d serves on", role_id_name(r->role),
		    (int)r->next.pid, how, code, (int)r->cur.pid);
	if (!r->next.failed)
		front_next_failed(f, r);
	slot_clear(&r->next);
}

static void
front_on_exited(struct front *f, struct front_role *r, pid_t pid, int status)
{
	for (int i = 0; i < RETIRING_MAX; i++) {
		if (r->old[i].pid != pid)
			continue;
		front_drain_log(r, &r->old[i]);
		log_info("zygote %s pid %d: ended (replaced, wait status %d)",
		    role_id_name(r->role), (int)pid, status);
		slot_clear(&r->old[i]);
		/* A successor that waited for room (front_retire). */
		if (r->cur.pid == 0 && r->next.pid == 0 && !r->starting &&
		    r->restart_at == 0 && !f->stopping)
			front_start(f, r);
		return;
	}
	if (r->next.pid == pid) {
		front_next_ended(f, r, status);
		return;
	}
	if (r->cur.pid != pid)
		return;
	front_drain_log(r, &r->cur);
	log_err("zygote %s pid %d: ended (%s %d)", role_id_name(r->role),
	    (int)pid, WIFSIGNALED(status) ? "signal" : "exit",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	slot_clear(&r->cur);
	if (front_promote_next(r) && !f->stopping)
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
	struct zslot *z;
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
		z = r->cur.pid == 0 ? &r->cur : &r->next;
		slot_clear(z);
		z->pid = rep.pid;
		z->records_fd = fd;
		g_strlcpy(z->stamp, r->asked_stamp, DB_STAMP_LEN);
		if (z == &r->next)
			log_info("zygote %s pid %d: starting beside pid %d, "
			    "which serves meanwhile", role_id_name(r->role),
			    (int)z->pid, (int)r->cur.pid);
		return 0;
	case MON_LOG_FD:
		z = r->cur.pid == rep.pid ? &r->cur : r->next.pid == rep.pid ?
		    &r->next : NULL;
		if (z != NULL && z->log_fd < 0) {
			z->log_fd = fd;
			return 0;
		}
		break;
	case MON_FAILED:
		r->starting = 0;
		if (r->cur.pid == 0) {
			if (!f->stopping)
				front_schedule_restart(r);
		} else {
			/* A next the monitor could not start: as one that
			 * failed to load. */
			log_err("zygote %s: no successor could start: pid %d "
			    "serves on", role_id_name(r->role),
			    (int)r->cur.pid);
			r->next_wanted = 0;
			if (r->role == ROLE_CLAMAV)
				g_strlcpy(f->db.failed, r->asked_stamp,
				    DB_STAMP_LEN);
		}
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
		slot_clear(&f->r[i].next);
		for (int j = 0; j < RETIRING_MAX; j++)
			slot_clear(&f->r[i].old[j]);
	}
	if (f->db.open)
		db_watch_close(&f->db.w);
	/* A waiting connection served now is still in the list. */
	for (unsigned i = 0; i < f->n_wait; i++)
		if (f->wait[i].fd != fd)
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
	/* Once per pause, not per hook: hooks waiting is what a swap must
	 * never cause (docs/warm.md, "Signature updates"). */
	if (f->n_wait == 0)
		log_info("front: %s: hooks wait (at most %u ms)", why,
		    f->q->cfg.service_zygote_wait_ms);
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

/* Something may have changed in the databases (inotify said so, or the
 * look every canary interval): the stamp now, to settle. */
static void
front_db_look(struct front *f)
{
	g_autofree char *why = NULL;
	char now[DB_STAMP_LEN];

	if (db_watch_stamp(&f->db.w, now, &why) != 0) {
		log_warn("front: %s", why);
		return;
	}
	if (f->db.settle_at == 0 && strcmp(now, f->db.seen) == 0)
		return;
	g_strlcpy(f->db.settling, now, DB_STAMP_LEN);
	f->db.settle_at = now_ms() + DB_SETTLE_MS;
}

/* A stamp that stayed DB_SETTLE_MS is seen; one that differs from what
 * cur loaded and from what failed wants a next (docs/warm.md,
 * "Signature updates"). */
static void
front_db_clock(struct front *f, double now)
{
	g_autofree char *why = NULL;
	char stamp[DB_STAMP_LEN];
	struct front_role *r = front_role_of(f, ROLE_CLAMAV);

	if (!f->db.open || r == NULL)
		return;
	if (now >= f->db.look_at) {
		f->db.look_at = now + f->q->cfg.service_canary_interval_s *
		    1000.0;
		front_db_look(f);
	}
	if (f->db.settle_at != 0 && now >= f->db.settle_at) {
		if (db_watch_stamp(&f->db.w, stamp, &why) != 0) {
			log_warn("front: %s", why);
			f->db.settle_at = now + DB_SETTLE_MS;
		} else if (strcmp(stamp, f->db.settling) == 0) {
			g_strlcpy(f->db.seen, stamp, DB_STAMP_LEN);
			f->db.settle_at = 0;
		} else {
			g_strlcpy(f->db.settling, stamp, DB_STAMP_LEN);
			f->db.settle_at = now + DB_SETTLE_MS;
		}
	}
	if (f->db.settle_at == 0 && r->cur.canaried && !r->next_wanted &&
	    !r->starting && r->next.pid == 0 &&
	    strcmp(f->db.seen, f->db.w.loaded) != 0 &&
	    strcmp(f->db.seen, f->db.failed) != 0) {
		log_info("front: the clamav databases in %s changed: a new "
		    "engine loads them while pid %d serves",
		    f->q->cfg.clamav_database, (int)r->cur.pid);
		r->next_wanted = 1;
	}
}

static void
front_clocks(struct front *f)
{
	double now = now_ms();

	front_db_clock(f, now);
	for (unsigned i = 0; i < f->n; i++) {
		struct front_role *r = &f->r[i];

		if (!f->stopping && r->cur.pid == 0 && !r->starting &&
		    r->restart_at != 0 && now >= r->restart_at &&
		    front_live(r) < 2) {
			r->restart_at = 0;
			front_start(f, r);
		}
		if (r->cur.canaried && now >= r->cur.canary_due)
			front_canary(f, r, &r->cur);
		/* A next only beside a serving cur, and never while old
		 * lives: at most two engines at once. */
		if (r->next_wanted && !f->stopping && r->cur.canaried &&
		    front_live(r) == 1 && !r->starting) {
			r->next_wanted = 0;
			front_start(f, r);
		}
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
		/* Each successor starts beside the zygote that serves and
		 * takes over once canaried: a reload is no pause. */
		log_info("front: SIGHUP: restarting the zygotes");
		for (unsigned i = 0; i < f->n; i++)
			f->r[i].next_wanted = 1;
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

/* Which slot a pollfd is about: who[i] = role index * SLOT_FDS + slot
 * * 2 (0 cur, 1 next, 2.. old) + 1 for its log; -1 the databases'
 * inotify. */
#define SLOTS		(2 + RETIRING_MAX)
#define SLOT_FDS	(SLOTS * 2)
static struct zslot *
front_slot(struct front_role *r, int which)
{
	return which == 0 ? &r->cur : which == 1 ? &r->next :
	    &r->old[which - 2];
}

/* The descriptors the loop watches: the monitor, signals, the hook's
 * socket, each zygote's records and log, the databases' inotify. */
static nfds_t
front_pollfds(struct front *f, struct pollfd *p, int *who)
{
	nfds_t n = 0;

	p[n++] = (struct pollfd){ .fd = f->mon, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = f->sfd, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = f->q->hook_listen, .events = POLLIN };
	for (unsigned i = 0; i < f->n; i++)
		for (int which = 0; which < SLOTS; which++) {
			struct zslot *z = front_slot(&f->r[i], which);

			if (z->records_fd >= 0) {
				who[n] = (int)(i * SLOT_FDS + which * 2);
				p[n++] = (struct pollfd){ .fd = z->records_fd,
				    .events = POLLIN };
			}
			if (z->log_fd >= 0) {
				who[n] = (int)(i * SLOT_FDS + which * 2 + 1);
				p[n++] = (struct pollfd){ .fd = z->log_fd,
				    .events = POLLIN };
			}
		}
	if (f->db.open && f->db.w.inotify_fd >= 0) {
		who[n] = -1;
		p[n++] = (struct pollfd){ .fd = f->db.w.inotify_fd,
		    .events = POLLIN };
	}
	return n;
}

/* clamav a configured scanner: its databases watched. */
static void
front_db_open(struct front *f)
{
	g_autofree char *why = NULL;

	if (front_role_of(f, ROLE_CLAMAV) == NULL)
		return;
	if (db_watch_open(&f->db.w, f->q->cfg.clamav_database, &why) != 0) {
		log_warn("front: not watching the clamav databases (a reload "
		    "still loads them): %s", why);
		return;
	}
	f->db.open = 1;
	g_strlcpy(f->db.seen, f->db.w.loaded, DB_STAMP_LEN);
	f->db.look_at = now_ms() + f->q->cfg.service_canary_interval_s *
	    1000.0;
	if (f->db.w.inotify_fd < 0)
		log_warn("front: no inotify on %s: the databases are looked "
		    "at every %u s", f->db.w.dir,
		    f->q->cfg.service_canary_interval_s);
}

void
front_run(struct qscand *q, int monitor_sock)
{
	struct front f = { .q = q, .mon = monitor_sock };
	struct pollfd p[4 + (1 + SCANNERS_MAX) * SLOT_FDS];
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
		r->next.records_fd = r->next.log_fd = -1;
		for (int j = 0; j < RETIRING_MAX; j++)
			r->old[j].records_fd = r->old[j].log_fd = -1;
	}
	front_db_open(&f);
	for (unsigned i = 0; i < f.n; i++)
		front_start(&f, &f.r[i]);
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
			struct front_role *r;
			struct zslot *z;

			if (!p[i].revents)
				continue;
			if (who[i] < 0) {
				if (db_watch_drain(&f.db.w))
					front_db_look(&f);
				continue;
			}
			r = &f.r[who[i] / SLOT_FDS];
			z = front_slot(r, (who[i] % SLOT_FDS) / 2);
			/* An earlier event this round may have closed it. */
			if (who[i] % 2 == 0 && z->records_fd == p[i].fd)
				front_on_records(&f, r, z);
			else if (who[i] % 2 == 1 && z->log_fd == p[i].fd)
				front_on_log(r, z);
		}
		front_clocks(&f);
	}
}
