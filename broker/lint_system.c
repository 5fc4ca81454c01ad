/* broker: `qscan lint`'s look at the machine (lint_system.h): every path
 * the configuration names with its owner and mode as qscan-setup leaves
 * it (docs/architecture.md), each role's user, and each server a role
 * needs, answering; trusted, read-only.
 *
 * A server is one row of server_checks[]: a role whose engine is a
 * server (clamd, spamd) adds its row, nothing else. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "clamd_connect.h"
#include "lint_system.h"
#include "record.h"
#include "sandbox.h"
#include "spamd_connect.h"

struct lint {
	const struct qscan_config *cfg;
	unsigned problems;
};

static void G_GNUC_PRINTF(2, 3)
problem(struct lint *l, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->problems++;
}

/* Who must own a path. */
enum owner { OWNER_BROKER, OWNER_ROOT };

static int
role_in_use(const struct qscan_config *cfg, enum role_id r)
{
	if (r == ROLE_CANARY || r == ROLE_UNPACK)
		return 1;
	if (r == ROLE_SPAMD)
		return cfg->spamd_servers != NULL && cfg->spamd_servers[0];
	for (unsigned i = 0; i < cfg->n_scanners; i++)
		if (cfg->scanners[i] == (int)r)
			return 1;
	return 0;
}

static int
uid_of(const char *user, uid_t *uid)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

/* A directory of ours: it exists, is owned as it must be, and has
 * exactly `mode` (0700 for the spool) or, with exact 0, no bit beyond
 * it (0755: nobody else may write).  -1 when it is not there. */
static int
check_dir(struct lint *l, const char *what, const char *path,
    enum owner owner, mode_t mode, int exact)
{
	struct stat st;
	uid_t want = 0;
	const char *who = owner == OWNER_ROOT ? "root" : l->cfg->broker_user;

	if (owner == OWNER_BROKER && uid_of(who, &want) != 0)
		return -1;	/* said once, by the users' check */
	if (stat(path, &st) != 0) {
		problem(l, "%s %s: %s: %s", what, path, strerror(errno),
		    owner == OWNER_BROKER || strcmp(what, "role_dir") != 0 ?
		    "run qscan-setup" : "install the roles there (meson "
		    "install) or set qscan.role_dir");
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		problem(l, "%s %s: not a directory", what, path);
		return -1;
	}
	if (st.st_uid != want)
		problem(l, "%s %s: owned by uid %u, not %s: chown %s %s",
		    what, path, (unsigned)st.st_uid, who, who, path);
	if (exact ? (st.st_mode & 07777) != mode : (st.st_mode & ~mode &
	    07777) != 0)
		problem(l, "%s %s: mode %04o, not %04o: chmod %04o %s", what,
		    path, (unsigned)(st.st_mode & 07777), (unsigned)mode,
		    (unsigned)mode, path);
	return 0;
}

/* The spool as qscan-setup makes it: every folder the broker writes. */
static void
check_spool(struct lint *l)
{
	static const char *const dirs[] = { "work", "log", "crashes",
		"crashes/tmp", "crashes/new", "crashes/cur", "quarantine",
		"quarantine/viruses", "quarantine/policy" };
	static const char *const maildirs[] = { "quarantine/viruses",
		"quarantine/policy" };
	static const char *const sub[] = { "tmp", "new", "cur" };
	const char *spool = l->cfg->spool_dir;

	if (check_dir(l, "spool_dir", spool, OWNER_BROKER, 0700, 1) != 0)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *p = g_build_filename(spool, dirs[i], NULL);

		check_dir(l, "spool", p, OWNER_BROKER, 0700, 1);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(maildirs); i++)
		for (size_t j = 0; j < G_N_ELEMENTS(sub); j++) {
			g_autofree char *p = g_build_filename(spool,
			    maildirs[i], sub[j], NULL);

			check_dir(l, "quarantine", p, OWNER_BROKER, 0700, 1);
		}
}

/* A program we run: a regular file, executable by others (the roles'
 * users), that only its owner may change, and with root_only that owner
 * root (qmail's own qmail-queue is qmailq's, setuid). */
static void
check_program(struct lint *l, const char *what, const char *path,
    int root_only)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		problem(l, "%s %s: %s", what, path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0001) == 0)
		problem(l, "%s %s: not a program others may run: chmod 0755 %s",
		    what, path, path);
	if (root_only && st.st_uid != 0)
		problem(l, "%s %s: owned by uid %u, must be root's: chown "
		    "root %s", what, path, (unsigned)st.st_uid, path);
	if ((st.st_mode & 0022) != 0)
		problem(l, "%s %s: mode %04o, writable by others than its "
		    "owner: chmod go-w %s", what, path,
		    (unsigned)(st.st_mode & 07777), path);
}

/* role_dir, each role in use there, its scratch mount point. */
static void
check_roles(struct lint *l)
{
	const struct qscan_config *cfg = l->cfg;

	if (check_dir(l, "role_dir", cfg->role_dir, OWNER_ROOT, 0755, 0) != 0)
		goto queue;
	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile(r);
		g_autofree char *helper = NULL;

		if (p == NULL || !role_in_use(cfg, r))
			continue;
		helper = g_strdup_printf("%s/qscan-%s", cfg->role_dir, p->name);
		check_program(l, "role", helper, 1);
		if (p->tmpfs_dir != NULL)
			check_dir(l, "scratch mount point", p->tmpfs_dir,
			    OWNER_ROOT, 0755, 0);
	}
queue:
	check_program(l, "qmail_queue", cfg->qmail_queue, 0);
}

/* The broker user and each role's, all different: roles of one uid
 * could reach each other outside their namespaces. */
