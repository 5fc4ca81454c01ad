/* tests: a zygote started, watched and ended as the service does
 * (warm_lib.h). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "warm_lib.h"

void
warm_zygote_drain_log(struct warm_zygote *y)
{
	char buf[4096];
	ssize_t n;

	if (y->z.log_fd < 0)
		return;
	(void)fcntl(y->z.log_fd, F_SETFL, O_NONBLOCK);
	while ((n = read(y->z.log_fd, buf, sizeof(buf))) > 0) {
		g_string_append_len(y->log, buf, n);
		for (char *p = buf, *e; p < buf + n; p = e + 1) {
			e = memchr(p, '\n', (size_t)(buf + n - p));
			if (e == NULL)
				e = buf + n;
			printf("# zygote: %.*s\n", (int)(e - p), p);
		}
	}
}

int
warm_zygote_status(struct warm_zygote *y, enum zygote_status *st,
    unsigned wait_ms, char **why)
{
	double until = now_ms() + wait_ms;

	for (;;) {
		struct pollfd p[2] = { { y->z.records_fd, POLLIN, 0 },
		    { y->z.log_fd, POLLIN, 0 } };

		if (now_ms() > until) {
			*why = g_strdup("no status from the zygote in time");
			return -1;
		}
		(void)poll(p, 2, 200);
		warm_zygote_drain_log(y);
		if (p[0].revents)
			return zygote_read_status(y->z.records_fd, st, why);
	}
}

int
warm_zygote_start(struct warm_zygote *y, const struct spawn_spec *spec,
    const char *path, unsigned ready_ms, char **why)
{
	enum zygote_status st = 0;

	memset(y, 0, sizeof(*y));
	y->listen_fd = y->z.pidfd = y->z.records_fd = y->z.log_fd = -1;
	y->log = g_string_new(NULL);
	snprintf(y->path, sizeof(y->path), "%s", path);
	if ((y->listen_fd = zygote_listen_socket(y->path, why)) < 0)
		return -1;
	if (zygote_spawn(spec, y->listen_fd, &y->z, why) != 0) {
		close(y->listen_fd);
		y->listen_fd = -1;
		return -1;
	}
	if (warm_zygote_status(y, &st, ready_ms, why) != 0 ||
	    st != ZYGOTE_READY) {
		if (*why == NULL)
			*why = g_strdup("RETIRING before READY");
		(void)warm_zygote_end(y, 0);
		return -1;
	}
	return 0;
}

int
warm_zygote_alive(const struct warm_zygote *y)
{
	struct pollfd p = { y->z.pidfd, POLLIN, 0 };

	return y->z.pidfd >= 0 && poll(&p, 1, 0) == 0;
}

int
warm_zygote_end(struct warm_zygote *y, unsigned wait_ms)
{
	struct pollfd p = { y->z.pidfd, POLLIN, 0 };
	int status = -1;

	if (poll(&p, 1, (int)wait_ms) <= 0) {
		if (wait_ms > 0)
			printf("# zygote %d did not end: killed\n",
			    (int)y->z.pid);
		kill(y->z.pid, SIGKILL);
	}
	warm_zygote_drain_log(y);
	zygote_reap(&y->z, &status);
	if (y->listen_fd >= 0)
		close(y->listen_fd);
	y->listen_fd = -1;
	unlink(y->path);
	return status;
}
