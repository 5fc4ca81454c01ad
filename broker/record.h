/* broker: the record format between roles and the broker; the contract.
 *
 * Every record is one SOCK_SEQPACKET datagram:
 *
 *	u16 type | u16 flags (0) | u32 payload length | payload
 *
 * all integers little-endian, fixed width.  Strings are u16 length then that
 * many bytes, never NUL, never longer than RECORD_STR_MAX.  The first record
 * a role sends is REC_HELLO carrying RECORD_MAGIC and RECORD_VERSION; the
 * last is REC_END.  At most one descriptor (a sealed memfd) rides on a
 * record, and only on REC_CONTENT.  Bump RECORD_VERSION on any change.
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
#define RECORD_VERSION	1u
#define RECORD_HEADER_LEN 8u

enum rec_type {
	/* u32 magic, u32 version, u16 role id */
	REC_HELLO = 1,
	/* u32 index, u32 parent (REC_NO_PARENT for the root), u16 depth,
	 * u16 kind (enum part_kind), u64 decoded size,
	 * str path ("1.2.1"), str content type, str charset, str encoding */
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
	REC_TYPE_MAX = 8,
};

#define REC_NO_PARENT 0xffffffffu

enum role_id {
	ROLE_CANARY = 1,
	ROLE_UNPACK = 2,
	ROLE_ID_MAX = 2,
};

enum part_kind {
	PART_LEAF = 0,		/* a body: text, attachment */
	PART_MULTIPART = 1,
	PART_MESSAGE = 2,	/* message/rfc822 */
	PART_UUENCODED = 3,	/* a uuencoded block found in a text body */
	PART_KIND_MAX = 3,
};

enum filename_source {
	FN_CONTENT_TYPE_NAME = 0,
	FN_DISPOSITION_FILENAME = 1,
	FN_UUENCODE = 2,
	FN_SOURCE_MAX = 2,
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
	ANOM_CODE_MAX = 7,
};

/* 1 when the code means "content exceeded a limit": a verdict, not a failure. */
int anomaly_is_limit(unsigned code);
const char *anomaly_code_name(unsigned code);
const char *header_fact_name(unsigned h);
const char *part_kind_name(unsigned k);
const char *filename_source_name(unsigned s);
const char *role_id_name(unsigned r);

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
/* Sends the record on `sock`, with `fd` attached when fd >= 0.
 * Returns 0, or -1 with errno (EMSGSIZE when the record overflowed). */
int rec_send(int sock, struct rec_writer *w, int fd);

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

#endif
