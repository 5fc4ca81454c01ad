/* policy: trusted, pure: the rules file parser; reads the admin's text
 * once, compiles every pattern, reports each problem with file and line.
 * The keyword grammar (rule, set, include) is here; its tokens are read in
 * policy_tokens.c, Qmail-Scanner's TAB-separated lines translated in
 * policy_compat.c. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "policy_parse_internal.h"

void
policy_parse_error(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(ps->errors, g_strdup_printf("%s:%u: %s", ps->file,
	    ps->line, msg));
}

static gboolean
word_is(const GArray *toks, guint i, const char *w)
{
	return i < toks->len && TOK(toks, i)->kind == T_WORD &&
	    strcmp(TOK(toks, i)->text, w) == 0;
}

/* The search for a start, written into the pattern: PCRE2 resets its
 * match limit at every start position it tries, so an unanchored pattern
 * costs up to the limit once per byte of subject.  Anchored at 0 with a
 * lazy skip in front, the whole search is one match and the limit bounds
 * all of it.  The boolean outcome is the unanchored one: src matches
 * somewhere iff it matches after some skip.  One difference: (*PRUNE),
 * (*SKIP) and (*THEN) end the whole search instead of one start. */
#define REGEX_SEARCH "^(?s:.*?)"
/* After the skip, for a src that starts with ".*" and has no '|': when
 * such a src matches at a position it also matches from the start of
 * that line, ".*" taking up what lies between, so only line starts are
 * tried (\N is what "." matches).  PCRE2 makes the same deduction for an
 * unanchored .* pattern; without it the wrapped pattern would rescan the
 * rest of the line from every byte and run out of steps on an honest
 * 1 KiB subject.  A '|' anywhere may be a top-level alternative that
 * matches mid-line, so it turns the deduction off. */
#define REGEX_LINE_START "(?<!\\N)"

static gboolean
regex_leading_any(const char *src)
{
	return src[0] == '.' && src[1] == '*' && strchr(src, '|') == NULL;
}

/* Compiles src with the match limits in front.  anchored wraps it as
 * ^(?:src)$, Qmail-Scanner's meaning for header values; else it is
 * searched for with REGEX_SEARCH.  Either way PCRE2 tries one start
 * position, so POLICY_REGEX_MATCH_LIMIT bounds the whole match. */
gboolean
policy_regex_compile(struct parser *ps, struct pattern *pat, const char *src,
    gboolean caseless, gboolean anchored)
{
	/* No G_REGEX_OPTIMIZE: GRegex gives PCRE2's JIT a 32 KiB stack we
	 * cannot enlarge, and ordinary patterns like ^(?:a|b)*$ exhaust it
	 * on a few KiB of subject; that failure would count as a match. */
	GRegexCompileFlags flags = caseless ? G_REGEX_CASELESS : 0;
	g_autoptr(GError) err = NULL;
	g_autoptr(GRegex) alone = NULL;
	g_autofree char *full = NULL;

	if (strlen(src) > POLICY_PATTERN_MAX) {
		policy_parse_error(ps, "pattern longer than %d bytes",
		    POLICY_PATTERN_MAX);
		return FALSE;
	}
	/* A leading (*LIMIT_MATCH=...) or other option setting would
	 * override the limits put in front below. */
	if (strncmp(src, "(*", 2) == 0) {
		policy_parse_error(ps, "regex may not start with a (*...) "
		    "setting: qscan sets the match limits itself");
		return FALSE;
	}
	/* Compiled alone first, so the error names the admin's text and a
	 * stray ')' cannot escape the anchoring group. */
	alone = g_regex_new(src, flags, 0, &err);
	if (alone == NULL) {
		policy_parse_error(ps, "bad regex /%s/: %s", src, err->message);
		return FALSE;
	}
	if (anchored)
		full = g_strdup_printf("(*LIMIT_MATCH=%d)(*LIMIT_HEAP=%d)"
		    "^(?:%s)$", POLICY_REGEX_MATCH_LIMIT,
		    POLICY_REGEX_HEAP_LIMIT_KIB, src);
	else
		full = g_strdup_printf("(*LIMIT_MATCH=%d)(*LIMIT_HEAP=%d)"
		    REGEX_SEARCH "%s(?:%s)", POLICY_REGEX_MATCH_LIMIT,
		    POLICY_REGEX_HEAP_LIMIT_KIB,
		    regex_leading_any(src) ? REGEX_LINE_START : "", src);
	pat->re = g_regex_new(full, flags, 0, &err);
	if (pat->re == NULL) {
		policy_parse_error(ps, "bad regex /%s/: %s", src, err->message);
		return FALSE;
	}
	pat->kind = PAT_REGEX;
	pat->text = g_strdup(src);
	return TRUE;
}

