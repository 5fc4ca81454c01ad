/* scanners: the clamav role (libclamav); runs in role clamav, untrusted,
 * reads message bytes only after the final filter. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <clamav.h>

#include "charset_preload.h"
#include "clamav_role.h"
#include "hugepages.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "sandbox.h"
#include "scan_loop.h"
#include "sealed_memfd.h"
#include "zygote_serve.h"

/* libclamav's temporary directory: the spawner mounts an empty tmpfs of
 * the role's own here (the profile's tmpfs_dir), and Landlock lets the
 * role read and write beneath it and nowhere else after lockdown. */
#define CLAMAV_TMPDIR ROLE_SCRATCH_DIR

/* Prefix of the names libclamav gives a part it stopped scanning at a
 * limit (CL_SCAN_HEURISTIC_EXCEEDS_MAX): a fact about the part, not a
 * virus. */
#define CLAMAV_LIMIT_PREFIX "Heuristics.Limits.Exceeded"

struct clamav_ctx {
	struct cl_engine *engine;
	struct cl_scan_options opts;
	uint64_t max_file_bytes;
};

static struct clamav_ctx clamav_st;
/* The broker's settings record (common/role_settings.c: every limit at
 * least 1, since libclamav reads 0 as "no limit"); static, 4 KiB. */
static struct role_settings clamav_set;
static unsigned clamav_sigs;		/* signatures the database gave */

/* ---- warm-up samples -------------------------------------------------- */

/* A deflated zip with one text member (a.txt): the archive path and
 * zlib's inflate run once before lockdown. */
