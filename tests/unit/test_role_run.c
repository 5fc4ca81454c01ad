/* tests: receiving a role's records (recv_record in broker/role_run.c),
 * through role_run() as the broker drives it: a forked child plays the
 * role on a SOCK_SEQPACKET pair and a log pipe (no sandbox: what is
 * tested is what the broker accepts from it).  Good records reach the
 * consumer byte for byte with their descriptor; too many descriptors, an
 * oversize record, an empty record carrying a descriptor, a refusal by
 * the consumer, or a stream that stops short end the role as bad-records
 * with the reason in the detail, and the consumer sees nothing of a
 * refused datagram.  A warm child (docs/warm.md): a forked process plays
 * its zygote on the connection; the ending is what it answers, its
 * deadline a shutdown, and a zygote that dies or will not kill it ends
 * the role as zygote-lost, never waited for beyond the deadline. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "qscan_limits.h"
#include "role_run.h"
#include "zygote_proto.h"

/* Generous: only a broken test waits this long; nothing is timed. */
#define TEST_ROLE_TIMEOUT_MS 20000

/* What the consumer saw. */
struct seen {
	unsigned n;
	size_t len[8];
	uint8_t first[8];
	ino_t fd_ino[8];	/* 0: no descriptor */
	int refuse_at;		/* refuse record number refuse_at (from 1) */
	int complete_after;	/* complete once this many were taken */
};

static int
consume(void *ctx, const uint8_t *buf, size_t len, int fd, const char **why)
{
	struct seen *s = ctx;
	struct stat st;

	if (s->n >= G_N_ELEMENTS(s->len)) {
		*why = "too many for the test";
		return -1;
	}
	s->len[s->n] = len;
	s->first[s->n] = len > 0 ? buf[0] : 0;
	s->fd_ino[s->n] = fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
	if (fd >= 0)
		close(fd);	/* ours now */
	s->n++;
	if ((int)s->n == s->refuse_at) {
		*why = "refused by the consumer";
		return -1;
	}
	return 0;
}

static int
complete(void *ctx)
{
	struct seen *s = ctx;

	return s->complete_after > 0 && (int)s->n >= s->complete_after;
}

/* One datagram the child sends: len bytes of `fill`, with nfds
 * descriptors (memfds made by the child). */
struct datagram {
	size_t len;
	uint8_t fill;
	int nfds;
};

static void
child_send(int sock, const struct datagram *d, size_t n, int linger)
{
	for (size_t i = 0; i < n; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} ctl;
		uint8_t *payload = malloc(d[i].len + 1);
		struct iovec iov = { payload, d[i].len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		int fds[4];

		memset(payload, d[i].fill, d[i].len + 1);
		for (int k = 0; k < d[i].nfds; k++)
			fds[k] = memfd_create("t", MFD_CLOEXEC);
		if (d[i].nfds > 0) {
			struct cmsghdr *c;

			msg.msg_control = ctl.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) *
			    (size_t)d[i].nfds);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) *
			    (size_t)d[i].nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) *
			    (size_t)d[i].nfds);
		}
		if (sendmsg(sock, &msg, 0) != (ssize_t)d[i].len)
			_exit(3);
		for (int k = 0; k < d[i].nfds; k++)
			close(fds[k]);
		free(payload);
	}
	if (linger)
		pause();	/* until the broker kills it */
	_exit(0);
}

/* Runs a child that sends d[0..n) and exits 0 (or lingers), through
 * role_run; fills *s and *out. */
