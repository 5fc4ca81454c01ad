/* broker: the spawner.  The child side runs between clone and exec and
 * only makes system calls (no allocation, no stdio); trusted. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "config.h"
#include "fd_pass.h"
#include "qscan_limits.h"
#include "role_runtime.h"
#include "sandbox.h"
#include "spawn.h"

/* Steps the child reports when it fails before exec. */
enum child_step {
	STEP_SYNC = 1, STEP_SETGID, STEP_SETGROUPS, STEP_SETUID, STEP_VERIFY,
	STEP_CAPS, STEP_RLIMIT, STEP_FDS, STEP_FILTER, STEP_EXEC,
	STEP_DUMPABLE, STEP_PDEATHSIG, STEP_TMPFS,
	STEP_HIDE,
};

static const char *const step_names[] = {
	[STEP_SYNC] = "sync", [STEP_SETGID] = "setresgid",
	[STEP_SETGROUPS] = "setgroups", [STEP_SETUID] = "setresuid",
	[STEP_VERIFY] = "uid check", [STEP_CAPS] = "dropping capabilities",
	[STEP_RLIMIT] = "rlimits", [STEP_FDS] = "descriptors",
	[STEP_FILTER] = "no_new_privs and the outer filter",
	[STEP_EXEC] = "exec", [STEP_DUMPABLE] = "dumpable",
	[STEP_PDEATHSIG] = "pdeathsig",
	[STEP_TMPFS] = "private tmpfs (needs user and mount namespaces)",
	[STEP_HIDE] = "hiding a directory (needs user and mount namespaces)",
};

/* The fd the child reports a failure on; closed by exec (CLOEXEC).
 * Above ROLE_FD_PEER, which only the clamd role gets. */
#define CHILD_STATUS_FD (ROLE_FD_PEER + 1)

static char namespace_note[256];
static struct spawn_settings settings;

void
spawn_settings_from(const struct qscan_config *cfg, struct spawn_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->cgroup = cfg->cgroup;
	out->allow_no_cgroup = cfg->allow_no_cgroup;
	out->allow_weaker_sandbox = cfg->allow_weaker_sandbox;
	for (int r = 1; r <= ROLE_ID_MAX; r++)
		out->memory_bytes[r] = cfg->role_memory_bytes[r];
	out->pids_max = cfg->role_pids_max;
}

int
spawn_setup(const struct spawn_settings *set, const struct privs *p,
    GPtrArray *warnings, char **why)
{
	int abi = sandbox_landlock_abi();
	char *cg_why = NULL;

	settings = *set;
	settings.cgroup = NULL;		/* not kept: used here only */
	/* The roles deny themselves every file with Landlock: without it
	 * there is no sandbox to weaken, so no allowance helps. */
	if (abi < 1) {
		*why = g_strdup("the kernel offers no Landlock, which the roles "
		    "need to deny themselves file access: no service");
		return -1;
	}
	if (cgroup_setup(set->cgroup, p, &cg_why) != 0) {
		if (!set->allow_no_cgroup) {
			*why = g_strdup_printf("%s: no service without role "
			    "memory limits (sandbox.allow_no_cgroup = true "
			    "runs anyway)", cg_why);
			g_free(cg_why);
			return -1;
		}
		g_ptr_array_add(warnings, g_strdup_printf("no role memory "
		    "limits, allowed by sandbox.allow_no_cgroup: %s", cg_why));
		g_free(cg_why);
	}
	return 0;
}

int
spawn_probe_namespaces(int flags)
{
	struct clone_args args;
	int pidfd = -1, err;
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD | (unsigned)flags;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	err = 0;
	if (waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED) != 0)
		err = errno;
	close(pidfd);
	return err;
}

int
spawn_role_cgroup(enum role_id role, struct role_cgroup *cg, char **why)
{
	return role_cgroup_create(cg, role, settings.memory_bytes[role],
	    settings.pids_max, why);
}

const char *
spawn_namespace_note(void)
{
	return namespace_note[0] ? namespace_note : NULL;
}

static void __attribute__((noreturn))
child_fail(int status_fd, enum child_step step)
{
	int report[2] = { step, errno };

	if (write(status_fd, report, sizeof(report)) < 0)
		_exit(126);
	_exit(127);
}

/* Moves fd above the fixed range so the dup2s cannot clobber it. */
static int
child_lift(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD, 16);
}

