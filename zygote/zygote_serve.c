/* zygote: the zygote's event loop (accept, fork, answer, reap, retire)
 * and what its children do between the fork and the role's own code;
 * untrusted, runs as the role (docs/warm.md, "Zygotes and their
 * children"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd_pass.h"
#include "qscan_limits.h"
#include "role_runtime.h"
#include "sandbox.h"
#include "zygote_proto.h"
#include "zygote_serve.h"

/* Where a child's descriptors wait before they go to ROLE_FD_*. */
#define ZYG_LIFT_FD	16
/* What the canary child exits with when its forbidden call returned. */
#define ZYG_CANARY_SURVIVED	3
#define ZYG_DIR_MAX	96
/* A spare's name (comm) until its request comes. */
#define ZYG_SPARE_COMM	"qscan-spare"
/* How deep remove_tree goes into what a child left (libclamav nests a
 * directory per container level, bounded by clamav.max_recursion). */
#define ZYG_RMTREE_DEPTH	64

struct zslot {
	int conn;		/* -1: free */
	int pidfd;		/* -1: no child yet (request awaited) */
	pid_t pid;
	uint32_t serial;
	int conn_done;		/* its end of file or excess seen */
	double since;		/* accepted at, ms */
	char dir[ZYG_DIR_MAX];	/* the child's scratch directory, or "" */
};

/* The spare: a child forked ahead of its request, waiting on its own
 * socketpair for the request's descriptors, so that the fork is not on
 * a message's path (docs/warm.md, "Zygotes and their children"). */
struct zspare {
	int pidfd;		/* -1: none */
	pid_t pid;
	int ctl;		/* our end of its socketpair */
	char dir[ZYG_DIR_MAX];	/* its scratch directory, or "" */
};

struct zygote {
	const struct zygote_role *z;
	const struct role_profile *prof;
	struct zslot slot[ZYGOTE_CHILDREN_MAX];
	struct zspare spare;
	unsigned busy;		/* slots in use */
	uint32_t forked;	/* children so far (their serials) */
	uint32_t made;		/* processes forked, spares included */
	int retiring;
	int serving;		/* ZYG_SERVE came: fd 0 is ours to accept */
	int starter_open;	/* fd 1 still readable */
	int devnull;
	pid_t self;
};

static double
zy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
zy_send_status(enum zyg_type type, enum role_id role, uint32_t max,
    enum zyg_retire_why why)
{
	struct zyg_msg m = { .type = type, .role = role,
	    .max_children = max, .why = why };
	uint8_t buf[ZYG_MSG_MAX];
	size_t len = zyg_encode(&m, buf);

	if (fd_pass_send(ROLE_FD_RECORDS, buf, len, -1, 0) != (ssize_t)len)
		role_log("zygote: cannot tell my starter: %s", strerror(errno));
}

static void spare_end(struct zygote *zy);

static void
zy_retire(struct zygote *zy, enum zyg_retire_why why)
{
	if (zy->retiring)
		return;
	zy->retiring = 1;
	spare_end(zy);
	role_log("zygote %s retires after %u children: %s", zy->prof->name,
	    (unsigned)zy->forked, zyg_retire_why_name(why));
	zy_send_status(ZYG_RETIRING, zy->z->role, 0, why);
	/* Connections waiting for a request are not ours to serve any
	 * more: their workers see end of file and ask again (the backlog
	 * goes to our successor). */
	for (unsigned i = 0; i < ZYGOTE_CHILDREN_MAX; i++) {
		struct zslot *s = &zy->slot[i];

		if (s->conn >= 0 && s->pidfd < 0) {
			close(s->conn);
			s->conn = -1;
			zy->busy--;
		}
	}
}

/* ---- the child ---------------------------------------------------------- */

static void __attribute__((noreturn))
child_fail(const char *what)
{
	role_log("zygote child: %s: %s", what, strerror(errno));
	_exit(ROLE_EXIT_INIT);
}

