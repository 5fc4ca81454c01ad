/* policy: trusted, pure: facts in, decision out.  The one interface of the
 * policy module: load the administrator's rules file once, then evaluate
 * each message's facts against it.
 *
 * Precedence (also written in policy/default.rules):
 *   1. The broker settles viruses before it calls policy_evaluate (AV first,
 *      then policy), so a known virus is named a virus; virus names are
 *      still given here so rules can key on them.
 *   2. Rules are tried in file order.  The first matching rule whose action
 *      is terminal (reject, tempfail, quarantine, drop, pass) decides; later
 *      terminal rules are not tried.  "pass" is terminal: it is how an
 *      exception is written before a broader blocking rule.
 *   3. tag and monitor rules never decide.  Every one that matches, before
 *      or after the deciding rule, is reported; tags are for the copy that
 *      is delivered.
 *   4. No terminal rule matched: pass.
 *   5. "set monitor_only on": everything above is computed and reported,
 *      but the effective action is pass (a dry run of a new policy).
 */
#ifndef QSCAN_POLICY_H
#define QSCAN_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Limits on what the administrator may write; each bounds load time or the
 * work one message can cost. */
enum {
	/* A rules file is a few hundred lines; 1 MiB is far beyond any real
	 * one and keeps a mistaken path (a log file) from being slurped. */
	POLICY_FILE_MAX = 1024 * 1024,
	/* Longest line; a longer one is an error, never silently cut. */
	POLICY_LINE_MAX = 4096,
	/* Rules per file: evaluation cost is rules x facts. */
	POLICY_RULES_MAX = 5000,
	/* Files an include chain may nest (the top file counts), and the
	 * bytes all included files may hold together (a file included many
	 * times counts each time). */
	POLICY_INCLUDE_DEPTH_MAX = 8,
	POLICY_INCLUDE_BYTES_MAX = 8 * 1024 * 1024,
	/* include lines read in all, wherever they are. */
	POLICY_INCLUDES_MAX = 256,
	/* Conditions in one rule, and networks in one ip list. */
	POLICY_CONDS_MAX = 32,
	POLICY_NETS_MAX = 64,
	/* Longest glob or regex source. */
	POLICY_PATTERN_MAX = 1024,
	/* Bytes of one subject (header value, filename, address) a pattern
	 * sees.  Header lines are limited to 998 bytes by RFC 5322; folded
	 * and decoded values can be longer, 8 KiB covers any honest one. */
	POLICY_SUBJECT_MAX = 8192,
	/* PCRE2 backtracking budget per match, set with (*LIMIT_MATCH=) in
	 * front of every pattern (GRegex has no match-context API).  PCRE2
	 * counts it per start position, so an unanchored pattern would get
	 * it once per byte of subject (8 KiB x 100 000 steps measured 27 s);
	 * every keyword-form regex is therefore compiled anchored, with the
	 * search for a start written into the pattern (policy_parse.c), and
	 * the limit covers the whole search.  100 000 steps: 5-8 ms for the
	 * worst pattern measured, (?:a|a){1,15}c, at any subject length;
	 * a plain pattern costs about one step per byte of subject.  It also
	 * caps the backtracking depth. */
	POLICY_REGEX_MATCH_LIMIT = 100000,
	/* PCRE2 backtracking memory per match in KiB, (*LIMIT_HEAP=): the
	 * library default is 20 GB.  16 MiB lets ordinary patterns such as
	 * ^(?:a|b)*$ run over a whole POLICY_SUBJECT_MAX value. */
	POLICY_REGEX_HEAP_LIMIT_KIB = 16384,
	/* Longest reject text or tag header. */
	POLICY_TEXT_MAX = 512,
	/* Wall-clock budget of one policy_evaluate, in microseconds.  The
	 * regex limit bounds one match, but a message has up to 256 headers
	 * and thousands of filenames, and a policy up to POLICY_RULES_MAX
	 * rules: the product is not bounded by anything else.  An honest
	 * message takes milliseconds; 2 s keeps a hostile one from holding
	 * the broker (which runs this for every message) while staying far
	 * below any queue or SMTP timeout. */
	POLICY_EVAL_BUDGET_USEC = 2 * 1000 * 1000,
};

