/* unpacker: the MIME walk as a library (GMime, no I/O, no records); runs
 * in role unpack, untrusted, after the final filter, and in the fuzzer.
 *
 * Part numbering.  Parts are numbered 0, 1, 2, ... in the order they are
 * reported, depth first, a parent always before its children.  The root
 * part (index 0, depth 0, path "1", parent WALK_NO_PARENT) is the body of
 * the top-level message.  A child's path is its parent's path, a dot, and
 * its 1-based position under that parent:
 *   - the children of a multipart are its subparts, in order;
 *   - a message/rfc822 part has at most one child, the embedded message's
 *     body, at path P.1;
 *   - a text/plain leaf has one PART_UUENCODED child per valid uuencoded
 *     block in its decoded body, at P.1, P.2, ...
 * So depth is always the number of dots in the path.  These are tree
 * paths, not IMAP section numbers (IMAP gives a message/rfc822 body and
 * the message itself different rules; one rule is easier to check).
 *
 * Order of callbacks for one part (the record order of
 * common/part_order.h, which the broker enforces): on_part, then
 * on_filename for each declared name (Content-Type name first, then
 * Content-Disposition filename, both reported when both exist, even when
 * equal; then any further name= values, then any further filename=
 * values), then on_content (leaf and uuencoded parts only, always exactly once, also
 * when empty), then on_anomaly for that part's own anomalies (cut
 * strings first, then the format checks of format_checks.h), then its
 * children.  Message header facts, then every header field of the
 * top-level message in order (at most HEADER_FIELDS_MAX), and message-
 * wide anomalies (part WALK_NO_PARENT) come before the first part.
 *
 * Format checks.  The header block of each part is checked where it lies
 * in the bytes GMime parsed: the top-level message's from its first byte,
 * a multipart child's from the line after its boundary line, an embedded
 * message's from its first header.  The top-level block's findings go to
 * the root part (to WALK_NO_PARENT when GMime found no message).
 * Filenames, declared against detected types, and multipart structure
 * are checked per part.  A check whose code has its bit set in
 * walk_limits.disabled_checks is not reported at all.
 *
 * Every string handed to the sink is NUL-terminated, free of NUL bytes
 * (replaced by '?'), and at most RECORD_STR_MAX bytes (header values:
 * HEADER_VALUE_MAX, what the broker accepts); a cut falls back to the
 * start of a UTF-8 sequence.  Cut strings give one ANOM_TRUNCATED_STRING
 * per part (detail: the first field cut, and how many more) or per
 * header value (part WALK_NO_PARENT).  Per-part anomalies are at most one
 * per code per part and max_parts + 32 in all, so the total stays under
 * the broker's max_parts + ANOMALIES_OVER_PARTS_MAX.  A uuencoded child has content type
 * application/octet-stream, no charset, encoding x-uuencode.  A leaf
 * message/rfc822 (GMime leaves a base64 or quoted-printable one as a
 * leaf) gets its decoded bytes parsed, and that message's body becomes
 * its child P.1.  Content types, charsets and
 * encodings are lowercased ASCII.  Limits: ANOM_LIMIT_DEPTH skips the
 * subtree that is too deep; ANOM_LIMIT_PARTS and ANOM_LIMIT_DECODED stop
 * the walk; each limit anomaly is reported at most once, with the index of
 * the parent under which the part was refused (WALK_NO_PARENT for the
 * root).  The refused part itself is not reported.
 *
 * Containers.  The bytes of every leaf (and uuencoded block) are offered
 * to archive_walk (which sniffs them) and, when they are TNEF by their
 * signature, by their type (application/ms-tnef) or by their name
 * (winmail.dat), to tnef_parse.  Each archive member becomes a child
 * PART_ARCHIVE_MEMBER (filename FN_ARCHIVE_PATH, PART_FLAG_ENCRYPTED when
 * encrypted), each TNEF attachment a child PART_TNEF_ATTACHMENT
 * (filename FN_TNEF); content type application/octet-stream, no charset,
 * no encoding, detected type and the filename checks (on the last path
 * component) as for any part.  After the container part's own records,
 * children come in the modules' order at positions after any uuencoded
 * blocks; nested archives, TNEF inside archives and archives inside TNEF
 * become deeper children.  A member's own anomalies may follow the
 * children its bytes held (a TNEF stream inside it).  Container
 * anomalies map one to one (tnef_bad_checksum, tnef_corrupt,
 * archive_encrypted, archive_corrupt: budgeted and switchable like the
 * checks); their limits are ANOM_LIMIT_ARCHIVE_DEPTH (a container
 * nested deeper than max_archive_depth is reported as a plain part and
 * not opened), ANOM_LIMIT_ARCHIVE_MEMBERS, ANOM_LIMIT_EXPANDED_BYTES and
 * ANOM_LIMIT_EXPANSION_RATIO (TNEF's limits are the first two), each
 * said once per message and never dropped by the anomaly budget; all
 * but depth stop the walk.  Every child counts against max_parts,
 * max_depth and max_decoded_bytes; a bomb stops at whichever of
 * max_expanded_bytes and max_decoded_bytes is nearer, and says which. */
