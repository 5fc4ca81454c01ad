/* seccomp: the review room; turns the tables into BPF and installs it, in
 * the broker (outer filter, compiled once), the spawner's child (rlimits
 * and the outer filter, no allocation) and each role (lockdown).  Trusted code, runs in untrusted roles. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <glib.h>
#include <seccomp.h>

#include "role_runtime.h"
#include "sandbox_tables.h"

/* The kernel refuses longer programs; our tables are far below. */
#define SANDBOX_BPF_MAX BPF_MAXINSNS

static uint32_t
action_to_scmp(enum sandbox_action a)
{
	switch (a) {
	case SANDBOX_ALLOW:
		return SCMP_ACT_ALLOW;
	case SANDBOX_EACCES:
		return SCMP_ACT_ERRNO(EACCES);
	case SANDBOX_EPERM:
		return SCMP_ACT_ERRNO(EPERM);
	case SANDBOX_ENOSYS:
		return SCMP_ACT_ERRNO(ENOSYS);
	case SANDBOX_KILL:
		return SCMP_ACT_KILL_PROCESS;
	default:
		/* An unknown action in a table must never become "allow". */
		return SCMP_ACT_KILL_PROCESS;
	}
}

/* Adds one libseccomp rule; range arguments are expanded by the caller. */
static int
rule_add_exact(scmp_filter_ctx ctx, uint32_t action, int nr,
    const struct scmp_arg_cmp *cmp, unsigned ncmp)
{
	return seccomp_rule_add_exact_array(ctx, action, nr, ncmp, cmp);
}

static int
rule_add(scmp_filter_ctx ctx, const struct sandbox_rule *r, uint64_t self_pid,
    const char **why)
{
	struct scmp_arg_cmp cmp[SANDBOX_ARGS_MAX];
	const struct sandbox_arg *range = NULL;
	unsigned ncmp = 0, range_slot = 0;
	uint32_t action = action_to_scmp(r->action);
	int nr;

	nr = seccomp_syscall_resolve_name(r->syscall);
	if (nr == __NR_SCMP_ERROR || nr < 0) {
		/* A typo in a table must fail loudly, not drop the rule. */
		*why = "a syscall name in the sandbox tables is unknown to "
		    "libseccomp on this architecture";
		return -1;
	}
	for (unsigned i = 0; i < SANDBOX_ARGS_MAX; i++) {
		const struct sandbox_arg *a = &r->args[i];

		switch (a->cmp) {
		case SANDBOX_CMP_NONE:
			continue;
		case SANDBOX_CMP_EQ:
			cmp[ncmp++] = SCMP_CMP64(a->index, SCMP_CMP_EQ, a->a, 0);
			break;
		case SANDBOX_CMP_NE:
			cmp[ncmp++] = SCMP_CMP64(a->index, SCMP_CMP_NE, a->a, 0);
			break;
		case SANDBOX_CMP_EQ_SELF:
			cmp[ncmp++] = SCMP_CMP64(a->index, SCMP_CMP_EQ,
			    self_pid, 0);
			break;
		case SANDBOX_CMP_MASKED_EQ:
			cmp[ncmp++] = SCMP_CMP64(a->index, SCMP_CMP_MASKED_EQ,
			    a->a, a->b);
			break;
		case SANDBOX_CMP_RANGE:
			if (range != NULL || a->a > a->b) {
				*why = "a sandbox table range is malformed";
				return -1;
			}
			range = a;
			range_slot = ncmp++;
			break;
		default:
			*why = "a sandbox table comparison is unknown";
			return -1;
		}
	}
	if (range == NULL) {
		if (rule_add_exact(ctx, action, nr, cmp, ncmp) < 0)
			goto refused;
		return 0;
	}
	/* lo..hi as aligned power-of-two blocks: (arg & ~(size-1)) == start
	 * compares all 64 bits, so the high word must be zero. */
	for (uint64_t lo = range->a; lo <= range->b; ) {
		uint64_t size = 1;

		while (size < (UINT64_C(1) << 62) && lo % (size * 2) == 0 &&
		    lo + size * 2 - 1 <= range->b)
			size *= 2;
		cmp[range_slot] = SCMP_CMP64(range->index, SCMP_CMP_MASKED_EQ,
		    ~(size - 1), lo);
		if (rule_add_exact(ctx, action, nr, cmp, ncmp) < 0)
			goto refused;
		if (lo + size - 1 == range->b)
			break;
		lo += size;
	}
	return 0;
refused:
	*why = "libseccomp refused a rule of the sandbox tables";
	return -1;
}

