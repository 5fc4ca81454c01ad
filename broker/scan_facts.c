/* broker: decoder for the scanner roles' records; hostile input, trusted
 * code.  Order: HELLO, ENGINE, then exactly one VERDICT per request in
 * request order, then END.  Verdict names are kept at their length in the
 * result's arena, within SCANNER_STRING_BYTES_MAX: they come from the
 * engine, so more is the scanner's lie and fails it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"

enum { ST_WANT_HELLO, ST_WANT_ENGINE, ST_VERDICTS, ST_DONE };

/* Engine names and versions are short; a longer one is a lie. */
#define ENGINE_STR_MAX 256
/* Arena blocks: most verdicts are clean and nameless. */
#define SCANNER_ARENA_BLOCK 4096

void
scanner_result_init(struct scanner_result *r, enum role_id role)
{
	memset(r, 0, sizeof(*r));
	r->role = role;
	r->verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict_fact));
	r->reputations = g_array_new(FALSE, TRUE,
	    sizeof(struct hash_rep_fact));
	r->strings = g_string_chunk_new(SCANNER_ARENA_BLOCK);
}

void
scanner_result_clear(struct scanner_result *r)
{
	g_clear_pointer(&r->engine, g_free);
	g_clear_pointer(&r->version, g_free);
	g_clear_pointer(&r->database, g_free);
	g_clear_pointer(&r->verdicts, g_array_unref);
	g_clear_pointer(&r->reputations, g_array_unref);
	g_clear_pointer(&r->strings, g_string_chunk_free);
	r->string_bytes = 0;
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

/* Only lowercase hex digits, exactly 64 of them. */
static int
sha256_hex_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!g_ascii_isdigit(s[n]) && (s[n] < 'a' || s[n] > 'f'))
			return 0;
	return n == HASH_SHA256_HEX_LEN;
}

/* The mhr role's fact for the part whose verdict comes next: exactly one
 * before each verdict, consistent in itself. */
static int
decode_reputation(struct scanner_decoder *d, struct rec_reader *r)
{
	char sha[HASH_SHA256_HEX_LEN + 2], why[RECORD_STR_MAX + 1];
	struct hash_rep_fact f;
	guint got = d->res->verdicts->len;
	size_t len;

	memset(&f, 0, sizeof(f));
	rec_get_u32(r, &f.part);
	rec_get_u8(r, &f.status);
	rec_get_u8(r, &f.kind);
	rec_get_u8(r, &f.percent);
	rec_get_u64(r, &f.last_seen);
	rec_get_str(r, sha, sizeof(sha));
	rec_get_str(r, why, sizeof(why));
	if (rec_end(r) || f.status > HASH_REP_STATUS_MAX ||
	    f.kind > HASH_KIND_MAX || f.percent > 100 || !sha256_hex_ok(sha))
		return refuse(d, "malformed hash reputation",
		    REC_HASH_REPUTATION);
	if (f.status != HASH_REP_LISTED && (f.percent != 0 ||
	    f.last_seen != 0))
		return refuse(d, "percent or last seen for an unlisted part",
		    REC_HASH_REPUTATION);
	if ((f.status == HASH_REP_SKIPPED) != (why[0] != '\0'))
		return refuse(d, "a skipped lookup says why, no other does",
		    REC_HASH_REPUTATION);
	if (d->res->reputations->len != got || got >= d->n_parts ||
	    d->parts[got] != f.part)
		return refuse(d, "hash reputation for a part not asked for, "
		    "twice, or out of order", REC_HASH_REPUTATION);
	len = strlen(why);
	if (len > 0 && len + 1 > SCANNER_STRING_BYTES_MAX - d->res->string_bytes)
		return refuse(d, "texts over the budget", REC_HASH_REPUTATION);
	d->res->string_bytes += len > 0 ? len + 1 : 0;
	memcpy(f.sha256, sha, sizeof(f.sha256));
	f.why = len == 0 ? g_string_chunk_insert_const(d->res->strings, "") :
	    g_string_chunk_insert_len(d->res->strings, why, (gssize)len);
	g_array_append_val(d->res->reputations, f);
	return 0;
}

static int
decode_verdict(struct scanner_decoder *d, struct rec_reader *r)
{
	char name[RECORD_STR_MAX + 1];
	size_t len;
	struct verdict_fact v;
	uint32_t part;
	uint8_t result;
	guint got = d->res->verdicts->len;

	rec_get_u32(r, &part);
	rec_get_u8(r, &result);
	rec_get_str(r, name, sizeof(name));
	if (rec_end(r) || result > SCAN_RESULT_MAX)
		return refuse(d, "malformed verdict", REC_VERDICT);
	if (got >= d->n_parts || d->parts[got] != part)
		return refuse(d, "verdict for a part not asked for, or out of "
		    "order", REC_VERDICT);
	/* mhr reports facts: its verdicts are clean (the broker decides)
	 * or an error, each after the part's reputation. */
	/* spamd reports one fact, just before its one clean verdict. */
	if (d->res->role == ROLE_SPAMD && (result != SCAN_CLEAN ||
	    !d->res->spam_seen))
		return refuse(d, "spamd verdict without its spam fact, or "
		    "not clean", REC_VERDICT);
	if (d->res->role == ROLE_MHR && (result == SCAN_VIRUS ||
	    result == SCAN_LIMIT))
		return refuse(d, "mhr decides nothing", REC_VERDICT);
	if (d->res->role == ROLE_MHR && result == SCAN_CLEAN &&
	    d->res->reputations->len != got + 1)
		return refuse(d, "mhr verdict without its hash reputation",
		    REC_VERDICT);
	if (d->res->role == ROLE_MHR && result == SCAN_ERROR &&
	    d->res->reputations->len != got)
		return refuse(d, "mhr error after a hash reputation",
		    REC_VERDICT);
	if (result == SCAN_VIRUS && name[0] == '\0')
		return refuse(d, "virus without a name", REC_VERDICT);
	len = strlen(name);	/* no NUL inside: the received length */
	if (len > 0 && len + 1 > SCANNER_STRING_BYTES_MAX - d->res->string_bytes)
		return refuse(d, "verdict names over the budget", REC_VERDICT);
	d->res->string_bytes += len > 0 ? len + 1 : 0;
	v.part = part;
	v.result = result;
	/* A clean verdict has no name: one shared "". */
	v.name = len == 0 ? g_string_chunk_insert_const(d->res->strings, "") :
	    g_string_chunk_insert_len(d->res->strings, name, (gssize)len);
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
		    type == REC_HASH_REPUTATION && d->res->role == ROLE_MHR ?
		    decode_reputation(d, &r) :
		    type == REC_SPAM && d->res->role == ROLE_SPAMD ?
		    spam_decode(d, &r) :
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
