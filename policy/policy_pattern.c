/* policy: trusted, pure: globs and IP networks, the matching that needs no
 * regex engine. */
#include <arpa/inet.h>
#include <string.h>

#include "policy_internal.h"

/* One [set] at p (after the '['); returns the byte after ']' and sets *hit,
 * or NULL when the set is unterminated (then '[' is an ordinary byte). */
static const char *
glob_match_set(const char *p, unsigned char c, gboolean *hit)
{
	gboolean negate = FALSE, found = FALSE;
	const char *start;

	if (*p == '!' || *p == '^') {
		negate = TRUE;
		p++;
	}
	start = p;
	/* A ']' first in the set is a member, as in fnmatch. */
	while (*p != '\0' && (*p != ']' || p == start)) {
		unsigned char lo = (unsigned char)g_ascii_tolower(*p), hi = lo;

		if (p[1] == '-' && p[2] != '\0' && p[2] != ']') {
			hi = (unsigned char)g_ascii_tolower(p[2]);
			p += 2;
		}
		if (c >= lo && c <= hi)
			found = TRUE;
		p++;
	}
	if (*p != ']')
		return NULL;
	*hit = found != negate;
	return p + 1;
}

/* Iterative glob with one backtrack point for the last '*': O(n*m) at
 * worst, no recursion, so a hostile filename cannot make it explode. */
gboolean
policy_match_glob(const char *pattern, const char *subject, size_t len)
{
	const char *p = pattern, *star_p = NULL;
	size_t s = 0, star_s = 0;

	while (s < len) {
		unsigned char c = (unsigned char)g_ascii_tolower(subject[s]);
		const char *next;
		gboolean hit;

		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (*p == '?') {
			p++;
			s++;
			continue;
		}
		if (*p == '[' && (next = glob_match_set(p + 1, c, &hit)) != NULL) {
			if (hit) {
				p = next;
				s++;
				continue;
			}
		} else if (*p != '\0' &&
		    (unsigned char)g_ascii_tolower(*p) == c) {
			p++;
			s++;
			continue;
		}
		if (star_p == NULL)
			return FALSE;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

gboolean
policy_parse_ip(const char *text, uint8_t out[16])
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return TRUE;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out, &v6, 16);
		return TRUE;
	}
	return FALSE;
}

gboolean
policy_net_contains(const struct net *n, const uint8_t addr[16])
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, addr, full) != 0)
		return FALSE;
	if (rest == 0)
		return TRUE;
	return ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}