/* `owner`, when not NULL, is a profile whose own entries replace these
 * rules for every syscall it names (see sandbox_profile_overrides). */
static int
rules_add(scmp_filter_ctx ctx, const struct sandbox_rule *rules, size_t n,
    const struct role_profile *owner, uint64_t self_pid, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		if (owner != NULL &&
		    sandbox_profile_overrides(owner, rules[i].syscall))
			continue;
		if (rule_add(ctx, &rules[i], self_pid, why) < 0)
			return -1;
	}
	return 0;
}

scmp_filter_ctx
sandbox_filter_build(enum sandbox_filter_kind kind, enum role_id role,
    const char **why)
{
	return sandbox_filter_build_as(kind, role, (uint64_t)getpid(), why);
}

scmp_filter_ctx
sandbox_filter_build_as(enum sandbox_filter_kind kind, enum role_id role,
    uint64_t self_pid, const char **why)
{
	const struct role_profile *p = NULL;
	scmp_filter_ctx ctx;
	uint32_t def;

	if (kind == SANDBOX_FILTER_FINAL) {
		p = sandbox_profile(role);
		if (p == NULL) {
			*why = "no sandbox profile for this role";
			return NULL;
		}
		def = SANDBOX_FINAL_DEFAULT;
	} else {
		def = SANDBOX_OUTER_DEFAULT;
	}
	ctx = seccomp_init(def);
	if (ctx == NULL) {
		*why = "seccomp_init failed";
		return NULL;
	}
	/* Native x86_64 only: i386 (int 0x80) and anything else fail the arch
	 * check, and libseccomp's x86_64 program also kills x32 numbers
	 * (nr >= 0x40000000), which would otherwise bypass every rule. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
		*why = "libseccomp refused a filter attribute";
		goto fail;
	}
	if (kind == SANDBOX_FILTER_FINAL) {
		if (rules_add(ctx, sandbox_baseline_rules,
		    sandbox_n_baseline_rules, p, self_pid, why) < 0 ||
		    rules_add(ctx, p->rules, p->n_rules, NULL, self_pid,
		    why) < 0)
			goto fail;
	} else if (kind == SANDBOX_FILTER_SERVICE) {
		if (rules_add(ctx, sandbox_service_rules,
		    sandbox_n_service_rules, NULL, self_pid, why) < 0)
			goto fail;
	} else if (rules_add(ctx, sandbox_outer_rules, sandbox_n_outer_rules,
	    NULL, self_pid, why) < 0) {
		goto fail;
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int
sandbox_filter_export(scmp_filter_ctx ctx, struct sock_filter *buf,
    size_t cap, size_t *len, const char **why)
{
	struct rlimit rl;
	off_t size;
	ssize_t n;
	int fd, rc = -1;

	/* libseccomp 2.5 exports only to a descriptor.  A memfd write counts
	 * against RLIMIT_FSIZE: refuse rather than die of SIGXFSZ. */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < cap * sizeof(*buf)) {
		*why = "RLIMIT_FSIZE is too low to export the seccomp program";
		return -1;
	}
	fd = memfd_create("qscan-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		*why = "memfd_create for the seccomp program failed";
		return -1;
	}
	if (seccomp_export_bpf(ctx, fd) < 0) {
		*why = "seccomp_export_bpf failed";
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || (size_t)size > cap * sizeof(*buf) ||
	    size % sizeof(*buf) != 0) {
		*why = "the exported seccomp program has a bad size";
		goto out;
	}
	n = pread(fd, buf, (size_t)size, 0);
	if (n != size) {
		*why = "reading back the seccomp program failed";
		goto out;
	}
	*len = (size_t)size / sizeof(*buf);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Owned here for the life of the broker; the spawner's children inherit
 * it through fork and install it without touching libseccomp. */
static struct sock_filter outer_program[SANDBOX_BPF_MAX];
static size_t outer_len;

int
sandbox_outer_filter_compile(struct sock_fprog *out)
{
	scmp_filter_ctx ctx;
	const char *why;
	int rc;

	if (outer_len == 0) {
		ctx = sandbox_filter_build(SANDBOX_FILTER_OUTER, ROLE_CANARY,
		    &why);
		if (ctx == NULL)
			return -1;
		rc = sandbox_filter_export(ctx, outer_program, SANDBOX_BPF_MAX,
		    &outer_len, &why);
		seccomp_release(ctx);
		if (rc < 0) {
			outer_len = 0;
			return -1;
		}
	}
	out->len = (unsigned short)outer_len;
	out->filter = outer_program;
	return 0;
}

