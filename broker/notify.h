/* broker: notifications of a held or refused message (docs/notify.md):
 * who is told per verdict, the filters that keep notices from forged,
 * automatic and list senders, the templates and the message made from
 * them, and its injection through qmail-queue with the null sender;
 * trusted, every value it puts in a notice is the message's (hostile). */
#ifndef QSCAN_NOTIFY_H
#define QSCAN_NOTIFY_H

#include <stddef.h>
#include <glib.h>

/* Verdicts that may be notified, the index of cfg->notify_who[]. */
enum notify_verdict {
	NOTIFY_VIRUS,
	NOTIFY_POLICY,
	NOTIFY_SPAM,
	NOTIFY_LIMITS,
};

/* Who is told (Qmail-Scanner's --notify words); 0 is "none". */
#define NOTIFY_SENDER	1u
#define NOTIFY_PSENDER	2u	/* the sender, for a policy block only */
#define NOTIFY_RECIPS	4u
#define NOTIFY_ADMIN	8u

/* The addresses told about one message, all notices together: a message
 * to thousands must not become thousands of notices. */
#define NOTIFY_RECIPIENTS_DEFAULT	100
#define NOTIFY_RECIPIENTS_CEILING	10000
/* A template file: a page of text, with room. */
#define NOTIFY_TEMPLATE_MAX	16384
/* Any one value put in a notice (subject, reason, sender...), bytes. */
#define NOTIFY_VALUE_MAX	512
/* The recipient list as a value: a few lines, then "(and N more)". */
#define NOTIFY_RECIPIENT_LIST_MAX	1024
/* The whole notice: the template's page and every value. */
#define NOTIFY_MESSAGE_MAX	65536
/* RFC 5322's line limit is 998; we break a little earlier. */
#define NOTIFY_LINE_MAX		990
/* An address we write into a header and an envelope (RFC 5321: 256). */
#define NOTIFY_ADDRESS_MAX	320
/* The forged-sender list: lines and their length. */
#define NOTIFY_FORGED_LINES_MAX	4096
#define NOTIFY_FORGED_FILE_MAX	(256 * 1024)

/* The three notices of one message. */
enum notify_audience {
	NOTIFY_TO_SENDER,
	NOTIFY_TO_RECIPS,
	NOTIFY_TO_ADMIN,
	NOTIFY_AUDIENCES,
};

const char *notify_audience_name(enum notify_audience a);

/* notify_filter.c: pure. */

/* "sender,recips,admin", "psender", "none": the NOTIFY_* bits; -1 with
 * *why (static) for an unknown word, an empty item, or none with others. */
int notify_who_parse(const char *value, unsigned *who, const char **why);
/* 1 when `a` may go into a notice's To: and envelope as it is: one
 * local@domain of printable ASCII, no space, quote, comma, <>, ( ), ;,
 * backslash, at most NOTIFY_ADDRESS_MAX.  Refused, never repaired. */
int notify_address_ok(const char *a);
/* 1 when `l` is a plain directory name: [A-Za-z0-9_-]{1,16}. */
int notify_language_ok(const char *l);
/* Why this envelope sender is never told (static text), or NULL: the
 * null sender, MAILER-DAEMON, postmaster, bounce-*, *-request, owner-*,
 * *-owner, an address we could not write. */
const char *notify_sender_refused(const char *sender);
/* Why this message is list or automatic mail (static text), or NULL:
 * its top-level List-Id, Precedence bulk/list/junk, Auto-Submitted
 * other than "no".  `fields` are struct header_field_fact (facts.h). */
const char *notify_list_mail(const GPtrArray *fields);
/* The forged-sender list: one glob per line (case-insensitive, * and ?),
 * '#' comments and blank lines skipped.  Returns the patterns (lowered)
 * or NULL with *why; a missing file is an error, as the admin named it. */
GPtrArray *notify_forged_load(const char *path, char **why);
/* The first of the comma-separated virus `names` a pattern matches
 * (caller frees), or NULL. */
char *notify_forged_match(const GPtrArray *patterns, const char *names);

/* notify_template.c: pure. */

/* The values a template may name: %VERDICT% %REASON% %SUBJECT% %ID%
 * %SENDER% %RECIPIENTS% %DATE% %HOST% (and %% for a percent sign).
 * Each is cleaned when put in: valid UTF-8, no control characters, at
 * most NOTIFY_VALUE_MAX bytes (recipients NOTIFY_RECIPIENT_LIST_MAX). */
struct notify_values {
	const char *verdict, *reason, *subject, *id, *sender, *recipients,
	    *date, *host;
};

/* The headers of the notice, each already an address notify_address_ok
 * takes (to: one or more, comma-separated) or our own text. */
struct notify_mail {
	const char *from, *to, *message_id, *date, *id_header;
	const char *id;		/* for the id header: the quarantine id */
};

/* A value made safe for a notice: valid UTF-8, every control character
 * (CR and LF included) a space, cut at `max` bytes on a character
 * boundary.  Caller frees. */
char *notify_clean_value(const char *v, size_t max);
/* The template with every known placeholder replaced; unknown ones stay
 * as written. */
char *notify_expand(const char *tmpl, const struct notify_values *v);
/* `s` (made valid UTF-8) as a header value: as it is when printable
 * ASCII, else RFC 2047 encoded words (UTF-8, base64), folded.  Caller
 * frees. */
char *notify_header_encode(const char *s);
/* RFC 5322 date of t, in UTC, in the C locale: 64 bytes are enough. */
void notify_date(long long t, char *out, size_t n);
/* The whole notice from a template ("Subject: ...", an empty line, the
 * body; UTF-8, at most NOTIFY_TEMPLATE_MAX): 0 with the message in out,
 * or -1 with *why (the template is malformed, or the notice would pass
 * NOTIFY_MESSAGE_MAX). */
int notify_compose(const char *tmpl, size_t len, const struct notify_values *v,
    const struct notify_mail *m, GString *out, char **why);

/* notify.c: the notices of one message, sent. */

struct qscan_config;
struct envelope;
struct scan;

/* What the notices of one message are made from, once its own outcome
 * is carried out (queued, quarantined, refused). */
struct notify_ctx {
	const struct qscan_config *cfg;
	const struct envelope *envl;
	const struct scan *s;		/* its facts: subject, list headers */
	const char *verdict;		/* the outcome's verdict= */
	const char *action;		/* the outcome's action= */
	const char *reason;		/* the outcome's reason= */
	const char *id;			/* the quarantine id, else ours */
	const char *message_id;		/* ours, for the notices' Message-ID */
	char **env;			/* qmail-queue's environment */
	int hook_fd;			/* qscand's worker: the hook runs
					 * qmail-queue (SVC_NOTIFY); else -1 */
};

/* Tells whoever [notify] names for this verdict, each notice through
 * qmail-queue with the null sender; every refusal and failure is a log
 * line and nothing else: the message's own outcome is already final.
 * Returns the number of notices qmail-queue took. */
unsigned notify_message(const struct notify_ctx *n);

/* For qscan lint: when [notify] tells anybody, each template it would
 * use is read and a sample notice made from it, and the forged-sender
 * list is read when a virus may be told to its sender.  Appends one
 * line per problem to `problems`, one per file found good to `notes`;
 * returns the number of problems. */
unsigned notify_check(const struct qscan_config *cfg, GPtrArray *problems,
    GPtrArray *notes);

#endif
