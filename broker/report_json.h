/* broker: `qscan check --json` output; trusted, escapes hostile strings. */
#ifndef QSCAN_REPORT_JSON_H
#define QSCAN_REPORT_JSON_H

#include <glib.h>

#include "decide.h"
#include "pipeline.h"

/* Appends one JSON object describing the scan of `file`. */
void report_json(GString *out, const char *file, const struct scan *s,
    const struct outcome *o, double total_ms);

#endif
