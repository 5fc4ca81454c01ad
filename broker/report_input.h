/* broker: the summary log read line by line for `qscan report` and
 * `qscan metrics` (docs/report.md): a plain file, a rotated `.1`, a
 * gzip-compressed `.gz` (zlib reads both, by the content's magic, not
 * the name), or `-` for stdin. */
#ifndef QSCAN_REPORT_INPUT_H
#define QSCAN_REPORT_INPUT_H

#include "report_stats.h"

/* Feeds every line of path to st; a line longer than SUMMARY_LINE_MAX
 * or without its final newline is counted as refused.  0, or -1 with a
 * message on stderr (the file could not be opened or read, or its gzip
 * stream is corrupt). */
int report_input_read(const char *path, struct report_stats *st);

#endif
