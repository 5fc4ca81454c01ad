/* broker: decoder for the unpack role's records; hostile input, trusted code.
 *
 * Order: HELLO, then the records in the order part_order.h writes down,
 * then END; at most HEADER_FIELDS_MAX header fields in all.  PART indexes run 0, 1, 2...; a parent is an earlier part; a
 * FILENAME or CONTENT names an existing part; CONTENT comes at most once
 * per part, with a sealed memfd of exactly the declared size. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "qscan_limits.h"

enum { ST_WANT_HELLO, ST_BODY, ST_DONE };

#define SEALS_REQUIRED (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

static void
part_fact_free(gpointer p)
{
	struct part_fact *pf = p;

	g_free(pf->path);
	g_free(pf->content_type);
	g_free(pf->charset);
	g_free(pf->encoding);
	g_free(pf->detected_type);
	g_ptr_array_unref(pf->filenames);
	g_array_unref(pf->filename_sources);
	if (pf->content_fd >= 0)
		close(pf->content_fd);
	g_free(pf);
}

static void
anomaly_fact_clear(gpointer p)
{
	g_free(((struct anomaly_fact *)p)->detail);
}

static void
header_field_fact_free(gpointer p)
{
	struct header_field_fact *h = p;

	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

void
message_facts_init(struct message_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->parts = g_ptr_array_new_with_free_func(part_fact_free);
	f->anomalies = g_array_new(FALSE, TRUE, sizeof(struct anomaly_fact));
	g_array_set_clear_func(f->anomalies, anomaly_fact_clear);
	f->header_fields = g_ptr_array_new_with_free_func(
	    header_field_fact_free);
}

void
message_facts_clear(struct message_facts *f)
{
	g_clear_pointer(&f->parts, g_ptr_array_unref);
	g_clear_pointer(&f->anomalies, g_array_unref);
	g_clear_pointer(&f->header_fields, g_ptr_array_unref);
	for (int i = 0; i <= HDR_FACT_MAX; i++)
		g_clear_pointer(&f->headers[i], g_free);
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
	g_autofree char *path = g_malloc(RECORD_STR_MAX + 1);
	g_autofree char *ctype = g_malloc(RECORD_STR_MAX + 1);
	g_autofree char *charset = g_malloc(RECORD_STR_MAX + 1);
	g_autofree char *enc = g_malloc(RECORD_STR_MAX + 1);
	g_autofree char *detected = g_malloc(RECORD_STR_MAX + 1);
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
	rec_get_str(r, path, RECORD_STR_MAX + 1);
	rec_get_str(r, ctype, RECORD_STR_MAX + 1);
	rec_get_str(r, charset, RECORD_STR_MAX + 1);
	rec_get_str(r, enc, RECORD_STR_MAX + 1);
	rec_get_str(r, detected, RECORD_STR_MAX + 1);
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
	pf->path = g_steal_pointer(&path);
	pf->content_type = g_steal_pointer(&ctype);
	pf->charset = g_steal_pointer(&charset);
	pf->encoding = g_steal_pointer(&enc);
	pf->detected_type = g_steal_pointer(&detected);
	pf->filenames = g_ptr_array_new_with_free_func(g_free);
	pf->filename_sources = g_array_new(FALSE, FALSE, sizeof(uint8_t));
	pf->content_fd = -1;
	g_ptr_array_add(d->facts->parts, pf);
	return 0;
}

static int
decode_filename(struct unpack_decoder *d, struct rec_reader *r)
{
	g_autofree char *name = g_malloc(RECORD_STR_MAX + 1);
	struct part_fact *pf;
	uint32_t part;
	uint8_t source;

	rec_get_u32(r, &part);
	rec_get_u8(r, &source);
	rec_get_str(r, name, RECORD_STR_MAX + 1);
	if (rec_end(r) || source > FN_SOURCE_MAX)
		return refuse(d, "malformed filename", REC_FILENAME);
	if ((pf = known_part(d, part)) == NULL)
		return refuse(d, "filename for unknown part", REC_FILENAME);
	if (pf->filenames->len >= PART_FILENAMES_MAX)
		return refuse(d, "too many filenames", REC_FILENAME);
	g_ptr_array_add(pf->filenames, g_steal_pointer(&name));
	g_array_append_val(pf->filename_sources, source);
	return 0;
}

static int
decode_header(struct unpack_decoder *d, struct rec_reader *r)
{
	g_autofree char *value = g_malloc(HEADER_VALUE_MAX + 1);
	uint8_t which;

	rec_get_u8(r, &which);
	rec_get_str(r, value, HEADER_VALUE_MAX + 1);
	if (rec_end(r) || which > HDR_FACT_MAX)
		return refuse(d, "malformed header", REC_HEADER);
	if (d->facts->headers[which] != NULL)
		return refuse(d, "header fact repeated", REC_HEADER);
	d->facts->headers[which] = g_steal_pointer(&value);
	return 0;
}

static int
decode_header_field(struct unpack_decoder *d, struct rec_reader *r)
{
	g_autofree char *name = g_malloc(RECORD_STR_MAX + 1);
	g_autofree char *value = g_malloc(HEADER_VALUE_MAX + 1);
	struct header_field_fact *h;
	uint32_t part;

	rec_get_u32(r, &part);
	rec_get_str(r, name, RECORD_STR_MAX + 1);
	rec_get_str(r, value, HEADER_VALUE_MAX + 1);
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
	h->name = g_steal_pointer(&name);
	h->value = g_steal_pointer(&value);
	g_ptr_array_add(d->facts->header_fields, h);
	return 0;
}

static int
decode_anomaly(struct unpack_decoder *d, struct rec_reader *r)
{
	g_autofree char *detail = g_malloc(RECORD_STR_MAX + 1);
	struct anomaly_fact a;
	uint32_t part;
	uint16_t code;

	rec_get_u32(r, &part);
	rec_get_u16(r, &code);
	rec_get_str(r, detail, RECORD_STR_MAX + 1);
	if (rec_end(r) || code == 0 || code > ANOM_CODE_MAX)
		return refuse(d, "malformed anomaly", REC_ANOMALY);
	if (part != REC_NO_PARENT && known_part(d, part) == NULL)
		return refuse(d, "anomaly for unknown part", REC_ANOMALY);
	if (d->anomalies_seen >= d->max_parts + ANOMALIES_OVER_PARTS_MAX)
		return refuse(d, "too many anomalies", REC_ANOMALY);
	a.part = part;
	a.code = code;
	a.detail = g_steal_pointer(&detail);
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
	if (rec_end(r) || parts != d->facts->parts->len ||
	    anomalies != d->anomalies_seen)
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
