/* broker: what the broker writes of spamd's facts (docs/spam.md);
 * trusted. */
#ifndef QSCAN_SPAM_FACTS_H
#define QSCAN_SPAM_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "facts.h"

/* Milli-points as SpamAssassin prints them: "7.9", "-0.1". */
void spam_score_text(int32_t milli, char *out, size_t outsz);

/* The headers prepended to a delivered message (tag): the flag, status
 * and level headers of a scored message, "<status>: unknown" for a
 * failed check, nothing otherwise; each line ends in "\n" (caller
 * frees). */
char *spam_headers(const struct qscan_config *cfg, const struct spam_fact *f);

/* "spam=yes score=7.9/5.0", "spam=skipped:size", "spam=unknown",
 * or "" when spamd was not asked (caller frees). */
char *spam_summary(const struct spam_fact *f);

#endif
