/* broker: requests to a zygote and what comes back; trusted, reads what
 * the zygote (untrusted) says through zyg_decode. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "clock.h"
#include "fd_pass.h"
#include "log.h"
#include "qscan_limits.h"
#include "warm_child.h"
#include "zygote_proto.h"

/* Between two connection attempts when the zygote's backlog is full or
 * its request was closed unanswered (a zygote retiring). */
#define WARM_RETRY_MS 10

/* One connection: the role ends we hand over and our own. */
struct warm_req {
	int conn;
	int rec[2], logp[2];
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
warm_req_close(struct warm_req *r)
{
	close_fd(&r->conn);
	for (int i = 0; i < 2; i++) {
		close_fd(&r->rec[i]);
		close_fd(&r->logp[i]);
	}
}

/* A connected socket to the zygote; -1 with errno (EAGAIN: the backlog
 * is full; ECONNREFUSED, ENOENT: no listener). */
static int
warm_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Waits until fd is readable or deadline; 1 readable, 0 time is up. */
static int
wait_readable(int fd, double deadline)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		double left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)left + 1);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* The answer to a request: 1 with the pidfd in *pidfd (ZYG_FORKED), 0
 * when the zygote closed without one (ask again), -1 with *why. */
static int
read_forked(int conn, double deadline, int *pidfd, char **why)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	const char *text = "receive failed";
	struct zyg_msg m;
	ssize_t n;
	int fd = -1;

	*pidfd = -1;
	if (!wait_readable(conn, deadline)) {
		*why = g_strdup("no zygote took the request in time");
		return -1;
	}
	n = fd_pass_recv(conn, buf, sizeof(buf), MSG_DONTWAIT, &fd, &text);
	if (n == 0)
		return 0;
	if (n < 0) {
		*why = g_strdup_printf("from the zygote: %s",
		    n == FD_PASS_MALFORMED ? text : strerror(errno));
		return -1;
	}
	if (zyg_decode(buf, (size_t)n, fd >= 0, &m, &text) != 0 ||
	    (m.type != ZYG_FORKED && (text = "not ZYG_FORKED"))) {
		if (fd >= 0)
			close(fd);
		*why = g_strdup_printf("from the zygote, refused: %s", text);
		return -1;
	}
	*pidfd = fd;
	return 1;
}

/* The pid a pidfd names, in our pid namespace, from its fdinfo. */
static pid_t
pidfd_pid(int pidfd)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	const char *p;
	long pid;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:");
	if (p == NULL)
		return -1;
	pid = strtol(p + 5, NULL, 10);
	return pid > 0 ? (pid_t)pid : -1;
}

/* Sends one request of `kind` on r->conn with the role ends of a new
 * records socket and log pipe (kept in r, ours) and the message and peer
 * when >= 0.  0, or -1 with *why. */
static int
warm_ask(struct warm_req *r, enum role_id role, enum zyg_kind kind,
    int message_fd, int peer_fd, char **why)
{
	struct zyg_msg m = { .type = ZYG_REQUEST, .role = role,
	    .kind = kind, .fds = ZYG_FD_RECORDS | ZYG_FD_LOG };
	int fds[FD_PASS_FDS_MAX], nfds = 2;
	uint8_t buf[ZYG_MSG_MAX];
	size_t len;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    r->rec) != 0 || pipe2(r->logp, O_CLOEXEC) != 0) {
		*why = g_strdup_printf("pipes: %s", strerror(errno));
		return -1;
	}
	fds[0] = r->rec[1];
	fds[1] = r->logp[1];
	if (message_fd >= 0) {
		m.fds |= ZYG_FD_MESSAGE;
		fds[nfds++] = message_fd;
	}
	if (peer_fd >= 0) {
		m.fds |= ZYG_FD_PEER;
		fds[nfds++] = peer_fd;
	}
	len = zyg_encode(&m, buf);
	if (fd_pass_send_fds(r->conn, buf, len, fds, (unsigned)nfds,
	    MSG_DONTWAIT) != (ssize_t)len) {
		*why = g_strdup_printf("request to the zygote: %s",
		    strerror(errno));
		return -1;
	}
	/* The role's ends are the child's now. */
	close_fd(&r->rec[1]);
	close_fd(&r->logp[1]);
	return 0;
}

/* Sends one request of `kind` on a new connection and reads ZYG_FORKED:
 * 0 with r->conn, the role's fds kept in r and *pidfd; -1 with *why. */