/* In order of how final they are; the decision is the first terminal
 * match, not the highest value. */
enum policy_action {
	POLICY_PASS = 0,	/* deliver; terminal when a rule says it */
	POLICY_MONITOR,		/* log only (the DLP monitor mode) */
	POLICY_TAG,		/* add a header to the delivered copy */
	POLICY_QUARANTINE,	/* quarantine/policy/; Q-S's meaning */
	POLICY_DROP,		/* accept and discard */
	POLICY_TEMPFAIL,	/* exit 71: client retries (greylist) */
	POLICY_REJECT,		/* exit 31, or 82 with text */
};

/* "pass", "monitor", ... */
const char *policy_action_name(enum policy_action a);
/* TRUE for actions that decide (everything but tag and monitor). */
gboolean policy_action_is_terminal(enum policy_action a);

/* One header field of the top-level message. */
struct policy_header {
	const char *name;	/* as written; compared case-insensitively */
	const char *value;	/* RFC 2047 decoded, unfolded, UTF-8 */
};

/* One part as the roles reported it; archive members and TNEF attachments
 * are parts too. */
struct policy_part {
	const char *path;		/* "1.2", "1.2/docs/a.exe": for reports */
	const char *declared_type;	/* Content-Type, lower case; or NULL */
	const char *detected_type;	/* by magic bytes, e.g.
					 * "application/x-dosexec"; or NULL */
	const char *const *filenames;	/* every name the part goes by:
					 * filename=, name=, archive member
					 * path, TNEF name */
	size_t n_filenames;
	uint64_t size;			/* decoded bytes */
	gboolean archive_member;	/* found inside an archive */
	gboolean encrypted;		/* password-protected (member or
					 * whole archive) */
};

/* An anomaly code by name: "double_extension", "clsid_extension",
 * "long_filename", "archive_encrypted", "no_content_type", ... */
struct policy_anomaly {
	const char *code;
	long part;			/* index into parts[], or -1: message */
	const char *detail;		/* or NULL */
};

/* The facts of one message.  Everything is borrowed: the broker fills this
 * from its decoded facts without copying, and keeps it alive for the call. */
struct policy_input {
	const char *sender;		/* envelope sender, "" for <> */
	const char *const *recipients;
	size_t n_recipients;
	const char *remote_ip;		/* TCPREMOTEIP text, or NULL */
	gboolean relay_client;		/* RELAYCLIENT was set */
	const struct policy_header *headers;
	size_t n_headers;
	const struct policy_part *parts;
	size_t n_parts;
	const struct policy_anomaly *anomalies;
	size_t n_anomalies;
	const char *const *viruses;	/* names AV already found */
	size_t n_viruses;
	/* 0: the pass before spam scoring, which skips every rule with a
	 * spam_score or spam_rule condition; 1: the pass after it, on a
	 * scored message, which tries only those rules (docs/spam.md). */
	int spam_pass;
	int32_t spam_score_milli;	/* spamd's score, 7.9 -> 7900 */
	const char *const *spam_rules;	/* the rules spamd named */
	size_t n_spam_rules;
};

/* One rule that matched. */
struct policy_match {
	unsigned line;			/* the rule's line in the rules file */
	enum policy_action action;	/* the rule's own action */
	const char *name;		/* rule name (three-field lines: field
					 * 1); borrowed from the policy */
	const char *reason;		/* description for logs, quarantine and
					 * notices; borrowed from the policy */
	const char *text;		/* reject: SMTP text (NULL: plain 31);
					 * tag: "Name: value"; else NULL.
					 * Borrowed from the policy */
	long part;			/* index into parts[] that matched, or
					 * -1 when the rule is message-wide */
	char *filename;			/* the filename that matched, or NULL;
					 * owned by the result */
	char *header;			/* the header that matched: its name,
					 * or the Q-S virtual header (MAILFROM,
					 * RCPTTO, REMOTEIPADDR, FILECLSID, ...)
					 * for envelope, IP and anomaly facts;
					 * or NULL.  Owned by the result */
	char *value;			/* the text matched for a message fact
					 * (header value, address, IP, virus
					 * name, anomaly code), or NULL.  Owned
					 * by the result */
	gboolean limit_hit;		/* a regex hit its match limit and was
					 * counted the strict way (see
					 * policy_evaluate) */
};

