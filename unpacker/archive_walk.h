/* unpacker: archive members through libarchive, from memory; runs in
 * role unpack, untrusted, after the final filter, and in the fuzzer.
 *
 * Formats and filters are named one by one (zip, tar, 7zip, rar, rar5,
 * cab, cpio, iso9660; gzip, bzip2, xz), never the *_all() calls: the
 * filter one runs external programs (docs/profiles.md,
 * "What the libraries need").
 *
 * Recursion is ours: a member whose bytes libarchive accepts as one of
 * those formats is walked in turn, one archive level deeper, so the
 * limits on members, expanded bytes and depth hold for the whole tree
 * and a bomb ends the whole walk, not one level of it.  The outermost
 * archive is level 0; max_depth 0 opens no nested archive.  Only real
 * expansions count: a compressed stream no archive format reads is one
 * compressed file (a member of the decoded bytes) only when a filter
 * really decoded it, never because its first bytes look like one; and a
 * member whose bytes are those of its own archive or of one holding it
 * (a quine) is reported but not walked again.
 *
 * Numbering and order.  Members are numbered 0, 1, 2, ... across the
 * whole tree in the order reported, a member before the members of the
 * archive it holds.  Members of the outermost archive have parent
 * AW_NO_PARENT; the members of a nested archive name the member that
 * holds it.  For each archive: on_archive (format and filter), then per
 * member on_member, on_content exactly once (also when empty or
 * unreadable, with what could be read), on_anomaly for that member's own
 * anomalies, then the nested archive's callbacks.  Only regular files are
 * reported; directories, links and devices count as entries (for the
 * member limit) but are not members.
 *
 * Limits (struct aw_limits), each reported once, as the anomaly naming
 * it:
 *   - depth: a member that is an archive one level too deep is reported
 *     as a plain member and not opened; its siblings go on;
 *   - entries: the walk stops before entry max_members + 1;
 *   - expanded bytes (sum of all member bytes read, nested ones
 *     included) and the ratio of one archive's expanded bytes to its own
 *     size (checked once they pass ratio_min_bytes) are checked after
 *     every block read: the member being read is reported with what was
 *     read (truncated = 1) and the whole walk stops.
 * So a 400 MB zero bomb stops after ratio * its size bytes, a 42.zip
 * after max_expanded_bytes at most, and memory held is at most the
 * members being read along one nesting chain (each bounded by the
 * expanded budget left).
 *
 * Anomalies.  AW_ANOM_ENCRYPTED once per archive (every encrypted member
 * also has encrypted = 1 and content it could not decrypt is empty).
 * AW_ANOM_CORRUPT at most once per archive, with libarchive's message;
 * the archive's walk ends there, the rest of the tree goes on.  A nested
 * member that no format recognises is not an archive, not an anomaly.
 *
 * Every string is NUL-terminated, free of NUL and control bytes (replaced
 * by '?'), at most AW_PATH_MAX bytes (details: AW_DETAIL_MAX - 1), and a
 * cut falls back to the start of a UTF-8 sequence. */
#ifndef QSCAN_ARCHIVE_WALK_H
#define QSCAN_ARCHIVE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "qscan_limits.h"

#define AW_NO_PARENT		UINT32_MAX
/* Longest path reported; the broker's record strings hold 4096. */
#define AW_PATH_MAX		1024
/* Longest anomaly detail, NUL included. */
#define AW_DETAIL_MAX		256
/* The deepest nesting any caller may ask for is ARCHIVE_DEPTH_CEILING,
 * the defaults are DEFAULT_MAX_ARCHIVE_* (common/qscan_limits.h). */
/* Below this many expanded bytes the ratio is not checked: a 200-byte
 * zip of a 30 KB text file is normal. */
#define AW_DEFAULT_RATIO_MIN	(1024ull * 1024)

/* Graded results (docs/architecture.md, "Graded parser results"). */
enum aw_result {
	AW_OK = 0,		/* walked, nothing odd */
	AW_ANOMALY = 1,		/* walked; anomalies (limits too) reported */
	AW_NOT_ARCHIVE = 2,	/* no enabled format recognises the buffer;
				   nothing was reported */
	AW_PART_FAILED = 3,	/* the outermost archive is corrupt from its
				   first header: reported as AW_ANOM_CORRUPT */
	AW_MESSAGE_FATAL = 4,	/* out of memory, bad arguments: a tempfail */
};

enum aw_anomaly {
	AW_ANOM_ENCRYPTED = 1,
	AW_ANOM_CORRUPT = 2,
	AW_ANOM_LIMIT_DEPTH = 3,
	AW_ANOM_LIMIT_MEMBERS = 4,
	AW_ANOM_LIMIT_EXPANDED = 5,
	AW_ANOM_LIMIT_RATIO = 6,
};

/* Our names for libarchive's format and filter codes, so records never
 * carry library constants. */
