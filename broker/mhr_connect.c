/* broker: the mhr role's resolver: parsed from the configuration or
 * /etc/resolv.conf, connected over UDP; trusted.  The file is the
 * administrator's, read bounded all the same. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "mhr_connect.h"

#define MHR_RESOLV_CONF	"/etc/resolv.conf"
/* resolv.conf is a few lines; more than this is not one. */
#define MHR_RESOLV_CONF_MAX	(64u * 1024)
#define MHR_DNS_PORT	53

static int
port_parse(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (!g_ascii_isdigit(s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int
mhr_resolver_parse(const char *spec, struct mhr_resolver *r, char **why)
{
	g_autofree char *host = NULL;
	unsigned port = MHR_DNS_PORT;
	const char *colon;

	memset(r, 0, sizeof(*r));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || (close[1] != '\0' && (close[1] != ':' ||
		    port_parse(close + 2, &port) != 0)))
			goto bad;
		host = g_strndup(spec + 1, (gsize)(close - spec - 1));
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		if (port_parse(colon + 1, &port) != 0)
			goto bad;
		host = g_strndup(spec, (gsize)(colon - spec));
	} else {
		host = g_strdup(spec);
	}
	{
		struct sockaddr_in *in = (struct sockaddr_in *)&r->addr;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&r->addr;

		if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons((uint16_t)port);
			r->len = sizeof(*in);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			r->len = sizeof(*in6);
			return 0;
		}
	}
bad:
	*why = g_strdup_printf("takes a numeric IP address with an optional "
	    "port (192.0.2.1, 192.0.2.1:53, [2001:db8::1]:53), not \"%s\"",
	    spec);
	return -1;
}

int
mhr_resolver_from_file(const char *path, struct mhr_resolver *r, char **why)
{
	char buf[MHR_RESOLV_CONF_MAX + 1];
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	while (len < MHR_RESOLV_CONF_MAX) {
		ssize_t n = read(fd, buf + len, MHR_RESOLV_CONF_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	for (char *line = buf, *next; line != NULL && *line; line = next) {
		char *nl = strchr(line, '\n');
		g_auto(GStrv) w = NULL;

		next = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		w = g_strsplit_set(g_strstrip(line), " \t", 3);
		if (w[0] != NULL && strcmp(w[0], "nameserver") == 0 &&
		    w[1] != NULL) {
			/* resolv.conf names the address alone; a scope
			 * ("fe80::1%eth0") is not taken. */
			char *pwhy = NULL;

			if (mhr_resolver_parse(w[1], r, &pwhy) == 0)
				return 0;
			*why = g_strdup_printf("%s: nameserver %s", path,
			    pwhy);
			g_free(pwhy);
			return -1;
		}
	}
	*why = g_strdup_printf("%s names no nameserver", path);
	return -1;
}

int
mhr_connect(const struct qscan_config *cfg, char **why)
{
	struct mhr_resolver r;
	int fd;

	if (cfg->mhr_resolver[0] != '\0') {
		char *pwhy = NULL;

		if (mhr_resolver_parse(cfg->mhr_resolver, &r, &pwhy) != 0) {
			*why = g_strdup_printf("mhr.resolver %s", pwhy);
			g_free(pwhy);
			return -1;
		}
	} else if (mhr_resolver_from_file(MHR_RESOLV_CONF, &r, why) != 0) {
		return -1;
	}
	fd = socket(r.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = g_strdup_printf("resolver socket: %s", strerror(errno));
		return -1;
	}
	/* UDP connect sends nothing: it fixes the peer, so that the role's
	 * send() needs no address and recv() takes that peer's datagrams
	 * only. */
	if (connect(fd, (struct sockaddr *)&r.addr, r.len) != 0) {
		*why = g_strdup_printf("resolver connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