gboolean
policy_glob_compile(struct parser *ps, struct pattern *pat, const char *src)
{
	if (src[0] == '\0') {
		policy_parse_error(ps, "empty pattern");
		return FALSE;
	}
	if (strlen(src) > POLICY_PATTERN_MAX) {
		policy_parse_error(ps, "pattern longer than %d bytes",
		    POLICY_PATTERN_MAX);
		return FALSE;
	}
	pat->kind = PAT_GLOB;
	pat->text = g_strdup(src);
	pat->basename = strchr(src, '/') == NULL;
	return TRUE;
}

/* A "glob" or /regex/ token at toks[*i]. */
static gboolean
pattern_parse(struct parser *ps, const GArray *toks, guint *i,
    const char *what, struct pattern *pat)
{
	const struct token *t;

	if (*i >= toks->len || TOK(toks, *i)->kind == T_WORD) {
		policy_parse_error(ps, "%s needs a \"glob\" or a /regex/",
		    what);
		return FALSE;
	}
	t = TOK(toks, (*i)++);
	if (t->kind == T_STRING)
		return policy_glob_compile(ps, pat, t->text);
	return policy_regex_compile(ps, pat, t->text, t->flags[0] == 'i',
	    FALSE);
}

/* "10", "10k", "3M", "1G" (powers of 1024). */
static gboolean
size_parse_value(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	char *end;

	if (!g_ascii_isdigit(s[0]))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno != 0)
		return FALSE;
	switch (g_ascii_tolower(*end)) {
	case 'k': mult = 1024; end++; break;
	case 'm': mult = 1024 * 1024; end++; break;
	case 'g': mult = 1024 * 1024 * 1024; end++; break;
	case '\0': break;
	default: return FALSE;
	}
	if (*end != '\0' || v > G_MAXUINT64 / mult)
		return FALSE;
	*out = v * mult;
	return TRUE;
}

/* ">1M", ">=1M", "<100", "<=100", "=5", "5", "0-1024". */
static gboolean
size_parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash;
	uint64_t v;

	*lo = 0;
	*hi = G_MAXUINT64;
	if (s[0] == '>' && s[1] == '=')
		return size_parse_value(s + 2, lo);
	if (s[0] == '>') {
		if (!size_parse_value(s + 1, &v) || v == G_MAXUINT64)
			return FALSE;
		*lo = v + 1;
		return TRUE;
	}
	if (s[0] == '<' && s[1] == '=')
		return size_parse_value(s + 2, hi);
	if (s[0] == '<') {
		if (!size_parse_value(s + 1, &v) || v == 0)
			return FALSE;
		*hi = v - 1;
		return TRUE;
	}
	if (s[0] == '=')
		s++;
	if ((dash = strchr(s, '-')) != NULL) {
		g_autofree char *a = g_strndup(s, (gsize)(dash - s));

		return size_parse_value(a, lo) && size_parse_value(dash + 1, hi) &&
		    *lo <= *hi;
	}
	if (!size_parse_value(s, lo))
		return FALSE;
	*hi = *lo;
	return TRUE;
}

