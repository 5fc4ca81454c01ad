/* broker: diagnostics and the one-line summary per message; trusted. */
#ifndef QSCAN_LOG_H
#define QSCAN_LOG_H

#include <syslog.h>
#include <glib.h>

/* ident goes to syslog; log_file (may be NULL) receives summary lines;
 * to_stderr copies diagnostics to fd 2 (qmail-smtpd's log). */
void log_open(const char *ident, gboolean use_syslog, gboolean to_stderr);
/* Opens the summary file; call after privileges are dropped. */
void log_open_file(const char *path);
/* The message id used in every line about the current message. */
void log_set_message_id(const char *id);

/* Diagnostics: syslog mail.<level> and stderr, prefixed by the message id. */
void log_diag(int level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define log_err(...)	log_diag(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_diag(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_diag(LOG_INFO, __VA_ARGS__)

/* The summary line, already formatted (key=value ...): syslog mail.info
 * and one line appended to the log file. */
void log_summary(const char *line);

/* Appends `s` to out as a log-safe token: bytes outside printable ASCII,
 * spaces, '=', ',', '\\' and '%' become \xNN; empty becomes "<>". */
void log_escape(GString *out, const char *s);

/* log_escape of at most the first `max` bytes of s, cut back to the
 * start of a UTF-8 sequence so that no character is split (an invalid
 * byte is cut as itself): for free text of any length (a subject). */
void log_escape_cut(GString *out, const char *s, size_t max);

/* Appends hostile free text (a role's log line) readable but safe: bytes
 * outside printable ASCII, '\\' and '%' become \xNN, spaces stay. */
void log_escape_text(GString *out, const char *s);

#endif
