/* broker: the summary line's fields about the message and its scan
 * (docs/summary-line.md); trusted. */
#ifndef QSCAN_SUMMARY_FIELDS_H
#define QSCAN_SUMMARY_FIELDS_H

#include <glib.h>

#include "pipeline.h"

/* Appends " msgid=... subject=... attach=... engines=... [viruses=...]
 * policy=... [policy_mode=monitor_only]" for s, every value escaped
 * (log_escape) and bounded; "<>" for a value that is absent. */
void summary_append_scan(GString *line, const struct scan *s);

#endif
