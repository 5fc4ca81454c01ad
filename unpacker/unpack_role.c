/* unpacker: the unpack role's entry function; runs in role unpack,
 * untrusted, reads the message only after the final filter. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "archive_walk.h"
#include "charset_preload.h"
#include "mime_walk.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "sandbox.h"
#include "sealed_memfd.h"
#include "unpack_role.h"
#include "zygote_serve.h"

/* Charsets whose iconv modules are loaded, and kept loaded by holding a
 * converter open, before lockdown: a module glibc loads later needs
 * openat and an executable mapping, which the final filter refuses.
 * Charsets not listed still fail softly (openat gets EACCES) and GMime
 * falls back to its own decoding. */
static const char *const unpack_charsets[] = {
	"utf-8", "us-ascii",
	"iso-8859-1", "iso-8859-2", "iso-8859-3", "iso-8859-4",
	"iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8",
	"iso-8859-9", "iso-8859-10", "iso-8859-11", "iso-8859-13",
	"iso-8859-14", "iso-8859-15",
	"windows-1250", "windows-1251", "windows-1252", "windows-1253",
	"windows-1254", "windows-1255", "windows-1256", "windows-1257",
	"windows-1258",
	"koi8-r", "koi8-u", "big5", "gb2312", "gbk", "gb18030",
	"shift_jis", "euc-jp", "iso-2022-jp", "euc-kr",
	"utf-16", "utf-16le", "utf-16be",
	/* seen in the wild often enough to be worth a module each */
	"utf-7", "utf-32", "ibm866", "iso-8859-16", "tis-620", "windows-874",
};
#define UNPACK_N_CHARSETS (sizeof(unpack_charsets) / sizeof(unpack_charsets[0]))

/* Never closed: closing would let glibc unload the module. */
static iconv_t unpack_iconv[UNPACK_N_CHARSETS];

/* A small message that takes every code path once before lockdown, so
 * GObject classes, GMime's tables and GLib's lazy state exist already:
 * after lockdown the walk only computes. */
static const char unpack_warmup_msg[] =
	"From: =?iso-8859-1?q?J=F6rg?= <a@example.org>\r\n"
	"To: b@example.org, \"C\" <c@example.org>\r\n"
	"Cc: d@example.org\r\n"
	"Subject: =?utf-8?B?w6TDtsO8?= =?koi8-r?b?8NLJ18XU?=\r\n"
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
	"begin 644 a.bin\r\n"
	"#86)C\r\n"
	"`\r\n"
	"end\r\n"
	"--b1\r\n"
	"Content-Type: application/octet-stream; name=\"=?utf-8?q?x=C3=A9.bin?=\"\r\n"
	"Content-Disposition: attachment;\r\n"
	" filename*0*=utf-8''%C3%A9;\r\n"
	" filename*1=\".bin\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"aGVsbG8=\r\n"
	"--b1\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"Subject: inner\r\n"
	"Content-Type: text/html; charset=windows-1252\r\n"
	"Content-Transfer-Encoding: x-uuencode\r\n"
	"\r\n"
	"<p>x</p>\r\n"
	"--b1--\r\n";

struct unpack_state {
	struct rec_writer w;	/* 64 KiB: static, never on the stack */
	uint32_t parts;
	uint32_t anomalies;
};

static struct unpack_state unpack_st;
/* Static: the clamav database path makes it 4 KiB. */
static struct role_settings unpack_set;
static struct walk_limits unpack_lim;

static void
unpack_send_part(void *ctx, const struct walk_part *p)
{
	struct unpack_state *st = ctx;

	rec_begin(&st->w, REC_PART);
	rec_put_u32(&st->w, p->index);
	rec_put_u32(&st->w, p->parent);
	rec_put_u16(&st->w, (uint16_t)p->depth);
	rec_put_u16(&st->w, (uint16_t)p->kind);
	rec_put_u16(&st->w, p->flags);
	rec_put_u64(&st->w, p->decoded_size);
	rec_put_str(&st->w, p->path, strlen(p->path));
	rec_put_str(&st->w, p->content_type, strlen(p->content_type));
	rec_put_str(&st->w, p->charset, strlen(p->charset));
	rec_put_str(&st->w, p->encoding, strlen(p->encoding));
	rec_put_str(&st->w, p->detected_type, strlen(p->detected_type));
	role_send(&st->w, -1);
	st->parts++;
}

