/* common: the record format between roles and the broker; the contract.
 *
 * Every record is one SOCK_SEQPACKET datagram:
 *
 *	u16 type | u16 flags (0) | u32 payload length | payload
 *
 * all integers little-endian, fixed width.  Strings are u16 length then that
 * many bytes, never NUL, never longer than RECORD_STR_MAX.  The first record
 * a role sends is REC_HELLO carrying RECORD_MAGIC and RECORD_VERSION; the
 * last is REC_END.  The first a role reads is the broker's REC_SETTINGS,
 * with RECORD_VERSION too.  At most one descriptor (a sealed memfd) rides
 * on a record, and only on REC_CONTENT (and the broker's REC_SCAN).  The
 * unpack role's records come in the order common/part_order.h writes
 * down.  Bump RECORD_VERSION on any change.
 *
 * Writing is role-side (rec_writer), reading is broker-side (rec_reader):
 * open, typed gets, then rec_end(), which fails when bytes are left over.
 * Errors are sticky: after one failed get every later get fails too.
 */
#ifndef QSCAN_RECORD_H
#define QSCAN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "qscan_limits.h"

#define RECORD_MAGIC	0x52435351u	/* "QSCR" */
#define RECORD_VERSION	6u
#define RECORD_HEADER_LEN 8u

enum rec_type {
	/* u32 magic, u32 version, u16 role id */
	REC_HELLO = 1,
	/* u32 index, u32 parent (REC_NO_PARENT for the root), u16 depth,
	 * u16 kind (enum part_kind), u16 flags (PART_FLAG_*), u64 decoded
	 * size, str path ("1.2.1"), str content type, str charset, str
	 * encoding, str detected type (what the bytes are by their magic,
	 * "" when unknown: see unpacker/filetype.h) */
	REC_PART = 2,
	/* u32 part, u8 source (enum filename_source), str name */
	REC_FILENAME = 3,
	/* u8 header (enum header_fact), str value (decoded, UTF-8, at most
	 * HEADER_VALUE_MAX bytes: the role cuts longer values and says so
	 * with ANOM_TRUNCATED_STRING) */
	REC_HEADER = 4,
	/* u32 part (REC_NO_PARENT: the whole message), u16 code (enum
	 * anomaly_code), str detail; at most max_parts +
	 * ANOMALIES_OVER_PARTS_MAX of them per message */
	REC_ANOMALY = 5,
	/* u32 part, u64 size; carries the part's sealed memfd */
	REC_CONTENT = 6,
	/* u32 part count, u32 anomaly count: must match what was sent */
	REC_END = 7,
	/* test role only: u8 which probe ran; never sent by real roles */
	REC_PROBE = 8,
	/* broker -> scanner: u32 part (REC_NO_PARENT: the raw message),
	 * u64 size; carries the part's sealed memfd or the spool file */
	REC_SCAN = 9,
	/* broker -> scanner: u32 number of REC_SCAN sent; no more work */
	REC_SCAN_END = 10,
	/* scanner -> broker, once right after HELLO: str engine ("clamav"),
	 * str engine version, str database version ("27000", "3 signatures") */
	REC_ENGINE = 11,
	/* scanner -> broker: u32 part, u8 result (enum scan_result), str name
	 * (virus name, or what went wrong); exactly one per REC_SCAN, in the
	 * order the REC_SCANs came.  A scanner's REC_END carries the number
	 * of verdicts and 0. */
	REC_VERDICT = 12,
	/* unpack -> broker: u32 part (REC_NO_PARENT: the top-level message),
	 * str name (as written), str value (RFC 2047 decoded, UTF-8, cut at
	 * HEADER_VALUE_MAX); every header of the top-level message in order,
	 * at most HEADER_FIELDS_MAX, all before the first REC_PART.  Policy
	 * matches any header by name; REC_HEADER keeps the six facts. */
	REC_HEADER_FIELD = 13,
	/* canary -> broker, once after HELLO: u32 uid, u32 gid (before
	 * lockdown), u32 pid (1 in its own pid namespace), u32 errno of an
	 * open() after lockdown (EACCES); see broker/canary_report.h */
	REC_CANARY_REPORT = 14,
	/* broker -> role, the first record the role reads, before its
	 * lockdown: its settings (limits, database, mode), see
	 * common/role_settings.h; no role sends it */
	REC_SETTINGS = 15,
	/* spamd -> broker, just before the raw message's REC_VERDICT
	 * (always SCAN_CLEAN: the role reports, the broker decides,
	 * docs/spam.md): u8 status (enum spam_status), u32 score and u32
	 * threshold (int32 milli-points: 7.9 is 7900), u16 symbols named
	 * in all, str the symbols kept (comma-separated rule names, at most
	 * SPAM_SYMBOLS_MAX), str why ("" unless failed) */
	REC_SPAM = 16,
	/* mhr -> broker, just before each part's REC_VERDICT: u32 part, u8
	 * status (enum hash_rep_status), u8 hash that answered (enum
	 * hash_kind), u8 detection percent (0-100, 0 unless listed), u64
	 * last seen (Unix time, 0 unless listed), str SHA-256 (64 lowercase
	 * hex digits), str why (what went wrong, "" unless skipped).  The
	 * role reports; the broker decides (docs/mhr.md). */
	REC_HASH_REPUTATION = 17,
	REC_TYPE_MAX = 17,
};

