/* tests: a zygote's final filter, compiled once (seccomp/install.c):
 * with a child's pid patched in, it is the very program libseccomp
 * compiles for that pid, for every role and pids across the range, also
 * when prepared under an RLIMIT_FSIZE of 0 (the clamd zygote's);
 * nothing prepared for another role.  Installed for real in a child: its
 * own tgkill passes, one at its parent kills it (SIGSYS). */
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <glib.h>

#include "check.h"
#include "role_runtime.h"
#include "sandbox.h"
#include "sandbox_tables.h"

static struct sock_filter want[BPF_MAXINSNS], got[BPF_MAXINSNS];

static void
compare_for(enum role_id role, uint64_t pid)
{
	scmp_filter_ctx ctx;
	const char *why = "";
	size_t want_len = 0, got_len = 0;

	ctx = sandbox_filter_build_as(SANDBOX_FILTER_FINAL, role, pid, &why);
	CHECK(ctx != NULL);
	if (ctx == NULL)
		return;
	CHECK_INT(sandbox_filter_export(ctx, want, BPF_MAXINSNS, &want_len,
	    &why), 0);
	seccomp_release(ctx);
	CHECK_INT(sandbox_final_filter_prepared(role, pid, got, BPF_MAXINSNS,
	    &got_len), 0);
	CHECK_INT(got_len, want_len);
	CHECK(got_len == want_len &&
	    memcmp(got, want, want_len * sizeof(*want)) == 0);
}

/* In a child: the lockdown with the prepared program, then a tgkill at
 * `target` (SIGABRT, the one the rule admits): its own pid reaches the
 * lockdown's abort handler (exit ROLE_EXIT_ABORT), another pid is
 * killed by the filter (SIGSYS).  Pids taken before the lockdown. */
static int
tgkill_after_lockdown(enum role_id role, int at_parent)
{
	const char *why = "";
	int status = 0;
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		pid_t self = getpid(), target = at_parent ? parent : self;

		if (sandbox_role_lockdown(role, &why) != 0)
			_exit(2);
		syscall(SYS_tgkill, target, target, SIGABRT);
		_exit(3);
	}
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	return status;
}

int
main(void)
{
	static const enum role_id roles[] = { ROLE_CANARY, ROLE_UNPACK,
	    ROLE_CLAMAV, ROLE_CLAMD };
	static const uint64_t pids[] = { 1, 2, 6, 1000, 65535, 65536,
	    4194303 };
	const char *why = "";
	size_t len;
	struct rlimit fsize;
	int status;

	CHECK_INT(getrlimit(RLIMIT_FSIZE, &fsize), 0);

	for (unsigned r = 0; r < G_N_ELEMENTS(roles); r++) {
		/* As in a zygote whose RLIMIT_FSIZE is 0 (clamd's). */
		CHECK_INT(setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 0,
		    fsize.rlim_max }), 0);
		CHECK_INT(sandbox_final_filter_prepare(roles[r], &why), 0);
		CHECK_INT(setrlimit(RLIMIT_FSIZE, &fsize), 0);
		for (unsigned i = 0; i < G_N_ELEMENTS(pids); i++)
			compare_for(roles[r], pids[i]);
		for (unsigned o = 0; o < G_N_ELEMENTS(roles); o++)
			if (o != r)
				CHECK_INT(sandbox_final_filter_prepared(
				    roles[o], 2, got, BPF_MAXINSNS, &len), -1);
	}
	CHECK_INT(sandbox_final_filter_prepare(ROLE_CANARY, &why), 0);
	status = tgkill_after_lockdown(ROLE_CANARY, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == ROLE_EXIT_ABORT);
	status = tgkill_after_lockdown(ROLE_CANARY, 1);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	return CHECK_DONE();
}
