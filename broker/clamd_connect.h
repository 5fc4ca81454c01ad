/* broker: connecting to clamd for the clamd role, which may not connect
 * anything itself; trusted. */
#ifndef QSCAN_CLAMD_CONNECT_H
#define QSCAN_CLAMD_CONNECT_H

/* Tries each server of "unix:/path;tcp:host:port;..." in order, each
 * within timeout_ms, and returns the first connected socket (CLOEXEC,
 * blocking) with *is_unix set; -1 with *why (every failure named) when
 * none answers. */
int clamd_connect(const char *servers, unsigned timeout_ms, int *is_unix,
    char **why);

#endif
