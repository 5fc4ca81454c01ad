/* broker: the settings file (GLib key-file) and its checker; trusted. */
#ifndef QSCAN_CONFIG_H
#define QSCAN_CONFIG_H

#include <stdint.h>
#include <glib.h>

enum over_limit_action {
	ACTION_REJECT,		/* exit 31: qmail-smtpd answers 554 */
	ACTION_TEMPFAIL,	/* exit 71: 451, the client retries */
	ACTION_PASS,		/* queue it, with the verdict in the trace header */
};

struct qscan_config {
	char *path;			/* where it was read from */
	char *spool_dir;
	char *qmail_queue;
	char *role_dir;
	char *log_file;
	gboolean use_syslog;
	char *header_prefix;
	char *hostname;
	char *broker_user;
	char *role_user[8];		/* by enum role_id */
	uint64_t max_message_bytes;
	enum over_limit_action oversize_action;
	enum over_limit_action limits_action;
	unsigned max_recipients;
	unsigned max_parts;
	unsigned max_depth;
	uint64_t max_decoded_bytes;
	unsigned role_timeout_ms;
};

/* Sets every key to its default. */
void config_defaults(struct qscan_config *c);

/* Loads `path` over the defaults.  Every problem is appended to `errors`
 * as "file:line: text" (line 0 when it has none); returns the number of
 * problems, 0 when the file is good.  Unknown groups and keys are errors. */
int config_load(struct qscan_config *c, const char *path, GPtrArray *errors);

void config_clear(struct qscan_config *c);

const char *over_limit_action_name(enum over_limit_action a);

#endif
