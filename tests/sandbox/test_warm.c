/* tests: zygotes and their children (docs/warm.md), as the service runs
 * them: the listening socket made here, real zygotes of the real role
 * helpers started with zygote_spawn, READY read, children asked for with
 * warm_start_role and driven with role_run.  Each case checks what the
 * design promises: a child's confinement, its ending as the worker reads
 * it, the zygote's retirement.  Output: TAP.
 * Usage: test-warm HELPER-DIR CLAMAV-DATABASE-DIR CLAMD-SOCKET
 * [HOSTILE-DIR] (warm.sh). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "as_broker.h"
#include "clock.h"
#include "config.h"
#include "fd_pass.h"
#include "log.h"
#include "role_run.h"
#include "role_runtime.h"
#include "role_settings_build.h"
#include "sealed_memfd.h"
#include "spawn.h"
#include "warm_child.h"
#include "warm_lib.h"
#include "zygote_proto.h"
#include "zygote_spawn.h"

#define WAIT_MS		20000	/* a bound for waits, never asserted */
#define READY_MS	120000	/* a database load */
#define CASE_DEADLINE_MS 20000
#define LOG_CAPTURE_MAX	16384

static struct {
	const char *dir;		/* the role helpers */
	struct as_broker b;
	struct qscan_config cfg;
	unsigned n;			/* TAP number */
	unsigned failed;
} h;

static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static void
tap(int ok, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++h.n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		h.failed++;
}

static int read_text(const char *path, char *buf, size_t cap);
static void status_field(const char *status, const char *key, char *out,
    size_t cap);

/* ---- the service's part, as the monitor and a worker do it ----------- */

static void
spec_for(enum role_id role, const struct rec_writer *w, char **helper,
    char **name, char **argv, struct spawn_spec *spec)
{
	const struct role_profile *prof = sandbox_profile(role);

	*name = g_strdup_printf("qscan-%s", prof->name);
	*helper = g_strdup_printf("%s/%s", h.dir, *name);
	argv[0] = *name;
	argv[1] = NULL;
	memset(spec, 0, sizeof(*spec));
	spec->role = role;
	spec->helper = *helper;
	spec->argv = argv;
	spec->message_fd = spec->peer_fd = -1;
	spec->settings = w;
	spec->uid = h.b.uid[role];
	spec->gid = h.b.gid[role];
	spec->privs = &h.b.privs;
	spec->outer_filter = &h.b.outer;
}

/* A zygote as the monitor starts it (warm_lib.h). */
#define zyg warm_zygote

static int
zyg_status(struct zyg *y, enum zygote_status *st, unsigned wait_ms,
    char **why)
{
	return warm_zygote_status(y, st, wait_ms, why);
}

/* The monitor's part: the socket, the zygote, its READY; and the
 * front's SERVE when `serve` (else the zygote accepts nothing yet). */
static int
zyg_start_in(struct zyg *y, const char *dir, enum role_id role,
    unsigned max_children, const char *tag, int serve)
{
	/* clamd over its unix socket: fildes, as the worker's record says. */
	g_autofree struct rec_writer *w = role_settings_build(&h.cfg, role,
	    role == ROLE_CLAMD, 1, max_children);
	g_autofree char *helper = NULL, *name = NULL, *path = NULL;
	char *argv[2], *why = NULL;
	struct spawn_spec spec;

	path = g_strdup_printf("%s/zygotes/%s.sock", h.dir, tag);
	spec_for(role, w, &helper, &name, argv, &spec);
	g_free(helper);
	helper = g_strdup_printf("%s/%s", dir, name);
	spec.helper = helper;
	if (warm_zygote_start(y, &spec, path, READY_MS, &why) != 0) {
		tap(0, "%s: zygote ready: %s", tag, why);
		g_free(why);
		return -1;
	}
	tap(1, "%s: zygote %s spawned (pid %d), READY", tag, name,
	    (int)y->z.pid);
	{
		char ppath[64], st_text[4096], v[32];

		/* fork() copies only the calling thread: a zygote must
		 * have no other. */
		snprintf(ppath, sizeof(ppath), "/proc/%d/status",
		    (int)y->z.pid);
		v[0] = '\0';
		if (read_text(ppath, st_text, sizeof(st_text)) == 0)
			status_field(st_text, "Threads", v, sizeof(v));
		tap(strcmp(v, "1") == 0, "%s: the zygote is one thread (%s)",
		    tag, v);
	}
	if (serve && zygote_tell_serve(y->z.records_fd) != 0) {
		tap(0, "%s: SERVE: %s", tag, strerror(errno));
		return -1;
	}
	return 0;
}

static int
zyg_start(struct zyg *y, enum role_id role, unsigned max_children,
    const char *tag)
{
	return zyg_start_in(y, h.dir, role, max_children, tag, 1);
}

/* Reaps the zygote; its wait status.  One that does not end in time
 * is killed first (its status then says SIGKILL, which fails a case
 * that wants exit 0), so a zygote that never retires cannot hang us. */
static int
zyg_end(struct zyg *y)
{
	return warm_zygote_end(y, WAIT_MS);
}

