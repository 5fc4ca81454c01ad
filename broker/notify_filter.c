/* broker: who may be told about a message (notify.h): the --notify
 * words, the addresses we write, the senders and the list mail never
 * told, the forged-sender list; pure but for reading that list, trusted,
 * its inputs the message's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "notify.h"

const char *
notify_audience_name(enum notify_audience a)
{
	switch (a) {
	case NOTIFY_TO_SENDER:	return "sender";
	case NOTIFY_TO_RECIPS:	return "recips";
	case NOTIFY_TO_ADMIN:	return "admin";
	default:		return "unknown";
	}
}

int
notify_who_parse(const char *value, unsigned *who, const char **why)
{
	g_auto(GStrv) words = g_strsplit(value, ",", -1);
	unsigned bits = 0, n = 0;
	int none = 0;

	for (unsigned i = 0; words[i] != NULL; i++, n++) {
		const char *w = g_strstrip(words[i]);

		if (strcmp(w, "sender") == 0)
			bits |= NOTIFY_SENDER;
		else if (strcmp(w, "psender") == 0)
			bits |= NOTIFY_PSENDER;
		else if (strcmp(w, "recips") == 0)
			bits |= NOTIFY_RECIPS;
		else if (strcmp(w, "admin") == 0)
			bits |= NOTIFY_ADMIN;
		else if (strcmp(w, "none") == 0)
			none = 1;
		else {
			*why = "takes a comma list of sender, psender, recips, "
			    "admin, or none";
			return -1;
		}
	}
	if (n == 0 || (none && n > 1)) {
		*why = "takes a comma list of sender, psender, recips, admin, "
		    "or none alone";
		return -1;
	}
	*who = bits;
	return 0;
}

int
notify_address_ok(const char *a)
{
	size_t n = strnlen(a, NOTIFY_ADDRESS_MAX + 1);
	const char *at = strrchr(a, '@');

	if (n == 0 || n > NOTIFY_ADDRESS_MAX || at == NULL || at == a ||
	    at[1] == '\0')
		return 0;
	for (const char *p = a; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	return 1;
}

int
notify_language_ok(const char *l)
{
	size_t n = strlen(l);

	if (n == 0 || n > 16)
		return 0;
	for (; *l; l++)
		if (!g_ascii_isalnum(*l) && *l != '_' && *l != '-')
			return 0;
	return 1;
}

const char *
notify_sender_refused(const char *sender)
{
	g_autofree char *local = NULL;
	const char *at;

	if (sender == NULL || sender[0] == '\0')
		return "null sender";
	/* qmail-send's bounce of a bounce has "#@[]" as its sender. */
	if (strcmp(sender, "#@[]") == 0)
		return "null sender";
	if (!notify_address_ok(sender))
		return "sender not a plain address";
	at = strrchr(sender, '@');
	local = g_ascii_strdown(sender, at - sender);
	if (strcmp(local, "mailer-daemon") == 0)
		return "MAILER-DAEMON sender";
	if (strcmp(local, "postmaster") == 0)
		return "postmaster sender";
	if (g_str_has_prefix(local, "bounce"))
		return "bounce sender";
	if (g_str_has_prefix(local, "owner-") || g_str_has_suffix(local,
	    "-owner"))
		return "list owner sender";
	if (g_str_has_suffix(local, "-request"))
		return "list request sender";
	return NULL;
}

/* The value's first word, lowered: "bulk", "auto-replied". */
static int
first_word_is(const char *value, const char *const *words)
{
	char w[32];
	size_t n = 0;

	while (*value == ' ' || *value == '\t')
		value++;
	while (*value && n < sizeof(w) - 1 && (g_ascii_isalnum(*value) ||
	    *value == '-'))
		w[n++] = g_ascii_tolower(*value++);
	w[n] = '\0';
	for (unsigned i = 0; words[i] != NULL; i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

const char *
notify_list_mail(const GPtrArray *fields)
{
	static const char *const bulk[] = { "bulk", "list", "junk", NULL };
	static const char *const no[] = { "no", NULL };

	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const struct header_field_fact *h = fields->pdata[i];

		if (h->part != REC_NO_PARENT)
			continue;
		if (g_ascii_strcasecmp(h->name, "List-Id") == 0)
			return "mailing-list mail (List-Id)";
		if (g_ascii_strcasecmp(h->name, "Precedence") == 0 &&
		    first_word_is(h->value, bulk))
			return "bulk mail (Precedence)";
		if (g_ascii_strcasecmp(h->name, "Auto-Submitted") == 0 &&
		    !first_word_is(h->value, no))
			return "automatic mail (Auto-Submitted)";
	}
	return NULL;
}

GPtrArray *
notify_forged_load(const char *path, char **why)
{
	g_autoptr(GPtrArray) pats = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > NOTIFY_FORGED_FILE_MAX) {
		*why = g_strdup_printf("forged_senders %s: %s", path, fd < 0 ?
		    g_strerror(errno) : "not a regular file of at most 256 KiB");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	text = g_malloc((size_t)st.st_size + 1);
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size || memchr(text, '\0', (size_t)n) != NULL) {
		*why = g_strdup_printf("forged_senders %s: cannot read it "
		    "whole, or not text", path);
		return NULL;
	}
	text[n] = '\0';
	lines = g_strsplit(text, "\n", NOTIFY_FORGED_LINES_MAX + 1);
	for (unsigned i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(lines[i]);

		if (i == NOTIFY_FORGED_LINES_MAX) {
			*why = g_strdup_printf("forged_senders %s: more than "
			    "%u lines", path, NOTIFY_FORGED_LINES_MAX);
			return NULL;
		}
		if (l[0] == '\0' || l[0] == '#')
			continue;
		g_ptr_array_add(pats, g_ascii_strdown(l, -1));
	}
	return g_steal_pointer(&pats);
}

char *
notify_forged_match(const GPtrArray *patterns, const char *names)
{
	g_auto(GStrv) each = g_strsplit(names ? names : "", ",", -1);

	for (unsigned i = 0; each[i] != NULL; i++) {
		g_autofree char *low = g_ascii_strdown(g_strstrip(each[i]), -1);

		if (low[0] == '\0')
			continue;
		for (guint p = 0; patterns != NULL && p < patterns->len; p++)
			if (g_pattern_match_simple(patterns->pdata[p], low))
				return g_strdup(each[i]);
	}
	return NULL;
}
