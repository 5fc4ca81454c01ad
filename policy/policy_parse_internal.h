/* policy: trusted, pure: the rules parser's private shapes, shared by the
 * keyword grammar (policy_parse.c), its tokens (policy_tokens.c) and the
 * translation of Qmail-Scanner's TAB-separated lines (policy_compat.c)
 * only. */
#ifndef QSCAN_POLICY_PARSE_INTERNAL_H
#define QSCAN_POLICY_PARSE_INTERNAL_H

#include "policy_internal.h"

/* One rules file being parsed. */
struct parser {
	struct policy *p;
	GPtrArray *errors;
	const char *file;		/* the file being read, for errors */
	unsigned line;
	/* rule names seen in every file, for duplicates: name -> struct
	 * seen_rule (policy_parse.c) */
	GHashTable *names;
	gboolean seen_encrypted, seen_monitor, too_many;
	/* include: NULL refuses it; the canonical names of the files being
	 * read, outermost first (its length is the depth); every file name
	 * read, kept until the end for names' entries. */
	policy_read_fn read_include;
	GPtrArray *chain, *files;
	size_t *included_bytes;		/* shared: POLICY_INCLUDE_BYTES_MAX */
	unsigned *includes;		/* shared: POLICY_INCLUDES_MAX */
};

enum tok_kind { T_WORD, T_STRING, T_REGEX };

struct token {
	enum tok_kind kind;
	char *text;
	char flags[4];			/* T_REGEX: "", "i" */
};

#define TOK(toks, i) (&g_array_index((toks), struct token, (i)))

/* Adds "name:line: text" to the parser's errors. */
void policy_parse_error(struct parser *ps, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Splits a keyword line into words, "strings" and /regex/flags (struct
 * token); a word starting with '#' ends the line.  Returns the array,
 * owned by the caller, or NULL after reporting (policy_tokens.c). */
GArray *policy_tokenize(struct parser *ps, const char *s);

/* Compiles src into pat with the match limits in front: anchored as
 * ^(?:src)$ (Qmail-Scanner's header values), else searched for.
 * FALSE after reporting. */
gboolean policy_regex_compile(struct parser *ps, struct pattern *pat,
    const char *src, gboolean caseless, gboolean anchored);

/* A non-empty glob of at most POLICY_PATTERN_MAX bytes into pat.
 * FALSE after reporting. */
gboolean policy_glob_compile(struct parser *ps, struct pattern *pat,
    const char *src);

/* Header field names are printable ASCII without ':' (RFC 5322 2.2). */
gboolean policy_header_name_ok(const char *s);

/* A text that goes into replies, headers and logs (`what`, for the
 * error): bounded, no control characters.  FALSE after reporting. */
gboolean policy_text_ok(struct parser *ps, const char *what, const char *s);

/* ACTION [TEXT] at toks[*i], the action words of both syntaxes, into r;
 * *i moves past them.  FALSE after reporting. */
gboolean policy_action_parse(struct parser *ps, const GArray *toks,
    guint *i, struct rule *r);

/* Takes r (complete) into the policy, or frees it past POLICY_RULES_MAX. */
void policy_rule_add(struct parser *ps, struct rule *r);

/* One Qmail-Scanner line, what<TAB>value<TAB>description[<TAB>action],
 * translated into a rule (policy_compat.c). */
void policy_compat_line_parse(struct parser *ps, const char *line);

#endif
