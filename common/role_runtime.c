/* common: role-side runtime (log client, record send); runs in roles. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_pass.h"
#include "role_runtime.h"
#include "role_settings.h"

void
role_log(const char *fmt, ...)
{
	char line[ROLE_LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: the pipe keeps lines under PIPE_BUF whole. */
	while (write(ROLE_FD_LOG, line, (size_t)n) < 0 && errno == EINTR)
		;
}

void
role_send(struct rec_writer *w, int fd)
{
	if (rec_send(ROLE_FD_RECORDS, w, fd) == 0)
		return;
	role_log("cannot send record: %s", errno == EMSGSIZE ?
	    "record too large" : "socket error");
	_exit(ROLE_EXIT_IO);
}

void
role_send_hello(enum role_id role)
{
	struct rec_writer w;

	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, RECORD_VERSION);
	rec_put_u16(&w, (uint16_t)role);
	role_send(&w, -1);
}

ssize_t
role_recv(uint8_t *buf, int *fd)
{
	const char *why;
	ssize_t n = fd_pass_recv(ROLE_FD_RECORDS, buf, RECORD_MAX, 0, fd, &why);

	return n < 0 ? -1 : n;
}

void
role_read_settings(enum role_id role, int argc, struct role_settings *out)
{
	static uint8_t buf[RECORD_MAX];
	char why[160];
	ssize_t n;
	int fd;

	if (argc > 1) {
		role_log("role %s takes no arguments: its settings come as a "
		    "record", role_id_name(role));
		_exit(ROLE_EXIT_USAGE);
	}
	n = role_recv(buf, &fd);
	if (n <= 0) {
		role_log("settings: %s", n == 0 ? "the broker sent none" :
		    "not a record");
		_exit(ROLE_EXIT_USAGE);
	}
	if (fd >= 0) {
		close(fd);
		role_log("settings: a descriptor on the record");
		_exit(ROLE_EXIT_USAGE);
	}
	if (role_settings_decode(role, buf, (size_t)n, out, why,
	    sizeof(why)) != 0) {
		role_log("settings refused: %s", why);
		_exit(ROLE_EXIT_USAGE);
	}
}

int
role_check_peer(int type, int unix_ok)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int);
	int got;

	if (getsockopt(ROLE_FD_PEER, SOL_SOCKET, SO_TYPE, &got, &len) != 0) {
		role_log("fd %d is not a socket: %s", ROLE_FD_PEER,
		    strerror(errno));
		return -1;
	}
	if (len != sizeof(int) || got != type) {
		role_log("fd %d is not a %s socket", ROLE_FD_PEER,
		    type == SOCK_DGRAM ? "datagram" : "stream");
		return -1;
	}
	len = sizeof(ss);
	if (getpeername(ROLE_FD_PEER, (struct sockaddr *)&ss, &len) != 0) {
		role_log("fd %d is not connected: %s", ROLE_FD_PEER,
		    strerror(errno));
		return -1;
	}
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6 &&
	    !(unix_ok && ss.ss_family == AF_UNIX)) {
		role_log("fd %d: unexpected address family %u", ROLE_FD_PEER,
		    (unsigned)ss.ss_family);
		return -1;
	}
	return ss.ss_family;
}
