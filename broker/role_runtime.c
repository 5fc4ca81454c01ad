/* broker: role-side runtime (log client, record send); runs in roles. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "role_runtime.h"

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