/* The kernel's OOM killer takes us before our zygote: where the worker
 * cannot move us into a cgroup of our own (cgroup v1), we share the
 * zygote's memory limit, and the pages of our memfds count in no
 * process's size, so the zygote, the larger process, would be chosen.
 * Raising one's own score needs no privilege.  A failure costs only
 * that preference: logged, not fatal. */
static void
child_oom_first(void)
{
	int fd;

	/* Our /proc files are root's while we are not dumpable: dumpable
	 * for the one write, before any message byte is here, and not
	 * again after (or we do not go on). */
	if (prctl(PR_SET_DUMPABLE, 1) != 0)
		child_fail("dumpable");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1000", 4) != 4)
		role_log("zygote child: oom_score_adj: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		child_fail("not dumpable");
}

/* fds[] (records, log, [message], [peer] as the bits say) at ROLE_FD_*,
 * /dev/null on fd 0 when no message came, nothing else open. */
static void
child_place_fds(struct zygote *zy, const int *fds, unsigned bits)
{
	int lifted[FD_PASS_FDS_MAX + 1], n = 0;
	int msg = -1, peer = -1;

	for (unsigned i = 0; i < zyg_fd_count(bits); i++)
		if ((lifted[n++] = fcntl(fds[i], F_DUPFD_CLOEXEC,
		    ZYG_LIFT_FD)) < 0)
			child_fail("descriptors");
	if (bits & ZYG_FD_MESSAGE)
		msg = lifted[2];
	if (bits & ZYG_FD_PEER)
		peer = lifted[(bits & ZYG_FD_MESSAGE) ? 3 : 2];
	if (msg < 0 && (msg = fcntl(zy->devnull, F_DUPFD_CLOEXEC,
	    ZYG_LIFT_FD)) < 0)
		child_fail("descriptors");
	if (dup2(msg, ROLE_FD_MESSAGE) < 0 ||
	    dup2(lifted[0], ROLE_FD_RECORDS) < 0 ||
	    dup2(lifted[1], ROLE_FD_LOG) < 0 ||
	    (peer >= 0 && dup2(peer, ROLE_FD_PEER) < 0))
		child_fail("descriptors");
	if (syscall(SYS_close_range, peer >= 0 ? ROLE_FD_PEER + 1 :
	    ROLE_FD_PEER, ~0U, 0) != 0)
		child_fail("close_range");
}

/* The worker's REC_SETTINGS, sent once the child is in its cgroup: the
 * go.  Refused unless they are the zygote's but for warm and its count. */
static void
child_await_settings(struct zygote *zy)
{
	static struct role_settings child_set;
	const char *name = NULL;

	role_read_settings(zy->z->role, 1, &child_set);
	if (role_settings_differ(zy->z->role, zy->z->set, &child_set,
	    &name)) {
		role_log("settings refused: %s differs from the zygote's "
		    "(a child is the role its zygote initialised)", name);
		_exit(ROLE_EXIT_USAGE);
	}
	if (zy->z->child_set != NULL)
		*zy->z->child_set = child_set;
}

/* The canary: the role's full lockdown, then what it must kill. */
static void __attribute__((noreturn))
child_canary(struct zygote *zy, enum zyg_kind kind, const char *dir)
{
	/* getppid is not on the final list: ask before. */
	pid_t zygote_pid = getppid();
	const char *why = "unknown";
	long rc;

	if (sandbox_role_lockdown_dir(zy->z->role, dir, &why) != 0) {
		role_log("canary: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	if (kind == ZYG_KIND_CANARY_SIGNAL) {
		/* Harmless should it pass (the zygote is pid 1 of its
		 * namespace, which ignores a signal it has no handler for);
		 * the filter must kill it for naming another pid. */
		rc = syscall(SYS_tgkill, zygote_pid, zygote_pid, SIGABRT);
		role_log("canary: tgkill(SIGABRT) at the zygote returned %ld: "
		    "the final filter did not kill the child", rc);
	} else {
		rc = socket(AF_UNIX, SOCK_STREAM, 0);
		role_log("canary: socket(AF_UNIX) returned %ld: the final "
		    "filter did not kill the child", rc);
	}
	_exit(ZYG_CANARY_SURVIVED);
}

static void __attribute__((noreturn))
child_run(struct zygote *zy, const struct zyg_msg *req, const int *fds,
    const char *dir)
{
	/* Die with the zygote; it may have died before this line. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail("pdeathsig");
	if (getppid() != zy->self)
		_exit(ROLE_EXIT_INIT);
	child_oom_first();
	child_place_fds(zy, fds, req->fds);
	if (req->kind == ZYG_KIND_ROLE)
		child_await_settings(zy);
	/* Every rlimit the spawner set for an exec'd role, with the
	 * per-message ones the zygote itself does not carry. */
	if (sandbox_rlimits_apply(zy->prof) != 0)
		child_fail("rlimits");
	if (req->kind != ZYG_KIND_ROLE)
		child_canary(zy, req->kind, dir);
	zy->z->child_main(dir);
	_exit(ROLE_EXIT_INIT);	/* child_main does not return */
}

/* The spare between its fork and its request.  It keeps nothing of the
 * zygote's but its log, /dev/null and its channel: a copy of another slot's
 * connection would keep that connection's end of file from the zygote,
 * and a copy of the listening socket or the starter's channel is no
 * child's business.  A request is the worker's datagram as the zygote
 * took it, with its descriptors; end of file is the zygote retiring. */
static void __attribute__((noreturn))
spare_wait(struct zygote *zy, int ctl, const char *dir)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	int fds[FD_PASS_FDS_MAX];
	unsigned nfds = 0;
	const char *why = "receive failed";
	struct zyg_msg req;
	char comm[17] = "";
	int dn, c;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail("pdeathsig");
	if (getppid() != zy->self)
		_exit(ROLE_EXIT_INIT);
	/* Named for what it is while it waits (ps, the tests): a spare is
	 * no message's child yet. */
	(void)prctl(PR_GET_NAME, comm);
	(void)prctl(PR_SET_NAME, ZYG_SPARE_COMM);
	dn = fcntl(zy->devnull, F_DUPFD_CLOEXEC, 64);
	c = fcntl(ctl, F_DUPFD_CLOEXEC, 64);
	if (dn < 0 || c < 0 || dup3(c, 3, O_CLOEXEC) < 0 ||
	    dup3(dn, 4, O_CLOEXEC) < 0 || dup2(4, 0) < 0 || dup2(4, 1) < 0 ||
	    syscall(SYS_close_range, 5, ~0U, 0) != 0)
		child_fail("spare descriptors");
	zy->devnull = 4;
	if (zy->z->spare_prepare != NULL)
		zy->z->spare_prepare();
	do
		n = fd_pass_recv_fds(3, buf, sizeof(buf), 0, fds,
		    FD_PASS_FDS_MAX, &nfds, &why);
	while (n < 0 && n != FD_PASS_MALFORMED && errno == EINTR);
	if (n == 0 && nfds == 0)
		_exit(ROLE_EXIT_OK);
	if (n < 0 || zyg_decode(buf, (size_t)n, nfds, &req, &why) != 0) {
		role_log("zygote spare: request refused: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	close(3);
	(void)prctl(PR_SET_NAME, comm);
	child_run(zy, &req, fds, dir[0] ? dir : NULL);
}

/* ---- the zygote ------------------------------------------------------- */

/* Removes what a child left beneath its scratch directory, and it, at
 * most ZYG_RMTREE_DEPTH levels down: a hostile child's tower of
 * directories costs the zygote no stack and no descriptors beyond that,
 * and what stays below goes with the zygote's tmpfs. */
static void
remove_tree(int parent, const char *name, unsigned depth)
{
	int fd;
	DIR *d;
	struct dirent *e;

	if (depth > ZYG_RMTREE_DEPTH) {
		role_log("zygote: a child's scratch directory nests deeper "
		    "than %u levels; the rest stays until I exit",
		    (unsigned)ZYG_RMTREE_DEPTH);
		return;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		(void)unlinkat(parent, name, 0);
		return;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR)
			remove_tree(dirfd(d), e->d_name, depth + 1);
		else
			(void)unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	(void)unlinkat(parent, name, AT_REMOVEDIR);
}

static void
slot_free(struct zygote *zy, struct zslot *s)
{
	if (s->conn >= 0)
		close(s->conn);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->dir[0] != '\0')
		remove_tree(AT_FDCWD, s->dir, 0);
	memset(s, 0, sizeof(*s));
	s->conn = s->pidfd = -1;
	zy->busy--;
}

static void
close_fds(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/* A spare is worth forking while we serve and children are left. */
static int
spare_wanted(const struct zygote *zy)
{
	return zy->serving && !zy->retiring && zy->spare.pidfd < 0 &&
	    zy->forked < zy->z->set->zygote_max_children;
}

/* The scratch directory of the next process forked, named by their
 * count ("" for a profile without one). */
static void
child_dir_name(const struct zygote *zy, char *dir, size_t cap)
{
	dir[0] = '\0';
	if (zy->prof->tmpfs_dir != NULL)
		snprintf(dir, cap, "%s/child-%u", zy->prof->tmpfs_dir,
		    (unsigned)zy->made + 1);
}

/* Makes it, when there is one to make: only once a request is here, so
 * that no directory stands for a child without a message.  0 or -1. */
static int
child_dir_make(char *dir)
{
	if (dir[0] == '\0' || mkdir(dir, 0700) == 0)
		return 0;
	role_log("zygote: %s: %s", dir, strerror(errno));
	dir[0] = '\0';
	return -1;
}

static void
spare_fork(struct zygote *zy)
{
	struct zspare *sp = &zy->spare;
	int pair[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
		role_log("zygote: spare: socketpair: %s", strerror(errno));
		return;
	}
	child_dir_name(zy, sp->dir, sizeof(sp->dir));
	pid = fork();
	if (pid == 0) {
		close(pair[0]);
		spare_wait(zy, pair[1], sp->dir);
	}
	close(pair[1]);
	zy->made++;
	sp->ctl = pair[0];
	sp->pid = pid;
	sp->pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (sp->pidfd < 0) {
		role_log("zygote: spare: %s: %s", pid < 0 ? "fork" :
		    "pidfd_open", strerror(errno));
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		sp->pidfd = -1;
		spare_end(zy);
	}
}

/* The spare goes (retiring, or it died): killed if alive, reaped, its
 * directory removed. */
static void
spare_end(struct zygote *zy)
{
	struct zspare *sp = &zy->spare;
	siginfo_t si;

	if (sp->pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, sp->pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)sp->pidfd, &si, WEXITED);
		close(sp->pidfd);
	}
	if (sp->ctl >= 0)
		close(sp->ctl);
	if (sp->dir[0] != '\0')
		remove_tree(AT_FDCWD, sp->dir, 0);
	memset(sp, 0, sizeof(*sp));
	sp->pidfd = sp->ctl = -1;
}

/* The request on slot s handed to the spare: it becomes the slot's
 * child.  0, or -1 (the spare is gone: the caller forks). */
static int
spare_take(struct zygote *zy, struct zslot *s, const uint8_t *req,
    size_t len, const int *fds, unsigned nfds)
{
	struct zspare *sp = &zy->spare;

	if (sp->pidfd < 0)
		return -1;
	if (child_dir_make(sp->dir) != 0) {
		spare_end(zy);
		return -1;
	}
	if (fd_pass_send_fds(sp->ctl, req, len, fds, nfds, MSG_DONTWAIT) !=
	    (ssize_t)len) {
		role_log("zygote: spare: cannot hand it the request: %s",
		    strerror(errno));
		spare_end(zy);
		return -1;
	}
	close(sp->ctl);
	s->pid = sp->pid;
	s->pidfd = sp->pidfd;
	memcpy(s->dir, sp->dir, sizeof(s->dir));
	memset(sp, 0, sizeof(*sp));
	sp->pidfd = sp->ctl = -1;
	return 0;
}

/* One request on slot s: decoded, forked, answered. */
static void
take_request(struct zygote *zy, struct zslot *s)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	int fds[FD_PASS_FDS_MAX];
	unsigned nfds = 0;
	const char *why = "receive failed";
	struct zyg_msg req, ans;
	ssize_t n;
	pid_t pid;

	n = fd_pass_recv_fds(s->conn, buf, sizeof(buf), MSG_DONTWAIT, fds,
	    FD_PASS_FDS_MAX, &nfds, &why);
	if (n < 0 && n != FD_PASS_MALFORMED && errno == EAGAIN)
		return;
	if (n == 0 && nfds == 0) {
		slot_free(zy, s);	/* the worker gave up */
		return;
	}
	if (n < 0 || zyg_decode(buf, (size_t)n, nfds, &req, &why) != 0 ||
	    (req.type != ZYG_REQUEST && (why = "not a request")) ||
	    (req.role != zy->z->role && (why = "a request for another "
	    "role"))) {
		role_log("zygote: request refused: %s", why);
		close_fds(fds, nfds);
		slot_free(zy, s);
		return;
	}
	if (req.kind == ZYG_KIND_ROLE &&
	    spare_take(zy, s, buf, (size_t)n, fds, nfds) == 0) {
		close_fds(fds, nfds);
		goto forked;
	}
	child_dir_name(zy, s->dir, sizeof(s->dir));
	if (child_dir_make(s->dir) != 0) {
		close_fds(fds, nfds);
		slot_free(zy, s);
		return;
	}
	pid = fork();
	if (pid == 0)
		child_run(zy, &req, fds, s->dir[0] ? s->dir : NULL);
	close_fds(fds, nfds);
	zy->made++;
	if (pid < 0) {
		role_log("zygote: fork: %s", strerror(errno));
		slot_free(zy, s);
		return;
	}
	s->pid = pid;
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd < 0) {
		/* Our own unreaped child: only a lack of descriptors. */
		role_log("zygote: pidfd_open: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		slot_free(zy, s);
		return;
	}
forked:
	s->serial = ++zy->forked;
	memset(&ans, 0, sizeof(ans));
	ans.type = ZYG_FORKED;
	ans.serial = s->serial;
	n = (ssize_t)zyg_encode(&ans, buf);
	if (fd_pass_send(s->conn, buf, (size_t)n, s->pidfd, MSG_DONTWAIT) != n) {
		syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		s->conn_done = 1;
	}
	if (zy->forked >= zy->z->set->zygote_max_children)
		zy_retire(zy, ZYG_RETIRE_MAX_CHILDREN);
}

