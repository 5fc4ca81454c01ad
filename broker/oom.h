/* broker: how running out of memory ends, the one path (a failure of
 * ours is temporary: docs/architecture.md, "Nothing lost"); trusted. */
#ifndef QSCAN_OOM_H
#define QSCAN_OOM_H

#include <glib.h>

/* Routes GLib's allocation failures (g_malloc and friends abort, and
 * qmail-smtpd would say "qq crashed" with nothing logged) to
 * broker_out_of_memory().  Once per process, first thing in main(). */
void broker_oom_install(void);

/* Logs "out of memory: <what>" and exits QQ_TEMP_NO_MEMORY (51), which
 * qmail-smtpd answers "451 qq out of memory".  Allocates nothing. */
G_NORETURN void broker_out_of_memory(const char *what);

#endif
