/* common: the order of the unpack role's records (part_order.h); linked
 * by the broker's decoder and the fuzz harness alike, so the walk is
 * fuzzed against the very rule the broker enforces. */
#include "part_order.h"
#include "record.h"

enum {
	PO_HEAD,	/* before the first PART */
	PO_NAMES,	/* after a PART: its FILENAMEs, then its CONTENT */
	PO_BODY,	/* the part's head is over: anomalies, the next PART */
	PO_END,
};

void
part_order_init(struct part_order *o)
{
	o->state = PO_HEAD;
	o->part = REC_NO_PARENT;
	o->wants_content = 0;
}

int
part_kind_has_content(unsigned kind)
{
	return kind == PART_LEAF || kind == PART_UUENCODED ||
	    kind == PART_ARCHIVE_MEMBER || kind == PART_TNEF_ATTACHMENT;
}

/* Leaves the part's head; a part that carries bytes must have sent them. */
static const char *
part_order_close_head(struct part_order *o, const char *missing)
{
	if (o->state == PO_NAMES && o->wants_content)
		return missing;
	o->state = PO_BODY;
	return NULL;
}

const char *
part_order_next(struct part_order *o, unsigned type, uint32_t part,
    unsigned kind)
{
	const char *why;

	if (o->state == PO_END)
		return "record after end";
	switch (type) {
	case REC_HEADER:
	case REC_HEADER_FIELD:
		if (o->state != PO_HEAD)
			return "header record after the first part";
		return NULL;
	case REC_ANOMALY:
		if (o->state == PO_HEAD)
			return NULL;
		return part_order_close_head(o, "anomaly between a part and "
		    "its content");
	case REC_PART:
		if (o->state != PO_HEAD && (why = part_order_close_head(o,
		    "part before the previous part's content")) != NULL)
			return why;
		o->state = PO_NAMES;
		o->part = part;
		o->wants_content = part_kind_has_content(kind);
		return NULL;
	case REC_FILENAME:
		if (o->state != PO_NAMES || part != o->part)
			return "filename not right after its part";
		return NULL;
	case REC_CONTENT:
		if (o->state != PO_NAMES || part != o->part)
			return "content not right after its part and filenames";
		if (!o->wants_content)
			return "content for a part that takes none";
		o->wants_content = 0;
		o->state = PO_BODY;
		return NULL;
	case REC_END:
		if ((why = part_order_close_head(o, "end before the last "
		    "part's content")) != NULL)
			return why;
		o->state = PO_END;
		return NULL;
	default:
		return NULL;
	}
}

const char *
part_order_next_record(struct part_order *o, const uint8_t *buf, size_t len)
{
	struct rec_reader r;
	uint32_t part = REC_NO_PARENT, skip32;
	uint16_t skip16, kind = 0;
	int type = rec_open(&r, buf, len);

	if (type < 0)
		return NULL;	/* the decoder refuses a bad header */
	if (type == REC_PART) {
		rec_get_u32(&r, &part);
		rec_get_u32(&r, &skip32);	/* parent */
		rec_get_u16(&r, &skip16);	/* depth */
		rec_get_u16(&r, &kind);
	} else if (type == REC_FILENAME || type == REC_CONTENT)
		rec_get_u32(&r, &part);
	if (r.failed)
		return "record too short for its type";
	return part_order_next(o, (unsigned)type, part, kind);
}