/* Records as they came, with each descriptor's bytes: two runs of one
 * message compare byte for byte. */
struct collect {
	GByteArray *all;
	int ended;
	int verdict;		/* the first REC_VERDICT's result, or -1 */
	/* work for a scanner: one part, then the end */
	int part_fd;
	int sent;
};

static int
collect_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct collect *c = ctx;
	uint32_t l = (uint32_t)len;

	g_byte_array_append(c->all, (const guint8 *)&l, sizeof(l));
	g_byte_array_append(c->all, buf, (guint)len);
	if (fd >= 0) {
		uint8_t chunk[4096];
		ssize_t n;
		off_t off = 0;

		while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0) {
			g_byte_array_append(c->all, chunk, (guint)n);
			off += n;
		}
		close(fd);
	}
	if (len >= RECORD_HEADER_LEN && buf[0] == REC_END)
		c->ended = 1;
	if (len >= RECORD_HEADER_LEN + 5 && buf[0] == REC_VERDICT &&
	    c->verdict < 0)
		c->verdict = buf[RECORD_HEADER_LEN + 4];
	(void)why;
	return 0;
}

static int
collect_complete(void *ctx)
{
	return ((struct collect *)ctx)->ended;
}

static int
collect_produce(void *ctx, struct rec_writer *w, int *fd)
{
	struct collect *c = ctx;

	if (c->sent == 0) {
		struct stat sb;

		rec_begin(w, REC_SCAN);
		rec_put_u32(w, 0);
		rec_put_u64(w, fstat(c->part_fd, &sb) == 0 ?
		    (uint64_t)sb.st_size : 0);
		*fd = c->part_fd;
	} else if (c->sent == 1) {
		rec_begin(w, REC_SCAN_END);
		rec_put_u32(w, 1);
	} else
		return 0;
	c->sent++;
	(void)rec_finish(w);
	return 1;
}

static void
collect_init(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->all = g_byte_array_new();
	c->verdict = -1;
	c->part_fd = -1;
}

/* A warm child of the zygote at y for one message. */
static int
warm_start_peer(struct zyg *y, enum role_id role, const struct rec_writer *w,
    int msg_fd, int peer_fd, unsigned wait_ms, struct role_proc *rp,
    char **why)
{
	g_autofree char *helper = NULL, *name = NULL;
	char *argv[2];
	struct spawn_spec spec;

	spec_for(role, w, &helper, &name, argv, &spec);
	spec.message_fd = msg_fd;
	spec.peer_fd = peer_fd;
	return warm_start_role(y->path, &spec, wait_ms, rp, why);
}

static int
warm_start(struct zyg *y, enum role_id role, const struct rec_writer *w,
    int msg_fd, unsigned wait_ms, struct role_proc *rp, char **why)
{
	return warm_start_peer(y, role, w, msg_fd, -1, wait_ms, rp, why);
}

static int
message_fd(const char *text)
{
	const char *why;

	return sealed_memfd_from("message", (const uint8_t *)text,
	    strlen(text), &why);
}

