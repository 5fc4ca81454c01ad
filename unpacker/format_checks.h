/* unpacker: format checks over header bytes and filenames; runs in role
 * unpack, untrusted, after the final filter, and in the tests and fuzzer.
 *
 * Pure functions: no allocation, no I/O, every read bounded by the length
 * given.  Each adds findings (an anomaly code and a short detail saying
 * what was seen) to a struct fc_findings, at most one per code: the MIME
 * walk reports them on the part they concern.  Whether a check is
 * switched off is the walk's business, not theirs. */
#ifndef QSCAN_FORMAT_CHECKS_H
#define QSCAN_FORMAT_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* RFC 2046 allows 70; 250 is where Qmail-Scanner and the Exim family
 * call a boundary an attack on the parser rather than a sloppy mailer. */
#define FC_BOUNDARY_MAX		250
/* Qmail-Scanner's FILELENGTHTOOLONG: NTFS and most unpackers stop at 255
 * characters, so a longer name is meant for something else. */
#define FC_FILENAME_MAX		256
/* A header block is scanned this far and no further: real blocks are a
 * few KiB; past this the scan has already seen whatever matters. */
#define FC_HEADER_BLOCK_MAX	(256u * 1024)
/* How far back from a part's first header we look for the boundary line
 * that opens it, to see lines GMime dropped before that header. */
#define FC_BOUNDARY_LOOKBACK	(64u * 1024)
/* A finding's detail; hostile bytes in it are escaped, then cut. */
#define FC_DETAIL_MAX		160
/* One finding per code at most. */
#define FC_FINDINGS_MAX		16

struct fc_finding {
	enum anomaly_code code;
	char detail[FC_DETAIL_MAX + 1];
};

struct fc_findings {
	unsigned n;
	struct fc_finding f[FC_FINDINGS_MAX];
};

/* Empties `out`. */
void fc_findings_init(struct fc_findings *out);
/* Adds a finding with a fixed detail (at most one per code). */
void fc_findings_add_text(struct fc_findings *out, enum anomaly_code code,
    const char *detail);
/* 1 when `code` is among the findings. */
int fc_findings_has(const struct fc_findings *out, enum anomaly_code code);

/* The header block at p[0..len): lines up to the first empty line (or
 * FC_HEADER_BLOCK_MAX, or len).  Finds ANOM_HEADER_CR_NUL,
 * ANOM_BROKEN_CONTINUATION, ANOM_HEADER_NAME_COMMENT,
 * ANOM_REPEATED_MIME_HEADER, ANOM_BROKEN_PART_HEADERS, and, in its
 * Content-Type fields, ANOM_LONG_BOUNDARY and ANOM_BOUNDARY_REDEFINED.
 * Returns the length of the block scanned. */
size_t fc_check_header_block(const uint8_t *p, size_t len,
    struct fc_findings *out);

/* Where the header block of a multipart child starts: the line after the
 * last "--boundary" line that begins before buf[first_header], looked
 * for at most FC_BOUNDARY_LOOKBACK bytes back; first_header itself when
 * there is none. */
size_t fc_find_block_start(const uint8_t *buf, size_t first_header,
    const char *boundary, size_t blen);

/* One filename (UTF-8, not NUL-terminated): ANOM_LONG_FILENAME,
 * ANOM_DOUBLE_EXTENSION, ANOM_CLSID_EXTENSION, ANOM_BIDI_FILENAME. */
void fc_check_filename(const char *name, size_t len, struct fc_findings *out);

/* name= against filename= (ASCII case ignored, as Windows would):
 * ANOM_FILENAME_MISMATCH when they name different files. */
void fc_check_filenames_differ(const char *a, size_t alen, const char *b,
    size_t blen, struct fc_findings *out);

/* A part's declared type (lowercase "type/subtype"), what its bytes are
 * (filetype_detect; "" unknown) and one of its filenames (NULL: none):
 * ANOM_DISGUISED_EXECUTABLE when the bytes are a program the type or the
 * name pretends otherwise; ANOM_EXE_NAME_ON_MEDIA when an audio, image,
 * video or text part carries a Windows program's extension. */
void fc_check_part_type(const char *declared, const char *detected,
    const char *name, size_t len, struct fc_findings *out);

/* Filename predicates the checks use; exposed for the tests.  `ext` is
 * an extension without its dot, any case. */
int fc_ext_is_executable(const char *ext, size_t len);
int fc_ext_is_decoy(const char *ext, size_t len);

#endif