/* Every capability: bounding set (in our own namespace, where we may),
 * ambient, then permitted/effective/inheritable; verified with capget.
 * Raw calls: libcap-ng refuses the bounding set once its own state says
 * CAP_SETPCAP is gone, and nothing here may allocate. */
static int
child_drop_caps(int bounding)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (bounding)
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
			    errno != EINVAL)
				return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return -1;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) != 0)
		return -1;
	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return -1;
	return 0;
}

/* An empty, read-only tmpfs over prof->hidden_dir, in the role's own
 * mount namespace: what its filter would let it stat is not there.
 * Returns 0 or -1 (no user namespace: the mount would be the host's). */
static int
child_hide_dir(const struct role_profile *prof, int in_userns)
{
	if (prof->hidden_dir == NULL)
		return 0;
	if (!in_userns ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("qscan-hidden", prof->hidden_dir, "tmpfs", MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0)
		return -1;
	return 0;
}

/* Die with the broker, and let it write our id maps.  Our
 * /proc/PID files must be ours while the broker writes the uid and gid
 * maps (docs/architecture.md, "Spawning a role"); not dumpable again right
 * after. */
static void
child_await_id_maps(int go_fd, int ready_fd, int status_fd)
{
	char go;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail(status_fd, STEP_PDEATHSIG);
	if (prctl(PR_SET_DUMPABLE, 1) != 0)
		child_fail(status_fd, STEP_DUMPABLE);
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &go, 1) != 1 ||
	    go != 'g')
		child_fail(status_fd, STEP_SYNC);
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		child_fail(status_fd, STEP_DUMPABLE);
}

/* Become the role's gid and uid, verified. */
static void
child_change_ids(const struct spawn_spec *s, int in_userns, int go_fd,
    int status_fd)
{
	uid_t r, e, sv;

	if (!in_userns && s->privs->mode == PRIVS_ROLE_UIDS) {
		/* No user namespace: the real uid change needs our caps. */
		struct __user_cap_header_struct hdr = {
			_LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];

		if (syscall(SYS_capget, &hdr, data) != 0)
			child_fail(status_fd, STEP_CAPS);
		data[0].effective |= (1u << CAP_SETUID) | (1u << CAP_SETGID);
		if (syscall(SYS_capset, &hdr, data) != 0)
			child_fail(status_fd, STEP_CAPS);
	}
	if (setresgid(s->gid, s->gid, s->gid) != 0)
		child_fail(status_fd, STEP_SETGID);
	/* Shared-uid mode wrote "deny" to setgroups: nothing to clear. */
	if (s->privs->mode == PRIVS_ROLE_UIDS && setgroups(0, NULL) != 0)
		child_fail(status_fd, STEP_SETGROUPS);
	if (setresuid(s->uid, s->uid, s->uid) != 0)
		child_fail(status_fd, STEP_SETUID);
	if (getresuid(&r, &e, &sv) != 0 || r != s->uid || e != s->uid ||
	    sv != s->uid)
		child_fail(status_fd, STEP_VERIFY);
	/* The kernel clears the parent-death signal on every uid or gid
	 * change: set it again, then make sure the broker did not die in
	 * between (it holds the go pipe's write end until after our exec). */
	{
		struct pollfd gone = { go_fd, POLLIN, 0 };

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    poll(&gone, 1, 0) != 0)
			child_fail(status_fd, STEP_PDEATHSIG);
	}
}

/* The role's own mounts.  A private, empty, size-capped scratch
 * directory: gone with the role's mount namespace, so a crash leaves
 * nothing behind; then the hidden directory. */
static void
child_mount(const struct spawn_spec *s, const struct role_profile *prof,
    int in_userns, int status_fd)
{
	if (prof->tmpfs_dir != NULL) {
		char opts[96];

		snprintf(opts, sizeof(opts), "size=%llu,mode=0700,uid=%u,gid=%u",
		    prof->tmpfs_bytes, (unsigned)s->uid, (unsigned)s->gid);
		if (!in_userns ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("qscan-tmp", prof->tmpfs_dir, "tmpfs", MS_NOSUID |
		    MS_NODEV | MS_NOEXEC, opts) != 0)
			child_fail(status_fd, STEP_TMPFS);
	}
	if (child_hide_dir(prof, in_userns) != 0)
		child_fail(status_fd, STEP_HIDE);
}

