/* policy: trusted, pure: Qmail-Scanner compatibility: its TAB-separated
 * quarantine-attachments lines (filename, header, virtual header and 1.x
 * forms), translated into the rules the keyword grammar makes. */
#include <string.h>

#include "policy_parse_internal.h"

/* Qmail-Scanner's virtual headers and what fact each stands for. */
static const struct {
	const char *name;
	enum cond_kind kind;
	const char *anomaly;		/* C_VIRTUAL */
} virtuals[] = {
	{ "MAILFROM", C_SENDER, NULL },
	{ "RCPTTO", C_RECIPIENT, NULL },
	{ "REMOTEIPADDR", C_IP_TEXT, NULL },
	{ "ZIPPASSWORDPROTECTED", C_VIRTUAL, "archive_encrypted" },
	{ "FILELENGTHTOOLONG", C_VIRTUAL, "long_filename" },
	{ "FILEDOUBLEBARRELED", C_VIRTUAL, "double_extension" },
	{ "FILECLSID", C_VIRTUAL, "clsid_extension" },
};

/* A header (or virtual header) rule of a Qmail-Scanner line: value is a
 * case-sensitive regex anchored at both ends, as Q-S documented it. */
static gboolean
qs_header_rule(struct parser *ps, struct rule *r, const char *name,
    const char *value)
{
	struct cond *c = &r->conds[0];

	r->n_conds = 1;
	if (strcmp(name, "ISSENSITIVEANDNOCRYPTO") == 0 ||
	    strcmp(name, "CRYPTODETAILS") == 0) {
		policy_parse_error(ps, "virtual header %s (Qmail-Scanner's DLP "
		    "crypto check) is not supported: qscan has no such fact",
		    name);
		return FALSE;
	}
	c->kind = C_HEADER;
	for (size_t k = 0; k < G_N_ELEMENTS(virtuals); k++)
		if (strcmp(name, virtuals[k].name) == 0) {
			c->kind = virtuals[k].kind;
			if (c->kind == C_VIRTUAL) {
				c->name = g_strdup(virtuals[k].anomaly);
				c->vheader = g_strdup(name);
				c->encrypted = strcmp(name,
				    "ZIPPASSWORDPROTECTED") == 0;
			}
		}
	if (c->kind == C_HEADER) {
		if (!policy_header_name_ok(name)) {
			policy_parse_error(ps, "bad header field name '%s'",
			    name);
			return FALSE;
		}
		c->name = g_strdup(name);
	}
	return policy_regex_compile(ps, &c->pat, value, FALSE, TRUE);
}

static gboolean
is_virtual(const char *s)
{
	for (size_t k = 0; k < G_N_ELEMENTS(virtuals); k++)
		if (strcmp(s, virtuals[k].name) == 0)
			return TRUE;
	return strcmp(s, "ISSENSITIVEANDNOCRYPTO") == 0 ||
	    strcmp(s, "CRYPTODETAILS") == 0;
}

/* A filename rule of a Qmail-Scanner line: field 1 is matched against the
 * end of each filename (a glob when it holds * ? or [), field 2 is SIZE=n
 * (exact decoded size; -1 any) or 1.x's bare n. */
static gboolean
qs_filename_rule(struct parser *ps, struct rule *r, const char *what,
    const char *size)
{
	struct cond *c = &r->conds[0];
	gboolean glob = strpbrk(what, "*?[") != NULL, bare;
	gint64 n;

	if (glob) {
		if (!policy_glob_compile(ps, &c->pat, what))
			return FALSE;
	} else {
		if (strlen(what) > POLICY_PATTERN_MAX) {
			policy_parse_error(ps, "pattern longer than %d bytes",
			    POLICY_PATTERN_MAX);
			return FALSE;
		}
		c->pat.kind = PAT_SUFFIX;
		c->pat.text = g_strdup(what);
	}
	c->kind = C_FILENAME;
	r->n_conds = 1;
	bare = g_ascii_strncasecmp(size, "SIZE=", 5) != 0;
	if (!g_ascii_string_to_signed(bare ? size : size + 5, 10, -1,
	    G_MAXINT64, &n, NULL)) {
		policy_parse_error(ps, "field 2 of a filename line must be "
		    "SIZE=n (decoded bytes, -1 for any size)");
		return FALSE;
	}
	/* Q-S 1.x: with an extension or a wildcard the size is ignored. */
	if (n == -1 || (bare && (glob || what[0] == '.')))
		return TRUE;
	c = &r->conds[1];
	c->kind = C_SIZE;
	c->lo = c->hi = (uint64_t)n;
	r->n_conds = 2;
	return TRUE;
}

