/* seccomp: the canary role; untrusted by design: it must die by SIGSYS.
 * The broker runs it at start; a canary that lives means no sandbox, and
 * then no service. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "role_runtime.h"
#include "sandbox.h"

int
main(void)
{
	const char *why;
	int fd;

	if (sandbox_role_lockdown(ROLE_CANARY, &why) < 0) {
		role_log("canary: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	role_send_hello(ROLE_CANARY);
	/* A network socket: the final filter's default action must kill us
	 * here, before the kernel ever sees the call. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	role_log("canary: socket(AF_INET) returned %d (%s): the sandbox did "
	    "not kill the canary", fd, fd < 0 ? strerror(errno) : "a socket");
	_exit(ROLE_EXIT_OK);
}
