/* common: record encoder (role side) and decoder (broker side); shared. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fd_pass.h"
#include "record.h"

static const char *const anomaly_names[] = {
	[ANOM_PARSE_FAILED] = "parse_failed",
	[ANOM_LIMIT_DEPTH] = "limit_depth",
	[ANOM_LIMIT_PARTS] = "limit_parts",
	[ANOM_LIMIT_DECODED] = "limit_decoded_bytes",
	[ANOM_TRUNCATED_STRING] = "truncated_string",
	[ANOM_NO_CONTENT_TYPE] = "no_content_type",
	[ANOM_BAD_UUENCODE] = "bad_uuencode",
	[ANOM_HEADER_CR_NUL] = "header_cr_nul",
	[ANOM_BROKEN_CONTINUATION] = "broken_continuation",
	[ANOM_HEADER_NAME_COMMENT] = "header_name_comment",
	[ANOM_REPEATED_MIME_HEADER] = "repeated_mime_header",
	[ANOM_LONG_BOUNDARY] = "long_boundary",
	[ANOM_BOUNDARY_REDEFINED] = "boundary_redefined",
	[ANOM_FILENAME_MISMATCH] = "filename_mismatch",
	[ANOM_BROKEN_PART_HEADERS] = "broken_part_headers",
	[ANOM_LONG_FILENAME] = "long_filename",
	[ANOM_DOUBLE_EXTENSION] = "double_extension",
	[ANOM_CLSID_EXTENSION] = "clsid_extension",
	[ANOM_DISGUISED_EXECUTABLE] = "disguised_executable",
	[ANOM_EXE_NAME_ON_MEDIA] = "exe_name_on_media",
	[ANOM_MALFORMED_MULTIPART] = "malformed_multipart",
	[ANOM_TNEF_BAD_CHECKSUM] = "tnef_bad_checksum",
	[ANOM_TNEF_CORRUPT] = "tnef_corrupt",
	[ANOM_ARCHIVE_ENCRYPTED] = "archive_encrypted",
	[ANOM_ARCHIVE_CORRUPT] = "archive_corrupt",
	[ANOM_LIMIT_ARCHIVE_DEPTH] = "limit_archive_depth",
	[ANOM_LIMIT_ARCHIVE_MEMBERS] = "limit_archive_members",
	[ANOM_LIMIT_EXPANDED_BYTES] = "limit_expanded_bytes",
	[ANOM_LIMIT_EXPANSION_RATIO] = "limit_expansion_ratio",
	[ANOM_BIDI_FILENAME] = "bidi_filename",
	[ANOM_LIMIT_HEADER_FIELDS] = "limit_header_fields",
	[ANOM_LIMIT_ANOMALIES] = "limit_anomalies",
	[ANOM_LIMIT_FACT_BYTES] = "limit_fact_bytes",
};

_Static_assert(sizeof(anomaly_names) / sizeof(anomaly_names[0]) ==
    ANOM_CODE_MAX + 1, "every anomaly code has a name");

int
anomaly_is_limit(unsigned code)
{
	switch (code) {
	case ANOM_LIMIT_DEPTH:
	case ANOM_LIMIT_PARTS:
	case ANOM_LIMIT_DECODED:
	case ANOM_LIMIT_ARCHIVE_DEPTH:
	case ANOM_LIMIT_ARCHIVE_MEMBERS:
	case ANOM_LIMIT_EXPANDED_BYTES:
	case ANOM_LIMIT_HEADER_FIELDS:
	case ANOM_LIMIT_ANOMALIES:
	case ANOM_LIMIT_EXPANSION_RATIO:
	case ANOM_LIMIT_FACT_BYTES:
		return 1;
	default:
		return 0;
	}
}

int
anomaly_is_check(unsigned code)
{
	/* Facts about the message's form; a limit, a parse failure or a cut
	 * string is about our reach, and switching it off would hide that. */
	return code >= ANOM_NO_CONTENT_TYPE && code <= ANOM_CODE_MAX &&
	    !anomaly_is_limit(code) && code != ANOM_TRUNCATED_STRING;
}

