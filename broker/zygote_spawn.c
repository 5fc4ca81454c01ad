/* broker: a zygote's start, its status messages and its end; trusted,
 * reads what the zygote (untrusted) says through zyg_decode. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "fd_pass.h"
#include "zygote_proto.h"
#include "zygote_spawn.h"

/* Connections that wait for a zygote to accept them: every worker's,
 * during a zygote's restart or swap. */
#define ZYGOTE_BACKLOG 128

int
zygote_listen_socket(const char *path, char **why)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = g_strdup_printf("%s: socket path too long", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = g_strdup_printf("socket: %s", strerror(errno));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Born 0600: never a moment in which another user may connect. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 ||
	    listen(fd, ZYGOTE_BACKLOG) != 0) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
zygote_spawn(const struct spawn_spec *spec, int listen_fd, struct zygote *z,
    char **why)
{
	struct spawn_spec zs = *spec;
	struct role_proc rp;

	memset(z, 0, sizeof(*z));
	z->pid = -1;
	z->pidfd = z->records_fd = z->log_fd = -1;
	z->cgroup.dir_fd = -1;
	if (spec->settings == NULL) {
		*why = g_strdup("a zygote needs its warm settings");
		return -1;
	}
	zs.message_fd = listen_fd;
	zs.peer_fd = -1;
	zs.zygote = 1;
	if (spawn_role(&zs, &rp, why) != 0)
		return -1;
	z->role = rp.role;
	z->pid = rp.pid;
	z->pidfd = rp.pidfd;
	z->records_fd = rp.records_fd;
	z->log_fd = rp.log_fd;
	z->cgroup = rp.cgroup;
	return 0;
}

void
zygote_reap(struct zygote *z, int *status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (z->pidfd >= 0 &&
	    waitid(P_PIDFD, (id_t)z->pidfd, &si, WEXITED) == 0 && status)
		*status = si.si_code == CLD_EXITED ?
		    W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
	role_cgroup_remove(&z->cgroup);
	if (z->pidfd >= 0)
		close(z->pidfd);
	if (z->records_fd >= 0)
		close(z->records_fd);
	if (z->log_fd >= 0)
		close(z->log_fd);
	z->pidfd = z->records_fd = z->log_fd = -1;
	z->pid = -1;
}

int
zygote_read_status(int records_fd, enum zygote_status *st, char **why)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	const char *text = "receive failed";
	struct zyg_msg m;
	int fd = -1;
	ssize_t n = fd_pass_recv(records_fd, buf, sizeof(buf), 0, &fd, &text);

	if (fd >= 0)
		close(fd);
	if (n == 0) {
		*why = g_strdup("the zygote closed its channel: it died");
		return -1;
	}
	if (n < 0) {
		*why = g_strdup_printf("from the zygote: %s", n ==
		    FD_PASS_MALFORMED ? text : strerror(errno));
		return -1;
	}
	if (zyg_decode(buf, (size_t)n, fd >= 0, &m, &text) != 0) {
		*why = g_strdup_printf("from the zygote, refused: %s", text);
		return -1;
	}
	if (m.type == ZYG_READY)
		*st = ZYGOTE_READY;
	else if (m.type == ZYG_RETIRING)
		*st = ZYGOTE_RETIRING;
	else {
		*why = g_strdup("from the zygote, refused: neither READY nor "
		    "RETIRING");
		return -1;
	}
	return 0;
}

static int
zygote_tell(int records_fd, enum zyg_type type)
{
	struct zyg_msg m = { .type = type };
	uint8_t buf[ZYG_MSG_MAX];
	size_t len = zyg_encode(&m, buf);

	return fd_pass_send(records_fd, buf, len, -1, MSG_DONTWAIT) ==
	    (ssize_t)len ? 0 : -1;
}

int
zygote_tell_retire(int records_fd)
{
	return zygote_tell(records_fd, ZYG_RETIRE);
}

int
zygote_tell_serve(int records_fd)
{
	return zygote_tell(records_fd, ZYG_SERVE);
}
