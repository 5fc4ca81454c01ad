/* policy: trusted, pure: facts in, decision out; loading and freeing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_PASS:	return "pass";
	case POLICY_MONITOR:	return "monitor";
	case POLICY_TAG:	return "tag";
	case POLICY_QUARANTINE:	return "quarantine";
	case POLICY_DROP:	return "drop";
	case POLICY_TEMPFAIL:	return "tempfail";
	case POLICY_REJECT:	return "reject";
	default:		return "unknown";
	}
}

gboolean
policy_action_is_terminal(enum policy_action a)
{
	return a != POLICY_TAG && a != POLICY_MONITOR;
}

void
policy_rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->n_conds; i++) {
		struct cond *c = &r->conds[i];

		g_free(c->pat.text);
		if (c->pat.re != NULL)
			g_regex_unref(c->pat.re);
		g_free(c->name);
		g_free(c->vheader);
		g_free(c->nets);
	}
	g_free(r->conds);
	g_free(r->name);
	g_free(r->reason);
	g_free(r->text);
	g_free(r);
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	g_ptr_array_unref(p->rules);
	g_free(p->name);
	g_free(p);
}

size_t
policy_rule_count(const struct policy *p)
{
	return p->rules->len;
}

static struct policy *
policy_load_from(const char *name, const char *canonical, const char *text,
    size_t len, policy_read_fn read_include, GPtrArray *errors)
{
	struct policy *p = g_new0(struct policy, 1);
	guint before = errors->len;

	p->name = g_strdup(name);
	p->rules = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)policy_rule_free);
	if (len > POLICY_FILE_MAX || memchr(text, '\0', len) != NULL)
		g_ptr_array_add(errors, g_strdup_printf(
		    "%s:0: too large or not text", name));
	else
		policy_parse_text(p, name, canonical, text, len, read_include,
		    errors);
	if (errors->len != before) {
		/* A half-loaded policy would pass what the admin meant to
		 * stop: any error refuses the whole file. */
		policy_free(p);
		return NULL;
	}
	return p;
}

struct policy *
policy_load_text(const char *name, const char *text, size_t len,
    GPtrArray *errors)
{
	return policy_load_from(name, name, text, len, NULL, errors);
}

/* An included file, for the parser (policy_read_fn): the I/O of an
 * include is here, so the parser stays pure. */
static char *
read_rules_file(const char *path, size_t *len, char **canonical, char **why)
{
	g_autoptr(GError) err = NULL;
	char *text = NULL, *real;
	gsize n;

	if (!g_file_get_contents(path, &text, &n, &err)) {
		*why = g_strdup_printf("cannot read: %s", err->message);
		return NULL;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		*why = g_strdup_printf("cannot resolve: %s", strerror(errno));
		g_free(text);
		return NULL;
	}
	*canonical = g_strdup(real);
	free(real);
	*len = n;
	return text;
}

struct policy *
policy_load(const char *path, GPtrArray *errors)
{
	g_autofree char *text = NULL, *canonical = NULL, *why = NULL;
	size_t len;

	if ((text = read_rules_file(path, &len, &canonical, &why)) == NULL) {
		g_ptr_array_add(errors, g_strdup_printf("%s:0: %s", path,
		    why));
		return NULL;
	}
	return policy_load_from(path, canonical, text, len, read_rules_file,
	    errors);
}