static const uint8_t clamav_warmup_zip[] = {
	0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x82, 0x78,
	0x22, 0x34, 0x92, 0xee, 0x8d, 0xa2, 0x14, 0x00, 0x00, 0x00, 0x3c, 0x00,
	0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x2b,
	0x4f, 0x2c, 0xca, 0xd5, 0x2d, 0x2d, 0x50, 0xc8, 0x4d, 0xcd, 0x4d, 0x4a,
	0x2d, 0xe2, 0x2a, 0x27, 0x85, 0x0b, 0x00, 0x50, 0x4b, 0x01, 0x02, 0x14,
	0x03, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x82, 0x78, 0x22, 0x34, 0x92,
	0xee, 0x8d, 0xa2, 0x14, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x50, 0x4b,
	0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x33, 0x00,
	0x00, 0x00, 0x37, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* A mail with a text part, an HTML part with entities and script, and
 * the zip above as a base64 attachment: the mail parser, its temporary
 * directory, HTML normalisation and the nested archive, all once. */
static const char clamav_warmup_mail[] =
	"From: a@example.org\r\n"
	"To: b@example.org\r\n"
	"Subject: warm-up\r\n"
	"Date: Mon, 2 Jan 2006 15:04:05 +0000\r\n"
	"Message-ID: <warmup@example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=E9\r\n"
	"--b1\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<html><head><script>var x = \"&lt;\";</script></head>"
	"<body><a href=\"http://example.org/\">example&amp;&#233;</a>"
	"<img src=\"cid:x\"></body></html>\r\n"
	"--b1\r\n"
	"Content-Type: application/zip; name=\"a.zip\"\r\n"
	"Content-Disposition: attachment; filename=\"a.zip\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"UEsDBBQAAAAIAIJ4IjSS7o2iFAAAADwAAAAFAAAAYS50eHQrTyzK1S0tUMhNzU1KLeIqJ4ULAFBL\r\n"
	"AQIUAxQAAAAIAIJ4IjSS7o2iFAAAADwAAAAFAAAAAAAAAAAAAACAAQAAAABhLnR4dFBLBQYAAAAA\r\n"
	"AQABADMAAAA3AAAAAAA=\r\n"
	"--b1--\r\n";

/* Written out as UTF-16LE with a byte-order mark: libclamav converts it
 * through iconv, and glibc loads its UTF-16 module and maps the gconv
 * cache the first time; after lockdown that would need an executable
 * mapping. */
static const char clamav_warmup_utf16_html[] =
	"<html><body><p>warm-up &amp; utf-16</p></body></html>\n";

/* Charsets libclamav converts to UTF-8 (AutoIt scripts, PE and OLE2
 * strings: cli_codepage_to_utf8), whose iconv modules are loaded, and
 * kept loaded by holding a converter open, before lockdown: glibc loads
 * a module with openat and an executable mapping, which Landlock and the
 * final filter refuse later.  A charset not listed fails softly
 * (EACCES from Landlock) and libclamav scans the raw bytes instead. */
static const char *const clamav_charsets[] = {
	"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE", "UTF-7",
	"WINDOWS-1250", "WINDOWS-1251", "WINDOWS-1252", "WINDOWS-1253",
	"WINDOWS-1254", "WINDOWS-1255", "WINDOWS-1256", "WINDOWS-1257",
	"WINDOWS-1258",
	"ISO-8859-2", "ISO-8859-5", "ISO-8859-7", "ISO-8859-15",
	"KOI8-R", "KOI8-U", "CP866",
	"SHIFT_JIS", "EUC-JP", "ISO-2022-JP", "EUC-KR", "CP949", "BIG5",
	"GB18030",
};
#define CLAMAV_N_CHARSETS \
	(sizeof(clamav_charsets) / sizeof(clamav_charsets[0]))

/* Never closed: closing would let glibc unload the module. */
static iconv_t clamav_iconv[CLAMAV_N_CHARSETS];

/* ---- libclamav's messages --------------------------------------------- */

/* libclamav would print to stderr, which is the log pipe anyway; through
 * role_log each message is one bounded line with a severity. */
static void
clamav_log_msg(enum cl_msg severity, const char *fullmsg, const char *msg,
    void *context)
{
	const char *level;
	size_t len;

	switch (severity) {
	case CL_MSG_ERROR:
		level = "error";
		break;
	case CL_MSG_WARN:
		level = "warning";
		break;
	case CL_MSG_INFO_VERBOSE:
	default:
		level = "info";
		break;
	}
	if (msg == NULL)
		return;
	len = strnlen(msg, ROLE_LOG_LINE_MAX);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	role_log("libclamav %s: %.*s", level, (int)len, msg);
}

/* ---- scanning --------------------------------------------------------- */

static int
clamav_scan(void *ctx, uint32_t part, int fd, uint64_t size, char *name)
{
	struct clamav_ctx *c = ctx;
	const char *virname = NULL;
	unsigned long scanned = 0;
	struct stat st;
	cl_error_t rc;

	/* libclamav answers a part over max-file-bytes with CL_VIRUS and no
	 * name at all (measured, 1.4.6): say it here, with the sizes.
	 * SCAN_LIMIT, here and below: unchecked by libclamav, for the
	 * broker's unchecked_action. */
	if (fstat(fd, &st) != 0) {
		snprintf(name, SCAN_NAME_MAX, "fstat: %s", strerror(errno));
		return SCAN_ERROR;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > c->max_file_bytes) {
		snprintf(name, SCAN_NAME_MAX, "%lld bytes over max-file-bytes "
		    "%llu", (long long)st.st_size,
		    (unsigned long long)c->max_file_bytes);
		return SCAN_LIMIT;
	}
	rc = cl_scandesc(fd, NULL, &virname, &scanned, c->engine, &c->opts);
	switch (rc) {
	case CL_CLEAN:
		return SCAN_CLEAN;
	case CL_VIRUS:
		/* Neither a virus nor a limit we can name: the message waits
		 * (tempfail) rather than pass or be called infected. */
		if (virname == NULL) {
			snprintf(name, SCAN_NAME_MAX, "libclamav reported a "
			    "detection without a name");
			return SCAN_ERROR;
		}
		snprintf(name, SCAN_NAME_MAX, "%s", virname);
		if (strncmp(virname, CLAMAV_LIMIT_PREFIX,
		    sizeof(CLAMAV_LIMIT_PREFIX) - 1) == 0)
			return SCAN_LIMIT;
		return SCAN_VIRUS;
	case CL_EMAXSIZE:
	case CL_EMAXFILES:
	case CL_EMAXREC:
	case CL_ETIMEOUT:
		/* The content took the engine past a limit: a fact about
		 * the part, which policy decides on, not our failure. */
		snprintf(name, SCAN_NAME_MAX, "%s", cl_strerror(rc));
		return SCAN_LIMIT;
	default:
		snprintf(name, SCAN_NAME_MAX, "%s", cl_strerror(rc));
		return SCAN_ERROR;
	}
}

/* Scans `len` bytes from a sealed memfd, as the broker's parts arrive;
 * returns the enum scan_result, or -1 when the memfd cannot be made. */
static int
clamav_warm_one(const char *what, const uint8_t *data, size_t len,
    int utf16)
{
	uint8_t buf[2 * sizeof(clamav_warmup_utf16_html) + 2];
	char name[SCAN_NAME_MAX];
	const char *why;
	int fd, result;

	if (utf16) {
		/* Byte-order mark, then each ASCII byte as UTF-16LE. */
		if (2 + 2 * len > sizeof(buf))
			return -1;
		buf[0] = 0xff;
		buf[1] = 0xfe;
		for (size_t i = 0; i < len; i++) {
			buf[2 + 2 * i] = data[i];
			buf[3 + 2 * i] = 0;
		}
		data = buf;
		len = 2 + 2 * len;
	}
	fd = sealed_memfd_from("warm-up", data, len, &why);
	if (fd < 0) {
		role_log("warm-up %s: memfd %s: %s", what, why,
		    strerror(errno));
		return -1;
	}
	name[0] = '\0';
	result = clamav_scan(&clamav_st, REC_NO_PARENT, fd, (uint64_t)len,
	    name);
	close(fd);
	if (result == SCAN_ERROR)
		role_log("warm-up %s: %s", what, name);
	return result;
}

/* One scan of each sample before lockdown, so that libclamav's one-time
 * work (lazy tables, iconv modules, the first temporary directory) is
 * done while the process may still do it.  A sample the engine cannot
 * scan means it cannot scan mail either: fail now, not per message. */
static int
clamav_warm_up(void)
{
	int r[3];

	r[0] = clamav_warm_one("zip", clamav_warmup_zip,
	    sizeof(clamav_warmup_zip), 0);
	r[1] = clamav_warm_one("mail", (const uint8_t *)clamav_warmup_mail,
	    sizeof(clamav_warmup_mail) - 1, 0);
	r[2] = clamav_warm_one("utf-16 html",
	    (const uint8_t *)clamav_warmup_utf16_html,
	    sizeof(clamav_warmup_utf16_html) - 1, 1);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i] < 0 || r[i] == SCAN_ERROR)
			return -1;
	return 0;
}