/* "10.0.0.0/8,2001:db8::/32,192.0.2.1". */
static gboolean
nets_parse(struct parser *ps, const char *s, struct cond *c)
{
	g_auto(GStrv) items = g_strsplit(s, ",", -1);
	guint n = g_strv_length(items);

	if (n == 0 || n > POLICY_NETS_MAX) {
		policy_parse_error(ps, "ip takes 1 to %d networks",
		    POLICY_NETS_MAX);
		return FALSE;
	}
	c->nets = g_new0(struct net, n);
	for (guint k = 0; k < n; k++) {
		char *slash = strchr(items[k], '/');
		struct net *nt = &c->nets[k];
		gboolean v4 = strchr(items[k], ':') == NULL;
		unsigned max = v4 ? 32 : 128;
		guint64 prefix = max;

		if (slash != NULL) {
			*slash = '\0';
			if (!g_ascii_string_to_unsigned(slash + 1, 10, 0, max,
			    &prefix, NULL)) {
				policy_parse_error(ps,
				    "bad prefix length in %s/%s", items[k],
				    slash + 1);
				return FALSE;
			}
		}
		if (!policy_parse_ip(items[k], nt->addr)) {
			policy_parse_error(ps,
			    "not an IPv4 or IPv6 address: %s", items[k]);
			return FALSE;
		}
		nt->prefix = (unsigned)prefix + (v4 ? 96 : 0);
		/* 10.1.2.3/8 is a typo for one host or for 10/8; which one
		 * is the admin's to say. */
		for (unsigned b = nt->prefix; b < 128; b++)
			if (nt->addr[b / 8] & (0x80 >> (b % 8))) {
				policy_parse_error(ps, "host bits set in %s/%u",
				    items[k], (unsigned)prefix);
				return FALSE;
			}
		c->n_nets++;
	}
	return TRUE;
}

/* Header field names are printable ASCII without ':' (RFC 5322 2.2). */
gboolean
policy_header_name_ok(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 127 || *s == ':')
			return FALSE;
	return TRUE;
}

gboolean
policy_text_ok(struct parser *ps, const char *what, const char *s)
{
	if (strlen(s) > POLICY_TEXT_MAX) {
		policy_parse_error(ps, "%s longer than %d bytes", what,
		    POLICY_TEXT_MAX);
		return FALSE;
	}
	/* It goes into SMTP replies, headers and log lines. */
	for (const char *q = s; *q != '\0'; q++)
		if ((unsigned char)*q < ' ' || *q == 127) {
			policy_parse_error(ps, "%s holds a control character",
			    what);
			return FALSE;
		}
	return TRUE;
}

/* The conditions that are a keyword and a pattern, or a keyword alone. */
static const struct {
	const char *word;
	enum cond_kind kind;
	gboolean pattern;
} cond_words[] = {
	{ "filename", C_FILENAME, TRUE },
	{ "type", C_TYPE, TRUE },
	{ "detected", C_DETECTED, TRUE },
	{ "sender", C_SENDER, TRUE },
	{ "recipient", C_RECIPIENT, TRUE },
	{ "virus", C_VIRUS, TRUE },
	{ "spam_rule", C_SPAM_RULE, TRUE },
	{ "member", C_MEMBER, FALSE },
	{ "encrypted", C_ENCRYPTED, FALSE },
	{ "relay", C_RELAY, FALSE },
};

/* header NAME[:] PATTERN, after the keyword. */
static gboolean
cond_parse_header(struct parser *ps, const GArray *toks, guint *i,
    struct cond *c)
{
	g_autofree char *name = NULL;
	size_t n;

	c->kind = C_HEADER;
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD) {
		policy_parse_error(ps, "header needs a field name and a "
		    "pattern: header Subject /^Invoice/");
		return FALSE;
	}
	name = g_strdup(TOK(toks, (*i)++)->text);
	n = strlen(name);
	if (n > 0 && name[n - 1] == ':')
		name[n - 1] = '\0';
	if (!policy_header_name_ok(name)) {
		policy_parse_error(ps, "bad header field name");
		return FALSE;
	}
	c->name = g_steal_pointer(&name);
	return pattern_parse(ps, toks, i, "header", &c->pat);
}