/* Anything on a connection whose child runs (its end of file, a
 * shutdown, or bytes it should not send) kills the child: the worker's
 * deadline, or the worker gone. */
static void
take_hangup(struct zslot *s)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	int fds[FD_PASS_FDS_MAX];
	unsigned nfds = 0;
	const char *why;
	ssize_t n;

	n = fd_pass_recv_fds(s->conn, buf, sizeof(buf), MSG_DONTWAIT, fds,
	    FD_PASS_FDS_MAX, &nfds, &why);
	if (n < 0 && n != FD_PASS_MALFORMED && errno == EAGAIN)
		return;
	close_fds(fds, nfds);
	syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
	s->conn_done = 1;
}

static int
is_crash(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status == ROLE_EXIT_ABORT;
	return si->si_status == SIGSEGV || si->si_status == SIGBUS ||
	    si->si_status == SIGILL || si->si_status == SIGABRT;
}

/* The child ended: its status to the worker, the slot freed. */
static void
take_exit(struct zygote *zy, struct zslot *s)
{
	siginfo_t si;
	struct zyg_msg m;
	uint8_t buf[ZYG_MSG_MAX];
	size_t len;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED) != 0) {
		role_log("zygote: waitid: %s", strerror(errno));
		slot_free(zy, s);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = ZYG_EXITED;
	m.exit_code = (uint32_t)si.si_code;
	m.exit_status = (uint32_t)si.si_status;
	len = zyg_encode(&m, buf);
	/* The worker may be gone; then nobody needs it. */
	(void)fd_pass_send(s->conn, buf, len, -1, MSG_DONTWAIT);
	slot_free(zy, s);
	if (is_crash(&si))
		zy_retire(zy, ZYG_RETIRE_CRASH);
}

