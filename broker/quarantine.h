/* broker: quarantine maildirs and quarantine.log (docs/architecture.md,
 * "Nothing lost" and "Files on disk"); trusted. */
#ifndef QSCAN_QUARANTINE_H
#define QSCAN_QUARANTINE_H

#include <glib.h>

#include "envelope.h"
#include "spool.h"

/* Writes the message into <spool_dir>/quarantine/<folder>/new as a maildir
 * message: our header lines (<prefix>-Quarantine-Reason, the envelope as
 * <prefix>-Envelope-From and one <prefix>-Envelope-To per recipient, then
 * <prefix>-Quarantine-Facts, <prefix>-Quarantine-Envelope (the raw
 * envelope in base64) and last <prefix>-Quarantine-Original (the
 * original's length and sha256), docs/quarantine.md), then the original
 * bytes unchanged; fsynced, then linked into new/ and the
 * directory fsynced.  Returns 0 with the file name in *name, or -1 with
 * *why: then nothing is left behind and the caller must tempfail. */
int quarantine_store(const char *spool_dir, const char *folder,
    const char *prefix, const char *reason, const char *facts,
    const struct envelope *envl, const struct spool *sp,
    const char *message_id, char **name, char **why);

/* A unique Maildir name, also the id qscan's tools take
 * ([A-Za-z0-9._-]): time, pid, our message id, host.  Caller frees. */
char *maildir_message_name(const char *message_id);

/* The envelope as header lines, sanitised for people and grep:
 * <prefix>-Envelope-From, then one <prefix>-Envelope-To per recipient. */
void envelope_header_lines(GString *out, const char *prefix,
    const struct envelope *envl);

/* Appends Qmail-Scanner's TAB-separated line to <spool_dir>/log/
 * quarantine.log: date, sender, recipients, subject, names, scanners,
 * then a seventh field, the entry's id (its maildir name). */
void quarantine_log(const char *spool_dir, const struct envelope *envl,
    const char *subject, const char *names, const char *scanners,
    const char *id);

#endif