/* A message of about 4 KB: headers, a text part, an attachment. */
static char *
test_message(void)
{
	GString *m = g_string_new(
	    "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: warm\r\nMessage-ID: <warm@example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");

	for (int i = 0; i < 30; i++)
		g_string_append(m, "Warm children see this line in each "
		    "message, as the exec path.\r\n");
	g_string_append(m, "--b\r\nContent-Type: application/octet-stream; "
	    "name=\"x.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	for (int i = 0; i < 24; i++)
		g_string_append(m, "aGVsbG8gd2FybSB3b3JsZCBoZWxsbyB3YXJtIHdvcm"
		    "xkIGhlbGxvIHdhcm0gd29ybGQgaGVsbG8=\r\n");
	g_string_append(m, "--b--\r\n");
	return g_string_free(m, FALSE);
}

/* Runs rp to its end with the broker's log (stderr) caught in logbuf. */
static void
run_caught(struct role_proc *rp, unsigned timeout_ms, struct collect *c,
    struct role_outcome *out, char *logbuf)
{
	struct role_io io = { collect_consume, collect_complete,
	    c->part_fd >= 0 ? collect_produce : NULL, c };
	int cap = memfd_create("log", MFD_CLOEXEC), saved = dup(2);
	ssize_t len;

	fflush(stderr);
	dup2(cap, 2);
	role_run(rp, timeout_ms, &io, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	len = pread(cap, logbuf, LOG_CAPTURE_MAX, 0);
	close(cap);
	logbuf[len > 0 ? len : 0] = '\0';
}

/* ---- /proc of a child ------------------------------------------------- */

static int
read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The value of "Key:" in /proc/PID/status, or "". */
static void
status_field(const char *status, const char *key, char *out, size_t cap)
{
	g_autofree char *k = g_strdup_printf("\n%s:", key);
	const char *p = strstr(status, k);
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(k);
	while (*p == '\t' || *p == ' ')
		p++;
	while (p[n] != '\0' && p[n] != '\n' && n < cap - 1)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Waits until the child has its final filter (Seccomp 2), as it does
 * before it reads a byte; 0 then. */
static int
wait_locked(pid_t pid)
{
	char path[64], st[4096], v[64];
	double until = now_ms() + WAIT_MS;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	while (now_ms() < until) {
		if (read_text(path, st, sizeof(st)) != 0)
			return -1;
		status_field(st, "Seccomp", v, sizeof(v));
		if (strcmp(v, "2") == 0)
			return 0;
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	return -1;
}

/* A child's /proc: a role's, in its zygote's namespaces, not ours. */
static void
check_proc(pid_t child, pid_t zygote, enum role_id role,
    const struct role_cgroup *cg, const struct role_cgroup *zcg)
{
	static const char *const caps[] = { "CapInh", "CapPrm", "CapEff",
	    "CapBnd", "CapAmb" };
	static const char *const ns[] = { "user", "pid", "net", "ipc", "mnt" };
	char path[96], st[4096], v[128], want[64], a[64], b[64], c[64];
	struct stat sb;
	int ok = 1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	if (read_text(path, st, sizeof(st)) != 0) {
		tap(0, "child /proc status: %s", strerror(errno));
		return;
	}
	status_field(st, "Uid", v, sizeof(v));
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", h.b.uid[role],
	    h.b.uid[role], h.b.uid[role], h.b.uid[role]);
	tap(strcmp(v, want) == 0, "child runs as its role's uid (Uid %s)", v);
	status_field(st, "NoNewPrivs", v, sizeof(v));
	tap(strcmp(v, "1") == 0, "child NoNewPrivs 1 (%s)", v);
	status_field(st, "Seccomp", v, sizeof(v));
	tap(strcmp(v, "2") == 0, "child Seccomp 2 (%s)", v);
	for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
		status_field(st, caps[i], v, sizeof(v));
		if (strcmp(v, "0000000000000000") != 0) {
			printf("# %s %s\n", caps[i], v);
			ok = 0;
		}
	}
	tap(ok, "child CapInh CapPrm CapEff CapBnd CapAmb all 0");
	/* Not dumpable: the kernel gives its /proc files to root. */
	tap(stat(path, &sb) == 0 && sb.st_uid == 0,
	    "child not dumpable (its /proc owned by uid %u)",
	    (unsigned)sb.st_uid);
	ok = 1;
	for (size_t i = 0; i < G_N_ELEMENTS(ns); i++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)child,
		    ns[i]);
		n = readlink(path, a, sizeof(a) - 1);
		a[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		n = readlink(path, b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)zygote,
		    ns[i]);
		n = readlink(path, c, sizeof(c) - 1);
		c[n > 0 ? n : 0] = '\0';
		if (a[0] == '\0' || strcmp(a, b) == 0 || strcmp(a, c) != 0) {
			printf("# ns %s: child %s, test %s, zygote %s\n", ns[i],
			    a, b, c);
			ok = 0;
		}
	}
	tap(ok, "child namespaces (user pid net ipc mnt) are its zygote's, "
	    "not the test's");
	/* The cgroup: its own when the kernel let the worker move it, else
	 * its zygote's (warm_child.c logs which, once). */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)child);
	if (read_text(path, st, sizeof(st)) != 0) {
		tap(0, "child cgroup: %s", strerror(errno));
		return;
	}
	{
		const struct role_cgroup *in = cg->kind != CGROUP_NONE ? cg :
		    zcg;
		const char *leaf = strrchr(in->memory_dir, '/');

		tap(in->kind != CGROUP_NONE && leaf != NULL &&
		    strstr(st, leaf) != NULL, "child in %s cgroup (%s)",
		    cg->kind != CGROUP_NONE ? "its per-message" :
		    "its zygote's (the kernel refused the move)",
		    in->memory_dir);
	}
}

/* ---- the cases -------------------------------------------------------- */

/* A warm unpack child to a correct REC_END, its records those of the
 * exec path on the same message. */
static void
case_unpack_facts(struct zyg *y, const char *msg)
{
	g_autofree struct rec_writer *w = role_settings_build_unpack(&h.cfg);
	g_autofree char *helper = NULL, *name = NULL;
	char *argv[2], *why = NULL, logbuf[LOG_CAPTURE_MAX + 1];
	struct collect warm, exec;
	struct role_outcome ow, oe;
	struct spawn_spec spec;
	struct role_proc rp;
	int fd;

	collect_init(&warm);
	collect_init(&exec);
	fd = message_fd(msg);
	if (warm_start(y, ROLE_UNPACK, w, fd, WAIT_MS, &rp, &why) != 0) {
		tap(0, "warm unpack: %s", why);
		close(fd);
		return;
	}
	close(fd);
	run_caught(&rp, CASE_DEADLINE_MS, &warm, &ow, logbuf);
	spec_for(ROLE_UNPACK, w, &helper, &name, argv, &spec);
	spec.message_fd = fd = message_fd(msg);
	if (spawn_role(&spec, &rp, &why) != 0) {
		tap(0, "exec unpack: %s", why);
		close(fd);
		return;
	}
	close(fd);
	run_caught(&rp, CASE_DEADLINE_MS, &exec, &oe, logbuf);
	tap(ow.ending == ROLE_DONE, "warm unpack child ends done (%s: %s)",
	    role_ending_name(ow.ending), ow.detail);
	tap(oe.ending == ROLE_DONE && warm.all->len > 0 &&
	    warm.all->len == exec.all->len &&
	    memcmp(warm.all->data, exec.all->data, warm.all->len) == 0,
	    "warm child's records and parts are the exec path's, byte for "
	    "byte (%u and %u bytes, %u records)", warm.all->len,
	    exec.all->len, ow.records);
	g_byte_array_unref(warm.all);
	g_byte_array_unref(exec.all);
}

