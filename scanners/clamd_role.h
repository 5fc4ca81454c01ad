/* scanners: entry function of role clamd; untrusted, talks to clamd
 * only on the socket the broker connected, after the final filter. */
#ifndef QSCAN_CLAMD_ROLE_H
#define QSCAN_CLAMD_ROLE_H

/* No arguments: the settings (the clamd rows of common/role_settings.c:
 * mode fildes or instream, read timeout, largest part sent) come as the
 * first record on ROLE_FD_RECORDS.  Descriptors: 0 /dev/null,
 * ROLE_FD_RECORDS, ROLE_FD_LOG, ROLE_FD_PEER (a stream socket connected
 * to clamd; unix for fildes, unix or TCP for instream).  Never returns:
 * _exits with ROLE_EXIT_OK after REC_END, ROLE_EXIT_USAGE for arguments
 * or a settings record it refuses, ROLE_EXIT_INIT when the peer, the
 * lockdown or the clamd session cannot be set up, ROLE_EXIT_IO when the
 * broker's records go wrong. */
int clamd_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