static struct zslot *slot_take(struct zygote *zy);

/* ZYG_CANARY: the front's end of a socketpair, served exactly as a
 * connection accepted on fd 0, so that the canary proves this zygote
 * and no other (docs/warm.md, "Zygotes and their children"). */
static void
take_canary(struct zygote *zy, int fd)
{
	struct zslot *s;
	const char *why = zy->retiring ? "retiring" :
	    zy->busy >= ZYGOTE_CHILDREN_MAX ? "no room" :
	    fcntl(fd, F_SETFL, O_NONBLOCK) != 0 ? strerror(errno) : NULL;

	if (why != NULL) {
		role_log("zygote: canary connection refused: %s", why);
		close(fd);
		return;
	}
	s = slot_take(zy);
	s->conn = fd;
	s->since = zy_now_ms();
}

static void
take_starter(struct zygote *zy)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	struct zyg_msg m;
	const char *why = "receive failed";
	int fd = -1;
	ssize_t n = fd_pass_recv(ROLE_FD_RECORDS, buf, sizeof(buf),
	    MSG_DONTWAIT, &fd, &why);

	if (n < 0 && n != FD_PASS_MALFORMED && errno == EAGAIN)
		return;
	if (n == 0 || (n < 0 && n != FD_PASS_MALFORMED)) {
		zy->starter_open = 0;
		zy_retire(zy, ZYG_RETIRE_TOLD);
		return;
	}
	if (n < 0 || zyg_decode(buf, (size_t)n, fd >= 0, &m, &why) != 0 ||
	    (m.type != ZYG_RETIRE && m.type != ZYG_SERVE &&
	    m.type != ZYG_CANARY && (why = "not RETIRE, SERVE or CANARY"))) {
		if (fd >= 0)
			close(fd);
		role_log("zygote: from my starter, refused: %s", why);
		return;
	}
	if (m.type == ZYG_CANARY)
		take_canary(zy, fd);
	else if (m.type == ZYG_SERVE)
		zy->serving = 1;
	else
		zy_retire(zy, ZYG_RETIRE_TOLD);
}