/* A clamav child that waits for work after its lockdown. */
static int
clamav_waiting(struct zyg *y, const struct rec_writer *w,
    struct role_proc *rp)
{
	char *why = NULL;

	if (warm_start(y, ROLE_CLAMAV, w, -1, WAIT_MS, rp, &why) != 0) {
		tap(0, "warm clamav: %s", why);
		return -1;
	}
	if (wait_locked(rp->pid) != 0) {
		tap(0, "warm clamav child %d never locked down", (int)rp->pid);
		return -1;
	}
	return 0;
}

static void
case_clamav(struct zyg *y)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	struct collect c;
	struct role_outcome out;
	struct role_proc rp, rp2;
	const char *fwhy;

	if (clamav_waiting(y, w, &rp) != 0)
		return;
	check_proc(rp.pid, y->z.pid, ROLE_CLAMAV, &rp.cgroup, &y->z.cgroup);

	/* A second at once: the zygote serves it while the first waits. */
	if (clamav_waiting(y, w, &rp2) != 0)
		return;
	collect_init(&c);
	run_caught(&rp, 1500, &c, &out, logbuf);
	tap(out.ending == ROLE_TIMEOUT, "a warm child past its deadline "
	    "(shutdown of its connection) ends as timeout (%s: %s)",
	    role_ending_name(out.ending), out.detail);
	run_caught(&rp2, 1500, &c, &out, logbuf);
	g_byte_array_unref(c.all);
	tap(out.ending == ROLE_TIMEOUT, "and a second child, concurrent, as "
	    "well (%s)", role_ending_name(out.ending));

	/* The zygote serves the next request: EICAR found. */
	collect_init(&c);
	c.part_fd = sealed_memfd_from("eicar", (const uint8_t *)eicar,
	    sizeof(eicar) - 1, &fwhy);
	if (warm_start(y, ROLE_CLAMAV, w, -1, WAIT_MS, &rp, &why) != 0) {
		tap(0, "warm clamav after the timeout: %s", why);
		return;
	}
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	close(c.part_fd);
	tap(out.ending == ROLE_DONE && c.verdict == SCAN_VIRUS, "after it the "
	    "zygote serves the next child, which finds EICAR (%s, verdict %d)",
	    role_ending_name(out.ending), c.verdict);
	g_byte_array_unref(c.all);
}

/* More children at once than a role's pids.max: a zygote's cgroup
 * holds them while they wait (and for good where the kernel refuses the
 * move), so it must have room for ZYGOTE_CHILDREN_MAX of them. */
static void
case_many(struct zyg *y)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	unsigned want = h.cfg.role_pids_max + 4, got = 0, ended = 0;
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	struct role_proc *rp = g_new0(struct role_proc, want);
	struct role_outcome out;
	struct collect c;

	for (; got < want; got++) {
		if (warm_start(y, ROLE_CLAMAV, w, -1, WAIT_MS, &rp[got],
		    &why) != 0) {
			printf("# child %u: %s\n", got + 1, why);
			g_clear_pointer(&why, g_free);
			break;
		}
		if (wait_locked(rp[got].pid) != 0) {
			printf("# child %u never locked down\n", got + 1);
			got++;
			break;
		}
	}
	for (unsigned i = 0; i < got; i++) {
		collect_init(&c);
		run_caught(&rp[i], 1, &c, &out, logbuf);
		ended += out.ending == ROLE_TIMEOUT;
		g_byte_array_unref(c.all);
	}
	tap(got == want && ended == want, "%u clamav children at once, more "
	    "than sandbox.role_pids_max %u (%u started, %u ended)", want,
	    h.cfg.role_pids_max, got, ended);
	g_free(rp);
}

/* How long a request waits unanswered before SERVE: a zygote that
 * accepted it would answer in milliseconds. */
#define UNSERVED_MS	1500

/* A zygote READY but not told SERVE accepts nothing: a request on its
 * socket stays unanswered in the backlog, while the canary through its
 * own channel is served; after SERVE that very request gets its child
 * (docs/warm.md, "Zygotes and their children"). */