#ifndef QSCAN_MIME_WALK_H
#define QSCAN_MIME_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define WALK_NO_PARENT REC_NO_PARENT

struct walk_limits {
	uint32_t max_parts;		/* parts reported, at most */
	uint32_t max_depth;		/* deepest depth reported (root: 0) */
	uint64_t max_decoded_bytes;	/* sum of decoded sizes reported */
	/* Containers (archives, TNEF), for the whole message; see below. */
	uint32_t max_archive_depth;	/* container nesting (outermost: 0) */
	uint32_t max_archive_members;	/* archive entries + TNEF attachments */
	uint64_t max_expanded_bytes;	/* bytes read out of archives */
	uint32_t max_expansion_ratio;	/* one archive's expanded bytes over
					   its own size; 0: off */
	/* bit (1 << code) for each anomaly code not to report; only codes
	 * for which anomaly_is_check() holds can be switched off */
	uint64_t disabled_checks;
};

struct walk_part {
	uint32_t index;
	uint32_t parent;		/* WALK_NO_PARENT for the root */
	uint32_t depth;
	enum part_kind kind;
	uint16_t flags;			/* PART_FLAG_*; 0 for MIME parts */
	uint64_t decoded_size;		/* leaf and uuencoded parts; else 0 */
	const char *path;		/* "1.2.1" */
	const char *content_type;	/* "type/subtype" as declared/defaulted */
	const char *charset;		/* charset parameter, or "" */
	const char *encoding;		/* Content-Transfer-Encoding, or "" */
	const char *detected_type;	/* filetype_detect() of the content */
};

/* Callbacks; every one is optional (NULL: not called).  Pointers handed
 * to them are valid only during the call.  `ctx` is the walk's caller's. */
struct walk_sink {
	void (*on_part)(void *ctx, const struct walk_part *part);
	void (*on_filename)(void *ctx, uint32_t part,
	    enum filename_source source, const char *name, size_t len);
	void (*on_header)(void *ctx, enum header_fact which,
	    const char *value, size_t len);
	/* part: WALK_NO_PARENT for the top-level message's own header */
	void (*on_header_field)(void *ctx, uint32_t part, const char *name,
	    size_t name_len, const char *value, size_t value_len);
	void (*on_anomaly)(void *ctx, uint32_t part, enum anomaly_code code,
	    const char *detail);
	void (*on_content)(void *ctx, uint32_t part, const uint8_t *data,
	    size_t len);
};

/* What one walk reported; equal to the number of callbacks made. */
struct walk_stats {
	uint32_t parts;
	uint32_t anomalies;
	uint32_t filenames;
	uint32_t headers;
	uint32_t header_fields;
	uint64_t decoded_bytes;
};

/* Parses msg[0..len) (not copied, never written, must stay mapped during
 * the call) and reports it to `sink`.  g_mime_init() must have been
 * called; archive_walk_prepare() should have been (see archive_walk.h).
 * A message GMime cannot parse is ANOM_PARSE_FAILED, a result like any
 * other.  Returns 0 (stats filled when non-NULL), or -1 when an argument
 * is NULL or a container walk ran out of memory: then the report is
 * incomplete, and the caller must fail rather than end it as whole. */
int mime_walk(const uint8_t *msg, size_t len, const struct walk_limits *lim,
    const struct walk_sink *sink, void *ctx, struct walk_stats *stats);

#endif
