/* policy: trusted, pure: the compiled form of the rules, shared by the
 * parser (policy_parse.c, policy_compat.c, policy_tokens.c) and the
 * matcher (policy_match.c) only. */
#ifndef QSCAN_POLICY_INTERNAL_H
#define QSCAN_POLICY_INTERNAL_H

#include "policy.h"

enum pattern_kind {
	PAT_ANY,	/* matches every subject (SIZE=-1 style "any") */
	PAT_GLOB,	/* policy_match_glob, ASCII case-insensitive */
	PAT_SUFFIX,	/* Q-S filename field: the name ends with it, ASCII
			 * case-insensitive */
	PAT_REGEX,	/* GRegex, compiled once, anchored, with a match
			 * limit that covers the whole search */
};

struct pattern {
	enum pattern_kind kind;
	char *text;		/* glob or suffix text; regex source */
	GRegex *re;		/* PAT_REGEX */
	gboolean basename;	/* glob without '/': match the last path
				 * component of a filename */
};

enum cond_kind {
	/* Part conditions: all of a rule's part conditions must hold for
	 * one and the same part. */
	C_FILENAME,		/* pattern on any filename of the part */
	C_TYPE,			/* pattern on the declared type */
	C_DETECTED,		/* pattern on the detected type */
	C_SIZE,			/* lo <= size <= hi */
	C_MEMBER,		/* the part is an archive member */
	C_ENCRYPTED,		/* the part is encrypted */
	/* Message conditions. */
	C_HEADER,		/* name, pattern on its value */
	C_SENDER,		/* pattern on the envelope sender */
	C_RECIPIENT,		/* pattern on any recipient */
	C_IP_TEXT,		/* pattern on the remote IP text (REMOTEIPADDR) */
	C_IP_NET,		/* remote IP within one of nets */
	C_RELAY,		/* RELAYCLIENT was set */
	C_ANOMALY,		/* anomaly code == name */
	C_VIRUS,		/* pattern on any virus name */
	C_VIRTUAL,		/* Q-S virtual header: anomaly name (or the
				 * encrypted flag for ZIPPASSWORDPROTECTED),
				 * pattern on the offending part's names */
	/* spamd's facts (docs/spam.md): only in the pass after spam
	 * scoring (policy_input.spam_pass). */
	C_SPAM_SCORE,		/* slo <= score (milli-points) <= shi */
	C_SPAM_RULE,		/* pattern on any rule spamd named */
};

struct net {
	uint8_t addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	unsigned prefix;	/* 0..128 over the 16 bytes */
};

struct cond {
	enum cond_kind kind;
	gboolean negate;
	struct pattern pat;
	char *name;		/* C_HEADER: header name; C_ANOMALY, C_VIRTUAL:
				 * anomaly code; C_VIRTUAL: also header */
	char *vheader;		/* C_VIRTUAL: the Q-S virtual header name */
	gboolean encrypted;	/* C_VIRTUAL: ZIPPASSWORDPROTECTED */
	uint64_t lo, hi;	/* C_SIZE, inclusive */
	int64_t slo, shi;	/* C_SPAM_SCORE, milli-points, inclusive */
	struct net *nets;	/* C_IP_NET */
	unsigned n_nets;
};

struct rule {
	unsigned line;
	char *name, *reason;
	enum policy_action action;
	char *text;		/* reject text or tag header, or NULL */
	struct cond *conds;
	unsigned n_conds;
	gboolean has_part_conds;
	gboolean uses_spam;	/* a spam_score or spam_rule condition */
};

struct policy {
	char *name;		/* the path, for messages */
	GPtrArray *rules;	/* struct rule * */
	gboolean monitor_only;
};

void policy_rule_free(struct rule *r);

/* Reads the rules file an `include` line names, for the parser, which
 * does no I/O itself: its text (NUL-terminated, caller frees) and *len,
 * and in *canonical (caller frees) a name that is the same for every
 * path to that file, for loop detection; or NULL with *why (caller
 * frees). */
typedef char *(*policy_read_fn)(const char *path, size_t *len,
    char **canonical, char **why);

/* Parses text (the file `name`, whose canonical name is `canonical`)
 * into p's rules; every problem goes to errors as "file:line: text"
 * (policy_parse.c).  read_include NULL: an include line is an error. */
void policy_parse_text(struct policy *p, const char *name,
    const char *canonical, const char *text, size_t len,
    policy_read_fn read_include, GPtrArray *errors);

/* policy_evaluate with a budget of budget_usec instead of
 * POLICY_EVAL_BUDGET_USEC, so tests can reach the out-of-time path
 * without spending seconds (policy_match.c). */
void policy_evaluate_budget(const struct policy *p,
    const struct policy_input *in, struct policy_result *r,
    gint64 budget_usec);

/* The clock the time budget reads, in microseconds; NULL restores
 * g_get_monotonic_time.  For tests only: one that advances a fixed step
 * per read makes the out-of-time path independent of the machine's
 * speed (policy_match.c). */
void policy_set_clock(gint64 (*now)(void));

/* TRUE when addr lies within net. */
gboolean policy_net_contains(const struct net *n, const uint8_t addr[16]);

#endif