static void
case_serve_gate(struct zyg *y, enum role_id role)
{
	struct zyg_msg m = { .type = ZYG_REQUEST, .role = role,
	    .kind = ZYG_KIND_CANARY_SOCKET, .fds = ZYG_FD_RECORDS |
	    ZYG_FD_LOG };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[ZYG_MSG_MAX + 1];
	int conn, rec[2], logp[2], fds[2], fd = -1;
	struct pollfd p;
	const char *text = "receive failed";
	char *why = NULL;
	size_t len;
	ssize_t n;

	g_strlcpy(sa.sun_path, y->path, sizeof(sa.sun_path));
	conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (conn < 0 || connect(conn, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0 || socketpair(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, rec) != 0 || pipe2(logp, O_CLOEXEC) != 0) {
		tap(0, "unserved zygote: connect: %s", strerror(errno));
		return;
	}
	fds[0] = rec[1];
	fds[1] = logp[1];
	len = zyg_encode(&m, buf);
	tap(fd_pass_send_fds(conn, buf, len, fds, 2, 0) == (ssize_t)len,
	    "a request queued on the socket of a zygote not told SERVE");
	close(rec[1]);
	close(logp[1]);
	p = (struct pollfd){ conn, POLLIN, 0 };
	n = poll(&p, 1, UNSERVED_MS);
	tap(n == 0, "READY but not told SERVE: no answer within %u ms "
	    "(revents 0x%x)", (unsigned)UNSERVED_MS, (unsigned)p.revents);
	tap(zygote_canary(y->z.records_fd, role, WAIT_MS, &why) == 0,
	    "before SERVE the canary through its own channel is served%s%s",
	    why ? ": " : "", why ? why : "");
	g_free(why);
	p = (struct pollfd){ conn, POLLIN, 0 };
	tap(poll(&p, 1, 0) == 0, "and the request on the socket still waits");
	tap(zygote_tell_serve(y->z.records_fd) == 0, "SERVE told");
	p = (struct pollfd){ conn, POLLIN, 0 };
	n = poll(&p, 1, WAIT_MS) == 1 ? fd_pass_recv(conn, buf, sizeof(buf),
	    0, &fd, &text) : -1;
	tap(n > 0 && zyg_decode(buf, (size_t)n, fd >= 0, &m, &text) == 0 &&
	    m.type == ZYG_FORKED, "after SERVE the waiting request gets its "
	    "child (ZYG_FORKED)");
	if (fd >= 0)
		close(fd);
	/* Its end (SIGSYS) before we close: closing would kill it. */
	p = (struct pollfd){ conn, POLLIN, 0 };
	(void)poll(&p, 1, WAIT_MS);
	close(conn);
	close(rec[0]);
	close(logp[0]);
}

static void
case_canary(struct zyg *y, const char *tag, enum role_id role)
{
	char *why = NULL;

	tap(zygote_canary(y->z.records_fd, role, WAIT_MS, &why) == 0, "%s: canary "
	    "children (socket, tgkill at the zygote) die by SIGSYS%s%s", tag,
	    why ? ": " : "", why ? why : "");
	g_free(why);
}

/* Settings other than the zygote's: the child refuses them. */
static void
case_settings_differ(struct zyg *y)
{
	struct qscan_config cfg = h.cfg;
	g_autofree struct rec_writer *w = NULL;
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	struct collect c;
	struct role_outcome out;
	struct role_proc rp;
	int fd = message_fd("Subject: x\r\n\r\nx\r\n");

	cfg.max_parts = h.cfg.max_parts - 1;
	w = role_settings_build_unpack(&cfg);
	collect_init(&c);
	if (warm_start(y, ROLE_UNPACK, w, fd, WAIT_MS, &rp, &why) != 0) {
		tap(0, "warm unpack: %s", why);
		close(fd);
		return;
	}
	close(fd);
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	tap(out.ending == ROLE_EXITED && out.code == ROLE_EXIT_USAGE &&
	    strstr(logbuf, "settings refused: max_parts differs from the "
	    "zygote's") != NULL, "a child refuses settings that are not its "
	    "zygote's (%s, code %d)", role_ending_name(out.ending), out.code);
	if (out.ending != ROLE_EXITED)
		printf("# log: %s\n", logbuf);
	g_byte_array_unref(c.all);
}

/* A child that dies by SIGSEGV: the zygote retires and exits 0. */
static void
case_crash_retires(struct zyg *y)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	enum zygote_status st = 0;
	struct collect c;
	struct role_outcome out;
	struct role_proc rp;
	int status;

	if (clamav_waiting(y, w, &rp) != 0)
		return;
	kill(rp.pid, SIGSEGV);
	collect_init(&c);
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	g_byte_array_unref(c.all);
	tap(out.ending == ROLE_CRASH, "a child killed by SIGSEGV ends as a "
	    "crash (%s)", role_ending_name(out.ending));
	tap(zyg_status(y, &st, WAIT_MS, &why) == 0 && st == ZYGOTE_RETIRING,
	    "after the crash the zygote says RETIRING%s%s", why ? ": " : "",
	    why ? why : "");
	status = zyg_end(y);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and exits 0 "
	    "(status 0x%x)", (unsigned)status);
}

/* The zygote killed while its child works: the worker's role fails as
 * ours, never done. */