#define QS_FIELDS_MAX	4

/* Splits a line into its TAB-separated fields, stripped, into f (they
 * point into raw); runs of TABs are one.  Returns how many, or 0 after
 * reporting. */
static unsigned
qs_fields_split(struct parser *ps, char **raw, const char *f[QS_FIELDS_MAX])
{
	unsigned n = 0;

	for (unsigned k = 0; raw[k] != NULL; k++) {
		char *s = g_strstrip(raw[k]);

		if (s[0] == '\0')
			continue;
		if (n == QS_FIELDS_MAX) {
			policy_parse_error(ps, "more than four TAB-separated "
			    "fields");
			return 0;
		}
		f[n++] = s;
	}
	if (n < 3) {
		policy_parse_error(ps, "a Qmail-Scanner line needs three "
		    "TAB-separated fields: what, SIZE=n or value, description");
		return 0;
	}
	return n;
}

/* The condition of a line from its first two fields: a 1.x virus header
 * line, a header line, a virtual header line, else a filename line. */
static gboolean
qs_what_parse(struct parser *ps, struct rule *r, const char *field0,
    const char *field1)
{
	g_autofree char *what = g_strdup(field0);
	size_t len = strlen(what);

	if (g_ascii_strncasecmp(field1, "Virus-", 6) == 0 &&
	    field1[strlen(field1) - 1] == ':') {
		/* 1.x form: regex<TAB>Virus-Header:<TAB>description. */
		g_autofree char *name = g_strndup(field1 + 6,
		    strlen(field1) - 7);

		return qs_header_rule(ps, r, name, field0);
	}
	if (len > 1 && what[len - 1] == ':') {
		what[len - 1] = '\0';
		return qs_header_rule(ps, r, what, field1);
	}
	if (is_virtual(what))
		return qs_header_rule(ps, r, what, field1);
	return qs_filename_rule(ps, r, what, field1);
}

/* The optional fourth field: an action of the keyword grammar. */
static gboolean
qs_action_parse(struct parser *ps, struct rule *r, const char *field)
{
	g_autoptr(GArray) toks = policy_tokenize(ps, field);
	guint i = 0;

	if (toks == NULL || !policy_action_parse(ps, toks, &i, r))
		return FALSE;
	if (i < toks->len) {
		policy_parse_error(ps, "unexpected '%s' after the action",
		    TOK(toks, i)->text);
		return FALSE;
	}
	return TRUE;
}

void
policy_compat_line_parse(struct parser *ps, const char *line)
{
	g_auto(GStrv) raw = g_strsplit(line, "\t", -1);
	const char *f[QS_FIELDS_MAX];
	unsigned n;
	struct rule *r;

	if ((n = qs_fields_split(ps, raw, f)) == 0)
		return;
	r = g_new0(struct rule, 1);
	r->line = ps->line;
	r->conds = g_new0(struct cond, 2);
	r->action = POLICY_QUARANTINE;	/* Q-S's only meaning */
	r->name = g_strdup(f[0]);
	if (!policy_text_ok(ps, "description", f[2]))
		goto fail;
	r->reason = g_strdup(f[2]);
	if (!qs_what_parse(ps, r, f[0], f[1]))
		goto fail;
	if (n == QS_FIELDS_MAX && !qs_action_parse(ps, r, f[3]))
		goto fail;
	policy_rule_add(ps, r);
	return;
fail:
	policy_rule_free(r);
}
