/* broker: the report's text outputs (docs/report.md): MRTG's four
 * lines and Prometheus's text format. */
#ifndef QSCAN_REPORT_TEXT_H
#define QSCAN_REPORT_TEXT_H

#include <glib.h>

#include "report_stats.h"

/* The counter names --mrtg takes, two of them as "IN,OUT". */
int report_mrtg_counter(const struct report_stats *st, const char *name,
    uint64_t *out);

/* MRTG's four lines into out: IN's count, OUT's count, the time the log
 * spans (its uptime line), the name.  0, or -1 for an unknown pair. */
int report_mrtg(const struct report_stats *st, const char *pair,
    const char *host, GString *out);

/* Prometheus text exposition format 0.0.4 into out. */
void report_metrics(const struct report_stats *st, GString *out);

#endif