/* The file the canary opens after lockdown; the final filter's soft
 * EACCES (and Landlock) must refuse it.  Its report's errno is that
 * open()'s. */
#define CANARY_OPEN_PATH "/etc/passwd"

enum scan_result {
	SCAN_CLEAN = 0,
	SCAN_VIRUS = 1,
	SCAN_ERROR = 2,		/* the engine failed on this part: tempfail */
	SCAN_LIMIT = 3,		/* the part exceeds a limit of the engine */
	SCAN_RESULT_MAX = 3,
};

/* REC_HASH_REPUTATION: what the registry said about one part. */
enum hash_rep_status {
	HASH_REP_NOT_LISTED = 0,	/* NXDOMAIN or no TXT for every hash asked */
	HASH_REP_LISTED = 1,		/* a TXT "<last-seen> <percent>" */
	HASH_REP_SKIPPED = 2,		/* no usable answer: why says why */
	HASH_REP_STATUS_MAX = 2,
};

enum hash_kind {
	HASH_SHA256 = 0,
	HASH_SHA1 = 1,
	HASH_MD5 = 2,
	HASH_KIND_MAX = 2,
};

#define HASH_SHA256_HEX_LEN 64u

/* REC_SPAM: what spamd said about the message. */
enum spam_status {
	SPAM_NO = 0,		/* scored below the threshold */
	SPAM_YES = 1,		/* scored at or over it */
	SPAM_FAILED = 2,	/* no usable answer: why says why */
	SPAM_STATUS_MAX = 2,
};

/* Symbols a REC_SPAM carries (more are counted), and the longest. */
#define SPAM_SYMBOLS_MAX	64u
#define SPAM_SYMBOL_LEN_MAX	100u

#define REC_NO_PARENT 0xffffffffu

enum role_id {
	ROLE_CANARY = 1,
	ROLE_UNPACK = 2,
	ROLE_CLAMAV = 3,	/* libclamav, databases loaded before lockdown */
	ROLE_CLAMD = 4,		/* speaks to clamd on a socket the broker connected */
	ROLE_SPAMD = 5,		/* speaks to spamd on a socket the broker connected */
	ROLE_MHR = 6,		/* hash lookups on a UDP socket the broker connected */
	ROLE_ID_MAX = 6,
};

enum part_kind {
	PART_LEAF = 0,		/* a body: text, attachment */
	PART_MULTIPART = 1,
	PART_MESSAGE = 2,	/* message/rfc822 */
	PART_UUENCODED = 3,	/* a uuencoded block found in a text body */
	PART_ARCHIVE_MEMBER = 4,	/* a file inside an archive */
	PART_TNEF_ATTACHMENT = 5,	/* a file inside winmail.dat */
	PART_KIND_MAX = 5,
};

