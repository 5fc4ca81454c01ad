/* seccomp: the review room; prints a profile from the same tables that
 * install it, for `qscan profiles` and the reviewed *.profile files.
 * Trusted; output is deterministic (no addresses, no times). */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>

#include <glib.h>
#include <seccomp.h>

#include "sandbox_tables.h"

static const struct {
	int flag;
	const char *name;
} clone_flag_names[] = {
	{ CLONE_NEWUSER, "user" },
	{ CLONE_NEWPID, "pid" },
	{ CLONE_NEWNET, "net" },
	{ CLONE_NEWIPC, "ipc" },
	{ CLONE_NEWNS, "mount" },
	{ CLONE_NEWUTS, "uts" },
	{ CLONE_NEWCGROUP, "cgroup" },
};

static void
print_limit(FILE *out, rlim_t v)
{
	if (v == RLIM_INFINITY)
		fprintf(out, "unlimited");
	else
		fprintf(out, "%" PRIu64, (uint64_t)v);
}

static void
print_rlimits(FILE *out, const struct role_profile *p)
{
	fprintf(out, "rlimits (soft hard; when; why):\n");
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct role_rlimit *l = &p->rlimits[i];

		fprintf(out, "  %-15s ", sandbox_rlimit_name(l->resource));
		print_limit(out, l->soft);
		fputc(' ', out);
		print_limit(out, l->hard);
		fprintf(out, "; %s; %s\n",
		    l->after_exec ? "after exec, by sandbox_role_lockdown" :
		    l->per_message ? "before exec, by the spawner, but not "
		    "for a zygote: its children set it after their fork" :
		    "before exec, by the spawner", l->why);
	}
}

static void
print_arg(FILE *out, const struct sandbox_arg *a)
{
	fprintf(out, "arg%u %s %s", a->index, a->name, a->text);
	switch (a->cmp) {
	case SANDBOX_CMP_EQ:
		fprintf(out, " [== 0x%" PRIx64 ", 64 bits]", a->a);
		break;
	case SANDBOX_CMP_NE:
		fprintf(out, " [!= 0x%" PRIx64 ", 64 bits]", a->a);
		break;
	case SANDBOX_CMP_MASKED_EQ:
		fprintf(out, " [& 0x%" PRIx64 " == 0x%" PRIx64 "]", a->a, a->b);
		break;
	case SANDBOX_CMP_EQ_SELF:
		fprintf(out, " [== getpid() at lockdown, 64 bits]");
		break;
	case SANDBOX_CMP_RANGE:
		fprintf(out, " [%" PRIu64 "..%" PRIu64 ", 64 bits, as aligned "
		    "masked blocks]", a->a, a->b);
		break;
	case SANDBOX_CMP_NONE:
	default:
		break;
	}
}

/* `owner`, when not NULL, marks the entries its own table takes over:
 * they are printed as "replaced" and not compiled for that role. */
static void
print_rules(FILE *out, const struct sandbox_rule *rules, size_t n,
    const struct role_profile *owner)
{
	for (size_t i = 0; i < n; i++) {
		const struct sandbox_rule *r = &rules[i];
		int nr = seccomp_syscall_resolve_name(r->syscall);
		int first = 1;

		if (owner != NULL &&
		    sandbox_profile_overrides(owner, r->syscall)) {
			fprintf(out, "  %-13s %s (%d): %s's own entries below "
			    "replace this one\n", "replaced", r->syscall, nr,
			    owner->name);
			continue;
		}
		fprintf(out, "  %-13s %s (%d)", sandbox_action_name(r->action),
		    r->syscall, nr);
		for (unsigned k = 0; k < SANDBOX_ARGS_MAX; k++) {
			if (r->args[k].cmp == SANDBOX_CMP_NONE)
				continue;
			fprintf(out, first ? " if " : " and ");
			print_arg(out, &r->args[k]);
			first = 0;
		}
		fprintf(out, "\n      why: %s\n", r->why);
	}
}

/* SHA-256 of the BPF libseccomp generates from the tables: the same
 * program the role or the spawner loads; it changes with the tables and
 * with libseccomp, and the reviewed text shows either. */
