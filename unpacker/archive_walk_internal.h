/* unpacker: what archive_walk.c (the walk) and archive_walk_reader.c
 * (libarchive readers, names, samples) share; not for other modules,
 * whose interface is archive_walk.h. */
#ifndef QSCAN_ARCHIVE_WALK_INTERNAL_H
#define QSCAN_ARCHIVE_WALK_INTERNAL_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include <archive.h>

#include "archive_walk.h"

/* Switches this thread to the UTF-8 LC_CTYPE archive_walk_prepare()
 * made, for libarchive's name conversions; returns the locale to give
 * back to aw_locale_leave() ((locale_t)0 when none was made: then
 * nothing changes). */
locale_t aw_locale_enter(void);
void aw_locale_leave(locale_t prev);

/* Our names for libarchive's format and filter codes. */
enum aw_format aw_format_of(int code);
enum aw_filter aw_filter_of(int code);

/* Opens buf with exactly our formats and filters.  Returns 0 with *out
 * set (the caller frees it with archive_read_free()), 0 with *out NULL
 * when no format bids for buf, 1 when the stream is corrupt before the
 * first header (why, when not NULL, filled, AW_DETAIL_MAX bytes), -1
 * when no reader can be built. */
int aw_open(const uint8_t *buf, size_t len, struct archive **out,
    char *why);

/* Whether buf opens as one of our formats (one header read), in the
 * caller's locale. */
int aw_is_archive(const uint8_t *buf, size_t len);

#endif
