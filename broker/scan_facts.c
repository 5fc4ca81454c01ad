/* broker: decoder for the scanner roles' records; hostile input, trusted
 * code.  Order: HELLO, ENGINE, then exactly one VERDICT per request in
 * request order, then END. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"

enum { ST_WANT_HELLO, ST_WANT_ENGINE, ST_VERDICTS, ST_DONE };

/* Engine names and versions are short; a longer one is a lie. */
#define ENGINE_STR_MAX 256

static void
verdict_fact_clear(gpointer p)
{
	g_free(((struct verdict_fact *)p)->name);
}

void
scanner_result_init(struct scanner_result *r, enum role_id role)
{
	memset(r, 0, sizeof(*r));
	r->role = role;
	r->verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict_fact));
	g_array_set_clear_func(r->verdicts, verdict_fact_clear);
}

void
scanner_result_clear(struct scanner_result *r)
{
	g_clear_pointer(&r->engine, g_free);
	g_clear_pointer(&r->version, g_free);
	g_clear_pointer(&r->database, g_free);
	g_clear_pointer(&r->verdicts, g_array_unref);
}

void
scanner_decoder_init(struct scanner_decoder *d, struct scanner_result *r,
    const uint32_t *parts, uint32_t n_parts)
{
	memset(d, 0, sizeof(*d));
	d->res = r;
	d->parts = parts;
	d->n_parts = n_parts;
	d->state = ST_WANT_HELLO;
}

int
scanner_decoder_done(const struct scanner_decoder *d)
{
	return d->state == ST_DONE;
}

static int
refuse(struct scanner_decoder *d, const char *why, int type)
{
	snprintf(d->error, sizeof(d->error), "%s (record type %d)", why, type);
	return -1;
}

static int
decode_hello(struct scanner_decoder *d, struct rec_reader *r)
{
	if (rec_get_hello(r, d->res->role) != 0)
		return refuse(d, "bad hello", REC_HELLO);
	d->state = ST_WANT_ENGINE;
	return 0;
}

/* Engine names and versions go into the trace header of every copy:
 * only the characters a version needs. */
static int
engine_str_ok(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr(" ._+/:-", *s))
			return 0;
	return 1;
}

static int
decode_engine(struct scanner_decoder *d, struct rec_reader *r)
{
	char engine[ENGINE_STR_MAX + 1], version[ENGINE_STR_MAX + 1];
	char database[ENGINE_STR_MAX + 1];

	rec_get_str(r, engine, sizeof(engine));
	rec_get_str(r, version, sizeof(version));
	rec_get_str(r, database, sizeof(database));
	if (rec_end(r) || engine[0] == '\0' || !engine_str_ok(engine) ||
	    !engine_str_ok(version) || !engine_str_ok(database))
		return refuse(d, "malformed engine", REC_ENGINE);
	d->res->engine = g_strdup(engine);
	d->res->version = g_strdup(version);
	d->res->database = g_strdup(database);
	d->state = ST_VERDICTS;
	return 0;
}

static int
decode_verdict(struct scanner_decoder *d, struct rec_reader *r)
{
	g_autofree char *name = g_malloc(RECORD_STR_MAX + 1);
	struct verdict_fact v;
	uint32_t part;
	uint8_t result;
	guint got = d->res->verdicts->len;

	rec_get_u32(r, &part);
	rec_get_u8(r, &result);
	rec_get_str(r, name, RECORD_STR_MAX + 1);
	if (rec_end(r) || result > SCAN_RESULT_MAX)
		return refuse(d, "malformed verdict", REC_VERDICT);
	if (got >= d->n_parts || d->parts[got] != part)
		return refuse(d, "verdict for a part not asked for, or out of "
		    "order", REC_VERDICT);
	if (result == SCAN_VIRUS && name[0] == '\0')
		return refuse(d, "virus without a name", REC_VERDICT);
	v.part = part;
	v.result = result;
	v.name = g_steal_pointer(&name);
	g_array_append_val(d->res->verdicts, v);
	return 0;
}

static int
decode_end(struct scanner_decoder *d, struct rec_reader *r)
{
	uint32_t verdicts, zero;

	rec_get_u32(r, &verdicts);
	rec_get_u32(r, &zero);
	if (rec_end(r) || zero != 0 || verdicts != d->n_parts ||
	    d->res->verdicts->len != d->n_parts)
		return refuse(d, "end before every part had its verdict",
		    REC_END);
	d->state = ST_DONE;
	return 0;
}

int
scanner_decoder_feed(struct scanner_decoder *d, const uint8_t *buf,
    size_t len, int fd)
{
	struct rec_reader r;
	int type = rec_open(&r, buf, len), rc;

	if (fd >= 0) {
		close(fd);	/* scanners never send descriptors */
		return refuse(d, "descriptor from a scanner", type);
	}
	if (type < 0)
		return refuse(d, "bad record header", 0);
	switch (d->state) {
	case ST_WANT_HELLO:
		rc = type == REC_HELLO ? decode_hello(d, &r) :
		    refuse(d, "first record is not hello", type);
		break;
	case ST_WANT_ENGINE:
		rc = type == REC_ENGINE ? decode_engine(d, &r) :
		    refuse(d, "second record is not engine", type);
		break;
	case ST_VERDICTS:
		rc = type == REC_VERDICT ? decode_verdict(d, &r) :
		    type == REC_END ? decode_end(d, &r) :
		    refuse(d, "record type not allowed for a scanner", type);
		break;
	case ST_DONE:
	default:
		rc = refuse(d, "record after end", type);
		break;
	}
	return rc;
}