/* size RANGE, after the keyword. */
static gboolean
cond_parse_size(struct parser *ps, const GArray *toks, guint *i,
    struct cond *c)
{
	c->kind = C_SIZE;
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD ||
	    !size_parse_range(TOK(toks, *i)->text, &c->lo, &c->hi)) {
		policy_parse_error(ps, "size takes >N, >=N, <N, <=N, N or N-M "
		    "(units k, M, G)");
		return FALSE;
	}
	(*i)++;
	return TRUE;
}

/* ">=7.5", ">7.5", "<=-1", "<2": a score of at most 6 digits and 3
 * decimals, maybe negative, into milli-points [lo, hi]. */
static gboolean
spam_range_parse(const char *t, int64_t *lo, int64_t *hi)
{
	int ge = 0, strict = 0, neg = 0;
	int64_t whole = 0, frac = 0, v;
	size_t nd = 0, nf = 0;

	if (t[0] == '>')
		ge = 1;
	else if (t[0] != '<')
		return FALSE;
	t++;
	if (*t == '=')
		t++;
	else
		strict = 1;
	if (*t == '-') {
		neg = 1;
		t++;
	}
	for (; g_ascii_isdigit(*t) && nd < 7; t++, nd++)
		whole = whole * 10 + (*t - '0');
	if (nd == 0 || nd > 6)
		return FALSE;
	if (*t == '.') {
		for (t++; g_ascii_isdigit(*t) && nf < 4; t++, nf++)
			frac = frac * 10 + (*t - '0');
		if (nf == 0 || nf > 3)
			return FALSE;
		for (; nf < 3; nf++)
			frac *= 10;
	}
	if (*t != '\0')
		return FALSE;
	v = (whole * 1000 + frac) * (neg ? -1 : 1);
	*lo = ge ? v + strict : INT64_MIN;
	*hi = ge ? INT64_MAX : v - strict;
	return TRUE;
}

/* spam_score RANGE, after the keyword. */
static gboolean
cond_parse_spam_score(struct parser *ps, const GArray *toks, guint *i,
    struct cond *c)
{
	c->kind = C_SPAM_SCORE;
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD ||
	    !spam_range_parse(TOK(toks, *i)->text, &c->slo, &c->shi)) {
		policy_parse_error(ps, "spam_score takes >N, >=N, <N or <=N "
		    "(N like 7.5 or -1)");
		return FALSE;
	}
	(*i)++;
	return TRUE;
}

/* ip NETS, after the keyword. */
static gboolean
cond_parse_ip(struct parser *ps, const GArray *toks, guint *i,
    struct cond *c)
{
	c->kind = C_IP_NET;
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD) {
		policy_parse_error(ps, "ip needs address[/prefix][,...]");
		return FALSE;
	}
	return nets_parse(ps, TOK(toks, (*i)++)->text, c);
}

/* anomaly CODE, after the keyword. */
static gboolean
cond_parse_anomaly(struct parser *ps, const GArray *toks, guint *i,
    struct cond *c)
{
	const char *code;

	c->kind = C_ANOMALY;
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD) {
		policy_parse_error(ps, "anomaly needs a code name");
		return FALSE;
	}
	code = TOK(toks, (*i)++)->text;
	for (const char *q = code; *q != '\0'; q++)
		if (!g_ascii_islower(*q) && !g_ascii_isdigit(*q) &&
		    *q != '_') {
			policy_parse_error(ps, "anomaly code names are "
			    "lower_case: %s", code);
			return FALSE;
		}
	c->name = g_strdup(code);
	return TRUE;
}

