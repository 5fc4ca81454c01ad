/* common: datagrams with a descriptor on them, both directions; runs in
 * the broker (reading hostile roles) and in the roles. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd_pass.h"

/* Descriptors a received datagram may bring in before the kernel cuts
 * the rest (MSG_CTRUNC): room for a few, so that "more than one" is told
 * apart from "we are out of descriptors". */
#define FD_PASS_RECV_FDS	4

ssize_t
fd_pass_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Closes every descriptor the datagram brought; returns how many. */
static int
close_passed(struct msghdr *msg)
{
	int count = 0;

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
			count++;
		}
	}
	return count;
}

ssize_t
fd_pass_recv(int sock, void *buf, size_t cap, int flags, int *fd,
    const char **why)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FD_PASS_RECV_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg;
	struct cmsghdr *c;
	int nfds = 0, other = 0;
	ssize_t n;

	*fd = -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			other = 1;
		else
			nfds += (int)((c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int));
	}
	/* An empty datagram also reads as 0: with a descriptor on it, it is
	 * no end of stream but a peer passing something (its own log pipe,
	 * say, to keep us waiting). */
	if (n == 0 && nfds > 0)
		*why = "empty record with a descriptor";
	else if (other)
		*why = "unexpected control message";
	else if (nfds > 1)
		*why = "more than one descriptor on a record";
	else if (msg.msg_flags & MSG_CTRUNC)
		*why = "descriptors truncated (ours: out of descriptors?)";
	else if (msg.msg_flags & MSG_TRUNC)
		*why = "record larger than RECORD_MAX";
	else {
		if (nfds == 1)
			memcpy(fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)),
			    sizeof(int));
		return n;
	}
	(void)close_passed(&msg);
	return FD_PASS_MALFORMED;
}

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
fd_pass_recv_fds(int sock, void *buf, size_t cap, int flags, int *fds,
    unsigned max, unsigned *n, const char **why)
{
	/* Room for one more than we take, to tell "too many" apart. */
	union {
		char buf[CMSG_SPACE(sizeof(int) * (FD_PASS_FDS_MAX + 1))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg;
	unsigned got = 0;
	int other = 0, many = 0;
	ssize_t r;

	*n = 0;
	if (max > FD_PASS_FDS_MAX)
		max = FD_PASS_FDS_MAX;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (r < 0 && errno == EINTR);
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
	if (other)
		*why = "unexpected control message";
	else if (many)
		*why = "more descriptors than this datagram may carry";
	else if (msg.msg_flags & MSG_CTRUNC)
		*why = "descriptors truncated (ours: out of descriptors?)";
	else if (msg.msg_flags & MSG_TRUNC)
		*why = "datagram larger than expected";
	else {
		*n = got;
		return r;
	}
	(void)close_passed(&msg);
	return FD_PASS_MALFORMED;
}
