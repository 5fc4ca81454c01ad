/* broker: Qmail-Scanner's renaming of repeated MIME headers, top level
 * only (docs/summary-line.md, "Repeated MIME headers"): the later
 * copies of MIME-Version, Content-Type, Content-Transfer-Encoding and
 * Content-Disposition get the name <prefix>-Renamed-<name>, so that
 * every reader sees the first one only.  Reads hostile bytes: a
 * bounded scan of the header block, nothing else (fuzz/fuzz_header_rename.c). */
#ifndef QSCAN_HEADER_RENAME_H
#define QSCAN_HEADER_RENAME_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* The header block is looked for in at most this many bytes: above
 * HEADER_FIELDS_MAX fields of HEADER_VALUE_MAX bytes (about 512 KiB),
 * so a block the unpack role read whole is found whole. */
#define HEADER_RENAME_SCAN_MAX (1024u * 1024)

/* 1 when `name` (len bytes, as written before ':') is one of the four
 * MIME headers, in any case. */
int header_rename_is_mime(const char *name, size_t len);

/* Scans the header block at the start of buf (up to the first empty
 * line, or the end of buf when the message has no body), appends it
 * to out with each later copy of a MIME header prefixed by
 * "<prefix>-Renamed-", and sets *consumed to the input bytes it covers
 * (the rest of the message follows unchanged) and *renamed to how many
 * it renamed.  Returns 0, or -1 when buf (len bytes, len < the message
 * when truncated is set) ends before the block does: then out is
 * unchanged. */
int header_rename_repeated(const uint8_t *buf, size_t len, int truncated,
    const char *prefix, GByteArray *out, size_t *consumed,
    unsigned *renamed);

#endif