static struct zslot *
slot_take(struct zygote *zy)
{
	for (unsigned i = 0; i < ZYGOTE_CHILDREN_MAX; i++)
		if (zy->slot[i].conn < 0) {
			zy->busy++;
			return &zy->slot[i];
		}
	return NULL;
}

static void
take_connection(struct zygote *zy)
{
	int c = accept4(0, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct zslot *s;

	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			role_log("zygote: accept: %s", strerror(errno));
		return;
	}
	s = slot_take(zy);
	s->conn = c;
	s->since = zy_now_ms();
}

/* Accept only once told to serve, and only what we can still fork:
 * never more pending and running than the children left before
 * max_children. */
static int
may_accept(const struct zygote *zy)
{
	return zy->serving && !zy->retiring &&
	    zy->busy < ZYGOTE_CHILDREN_MAX &&
	    zy->forked + zy->busy < zy->z->set->zygote_max_children;
}

static void
serve_once(struct zygote *zy)
{
	struct pollfd pfd[3 + 2 * ZYGOTE_CHILDREN_MAX];
	struct zslot *who[3 + 2 * ZYGOTE_CHILDREN_MAX];
	int what[3 + 2 * ZYGOTE_CHILDREN_MAX];
	nfds_t n = 0;
	double now = zy_now_ms();
	int timeout = -1, want_spare = spare_wanted(zy), ready;

	if (may_accept(zy)) {
		pfd[n] = (struct pollfd){ 0, POLLIN, 0 };
		what[n] = 0;
		who[n++] = NULL;
	}
	if (zy->starter_open) {
		pfd[n] = (struct pollfd){ ROLE_FD_RECORDS, POLLIN, 0 };
		what[n] = 1;
		who[n++] = NULL;
	}
	for (unsigned i = 0; i < ZYGOTE_CHILDREN_MAX; i++) {
		struct zslot *s = &zy->slot[i];

		if (s->conn < 0)
			continue;
		if (s->pidfd < 0) {
			double left = s->since + ZYGOTE_REQUEST_WAIT_MS - now;

			if (left <= 0) {
				role_log("zygote: no request within %u ms",
				    (unsigned)ZYGOTE_REQUEST_WAIT_MS);
				slot_free(zy, s);
				continue;
			}
			if (timeout < 0 || left + 1 < timeout)
				timeout = (int)left + 1;
		}
		if (!s->conn_done) {
			pfd[n] = (struct pollfd){ s->conn, POLLIN | POLLRDHUP,
			    0 };
			what[n] = 2;
			who[n++] = s;
		}
		if (s->pidfd >= 0) {
			pfd[n] = (struct pollfd){ s->pidfd, POLLIN, 0 };
			what[n] = 3;
			who[n++] = s;
		}
	}
	if (zy->spare.pidfd >= 0) {
		pfd[n] = (struct pollfd){ zy->spare.pidfd, POLLIN, 0 };
		what[n] = 4;
		who[n++] = NULL;
	}
	/* The next spare is forked when nothing waits on us: a request
	 * already here goes first. */
	ready = poll(pfd, n, want_spare ? 0 : timeout);
	if (ready < 0) {
		if (errno != EINTR)
			child_fail("poll");
		return;
	}
	if (ready == 0 && want_spare) {
		spare_fork(zy);
		return;
	}
	for (nfds_t i = 0; i < n; i++) {
		struct zslot *s = who[i];

		if (pfd[i].revents == 0)
			continue;
		/* A slot freed by an earlier entry this round. */
		if (s != NULL && s->conn < 0)
			continue;
		switch (what[i]) {
		case 0:
			if (may_accept(zy))
				take_connection(zy);
			break;
		case 1:
			take_starter(zy);
			break;
		case 2:
			if (s->pidfd < 0)
				take_request(zy, s);
			else
				take_hangup(s);
			break;
		case 4:
			role_log("zygote: my spare child ended before its "
			    "request");
			spare_end(zy);
			break;
		default:
			take_exit(zy, s);
			break;
		}
	}
}