/* REC_PART flags; bits not named here are reserved and must be 0. */
#define PART_FLAG_ENCRYPTED	0x0001u	/* archive member we could not read */
#define PART_FLAGS_KNOWN	PART_FLAG_ENCRYPTED

enum filename_source {
	FN_CONTENT_TYPE_NAME = 0,
	FN_DISPOSITION_FILENAME = 1,
	FN_UUENCODE = 2,
	FN_ARCHIVE_PATH = 3,	/* the member's path inside its archive */
	FN_TNEF = 4,		/* the name TNEF gives the attachment */
	FN_SOURCE_MAX = 4,
};

enum header_fact {
	HDR_SUBJECT = 0,
	HDR_FROM = 1,
	HDR_TO = 2,
	HDR_CC = 3,
	HDR_MESSAGE_ID = 4,
	HDR_DATE = 5,
	HDR_FACT_MAX = 5,
};

/* Stable codes: they appear in logs, JSON and policy rules. */
enum anomaly_code {
	ANOM_PARSE_FAILED = 1,		/* GMime could not parse the message */
	ANOM_LIMIT_DEPTH = 2,		/* nesting deeper than max_depth */
	ANOM_LIMIT_PARTS = 3,		/* more parts than max_parts */
	ANOM_LIMIT_DECODED = 4,		/* decoded bytes over max_decoded_bytes */
	ANOM_TRUNCATED_STRING = 5,	/* a value was cut to RECORD_STR_MAX */
	ANOM_NO_CONTENT_TYPE = 6,	/* the message has no Content-Type */
	ANOM_BAD_UUENCODE = 7,		/* begin line without a valid body/end */
	/* Format checks (unpacker/format_checks.h); each can be switched off. */
	ANOM_HEADER_CR_NUL = 8,		/* bare CR or NUL in a header block */
	ANOM_BROKEN_CONTINUATION = 9,	/* folded line with nothing to fold onto,
					 * or a blank-looking line of spaces */
	ANOM_HEADER_NAME_COMMENT = 10,	/* "Content-T(x)ype:" */
	ANOM_REPEATED_MIME_HEADER = 11,	/* Content-Type twice in one part */
	ANOM_LONG_BOUNDARY = 12,	/* boundary over FC_BOUNDARY_MAX */
	ANOM_BOUNDARY_REDEFINED = 13,	/* boundary= given twice */
	ANOM_FILENAME_MISMATCH = 14,	/* name= and filename= differ */
	ANOM_BROKEN_PART_HEADERS = 15,	/* a header line that is no header */
	ANOM_LONG_FILENAME = 16,	/* filename over FC_FILENAME_MAX */
	ANOM_DOUBLE_EXTENSION = 17,	/* "invoice.pdf.exe" */
	ANOM_CLSID_EXTENSION = 18,	/* "x.{3050F4D8-...}" */
	ANOM_DISGUISED_EXECUTABLE = 19,	/* executable bytes, other type/name */
	ANOM_EXE_NAME_ON_MEDIA = 20,	/* audio/wav named "wav.exe" */
	ANOM_MALFORMED_MULTIPART = 21,	/* no boundary, never closed, no child */
	/* Archive and TNEF walkers. */
	ANOM_TNEF_BAD_CHECKSUM = 22,
	ANOM_TNEF_CORRUPT = 23,
	ANOM_ARCHIVE_ENCRYPTED = 24,
	ANOM_ARCHIVE_CORRUPT = 25,
	ANOM_LIMIT_ARCHIVE_DEPTH = 26,	/* limits: a verdict, see below */
	ANOM_LIMIT_ARCHIVE_MEMBERS = 27,
	ANOM_LIMIT_EXPANDED_BYTES = 28,
	ANOM_LIMIT_EXPANSION_RATIO = 29,
	ANOM_BIDI_FILENAME = 30,	/* bidi controls (RLO "gpj.exe") in a name */
	ANOM_LIMIT_HEADER_FIELDS = 31,	/* more header fields than reported */
	ANOM_LIMIT_ANOMALIES = 32,	/* more per-part findings than reported */
	/* The broker's own: the facts' text went over FACTS_STRING_BYTES_MAX
	 * (broker/unpack_facts.c); later strings were kept empty. */
	ANOM_LIMIT_FACT_BYTES = 33,
	ANOM_CODE_MAX = 33,
};