int
sandbox_service_filter_install(const char **why)
{
	scmp_filter_ctx ctx = sandbox_filter_build(SANDBOX_FILTER_SERVICE,
	    ROLE_CANARY, why);
	int rc;

	if (ctx == NULL)
		return -1;
	/* libseccomp sets NO_NEW_PRIVS first (SCMP_FLTATR_CTL_NNP). */
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		*why = "seccomp_load of the service filter failed";
		return -1;
	}
	return 0;
}

int
sandbox_outer_filter_install(const struct sock_fprog *prog)
{
	if (prog == NULL || prog->len == 0 || prog->filter == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}

/* A zygote's final filter, compiled once before it serves: each child
 * patches its own pid into the comparisons SANDBOX_CMP_EQ_SELF made and
 * installs it, instead of running libseccomp after every fork (measured
 * 0.18 against 0.06 ms per lockdown in a small process; a zygote's child
 * also copies on write what libseccomp allocates).  The
 * places to patch are found by compiling for two pids and comparing:
 * the programs must differ in those constants and nothing else, or the
 * children compile their own as before. */
#define PREPARED_PID_A	0x3ffff1u
#define PREPARED_PID_B	0x3ffff2u
#define PREPARED_SLOTS_MAX 16

static struct {
	enum role_id role;	/* 0: none prepared */
	size_t len;
	unsigned n_slots;
	unsigned slot[PREPARED_SLOTS_MAX];
	struct sock_filter prog[SANDBOX_BPF_MAX];
} prepared;

/* As sandbox_filter_export, through a pipe: a zygote's RLIMIT_FSIZE may
 * be 0 (clamd's), which a memfd write would hit.  Non-blocking: a
 * program larger than the pipe holds fails, it does not hang. */
static int
export_via_pipe(scmp_filter_ctx ctx, struct sock_filter *buf, size_t *len,
    const char **why)
{
	const size_t cap = SANDBOX_BPF_MAX * sizeof(*buf);
	size_t got = 0;
	ssize_t n;
	char extra;
	int p[2], rc = -1;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
		*why = "pipe2 for the seccomp program failed";
		return -1;
	}
	if (seccomp_export_bpf(ctx, p[1]) < 0) {
		*why = "seccomp_export_bpf failed";
		goto out;
	}
	while (got < cap && (n = read(p[0], (char *)buf + got,
	    cap - got)) > 0)
		got += (size_t)n;
	if (got == 0 || got % sizeof(*buf) != 0 ||
	    read(p[0], &extra, 1) > 0) {
		*why = "the exported seccomp program has a bad size";
		goto out;
	}
	*len = got / sizeof(*buf);
	rc = 0;
out:
	close(p[0]);
	close(p[1]);
	return rc;
}

static int
final_program(enum role_id role, uint64_t self_pid, struct sock_filter *buf,
    size_t *len, const char **why)
{
	scmp_filter_ctx ctx = sandbox_filter_build_as(SANDBOX_FILTER_FINAL,
	    role, self_pid, why);
	int rc;

	if (ctx == NULL)
		return -1;
	rc = export_via_pipe(ctx, buf, len, why);
	seccomp_release(ctx);
	return rc;
}

int
sandbox_final_filter_prepare(enum role_id role, const char **why)
{
	struct sock_filter *other;
	size_t other_len = 0;
	int rc = -1;

	prepared.role = 0;
	prepared.n_slots = 0;
	if (final_program(role, PREPARED_PID_A, prepared.prog, &prepared.len,
	    why) != 0)
		return -1;
	other = g_new(struct sock_filter, SANDBOX_BPF_MAX);
	if (final_program(role, PREPARED_PID_B, other, &other_len, why) != 0)
		goto out;
	*why = "the final filter's own-pid comparisons cannot be located";
	if (other_len != prepared.len)
		goto out;
	for (size_t i = 0; i < prepared.len; i++) {
		const struct sock_filter *a = &prepared.prog[i], *b = &other[i];

		if (memcmp(a, b, sizeof(*a)) == 0)
			continue;
		if (a->code != b->code || a->jt != b->jt || a->jf != b->jf ||
		    a->k != PREPARED_PID_A || b->k != PREPARED_PID_B ||
		    prepared.n_slots == PREPARED_SLOTS_MAX)
			goto out;
		prepared.slot[prepared.n_slots++] = (unsigned)i;
	}
	prepared.role = role;
	rc = 0;
out:
	g_free(other);
	return rc;
}