/* One condition at toks[*i], keyword first. */
static gboolean
cond_parse(struct parser *ps, const GArray *toks, guint *i, struct cond *c)
{
	const char *kw;

	if (word_is(toks, *i, "not")) {
		c->negate = TRUE;
		(*i)++;
	}
	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD) {
		policy_parse_error(ps, "expected a condition (for example "
		    "filename \"*.exe\", sender \"*@example.com\", relay)");
		return FALSE;
	}
	kw = TOK(toks, (*i)++)->text;
	for (size_t k = 0; k < G_N_ELEMENTS(cond_words); k++)
		if (strcmp(kw, cond_words[k].word) == 0) {
			c->kind = cond_words[k].kind;
			return !cond_words[k].pattern ||
			    pattern_parse(ps, toks, i, kw, &c->pat);
		}
	if (strcmp(kw, "header") == 0)
		return cond_parse_header(ps, toks, i, c);
	if (strcmp(kw, "size") == 0)
		return cond_parse_size(ps, toks, i, c);
	if (strcmp(kw, "ip") == 0)
		return cond_parse_ip(ps, toks, i, c);
	if (strcmp(kw, "anomaly") == 0)
		return cond_parse_anomaly(ps, toks, i, c);
	if (strcmp(kw, "spam_score") == 0)
		return cond_parse_spam_score(ps, toks, i, c);
	policy_parse_error(ps, "unknown condition '%s' (filename, type, "
	    "detected, size, member, encrypted, header, sender, recipient, "
	    "ip, relay, anomaly, virus, spam_score, spam_rule)", kw);
	return FALSE;
}

/* tag "Header-Name: value", after the action word. */
static gboolean
action_tag_parse(struct parser *ps, const GArray *toks, guint *i,
    struct rule *r)
{
	const char *t, *colon;
	g_autofree char *name = NULL;

	if (*i >= toks->len || TOK(toks, *i)->kind != T_STRING) {
		policy_parse_error(ps, "tag needs \"Header-Name: value\"");
		return FALSE;
	}
	t = TOK(toks, (*i)++)->text;
	colon = strchr(t, ':');
	name = colon ? g_strndup(t, (gsize)(colon - t)) : NULL;
	if (name == NULL || !policy_header_name_ok(name)) {
		policy_parse_error(ps, "tag needs \"Header-Name: value\"");
		return FALSE;
	}
	if (!policy_text_ok(ps, "tag header", t))
		return FALSE;
	r->text = g_strdup(t);
	return TRUE;
}

/* reject's optional "text", after the action word. */
static gboolean
action_reject_parse(struct parser *ps, const GArray *toks, guint *i,
    struct rule *r)
{
	const char *t;

	if (*i >= toks->len || TOK(toks, *i)->kind != T_STRING)
		return TRUE;
	t = TOK(toks, (*i)++)->text;
	if (t[0] == '\0') {
		policy_parse_error(ps, "empty reject text");
		return FALSE;
	}
	if (!policy_text_ok(ps, "reject text", t))
		return FALSE;
	r->text = g_strdup(t);
	return TRUE;
}

gboolean
policy_action_parse(struct parser *ps, const GArray *toks, guint *i,
    struct rule *r)
{
	static const struct { const char *word; enum policy_action a; } acts[] = {
		{ "quarantine", POLICY_QUARANTINE }, { "reject", POLICY_REJECT },
		{ "tempfail", POLICY_TEMPFAIL }, { "drop", POLICY_DROP },
		{ "tag", POLICY_TAG }, { "monitor", POLICY_MONITOR },
		{ "pass", POLICY_PASS },
	};
	const char *w;
	gboolean found = FALSE;

	if (*i >= toks->len || TOK(toks, *i)->kind != T_WORD) {
		policy_parse_error(ps, "missing action: write action and one "
		    "of quarantine, reject, tempfail, drop, tag, monitor, "
		    "pass");
		return FALSE;
	}
	w = TOK(toks, (*i)++)->text;
	for (size_t k = 0; k < G_N_ELEMENTS(acts); k++)
		if (strcmp(w, acts[k].word) == 0) {
			r->action = acts[k].a;
			found = TRUE;
		}
	if (!found) {
		policy_parse_error(ps, "unknown action '%s' (quarantine, "
		    "reject, tempfail, drop, tag, monitor, pass)", w);
		return FALSE;
	}
	if (r->action == POLICY_TAG)
		return action_tag_parse(ps, toks, i, r);
	if (r->action == POLICY_REJECT)
		return action_reject_parse(ps, toks, i, r);
	return TRUE;
}