static void
run_role(const struct datagram *d, size_t n, int linger, struct seen *s,
    struct role_outcome *out)
{
	struct role_io io = { consume, complete, NULL, s };
	struct role_proc rp;
	int sv[2], lp[2], sndbuf = 4 * RECORD_MAX;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == 0);
	CHECK(pipe2(lp, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		close(lp[0]);
		child_send(sv[1], d, n, linger);
	}
	close(sv[1]);
	close(lp[1]);
	memset(&rp, 0, sizeof(rp));
	rp.role = ROLE_UNPACK;
	rp.pid = pid;
	rp.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	CHECK(rp.pidfd >= 0);
	rp.records_fd = sv[0];
	rp.log_fd = lp[0];
	rp.cgroup.kind = CGROUP_NONE;
	rp.cgroup.dir_fd = -1;
	rp.warm_fd = -1;
	role_run(&rp, TEST_ROLE_TIMEOUT_MS, &io, out);
	/* role_run reaped it and closed every channel. */
	CHECK(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
	CHECK(fcntl(sv[0], F_GETFD) < 0 && errno == EBADF);
}

static void
expect_refused(const struct role_outcome *out, const char *detail)
{
	CHECK_INT(out->ending, ROLE_BAD_RECORDS);
	if (strstr(out->detail, detail) == NULL) {
		fprintf(stderr, "detail \"%s\", expected \"%s\"\n",
		    out->detail, detail);
		check_failures++;
	}
}

/* Whole records arrive as sent, the largest one included, each with the
 * descriptor it carried; a complete stream and exit 0 are "done". */
static void
test_good(void)
{
	const struct datagram d[] = {
		{ 8, 'a', 0 }, { 100, 'b', 1 }, { RECORD_MAX, 'c', 0 },
		{ 1, 'd', 1 },
	};
	struct seen s = { .complete_after = 4 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 0, &s, &out);
	CHECK_INT(out.ending, ROLE_DONE);
	CHECK_INT(out.records, 4);
	CHECK_INT(s.n, 4);
	CHECK_INT(s.len[0], 8);
	CHECK_INT(s.first[0], 'a');
	CHECK_INT(s.len[1], 100);
	CHECK(s.fd_ino[1] != 0);
	CHECK_INT(s.fd_ino[0], 0);
	CHECK_INT(s.len[2], RECORD_MAX);
	CHECK_INT(s.first[2], 'c');
	CHECK_INT(s.len[3], 1);
	CHECK(s.fd_ino[3] != 0 && s.fd_ino[3] != s.fd_ino[1]);
	CHECK(strcmp(out.detail, "exit 0") == 0);
}

/* Two descriptors on one record: refused, neither reaches the consumer. */
static void
test_two_fds(void)
{
	const struct datagram d[] = { { 8, 'a', 0 }, { 8, 'b', 2 },
	    { 8, 'c', 0 } };
	struct seen s = { .complete_after = 3 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 1, &s, &out);
	expect_refused(&out, "record 2: more than one descriptor on a record");
	CHECK_INT(s.n, 1);
	CHECK_INT(out.records, 1);
}

/* Over RECORD_MAX (the receive buffer's size plus one): refused as
 * oversize, never passed on cut. */
static void
test_oversize(void)
{
	const struct datagram d[] = { { RECORD_MAX + 2, 'x', 0 } };
	struct seen s = { .complete_after = 1 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 1, &s, &out);
	expect_refused(&out, "record 1: record larger than RECORD_MAX");
	CHECK_INT(s.n, 0);
}

/* An empty datagram with a descriptor is no end of stream. */
static void
test_empty_with_fd(void)
{
	const struct datagram d[] = { { 0, 0, 1 }, { 8, 'a', 0 } };
	struct seen s = { .complete_after = 1 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 1, &s, &out);
	expect_refused(&out, "record 1: empty record with a descriptor");
	CHECK_INT(s.n, 0);
}

/* The consumer's refusal: its reason, the role killed, the rest unread. */
static void
test_consumer_refuses(void)
{
	const struct datagram d[] = { { 8, 'a', 0 }, { 9, 'b', 0 },
	    { 10, 'c', 0 } };
	struct seen s = { .refuse_at = 2, .complete_after = 3 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 1, &s, &out);
	expect_refused(&out, "record 2: refused by the consumer");
	CHECK_INT(s.n, 2);
	CHECK_INT(out.records, 1);
}

/* Exit 0 before the stream is complete (truncated): bad records too. */
static void
test_truncated_stream(void)
{
	const struct datagram d[] = { { 8, 'a', 0 }, { 8, 'b', 0 } };
	struct seen s = { .complete_after = 3 };
	struct role_outcome out;

	run_role(d, G_N_ELEMENTS(d), 0, &s, &out);
	expect_refused(&out, "exited before its last record");
	CHECK_INT(s.n, 2);
}

/* How the fake zygote behaves. */
enum fake_zygote {
	ZYG_OBEYS,		/* kills the child on hangup, answers EXITED */
	ZYG_DIES,		/* exits at once, answering nothing */
	ZYG_IGNORES,		/* neither kills nor answers */
};

static void
fake_exited(int conn, const siginfo_t *si)
{
	struct zyg_msg m = { .type = ZYG_EXITED,
	    .exit_code = (uint32_t)si->si_code,
	    .exit_status = (uint32_t)si->si_status };
	uint8_t buf[ZYG_MSG_MAX];
	size_t len = zyg_encode(&m, buf);

	if (send(conn, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		_exit(4);
}

/* The zygote: forks the child (which sends d[] and exits, or lingers),
 * tells its pid on `tell`, then behaves as `how` says. */
static void __attribute__((noreturn))
fake_zygote(const struct datagram *d, size_t n, int linger, int rec,
    int conn, int tell, enum fake_zygote how)
{
	pid_t child = fork();
	siginfo_t si;
	char c;

	if (child == 0) {
		close(conn);
		child_send(rec, d, n, linger);
	}
	close(rec);
	if (write(tell, &child, sizeof(child)) != sizeof(child))
		_exit(4);
	if (how == ZYG_DIES) {
		kill(child, SIGKILL);
		_exit(0);
	}
	if (linger) {
		/* Until the worker shuts its end down. */
		while (read(conn, &c, 1) > 0)
			;
		if (how == ZYG_IGNORES) {
			pause();
			_exit(0);
		}
		kill(child, SIGKILL);
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)child, &si, WEXITED) != 0)
		_exit(4);
	fake_exited(conn, &si);
	_exit(0);
}

/* A warm child through role_run, its zygote played as `how`. */
static void
run_warm(const struct datagram *d, size_t n, int linger,
    enum fake_zygote how, unsigned timeout_ms, struct seen *s,
    struct role_outcome *out)
{
	struct role_io io = { consume, complete, NULL, s };
	struct role_proc rp;
	int sv[2], lp[2], cv[2], tell[2];
	pid_t zyg, child = -1;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cv) == 0);
	CHECK(pipe2(lp, O_CLOEXEC) == 0 && pipe2(tell, O_CLOEXEC) == 0);
	zyg = fork();
	CHECK(zyg >= 0);
	if (zyg == 0) {
		close(sv[0]);
		close(lp[0]);
		close(lp[1]);
		close(cv[0]);
		close(tell[0]);
		fake_zygote(d, n, linger, sv[1], cv[1], tell[1], how);
	}
	close(sv[1]);
	close(lp[1]);
	close(cv[1]);
	close(tell[1]);
	CHECK(read(tell[0], &child, sizeof(child)) == sizeof(child));
	close(tell[0]);
	memset(&rp, 0, sizeof(rp));
	rp.role = ROLE_UNPACK;
	rp.pid = child;
	rp.pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	rp.records_fd = sv[0];
	rp.log_fd = lp[0];
	rp.cgroup.kind = CGROUP_NONE;
	rp.cgroup.dir_fd = -1;
	rp.warm_fd = cv[0];
	role_run(&rp, timeout_ms, &io, out);
	CHECK_INT(rp.warm_fd, -1);
	kill(child, SIGKILL);
	kill(zyg, SIGKILL);
	waitpid(zyg, NULL, 0);
}