static void
print_bpf(FILE *out, const char *label, enum sandbox_filter_kind kind,
    enum role_id role)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	g_autoptr(GChecksum) sum = NULL;
	scmp_filter_ctx ctx;
	const char *why = "unknown";
	size_t len = 0;
	int rc;

	/* As an exec'd role builds it: pid 1 of its namespace. */
	ctx = sandbox_filter_build_as(kind, role, 1, &why);
	if (ctx == NULL) {
		fprintf(out, "  %s: cannot build: %s\n", label, why);
		return;
	}
	rc = sandbox_filter_export(ctx, prog, BPF_MAXINSNS, &len, &why);
	seccomp_release(ctx);
	if (rc < 0) {
		fprintf(out, "  %s: cannot export: %s\n", label, why);
		return;
	}
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sum, (const guchar *)prog, len * sizeof(prog[0]));
	fprintf(out, "  %s: %zu instructions, sha256 %s\n", label, len,
	    g_checksum_get_string(sum));
}

void
sandbox_profile_print(FILE *out, enum role_id role)
{
	const struct role_profile *p = sandbox_profile(role);
	const struct scmp_version *v = seccomp_version();

	if (p == NULL) {
		fprintf(out, "role %u: no profile\n", (unsigned)role);
		return;
	}
	fprintf(out, "role: %s (id %u)\n", p->name, (unsigned)p->role);
	fprintf(out, "helper: qscan-%s\n", p->name);
	fprintf(out, "user: %s (default; own uid and gid, no supplementary "
	    "groups, no capabilities)\n", p->user);
	fprintf(out, "namespaces:");
	for (size_t i = 0; i < G_N_ELEMENTS(clone_flag_names); i++)
		if (p->clone_flags & clone_flag_names[i].flag)
			fprintf(out, " %s", clone_flag_names[i].name);
	fprintf(out, " (clone flags 0x%x)\n", (unsigned)p->clone_flags);
	fprintf(out, "descriptors: %s; all others closed\n", p->fds);
	/* Only profiles with a scratch directory print this line, so the
	 * reviewed text of the others stays as it was. */
	if (p->tmpfs_dir != NULL)
		fprintf(out, "tmpfs: %s, %llu bytes, empty, mode 0700, owned "
		    "by the role, nosuid nodev noexec, in its own mount "
		    "namespace (mounted by the spawner)\n", p->tmpfs_dir,
		    p->tmpfs_bytes);
	if (p->hidden_dir != NULL)
		fprintf(out, "hidden: %s, an empty read-only tmpfs over it in "
		    "the role's mount namespace (mounted by the spawner)\n",
		    p->hidden_dir);
	if (p->own_uid_why != NULL)
		fprintf(out, "shared uid: refused (a broker installed setuid "
		    "qscand does not run this role): %s\n", p->own_uid_why);
	print_rlimits(out, p);

	fprintf(out, "outer filter (the spawner installs it before exec; "
	    "default allow; arch x86_64 only, other arches and x32 kill the "
	    "process):\n");
	print_rules(out, sandbox_outer_rules, sandbox_n_outer_rules, NULL);

	sandbox_landlock_print(out, p->landlock);

	fprintf(out, "final filter (the role installs it at lockdown, before "
	    "reading the message; default kill process; arch x86_64 only, "
	    "other arches and x32 kill the process):\n");
	fprintf(out, " common to every role:\n");
	print_rules(out, sandbox_baseline_rules, sandbox_n_baseline_rules, p);
	fprintf(out, " %s only:\n", p->name);
	if (p->n_rules == 0)
		fprintf(out, "  (nothing beyond the common list)\n");
	print_rules(out, p->rules, p->n_rules, NULL);
	fprintf(out, " killed by the default action (listed for the reader, "
	    "not compiled):\n");
	print_rules(out, sandbox_documented_kills, sandbox_n_documented_kills,
	    NULL);

	fprintf(out, "bpf (libseccomp %u.%u.%u, x86_64):\n", v->major, v->minor,
	    v->micro);
	print_bpf(out, "outer", SANDBOX_FILTER_OUTER, p->role);
	print_bpf(out, "final", SANDBOX_FILTER_FINAL, p->role);
}

void
sandbox_service_print(FILE *out)
{
	const struct scmp_version *v = seccomp_version();

	fprintf(out, "service: qscand's front and its workers (uid qscand, no "
	    "capability, not dumpable)\n");
	fprintf(out, "service filter (the front installs it before it accepts "
	    "a connection; its workers inherit it; default allow; arch x86_64 "
	    "only, other arches and x32 kill the process):\n");
	print_rules(out, sandbox_service_rules, sandbox_n_service_rules, NULL);
	fprintf(out, "bpf (libseccomp %u.%u.%u, x86_64):\n", v->major,
	    v->minor, v->micro);
	print_bpf(out, "service", SANDBOX_FILTER_SERVICE, ROLE_CANARY);
}
