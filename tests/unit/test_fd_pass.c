/* tests: one datagram with a descriptor (common/fd_pass.c) and sealed
 * memfds (common/sealed_memfd.c): what goes across, and every refusal
 * of the receiver, with nothing left open. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fd_pass.h"
#include "sealed_memfd.h"

/* Several descriptors on one datagram, as a lying role would send. */
static void
send_fds(int sock, const int *fds, size_t n, const void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	CHECK(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len);
}

/* How many descriptors this process has open. */
static int
open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void
test_sealed_memfd(void)
{
	static const uint8_t data[] = "part bytes";
	struct stat st;
	const char *why = NULL;
	char back[sizeof(data)];
	int fd;

	fd = sealed_memfd_from("part", data, sizeof(data), &why);
	CHECK(fd >= 0);
	CHECK_INT(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fstat(fd, &st), 0);
	CHECK_INT(st.st_size, sizeof(data));
	CHECK_INT(pread(fd, back, sizeof(back), 0), sizeof(data));
	CHECK(memcmp(back, data, sizeof(data)) == 0);
	CHECK_INT(write(fd, "x", 1), -1);
	CHECK_INT(errno, EPERM);
	CHECK_INT(ftruncate(fd, 1), -1);
	close(fd);
	/* An empty part is an empty sealed memfd. */
	fd = sealed_memfd_from("part", NULL, 0, &why);
	CHECK(fd >= 0);
	CHECK_INT(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL);
	close(fd);
}

static void
test_fd_pass(void)
{
	static uint8_t big[200];
	uint8_t buf[64];
	const char *why;
	int sv[2], fd, fds[2], before;
	ssize_t n;

	CHECK_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	before = open_fds();

	/* Bytes alone, then bytes with a descriptor: it arrives, close on
	 * exec, and is the same file. */
	CHECK_INT(fd_pass_send(sv[0], "abc", 3, -1, 0), 3);
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why), 3);
	CHECK_INT(fd, -1);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_INT(fd_pass_send(sv[0], "rec", 3, sv[0], MSG_DONTWAIT), 3);
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why), 3);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	{
		struct stat a, b;

		CHECK_INT(fstat(fd, &a), 0);
		CHECK_INT(fstat(sv[0], &b), 0);
		CHECK(a.st_ino == b.st_ino);
	}
	close(fd);

	/* Nothing waiting, without blocking: -1 and EAGAIN. */
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT, &fd,
	    &why), -1);
	CHECK_INT(errno, EAGAIN);

	/* Refusals; every descriptor that came is closed again. */
	fds[0] = fds[1] = sv[0];
	send_fds(sv[0], fds, 2, "two", 3);
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why),
	    FD_PASS_MALFORMED);
	CHECK_INT(fd, -1);
	CHECK(strcmp(why, "more than one descriptor on a record") == 0);
	CHECK_INT(open_fds(), before);

	CHECK_INT(fd_pass_send(sv[0], NULL, 0, sv[0], 0), 0);
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why),
	    FD_PASS_MALFORMED);
	CHECK(strcmp(why, "empty record with a descriptor") == 0);
	CHECK_INT(open_fds(), before);

	CHECK_INT(fd_pass_send(sv[0], big, sizeof(big), sv[0], 0),
	    sizeof(big));
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why),
	    FD_PASS_MALFORMED);
	CHECK_INT(fd, -1);
	CHECK(strcmp(why, "record larger than RECORD_MAX") == 0);
	CHECK_INT(open_fds(), before);

	/* The peer gone: end of stream, and a send says EPIPE, no signal. */
	close(sv[0]);
	CHECK_INT(fd_pass_recv(sv[1], buf, sizeof(buf), 0, &fd, &why), 0);
	CHECK_INT(fd, -1);
	n = fd_pass_send(sv[1], "x", 1, -1, 0);
	CHECK_INT(n, -1);
	CHECK_INT(errno, EPIPE);
	close(sv[1]);
}

/* A role that sends its last record and exits with our work unread: the
 * kernel tells the reset first, and the record must still come, then
 * the end of stream (hostile_clamav's oversize lost its record so). */
static void
test_reset_before_last_record(void)
{
	const char *why = NULL;
	char buf[64];
	int sv[2], fd;
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK_INT(fd_pass_send(sv[0], "work", 4, -1, 0), 4);
	CHECK_INT(fd_pass_send(sv[1], "record", 6, -1, 0), 6);
	close(sv[1]);
	n = fd_pass_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT, &fd, &why);
	CHECK_INT(n, 6);
	CHECK(n == 6 && memcmp(buf, "record", 6) == 0);
	CHECK_INT(fd_pass_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT, &fd,
	    &why), 0);
	close(sv[0]);
}

int
main(void)
{
	test_sealed_memfd();
	test_fd_pass();
	test_reset_before_last_record();
	return CHECK_DONE();
}
