/* common: one datagram with at most one descriptor on it (SCM_RIGHTS),
 * sent and received; linked by the broker and the roles. */
#ifndef QSCAN_FD_PASS_H
#define QSCAN_FD_PASS_H

#include <stddef.h>
#include <sys/types.h>

/* fd_pass_recv's refusal of what arrived (the socket worked). */
#define FD_PASS_MALFORMED	(-2)

/* Sends len bytes from buf as one sendmsg, with `fd` attached when
 * fd >= 0.  Always MSG_NOSIGNAL (a closed peer is EPIPE, not SIGPIPE; the
 * roles' filters insist on it), plus `flags` (MSG_DONTWAIT); retries on
 * EINTR.  Returns what sendmsg returned: the bytes sent, or -1 with
 * errno.  The descriptor goes with the first byte sent, or not at all. */
ssize_t fd_pass_send(int sock, const void *buf, size_t len, int fd,
    int flags);

/* Receives one datagram into buf (cap bytes) and at most one descriptor
 * into *fd (-1 when none), always with MSG_CMSG_CLOEXEC, plus `flags`;
 * retries on EINTR.  Returns the length (0 with no descriptor: end of
 * stream), -1 with errno when recvmsg failed, or FD_PASS_MALFORMED with
 * *why (static text) when the datagram was longer than cap, carried
 * more than one descriptor, a control message other than SCM_RIGHTS, or
 * a descriptor on an empty datagram.  Whatever it refuses it closes:
 * *fd is then -1. */
ssize_t fd_pass_recv(int sock, void *buf, size_t cap, int flags, int *fd,
    const char **why);

/* The most descriptors fd_pass_send_fds and fd_pass_recv_fds carry on
 * one datagram (a zygote request: records, log, message, peer). */
#define FD_PASS_FDS_MAX	4

/* As fd_pass_send, with the n (<= FD_PASS_FDS_MAX) descriptors fds[]
 * attached in that order. */
ssize_t fd_pass_send_fds(int sock, const void *buf, size_t len,
    const int *fds, unsigned n, int flags);

/* As fd_pass_recv, taking up to FD_PASS_FDS_MAX descriptors into fds[]
 * (in the order sent) and their count into *n.  Refused (every one
 * closed, *n 0, FD_PASS_MALFORMED with *why): more than max, a control
 * message other than SCM_RIGHTS, a truncated datagram or control. */
ssize_t fd_pass_recv_fds(int sock, void *buf, size_t cap, int flags,
    int *fds, unsigned max, unsigned *n, const char **why);

#endif