static int
warm_request(const char *path, enum role_id role, enum zyg_kind kind,
    int message_fd, int peer_fd, double deadline, struct warm_req *r,
    int *pidfd, char **why)
{
	for (;;) {
		int rc;

		warm_req_close(r);
		if (now_ms() > deadline) {
			*why = g_strdup_printf("%s: no zygote took the "
			    "request in time", path);
			return -1;
		}
		if ((r->conn = warm_connect(path)) < 0) {
			if (errno == EAGAIN || errno == ECONNREFUSED ||
			    errno == ENOENT) {
				nanosleep(&(struct timespec){ 0,
				    WARM_RETRY_MS * 1000000L }, NULL);
				continue;
			}
			*why = g_strdup_printf("%s: %s", path, strerror(errno));
			return -1;
		}
		if (warm_ask(r, role, kind, message_fd, peer_fd, why) != 0)
			return -1;
		rc = read_forked(r->conn, deadline, pidfd, why);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
		/* Closed unanswered: that zygote retired, or could not fork;
		 * ask again, not at once. */
		nanosleep(&(struct timespec){ 0, WARM_RETRY_MS * 1000000L },
		    NULL);
	}
}

/* The kernel refused to move a child into its own cgroup: a flag in
 * this process, or in a page every worker forked after
 * warm_cgroup_share_refusal shares. */
static int refused_here;
static int *refused = &refused_here;

void
warm_cgroup_share_refusal(void)
{
	void *page = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	/* Without it each worker learns the refusal for itself. */
	if (page != MAP_FAILED)
		refused = page;
}

/* Into a cgroup of its own.  When the kernel refuses the move (cgroup
 * v1 wants the writer's uid to be the child's; v2 lets us), the child
 * stays in its zygote's cgroup and its limits: said once, and not tried
 * again, since the answer will not change (a refused write to
 * cgroup.procs costs 1 to 17 ms on v1, two cgroups made and removed
 * besides). */
static void
warm_move_cgroup(struct role_proc *rp)
{
	g_autofree char *why = NULL;

	rp->cgroup.kind = CGROUP_NONE;
	rp->cgroup.dir_fd = -1;
	if (*refused || cgroup_kind() == CGROUP_NONE)
		return;
	if (spawn_role_cgroup(rp->role, &rp->cgroup, &why) != 0) {
		log_warn("warm %s: no cgroup of its own, it stays in its "
		    "zygote's: %s", role_id_name(rp->role), why);
		rp->cgroup.kind = CGROUP_NONE;
		rp->cgroup.dir_fd = -1;
		return;
	}
	if (role_cgroup_move(&rp->cgroup, rp->pid, &why) != 0) {
		if (errno == EACCES || errno == EPERM) {
			*refused = 1;
			log_warn("warm %s: the kernel refuses to move a child "
			    "of another uid into its own cgroup (%s): warm "
			    "children stay in their zygote's cgroup",
			    role_id_name(rp->role), why);
		} else
			log_warn("warm %s: the child stays in its zygote's "
			    "cgroup: %s", role_id_name(rp->role), why);
		role_cgroup_remove(&rp->cgroup);
		rp->cgroup.kind = CGROUP_NONE;
		rp->cgroup.dir_fd = -1;
	}
}

int
warm_start_role(const char *zygote_socket, const struct spawn_spec *spec,
    unsigned wait_ms, struct role_proc *rp, char **why)
{
	struct warm_req r = { -1, { -1, -1 }, { -1, -1 } };
	const struct rec_writer *w = spec->settings;
	int pidfd = -1;
	ssize_t n;

	memset(rp, 0, sizeof(*rp));
	rp->pid = -1;
	rp->pidfd = rp->records_fd = rp->log_fd = rp->warm_fd = -1;
	rp->cgroup.dir_fd = -1;
	rp->role = spec->role;
	if (w == NULL || w->failed || w->len < RECORD_HEADER_LEN) {
		*why = g_strdup("the role's settings could not be encoded");
		return -1;
	}
	if (warm_request(zygote_socket, spec->role, ZYG_KIND_ROLE,
	    spec->message_fd, spec->peer_fd, now_ms() + wait_ms, &r, &pidfd,
	    why) != 0) {
		warm_req_close(&r);
		return -1;
	}
	rp->pidfd = pidfd;
	rp->pid = pidfd_pid(pidfd);
	if (rp->pid < 0) {
		*why = g_strdup("cannot read the child's pid from its pidfd");
		goto fail;
	}
	warm_move_cgroup(rp);
	/* The go: the child reads its settings only now, in its cgroup. */
	n = fd_pass_send(r.rec[0], w->buf, w->len, -1, 0);
	if (n != (ssize_t)w->len) {
		*why = g_strdup_printf("cannot send the child its settings: %s",
		    n < 0 ? strerror(errno) : "short send");
		goto fail;
	}
	rp->records_fd = r.rec[0];
	rp->log_fd = r.logp[0];
	rp->warm_fd = r.conn;
	r.rec[0] = r.logp[0] = r.conn = -1;
	warm_req_close(&r);
	return 0;
fail:
	/* Closing the connection is the zygote's word to kill the child. */
	warm_req_close(&r);
	role_cgroup_remove(&rp->cgroup);
	close_fd(&rp->pidfd);
	rp->pid = -1;
	return -1;
}