/* ---- setup ------------------------------------------------------------ */

static int
clamav_set_num(struct cl_engine *e, enum cl_engine_field f, uint64_t v,
    const char *what)
{
	cl_error_t rc = cl_engine_set_num(e, f, (long long)v);

	if (rc != CL_SUCCESS) {
		role_log("cl_engine_set_num %s: %s", what, cl_strerror(rc));
		return -1;
	}
	return 0;
}

static int
clamav_engine_setup(struct cl_engine *e, const struct role_settings *set)
{
	cl_error_t rc;

	rc = cl_engine_set_str(e, CL_ENGINE_TMPDIR, CLAMAV_TMPDIR);
	if (rc != CL_SUCCESS) {
		role_log("cl_engine_set_str tmpdir: %s", cl_strerror(rc));
		return -1;
	}
	if (clamav_set_num(e, CL_ENGINE_MAX_SCANSIZE, set->clamav_max_scan_bytes,
	    "max scan size") != 0 ||
	    clamav_set_num(e, CL_ENGINE_MAX_FILESIZE, set->clamav_max_file_bytes,
	    "max file size") != 0 ||
	    clamav_set_num(e, CL_ENGINE_MAX_RECURSION, set->clamav_max_recursion,
	    "max recursion") != 0 ||
	    clamav_set_num(e, CL_ENGINE_MAX_FILES, set->clamav_max_files,
	    "max files") != 0 ||
	    /* Bytecode signatures run in the interpreter: a JIT would need
	     * executable mappings, which the final filter kills. */
	    clamav_set_num(e, CL_ENGINE_BYTECODE_MODE,
	    CL_BYTECODE_MODE_INTERPRETER, "bytecode mode") != 0)
		return -1;
	return 0;
}

/* Loads, times and logs the database; 0, or -1 after logging why. */
static int
clamav_load(struct cl_engine *e, const char *path, unsigned *sigs)
{
	struct timespec t0, t1;
	struct stat st;
	cl_error_t rc;
	long long ms;

	/* cl_load says only "can't open"; the log should say why. */
	if (stat(path, &st) != 0) {
		role_log("database %s: %s", path, strerror(errno));
		return -1;
	}
	*sigs = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cl_load(path, e, sigs, CL_DB_STDOPT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != CL_SUCCESS) {
		role_log("database %s: cl_load: %s", path, cl_strerror(rc));
		return -1;
	}
	/* An engine without signatures would call everything clean. */
	if (*sigs == 0) {
		role_log("database %s: no signatures loaded", path);
		return -1;
	}
	ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	role_log("database %s: %u signatures loaded in %lld ms", path, *sigs,
	    ms);
	rc = cl_engine_compile(e);
	if (rc != CL_SUCCESS) {
		role_log("database %s: cl_engine_compile: %s", path,
		    cl_strerror(rc));
		return -1;
	}
	return 0;
}

/* The role's code for one message (exec'd, or a warm child after its
 * fork): temporary files beneath `dir` only, lockdown, then the parts
 * the broker sends. */
