/* fuzz: the mhr role's DNS reply parser (scanners/dns_reply.c) on
 * arbitrary bytes.  The first input byte picks which of a few questions
 * the reply answers (the names the seeds were captured for, from a real
 * dnsmasq: tests/integration/mhr_dnsmasq.sh starts the same one); the
 * rest is the reply, whose id must be 0x1234 to be ours. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"
#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DNS_ID	0x1234u

static const char *const names[] = {
	/* the EICAR part's SHA-256 in hash.cymru.com's two labels */
	"275a021bbfb6489e54d471899f7db9d1.663fc695ec2fe2a2c4538aabf651fd0f"
	    ".hash.cymru.com",
	"00000000000000000000000000000000.00000000000000000000000000000000"
	    ".hash.cymru.com",
	"multi.hash.cymru.com",
	"alias.hash.cymru.com",
	"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.malware.hash.cymru.com",
	"x.example.org",
	"275A021BBFB6489E54D471899F7DB9D1.663fc695ec2fe2a2c4538aabf651fd0f"
	    ".HASH.cymru.com",
	"a.b",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t q[DNS_QUERY_MAX];
	struct dns_reply r;
	enum dns_reply_kind k;
	size_t qlen;

	if (size < 1) {
		harness_outcome_report(0);
		return 0;
	}
	qlen = dns_query_build(FUZZ_DNS_ID, names[data[0] % (sizeof(names) /
	    sizeof(names[0]))], DNS_TYPE_TXT, q, sizeof(q));
	if (qlen == 0)
		abort();	/* every name above is a valid one */
	k = dns_reply_parse(data + 1, size - 1, q, qlen, &r);
	if (k != r.kind || memchr(r.why, '\0', sizeof(r.why)) == NULL)
		abort();
	switch (k) {
	case DNS_REPLY_LISTED:
		/* Only a reply of our id, within 512 bytes, with a TXT. */
		if (r.percent > 100 || size - 1 > DNS_UDP_MAX ||
		    size - 1 < DNS_HEADER_LEN || data[1] != 0x12 ||
		    data[2] != 0x34 || r.rcode != 0)
			abort();
		break;
	case DNS_REPLY_NOT_LISTED:
		if (r.percent != 0 || r.last_seen != 0 ||
		    (r.rcode != 0 && r.rcode != 3))
			abort();
		break;
	case DNS_REPLY_SERVER_FAILED:
		if (r.rcode == 0 || r.rcode == 3)
			abort();
		break;
	case DNS_REPLY_TRUNCATED:
	case DNS_REPLY_NOT_OURS:
	case DNS_REPLY_MALFORMED:
		if (r.why[0] == '\0')
			abort();
		break;
	default:
		abort();	/* no other result exists */
	}
	/* Accepted: an answer the role can use. */
	harness_outcome_report(k == DNS_REPLY_LISTED ||
	    k == DNS_REPLY_NOT_LISTED);
	return 0;
}
