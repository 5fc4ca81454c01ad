/* broker: decoder for the unpack role's records; hostile input, trusted code.
 *
 * Order: HELLO, then the records in the order part_order.h writes down,
 * then END; at most HEADER_FIELDS_MAX header fields in all.  PART indexes run 0, 1, 2...; a parent is an earlier part; a
 * FILENAME or CONTENT names an existing part; CONTENT comes at most once
 * per part, with a sealed memfd of exactly the declared size.
 *
 * Memory: every string is kept at its received length in the message's
 * arena (facts.h), and all of them together within FACTS_STRING_BYTES_MAX.
 * Going over it is a content limit, not the role's fault: an honest role
 * on absurd but real content gets there (a tar.gz of 10 000 members whose
 * names are 4 KiB long is a few KB of mail), and such a message deserves
 * a verdict, not a tempfail retried for days.  A lying role gains nothing
 * by it: it could send any limit anomaly itself.  So past the budget the
 * records are checked as before, parts and their content are kept (AV
 * still scans every part), their strings are kept empty rather than cut
 * (a cut "invoice.pdf.exe" would read as a PDF), and the message gets one
 * ANOM_LIMIT_FACT_BYTES from the broker: verdict limits. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "qscan_limits.h"

enum { ST_WANT_HELLO, ST_BODY, ST_DONE };

#define SEALS_REQUIRED (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

/* Block size of the strings arena (GStringChunk rounds it up to a power
 * of two).  A string that does not fit the rest of a block opens a new one
 * and leaves that rest unused: with blocks of 16 strings of RECORD_STR_MAX
 * about 1/16 at most is lost that way. */
#define FACTS_ARENA_BLOCK	(16 * RECORD_STR_MAX)

static void
part_fact_free(gpointer p)
{
	struct part_fact *pf = p;

	/* The strings are the arena's. */
	g_ptr_array_unref(pf->filenames);
	g_array_unref(pf->filename_sources);
	if (pf->content_fd >= 0)
		close(pf->content_fd);
	g_free(pf);
}

void
message_facts_init(struct message_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->strings = g_string_chunk_new(FACTS_ARENA_BLOCK);
	f->parts = g_ptr_array_new_with_free_func(part_fact_free);
	f->anomalies = g_array_new(FALSE, TRUE, sizeof(struct anomaly_fact));
	f->header_fields = g_ptr_array_new_with_free_func(g_free);
}

void
message_facts_clear(struct message_facts *f)
{
	g_clear_pointer(&f->parts, g_ptr_array_unref);
	g_clear_pointer(&f->anomalies, g_array_unref);
	g_clear_pointer(&f->header_fields, g_ptr_array_unref);
	for (int i = 0; i <= HDR_FACT_MAX; i++)
		f->headers[i] = NULL;
	g_clear_pointer(&f->strings, g_string_chunk_free);
	f->string_bytes = 0;
}

const struct anomaly_fact *
message_facts_limit(const struct message_facts *f)
{
	for (guint i = 0; f->anomalies && i < f->anomalies->len; i++) {
		const struct anomaly_fact *a =
		    &g_array_index(f->anomalies, struct anomaly_fact, i);
		if (anomaly_is_limit(a->code))
			return a;
	}
	return NULL;
}

void
unpack_decoder_init(struct unpack_decoder *d, struct message_facts *f,
    unsigned max_parts, uint64_t max_decoded)
{
	memset(d, 0, sizeof(*d));
	d->facts = f;
	d->state = ST_WANT_HELLO;
	d->max_parts = max_parts;
	d->max_decoded = max_decoded;
	part_order_init(&d->order);
}

int
unpack_decoder_done(const struct unpack_decoder *d)
{
	return d->state == ST_DONE;
}

static int
refuse(struct unpack_decoder *d, const char *why, unsigned type)
{
	snprintf(d->error, sizeof(d->error), "%s (record type %u)", why, type);
	return -1;
}

/* The first string past the budget: one limit anomaly of the broker's
 * own, message-wide, not counted with the role's (END counts those). */
static void
facts_over_budget(struct unpack_decoder *d)
{
	char detail[64];
	struct anomaly_fact a;

	d->over_budget = 1;
	snprintf(detail, sizeof(detail), "facts over %u bytes of text",
	    FACTS_STRING_BYTES_MAX);
	a.part = REC_NO_PARENT;
	a.code = ANOM_LIMIT_FACT_BYTES;
	a.detail = g_string_chunk_insert(d->facts->strings, detail);
	g_array_append_val(d->facts->anomalies, a);
}

/* s (as rec_get_str gives it: no NUL inside, so strlen is its received
 * length), kept at its length in the arena and charged to the budget;
 * "" (shared) when empty or past the budget. */
static char *
keep_str(struct unpack_decoder *d, const char *s)
{
	struct message_facts *f = d->facts;
	size_t len = strlen(s);

	if (len > 0 && !d->over_budget &&
	    len + 1 > FACTS_STRING_BYTES_MAX - f->string_bytes)
		facts_over_budget(d);
	if (len == 0 || d->over_budget)
		return g_string_chunk_insert_const(f->strings, "");
	f->string_bytes += len + 1;
	return g_string_chunk_insert_len(f->strings, s, (gssize)len);
}

