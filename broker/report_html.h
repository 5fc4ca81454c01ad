/* broker: the HTML report (docs/report.md): one self-contained file,
 * charts as inline SVG drawn here, no script, nothing fetched. */
#ifndef QSCAN_REPORT_HTML_H
#define QSCAN_REPORT_HTML_H

#include <glib.h>

#include "report_stats.h"

/* The whole page into out; host names the machine in the title. */
void report_html(const struct report_stats *st, const char *host,
    GString *out);

/* Appends s as HTML text: &, <, >, " and ' as entities, control bytes
 * as U+FFFD, invalid UTF-8 replaced (g_utf8_make_valid). */
void report_html_escape(GString *out, const char *s);

#endif