static void
case_zygote_killed(struct zyg *y)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	char logbuf[LOG_CAPTURE_MAX + 1];
	struct collect c;
	struct role_outcome out;
	struct role_proc rp;

	if (clamav_waiting(y, w, &rp) != 0)
		return;
	kill(y->z.pid, SIGKILL);
	collect_init(&c);
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	g_byte_array_unref(c.all);
	tap(out.ending == ROLE_ZYGOTE_LOST, "zygote killed mid-message: the "
	    "child's role ends as zygote-lost, a failure of ours (%s: %s)",
	    role_ending_name(out.ending), out.detail);
	(void)zyg_end(y);
}

/* RS_ZYGOTE_MAX_CHILDREN 3: three children, then it retires. */
static void
case_max_children(const char *msg)
{
	g_autofree struct rec_writer *w = role_settings_build_unpack(&h.cfg);
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	enum zygote_status st = 0;
	struct role_outcome out;
	struct collect c;
	struct role_proc rp;
	struct zyg y;
	unsigned done = 0;
	int status;

	if (zyg_start(&y, ROLE_UNPACK, 3, "unpack-max3") != 0)
		return;
	for (int i = 0; i < 3; i++) {
		int fd = message_fd(msg);

		collect_init(&c);
		if (warm_start(&y, ROLE_UNPACK, w, fd, WAIT_MS, &rp,
		    &why) == 0) {
			run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
			done += out.ending == ROLE_DONE;
		}
		close(fd);
		g_byte_array_unref(c.all);
	}
	tap(done == 3, "max_children 3: three children done (%u)", done);
	tap(zyg_status(&y, &st, WAIT_MS, &why) == 0 && st == ZYGOTE_RETIRING,
	    "then the zygote says RETIRING");
	warm_zygote_drain_log(&y);
	status = zyg_end(&y);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and exits 0 "
	    "(status 0x%x)", (unsigned)status);
	tap(strstr(y.log->str, "retires after 3 children: max children "
	    "reached") != NULL, "its log says why");
}

/* A warm clamd child with the connection to clamd as its peer (the
 * fourth descriptor of a request): EICAR found by clamd. */
static void
case_clamd(struct zyg *y, const char *clamd_socket)
{
	g_autofree struct rec_writer *w = role_settings_build_clamd(&h.cfg, 1);
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	struct sockaddr_un sa;
	struct role_outcome out;
	struct role_proc rp;
	struct collect c;
	const char *fwhy;
	int peer;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", clamd_socket);
	peer = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (peer < 0 || connect(peer, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0) {
		tap(0, "clamd at %s: %s", clamd_socket, strerror(errno));
		return;
	}
	collect_init(&c);
	c.part_fd = sealed_memfd_from("eicar", (const uint8_t *)eicar,
	    sizeof(eicar) - 1, &fwhy);
	if (warm_start_peer(y, ROLE_CLAMD, w, -1, peer, WAIT_MS, &rp,
	    &why) != 0) {
		tap(0, "warm clamd: %s", why);
		close(peer);
		return;
	}
	close(peer);
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	close(c.part_fd);
	tap(out.ending == ROLE_DONE && c.verdict == SCAN_VIRUS, "a warm clamd "
	    "child hands EICAR to clamd on its peer socket, which finds it "
	    "(%s: %s, verdict %d)", role_ending_name(out.ending), out.detail,
	    c.verdict);
	if (out.ending != ROLE_DONE)
		printf("# log: %s\n", logbuf);
	g_byte_array_unref(c.all);
}

/* A resolver of our own for the mhr child: a forked process on a UDP
 * socket at 127.0.0.1 that answers the first query with "1700000000 90"
 * for its question, then exits.  Returns the socket the child gets
 * (connected to it) and the resolver's pid. */
static int
mhr_resolver_start(pid_t *pid)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), peer;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv < 0 || bind(srv, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(srv, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	peer = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (peer < 0 || connect(peer, (struct sockaddr *)&sa, len) != 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		static const uint8_t ans[] = { 0xc0, 0x0c, 0, 16, 0, 1, 0, 0,
		    0, 0, 0, 14, 13, '1', '7', '0', '0', '0', '0', '0', '0',
		    '0', '0', ' ', '9', '0' };
		uint8_t q[600];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		alarm(10);
		n = recvfrom(srv, q, sizeof(q) - sizeof(ans), 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 12)
			_exit(1);
		q[2] = 0x85;
		q[3] = 0x80;
		q[7] = 1;		/* one answer */
		memcpy(q + n, ans, sizeof(ans));
		(void)sendto(srv, q, (size_t)n + sizeof(ans), 0,
		    (struct sockaddr *)&from, flen);
		_exit(0);
	}
	close(srv);
	return *pid < 0 ? -1 : peer;
}

/* A warm mhr child: the EICAR part hashed, its SHA-256 asked on the
 * UDP socket it was given, the answer a hash reputation of 90 %. */
static void
case_mhr(struct zyg *y)
{
	g_autofree struct rec_writer *w = role_settings_build(&h.cfg, ROLE_MHR,
	    0, 0, 0);
	char logbuf[LOG_CAPTURE_MAX + 1], *why = NULL;
	struct role_outcome out;
	struct role_proc rp;
	struct collect c;
	const char *fwhy;
	int peer, status = -1, pct = -1;
	pid_t res = -1;

	if ((peer = mhr_resolver_start(&res)) < 0) {
		tap(0, "warm mhr: no resolver: %s", strerror(errno));
		return;
	}
	collect_init(&c);
	c.part_fd = sealed_memfd_from("eicar", (const uint8_t *)eicar,
	    sizeof(eicar) - 1, &fwhy);
	if (warm_start_peer(y, ROLE_MHR, w, -1, peer, WAIT_MS, &rp,
	    &why) != 0) {
		tap(0, "warm mhr: %s", why);
		close(peer);
		kill(res, SIGKILL);
		waitpid(res, NULL, 0);
		return;
	}
	close(peer);
	run_caught(&rp, CASE_DEADLINE_MS, &c, &out, logbuf);
	close(c.part_fd);
	waitpid(res, &status, 0);
	/* The records as collected: u32 length, then the record. */
	for (guint off = 0; off + 4 <= c.all->len;) {
		uint32_t l;

		memcpy(&l, c.all->data + off, 4);
		if (l >= RECORD_HEADER_LEN + 7 && off + 4 + l <= c.all->len &&
		    c.all->data[off + 4] == REC_HASH_REPUTATION &&
		    c.all->data[off + 4 + RECORD_HEADER_LEN + 4] ==
		    HASH_REP_LISTED)
			pct = c.all->data[off + 4 + RECORD_HEADER_LEN + 6];
		off += 4 + l;
	}
	tap(out.ending == ROLE_DONE && c.verdict == SCAN_CLEAN && pct == 90 &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, "a warm mhr child "
	    "asks EICAR's SHA-256 on its UDP peer and reports it listed at "
	    "90 %% (%s: %s, verdict %d, percent %d)",
	    role_ending_name(out.ending), out.detail, c.verdict, pct);
	if (out.ending != ROLE_DONE)
		printf("# log: %s\n", logbuf);
	g_byte_array_unref(c.all);
}

/* One hostile clamav child asked to make `attempt`; its outcome. */
static void
hostile_run(struct zyg *y, const char *attempt, unsigned timeout_ms,
    struct role_outcome *out, char *logbuf)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	g_autofree char *text = g_strdup_printf("X-Hostile: %s\r\n\r\nx\r\n",
	    attempt);
	struct collect c;
	struct role_proc rp;
	char *why = NULL;

	memset(out, 0, sizeof(*out));
	collect_init(&c);
	c.part_fd = message_fd(text);
	if (warm_start(y, ROLE_CLAMAV, w, -1, WAIT_MS, &rp, &why) != 0) {
		snprintf(out->detail, sizeof(out->detail), "%s", why);
		out->ending = ROLE_SPAWN_FAILED;
		logbuf[0] = '\0';
	} else
		run_caught(&rp, timeout_ms, &c, out, logbuf);
	close(c.part_fd);
	g_byte_array_unref(c.all);
}

