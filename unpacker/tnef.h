/* unpacker: TNEF (application/ms-tnef, winmail.dat) attachment extractor;
 * runs in role unpack, untrusted, after the final filter, and in the
 * fuzzer.
 *
 * Pure functions over a caller's buffer: no allocation, no I/O.  The
 * stream is a signature, a legacy key, then attributes framed as
 * level (1 byte), id (4), length (4), data (length), checksum (2), all
 * little-endian ([MS-OXTNEF] 2.1.3).  Every length is checked against
 * what remains before it is used; attachment bytes are handed out as
 * pointers into the caller's buffer, never copied.
 *
 * What is an attachment.  attAttachRendData starts one; the attachment
 * attributes that follow belong to it until the next attAttachRendData
 * or the end of the stream (an attachment attribute before any
 * attAttachRendData starts one too, as the tnef tool does).  Its bytes are
 * attAttachData, or PR_ATTACH_DATA_OBJ (PR_ATTACH_DATA_BIN: same id) from
 * its attAttachment MAPI properties (the 16-byte interface id of a
 * PT_OBJECT value is not part of the bytes).  Its name is, in this order
 * of preference, PR_ATTACH_LONG_FILENAME, attAttachTitle,
 * PR_ATTACH_FILENAME; none of them gives an empty name.  An attachment is
 * reported once its last attribute has been seen, because Outlook writes
 * the MAPI properties (with the long name) after the data.
 *
 * More than one data.  A well-formed attachment has one; a hand-made one
 * may carry several, and a client may open any of them, so each is
 * reported, every one under the attachment's name and as an attachment
 * of its own (its own index, counted against max_attachments): the first
 * attAttachData (else the first PR_ATTACH_DATA_OBJ) first, then the
 * others in stream order.  A data with the same bytes as the first is
 * not reported again, as it shows the scanners nothing new (unless only
 * one of the two is an embedded message, which gets its stream walked).
 * One attAttachData and one PR_ATTACH_DATA_OBJ with the same bytes are
 * one file written twice, no anomaly; a second attAttachData, a second
 * PR_ATTACH_DATA_OBJ, or the two with different bytes are
 * TNEF_ANOM_CORRUPT.  libytnef (ytnef, Evolution's TNEF plugin), given
 * attAttachData and a PT_BINARY PR_ATTACH_DATA_OBJ, opens the latter
 * without its first 16 bytes, as if it were a PT_OBJECT: so in that case
 * each PT_BINARY value of 16 bytes or more is also reported that way,
 * after the value itself (and walked as an embedded message when it is a
 * TNEF stream); no anomaly of its own.
 *
 * Embedded messages.  A PT_OBJECT data object whose interface is
 * IMessage holds a whole TNEF stream: the attachment is reported with
 * those bytes, then that stream's attachments follow as its children
 * (parent = its index, depth + 1), up to max_depth.
 *
 * Numbering and order.  Attachments are numbered 0, 1, 2, ... in the
 * order reported, a parent before its children; the top stream's have
 * parent TNEF_NO_PARENT and depth 0.  An anomaly names the attachment
 * whose embedded stream it is about, or TNEF_NO_PARENT for the top
 * stream.  Per stream each anomaly code is reported at most once (the
 * first occurrence; the count of all is in the stats), each limit at most
 * once per parse.
 *
 * Anomalies.  A bad checksum is a fact and parsing goes on (Outlook's
 * own streams are never wrong; broken ones are hand-made).  A frame that
 * runs past the end, a missing signature, an unknown attribute level or
 * malformed MAPI properties are TNEF_ANOM_CORRUPT: a frame error stops
 * that stream after the attachment being built is reported; the other
 * two are reported and the stream goes on, since its framing is intact.
 *
 * Every string handed to the sink is NUL-terminated, NUL-free, valid
 * UTF-8 when it came from a Unicode property (8-bit names are passed
 * as they are), and at most TNEF_NAME_MAX bytes; a cut falls back to the
 * start of a UTF-8 sequence and sets name_truncated. */
#ifndef QSCAN_TNEF_H
#define QSCAN_TNEF_H

#include <stddef.h>
#include <stdint.h>

