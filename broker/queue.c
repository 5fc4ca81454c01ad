/* broker: running qmail-queue; trusted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
#include "queue.h"

int
queue_is_self(const char *path)
{
	struct stat a, b;

	if (stat(path, &a) != 0 || stat("/proc/self/exe", &b) != 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
queue_deliver(const char *qmail_queue, const char *header,
    const struct spool *sp, const struct envelope *envl, char **env,
    enum qscan_failure *failure, char **why)
{
	int msg[2], envp[2], status, wrote = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t pid;

	if (pipe2(msg, O_CLOEXEC) != 0)
		goto fail_early;
	if (pipe2(envp, O_CLOEXEC) != 0) {
		close(msg[0]);
		close(msg[1]);
		goto fail_early;
	}
	pid = fork();
	if (pid < 0) {
		close(msg[0]); close(msg[1]); close(envp[0]); close(envp[1]);
		goto fail_early;
	}
	if (pid == 0) {
		char *argv[] = { (char *)qmail_queue, NULL };

		if (dup2(msg[0], 0) < 0 || dup2(envp[0], 1) < 0)
			_exit(QQ_TEMP_INTERNAL_BUG);
		execve(qmail_queue, argv, env);
		_exit(QQ_TEMP_EXEC_FAILED);
	}
	close(msg[0]);
	close(envp[0]);
	/* qmail-queue may exit early (a refusal): its pipe must not kill us. */
	sigaction(SIGPIPE, &ign, &old);
	if (fd_write_all(msg[1], header, strlen(header)) == 0 &&
	    spool_copy_to(sp, msg[1]) == 0) {
		close(msg[1]);
		msg[1] = -1;
		wrote = fd_write_all(envp[1], envl->raw->data,
		    envl->raw->len) == 0;
	}
	if (msg[1] >= 0)
		close(msg[1]);
	close(envp[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			*why = g_strdup_printf("waitpid: %s", strerror(errno));
			*failure = FAIL_INTERNAL;
			return -1;
		}
	if (WIFSIGNALED(status)) {
		*why = g_strdup_printf("%s killed by signal %d", qmail_queue,
		    WTERMSIG(status));
		*failure = FAIL_INTERNAL;
		return -1;
	}
	if (WEXITSTATUS(status) == QQ_TEMP_EXEC_FAILED)
		*why = g_strdup_printf("cannot run %s", qmail_queue);
	else if (!wrote && WEXITSTATUS(status) == 0) {
		/* It claims success but did not get everything: never say 0. */
		*why = g_strdup_printf("%s exited 0 before reading the whole "
		    "message", qmail_queue);
		*failure = FAIL_WRITE;
		return -1;
	}
	return WEXITSTATUS(status);

fail_early:
	*why = g_strdup_printf("cannot start %s: %s", qmail_queue,
	    strerror(errno));
	*failure = FAIL_INTERNAL;
	return -1;
}