struct policy_result {
	enum policy_action action;	/* what to do: the effective action */
	enum policy_action decided;	/* what the rules decided (differs from
					 * action only under monitor_only) */
	long decisive;			/* index into matches of the deciding
					 * rule, or -1 */
	gboolean monitor_only;		/* the policy is in dry-run mode */
	gboolean out_of_time;		/* POLICY_EVAL_BUDGET_USEC ran out: the
					 * rules left were counted the strict
					 * way (see policy_evaluate) */
	GArray *matches;		/* struct policy_match, file order */
};

struct policy;

/* Reads and compiles the rules file at path.  Every problem is appended to
 * errors (a GPtrArray of g_free'd strings) as "path:line: text" (line 0 for
 * the whole file).  Returns the compiled policy, or NULL when there was any
 * error: a half-loaded policy is never used.  Free with policy_free.
 * `include FILE` lines read FILE (relative to the including file's
 * directory) in their place, nested at most POLICY_INCLUDE_DEPTH_MAX
 * files deep; a loop is an error. */
struct policy *policy_load(const char *path, GPtrArray *errors);

/* Same, on text already in memory (tests, fuzzing); name stands in for the
 * path in messages.  text need not be NUL-terminated.  It reads no file:
 * an include line is an error. */
struct policy *policy_load_text(const char *name, const char *text,
    size_t len, GPtrArray *errors);

/* Frees the policy and everything it owns; NULL is allowed.  Results still
 * borrow its strings, so free them first. */
void policy_free(struct policy *p);

/* Number of rules compiled (the block_encrypted_archives switch counts as
 * one when on); for lint's summary. */
size_t policy_rule_count(const struct policy *p);

void policy_result_init(struct policy_result *r);
/* Frees what the result owns; the result may be evaluated into again after
 * policy_result_init. */
void policy_result_clear(struct policy_result *r);

/* Evaluates the facts in in against p; r must be initialised and empty.
 * Pure: no I/O, no global state; it reads the monotonic clock only for
 * its time budget.  A regex that hits its match limit on hostile input is
 * counted the strict way: as matching for every action but pass, as not
 * matching for pass rules, so an undecidable subject never lets mail
 * through an exception and always triggers a blocking or monitoring rule.
 *
 * Bound on the work: one regex match is at most POLICY_REGEX_MATCH_LIMIT
 * backtracking steps over at most POLICY_SUBJECT_MAX bytes, whatever the
 * subject's length; one whole evaluation is at most POLICY_EVAL_BUDGET_USEC
 * of wall-clock time plus one match.  The clock is read before every regex
 * match and every 64th other pattern test.  When the budget runs out the
 * evaluation stops looking at the facts and fails closed: the rule being
 * evaluated and every rule after it count as matched with limit_hit set
 * when their action is not pass, as not matched when it is pass, and
 * out_of_time is set.  A message cannot buy its way past a blocking rule
 * by being slow. */
void policy_evaluate(const struct policy *p, const struct policy_input *in,
    struct policy_result *r);

/* Pattern helpers, exported for tests: a glob with * ? [set] [!set],
 * ASCII case-insensitive, '*' crossing '/'.  Returns TRUE on a match. */
gboolean policy_match_glob(const char *pattern, const char *subject,
    size_t len);

/* Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as ::ffff:a.b.c.d).
 * Returns TRUE when text was an address. */
gboolean policy_parse_ip(const char *text, uint8_t out[16]);

#endif