/* One canary child of `kind` through the zygote's own channel (a
 * socketpair's end passed with ZYG_CANARY on its fd 1, so that this
 * zygote and no other serves it): 0 when it died by SIGSYS. */
static int
canary_one(int records_fd, enum role_id role, enum zyg_kind kind,
    double deadline, char **why)
{
	struct warm_req r = { -1, { -1, -1 }, { -1, -1 } };
	struct zyg_msg cm = { .type = ZYG_CANARY };
	uint8_t buf[ZYG_MSG_MAX + 1];
	const char *text = "receive failed";
	struct zyg_msg m;
	int pidfd = -1, fd = -1, pair[2], rc;
	size_t len;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, pair) != 0) {
		*why = g_strdup_printf("socketpair: %s", strerror(errno));
		return -1;
	}
	r.conn = pair[0];
	len = zyg_encode(&cm, buf);
	n = fd_pass_send(records_fd, buf, len, pair[1], MSG_DONTWAIT);
	close(pair[1]);
	if (n != (ssize_t)len) {
		*why = g_strdup_printf("cannot pass the zygote its canary "
		    "connection: %s", n < 0 ? strerror(errno) : "short send");
		warm_req_close(&r);
		return -1;
	}
	if (warm_ask(&r, role, kind, -1, -1, why) != 0 ||
	    (rc = read_forked(r.conn, deadline, &pidfd, why)) < 0) {
		warm_req_close(&r);
		return -1;
	}
	if (rc == 0) {
		warm_req_close(&r);
		*why = g_strdup("the zygote closed its canary connection "
		    "unanswered");
		return -1;
	}
	close(pidfd);
	/* It takes no settings and sends no record: only its end matters,
	 * and its log says why when it did not die as it must. */
	close_fd(&r.rec[0]);
	if (!wait_readable(r.conn, deadline)) {
		warm_req_close(&r);
		*why = g_strdup("the canary child did not end in time");
		return -1;
	}
	n = fd_pass_recv(r.conn, buf, sizeof(buf), 0, &fd, &text);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || zyg_decode(buf, (size_t)n, fd >= 0, &m, &text) != 0 ||
	    m.type != ZYG_EXITED) {
		warm_req_close(&r);
		*why = g_strdup_printf("no end of the canary child from the "
		    "zygote: %s", n == 0 ? "it closed" : text);
		return -1;
	}
	if (m.exit_code == CLD_EXITED || m.exit_status != SIGSYS) {
		char said[ROLE_LOG_LINE_MAX] = "";
		ssize_t k;

		/* It has ended: what it wrote is all in the pipe. */
		(void)fcntl(r.logp[0], F_SETFL, O_NONBLOCK);
		k = read(r.logp[0], said, sizeof(said) - 1);
		said[k > 0 ? k : 0] = '\0';
		g_strchomp(said);
		g_strcanon(said, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJ"
		    "KLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~", '?');
		warm_req_close(&r);
		*why = g_strdup_printf("the canary child (%s) %s %u, not "
		    "SIGSYS: the final filter is not in place%s%s",
		    kind == ZYG_KIND_CANARY_SIGNAL ? "tgkill at its zygote" :
		    "socket", m.exit_code == CLD_EXITED ? "exited" :
		    "died of signal", (unsigned)m.exit_status,
		    said[0] ? "; it said: " : "", said);
		return -1;
	}
	warm_req_close(&r);
	return 0;
}

int
zygote_canary(int records_fd, enum role_id role, unsigned timeout_ms,
    char **why)
{
	double deadline = now_ms() + timeout_ms;

	if (canary_one(records_fd, role, ZYG_KIND_CANARY_SOCKET, deadline,
	    why) != 0 ||
	    canary_one(records_fd, role, ZYG_KIND_CANARY_SIGNAL, deadline,
	    why) != 0)
		return -1;
	return 0;
}