/* Fixed descriptors: 0 message, 1 records, 2 log, 3 peer (clamd
 * only), 4 status until exec (CHILD_STATUS_FD from here on); nothing
 * else stays open. */
static void
child_place_fds(int status_fd, int msg_fd, int rec_fd, int log_fd,
    int peer_fd)
{
	msg_fd = child_lift(msg_fd);
	rec_fd = child_lift(rec_fd);
	log_fd = child_lift(log_fd);
	status_fd = child_lift(status_fd);
	if (peer_fd >= 0 && (peer_fd = child_lift(peer_fd)) < 0)
		child_fail(status_fd, STEP_FDS);
	/* Nothing inherited may sit on fd 3 of a role without a peer. */
	if (peer_fd < 0)
		close(ROLE_FD_PEER);
	if (msg_fd < 0 || rec_fd < 0 || log_fd < 0 || status_fd < 0 ||
	    dup2(msg_fd, ROLE_FD_MESSAGE) < 0 ||
	    dup2(rec_fd, ROLE_FD_RECORDS) < 0 ||
	    dup2(log_fd, ROLE_FD_LOG) < 0 ||
	    (peer_fd >= 0 && dup2(peer_fd, ROLE_FD_PEER) < 0) ||
	    dup3(status_fd, CHILD_STATUS_FD, O_CLOEXEC) < 0)
		child_fail(status_fd < 0 ? CHILD_STATUS_FD : status_fd, STEP_FDS);
	if (syscall(SYS_close_range, CHILD_STATUS_FD + 1, ~0U, 0) != 0)
		child_fail(CHILD_STATUS_FD, STEP_FDS);
}

/* The child between clone and exec, its steps in the order they must
 * run (each reports its own failure on the status pipe). */
static void __attribute__((noreturn))
child_run(const struct spawn_spec *s, const struct role_profile *prof,
    int in_userns, int go_fd, int ready_fd, int status_fd, int msg_fd,
    int rec_fd, int log_fd, int peer_fd)
{
	static char *const envp[] = { "TZ=UTC", "LANG=C", NULL };
	/* A zygote binds every symbol of every library at its start: lazily
	 * bound, each child would resolve on its own what the zygote never
	 * called, and write the answer into a GOT page it shares copy-on-
	 * write (a page fault and a page copy per child, docs/warm.md). */
	static char *const zygote_envp[] = { "TZ=UTC", "LANG=C",
	    "LD_BIND_NOW=1", NULL };

	child_await_id_maps(go_fd, ready_fd, status_fd);
	child_change_ids(s, in_userns, go_fd, status_fd);
	child_mount(s, prof, in_userns, status_fd);
	/* No capability left. */
	if (child_drop_caps(in_userns) != 0)
		child_fail(status_fd, STEP_CAPS);
	child_place_fds(status_fd, msg_fd, rec_fd, log_fd, peer_fd);
	/* Limits after the descriptors: the broker may hold
	 * thousands of part memfds, which RLIMIT_NOFILE would not let us
	 * move; the outer filter last, just before exec. */
	if ((s->zygote ? sandbox_rlimits_apply_zygote(prof) :
	    sandbox_rlimits_apply(prof)) != 0)
		child_fail(CHILD_STATUS_FD, STEP_RLIMIT);
	if (sandbox_outer_filter_install(s->outer_filter) != 0)
		child_fail(CHILD_STATUS_FD, STEP_FILTER);
	execve(s->helper, s->argv, s->zygote ? zygote_envp : envp);
	child_fail(CHILD_STATUS_FD, STEP_EXEC);
}

static int
write_proc_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, rc = -1;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	return rc;
}

/* Maps the role's uid and gid into its user namespace.  With our caps the
 * role gets its own uid outside; without, it shares ours. */
static int
write_id_maps(pid_t pid, const struct spawn_spec *s, char **why)
{
	char map[64];
	int rc = 0;

	if (s->privs->mode == PRIVS_ROLE_UIDS) {
		if (privs_raise() != 0) {
			*why = g_strdup("cannot raise CAP_SETUID/CAP_SETGID");
			return -1;
		}
	} else if (write_proc_file(pid, "setgroups", "deny") != 0)
		rc = -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)s->gid,
	    (unsigned)s->gid);
	if (rc == 0 && write_proc_file(pid, "gid_map", map) != 0)
		rc = -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)s->uid,
	    (unsigned)s->uid);
	if (rc == 0 && write_proc_file(pid, "uid_map", map) != 0)
		rc = -1;
	if (rc != 0)
		*why = g_strdup_printf("cannot write the role's id maps: %s",
		    strerror(errno));
	if (s->privs->mode == PRIVS_ROLE_UIDS && privs_lower() != 0) {
		g_free(*why);
		*why = g_strdup("cannot lower CAP_SETUID/CAP_SETGID");
		return -1;
	}
	return rc;
}

