/* broker: the facts roles report about one message, as the broker holds
 * them after decoding; trusted data structures, hostile contents. */
#ifndef QSCAN_FACTS_H
#define QSCAN_FACTS_H

#include <stdint.h>
#include <glib.h>

#include "record.h"

struct part_fact {
	uint32_t index, parent;
	uint16_t depth, kind;
	uint64_t size;			/* decoded bytes */
	char *path, *content_type, *charset, *encoding;
	GPtrArray *filenames;		/* char * */
	GArray *filename_sources;	/* uint8_t, parallel to filenames */
	int content_fd;			/* sealed memfd, or -1 */
};

struct anomaly_fact {
	uint32_t part;			/* REC_NO_PARENT: whole message */
	uint16_t code;
	char *detail;
};

struct message_facts {
	GPtrArray *parts;		/* struct part_fact *, index == position */
	GArray *anomalies;		/* struct anomaly_fact */
	char *headers[HDR_FACT_MAX + 1];	/* NULL when absent */
	uint64_t decoded_total;
};

void message_facts_init(struct message_facts *f);
void message_facts_clear(struct message_facts *f);
/* First limit anomaly, or NULL. */
const struct anomaly_fact *message_facts_limit(const struct message_facts *f);

/* Decoder state for the records of the unpack role.  Feed every datagram
 * (and the descriptor that came with it, or -1; ownership passes in) in
 * order; it refuses anything unknown, out of order, inconsistent or
 * oversize.  A refused record fails the role. */
struct unpack_decoder {
	struct message_facts *facts;
	int state;			/* enum in unpack_facts.c */
	unsigned max_parts;		/* what the broker asked for */
	uint64_t max_decoded;
	uint32_t anomalies_seen;
	char error[160];		/* why the last record was refused */
};

void unpack_decoder_init(struct unpack_decoder *d, struct message_facts *f,
    unsigned max_parts, uint64_t max_decoded);
/* 0 when accepted; -1 when refused (d->error says why). */
int unpack_decoder_feed(struct unpack_decoder *d, const uint8_t *buf,
    size_t len, int fd);
/* 1 when REC_END was accepted. */
int unpack_decoder_done(const struct unpack_decoder *d);

#endif
