/* common: role-side runtime (log client, record send); runs in roles. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fd_pass.h"
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

ssize_t
role_recv(uint8_t *buf, int *fd)
{
	const char *why;
	ssize_t n = fd_pass_recv(ROLE_FD_RECORDS, buf, RECORD_MAX, 0, fd, &why);

	return n < 0 ? -1 : n;
}

int
role_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}