static gboolean
rule_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && *s != '_' && *s != '-' && *s != '.')
			return FALSE;
	return TRUE;
}

void
policy_rule_add(struct parser *ps, struct rule *r)
{
	for (unsigned k = 0; k < r->n_conds; k++) {
		if (r->conds[k].kind <= C_ENCRYPTED)
			r->has_part_conds = TRUE;
		if (r->conds[k].kind == C_SPAM_SCORE ||
		    r->conds[k].kind == C_SPAM_RULE)
			r->uses_spam = TRUE;
	}
	if (ps->p->rules->len >= POLICY_RULES_MAX) {
		if (!ps->too_many)
			policy_parse_error(ps, "more than %d rules",
			    POLICY_RULES_MAX);
		ps->too_many = TRUE;
		policy_rule_free(r);
		return;
	}
	g_ptr_array_add(ps->p->rules, r);
}

/* Where a rule name was first defined. */
struct seen_rule {
	const char *file;		/* in the parser's files */
	unsigned line;
};

/* rule NAME COND [and COND]... action ACTION [TEXT] [reason TEXT] */
static void
rule_parse(struct parser *ps, const GArray *toks)
{
	struct rule *r = g_new0(struct rule, 1);
	struct seen_rule *seen;
	guint i = 1;

	r->line = ps->line;
	r->conds = g_new0(struct cond, POLICY_CONDS_MAX);
	if (toks->len < 2 || TOK(toks, 1)->kind != T_WORD ||
	    !rule_name_ok(TOK(toks, 1)->text)) {
		policy_parse_error(ps, "rule needs a name of letters, digits, "
		    "'-', '_', '.' (at most 64)");
		goto fail;
	}
	r->name = g_strdup(TOK(toks, 1)->text);
	if ((seen = g_hash_table_lookup(ps->names, r->name)) != NULL) {
		if (seen->file == ps->file)
			policy_parse_error(ps, "rule %s defined twice (first "
			    "on line %u)", r->name, seen->line);
		else
			policy_parse_error(ps, "rule %s defined twice (first "
			    "in %s, line %u): rename one", r->name, seen->file,
			    seen->line);
		goto fail;
	}
	seen = g_new(struct seen_rule, 1);
	seen->file = ps->file;
	seen->line = ps->line;
	g_hash_table_insert(ps->names, g_strdup(r->name), seen);
	i = 2;
	while (!word_is(toks, i, "action")) {
		if (i >= toks->len) {
			policy_parse_error(ps, "rule %s has no action: end it "
			    "with action quarantine (or reject, tempfail, drop, "
			    "tag, monitor, pass)", r->name);
			goto fail;
		}
		if (r->n_conds > 0 && word_is(toks, i, "and"))
			i++;
		if (r->n_conds == POLICY_CONDS_MAX) {
			policy_parse_error(ps, "more than %d conditions",
			    POLICY_CONDS_MAX);
			goto fail;
		}
		if (!cond_parse(ps, toks, &i, &r->conds[r->n_conds++]))
			goto fail;
	}
	if (r->n_conds == 0) {
		policy_parse_error(ps, "rule %s has no condition: write one "
		    "before action, for example rule %s filename \"*.exe\" "
		    "action quarantine", r->name, r->name);
		goto fail;
	}
	i++;
	if (!policy_action_parse(ps, toks, &i, r))
		goto fail;
	if (word_is(toks, i, "reason")) {
		i++;
		if (i >= toks->len || TOK(toks, i)->kind != T_STRING) {
			policy_parse_error(ps, "reason needs a \"text\" in "
			    "double quotes: reason \"why\"");
			goto fail;
		}
		if (!policy_text_ok(ps, "reason", TOK(toks, i)->text))
			goto fail;
		r->reason = g_strdup(TOK(toks, i)->text);
		i++;
	}
	if (i < toks->len) {
		policy_parse_error(ps, "unexpected '%s' after the action",
		    TOK(toks, i)->text);
		goto fail;
	}
	if (r->reason == NULL)
		r->reason = r->text != NULL && r->action == POLICY_REJECT ?
		    g_strdup(r->text) : g_strdup_printf("policy rule %s",
		    r->name);
	policy_rule_add(ps, r);
	return;
fail:
	policy_rule_free(r);
}

