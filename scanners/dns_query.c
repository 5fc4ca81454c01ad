/* scanners: the DNS query builder (dns_msg.h); pure.  Runs in role mhr,
 * untrusted, after the final filter, on names the role made itself. */
#include <string.h>

#include "dns_msg.h"

#define DNS_FLAG_RD	0x0100u

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t
dns_query_build(uint16_t id, const char *name, uint16_t qtype,
    uint8_t *out, size_t outsz)
{
	size_t n = strnlen(name, DNS_NAME_WIRE_MAX + 1), pos, wire = 1;
	const char *p = name, *end;

	if (n > 0 && name[n - 1] == '.')
		n--;			/* the root's dot is implied */
	if (n == 0 || n >= DNS_NAME_WIRE_MAX || outsz < DNS_QUERY_MAX)
		return 0;
	memset(out, 0, DNS_HEADER_LEN);
	put16(out, id);
	put16(out + 2, DNS_FLAG_RD);
	put16(out + 4, 1);		/* one question */
	pos = DNS_HEADER_LEN;
	end = name + n;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t len = (size_t)((dot != NULL ? dot : end) - p);

		if (len == 0 || len > DNS_LABEL_MAX)
			return 0;
		wire += 1 + len;
		if (wire > DNS_NAME_WIRE_MAX)
			return 0;
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, p, len);
		pos += len;
		p += len + (dot != NULL ? 1 : 0);
		if (dot != NULL && p == end)
			return 0;	/* "a..": an empty last label */
	}
	out[pos++] = 0;
	put16(out + pos, qtype);
	put16(out + pos + 2, DNS_CLASS_IN);
	return pos + 4;
}
