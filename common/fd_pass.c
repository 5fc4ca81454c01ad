/* common: datagrams with a descriptor on them, both directions; runs in
 * the broker (reading hostile roles) and in the roles. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd_pass.h"

ssize_t
fd_pass_send_fds(int sock, const void *buf, size_t len, const int *fds,
    unsigned n, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FD_PASS_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	ssize_t r;

	if (n > FD_PASS_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
	while (r < 0 && errno == EINTR);
	return r;
}

ssize_t
fd_pass_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	return fd_pass_send_fds(sock, buf, len, &fd, fd >= 0 ? 1 : 0, flags);
}

/* Closes every descriptor the datagram brought. */
static void
close_passed(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
		    sizeof(int); i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			close(got);
		}
	}
}

/* What is wrong with a received datagram, in the order it is told. */
enum recv_refusal {
	RECV_OK = 0,
	RECV_EMPTY_WITH_FD,	/* fd_pass_recv only */
	RECV_OTHER,
	RECV_MANY,
	RECV_CTRUNC,
	RECV_TRUNC,
};

/* One recvmsg, both receivers': up to max descriptors into fds[] (*n),
 * with room for one more than FD_PASS_FDS_MAX so that "too many" is told
 * apart from "we are out of descriptors" (MSG_CTRUNC).  Returns the
 * length, or -1 with errno; *refusal says what is wrong, and then every
 * descriptor that came is closed and *n is 0. */
static ssize_t
recv_datagram(int sock, void *buf, size_t cap, int flags, int *fds,
    unsigned max, int empty_with_fd_refused, unsigned *n,
    enum recv_refusal *refusal)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (FD_PASS_FDS_MAX + 1))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg;
	unsigned got = 0;
	int other = 0, many = 0, reset_told = 0;
	ssize_t r;

	*n = 0;
	*refusal = RECV_OK;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	/* A peer that closed with our datagrams unread resets us, and the
	 * kernel tells the reset before the datagrams that peer had sent
	 * (the error is taken, and cleared, first): once told, receive
	 * again; what it sent comes next, then the end of stream. */
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (r < 0 && (errno == EINTR || (errno == ECONNRESET &&
	    !reset_told++)));
	if (r < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
	    c = CMSG_NXTHDR(&msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			other = 1;
			continue;
		}
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			if (got == max) {
				many = 1;
				break;
			}
			memcpy(&fds[got++], CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
		}
	}
	/* An empty datagram also reads as 0: with a descriptor on it, it is
	 * no end of stream but a peer passing something (its own log pipe,
	 * say, to keep us waiting). */
	if (empty_with_fd_refused && r == 0 && (got > 0 || many))
		*refusal = RECV_EMPTY_WITH_FD;
	else if (other)
		*refusal = RECV_OTHER;
	else if (many)
		*refusal = RECV_MANY;
	else if (msg.msg_flags & MSG_CTRUNC)
		*refusal = RECV_CTRUNC;
	else if (msg.msg_flags & MSG_TRUNC)
		*refusal = RECV_TRUNC;
	else {
		*n = got;
		return r;
	}
	close_passed(&msg);
	return r;
}

ssize_t
fd_pass_recv(int sock, void *buf, size_t cap, int flags, int *fd,
    const char **why)
{
	static const char *const text[] = {
		[RECV_EMPTY_WITH_FD] = "empty record with a descriptor",
		[RECV_OTHER] = "unexpected control message",
		[RECV_MANY] = "more than one descriptor on a record",
		[RECV_CTRUNC] = "descriptors truncated (ours: out of "
		    "descriptors?)",
		[RECV_TRUNC] = "record larger than RECORD_MAX",
	};
	enum recv_refusal refusal;
	unsigned n;
	ssize_t r;

	*fd = -1;
	r = recv_datagram(sock, buf, cap, flags, fd, 1, 1, &n, &refusal);
	if (r < 0 || refusal == RECV_OK)
		return r;
	*fd = -1;
	*why = text[refusal];
	return FD_PASS_MALFORMED;
}

ssize_t
fd_pass_recv_fds(int sock, void *buf, size_t cap, int flags, int *fds,
    unsigned max, unsigned *n, const char **why)
{
	static const char *const text[] = {
		[RECV_EMPTY_WITH_FD] = "empty datagram with descriptors",
		[RECV_OTHER] = "unexpected control message",
		[RECV_MANY] = "more descriptors than this datagram may carry",
		[RECV_CTRUNC] = "descriptors truncated (ours: out of "
		    "descriptors?)",
		[RECV_TRUNC] = "datagram larger than expected",
	};
	enum recv_refusal refusal;
	ssize_t r;

	r = recv_datagram(sock, buf, cap, flags, fds,
	    max > FD_PASS_FDS_MAX ? FD_PASS_FDS_MAX : max, 0, n, &refusal);
	if (r < 0 || refusal == RECV_OK)
		return r;
	*why = text[refusal];
	return FD_PASS_MALFORMED;
}