static void
unpack_send_filename(void *ctx, uint32_t part, enum filename_source source,
    const char *name, size_t len)
{
	struct unpack_state *st = ctx;

	rec_begin(&st->w, REC_FILENAME);
	rec_put_u32(&st->w, part);
	rec_put_u8(&st->w, (uint8_t)source);
	rec_put_str(&st->w, name, len);
	role_send(&st->w, -1);
}

static void
unpack_send_header(void *ctx, enum header_fact which, const char *value,
    size_t len)
{
	struct unpack_state *st = ctx;

	rec_begin(&st->w, REC_HEADER);
	rec_put_u8(&st->w, (uint8_t)which);
	rec_put_str(&st->w, value, len);
	role_send(&st->w, -1);
}

static void
unpack_send_header_field(void *ctx, uint32_t part, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
	struct unpack_state *st = ctx;

	rec_begin(&st->w, REC_HEADER_FIELD);
	rec_put_u32(&st->w, part);
	rec_put_str(&st->w, name, name_len);
	rec_put_str(&st->w, value, value_len);
	role_send(&st->w, -1);
}

static void
unpack_send_anomaly(void *ctx, uint32_t part, enum anomaly_code code,
    const char *detail)
{
	struct unpack_state *st = ctx;

	rec_begin(&st->w, REC_ANOMALY);
	rec_put_u32(&st->w, part);
	rec_put_u16(&st->w, (uint16_t)code);
	rec_put_str(&st->w, detail, strlen(detail));
	role_send(&st->w, -1);
	st->anomalies++;
}

/* A sealed memfd with the part's bytes: the receiver can map and scan it
 * knowing nobody can change or resize it any more. */
static void
unpack_send_content(void *ctx, uint32_t part, const uint8_t *data,
    size_t len)
{
	struct unpack_state *st = ctx;
	const char *why;
	int fd = sealed_memfd_from("part", data, len, &why);

	if (fd < 0) {
		role_log("memfd %s: %s", why, strerror(errno));
		_exit(ROLE_EXIT_IO);
	}
	rec_begin(&st->w, REC_CONTENT);
	rec_put_u32(&st->w, part);
	rec_put_u64(&st->w, (uint64_t)len);
	role_send(&st->w, fd);
	close(fd);
}

static const struct walk_sink unpack_sink = {
	.on_part = unpack_send_part,
	.on_filename = unpack_send_filename,
	.on_header = unpack_send_header,
	.on_header_field = unpack_send_header_field,
	.on_anomaly = unpack_send_anomaly,
	.on_content = unpack_send_content,
};

/* GLib's default writer probes stderr for journald (getsockname) and
 * prints pids; ours is one bounded line through the log pipe. */
