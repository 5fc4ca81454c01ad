/* common: what every role helper links: fixed descriptors, log client,
 * its settings, record sending.  Runs in untrusted roles. */
#ifndef QSCAN_ROLE_RUNTIME_H
#define QSCAN_ROLE_RUNTIME_H

#include <sys/types.h>

#include "record.h"

/* Descriptors a role is given, at fixed numbers; all others are closed. */
#define ROLE_FD_MESSAGE	0	/* spool file, read-only (not for the canary) */
#define ROLE_FD_RECORDS	1	/* SOCK_SEQPACKET to the broker */
#define ROLE_FD_LOG	2	/* pipe to the broker: one line per write */
#define ROLE_FD_PEER	3	/* clamd role only: the socket the broker connected */
#define ROLE_FD_COUNT	3

/* Exit codes a role uses for its own failures (the broker only trusts 0
 * with a valid REC_END; any other ending fails the role). */
#define ROLE_EXIT_OK		0
#define ROLE_EXIT_USAGE		64
#define ROLE_EXIT_INIT		70	/* library or lockdown setup failed */
#define ROLE_EXIT_IO		74	/* records could not be sent */
#define ROLE_EXIT_PEER_TIMEOUT	75	/* the peer (clamd) did not answer in
					 * time: the broker answers 52, not 81 */
#define ROLE_EXIT_ABORT		76	/* abort() after lockdown: the
					 * lockdown's SIGABRT handler (pid 1
					 * ignores an unhandled SIGABRT) */

/* One log line to the broker, cut at ROLE_LOG_LINE_MAX; never blocks long
 * (the broker drains the pipe).  Async-signal-safe enough for roles. */
void role_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sends a record (and fd when >= 0); on failure logs and _exits with
 * ROLE_EXIT_IO: a role that cannot report must not pretend it finished. */
void role_send(struct rec_writer *w, int fd);

/* Sends REC_HELLO for `role`. */
void role_send_hello(enum role_id role);

struct role_settings;

/* Before lockdown: reads the broker's REC_SETTINGS, the first record on
 * ROLE_FD_RECORDS (the spawner wrote it before the role ran), and decodes
 * it for `role` into *out (common/role_settings.h).  A role started with
 * arguments (argc > 1), a socket that gives no record, a descriptor on
 * it, or a record the decoder refuses: logged with the reason, then
 * _exit(ROLE_EXIT_USAGE). */
void role_read_settings(enum role_id role, int argc,
    struct role_settings *out);

/* Receives one record from the broker on ROLE_FD_RECORDS (blocking) into
 * buf (RECORD_MAX bytes) and at most one descriptor (*fd, -1 when none).
 * Returns the length, 0 when the broker closed, -1 on a malformed
 * datagram (then any descriptor is closed). */
ssize_t role_recv(uint8_t *buf, int *fd);

/* Before lockdown, for a role given a connected peer on ROLE_FD_PEER:
 * it must be a connected socket of `type` (SOCK_STREAM, SOCK_DGRAM)
 * whose peer is AF_INET or AF_INET6, or AF_UNIX when unix_ok.  Returns
 * the peer's family, or -1 after logging why.  The role never opens or
 * connects anything itself. */
int role_check_peer(int type, int unix_ok);

#endif
