/* policy: trusted, pure: the rules file's tokens: a keyword line split
 * into words, "strings" (two escapes) and /regex/flags, for the grammar
 * (policy_parse.c) and the action field of Qmail-Scanner lines. */
#include <string.h>

#include "policy_parse_internal.h"

static void
token_clear(gpointer data)
{
	g_free(((struct token *)data)->text);
}

/* A "string" from *sp (at its opening quote) into buf, *sp moved past
 * its closing quote.  FALSE after reporting. */
static gboolean
token_read_string(struct parser *ps, const char **sp, GString *buf)
{
	const char *s;

	for (s = *sp + 1; *s != '"'; s++) {
		if (*s == '\0') {
			policy_parse_error(ps, "unterminated \"string\"");
			return FALSE;
		}
		if (*s == '\\') {
			/* Only the two escapes a quoted text needs; anything
			 * else is a typo. */
			if (s[1] != '"' && s[1] != '\\') {
				policy_parse_error(ps, "unknown escape \\%c "
				    "in \"string\" (only \\\" and \\\\)",
				    s[1] ? s[1] : ' ');
				return FALSE;
			}
			s++;
		}
		g_string_append_c(buf, *s);
	}
	*sp = s + 1;
	return TRUE;
}

/* A /regex/flags from *sp (at its opening slash) into buf and t->flags,
 * *sp moved past the flags.  FALSE after reporting. */
static gboolean
token_read_regex(struct parser *ps, const char **sp, GString *buf,
    struct token *t)
{
	const char *s;

	/* Escapes stay as written: they are the regex's. */
	for (s = *sp + 1; *s != '/'; s++) {
		if (*s == '\0' || (*s == '\\' && s[1] == '\0')) {
			policy_parse_error(ps, "unterminated /regex/");
			return FALSE;
		}
		if (*s == '\\')
			g_string_append_c(buf, *s++);
		g_string_append_c(buf, *s);
	}
	s++;
	for (unsigned n = 0; g_ascii_isalpha(*s); s++) {
		if (*s != 'i' || n > 0) {
			policy_parse_error(ps, "unknown regex flag '%c' "
			    "(only i)", *s);
			return FALSE;
		}
		t->flags[n++] = *s;
	}
	*sp = s;
	return TRUE;
}

/* One token from *sp (not a blank), *sp moved past it.  FALSE after
 * reporting. */
static gboolean
token_read(struct parser *ps, const char **sp, GString *buf, struct token *t)
{
	const char *s = *sp;

	if (*s == '"') {
		t->kind = T_STRING;
		if (!token_read_string(ps, &s, buf))
			return FALSE;
	} else if (*s == '/') {
		t->kind = T_REGEX;
		if (!token_read_regex(ps, &s, buf, t))
			return FALSE;
	} else {
		t->kind = T_WORD;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			g_string_append_c(buf, *s++);
	}
	if (*s != '\0' && *s != ' ' && *s != '\t') {
		policy_parse_error(ps, "no space after a %s",
		    t->kind == T_STRING ? "\"string\"" : "/regex/");
		return FALSE;
	}
	*sp = s;
	return TRUE;
}

GArray *
policy_tokenize(struct parser *ps, const char *s)
{
	g_autoptr(GArray) toks = g_array_new(FALSE, TRUE, sizeof(struct token));

	g_array_set_clear_func(toks, token_clear);
	for (;;) {
		struct token t = { 0 };
		GString *buf;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		buf = g_string_new(NULL);
		if (!token_read(ps, &s, buf, &t)) {
			g_string_free(buf, TRUE);
			return NULL;
		}
		t.text = g_string_free(buf, FALSE);
		g_array_append_val(toks, t);
	}
	return g_steal_pointer(&toks);
}