static GLogWriterOutput
unpack_log_writer(GLogLevelFlags level, const GLogField *fields,
    gsize n_fields, gpointer user_data)
{
	const char *domain = "", *message = "";

	for (gsize i = 0; i < n_fields; i++) {
		if (fields[i].length >= 0)
			continue;	/* only NUL-terminated text fields */
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	role_log("glib %s: %s", domain, message);
	return G_LOG_WRITER_HANDLED;
}

/* The walk's limits from the broker's settings record. */
static void
unpack_limits_from(const struct role_settings *set, struct walk_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_parts = set->max_parts;
	lim->max_depth = set->max_depth;
	lim->max_decoded_bytes = set->max_decoded_bytes;
	lim->max_archive_depth = set->max_archive_depth;
	lim->max_archive_members = set->max_archive_members;
	lim->max_expanded_bytes = set->max_expanded_bytes;
	lim->max_expansion_ratio = set->max_expansion_ratio;
	lim->disabled_checks = set->disabled_checks;
}

/* Maps the spool file read-only; an empty file is a zero-length message
 * (mmap refuses length 0). */
static int
unpack_map_message(const uint8_t **msg, size_t *len)
{
	struct stat st;
	void *p;

	if (fstat(ROLE_FD_MESSAGE, &st) != 0) {
		role_log("fstat message: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		role_log("message descriptor is not a regular file");
		return -1;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		role_log("message too large to map");
		return -1;
	}
	*len = (size_t)st.st_size;
	*msg = NULL;
	if (*len == 0)
		return 0;
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, ROLE_FD_MESSAGE, 0);
	if (p == MAP_FAILED) {
		role_log("mmap message: %s", strerror(errno));
		return -1;
	}
	*msg = p;
	return 0;
}

/* The role's code for one message (exec'd, or a warm child after its
 * fork): the message mapped, lockdown, then the walk and its records. */
static void __attribute__((noreturn))
unpack_one_message(const char *dir)
{
	const uint8_t *msg;
	size_t len;
	const char *why = NULL;

	(void)dir;
	if (unpack_map_message(&msg, &len) != 0)
		_exit(ROLE_EXIT_INIT);
	if (sandbox_role_lockdown(ROLE_UNPACK, &why) != 0) {
		role_log("lockdown failed: %s", why != NULL ? why : "unknown");
		_exit(ROLE_EXIT_INIT);
	}

	/* From here on: the final filter is in place. */
	role_send_hello(ROLE_UNPACK);
	if (mime_walk(msg, len, &unpack_lim, &unpack_sink, &unpack_st,
	    NULL) != 0) {
		/* Our failure, not the message's: no REC_END, so the broker
		 * tempfails instead of deciding on half a report. */
		role_log("walk failed: out of memory in a container walk");
		_exit(ROLE_EXIT_INIT);
	}
	rec_begin(&unpack_st.w, REC_END);
	rec_put_u32(&unpack_st.w, unpack_st.parts);
	rec_put_u32(&unpack_st.w, unpack_st.anomalies);
	role_send(&unpack_st.w, -1);
	/* No cleanup: freeing GMime and GLib state would only cost calls
	 * the filter need not allow, and exit handlers are not ours. */
	_exit(ROLE_EXIT_OK);
}

/* The warm-up sample through the whole walk, reporting nothing. */
static void
unpack_warm_up(void)
{
	static const struct walk_sink warmup_sink;

	(void)mime_walk((const uint8_t *)unpack_warmup_msg,
	    sizeof(unpack_warmup_msg) - 1, &unpack_lim, &warmup_sink, NULL,
	    NULL);
}

int
unpack_role_main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_UNPACK, .set = &unpack_set,
		.child_main = unpack_one_message,
		.spare_prepare = unpack_warm_up,
	};

	(void)argv;
	role_read_settings(ROLE_UNPACK, argc, &unpack_set);
	unpack_limits_from(&unpack_set, &unpack_lim);
	g_log_set_writer_func(unpack_log_writer, NULL, NULL);

	g_mime_init();
	charset_preload(unpack_charsets, UNPACK_N_CHARSETS, g_mime_iconv_open,
	    unpack_iconv);
	/* TZ, the UTF-8 locale for member names, and every decompressor's
	 * lazy set-up, while files may still be opened. */
	if (archive_walk_prepare() != 0)
		role_log("archive_walk_prepare: a format or filter did not "
		    "read its sample; it may fail under the filter");
	unpack_warm_up();

	/* Warm: the same initialised process forks one child per
	 * message, and each child goes on as below (docs/warm.md). */
	if (unpack_set.warm)
		zygote_serve(&zygote);
	unpack_one_message(NULL);
}
