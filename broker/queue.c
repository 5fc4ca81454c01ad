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

/* The vfork child, on our stack and in our memory until execve: no
 * handler of ours may run in it (the deadline's SIGALRM would act for us),
 * so every signal stays blocked until each handled one is back at its
 * default, as posix_spawn does. */
static void __attribute__((noreturn))
queue_child(const char *qmail_queue, char **argv, char **env, int msg_fd,
    int env_fd, const sigset_t *mask)
{
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (dup2(msg_fd, 0) < 0 || dup2(env_fd, 1) < 0)
		_exit(QQ_TEMP_INTERNAL_BUG);
	execve(qmail_queue, argv, env);
	_exit(QQ_TEMP_EXEC_FAILED);
}

int
queue_deliver(const char *qmail_queue, const char *header,
    const struct spool *sp, const struct envelope *envl, char **env,
    enum qscan_failure *failure, char **why)
{
	char *argv[] = { (char *)qmail_queue, NULL };
	int msg[2], envp[2], status, wrote;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t all, mask;
	pid_t pid;

	if (pipe2(msg, O_CLOEXEC) != 0)
		goto fail_early;
	if (pipe2(envp, O_CLOEXEC) != 0) {
		close(msg[0]);
		close(msg[1]);
		goto fail_early;
	}
	/* vfork, not fork: the child borrows our memory until its exec, so
	 * no page table is copied and none of our pages turns copy-on-write,
	 * a cost paid on every message (docs/warm.md).  Until then it only
	 * moves two descriptors and execs, or _exits. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &mask);
	pid = vfork();
	if (pid == 0)
		queue_child(qmail_queue, argv, env, msg[0], envp[0], &mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (pid < 0) {
		close(msg[0]); close(msg[1]); close(envp[0]); close(envp[1]);
		goto fail_early;
	}
	close(msg[0]);
	close(envp[0]);
	wrote = 0;
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
	/* From here qmail-queue may commit: the caller's alarm must not turn
	 * a delivery into a tempfail and a duplicate.  Until here it may:
	 * qmail-queue commits nothing before the envelope's end, and our
	 * exit closes its input.  It has its own limit (DEATH, 24 hours). */
	alarm(0);
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
