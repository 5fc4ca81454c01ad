/* common: role-side runtime (log client, record send); runs in roles. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
