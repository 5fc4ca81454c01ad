/* broker: qscan list, show, release, delete and cleanup
 * (docs/quarantine.md); trusted, run by root or the broker user. */
#ifndef QSCAN_QSCAN_QUARANTINE_H
#define QSCAN_QSCAN_QUARANTINE_H

#include <time.h>

#include "config.h"

/* Each takes argv[0] = the command; returns qscan's exit code. */
int qscan_quarantine_cmd(struct qscan_config *cfg, int argc, char **argv);

/* Root becomes the broker user; the broker user stays; anyone else is
 * refused.  0, or -1 after saying why on stderr. */
int qscan_quarantine_user(const struct qscan_config *cfg);

/* --since's value: "2d", "12h", "30m", "1w", "90s", or a date
 * (qscan list, qscan report).  0, or -1 when it is neither. */
int qscan_parse_since(const char *v, time_t *out);

/* qscan cleanup (broker/cleanup.c). */
int qscan_cleanup(const struct qscan_config *cfg, int dry_run);

#endif