/* 1 when the code means "content exceeded a limit": a verdict, not a failure. */
int anomaly_is_limit(unsigned code);
/* 1 when the code is a format check the administrator may switch off
 * ([checks] disabled, the unpack role's RS_DISABLED_CHECKS); limits, parse
 * failures and cut strings are not checks and cannot be switched off. */
int anomaly_is_check(unsigned code);
const char *anomaly_code_name(unsigned code);
/* The code named `name` (as anomaly_code_name gives it), or 0. */
unsigned anomaly_code_from_name(const char *name, size_t len);
const char *header_fact_name(unsigned h);
const char *part_kind_name(unsigned k);
const char *filename_source_name(unsigned s);
const char *role_id_name(unsigned r);
const char *scan_result_name(unsigned r);
const char *hash_rep_status_name(unsigned s);
const char *hash_kind_name(unsigned k);
const char *spam_status_name(unsigned s);

/* ---- role side -------------------------------------------------------- */

struct rec_writer {
	uint8_t buf[RECORD_MAX];
	size_t len;
	int failed;	/* a put did not fit or was malformed */
};

void rec_begin(struct rec_writer *w, enum rec_type type);
void rec_put_u8(struct rec_writer *w, uint8_t v);
void rec_put_u16(struct rec_writer *w, uint16_t v);
void rec_put_u32(struct rec_writer *w, uint32_t v);
void rec_put_u64(struct rec_writer *w, uint64_t v);
/* Fails the record on NUL or over RECORD_STR_MAX; see rec_clean_str. */
void rec_put_str(struct rec_writer *w, const char *s, size_t len);
/* Copies `s` into out (RECORD_STR_MAX + 1), NUL bytes replaced by '?',
 * cut at RECORD_STR_MAX; returns the length and sets *truncated. */
size_t rec_clean_str(const char *s, size_t len, char *out, int *truncated);
/* Writes the payload length into the header: the record is then whole in
 * w->buf, w->len bytes.  Returns 0, or -1 with EMSGSIZE when a put
 * failed.  rec_send does it itself. */
int rec_finish(struct rec_writer *w);
/* Sends the record on `sock`, with `fd` attached when fd >= 0.
 * Returns 0, or -1 with errno (EMSGSIZE when the record overflowed). */
int rec_send(int sock, struct rec_writer *w, int fd);
/* The same without blocking: -1 with EAGAIN when the socket is full. */
int rec_send_nonblock(int sock, struct rec_writer *w, int fd);

/* ---- broker side ------------------------------------------------------ */

struct rec_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	unsigned type;
	int failed;
};

/* Opens one datagram; returns the type, or -1 for a bad header. */
int rec_open(struct rec_reader *r, const uint8_t *buf, size_t len);
int rec_get_u8(struct rec_reader *r, uint8_t *v);
int rec_get_u16(struct rec_reader *r, uint16_t *v);
int rec_get_u32(struct rec_reader *r, uint32_t *v);
int rec_get_u64(struct rec_reader *r, uint64_t *v);
/* Copies a string into out (at least outsz >= 1 bytes, NUL-terminated).
 * Fails on NUL inside, over RECORD_STR_MAX or over outsz - 1. */
int rec_get_str(struct rec_reader *r, char *out, size_t outsz);
/* 0 when the whole payload was consumed and no get failed. */
int rec_end(struct rec_reader *r);
/* The payload of an opened REC_HELLO: 0 when it is whole and says this
 * magic, this version and `role`; -1 otherwise. */
int rec_get_hello(struct rec_reader *r, enum role_id role);

#endif
