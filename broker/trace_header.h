/* broker: the header line(s) the broker adds to a queued message; trusted. */
#ifndef QSCAN_TRACE_HEADER_H
#define QSCAN_TRACE_HEADER_H

#include <sys/types.h>

#include "broker_env.h"
#include "config.h"
#include "envelope.h"
#include "pipeline.h"

/* <prefix>-Diagnostics (in the spirit of X-Qmail-Scanner-Diagnostics),
 * the descriptive header when [headers] descriptive_header, <prefix>-Not-Scanned and <prefix>-Unchecked when they apply, then the
 * policy's tag headers; `uid` ran us, `secs` is the time so far
 * (caller frees). */
char *trace_header(const struct qscan_config *cfg, const struct broker_env *be,
    const struct envelope *envl, const struct scan *s, uid_t uid,
    double secs);

#endif
