/* broker: connecting to spamd for the spamd role, which may not connect
 * anything itself; trusted. */
#ifndef QSCAN_SPAMD_CONNECT_H
#define QSCAN_SPAMD_CONNECT_H

/* Tries each server of "unix:/path;tcp:host:port;tcp:[v6]:port" in
 * order, each within timeout_ms (clamd_connect's rules), and returns
 * the first connected stream socket; -1 with *why when none answers. */
int spamd_connect(const char *servers, unsigned timeout_ms, char **why);

#endif
