/* scanners: entry function of role spamd (SpamAssassin's spamd,
 * docs/spam.md); untrusted, talks to spamd only on the socket the broker
 * connected, after the final filter. */
#ifndef QSCAN_SPAMD_ROLE_H
#define QSCAN_SPAMD_ROLE_H

/* No arguments: the settings (the spamd rows of common/role_settings.c:
 * read timeout, largest message sent, User:) come as the first record on
 * ROLE_FD_RECORDS.  Descriptors: 0 /dev/null, ROLE_FD_RECORDS,
 * ROLE_FD_LOG, ROLE_FD_PEER (a stream socket connected to spamd, unix or
 * TCP).  One REC_SCAN, the raw message: one SYMBOLS request, one
 * REC_SPAM, one clean REC_VERDICT.  Never returns: _exits with
 * ROLE_EXIT_OK after REC_END, ROLE_EXIT_USAGE for arguments or settings
 * it refuses, ROLE_EXIT_INIT when the peer or the lockdown cannot be set
 * up, ROLE_EXIT_IO when the broker's records go wrong.  What goes wrong
 * with spamd is a REC_SPAM with status failed, never an exit. */
int spamd_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
