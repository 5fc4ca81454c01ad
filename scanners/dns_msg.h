/* scanners: a DNS query builder and a bounded reply parser for TXT
 * lookups (RFC 1035); pure, no I/O.  Runs in role mhr, untrusted, after
 * the final filter: the reply bytes come from the network and are
 * hostile.
 *
 * The query: one question, class IN, recursion desired, no EDNS0, so a
 * reply is at most DNS_UDP_MAX bytes (RFC 1035 4.2.1) and anything longer
 * is refused.  The reply must carry our id, QR set, opcode QUERY, exactly
 * our question (names compared case-insensitively, in wire form, so a
 * label holding a '.' cannot pass for two), then at most DNS_ANSWERS_MAX
 * answers.  Names are read with compression pointers that must point
 * backwards, at most DNS_POINTER_HOPS_MAX of them per name, into at most
 * DNS_NAME_WIRE_MAX bytes: a pointer loop ends as a refusal, never as a
 * hang.  TXT answers for the question's name (or a CNAME target the
 * answers lead to) must read "<last-seen> <percent>" (the Malware Hash
 * Registry's form, docs/mhr.md): digits, one space, digits, nothing
 * else. */
#ifndef QSCAN_DNS_MSG_H
#define QSCAN_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN		12u
#define DNS_UDP_MAX		512u	/* a reply without EDNS0 */
#define DNS_NAME_WIRE_MAX	255u	/* RFC 1035 2.3.4, labels and lengths */
#define DNS_LABEL_MAX		63u
#define DNS_QUERY_MAX		(DNS_HEADER_LEN + DNS_NAME_WIRE_MAX + 4u)
/* Names in one reply follow at most this many pointers each: a real
 * reply needs one or two. */
#define DNS_POINTER_HOPS_MAX	16u
/* A reply about one hash has one TXT answer, maybe behind a CNAME or
 * two; more is refused (a 512-byte reply cannot hold many anyway). */
#define DNS_ANSWERS_MAX		32u
#define DNS_CNAME_HOPS_MAX	8u
/* "<last-seen> <percent>": 12 digits of seconds, a space, 3 digits. */
#define DNS_TXT_MAX		64u
#define DNS_EPOCH_DIGITS_MAX	12u

#define DNS_TYPE_CNAME		5u
#define DNS_TYPE_TXT		16u
#define DNS_CLASS_IN		1u

/* Encodes the dotted text `name` (no trailing dot needed) as a query with
 * `id` for `qtype`, class IN, RD set, into out (outsz bytes).  Returns
 * the length, or 0 when the name is empty, has an empty label, a label
 * over DNS_LABEL_MAX, or is over DNS_NAME_WIRE_MAX in wire form, or when
 * out is too small. */
size_t dns_query_build(uint16_t id, const char *name, uint16_t qtype,
    uint8_t *out, size_t outsz);

/* What one reply came to. */
enum dns_reply_kind {
	DNS_REPLY_LISTED = 0,	/* a valid TXT: last_seen and percent set */
	DNS_REPLY_NOT_LISTED,	/* NXDOMAIN, or NOERROR without a TXT */
	DNS_REPLY_SERVER_FAILED,	/* SERVFAIL, REFUSED, any other rcode */
	DNS_REPLY_TRUNCATED,	/* TC set: the answer needs TCP, which we lack */
	DNS_REPLY_NOT_OURS,	/* another id, or not a reply: keep waiting */
	DNS_REPLY_MALFORMED,	/* bytes that are no valid reply to us */
};

struct dns_reply {
	enum dns_reply_kind kind;
	unsigned rcode;
	uint64_t last_seen;	/* LISTED: seconds since 1970 */
	unsigned percent;	/* LISTED: 0-100 */
	char why[80];		/* NOT_OURS, MALFORMED, SERVER_FAILED: a text */
};

/* Parses `len` bytes as the reply to `query` (as dns_query_build made
 * it, qlen bytes: the id and the question are taken from it).  Fills *r
 * and returns r->kind.  Reads nothing outside buf[0..len). */
enum dns_reply_kind dns_reply_parse(const uint8_t *buf, size_t len,
    const uint8_t *query, size_t qlen, struct dns_reply *r);

/* The kind as a word for the log ("listed", "malformed"). */
const char *dns_reply_kind_name(enum dns_reply_kind k);

#endif
