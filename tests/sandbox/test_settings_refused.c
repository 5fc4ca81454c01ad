/* tests: the real role helpers (unpack, clamav, clamd), spawned as the
 * broker spawns them, given a settings record the broker never sends:
 * each one refuses it before lockdown, says why in its log (relayed by
 * role_run as the broker's log line), and exits ROLE_EXIT_USAGE; a good
 * record lets the unpack role run to its end.  Output: TAP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "as_broker.h"
#include "config.h"
#include "log.h"
#include "privs.h"
#include "role_run.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "role_settings_build.h"
#include "sandbox.h"
#include "sealed_memfd.h"
#include "spawn.h"

#define CASE_DEADLINE_MS 20000
#define LOG_CAPTURE_MAX	8192

struct harness {
	const char *dir;		/* where the role helpers are */
	struct as_broker b;	/* privileges, outer filter, role users */
	struct qscan_config cfg;
};

/* What the unpack role is given to read, as the spool file would be. */
static const char case_message[] =
	"From: a@b.example\r\nSubject: settings\r\n\r\nbody\r\n";

/* Sets the u16 count of an encoded settings record. */
static void
set_count(struct rec_writer *w, uint16_t count)
{
	w->buf[RECORD_HEADER_LEN + 6] = count & 0xff;
	w->buf[RECORD_HEADER_LEN + 7] = count >> 8;
}

/* Appends one u32 setting to an encoded record, counted. */
static void
append_u32(struct rec_writer *w, uint16_t id, uint32_t v)
{
	uint16_t count = w->buf[RECORD_HEADER_LEN + 6] |
	    w->buf[RECORD_HEADER_LEN + 7] << 8;

	rec_put_u16(w, id);
	rec_put_u32(w, v);
	set_count(w, count + 1);
	(void)rec_finish(w);
}

/* The record of each case, from the production builder, then spoilt. */
enum spoil {
	SPOIL_NONE,		/* as the broker sends it */
	SPOIL_DUPLICATE,	/* max_parts twice */
	SPOIL_OTHER_ROLE,	/* the clamav role's record */
	SPOIL_VERSION,		/* RECORD_VERSION - 1 */
	SPOIL_TRAILING,		/* two bytes after the last setting */
	SPOIL_ZERO_FILES,	/* clamav.max_files 0: "no limit" */
	SPOIL_MODE,		/* clamd.mode 2 */
	SPOIL_UNKNOWN,		/* setting id 99 */
	SPOIL_NO_HASH,		/* mhr.hashes 0 */
	SPOIL_HASH_BIT,		/* mhr.hashes with a bit no hash has */
	SPOIL_RETRIES,		/* mhr.retries over ROLE_MHR_RETRIES_MAX */
	SPOIL_SPAMD_TIMEOUT,	/* spamd.read_timeout_ms 0: never wait */
	SPOIL_SPAMD_USER,	/* spamd.user over ROLE_SPAMD_USER_MAX */
};

struct settings_case {
	const char *name;
	enum role_id role;
	enum spoil spoil;
	const char *extra_arg;		/* an argument, or NULL */
	enum role_ending want;
	int code;
	const char *log;		/* text the broker's log must carry */
};