static struct part_fact *
known_part(struct unpack_decoder *d, uint32_t index)
{
	if (index >= d->facts->parts->len)
		return NULL;
	return g_ptr_array_index(d->facts->parts, index);
}

static int
decode_hello(struct unpack_decoder *d, struct rec_reader *r)
{
	if (rec_get_hello(r, ROLE_UNPACK) != 0)
		return refuse(d, "bad hello", REC_HELLO);
	d->state = ST_BODY;
	return 0;
}

static int
decode_part(struct unpack_decoder *d, struct rec_reader *r)
{
	/* Read whole before anything is kept; the stack, not the heap. */
	char path[RECORD_STR_MAX + 1], ctype[RECORD_STR_MAX + 1];
	char charset[RECORD_STR_MAX + 1], enc[RECORD_STR_MAX + 1];
	char detected[RECORD_STR_MAX + 1];
	struct part_fact *pf;
	uint32_t index, parent;
	uint16_t depth, kind, flags;
	uint64_t size;

	rec_get_u32(r, &index);
	rec_get_u32(r, &parent);
	rec_get_u16(r, &depth);
	rec_get_u16(r, &kind);
	rec_get_u16(r, &flags);
	rec_get_u64(r, &size);
	rec_get_str(r, path, sizeof(path));
	rec_get_str(r, ctype, sizeof(ctype));
	rec_get_str(r, charset, sizeof(charset));
	rec_get_str(r, enc, sizeof(enc));
	rec_get_str(r, detected, sizeof(detected));
	if (rec_end(r))
		return refuse(d, "malformed part", REC_PART);
	if (index != d->facts->parts->len)
		return refuse(d, "part out of order", REC_PART);
	if (index >= d->max_parts)
		return refuse(d, "more parts than allowed", REC_PART);
	if (kind > PART_KIND_MAX)
		return refuse(d, "unknown part kind", REC_PART);
	if ((flags & ~PART_FLAGS_KNOWN) != 0)
		return refuse(d, "reserved part flag set", REC_PART);
	if (parent == REC_NO_PARENT ? depth != 0 :
	    (parent >= index || depth != ((struct part_fact *)
	    g_ptr_array_index(d->facts->parts, parent))->depth + 1))
		return refuse(d, "inconsistent parent or depth", REC_PART);
	pf = g_new0(struct part_fact, 1);
	pf->index = index;
	pf->parent = parent;
	pf->depth = depth;
	pf->kind = kind;
	pf->flags = flags;
	pf->size = size;
	pf->path = keep_str(d, path);
	pf->content_type = keep_str(d, ctype);
	pf->charset = keep_str(d, charset);
	pf->encoding = keep_str(d, enc);
	pf->detected_type = keep_str(d, detected);
	pf->filenames = g_ptr_array_new();
	pf->filename_sources = g_array_new(FALSE, FALSE, sizeof(uint8_t));
	pf->content_fd = -1;
	g_ptr_array_add(d->facts->parts, pf);
	return 0;
}

static int
decode_filename(struct unpack_decoder *d, struct rec_reader *r)
{
	char name[RECORD_STR_MAX + 1];
	struct part_fact *pf;
	uint32_t part;
	uint8_t source;

	rec_get_u32(r, &part);
	rec_get_u8(r, &source);
	rec_get_str(r, name, sizeof(name));
	if (rec_end(r) || source > FN_SOURCE_MAX)
		return refuse(d, "malformed filename", REC_FILENAME);
	if ((pf = known_part(d, part)) == NULL)
		return refuse(d, "filename for unknown part", REC_FILENAME);
	if (pf->filenames->len >= PART_FILENAMES_MAX)
		return refuse(d, "too many filenames", REC_FILENAME);
	g_ptr_array_add(pf->filenames, keep_str(d, name));
	g_array_append_val(pf->filename_sources, source);
	return 0;
}

static int
decode_header(struct unpack_decoder *d, struct rec_reader *r)
{
	char value[HEADER_VALUE_MAX + 1];
	uint8_t which;

	rec_get_u8(r, &which);
	rec_get_str(r, value, sizeof(value));
	if (rec_end(r) || which > HDR_FACT_MAX)
		return refuse(d, "malformed header", REC_HEADER);
	if (d->facts->headers[which] != NULL)
		return refuse(d, "header fact repeated", REC_HEADER);
	d->facts->headers[which] = keep_str(d, value);
	return 0;
}