/* set KEY on|off */
static void
set_parse(struct parser *ps, const GArray *toks)
{
	gboolean on;
	const char *key;

	if (toks->len != 3 || TOK(toks, 1)->kind != T_WORD ||
	    TOK(toks, 2)->kind != T_WORD) {
		policy_parse_error(ps, "set takes a key and on or off: set "
		    "monitor_only on, set block_encrypted_archives on");
		return;
	}
	key = TOK(toks, 1)->text;
	if (word_is(toks, 2, "on"))
		on = TRUE;
	else if (word_is(toks, 2, "off"))
		on = FALSE;
	else {
		policy_parse_error(ps, "set %s takes on or off", key);
		return;
	}
	if (strcmp(key, "block_encrypted_archives") == 0) {
		struct rule *r;

		if (ps->seen_encrypted) {
			policy_parse_error(ps, "set %s given twice", key);
			return;
		}
		ps->seen_encrypted = TRUE;
		if (!on)
			return;
		/* The switch is a rule at its own line, so it keeps its
		 * place in file order (a pass rule above it still wins). */
		r = g_new0(struct rule, 1);
		r->line = ps->line;
		r->name = g_strdup(key);
		r->reason = g_strdup("password-protected archive");
		r->action = POLICY_QUARANTINE;
		r->conds = g_new0(struct cond, 1);
		r->n_conds = 1;
		r->conds[0].kind = C_VIRTUAL;
		r->conds[0].encrypted = TRUE;
		r->conds[0].name = g_strdup("archive_encrypted");
		r->conds[0].vheader = g_strdup("ZIPPASSWORDPROTECTED");
		r->conds[0].pat.kind = PAT_ANY;
		policy_rule_add(ps, r);
	} else if (strcmp(key, "monitor_only") == 0) {
		if (ps->seen_monitor) {
			policy_parse_error(ps, "set %s given twice", key);
			return;
		}
		ps->seen_monitor = TRUE;
		ps->p->monitor_only = on;
	} else
		policy_parse_error(ps, "unknown setting %s "
		    "(block_encrypted_archives, monitor_only)", key);
}

static void include_parse(struct parser *ps, const GArray *toks);