#define TNEF_NO_PARENT		UINT32_MAX
/* Longest name reported; the broker's record strings hold 4096. */
#define TNEF_NAME_MAX		1024
/* Deepest embedded-message nesting any caller may ask for: each level
 * costs two name buffers of stack. */
#define TNEF_DEPTH_HARD_MAX	16
/* Longest anomaly detail, NUL included. */
#define TNEF_DETAIL_MAX		128

/* Graded results (docs/architecture.md, "Graded parser results"). */
enum tnef_result {
	TNEF_OK = 0,		/* parsed, nothing odd */
	TNEF_ANOMALY = 1,	/* parsed; anomalies were reported */
	TNEF_PART_FAILED = 2,	/* not TNEF at all (no signature) */
	TNEF_MESSAGE_FATAL = 3,	/* bad arguments: our bug, not the input's */
};

enum tnef_anomaly {
	TNEF_ANOM_BAD_CHECKSUM = 1,	/* an attribute's checksum differs */
	TNEF_ANOM_CORRUPT = 2,		/* truncated or malformed structure */
	TNEF_ANOM_LIMIT_ATTACHMENTS = 3, /* max_attachments reached; stopped */
	TNEF_ANOM_LIMIT_DEPTH = 4,	/* an embedded message not opened */
};

/* Where the reported name came from. */
enum tnef_name_source {
	TNEF_NAME_NONE = 0,
	TNEF_NAME_LONG = 1,		/* PR_ATTACH_LONG_FILENAME */
	TNEF_NAME_TITLE = 2,		/* attAttachTitle (8.3 usually) */
	TNEF_NAME_SHORT = 3,		/* PR_ATTACH_FILENAME */
};

/* Where the reported bytes came from. */
enum tnef_data_source {
	TNEF_DATA_NONE = 0,		/* neither: size 0 */
	TNEF_DATA_ATTR = 1,		/* attAttachData */
	TNEF_DATA_OBJECT = 2,		/* PR_ATTACH_DATA_OBJ or _BIN */
};

struct tnef_limits {
	uint32_t max_attachments;	/* attachments reported, at most */
	uint32_t max_depth;		/* deepest embedded level (top: 0);
					   capped at TNEF_DEPTH_HARD_MAX */
};

struct tnef_attachment {
	uint32_t index;
	uint32_t parent;		/* TNEF_NO_PARENT at depth 0 */
	uint32_t depth;
	const char *name;		/* "" when none */
	size_t name_len;
	enum tnef_name_source name_source;
	int name_truncated;		/* cut at TNEF_NAME_MAX */
	const uint8_t *data;		/* into the caller's buffer */
	size_t size;
	enum tnef_data_source data_source;
	int embedded_message;		/* data is a TNEF stream (children follow
					   unless the depth limit was hit) */
};

/* Callbacks; both optional.  Pointers are valid only during the call. */
struct tnef_sink {
	void (*on_attachment)(void *ctx, const struct tnef_attachment *att);
	void (*on_anomaly)(void *ctx, uint32_t parent,
	    enum tnef_anomaly code, const char *detail);
};

/* Equal to the number of callbacks made, except bad_checksums, which
 * counts every bad checksum seen (reported once per stream). */
struct tnef_stats {
	uint32_t attachments;
	uint32_t anomalies;
	uint32_t bad_checksums;
	uint64_t bytes;			/* sum of attachment sizes */
};

/* Parses buf[0..len) (never written; must stay valid during the call).
 * Returns TNEF_OK or TNEF_ANOMALY, TNEF_PART_FAILED when the signature is
 * missing (also reported as TNEF_ANOM_CORRUPT), or TNEF_MESSAGE_FATAL
 * when buf (with len > 0), lim or sink is NULL.  stats may be NULL. */
enum tnef_result tnef_parse(const uint8_t *buf, size_t len,
    const struct tnef_limits *lim, const struct tnef_sink *sink, void *ctx,
    struct tnef_stats *stats);

/* Nonzero when buf starts with the TNEF signature. */
int tnef_is_tnef(const uint8_t *buf, size_t len);

/* Short fixed names for the enums, for logs and tests ("bad-checksum"). */
const char *tnef_anomaly_name(enum tnef_anomaly code);

#endif
