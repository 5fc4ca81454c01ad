/* scanners: the DNS reply parser (dns_msg.h); pure and bounded.  Runs
 * in role mhr, untrusted, after the final filter, on hostile bytes from
 * the network: every read is checked against what remains. */
#include <stdio.h>
#include <string.h>

#include "dns_msg.h"

#define DNS_FLAG_QR	0x8000u
#define DNS_FLAG_TC	0x0200u
#define DNS_OPCODE(f)	(((f) >> 11) & 0xfu)
#define DNS_RCODE(f)	((f) & 0xfu)
#define DNS_RCODE_NOERROR	0u
#define DNS_RCODE_NXDOMAIN	3u
#define DNS_PTR_MASK	0xc0u
#define DNS_RR_FIXED	10u	/* type, class, ttl, rdlength */

/* A name in wire form, lower-cased, uncompressed. */
struct dns_name {
	uint8_t b[DNS_NAME_WIRE_MAX];
	size_t len;
};

static unsigned
get16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static enum dns_reply_kind
refuse(struct dns_reply *r, enum dns_reply_kind k, const char *why)
{
	r->kind = k;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return k;
}

/* Reads the name at *off into n; *off moves past it where it stands
 * (past its first pointer, if any).  Pointers must point before the
 * label that holds them, at most DNS_POINTER_HOPS_MAX per name: no
 * loop can last.  0, or -1 with *why. */
static int
name_read(const uint8_t *buf, size_t len, size_t *off, struct dns_name *n,
    const char **why)
{
	size_t pos = *off, hops = 0;
	int jumped = 0;

	n->len = 0;
	for (;;) {
		unsigned c;

		if (pos >= len) {
			*why = "name runs past the end";
			return -1;
		}
		c = buf[pos];
		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			size_t to;

			if (pos + 1 >= len) {
				*why = "pointer runs past the end";
				return -1;
			}
			to = ((c & ~DNS_PTR_MASK) << 8) | buf[pos + 1];
			if (++hops > DNS_POINTER_HOPS_MAX) {
				*why = "too many compression pointers";
				return -1;
			}
			if (to >= pos) {
				*why = "compression pointer does not point back";
				return -1;
			}
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = to;
			continue;
		}
		if ((c & DNS_PTR_MASK) != 0) {
			*why = "unknown label type";
			return -1;
		}
		if (n->len + 1 + c > DNS_NAME_WIRE_MAX) {
			*why = "name too long";
			return -1;
		}
		if (pos + 1 + c > len) {
			*why = "label runs past the end";
			return -1;
		}
		n->b[n->len++] = (uint8_t)c;
		if (c == 0)
			break;
		for (unsigned i = 1; i <= c; i++) {
			uint8_t ch = buf[pos + i];

			n->b[n->len++] = ch >= 'A' && ch <= 'Z' ?
			    (uint8_t)(ch + ('a' - 'A')) : ch;
		}
		pos += 1 + c;
	}
	if (!jumped)
		*off = pos + 1;
	return 0;
}