/* 1 when s begins with the keyword w and a blank. */
static int
keyword_is(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncmp(s, w, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

static void
parse_lines(struct parser *ps, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		g_autofree char *line = NULL;
		const char *s;

		ps->line++;
		line = g_strndup(text + pos, n);
		pos += n + 1;
		if (n > POLICY_LINE_MAX) {
			policy_parse_error(ps, "line longer than %d bytes",
			    POLICY_LINE_MAX);
			continue;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (!g_utf8_validate(line, -1, NULL)) {
			policy_parse_error(ps, "not UTF-8");
			continue;
		}
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		/* "rule" or "set" and a blank begin the keyword form; any
		 * other line is Qmail-Scanner's TAB-separated form. */
		if (keyword_is(s, "rule") || keyword_is(s, "set") ||
		    keyword_is(s, "include")) {
			g_autoptr(GArray) toks = policy_tokenize(ps, s);

			if (toks == NULL)
				continue;
			if (s[0] == 'r')
				rule_parse(ps, toks);
			else if (s[0] == 's')
				set_parse(ps, toks);
			else
				include_parse(ps, toks);
		} else if (strchr(s, '\t') == NULL)
			policy_parse_error(ps, "neither a rule, set or "
			    "include line nor a TAB-separated Qmail-Scanner "
			    "line");
		else
			policy_compat_line_parse(ps, s);
	}
}

/* The directory of the including file, for a relative include. */
static char *
include_path(const char *including, const char *arg)
{
	g_autofree char *dir = NULL;

	if (g_path_is_absolute(arg))
		return g_strdup(arg);
	dir = g_path_get_dirname(including);
	return g_build_filename(dir, arg, NULL);
}

/* include FILE: that file's lines are read here, in place of the line,
 * with the same rule names, settings and limits; errors name it. */
static void
include_parse(struct parser *ps, const GArray *toks)
{
	struct parser in;
	g_autofree char *path = NULL, *text = NULL, *canonical = NULL;
	g_autofree char *why = NULL;
	size_t len = 0;

	if (toks->len != 2 || TOK(toks, 1)->kind == T_REGEX) {
		policy_parse_error(ps, "include takes one file name: include "
		    "site.rules, or include \"my rules.rules\" (relative "
		    "to this file's directory)");
		return;
	}
	if (ps->read_include == NULL) {
		policy_parse_error(ps, "include %s: this policy is not read "
		    "from a file, so it may not include one",
		    TOK(toks, 1)->text);
		return;
	}
	if (ps->chain->len >= POLICY_INCLUDE_DEPTH_MAX) {
		policy_parse_error(ps, "include %s: files nested deeper than "
		    "%d; include them side by side from one file instead",
		    TOK(toks, 1)->text, POLICY_INCLUDE_DEPTH_MAX);
		return;
	}
	if (*ps->includes >= POLICY_INCLUDES_MAX) {
		policy_parse_error(ps, "include %s: more than %d include lines "
		    "in all", TOK(toks, 1)->text, POLICY_INCLUDES_MAX);
		return;
	}
	(*ps->includes)++;
	path = include_path(ps->file, TOK(toks, 1)->text);
	if ((text = ps->read_include(path, &len, &canonical, &why)) == NULL) {
		policy_parse_error(ps, "include %s: %s", path, why);
		return;
	}
	for (guint i = 0; i < ps->chain->len; i++)
		if (strcmp(ps->chain->pdata[i], canonical) == 0) {
			g_autoptr(GString) loop = g_string_new(NULL);

			for (guint j = i; j < ps->chain->len; j++)
				g_string_append_printf(loop, "%s -> ",
				    (char *)ps->chain->pdata[j]);
			g_string_append(loop, canonical);
			policy_parse_error(ps, "include %s: a loop (%s): "
			    "remove one of these include lines", path,
			    loop->str);
			return;
		}
	if (len > POLICY_FILE_MAX || memchr(text, '\0', len) != NULL) {
		policy_parse_error(ps, "include %s: too large or not text",
		    path);
		return;
	}
	if (len > POLICY_INCLUDE_BYTES_MAX - *ps->included_bytes) {
		policy_parse_error(ps, "include %s: the included files hold "
		    "more than %d bytes together; include each file once",
		    path, POLICY_INCLUDE_BYTES_MAX);
		return;
	}
	*ps->included_bytes += len;
	in = *ps;
	in.file = path;
	in.line = 0;
	g_ptr_array_add(ps->files, g_steal_pointer(&path));
	g_ptr_array_add(ps->chain, g_steal_pointer(&canonical));
	parse_lines(&in, text, len);
	g_ptr_array_remove_index(ps->chain, ps->chain->len - 1);
	ps->seen_encrypted = in.seen_encrypted;
	ps->seen_monitor = in.seen_monitor;
	ps->too_many = in.too_many;
}

void
policy_parse_text(struct policy *p, const char *name, const char *canonical,
    const char *text, size_t len, policy_read_fn read_include,
    GPtrArray *errors)
{
	size_t included_bytes = 0;
	unsigned includes = 0;
	struct parser ps = { .p = p, .errors = errors, .file = name,
		.read_include = read_include, .included_bytes = &included_bytes,
		.includes = &includes };

	ps.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	ps.chain = g_ptr_array_new_with_free_func(g_free);
	ps.files = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(ps.chain, g_strdup(canonical));
	parse_lines(&ps, text, len);
	g_hash_table_unref(ps.names);
	g_ptr_array_unref(ps.chain);
	g_ptr_array_unref(ps.files);
}
