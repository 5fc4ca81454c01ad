/* seccomp: the canary role; untrusted by design: it must die by SIGSYS.
 * The broker runs it before every message.  It reports what only a fully
 * confined role shows (its uid, pid 1, open() refused after lockdown:
 * REC_CANARY_REPORT in common/record.h, checked by broker/canary_report.c),
 * then makes a call the outer filter allows and only the final filter
 * kills.  A canary that lives, or reports anything else, means no
 * sandbox, and then no service. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "role_runtime.h"
#include "sandbox.h"

int
main(void)
{
	struct rec_writer w;
	const char *why;
	uint32_t uid, gid, pid, open_errno;
	int fd;

	/* getuid and getgid are not on the final list: ask before. */
	uid = (uint32_t)getuid();
	gid = (uint32_t)getgid();
	if (sandbox_role_lockdown(ROLE_CANARY, &why) < 0) {
		role_log("canary: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	pid = (uint32_t)getpid();
	fd = open(CANARY_OPEN_PATH, O_RDONLY | O_CLOEXEC);
	open_errno = fd < 0 ? (uint32_t)errno : 0;
	role_send_hello(ROLE_CANARY);
	rec_begin(&w, REC_CANARY_REPORT);
	rec_put_u32(&w, uid);
	rec_put_u32(&w, gid);
	rec_put_u32(&w, pid);
	rec_put_u32(&w, open_errno);
	role_send(&w, -1);
	/* AF_UNIX passes the outer filter: only the final filter's default
	 * action kills us here, before the kernel sees the call. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	role_log("canary: socket(AF_UNIX) returned %d (%s): the final filter "
	    "did not kill the canary", fd, fd < 0 ? strerror(errno) :
	    "a socket");
	_exit(ROLE_EXIT_OK);
}