/* Children of a hostile clamav zygote: what a child must not reach. */
static void
case_hostile(const char *hostile_dir)
{
	g_autofree struct rec_writer *w = role_settings_build_clamav(&h.cfg, 0);
	char logbuf[LOG_CAPTURE_MAX + 1], said[1024] = "", *why = NULL;
	static const char hold[] = "X-Hostile: scratch_hold\r\n\r\nx\r\n";
	enum zygote_status st = 0;
	struct role_outcome out;
	struct rec_writer rec;
	struct role_proc a;
	struct collect c;
	struct zyg y;
	double until;
	size_t got = 0;
	int fd, status;

	if (zyg_start_in(&y, hostile_dir, ROLE_CLAMAV, 1000, "hostile", 1) != 0)
		return;
	/* Child A holds a file in its scratch directory and waits. */
	if (warm_start(&y, ROLE_CLAMAV, w, -1, WAIT_MS, &a, &why) != 0) {
		tap(0, "hostile child A: %s", why);
		return;
	}
	fd = message_fd(hold);
	rec_begin(&rec, REC_SCAN);
	rec_put_u32(&rec, 0);
	rec_put_u64(&rec, sizeof(hold) - 1);
	(void)rec_finish(&rec);
	(void)rec_send(a.records_fd, &rec, fd);
	close(fd);
	for (until = now_ms() + WAIT_MS; now_ms() < until &&
	    strstr(said, "hostile: holding") == NULL; ) {
		struct pollfd p = { a.log_fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(a.log_fd, said + got, sizeof(said) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		said[got] = '\0';
	}
	tap(strstr(said, "hostile: holding") != NULL, "hostile child A "
	    "holds a file in its own scratch directory");
	/* Child B, at the same time: every sibling directory refused. */
	hostile_run(&y, "scratch_sibling", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_EXITED && out.code == 3 &&
	    strstr(logbuf, "scratch_sibling: 2 refused with EACCES") != NULL &&
	    strstr(logbuf, "scratch_sibling survived: returned 0,") != NULL,
	    "a concurrent child B opens neither child A's scratch directory "
	    "nor its file (Landlock: EACCES), though it writes its own (%s %d)",
	    role_ending_name(out.ending), out.code);
	if (strstr(logbuf, "2 refused with EACCES") == NULL)
		printf("# log: %s\n", logbuf);
	collect_init(&c);
	run_caught(&a, 1000, &c, &out, logbuf);
	g_byte_array_unref(c.all);
	tap(out.ending == ROLE_TIMEOUT, "child A ended at its deadline (%s)",
	    role_ending_name(out.ending));
	/* Both have ended: their directories are gone. */
	hostile_run(&y, "scratch_stat", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_EXITED && out.code == 3 &&
	    strstr(logbuf, "scratch_stat survived: returned 0,") != NULL,
	    "the zygote removed the scratch directories of the children that "
	    "ended (%s %d)", role_ending_name(out.ending), out.code);
	if (strstr(logbuf, "returned 0,") == NULL)
		printf("# log: %s\n", logbuf);

	hostile_run(&y, "signal_broker", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_VIOLATION, "a child's tgkill(SIGABRT) at its "
	    "zygote kills the child (%s: %s)", role_ending_name(out.ending),
	    out.detail);
	hostile_run(&y, "kill_broker", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_VIOLATION, "a child's kill(SIGKILL) at its "
	    "zygote kills the child (%s: %s)", role_ending_name(out.ending),
	    out.detail);
	hostile_run(&y, "none", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_DONE, "the zygote lives and serves the next "
	    "child (%s: %s)", role_ending_name(out.ending), out.detail);
	hostile_run(&y, "crash", CASE_DEADLINE_MS, &out, logbuf);
	tap(out.ending == ROLE_CRASH, "a child's own SIGSEGV is a crash (%s)",
	    role_ending_name(out.ending));
	tap(zyg_status(&y, &st, WAIT_MS, &why) == 0 && st == ZYGOTE_RETIRING,
	    "after it the zygote says RETIRING");
	status = zyg_end(&y);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and exits 0 "
	    "(status 0x%x)", (unsigned)status);
}

int
main(int argc, char **argv)
{
	g_autofree char *msg = test_message();
	g_autofree char *zdir = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	struct spawn_settings set;
	char *why = NULL;
	enum zygote_status st = 0;
	struct zyg y;
	int status;

	if ((argc != 4 && argc != 5) || argv[1][0] != '/') {
		fprintf(stderr, "usage: test-warm /dir/of/helpers DATABASE-DIR "
		    "CLAMD-SOCKET [/dir/of/hostile] (run by warm.sh)\n");
		return 2;
	}
	log_open("test-warm", FALSE, TRUE);
	h.dir = argv[1];
	config_defaults(&h.cfg);
	g_free(h.cfg.clamav_database);
	h.cfg.clamav_database = g_strdup(argv[2]);
	if (as_broker_setup(&h.b) != 0)
		return 1;
	/* The delegated cgroup, as the service has it. */
	spawn_settings_from(&h.cfg, &set);
	if (spawn_setup(&set, &h.b.privs, warnings, &why) != 0) {
		printf("Bail out! spawn_setup: %s\n", why);
		return 1;
	}
	for (guint i = 0; i < warnings->len; i++)
		printf("# %s\n", (char *)warnings->pdata[i]);
	zdir = g_strdup_printf("%s/zygotes", h.dir);
	if (mkdir(zdir, 0700) != 0 && errno != EEXIST) {
		printf("Bail out! %s: %s\n", zdir, strerror(errno));
		return 1;
	}

	if (zyg_start_in(&y, h.dir, ROLE_UNPACK, 1000, "unpack", 0) == 0) {
		case_serve_gate(&y, ROLE_UNPACK);
		case_unpack_facts(&y, msg);
		case_canary(&y, "unpack", ROLE_UNPACK);
		case_settings_differ(&y);
		tap(zygote_tell_retire(y.z.records_fd) == 0 &&
		    zyg_status(&y, &st, WAIT_MS, &why) == 0 &&
		    st == ZYGOTE_RETIRING, "told to retire, it says RETIRING");
		status = zyg_end(&y);
		tap(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and exits "
		    "0 (status 0x%x)", (unsigned)status);
	}
	if (zyg_start(&y, ROLE_CLAMAV, 1000, "clamav") == 0) {
		case_clamav(&y);
		case_many(&y);
		case_canary(&y, "clamav", ROLE_CLAMAV);
		case_crash_retires(&y);
	}
	if (zyg_start(&y, ROLE_CLAMAV, 1000, "clamav-2") == 0)
		case_zygote_killed(&y);
	if (zyg_start(&y, ROLE_CLAMD, 1000, "clamd") == 0) {
		case_clamd(&y, argv[3]);
		case_canary(&y, "clamd", ROLE_CLAMD);
		(void)zygote_tell_retire(y.z.records_fd);
		(void)zyg_end(&y);
	}
	if (zyg_start(&y, ROLE_MHR, 1000, "mhr") == 0) {
		case_mhr(&y);
		case_canary(&y, "mhr", ROLE_MHR);
		(void)zygote_tell_retire(y.z.records_fd);
		(void)zyg_end(&y);
	}
	case_max_children(msg);
	if (argc == 5)
		case_hostile(argv[4]);
	printf("1..%u\n", h.n);
	return h.failed ? 1 : 0;
}
