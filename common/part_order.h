/* common: the order of the unpack role's records, written once; the
 * role's walk is checked against it by the fuzz harness and the broker's
 * decoder refuses what breaks it.
 *
 * After HELLO:
 *
 *	head	HEADER, HEADER_FIELD and ANOMALY, in any order; HEADER and
 *		HEADER_FIELD only here, before the first PART
 *	part	PART, then that part's FILENAMEs, then its CONTENT (exactly
 *		once when the part's kind carries bytes, never otherwise),
 *		then ANOMALYs about it or any earlier part; the next PART
 *		(a child, a sibling or anything later) starts the next one
 *	end	END, once the last part has its content
 *
 * so a consumer knows a part's names and bytes the moment the next record
 * is no FILENAME: nothing about a part arrives after its children.  What
 * a record's fields must say beyond the order (dense indexes, parents,
 * sizes, counts) is the decoder's business (unpack_facts.c). */
#ifndef QSCAN_PART_ORDER_H
#define QSCAN_PART_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct part_order {
	unsigned state;		/* enum in part_order.c */
	uint32_t part;		/* the part being reported (the last PART) */
	int wants_content;	/* its kind carries bytes, not yet sent */
};

void part_order_init(struct part_order *o);

/* 1 when a part of this kind (enum part_kind) carries decoded bytes:
 * leaves, uuencoded blocks, archive members, TNEF attachments. */
int part_kind_has_content(unsigned kind);

/* Advances by one record of `type` (enum rec_type).  `part` is the part
 * the record is about: the index for PART, the part for FILENAME and
 * CONTENT, ignored otherwise; `kind` is the PART's kind, ignored
 * otherwise.  Returns NULL when the record may come now, else why not (a
 * static string); types outside the unpack role's stream (HELLO included)
 * return NULL and leave the state alone: the decoder refuses them. */
const char *part_order_next(struct part_order *o, unsigned type,
    uint32_t part, unsigned kind);

/* The same for one whole datagram as the role sent it: reads the type
 * and the fields the order needs, without judging the rest.  A datagram
 * too short for them is refused here. */
const char *part_order_next_record(struct part_order *o, const uint8_t *buf,
    size_t len);

#endif