static void
check_users(struct lint *l)
{
	const struct qscan_config *cfg = l->cfg;
	uid_t broker, uid;

	if (uid_of(cfg->broker_user, &broker) != 0) {
		problem(l, "users.broker %s: no such user: run qscan-setup",
		    cfg->broker_user);
		return;
	}
	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile(r);

		if (p == NULL || !role_in_use(cfg, r))
			continue;
		if (uid_of(cfg->role_user[r], &uid) != 0)
			problem(l, "users.%s %s: no such user: run qscan-setup",
			    p->name, cfg->role_user[r]);
		else if (uid == broker)
			problem(l, "users.%s %s: the broker's uid; give the "
			    "role a user of its own", p->name,
			    cfg->role_user[r]);
	}
}

/* service.socket: qscand's, when it runs. */
static void
check_service_socket(struct lint *l)
{
	const char *path = l->cfg->service_socket;
	struct stat st;
	uid_t broker;

	if (stat(path, &st) != 0) {
		printf("note: service.socket %s: %s (no qscand: the hook "
		    "takes service.fallback)\n", path, strerror(errno));
		return;
	}
	if (!S_ISSOCK(st.st_mode))
		problem(l, "service.socket %s: not a socket", path);
	else if (uid_of(l->cfg->broker_user, &broker) == 0 &&
	    st.st_uid != broker)
		problem(l, "service.socket %s: owned by uid %u, not %s (is "
		    "another qscand listening there?)", path,
		    (unsigned)st.st_uid, l->cfg->broker_user);
	else if ((st.st_mode & 0007) != 0)
		problem(l, "service.socket %s: mode %04o lets anyone connect",
		    path, (unsigned)(st.st_mode & 07777));
}

/* Sends ping on a connected server's fd (closed here) and reads its
 * answer up to `end` or timeout_ms: 0 when it starts with pong. */
static int
server_ping(int fd, const char *ping, size_t ping_len, const char *pong,
    char end, unsigned timeout_ms, char **why)
{
	char reply[64];
	struct pollfd p;
	size_t got = 0;

	if (write(fd, ping, ping_len) != (ssize_t)ping_len) {
		*why = g_strdup_printf("PING: %s", strerror(errno));
		close(fd);
		return -1;
	}
	p = (struct pollfd){ fd, POLLIN, 0 };
	while (got < sizeof(reply) - 1 && poll(&p, 1, (int)timeout_ms) == 1) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(reply, end, got) != NULL)
			break;
	}
	close(fd);
	reply[got] = '\0';
	if (strncmp(reply, pong, strlen(pong)) != 0) {
		g_autofree char *said = g_strescape(reply, NULL);

		*why = g_strdup_printf("answered PING with \"%s\", not %s "
		    "(within %u ms)", said, pong, timeout_ms);
		return -1;
	}
	return 0;
}

/* clamd: each server answers zPING with PONG and its NUL. */
static int
clamd_ping(const char *server, unsigned timeout_ms, char **why)
{
	int is_unix, fd = clamd_connect(server, timeout_ms, &is_unix, why);

	if (fd < 0)
		return -1;
	return server_ping(fd, "zPING", 6, "PONG", '\0', timeout_ms, why);
}

static void
check_clamd(struct lint *l)
{
	const struct qscan_config *cfg = l->cfg;
	g_auto(GStrv) servers = g_strsplit(cfg->clamd_servers, ";", -1);

	for (char **s = servers; *s != NULL; s++) {
		g_autofree char *why = NULL;
		g_autofree char *one = g_strstrip(g_strdup(*s));

		if (*one == '\0')
			continue;
		if (clamd_ping(one, cfg->clamd_connect_timeout_ms, &why) != 0)
			problem(l, "clamd.servers %s: %s", one, why);
		else
			printf("clamd %s: answers\n", one);
	}
}

/* spamd: each server answers PING SPAMC/1.5 with "SPAMD/1.5 0 PONG". */
static int
spamd_ping(const char *server, unsigned timeout_ms, char **why)
{
	static const char ping[] = "PING SPAMC/1.5\r\n\r\n";
	int fd = spamd_connect(server, timeout_ms, why);

	if (fd < 0)
		return -1;
	return server_ping(fd, ping, sizeof(ping) - 1, "SPAMD/1.5 0 PONG",
	    '\n', timeout_ms, why);
}

static void
check_spamd(struct lint *l)
{
	const struct qscan_config *cfg = l->cfg;
	g_auto(GStrv) servers = g_strsplit(cfg->spamd_servers, ";", -1);

	for (char **s = servers; *s != NULL; s++) {
		g_autofree char *why = NULL;
		g_autofree char *one = g_strstrip(g_strdup(*s));

		if (*one == '\0')
			continue;
		if (spamd_ping(one, cfg->spamd_connect_timeout_ms, &why) != 0)
			problem(l, "spamd.servers %s: %s", one, why);
		else
			printf("spamd %s: answers\n", one);
	}
}

/* One row per role whose engine is a server. */
static const struct {
	enum role_id role;
	void (*check)(struct lint *l);
} server_checks[] = {
	{ ROLE_CLAMD, check_clamd },
	{ ROLE_SPAMD, check_spamd },
};

unsigned
lint_system(const struct qscan_config *cfg)
{
	struct lint l = { .cfg = cfg };

	check_users(&l);
	check_spool(&l);
	check_roles(&l);
	check_service_socket(&l);
	for (size_t i = 0; i < G_N_ELEMENTS(server_checks); i++)
		if (role_in_use(cfg, server_checks[i].role))
			server_checks[i].check(&l);
	return l.problems;
}