/* The zygote's ZYG_EXITED is the child's ending: exit 0 after its
 * records, done. */
static void
test_warm_done(void)
{
	const struct datagram d[] = { { 8, 'a', 0 }, { 8, 'b', 1 } };
	struct seen s = { .complete_after = 2 };
	struct role_outcome out;

	run_warm(d, G_N_ELEMENTS(d), 0, ZYG_OBEYS, TEST_ROLE_TIMEOUT_MS, &s,
	    &out);
	CHECK_INT(out.ending, ROLE_DONE);
	CHECK_INT(out.records, 2);
}

/* Past its deadline: the shutdown, the zygote's SIGKILL, a timeout. */
static void
test_warm_timeout(void)
{
	const struct datagram d[] = { { 8, 'a', 0 } };
	struct seen s = { .complete_after = 9 };
	struct role_outcome out;

	run_warm(d, G_N_ELEMENTS(d), 1, ZYG_OBEYS, 300, &s, &out);
	CHECK_INT(out.ending, ROLE_TIMEOUT);
}

/* A zygote gone without a word: ours, not the message's. */
static void
test_warm_zygote_dies(void)
{
	const struct datagram d[] = { { 8, 'a', 0 } };
	struct seen s = { .complete_after = 1 };
	struct role_outcome out;

	run_warm(d, G_N_ELEMENTS(d), 1, ZYG_DIES, TEST_ROLE_TIMEOUT_MS, &s,
	    &out);
	CHECK_INT(out.ending, ROLE_ZYGOTE_LOST);
	CHECK(strstr(out.detail, "died") != NULL);
}

/* A zygote that neither kills nor answers cannot keep the worker past
 * its deadline and the grace after it. */
static void
test_warm_zygote_ignores(void)
{
	const struct datagram d[] = { { 8, 'a', 0 } };
	struct seen s = { .complete_after = 9 };
	struct role_outcome out;

	run_warm(d, G_N_ELEMENTS(d), 1, ZYG_IGNORES, 300, &s, &out);
	CHECK_INT(out.ending, ROLE_ZYGOTE_LOST);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_good();
	test_two_fds();
	test_oversize();
	test_empty_with_fd();
	test_consumer_refuses();
	test_truncated_stream();
	test_warm_done();
	test_warm_timeout();
	test_warm_zygote_dies();
	test_warm_zygote_ignores();
	return CHECK_DONE();
}