int
sandbox_final_filter_prepared(enum role_id role, uint64_t self_pid,
    struct sock_filter *buf, size_t cap, size_t *len)
{
	if (prepared.role == 0 || prepared.role != role ||
	    self_pid > UINT32_MAX || cap < prepared.len)
		return -1;
	memcpy(buf, prepared.prog, prepared.len * sizeof(*buf));
	for (unsigned i = 0; i < prepared.n_slots; i++)
		buf[prepared.slot[i]].k = (uint32_t)self_pid;
	*len = prepared.len;
	return 0;
}

/* The prepared program, patched in place for this process: 1 when there
 * is one for `role`. */
static int
prepared_patch_own(enum role_id role)
{
	uint32_t self = (uint32_t)getpid();

	if (prepared.role == 0 || prepared.role != role)
		return 0;
	for (unsigned i = 0; i < prepared.n_slots; i++)
		prepared.prog[prepared.slot[i]].k = self;
	return 1;
}

static int
rlimits_after_exec(const struct role_profile *p, const char **why)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct role_rlimit *l = &p->rlimits[i];
		struct rlimit rl = { l->soft, l->hard };

		if (!l->after_exec)
			continue;
		if (setrlimit(l->resource, &rl) < 0) {
			*why = "setting an after-exec rlimit failed";
			return -1;
		}
	}
	return 0;
}

/* A role is pid 1 of its pid namespace, and the kernel ignores a signal
 * pid 1 sends itself when no handler is set: abort()'s raise(SIGABRT) would
 * do nothing, glibc would then reset the handler (rt_sigaction: killed by
 * the final filter, SIGSYS, read as a violation) or reach its hlt
 * (SIGSEGV, read as a crash).  With this handler an abort after lockdown
 * ends in ROLE_EXIT_ABORT, which the broker reads as "aborted". */
static void
abort_handler(int sig)
{
	(void)sig;
	_exit(ROLE_EXIT_ABORT);
}

static int
abort_handler_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = abort_handler;
	sigfillset(&sa.sa_mask);
	return sigaction(SIGABRT, &sa, NULL);
}

int
sandbox_role_lockdown(enum role_id role, const char **why)
{
	return sandbox_role_lockdown_dir(role, NULL, why);
}

int
sandbox_role_lockdown_dir(enum role_id role, const char *dir,
    const char **why)
{
	const struct role_profile *p;
	scmp_filter_ctx ctx = NULL;
	int have_prepared;

	*why = "sandbox lockdown failed";
	p = sandbox_profile(role);
	if (p == NULL) {
		*why = "no sandbox profile for this role";
		return -1;
	}
	/* Compile first, while malloc and memfds are still unconstrained;
	 * a zygote's child has its program compiled already. */
	have_prepared = prepared_patch_own(role);
	if (!have_prepared &&
	    (ctx = sandbox_filter_build(SANDBOX_FILTER_FINAL, role, why)) ==
	    NULL)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*why = "PR_SET_NO_NEW_PRIVS failed";
		goto fail;
	}
	if (rlimits_after_exec(p, why) < 0)
		goto fail;
	if (abort_handler_install() < 0) {
		*why = "installing the SIGABRT handler failed";
		goto fail;
	}
	/* Required: a kernel without Landlock gets no service, never a
	 * silently weaker sandbox (the xz lesson). */
	if (sandbox_landlock_restrict(p->landlock, dir, why) < 0)
		goto fail;
	/* TSYNC: a library thread must not stay outside the filter (what
	 * seccomp_load asks for too, SCMP_FLTATR_CTL_TSYNC). */
	if (have_prepared) {
		struct sock_fprog prog = { (unsigned short)prepared.len,
		    prepared.prog };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
			*why = "loading the final seccomp filter failed";
			goto fail;
		}
		return 0;
	}
	if (seccomp_load(ctx) < 0) {
		*why = "loading the final seccomp filter failed";
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	if (ctx != NULL)
		seccomp_release(ctx);
	return -1;
}