static int
decode_header_field(struct unpack_decoder *d, struct rec_reader *r)
{
	char name[RECORD_STR_MAX + 1], value[HEADER_VALUE_MAX + 1];
	struct header_field_fact *h;
	uint32_t part;

	rec_get_u32(r, &part);
	rec_get_str(r, name, sizeof(name));
	rec_get_str(r, value, sizeof(value));
	if (rec_end(r) || name[0] == '\0')
		return refuse(d, "malformed header field", REC_HEADER_FIELD);
	if (part == REC_NO_PARENT ? d->facts->parts->len != 0 :
	    known_part(d, part) == NULL)
		return refuse(d, "header field out of order or for an unknown "
		    "part", REC_HEADER_FIELD);
	if (d->facts->header_fields->len >= HEADER_FIELDS_MAX)
		return refuse(d, "too many header fields", REC_HEADER_FIELD);
	h = g_new0(struct header_field_fact, 1);
	h->part = part;
	h->name = keep_str(d, name);
	h->value = keep_str(d, value);
	g_ptr_array_add(d->facts->header_fields, h);
	return 0;
}

static int
decode_anomaly(struct unpack_decoder *d, struct rec_reader *r)
{
	char detail[RECORD_STR_MAX + 1];
	struct anomaly_fact a;
	uint32_t part;
	uint16_t code;

	rec_get_u32(r, &part);
	rec_get_u16(r, &code);
	rec_get_str(r, detail, sizeof(detail));
	if (rec_end(r) || code == 0 || code > ANOM_CODE_MAX)
		return refuse(d, "malformed anomaly", REC_ANOMALY);
	if (part != REC_NO_PARENT && known_part(d, part) == NULL)
		return refuse(d, "anomaly for unknown part", REC_ANOMALY);
	if (d->anomalies_seen >= d->max_parts + ANOMALIES_OVER_PARTS_MAX)
		return refuse(d, "too many anomalies", REC_ANOMALY);
	a.part = part;
	a.code = code;
	a.detail = keep_str(d, detail);
	g_array_append_val(d->facts->anomalies, a);
	d->anomalies_seen++;
	return 0;
}

static int
decode_content(struct unpack_decoder *d, struct rec_reader *r, int *fd)
{
	struct part_fact *pf;
	struct stat st;
	uint32_t part;
	uint64_t size;
	int seals;

	rec_get_u32(r, &part);
	rec_get_u64(r, &size);
	if (rec_end(r) || *fd < 0)
		return refuse(d, "malformed content", REC_CONTENT);
	if ((pf = known_part(d, part)) == NULL || pf->content_fd >= 0 ||
	    pf->size != size)
		return refuse(d, "content for unknown part or wrong size",
		    REC_CONTENT);
	/* Trust the kernel, not the role: sealed, a regular memfd, that size. */
	seals = fcntl(*fd, F_GET_SEALS);
	if (seals < 0 || (seals & SEALS_REQUIRED) != SEALS_REQUIRED ||
	    fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size)
		return refuse(d, "content descriptor not a sealed memfd of "
		    "the declared size", REC_CONTENT);
	if (size > d->max_decoded - d->facts->decoded_total)
		return refuse(d, "decoded content over the limit", REC_CONTENT);
	d->facts->decoded_total += size;
	pf->content_fd = *fd;
	*fd = -1;
	return 0;
}

static int
decode_end(struct unpack_decoder *d, struct rec_reader *r)
{
	uint32_t parts, anomalies;

	rec_get_u32(r, &parts);
	rec_get_u32(r, &anomalies);
	if (rec_end(r))
		return refuse(d, "malformed end", REC_END);
	if (parts != d->facts->parts->len || anomalies != d->anomalies_seen)
		return refuse(d, "end counts disagree", REC_END);
	d->state = ST_DONE;
	return 0;
}

int
unpack_decoder_feed(struct unpack_decoder *d, const uint8_t *buf, size_t len,
    int fd)
{
	struct rec_reader r;
	struct part_order order = d->order;	/* kept when accepted */
	const char *why;
	int type, rc;

	type = rec_open(&r, buf, len);
	if (type < 0)
		rc = refuse(d, "bad record header", 0);
	else if (d->state == ST_DONE)
		rc = refuse(d, "record after end", (unsigned)type);
	else if (d->state == ST_WANT_HELLO)
		rc = type == REC_HELLO ? decode_hello(d, &r) :
		    refuse(d, "first record is not hello", (unsigned)type);
	else if (fd >= 0 && type != REC_CONTENT)
		rc = refuse(d, "descriptor on a record that takes none",
		    (unsigned)type);
	else if ((why = part_order_next_record(&order, buf, len)) != NULL)
		rc = refuse(d, why, (unsigned)type);
	else {
		switch (type) {
		case REC_PART:		rc = decode_part(d, &r); break;
		case REC_FILENAME:	rc = decode_filename(d, &r); break;
		case REC_HEADER:	rc = decode_header(d, &r); break;
		case REC_HEADER_FIELD:	rc = decode_header_field(d, &r); break;
		case REC_ANOMALY:	rc = decode_anomaly(d, &r); break;
		case REC_CONTENT:	rc = decode_content(d, &r, &fd); break;
		case REC_END:		rc = decode_end(d, &r); break;
		default:
			rc = refuse(d, "record type not allowed for unpack",
			    (unsigned)type);
			break;
		}
	}
	if (rc == 0)
		d->order = order;
	if (fd >= 0)
		close(fd);
	return rc;
}