/* The settings go into the socket before the role exists, so they are
 * the first datagram it reads, and nothing of its own can come first. */
static int
send_settings(int sock, const struct rec_writer *w, char **why)
{
	ssize_t n;

	if (w->failed || w->len < RECORD_HEADER_LEN) {
		*why = g_strdup("the role's settings could not be encoded");
		return -1;
	}
	n = fd_pass_send(sock, w->buf, w->len, -1, 0);
	if (n != (ssize_t)w->len) {
		*why = g_strdup_printf("cannot send the role its settings: %s",
		    n < 0 ? strerror(errno) : "short send");
		return -1;
	}
	return 0;
}

static void
close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

/* The descriptors between the broker and a role being spawned: [0] the
 * broker's end, [1] the role's (go: the role reads [0]). */
struct spawn_fds {
	int sock[2], logp[2], go[2], ready[2], status[2];
	int msg_fd, devnull;
};

static void
spawn_fds_close(struct spawn_fds *f)
{
	close_pair(f->sock);
	close_pair(f->logp);
	close_pair(f->go);
	close_pair(f->ready);
	close_pair(f->status);
	if (f->devnull >= 0)
		close(f->devnull);
	f->devnull = -1;
}

/* The message (or /dev/null), the record socket and the pipes. */
static int
spawn_open_fds(const struct spawn_spec *s, struct spawn_fds *f, char **why)
{
	f->msg_fd = s->message_fd;
	if (f->msg_fd < 0 && (f->msg_fd = f->devnull = open("/dev/null",
	    O_RDONLY | O_CLOEXEC)) < 0) {
		*why = g_strdup_printf("/dev/null: %s", strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sock) != 0 ||
	    pipe2(f->logp, O_CLOEXEC) != 0 || pipe2(f->go, O_CLOEXEC) != 0 ||
	    pipe2(f->ready, O_CLOEXEC) != 0 || pipe2(f->status, O_CLOEXEC) != 0) {
		*why = g_strdup_printf("pipes: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* clone3 into the profile's namespaces (and the role's cgroup).
 * Returns what clone3 does; args->flags says which namespaces it got. */
static long
spawn_clone(const struct role_profile *prof, const struct role_proc *rp,
    struct clone_args *args, int *pidfd, char **why)
{
	long pid;

	memset(args, 0, sizeof(*args));
	args->flags = CLONE_PIDFD | (unsigned)prof->clone_flags;
	args->pidfd = (uintptr_t)pidfd;
	args->exit_signal = SIGCHLD;
	/* v2: born in its cgroup, never charged to ours. */
	if (rp->cgroup.dir_fd >= 0) {
		args->flags |= CLONE_INTO_CGROUP;
		args->cgroup = (uint64_t)rp->cgroup.dir_fd;
	}
	pid = syscall(SYS_clone3, args, sizeof(*args));
	if (pid < 0 && (errno == EPERM || errno == EINVAL || errno == ENOSPC ||
	    errno == EUSERS)) {
		/* Fail closed, unless the site allowed roles without them. */
		if (!settings.allow_weaker_sandbox) {
			*why = g_strdup_printf("kernel refused namespaces 0x%x "
			    "(%s): no service (sandbox.allow_weaker_sandbox = "
			    "true runs roles without them)",
			    (unsigned)prof->clone_flags, strerror(errno));
			return -1;
		}
		if (namespace_note[0] == '\0')
			snprintf(namespace_note, sizeof(namespace_note),
			    "weaker sandbox allowed: kernel refused namespaces "
			    "0x%x (%s): roles run without them",
			    (unsigned)prof->clone_flags, strerror(errno));
		args->flags &= ~(uint64_t)prof->clone_flags;
		pid = syscall(SYS_clone3, args, sizeof(*args));
	}
	if (pid < 0) {
		*why = g_strdup_printf("clone3: %s", strerror(errno));
		return -1;
	}
	return pid;
}

/* The child's report: none (end of file) once it has exec'd. */
static int
spawn_read_status(int status_fd, char **why)
{
	int report[2];
	ssize_t n;

	do
		n = read(status_fd, report, sizeof(report));
	while (n < 0 && errno == EINTR);
	if (n != 0) {
		*why = n == (ssize_t)sizeof(report) && report[0] > 0 &&
		    (size_t)report[0] < G_N_ELEMENTS(step_names) &&
		    step_names[report[0]] != NULL ?
		    g_strdup_printf("role setup failed at %s: %s",
		    step_names[report[0]], strerror(report[1])) :
		    g_strdup("role setup failed");
		return -1;
	}
	return 0;
}

/* The broker's side of the handshake with its new child: the
 * child is dumpable until go, so the cgroup and id maps go in between. */
static int
spawn_release_child(const struct spawn_spec *s, struct role_proc *rp,
    int in_userns, struct spawn_fds *f, char **why)
{
	char c;

	if (read(f->ready[0], &c, 1) != 1) {
		*why = g_strdup("role died before its uid change");
		return -1;
	}
	if (role_cgroup_attach(&rp->cgroup, rp->pid, why) != 0)
		return -1;
	if (in_userns && write_id_maps(rp->pid, s, why) != 0)
		return -1;
	if (write(f->go[1], "g", 1) != 1) {
		*why = g_strdup("role died before its uid change");
		return -1;
	}
	return spawn_read_status(f->status[0], why);
}

int
spawn_role(const struct spawn_spec *s, struct role_proc *rp, char **why)
{
	const struct role_profile *prof = sandbox_profile(s->role);
	struct spawn_fds f = {
		{ -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 },
		-1, -1 };
	int pidfd = -1, in_userns;
	struct clone_args args;
	long pid;

	memset(rp, 0, sizeof(*rp));
	rp->pid = -1;
	rp->cgroup.dir_fd = -1;
	rp->warm_fd = -1;
	if (prof == NULL) {
		*why = g_strdup("no sandbox profile for this role");
		return -1;
	}
	/* Every failure from here on goes through fail: role_cgroup_remove
	 * and spawn_fds_close do nothing to what is not yet made. */
	if (spawn_open_fds(s, &f, why) != 0)
		goto fail;
	if (s->settings != NULL && send_settings(f.sock[0], s->settings, why) != 0)
		goto fail;
	/* A zygote's cgroup holds its children until their workers move
	 * them, and for good where the kernel refuses (cgroup v1): room for
	 * as many as it runs at once (docs/warm.md). */
	if (role_cgroup_create(&rp->cgroup, s->role,
	    settings.memory_bytes[s->role], settings.pids_max +
	    (s->zygote ? ZYGOTE_CHILDREN_MAX : 0), why) != 0)
		goto fail;
	pid = spawn_clone(prof, rp, &args, &pidfd, why);
	if (pid < 0)
		goto fail;
	in_userns = (args.flags & CLONE_NEWUSER) != 0;
	if (pid == 0)
		child_run(s, prof, in_userns, f.go[0], f.ready[1], f.status[1],
		    f.msg_fd, f.sock[1], f.logp[1], s->peer_fd);

	rp->pid = (pid_t)pid;
	rp->pidfd = pidfd;
	rp->role = s->role;
	rp->namespaces = (int)(args.flags & ~(uint64_t)(CLONE_PIDFD |
	    CLONE_INTO_CGROUP));
	close(f.go[0]); f.go[0] = -1;
	close(f.ready[1]); f.ready[1] = -1;
	close(f.status[1]); f.status[1] = -1;
	close(f.sock[1]); f.sock[1] = -1;
	close(f.logp[1]); f.logp[1] = -1;
	if (spawn_release_child(s, rp, in_userns, &f, why) != 0)
		goto fail_child;
	rp->records_fd = f.sock[0];
	rp->log_fd = f.logp[0];
	f.sock[0] = f.logp[0] = -1;	/* the role_proc's now */
	spawn_fds_close(&f);
	return 0;

fail_child:
	syscall(SYS_pidfd_send_signal, rp->pidfd, SIGKILL, NULL, 0);
	waitpid(rp->pid, NULL, 0);
	close(rp->pidfd);
	rp->pid = -1;
fail:
	role_cgroup_remove(&rp->cgroup);
	spawn_fds_close(&f);
	return -1;
}
