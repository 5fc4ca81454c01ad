/* broker: the facts roles report about one message, as the broker holds
 * them after decoding; trusted data structures, hostile contents.
 *
 * Every string of a message's facts lives in its strings arena, at its
 * received length: pointers into it are never freed one by one, and die
 * with message_facts_clear.  Their bytes are charged against
 * FACTS_STRING_BYTES_MAX (string_bytes). */
#ifndef QSCAN_FACTS_H
#define QSCAN_FACTS_H

#include <stdint.h>
#include <glib.h>

#include "part_order.h"
#include "record.h"

struct part_fact {
	uint32_t index, parent;
	uint16_t depth, kind;
	uint16_t flags;			/* PART_FLAG_* */
	uint64_t size;			/* decoded bytes */
	char *path, *content_type, *charset, *encoding;
	char *detected_type;		/* by magic; "" when unknown */
	GPtrArray *filenames;		/* char *, in the strings arena */
	GArray *filename_sources;	/* uint8_t, parallel to filenames */
	int content_fd;			/* sealed memfd, or -1 */
};

struct anomaly_fact {
	uint32_t part;			/* REC_NO_PARENT: whole message */
	uint16_t code;
	char *detail;
};

/* One header field as the message carries it (REC_HEADER_FIELD). */
struct header_field_fact {
	uint32_t part;			/* REC_NO_PARENT: the top-level message */
	char *name;			/* as written */
	char *value;			/* decoded, UTF-8 */
};

struct message_facts {
	GStringChunk *strings;		/* every char * below */
	size_t string_bytes;		/* kept in it, NULs included */
	GPtrArray *parts;		/* struct part_fact *, index == position */
	GArray *anomalies;		/* struct anomaly_fact */
	char *headers[HDR_FACT_MAX + 1];	/* NULL when absent */
	/* struct header_field_fact *, in message order, at most
	 * HEADER_FIELDS_MAX */
	GPtrArray *header_fields;
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
	struct part_order order;	/* part_order.h: the records' order */
	int over_budget;		/* strings past the budget kept "" */
	char error[160];		/* why the last record was refused */
};

void unpack_decoder_init(struct unpack_decoder *d, struct message_facts *f,
    unsigned max_parts, uint64_t max_decoded);
/* 0 when accepted; -1 when refused (d->error says why). */
int unpack_decoder_feed(struct unpack_decoder *d, const uint8_t *buf,
    size_t len, int fd);
/* 1 when REC_END was accepted. */
int unpack_decoder_done(const struct unpack_decoder *d);

/* What one scanner role reported. */
struct verdict_fact {
	uint32_t part;			/* REC_NO_PARENT: the raw message */
	uint8_t result;			/* enum scan_result */
	char *name;			/* virus name or error text */
};

/* What the mhr role said about one part (REC_HASH_REPUTATION). */
struct hash_rep_fact {
	uint32_t part;
	uint8_t status;			/* enum hash_rep_status */
	uint8_t kind;			/* enum hash_kind that answered */
	uint8_t percent;
	uint64_t last_seen;
	char sha256[HASH_SHA256_HEX_LEN + 1];
	char *why;			/* in the result's strings arena */
};

/* What step_spam learnt about the message (docs/spam.md). */
enum spam_fact_state {
	SPAM_FACT_NOT_RUN = 0,	/* no [spamd] servers, or not deliverable */
	SPAM_FACT_SKIPPED,	/* not sent: why says (size, relay) */
	SPAM_FACT_SCORED,	/* status SPAM_YES or SPAM_NO */
	SPAM_FACT_FAILED,	/* spamd gave no usable answer: why */
};

/* The spamd role's REC_SPAM, and the step's own findings. */
struct spam_fact {
	enum spam_fact_state state;
	uint8_t status;			/* enum spam_status */
	int32_t score_milli, threshold_milli;
	uint16_t n_symbols;		/* named in all; kept below */
	char symbols[SPAM_SYMBOLS_MAX * (SPAM_SYMBOL_LEN_MAX + 1) + 1];
	char why[RECORD_STR_MAX + 1];
};

struct scanner_result {
	enum role_id role;
	char *engine, *version, *database;	/* from REC_ENGINE */
	GArray *verdicts;		/* struct verdict_fact, request order */
	/* ROLE_MHR only: struct hash_rep_fact, one per clean verdict, in
	 * request order (a part the role could not read has none) */
	GArray *reputations;
	/* ROLE_SPAMD only: where its one REC_SPAM goes (the caller's), and
	 * 1 once it came; it must come just before the verdict. */
	struct spam_fact *spam;
	int spam_seen;
	/* The verdicts' names at their length; SCANNER_STRING_BYTES_MAX. */
	GStringChunk *strings;
	size_t string_bytes;
};

void scanner_result_init(struct scanner_result *r, enum role_id role);
void scanner_result_clear(struct scanner_result *r);

/* Decoder for a scanner role's records: HELLO (that role), ENGINE, one
 * VERDICT per request in the order the requests went (parts[]), END with
 * the count.  Same contract as the unpack decoder. */
struct scanner_decoder {
	struct scanner_result *res;
	const uint32_t *parts;		/* the parts requested, in order */
	uint32_t n_parts;
	int state;
	char error[160];
};

void scanner_decoder_init(struct scanner_decoder *d, struct scanner_result *r,
    const uint32_t *parts, uint32_t n_parts);
int scanner_decoder_feed(struct scanner_decoder *d, const uint8_t *buf,
    size_t len, int fd);
int scanner_decoder_done(const struct scanner_decoder *d);
/* REC_SPAM into d->res->spam (broker/spam_facts.c); 0 or -1 with
 * d->error. */
int spam_decode(struct scanner_decoder *d, struct rec_reader *r);

#endif