static void __attribute__((noreturn))
clamav_one_message(const char *dir)
{
	static const struct scan_backend backend = {
		.scan = clamav_scan,
		.ctx = &clamav_st,
	};
	char dbver[64];
	const char *why = NULL;
	long long version;
	cl_error_t rc;
	int err = 0;

	/* A warm child's own directory in the zygote's tmpfs: two
	 * children's temporary files never meet (docs/warm.md). */
	if (dir == NULL)
		dir = CLAMAV_TMPDIR;
	rc = cl_engine_set_str(clamav_st.engine, CL_ENGINE_TMPDIR, dir);
	if (rc != CL_SUCCESS) {
		role_log("cl_engine_set_str tmpdir: %s", cl_strerror(rc));
		_exit(ROLE_EXIT_INIT);
	}
	if (sandbox_role_lockdown_dir(ROLE_CLAMAV, dir, &why) != 0) {
		role_log("lockdown failed: %s", why != NULL ? why : "unknown");
		_exit(ROLE_EXIT_INIT);
	}

	/* From here on: the final filter is in place. */
	role_send_hello(ROLE_CLAMAV);
	version = cl_engine_get_num(clamav_st.engine, CL_ENGINE_DB_VERSION,
	    &err);
	/* The daily (or main) database's version when a .cvd/.cld was
	 * loaded; our own signature files have none. */
	if (err == CL_SUCCESS && version > 0)
		snprintf(dbver, sizeof(dbver), "%lld", version);
	else
		snprintf(dbver, sizeof(dbver), "%u signatures", clamav_sigs);
	scan_send_engine("clamav", cl_retver(), dbver);
	if (scan_loop_run(&backend) != 0)
		_exit(ROLE_EXIT_IO);
	/* No cl_engine_free: it takes locks and frees a database's worth of
	 * memory only for the process to end
	 * (docs/profiles.md, "What the libraries need"). */
	_exit(ROLE_EXIT_OK);
}

/* The zygote's engine in huge pages (hugepages.h): what each fork
 * copies and each child's exit tears down shrinks 512-fold (2.2 M
 * signatures: fork 5.5-20 ms -> 0.5 ms, a child's exit 6-13 -> 0.6 ms).
 * A child's write into a huge page copies 4 KiB, not 2 MiB: the kernel
 * splits the mapping first (its USS with a 1 MiB message: 5.5 MB
 * either way). */
static void
clamav_engine_hugepages(void)
{
	struct hugepages_result r;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (hugepages_collapse(&r) != 0) {
		role_log("huge pages: /proc/self/maps: %s", strerror(errno));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A 2 MiB block never touched is refused (EINVAL): said only when
	 * nothing at all could be collapsed. */
	role_log("huge pages: %zu of %zu MiB of the engine collapsed in "
	    "%.0f ms%s%s", r.collapsed >> 20, r.asked >> 20,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    r.collapsed == 0 && r.err ? "; the kernel refused: " : "",
	    r.collapsed == 0 && r.err ? strerror(r.err) : "");
}

int
clamav_role_main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_CLAMAV, .set = &clamav_set,
		.child_main = clamav_one_message,
	};
	cl_error_t rc;

	(void)argv;
	role_read_settings(ROLE_CLAMAV, argc, &clamav_set);
	cl_set_clcb_msg(clamav_log_msg);
	rc = cl_init(CL_INIT_DEFAULT);
	if (rc != CL_SUCCESS) {
		role_log("cl_init: %s", cl_strerror(rc));
		_exit(ROLE_EXIT_INIT);
	}
	clamav_st.engine = cl_engine_new();
	if (clamav_st.engine == NULL) {
		role_log("cl_engine_new failed");
		_exit(ROLE_EXIT_INIT);
	}
	if (clamav_engine_setup(clamav_st.engine, &clamav_set) != 0 ||
	    clamav_load(clamav_st.engine, clamav_set.clamav_database,
	    &clamav_sigs) != 0)
		_exit(ROLE_EXIT_INIT);

	/* Every parser on: mail arrives with anything attached.  General
	 * heuristics only for the limit alerts (no BROKEN, MACROS,
	 * ENCRYPTED, PHISHING or STRUCTURED flags: those call clean mail
	 * names); a limit becomes Heuristics.Limits.Exceeded.*, which is
	 * kept back while the scan goes on, so a virus found later wins.
	 * No ALLMATCHES: one name per part is all the broker takes. */
	memset(&clamav_st.opts, 0, sizeof(clamav_st.opts));
	clamav_st.opts.parse = ~0u;
	clamav_st.opts.general = CL_SCAN_GENERAL_HEURISTICS;
	clamav_st.opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	clamav_st.max_file_bytes = clamav_set.clamav_max_file_bytes;

	charset_preload(clamav_charsets, CLAMAV_N_CHARSETS, iconv_open,
	    clamav_iconv);
	if (clamav_warm_up() != 0) {
		role_log("warm-up scan failed: the engine cannot scan");
		_exit(ROLE_EXIT_INIT);
	}
	/* Warm: the engine is loaded once and each message gets a child
	 * of this process (docs/warm.md). */
	if (clamav_set.warm) {
		clamav_engine_hugepages();
		zygote_serve(&zygote);
	}
	clamav_one_message(NULL);
}
