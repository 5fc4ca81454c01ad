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

enum virus_action {
	VIRUS_QUARANTINE,	/* quarantine/viruses/, fsynced, then exit 0 */
	VIRUS_REJECT,		/* exit 31, or 82 with text on reject_text_fd */
	VIRUS_DROP,		/* exit 0, discarded, logged */
};

#define SCANNERS_MAX 8

/* [archive] envelope: where an archive copy keeps the envelope
 * (docs/archive.md). */
enum archive_envelope {
	ARCHIVE_ENVELOPE_APPEND,	/* a trailer after the message */
	ARCHIVE_ENVELOPE_HEADERS,	/* <prefix>-Envelope-* lines before it */
};

/* [archive] archive as a regex: matched against raw envelope bytes
 * (addresses need not be UTF-8), without regard to case. */
#define ARCHIVE_REGEX_FLAGS (G_REGEX_RAW | G_REGEX_CASELESS)

/* A [spamd] *_score that is off. */
#define SPAM_SCORE_OFF INT64_MAX

/* [service] fallback: what the hook does when qscand cannot serve. */
enum service_fallback {
	FALLBACK_EXEC,		/* the exec path, when the hook may run it */
	FALLBACK_TEMPFAIL,	/* exit 71 */
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
	unsigned max_archive_depth;
	unsigned max_archive_members;
	uint64_t max_expanded_bytes;
	unsigned max_expansion_ratio;	/* 0: off */
	unsigned role_timeout_ms;
	/* The hook's own deadline (Qmail-Scanner's MAXTIME), seconds: past
	 * it the hook exits 52, up to the moment qmail-queue has been given
	 * the whole message and envelope (queue.c). */
	unsigned max_seconds;

	/* AV: scanner roles in the order they run. */
	int scanners[SCANNERS_MAX];	/* enum role_id */
	unsigned n_scanners;
	gboolean scan_raw;
	enum over_limit_action scan_failure_action;	/* tempfail or pass */
	/* A part over an engine's own limit, unscanned by that engine. */
	enum over_limit_action unchecked_action;
	enum virus_action virus_action;
	/* A content that crashed a role this often is unscannable (0: off),
	 * then kept and refused (VIRUS_REJECT) or kept (VIRUS_QUARANTINE). */
	unsigned crash_repeats;
	enum virus_action crash_repeats_action;
	unsigned reject_text_fd;	/* 0: off */
	char *policy_file;		/* "none": no policy */
	char *clamav_database;
	uint64_t clamav_max_scan_bytes;
	uint64_t clamav_max_file_bytes;
	unsigned clamav_max_recursion;
	unsigned clamav_max_files;
	char *clamd_servers;		/* "unix:/path;tcp:host:port" */
	unsigned clamd_connect_timeout_ms;
	unsigned clamd_read_timeout_ms;
	char *clamd_mode;		/* auto, fildes, instream */
	uint64_t clamd_max_stream_bytes;
	/* [mhr] (docs/mhr.md) */
	char *mhr_resolver;		/* "" : /etc/resolv.conf's first */
	char *mhr_zone;
	uint64_t mhr_hashes;		/* bit (1 << enum hash_kind) */
	unsigned mhr_threshold_percent;
	gboolean mhr_all_parts;		/* FALSE: executables and archives */
	unsigned mhr_deadline_ms;
	unsigned mhr_query_timeout_ms;
	unsigned mhr_retries;
	enum over_limit_action mhr_failure_action;	/* pass or tempfail */
	/* [spamd] (docs/spam.md) */
	char *spamd_servers;		/* "": spam checking off */
	unsigned spamd_connect_timeout_ms;
	unsigned spamd_read_timeout_ms;
	uint64_t spamd_max_bytes;
	char *spamd_user;		/* "", a name, or "first-recipient" */
	gboolean spamd_scan_relay_clients;
	enum over_limit_action spamd_failure_action;	/* pass or tempfail */
	/* Milli-points; SPAM_SCORE_OFF: no such action. */
	int64_t spamd_quarantine_score, spamd_delete_score, spamd_reject_score;
	char *spamd_status_header, *spamd_level_header, *spamd_flag_header;

	/* The sandbox: what the kernel must give (fail closed unless
	 * allowed), and each role's cgroup limits. */
	char *cgroup;			/* delegated by qscan-setup */
	gboolean allow_no_cgroup;
	gboolean allow_weaker_sandbox;
	uint64_t role_memory_bytes[8];	/* by enum role_id: memory.max */
	unsigned role_pids_max;

	/* The service (docs/warm.md): children a zygote forks before it
	 * retires. */
	unsigned zygote_max_children;

	/* Format checks switched off: bit (1 << code) per anomaly code
	 * (record.h) for which anomaly_is_check() holds. */
	uint64_t checks_disabled;

	/* [service]: qscand and the hook's way to it (docs/warm.md). */
	char *service_socket;
	char *service_client_users;	/* "qmaild,other" */
	char *service_client_group;	/* "": the first client user's group */
	enum service_fallback service_fallback;
	unsigned service_zygote_wait_ms;
	unsigned service_canary_interval_s;
	gboolean service_syslog;
	/* qscan cleanup (docs/quarantine.md): days kept; 0 keeps for ever. */
	unsigned quarantine_days, crash_days, archive_days;

	/* [notify] (docs/notify.md): who is told, per verdict. */
	unsigned notify_who[4];		/* by enum notify_verdict: NOTIFY_* */
	char *notify_admin;		/* quarantine_admin; "": nobody */
	char *notify_from;		/* "": postmaster@hostname */
	char *notify_language;
	char *notify_template_dir;
	char *notify_forged_senders;
	unsigned notify_max_recipients;	/* per message, all notices */
	/* [archive] (docs/archive.md): "no", "yes" or a regex. */
	char *archive;
	gboolean archive_quarantined;
	enum over_limit_action archive_failure_action;	/* tempfail or pass */
	enum archive_envelope archive_envelope;
	/* [headers]: the descriptive header (docs/summary-line.md). */
	gboolean descriptive_header;
	char *descriptive_header_name;
	gboolean rename_repeated_headers;	/* top level, docs/summary-line.md */
};

/* Sets every key to its default. */
void config_defaults(struct qscan_config *c);

/* Loads `path` over the defaults.  Every problem is appended to `errors`
 * as "file:line: text" (line 0 when it has none); returns the number of
 * problems, 0 when the file is good.  Unknown groups and keys are errors. */
int config_load(struct qscan_config *c, const char *path, GPtrArray *errors);

/* The same from `fd`, opened by the caller (before a privilege drop) and
 * always closed; `path` names it in messages.  When `where` is not NULL,
 * it gets "file:line" of each problem, in step with `errors`: what a
 * caller who may not see the configuration's content is told. */
int config_load_fd(struct qscan_config *c, int fd, const char *path,
    GPtrArray *errors, GPtrArray *where);

void config_clear(struct qscan_config *c);

const char *over_limit_action_name(enum over_limit_action a);
const char *virus_action_name(enum virus_action a);

#endif