void
zygote_serve(const struct zygote_role *z)
{
	static struct zygote zy;
	const char *why = NULL;

	zy.z = z;
	zy.prof = sandbox_profile(z->role);
	zy.self = getpid();
	zy.starter_open = 1;
	for (unsigned i = 0; i < ZYGOTE_CHILDREN_MAX; i++)
		zy.slot[i].conn = zy.slot[i].pidfd = -1;
	zy.spare.pidfd = zy.spare.ctl = -1;
	if (zy.prof == NULL || z->set->warm != 1 ||
	    z->set->zygote_max_children == 0) {
		role_log("zygote: not a warm role's settings");
		_exit(ROLE_EXIT_USAGE);
	}
	/* Neither the zygote nor its children (the flag is inherited) may
	 * be ptraced or have their memory read by a process of the role's
	 * uid: a child is not to learn its zygote's secrets. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		child_fail("not dumpable");
	zy.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (zy.devnull < 0)
		child_fail("/dev/null");
	if (fcntl(0, F_SETFL, O_NONBLOCK) != 0)
		child_fail("listening socket");
	/* Our log lines are not worth a stall: with its reader behind, a
	 * line is lost rather than every child held up (each child has a
	 * log pipe of its own to its worker). */
	if (fcntl(ROLE_FD_LOG, F_SETFL, O_NONBLOCK) != 0)
		child_fail("log pipe");
	/* Once, not after every fork (seccomp/install.c). */
	if (sandbox_final_filter_prepare(z->role, &why) != 0)
		role_log("zygote: children compile their own final filter: %s",
		    why);
	/* The initialisation's freed chunks merged now, once: left in
	 * malloc's fast bins, every child's first large allocation would
	 * merge them itself, writing (and so copying) a page of ours for
	 * each (malloc_consolidate, docs/warm.md). */
	malloc_trim(0);
	zy_send_status(ZYG_READY, z->role, z->set->zygote_max_children, 0);
	while (!zy.retiring || zy.busy > 0)
		serve_once(&zy);
	spare_end(&zy);
	_exit(ROLE_EXIT_OK);
}
