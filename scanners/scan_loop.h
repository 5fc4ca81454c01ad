/* scanners: the loop every scanner role runs after its lockdown: take
 * REC_SCAN requests from the broker, scan, answer REC_VERDICT.  Runs in
 * untrusted roles. */
#ifndef QSCAN_SCAN_LOOP_H
#define QSCAN_SCAN_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define SCAN_NAME_MAX 512	/* virus name or error text, cut here */

struct scan_backend {
	/* Scans `size` bytes readable from `fd` (a sealed memfd, or the
	 * read-only spool file for part REC_NO_PARENT; the loop closes fd
	 * after the call).  Writes the virus name or the error text into
	 * name (SCAN_NAME_MAX bytes, NUL-terminated) and returns an enum
	 * scan_result. */
	int (*scan)(void *ctx, uint32_t part, int fd, uint64_t size,
	    char *name);
	void *ctx;
};

/* After HELLO and ENGINE: serves requests until REC_SCAN_END, sends
 * REC_END and returns 0.  A malformed request from the broker, or a
 * closed socket before REC_SCAN_END, logs and returns -1 (the caller
 * exits non-zero: the broker then fails the role). */
int scan_loop_run(const struct scan_backend *b);

/* Sends REC_ENGINE. */
void scan_send_engine(const char *engine, const char *version,
    const char *database);

#endif
