/* broker: role cgroups (docs/architecture.md, "Role cgroups"); trusted.
 * Paths come from the configuration and the kernel only; every file read
 * is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "cgroup.h"
#include "log.h"

#define CGROUP_FILE_MAX 4096

static enum cgroup_kind active;
static char v2_base[CGROUP_PATH_MAX];	/* e.g. /sys/fs/cgroup/qscan */
static char v1_memory_base[CGROUP_PATH_MAX];
static char v1_pids_base[CGROUP_PATH_MAX];
static char description[2 * CGROUP_PATH_MAX + 64] = "none";
static unsigned made;			/* role cgroups made, for names */

enum cgroup_kind
cgroup_kind(void)
{
	return active;
}

const char *
cgroup_describe(void)
{
	return description;
}

/* The delegated path: absolute, plain, short; no "..", no "//". */
static int
path_ok(const char *path)
{
	size_t n = strlen(path);

	if (n < 2 || n > 200 || path[0] != '/' || path[n - 1] == '/' ||
	    strstr(path, "//") != NULL || strstr(path, "/.") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(path[i]) && strchr("/._-", path[i]) == NULL)
			return 0;
	return 1;
}

static int
is_fs(const char *dir, long magic)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && (long)sf.f_type == magic;
}

/* Reads at most cap - 1 bytes of a small kernel file; -1 with errno. */
static ssize_t
read_small(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[CGROUP_PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int
write_small(const char *dir, const char *name, const char *text)
{
	char path[CGROUP_PATH_MAX + 64];
	size_t len = strlen(text);
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	n = write(fd, text, len);
	saved = errno;
	close(fd);
	errno = saved;
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* 1 when the blank-separated list `text` holds `word`. */
static int
has_word(const char *text, const char *word)
{
	g_auto(GStrv) words = g_strsplit_set(text, " \t\n", -1);

	for (unsigned i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], word) == 0)
			return 1;
	return 0;
}

/* The value after "key " on a line of a flat-keyed file
 * (memory.events, memory.oom_control); -1 when absent. */
static long
keyed_value(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l != NULL && *l; ) {
		const char *nl = strchr(l, '\n');

		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtol(l + kl + 1, NULL, 10);
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* Our cgroup in the unified hierarchy ("0::/path"), into out. */
static int
own_v2_cgroup(char *out, size_t cap)
{
	char buf[CGROUP_FILE_MAX];
	char *line;

	if (read_small("/proc/self", "cgroup", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strncmp(line, "0::", 3) == 0) {
			g_strlcpy(out, line + 3, cap);
			return 0;
		}
	return -1;
}

static int
beneath(const char *cg, const char *path)
{
	size_t n = strlen(path);

	return strncmp(cg, path, n) == 0 && (cg[n] == '\0' || cg[n] == '/');
}

/* The broker joins <base>/brokers, a leaf qscan-setup leaves root's: as
 * itself when the common ancestor is ours (qmail-smtpd already runs
 * beneath the delegated cgroup), else with fsuid 0 for the open alone,
 * which CAP_SETUID allows: the kernel checks the opener's credentials. */
static int
v2_join(const char *path, const struct privs *p, char **why)
{
	char own[CGROUP_PATH_MAX], leaf[CGROUP_PATH_MAX + 32], pid[24];
	int fd, err;

	if (own_v2_cgroup(own, sizeof(own)) != 0) {
		*why = g_strdup("cannot read /proc/self/cgroup");
		return -1;
	}
	if (beneath(own, path))
		return 0;
	snprintf(leaf, sizeof(leaf), "%s/brokers/cgroup.procs", v2_base);
	fd = open(leaf, O_WRONLY | O_CLOEXEC);
	err = errno;
	if (fd < 0 && err == EACCES && p->mode == PRIVS_ROLE_UIDS &&
	    privs_raise() == 0) {
		uid_t before = (uid_t)setfsuid(0);

		fd = open(leaf, O_WRONLY | O_CLOEXEC);
		err = errno;
		setfsuid(before);
		if (privs_lower() != 0) {
			if (fd >= 0)
				close(fd);
			*why = g_strdup("cannot lower CAP_SETUID");
			return -1;
		}
	}
	if (fd < 0) {
		*why = g_strdup_printf("we run in %s, outside %s, and cannot "
		    "join %s: %s", own, path, leaf, strerror(err));
		return -1;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, strlen(pid)) != (ssize_t)strlen(pid)) {
		err = errno;
		close(fd);
		*why = g_strdup_printf("cannot join %s: %s", leaf,
		    strerror(err));
		return -1;
	}
	close(fd);
	if (own_v2_cgroup(own, sizeof(own)) != 0 || !beneath(own, path)) {
		*why = g_strdup_printf("joined %s but run in %s", leaf, own);
		return -1;
	}
	return 0;
}

static int
v2_setup(const char *path, const struct privs *p, int join, char **why)
{
	static const char *const mounts[] = { "/sys/fs/cgroup",
	    "/sys/fs/cgroup/unified" };
	char buf[CGROUP_FILE_MAX];
	const char *mnt = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(mounts) && mnt == NULL; i++)
		if (is_fs(mounts[i], CGROUP2_SUPER_MAGIC) &&
		    read_small(mounts[i], "cgroup.controllers", buf,
		    sizeof(buf)) >= 0 && has_word(buf, "memory") &&
		    has_word(buf, "pids"))
			mnt = mounts[i];
	if (mnt == NULL) {
		*why = g_strdup("no cgroup2 hierarchy with the memory and pids "
		    "controllers");
		return -1;
	}
	snprintf(v2_base, sizeof(v2_base), "%s%s", mnt, path);
	if (read_small(v2_base, "cgroup.subtree_control", buf,
	    sizeof(buf)) < 0) {
		*why = g_strdup_printf("%s: %s", v2_base, strerror(errno));
		return -1;
	}
	if (!has_word(buf, "memory") || !has_word(buf, "pids")) {
		*why = g_strdup_printf("%s/cgroup.subtree_control lacks memory "
		    "or pids (run qscan-setup)", v2_base);
		return -1;
	}
	if (faccessat(AT_FDCWD, v2_base, W_OK, AT_EACCESS) != 0) {
		*why = g_strdup_printf("%s is not delegated to us: %s",
		    v2_base, strerror(errno));
		return -1;
	}
	if (join && v2_join(path, p, why) != 0)
		return -1;
	snprintf(description, sizeof(description), "cgroup v2 at %s "
	    "(memory, pids)", v2_base);
	return 0;
}

static int
v1_one(const char *controller, const char *path, const char *file,
    char *base, size_t cap, char **why)
{
	char mnt[64], probe[64];
	struct stat st;

	snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup/%s", controller);
	if (!is_fs(mnt, CGROUP_SUPER_MAGIC)) {
		*why = g_strdup_printf("no cgroup v1 %s hierarchy at %s",
		    controller, mnt);
		return -1;
	}
	snprintf(base, cap, "%s%s", mnt, path);
	errno = 0;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why = g_strdup_printf("%s: %s (run qscan-setup)", base,
		    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	if (read_small(base, file, probe, sizeof(probe)) < 0) {
		*why = g_strdup_printf("%s/%s: %s", base, file,
		    strerror(errno));
		return -1;
	}
	if (faccessat(AT_FDCWD, base, W_OK, AT_EACCESS) != 0) {
		*why = g_strdup_printf("%s is not delegated to us: %s", base,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
v1_setup(const char *path, char **why)
{
	if (v1_one("memory", path, "memory.limit_in_bytes", v1_memory_base,
	    sizeof(v1_memory_base), why) != 0 ||
	    v1_one("pids", path, "pids.max", v1_pids_base,
	    sizeof(v1_pids_base), why) != 0)
		return -1;
	snprintf(description, sizeof(description), "cgroup v1 at %s and %s",
	    v1_memory_base, v1_pids_base);
	return 0;
}

static int
setup(const char *path, const struct privs *p, int join, char **why)
{
	g_autofree char *why2 = NULL, *why1 = NULL;

	active = CGROUP_NONE;
	snprintf(description, sizeof(description), "none");
	if (!path_ok(path)) {
		*why = g_strdup_printf("sandbox.cgroup %s is no plain absolute "
		    "cgroup path", path);
		return -1;
	}
	/* v2 when its memory controller is there; v1 when v1 holds it. */
	if (v2_setup(path, p, join, &why2) == 0) {
		active = CGROUP_V2;
		return 0;
	}
	if (v1_setup(path, &why1) == 0) {
		active = CGROUP_V1;
		return 0;
	}
	*why = g_strdup_printf("no delegated cgroup %s: v2: %s; v1: %s", path,
	    why2, why1);
	snprintf(description, sizeof(description), "none (%s)", *why);
	return -1;
}

int
cgroup_setup(const char *path, const struct privs *p, char **why)
{
	return setup(path, p, 1, why);
}

int
cgroup_probe(const char *path, char **why)
{
	struct privs none = { .mode = PRIVS_SHARED_UID };
	int rc = setup(path, &none, 0, why);

	active = CGROUP_NONE;	/* seen, not set up */
	return rc;
}

static int
make_dir(const char *base, const char *name, char *out, size_t cap)
{
	int err;

	snprintf(out, cap, "%s/%s", base, name);
	if (mkdir(out, 0755) == 0)
		return 0;
	/* A broker that died with our pid left it: empty, take it over. */
	if (errno == EEXIST && rmdir(out) == 0 && mkdir(out, 0755) == 0)
		return 0;
	err = errno;
	out[0] = '\0';		/* not ours to remove */
	errno = err;
	return -1;
}

int
role_cgroup_create(struct role_cgroup *rc, enum role_id role,
    uint64_t memory_max, unsigned pids_max, char **why)
{
	char name[64], mem[32], pids[16];
	const char *step = "mkdir";

	memset(rc, 0, sizeof(*rc));
	rc->dir_fd = -1;
	if (active == CGROUP_NONE)
		return 0;
	snprintf(name, sizeof(name), "%d.%s.%u", (int)getpid(),
	    role_id_name(role), ++made);
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)memory_max);
	snprintf(pids, sizeof(pids), "%u", pids_max);
	rc->kind = active;
	rc->memory_max = memory_max;
	if (active == CGROUP_V2) {
		if (make_dir(v2_base, name, rc->memory_dir,
		    sizeof(rc->memory_dir)) != 0)
			goto fail;
		/* Swap would let memfd pages out from under memory.max;
		 * oom.group kills the whole role, not one thread. */
		step = "memory.max";
		if (write_small(rc->memory_dir, "memory.max", mem) != 0)
			goto fail;
		step = "memory.swap.max";
		if (write_small(rc->memory_dir, "memory.swap.max", "0") != 0 &&
		    errno != ENOENT)
			goto fail;
		step = "memory.oom.group";
		if (write_small(rc->memory_dir, "memory.oom.group", "1") != 0 &&
		    errno != ENOENT)
			goto fail;
		step = "pids.max";
		if (write_small(rc->memory_dir, "pids.max", pids) != 0)
			goto fail;
		step = "open";
		if ((rc->dir_fd = open(rc->memory_dir, O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			goto fail;
		return 0;
	}
	if (make_dir(v1_memory_base, name, rc->memory_dir,
	    sizeof(rc->memory_dir)) != 0)
		goto fail;
	step = "memory.limit_in_bytes";
	if (write_small(rc->memory_dir, "memory.limit_in_bytes", mem) != 0)
		goto fail;
	/* memory + swap: no more than memory alone (absent without swap
	 * accounting). */
	step = "memory.memsw.limit_in_bytes";
	if (write_small(rc->memory_dir, "memory.memsw.limit_in_bytes",
	    mem) != 0 && errno != ENOENT)
		goto fail;
	step = "mkdir";
	if (make_dir(v1_pids_base, name, rc->pids_dir,
	    sizeof(rc->pids_dir)) != 0)
		goto fail;
	step = "pids.max";
	if (write_small(rc->pids_dir, "pids.max", pids) != 0)
		goto fail;
	return 0;
fail:
	*why = g_strdup_printf("role cgroup %s: %s: %s", name, step,
	    strerror(errno));
	role_cgroup_remove(rc);
	return -1;
}

int
role_cgroup_attach(const struct role_cgroup *rc, pid_t pid, char **why)
{
	char text[24];

	if (rc->kind != CGROUP_V1)
		return 0;
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (write_small(rc->memory_dir, "cgroup.procs", text) != 0 ||
	    write_small(rc->pids_dir, "cgroup.procs", text) != 0) {
		*why = g_strdup_printf("cannot move the role into its cgroup: "
		    "%s", strerror(errno));
		return -1;
	}
	return 0;
}

int
role_cgroup_move(const struct role_cgroup *rc, pid_t pid, char **why)
{
	char text[24];
	int err;

	if (rc->kind == CGROUP_NONE)
		return 0;
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (write_small(rc->memory_dir, "cgroup.procs", text) != 0 ||
	    (rc->kind == CGROUP_V1 &&
	    write_small(rc->pids_dir, "cgroup.procs", text) != 0)) {
		err = errno;
		*why = g_strdup_printf("cannot move the role into its cgroup: "
		    "%s", strerror(err));
		errno = err;
		return -1;
	}
	return 0;
}

long
role_cgroup_oom_kills(const struct role_cgroup *rc, uint64_t *peak)
{
	char buf[CGROUP_FILE_MAX];
	int v2 = rc->kind == CGROUP_V2;

	*peak = 0;
	if (rc->kind == CGROUP_NONE)
		return -1;
	if (read_small(rc->memory_dir, v2 ? "memory.peak" :
	    "memory.max_usage_in_bytes", buf, sizeof(buf)) > 0)
		*peak = g_ascii_strtoull(buf, NULL, 10);
	if (read_small(rc->memory_dir, v2 ? "memory.events" :
	    "memory.oom_control", buf, sizeof(buf)) < 0)
		return -1;
	return keyed_value(buf, "oom_kill");
}

int
role_cgroup_explain_kill(const struct role_cgroup *rc, char *detail, size_t n)
{
	uint64_t peak;

	if (role_cgroup_oom_kills(rc, &peak) <= 0)
		return 0;
	snprintf(detail, n, "memory.max %llu MiB reached: killed by the "
	    "kernel's OOM killer, peak %llu MiB",
	    (unsigned long long)(rc->memory_max >> 20),
	    (unsigned long long)(peak >> 20));
	return 1;
}

static void
remove_dir(const char *dir)
{
	/* The reaped role leaves its cgroup at once; give the kernel a
	 * few milliseconds when it has not caught up. */
	for (int i = 0; i < 50; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	log_warn("cannot remove role cgroup %s: %s", dir, strerror(errno));
}

void
role_cgroup_remove(struct role_cgroup *rc)
{
	if (rc->dir_fd >= 0)
		close(rc->dir_fd);
	rc->dir_fd = -1;
	if (rc->memory_dir[0])
		remove_dir(rc->memory_dir);
	if (rc->pids_dir[0])
		remove_dir(rc->pids_dir);
	rc->memory_dir[0] = rc->pids_dir[0] = '\0';
	rc->kind = CGROUP_NONE;
}
