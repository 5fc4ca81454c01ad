/* unpacker: what a part's bytes are, by their magic numbers; runs in role
 * unpack, untrusted, after the final filter, and in the tests.
 *
 * A pure function over the caller's buffer: no allocation, no I/O.  The
 * declared Content-Type is the sender's claim; this is what the bytes
 * say, so policy and the disguised-executable check can compare the two. */
#ifndef QSCAN_FILETYPE_H
#define QSCAN_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

/* The MIME type the first bytes of p[0..len) announce ("application/
 * x-dosexec", "application/zip", ...), or "" when nothing is recognised.
 * The result is a static string. */
const char *filetype_detect(const uint8_t *p, size_t len);

/* 1 when `type` (as filetype_detect returns it) is a program: PE/DOS,
 * ELF, Mach-O, or a script with a #! line. */
int filetype_is_executable(const char *type);

#endif