unsigned
anomaly_code_from_name(const char *name, size_t len)
{
	for (unsigned c = 1; c <= ANOM_CODE_MAX; c++)
		if (strlen(anomaly_names[c]) == len &&
		    memcmp(anomaly_names[c], name, len) == 0)
			return c;
	return 0;
}

const char *
anomaly_code_name(unsigned code)
{
	if (code == 0 || code > ANOM_CODE_MAX)
		return "unknown";
	return anomaly_names[code];
}

const char *
header_fact_name(unsigned h)
{
	static const char *const names[] = { "subject", "from", "to", "cc",
	    "message_id", "date" };
	return h <= HDR_FACT_MAX ? names[h] : "unknown";
}

const char *
part_kind_name(unsigned k)
{
	static const char *const names[] = { "leaf", "multipart", "message",
	    "uuencoded", "archive_member", "tnef_attachment" };
	return k <= PART_KIND_MAX ? names[k] : "unknown";
}

const char *
filename_source_name(unsigned s)
{
	static const char *const names[] = { "content_type_name",
	    "disposition_filename", "uuencode", "archive_path", "tnef" };
	return s <= FN_SOURCE_MAX ? names[s] : "unknown";
}

const char *
role_id_name(unsigned r)
{
	switch (r) {
	case ROLE_CANARY:	return "canary";
	case ROLE_UNPACK:	return "unpack";
	case ROLE_CLAMAV:	return "clamav";
	case ROLE_CLAMD:	return "clamd";
	case ROLE_SPAMD:	return "spamd";
	case ROLE_MHR:		return "mhr";
	default:		return "unknown";
	}
}

const char *
scan_result_name(unsigned r)
{
	static const char *const names[] = { "clean", "virus", "error",
	    "limit" };
	return r <= SCAN_RESULT_MAX ? names[r] : "unknown";
}

const char *
hash_rep_status_name(unsigned s)
{
	static const char *const names[] = { "not_listed", "listed",
	    "skipped" };
	return s <= HASH_REP_STATUS_MAX ? names[s] : "unknown";
}

const char *
hash_kind_name(unsigned k)
{
	static const char *const names[] = { "sha256", "sha1", "md5" };
	return k <= HASH_KIND_MAX ? names[k] : "unknown";
}

const char *
spam_status_name(unsigned s)
{
	static const char *const names[] = { "no", "yes", "failed" };
	return s <= SPAM_STATUS_MAX ? names[s] : "unknown";
}

/* ---- role side -------------------------------------------------------- */

