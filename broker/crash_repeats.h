/* broker: the contents that crashed a role, and how often
 * (docs/architecture.md, "A message that crashes a role every time");
 * trusted. */
#ifndef QSCAN_CRASH_REPEATS_H
#define QSCAN_CRASH_REPEATS_H

#include <stdint.h>

#include <glib.h>

#include "spool.h"

#define CRASH_HASH_HEX 65	/* SHA-256 in hex, and its NUL */

/* One more crash on the message in sp: its SHA-256 (spool_sha256()) into
 * hex, and into *count how many crashes of a role that content has
 * had, this one included, within the last keep_days (0: any time).
 * 0, or -1 with *why (the count is then unknown: the caller goes on as
 * if it were the first). */
int crash_repeats_count(const char *spool_dir, const struct spool *sp,
    unsigned keep_days, char hex[CRASH_HASH_HEX], unsigned *count,
    char **why);

#endif
