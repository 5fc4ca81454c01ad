/* broker: the spamd role's REC_SPAM decoded (hostile input, trusted
 * code), and what the broker writes of it: the X-Spam-* headers, the
 * summary's spam= field (docs/spam.md). */
#include <stdio.h>
#include <string.h>

#include "facts.h"
#include "spam_facts.h"

static int
refuse(struct scanner_decoder *d, const char *why)
{
	snprintf(d->error, sizeof(d->error), "%s (record type %d)", why,
	    REC_SPAM);
	return -1;
}

/* Rule names, comma-separated: at most SPAM_SYMBOLS_MAX, each of
 * 1 to SPAM_SYMBOL_LEN_MAX letters, digits and '_'. */
static int
symbols_ok(const char *s)
{
	unsigned n = 0;
	size_t len = 0;

	if (*s == '\0')
		return 1;
	for (;; s++) {
		if (*s == ',' || *s == '\0') {
			if (len == 0 || ++n > SPAM_SYMBOLS_MAX)
				return 0;
			if (*s == '\0')
				return 1;
			len = 0;
			continue;
		}
		if (!g_ascii_isalnum(*s) && *s != '_')
			return 0;
		if (++len > SPAM_SYMBOL_LEN_MAX)
			return 0;
	}
}

static unsigned
symbols_count(const char *s)
{
	unsigned n = *s != '\0';

	for (; *s; s++)
		n += *s == ',';
	return n;
}

int
spam_decode(struct scanner_decoder *d, struct rec_reader *r)
{
	struct spam_fact *f = d->res->spam;
	uint32_t score, threshold;
	uint16_t named;
	uint8_t status;

	if (f == NULL)
		return refuse(d, "no spam fact expected");
	if (d->res->spam_seen || d->res->verdicts->len != 0 ||
	    d->n_parts != 1)
		return refuse(d, "spam fact twice or after the verdict");
	rec_get_u8(r, &status);
	rec_get_u32(r, &score);
	rec_get_u32(r, &threshold);
	rec_get_u16(r, &named);
	rec_get_str(r, f->symbols, sizeof(f->symbols));
	rec_get_str(r, f->why, sizeof(f->why));
	if (rec_end(r) || status > SPAM_STATUS_MAX || !symbols_ok(f->symbols))
		return refuse(d, "malformed spam fact");
	if ((status == SPAM_FAILED) != (f->why[0] != '\0'))
		return refuse(d, "a failed spam check says why, no other does");
	if (status == SPAM_FAILED && (score != 0 || threshold != 0 ||
	    named != 0 || f->symbols[0] != '\0'))
		return refuse(d, "a score for a failed spam check");
	if (named < symbols_count(f->symbols))
		return refuse(d, "fewer symbols named than kept");
	/* |score| below 10^6 points: what spamd_reply.c lets through. */
	if ((int32_t)score <= -1000000000 || (int32_t)score >= 1000000000 ||
	    (int32_t)threshold <= -1000000000 ||
	    (int32_t)threshold >= 1000000000)
		return refuse(d, "score out of range");
	f->status = status;
	f->score_milli = (int32_t)score;
	f->threshold_milli = (int32_t)threshold;
	f->n_symbols = named;
	f->state = status == SPAM_FAILED ? SPAM_FACT_FAILED :
	    SPAM_FACT_SCORED;
	d->res->spam_seen = 1;
	return 0;
}

void
spam_score_text(int32_t milli, char *out, size_t outsz)
{
	int32_t a = milli < 0 ? -milli : milli;

	/* SpamAssassin's own form: one decimal, rounded half away. */
	a = (a + 50) / 100;
	snprintf(out, outsz, "%s%d.%d", milli < 0 && a != 0 ? "-" : "",
	    (int)(a / 10), (int)(a % 10));
}

/* The symbols, folded after a comma before a line passes 78
 * characters (RFC 5322's advice; each name is at most 100). */
static void
spam_append_symbols(GString *h, const char *symbols)
{
	const char *line = strrchr(h->str, '\n');
	size_t col = h->len - (line != NULL ? (size_t)(line + 1 - h->str) : 0);

	if (*symbols == '\0') {
		g_string_append(h, "none\n");
		return;
	}
	while (*symbols) {
		size_t n = strcspn(symbols, ",");

		if (col + n + 1 > 78 && col > 1) {
			g_string_append(h, "\n\t");
			col = 1;
		}
		g_string_append_len(h, symbols, (gssize)n);
		col += n;
		symbols += n;
		if (*symbols == ',') {
			g_string_append_c(h, ',');
			col++;
			symbols++;
		}
	}
	g_string_append_c(h, '\n');
}

char *
spam_headers(const struct qscan_config *cfg, const struct spam_fact *f)
{
	char score[32], req[32];
	GString *h = g_string_new(NULL);

	if (f->state == SPAM_FACT_FAILED) {
		g_string_append_printf(h, "%s: unknown\n",
		    cfg->spamd_status_header);
		return g_string_free(h, FALSE);
	}
	if (f->state != SPAM_FACT_SCORED)
		return g_string_free(h, FALSE);
	spam_score_text(f->score_milli, score, sizeof(score));
	spam_score_text(f->threshold_milli, req, sizeof(req));
	if (f->status == SPAM_YES)
		g_string_append_printf(h, "%s: YES\n", cfg->spamd_flag_header);
	g_string_append_printf(h, "%s: %s, score=%s required=%s tests=",
	    cfg->spamd_status_header, f->status == SPAM_YES ? "Yes" : "No",
	    score, req);
	spam_append_symbols(h, f->symbols);
	/* One star per whole point, as SpamAssassin; at most 50. */
	if (f->score_milli >= 1000) {
		int stars = f->score_milli / 1000 > 50 ? 50 :
		    f->score_milli / 1000;

		g_string_append_printf(h, "%s: ", cfg->spamd_level_header);
		for (int i = 0; i < stars; i++)
			g_string_append_c(h, '*');
		g_string_append_c(h, '\n');
	}
	return g_string_free(h, FALSE);
}

char *
spam_summary(const struct spam_fact *f)
{
	char score[32], req[32];

	switch (f->state) {
	case SPAM_FACT_SCORED:
		spam_score_text(f->score_milli, score, sizeof(score));
		spam_score_text(f->threshold_milli, req, sizeof(req));
		return g_strdup_printf("spam=%s score=%s/%s",
		    f->status == SPAM_YES ? "yes" : "no", score, req);
	case SPAM_FACT_SKIPPED:
		return g_strdup_printf("spam=skipped:%s", f->why);
	case SPAM_FACT_FAILED:
		return g_strdup("spam=unknown");
	case SPAM_FACT_NOT_RUN:
	default:
		return g_strdup("");
	}
}