static int
name_eq(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* Digits only, 1 to max of them, no leading zero but "0" itself, no
 * overflow. */
static int
number_read(const char *s, size_t len, size_t max, uint64_t *v)
{
	if (len == 0 || len > max || (len > 1 && s[0] == '0'))
		return -1;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* One TXT rdata: its character-strings joined, then "<epoch> <pct>". */
static int
txt_read(const uint8_t *rd, size_t rdlen, uint64_t *epoch, unsigned *pct,
    const char **why)
{
	char text[DNS_TXT_MAX + 1];
	size_t tlen = 0, pos = 0;
	const char *sp;
	uint64_t p;

	if (rdlen == 0) {
		*why = "empty TXT";
		return -1;
	}
	while (pos < rdlen) {
		size_t l = rd[pos++];

		if (l > rdlen - pos) {
			*why = "TXT string runs past its record";
			return -1;
		}
		if (l > DNS_TXT_MAX - tlen) {
			*why = "TXT too long";
			return -1;
		}
		memcpy(text + tlen, rd + pos, l);
		tlen += l;
		pos += l;
	}
	text[tlen] = '\0';
	sp = memchr(text, ' ', tlen);
	if (sp == NULL || number_read(text, (size_t)(sp - text),
	    DNS_EPOCH_DIGITS_MAX, epoch) != 0 ||
	    number_read(sp + 1, tlen - (size_t)(sp + 1 - text), 3, &p) != 0 ||
	    p > 100) {
		*why = "TXT is not \"<last-seen> <percent>\"";
		return -1;
	}
	*pct = (unsigned)p;
	return 0;
}

/* The question of our own query: its name and where it ends. */
static int
query_question(const uint8_t *q, size_t qlen, struct dns_name *name,
    size_t *end)
{
	const char *why;
	size_t off = DNS_HEADER_LEN;

	if (qlen < DNS_HEADER_LEN + 5 || name_read(q, qlen, &off, name,
	    &why) != 0 || off + 4 != qlen)
		return -1;
	*end = off;
	return 0;
}

enum dns_reply_kind
dns_reply_parse(const uint8_t *buf, size_t len, const uint8_t *query,
    size_t qlen, struct dns_reply *r)
{
	struct dns_name qname, cur, owner;
	const char *why = NULL;
	size_t off, qend, cname_hops = 0;
	unsigned flags, qd, an, found = 0;

	memset(r, 0, sizeof(*r));
	if (query_question(query, qlen, &qname, &qend) != 0)
		return refuse(r, DNS_REPLY_MALFORMED, "our own query is bad");
	if (len < DNS_HEADER_LEN)
		return refuse(r, DNS_REPLY_MALFORMED, "shorter than a header");
	if (len > DNS_UDP_MAX)
		return refuse(r, DNS_REPLY_MALFORMED, "longer than 512 bytes");
	flags = get16(buf + 2);
	if (get16(buf) != get16(query) || !(flags & DNS_FLAG_QR))
		return refuse(r, DNS_REPLY_NOT_OURS, "another id, or no reply");
	if (DNS_OPCODE(flags) != 0)
		return refuse(r, DNS_REPLY_MALFORMED, "opcode is not QUERY");
	r->rcode = DNS_RCODE(flags);
	if (flags & DNS_FLAG_TC)
		return refuse(r, DNS_REPLY_TRUNCATED, "truncated (TC)");
	qd = get16(buf + 4);
	an = get16(buf + 6);
	/* A SERVFAIL may come without its question (RFC 1035 leaves it
	 * open): the id matched, the server failed. */
	if (r->rcode != DNS_RCODE_NOERROR && r->rcode != DNS_RCODE_NXDOMAIN &&
	    qd == 0) {
		snprintf(r->why, sizeof(r->why), "rcode %u", r->rcode);
		r->kind = DNS_REPLY_SERVER_FAILED;
		return r->kind;
	}
	if (qd != 1)
		return refuse(r, DNS_REPLY_MALFORMED, "not one question");
	off = DNS_HEADER_LEN;
	if (name_read(buf, len, &off, &cur, &why) != 0)
		return refuse(r, DNS_REPLY_MALFORMED, why);
	if (off + 4 > len)
		return refuse(r, DNS_REPLY_MALFORMED, "question cut short");
	/* Type and class exactly as we asked. */
	if (!name_eq(&cur, &qname) || memcmp(buf + off, query + qend, 4) != 0)
		return refuse(r, DNS_REPLY_MALFORMED, "not our question");
	off += 4;
	if (r->rcode == DNS_RCODE_NXDOMAIN) {
		r->kind = DNS_REPLY_NOT_LISTED;
		return r->kind;
	}
	if (r->rcode != DNS_RCODE_NOERROR) {
		snprintf(r->why, sizeof(r->why), "rcode %u", r->rcode);
		r->kind = DNS_REPLY_SERVER_FAILED;
		return r->kind;
	}
	if (an > DNS_ANSWERS_MAX)
		return refuse(r, DNS_REPLY_MALFORMED, "too many answers");
	for (unsigned i = 0; i < an; i++) {
		unsigned type, cls;
		size_t rdlen;

		if (name_read(buf, len, &off, &owner, &why) != 0)
			return refuse(r, DNS_REPLY_MALFORMED, why);
		if (off + DNS_RR_FIXED > len)
			return refuse(r, DNS_REPLY_MALFORMED,
			    "answer cut short");
		type = get16(buf + off);
		cls = get16(buf + off + 2);
		rdlen = get16(buf + off + 8);
		off += DNS_RR_FIXED;
		if (rdlen > len - off)
			return refuse(r, DNS_REPLY_MALFORMED,
			    "answer data runs past the end");
		if (cls == DNS_CLASS_IN && name_eq(&owner, &cur) &&
		    type == DNS_TYPE_CNAME) {
			size_t at = off;

			if (++cname_hops > DNS_CNAME_HOPS_MAX)
				return refuse(r, DNS_REPLY_MALFORMED,
				    "too many CNAMEs");
			if (name_read(buf, off + rdlen, &at, &cur, &why) != 0)
				return refuse(r, DNS_REPLY_MALFORMED, why);
			if (at != off + rdlen)
				return refuse(r, DNS_REPLY_MALFORMED,
				    "CNAME data has bytes after its name");
		} else if (cls == DNS_CLASS_IN && name_eq(&owner, &cur) &&
		    type == DNS_TYPE_TXT) {
			uint64_t epoch;
			unsigned pct;

			if (txt_read(buf + off, rdlen, &epoch, &pct, &why) != 0)
				return refuse(r, DNS_REPLY_MALFORMED, why);
			/* Several TXT: the highest percent stands. */
			if (!found || pct > r->percent ||
			    (pct == r->percent && epoch > r->last_seen)) {
				r->percent = pct;
				r->last_seen = epoch;
			}
			found = 1;
		}
		off += rdlen;
	}
	r->kind = found ? DNS_REPLY_LISTED : DNS_REPLY_NOT_LISTED;
	return r->kind;
}

const char *
dns_reply_kind_name(enum dns_reply_kind k)
{
	switch (k) {
	case DNS_REPLY_LISTED:		return "listed";
	case DNS_REPLY_NOT_LISTED:	return "not listed";
	case DNS_REPLY_SERVER_FAILED:	return "server failed";
	case DNS_REPLY_TRUNCATED:	return "truncated";
	case DNS_REPLY_NOT_OURS:	return "not ours";
	case DNS_REPLY_MALFORMED:	return "malformed";
	default:			return "unknown";
	}
}