enum aw_format {
	AW_FMT_UNKNOWN = 0,
	AW_FMT_ZIP = 1,
	AW_FMT_TAR = 2,
	AW_FMT_7ZIP = 3,
	AW_FMT_RAR = 4,
	AW_FMT_RAR5 = 5,
	AW_FMT_CAB = 6,
	AW_FMT_CPIO = 7,
	AW_FMT_ISO9660 = 8,
};

enum aw_filter {
	AW_FILTER_NONE = 0,
	AW_FILTER_GZIP = 1,
	AW_FILTER_BZIP2 = 2,
	AW_FILTER_XZ = 3,
	AW_FILTER_OTHER = 4,	/* one libarchive applied on its own */
};

struct aw_limits {
	uint32_t max_depth;		/* deepest nested level (outer: 0);
					   capped at ARCHIVE_DEPTH_CEILING */
	uint32_t max_members;		/* entries examined, whole tree */
	uint64_t max_expanded_bytes;	/* member bytes read, whole tree */
	uint32_t max_ratio;		/* expanded / archive size; 0: off */
	uint64_t ratio_min_bytes;	/* ratio checked only above this */
};

struct aw_archive {
	uint32_t parent;	/* member holding it, or AW_NO_PARENT */
	uint32_t depth;		/* 0 for the outermost */
	enum aw_format format;
	enum aw_filter filter;	/* outermost filter (tar.gz: gzip) */
	const char *format_name;	/* libarchive's, e.g. "ZIP 2.0 (deflation)" */
	const char *filter_name;	/* "gzip", or "none" */
	uint64_t size;		/* bytes of the archive itself */
};

struct aw_member {
	uint32_t index;
	uint32_t parent;	/* member holding this archive, or AW_NO_PARENT */
	uint32_t depth;		/* level of the archive it is in */
	const char *path;	/* as stored; "" when it has none */
	size_t path_len;
	int path_truncated;
	int size_declared;	/* the header gave a size */
	uint64_t declared_size;
	int encrypted;		/* data or metadata encrypted */
	enum aw_format format;	/* of the archive it is in */
};

/* Callbacks; every one optional.  Pointers are valid during the call. */
struct aw_sink {
	void (*on_archive)(void *ctx, const struct aw_archive *arc);
	void (*on_member)(void *ctx, const struct aw_member *m);
	/* The member's bytes as read (len is the actual size); truncated
	 * when a limit cut it or the data was corrupt or encrypted. */
	void (*on_content)(void *ctx, uint32_t member, const uint8_t *data,
	    size_t len, int truncated);
	/* member: the member the anomaly is about, or the member holding the
	 * archive it is about (AW_NO_PARENT: the outermost archive). */
	void (*on_anomaly)(void *ctx, uint32_t member, enum aw_anomaly code,
	    const char *detail);
	/* Asked after each member's callbacks; nonzero ends the whole walk
	 * as a limit does, without an anomaly: the caller's own limits
	 * (parts, decoded bytes) were reached and it wants no more. */
	int (*stop)(void *ctx);
};

/* Equal to the number of callbacks made. */
struct aw_stats {
	uint32_t archives;
	uint32_t members;
	uint32_t entries;	/* members plus non-regular entries */
	uint32_t anomalies;
	uint64_t expanded_bytes; /* sum of content lengths reported */
};

/* Fills lim with the defaults above. */
void archive_walk_default_limits(struct aw_limits *lim);

/* Called once before the role's lockdown: sets TZ=UTC when TZ is unset
 * and calls tzset() (libarchive's mktime() would otherwise stat the
 * zone file on every DOS date), then reads a tiny built-in sample of
 * every format and filter so the decompressors' lazy initialisation
 * happens now.  Returns 0, or -1 when a sample did not read back (a
 * libarchive built without one of them). */
int archive_walk_prepare(void);

/* Walks buf[0..len) (never written; valid during the call) and reports
 * it to sink.  depth is the level of this archive (0 unless the caller
 * walks a nested archive itself, for example one inside a TNEF inside a
 * zip); it counts against lim->max_depth.  stats may be NULL.  Returns
 * one of enum aw_result. */
enum aw_result archive_walk(const uint8_t *buf, size_t len, uint32_t depth,
    const struct aw_limits *lim, const struct aw_sink *sink, void *ctx,
    struct aw_stats *stats);

/* Whether buf[0..len) is an archive archive_walk would open (one of its
 * formats, or a compressed file a filter really decodes): the same rule,
 * for a caller that must say "container not opened" past its depth
 * without opening it.  Bytes that only begin like a compressed stream are
 * not. */
int archive_walk_is_archive(const uint8_t *buf, size_t len);

/* Short fixed names for logs and tests ("limit-ratio", "zip", "gzip"). */
const char *archive_walk_anomaly_name(enum aw_anomaly code);
const char *archive_walk_format_name(enum aw_format fmt);
const char *archive_walk_filter_name(enum aw_filter filter);

#endif