static const struct settings_case cases[] = {
	{ "unpack: the broker's record is taken, the role runs to its end",
	  ROLE_UNPACK, SPOIL_NONE, NULL, ROLE_DONE, 0, NULL },
	{ "unpack: a setting twice is refused", ROLE_UNPACK, SPOIL_DUPLICATE,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: settings refused: max_parts given twice" },
	{ "unpack: another role's record is refused", ROLE_UNPACK,
	  SPOIL_OTHER_ROLE, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: settings refused: settings for role clamav, this is "
	  "unpack" },
	{ "unpack: an older record version is refused", ROLE_UNPACK,
	  SPOIL_VERSION, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: settings refused: record version 5, this role speaks 6" },
	{ "unpack: bytes after the last setting are refused", ROLE_UNPACK,
	  SPOIL_TRAILING, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: settings refused: 2 bytes after the last setting" },
	{ "unpack: an unknown setting is refused", ROLE_UNPACK, SPOIL_UNKNOWN,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: settings refused: unknown setting id 99" },
	{ "unpack: an argument is refused", ROLE_UNPACK, SPOIL_NONE,
	  "--max-parts", ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role unpack: role unpack takes no arguments" },
	{ "clamav: max_files 0 is refused", ROLE_CLAMAV, SPOIL_ZERO_FILES,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role clamav: settings refused: clamav.max_files: 0 out of range" },
	{ "clamd: mode 2 is refused", ROLE_CLAMD, SPOIL_MODE, NULL,
	  ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role clamd: settings refused: clamd.mode: 2 out of range 0..1" },
	{ "clamd: a setting twice is refused", ROLE_CLAMD, SPOIL_DUPLICATE,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role clamd: settings refused: clamd.read_timeout_ms given twice" },
	{ "mhr: no hash to ask is refused", ROLE_MHR, SPOIL_NO_HASH, NULL,
	  ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role mhr: settings: mhr.hashes names no hash" },
	{ "mhr: a hash bit no hash has is refused", ROLE_MHR, SPOIL_HASH_BIT,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role mhr: settings refused: mhr.hashes: bits 0x8" },
	{ "mhr: retries over the ceiling are refused", ROLE_MHR,
	  SPOIL_RETRIES, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role mhr: settings refused: mhr.retries: 6 out of range 0..5" },
	{ "mhr: an argument is refused", ROLE_MHR, SPOIL_NONE, "--zone",
	  ROLE_EXITED, ROLE_EXIT_USAGE, "role mhr: role mhr takes no arguments" },
	{ "spamd: a read timeout of 0 is refused", ROLE_SPAMD,
	  SPOIL_SPAMD_TIMEOUT, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role spamd: settings refused: spamd.read_timeout_ms: 0 out of "
	  "range 1..2147483647" },
	{ "spamd: a user over 255 bytes is refused", ROLE_SPAMD,
	  SPOIL_SPAMD_USER, NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role spamd: settings refused: spamd.user: not a string of at "
	  "most 255 bytes without NUL" },
	{ "spamd: an unknown setting is refused", ROLE_SPAMD, SPOIL_UNKNOWN,
	  NULL, ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role spamd: settings refused: unknown setting id 99" },
	{ "spamd: an argument is refused", ROLE_SPAMD, SPOIL_NONE, "--user",
	  ROLE_EXITED, ROLE_EXIT_USAGE,
	  "role spamd: role spamd takes no arguments" },
};

static struct rec_writer *
case_record(const struct harness *h, const struct settings_case *c)
{
	struct rec_writer *w;

	if (c->spoil == SPOIL_OTHER_ROLE)
		return role_settings_build_clamav(&h->cfg, 0);
	switch (c->role) {
	case ROLE_UNPACK:
		w = role_settings_build_unpack(&h->cfg);
		break;
	case ROLE_CLAMAV: {
		struct qscan_config cfg = h->cfg;

		if (c->spoil == SPOIL_ZERO_FILES)
			cfg.clamav_max_files = 0;
		w = role_settings_build_clamav(&cfg, 0);
		break;
	}
	case ROLE_MHR: {
		struct qscan_config cfg = h->cfg;

		if (c->spoil == SPOIL_NO_HASH)
			cfg.mhr_hashes = 0;
		if (c->spoil == SPOIL_HASH_BIT)
			cfg.mhr_hashes = 1u << (HASH_KIND_MAX + 1);
		if (c->spoil == SPOIL_RETRIES)
			cfg.mhr_retries = ROLE_MHR_RETRIES_MAX + 1;
		w = role_settings_build_mhr(&cfg, 0);
		break;
	}
	case ROLE_SPAMD: {
		struct role_settings set;

		/* By hand: the builder never sends either. */
		memset(&set, 0, sizeof(set));
		set.spamd_read_timeout_ms = c->spoil == SPOIL_SPAMD_TIMEOUT ?
		    0 : 1000;
		set.spamd_max_bytes = 512000;
		memset(set.spamd_user, 'u', c->spoil == SPOIL_SPAMD_USER ?
		    ROLE_SPAMD_USER_MAX + 1 : 4);
		w = g_new0(struct rec_writer, 1);
		(void)role_settings_encode(ROLE_SPAMD, &set, w);
		break;
	}
	case ROLE_CLAMD:
	default: {
		struct role_settings set;

		/* The builder resolves the mode: the bad one by hand. */
		memset(&set, 0, sizeof(set));
		set.clamd_mode = c->spoil == SPOIL_MODE ? 2 :
		    ROLE_CLAMD_INSTREAM;
		set.clamd_read_timeout_ms = 1000;
		set.clamd_max_stream_bytes = 1u << 20;
		w = g_new0(struct rec_writer, 1);
		(void)role_settings_encode(ROLE_CLAMD, &set, w);
		break;
	}
	}
	switch (c->spoil) {
	case SPOIL_DUPLICATE:
		append_u32(w, c->role == ROLE_CLAMD ? RS_CLAMD_READ_TIMEOUT_MS :
		    RS_MAX_PARTS, 5);
		break;
	case SPOIL_VERSION:
		w->buf[RECORD_HEADER_LEN] = RECORD_VERSION - 1;
		break;
	case SPOIL_TRAILING:
		rec_put_u16(w, 0);
		(void)rec_finish(w);
		break;
	case SPOIL_UNKNOWN:
		append_u32(w, 99, 1);
		break;
	default:
		break;
	}
	return w;
}

/* Runs one case with the broker's log (fd 2) caught in `logbuf`. */
static int
case_run(const struct harness *h, const struct settings_case *c,
    unsigned n)
{
	const struct role_profile *prof = sandbox_profile(c->role);
	g_autofree char *name = g_strdup_printf("qscan-%s", prof->name);
	g_autofree char *helper = g_strdup_printf("%s/%s", h->dir, name);
	g_autofree struct rec_writer *w = case_record(h, c);
	char *argv[] = { name, (char *)c->extra_arg, NULL };
	struct spawn_spec spec = {
		.role = c->role, .helper = helper, .argv = argv,
		.message_fd = -1, .peer_fd = -1, .settings = w,
		.uid = h->b.uid[c->role], .gid = h->b.gid[c->role],
		.privs = &h->b.privs, .outer_filter = &h->b.outer,
	};
	struct role_io io = AS_BROKER_ANY_IO;
	struct role_outcome out;
	struct role_proc rp;
	char logbuf[LOG_CAPTURE_MAX + 1];
	const char *why_fd;
	char *why = NULL;
	int cap, saved, ok;
	ssize_t len;

	memset(&out, 0, sizeof(out));
	if (c->role == ROLE_UNPACK)
		spec.message_fd = sealed_memfd_from("message",
		    (const uint8_t *)case_message, sizeof(case_message) - 1,
		    &why_fd);
	cap = memfd_create("log", MFD_CLOEXEC);
	saved = dup(STDERR_FILENO);
	if (cap < 0 || saved < 0 || dup2(cap, STDERR_FILENO) < 0) {
		printf("not ok %u - %s # cannot catch the log\n", n, c->name);
		return 0;
	}
	ok = spawn_role(&spec, &rp, &why) == 0;
	if (spec.message_fd >= 0)
		close(spec.message_fd);
	if (ok)
		role_run(&rp, CASE_DEADLINE_MS, &io, &out);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = pread(cap, logbuf, LOG_CAPTURE_MAX, 0);
	close(cap);
	logbuf[len > 0 ? len : 0] = '\0';
	if (!ok) {
		printf("not ok %u - %s # spawn: %s\n", n, c->name, why);
		g_free(why);
		return 0;
	}
	ok = out.ending == c->want && out.code == c->code &&
	    (c->log == NULL || strstr(logbuf, c->log) != NULL);
	printf("%s %u - %s\n", ok ? "ok" : "not ok", n, c->name);
	if (!ok) {
		printf("# ended %s, code %d (%s); want %s, code %d\n",
		    role_ending_name(out.ending), out.code, out.detail,
		    role_ending_name(c->want), c->code);
		printf("# log wanted: %s\n", c->log != NULL ? c->log : "-");
		for (char *line = strtok(logbuf, "\n"); line != NULL;
		    line = strtok(NULL, "\n"))
			printf("# log: %s\n", line);
	}
	return ok;
}

static int
harness_setup(struct harness *h, const char *dir)
{
	memset(h, 0, sizeof(*h));
	h->dir = dir;
	config_defaults(&h->cfg);
	/* As the broker: qscand with CAP_SETUID/CAP_SETGID, roles their own
	 * users (qscan-setup made them), the outer filter compiled once. */
	return as_broker_setup(&h->b) != 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct harness h;
	unsigned failed = 0;

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: test-settings-refused /dir/of/helpers "
		    "(run by settings_refused.sh)\n");
		return 2;
	}
	log_open("test-settings-refused", FALSE, TRUE);
	if (harness_setup(&h, argv[1]) < 0)
		return 1;
	printf("1..%zu\n", ncases);
	for (size_t i = 0; i < ncases; i++)
		if (!case_run(&h, &cases[i], (unsigned)i + 1))
			failed++;
	return failed ? 1 : 0;
}
