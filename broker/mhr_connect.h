/* broker: the resolver socket of the mhr role, which may not open or
 * connect anything itself; trusted. */
#ifndef QSCAN_MHR_CONNECT_H
#define QSCAN_MHR_CONNECT_H

#include <sys/socket.h>

#include "config.h"

struct mhr_resolver {
	struct sockaddr_storage addr;
	socklen_t len;
};

/* "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353":
 * a numeric address (never a name: resolving it would need the resolver
 * itself), port 53 unless given.  0, or -1 with *why (g_free it),
 * which reads after the key's name ("takes ..."). */
int mhr_resolver_parse(const char *spec, struct mhr_resolver *r,
    char **why);

/* The first "nameserver" line of a resolv.conf(5), read at most
 * MHR_RESOLV_CONF_MAX bytes, parsed as above.  0, or -1 with *why. */
int mhr_resolver_from_file(const char *path, struct mhr_resolver *r,
    char **why);

/* A UDP socket (CLOEXEC, blocking) connected to [mhr] resolver, or to
 * /etc/resolv.conf's first nameserver when that is "": the kernel then
 * takes datagrams from that address only.  -1 with *why. */
int mhr_connect(const struct qscan_config *cfg, char **why);

#endif