static void
put_bytes(struct rec_writer *w, const void *p, size_t n)
{
	if (w->failed || n > sizeof(w->buf) - w->len) {
		w->failed = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
rec_begin(struct rec_writer *w, enum rec_type type)
{
	w->len = 0;
	w->failed = 0;
	rec_put_u16(w, (uint16_t)type);
	rec_put_u16(w, 0);
	rec_put_u32(w, 0);	/* payload length, filled in by rec_send */
}

void
rec_put_u8(struct rec_writer *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

void
rec_put_u16(struct rec_writer *w, uint16_t v)
{
	uint8_t b[2] = { v & 0xff, v >> 8 };
	put_bytes(w, b, 2);
}

void
rec_put_u32(struct rec_writer *w, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	put_bytes(w, b, 4);
}

void
rec_put_u64(struct rec_writer *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	put_bytes(w, b, 8);
}

void
rec_put_str(struct rec_writer *w, const char *s, size_t len)
{
	if (len > RECORD_STR_MAX || (len > 0 && memchr(s, '\0', len))) {
		w->failed = 1;
		return;
	}
	rec_put_u16(w, (uint16_t)len);
	put_bytes(w, s, len);
}

size_t
rec_clean_str(const char *s, size_t len, char *out, int *truncated)
{
	*truncated = len > RECORD_STR_MAX;
	if (*truncated)
		len = RECORD_STR_MAX;
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == '\0' ? '?' : s[i];
	out[len] = '\0';
	return len;
}

int
rec_finish(struct rec_writer *w)
{
	size_t payload;

	if (w->failed || w->len < RECORD_HEADER_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	payload = w->len - RECORD_HEADER_LEN;
	for (int i = 0; i < 4; i++)
		w->buf[4 + i] = (payload >> (8 * i)) & 0xff;
	return 0;
}

static int
rec_send_flags(int sock, struct rec_writer *w, int fd, int flags)
{
	ssize_t n;

	if (rec_finish(w) != 0)
		return -1;
	n = fd_pass_send(sock, w->buf, w->len, fd, flags);
	if (n < 0)
		return -1;
	if ((size_t)n != w->len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
rec_send(int sock, struct rec_writer *w, int fd)
{
	return rec_send_flags(sock, w, fd, 0);
}

int
rec_send_nonblock(int sock, struct rec_writer *w, int fd)
{
	return rec_send_flags(sock, w, fd, MSG_DONTWAIT);
}

/* ---- broker side ------------------------------------------------------ */

static int
get_bytes(struct rec_reader *r, size_t n, const uint8_t **out)
{
	if (r->failed || n > r->len - r->off) {
		r->failed = 1;
		return -1;
	}
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
rec_open(struct rec_reader *r, const uint8_t *buf, size_t len)
{
	uint16_t type, flags;
	uint32_t payload;

	memset(r, 0, sizeof(*r));
	r->p = buf;
	r->len = len;
	if (len < RECORD_HEADER_LEN || len > RECORD_MAX) {
		r->failed = 1;
		return -1;
	}
	if (rec_get_u16(r, &type) || rec_get_u16(r, &flags) ||
	    rec_get_u32(r, &payload))
		return -1;
	if (type == 0 || type > REC_TYPE_MAX || flags != 0 ||
	    payload != len - RECORD_HEADER_LEN) {
		r->failed = 1;
		return -1;
	}
	r->type = type;
	return type;
}

int
rec_get_u8(struct rec_reader *r, uint8_t *v)
{
	const uint8_t *b;

	if (get_bytes(r, 1, &b))
		return -1;
	*v = b[0];
	return 0;
}

int
rec_get_u16(struct rec_reader *r, uint16_t *v)
{
	const uint8_t *b;

	if (get_bytes(r, 2, &b))
		return -1;
	*v = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

int
rec_get_u32(struct rec_reader *r, uint32_t *v)
{
	const uint8_t *b;

	if (get_bytes(r, 4, &b))
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
	return 0;
}

int
rec_get_u64(struct rec_reader *r, uint64_t *v)
{
	uint32_t lo, hi;

	if (rec_get_u32(r, &lo) || rec_get_u32(r, &hi))
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
rec_get_str(struct rec_reader *r, char *out, size_t outsz)
{
	uint16_t n;
	const uint8_t *b;

	if (outsz == 0 || rec_get_u16(r, &n))
		goto fail;
	if (n > RECORD_STR_MAX || n > outsz - 1 || get_bytes(r, n, &b))
		goto fail;
	if (n > 0 && memchr(b, '\0', n))
		goto fail;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
fail:
	r->failed = 1;
	if (outsz > 0)
		out[0] = '\0';
	return -1;
}

int
rec_end(struct rec_reader *r)
{
	if (r->failed || r->off != r->len)
		return -1;
	return 0;
}

int
rec_get_hello(struct rec_reader *r, enum role_id role)
{
	uint32_t magic, version;
	uint16_t got;

	rec_get_u32(r, &magic);
	rec_get_u32(r, &version);
	rec_get_u16(r, &got);
	if (rec_end(r) || r->type != REC_HELLO || magic != RECORD_MAGIC ||
	    version != RECORD_VERSION || got != (uint16_t)role)
		return -1;
	return 0;
}
