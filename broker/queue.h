/* broker: handing a message to the real qmail-queue; trusted. */
#ifndef QSCAN_QUEUE_H
#define QSCAN_QUEUE_H

#include <glib.h>

#include "envelope.h"
#include "exitcodes.h"
#include "spool.h"

/* 1 when `path` is this very program (same file): running it would loop. */
int queue_is_self(const char *path);

/* Runs qmail_queue with `header` then the spool file on fd 0 and the
 * envelope bytes unchanged on fd 1; `env` is its environment (QMAILQUEUE
 * already removed).  Returns its exit code (*why set when it could not
 * exec); or -1 with *failure and *why when it could not be run, died by a
 * signal, or claimed success without the whole message: decide.c turns
 * the failure into our code (outcome_not_queued). */
int queue_deliver(const char *qmail_queue, const char *header,
    const struct spool *sp, const struct envelope *envl, char **env,
    enum qscan_failure *failure, char **why);

/* The same through the hook (qscand's worker, docs/warm.md): sends
 * SVC_QUEUE on `hook` (the trace header, the spool file read-only, a
 * sealed memfd of the envelope), waits for SVC_QUEUED and returns what
 * queue_deliver would have: the hook's qmail-queue exit code, or -1 with
 * *failure and *why (the hook could not run it, or is gone: then nobody
 * knows whether it ran, and qmail-smtpd hears nothing from us). */
int queue_via_hook(int hook, const char *header, const struct spool *sp,
    const struct envelope *envl, enum qscan_failure *failure, char **why);

/* A notification through the hook (SVC_NOTIFY, docs/notify.md): `sp`
 * the whole notice, `envl` its envelope (null sender); the same answers
 * as queue_via_hook, but the hook takes it as one more mail of ours, not
 * the message's outcome. */
int queue_notify_via_hook(int hook, const struct spool *sp,
    const struct envelope *envl, enum qscan_failure *failure, char **why);

#endif
