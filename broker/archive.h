/* broker: archive copies (Qmail-Scanner's --archive, docs/archive.md):
 * a Maildir message in <spool>/archive per delivered (and, by
 * [archive] quarantined, quarantined) message, envelope included;
 * trusted, writes hostile bytes unchanged and envelope text sanitised. */
#ifndef QSCAN_ARCHIVE_H
#define QSCAN_ARCHIVE_H

#include "config.h"
#include "envelope.h"
#include "spool.h"

/* 1 when [archive] archive asks for this message: "yes", or its regex
 * matches the sender or any recipient; 0 for "no" or no match. */
int archive_wanted(const struct qscan_config *cfg,
    const struct envelope *envl);

/* Writes `header` (what the broker adds before the message; may be
 * NULL) and the spool's bytes into <spool>/archive/tmp, the envelope
 * as [archive] envelope says, fsyncs it, renames it into new/ and
 * fsyncs the directory.  `what` (delivered, quarantined) is recorded.
 * Returns 0 with the file name in *name, or -1 with *why: then nothing
 * is left behind. */
int archive_store(const struct qscan_config *cfg, const char *header,
    const struct envelope *envl, const struct spool *sp,
    const char *message_id, const char *what, char **name, char **why);

#endif
