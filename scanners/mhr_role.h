/* scanners: entry function of role mhr (Team Cymru's Malware Hash
 * Registry, docs/mhr.md); untrusted, asks the registry only on the UDP
 * socket the broker connected to the resolver, after the final filter. */
#ifndef QSCAN_MHR_ROLE_H
#define QSCAN_MHR_ROLE_H

/* No arguments: the settings (the mhr rows of common/role_settings.c:
 * zone, hashes, deadline, query wait, retries) come as the first record
 * on ROLE_FD_RECORDS.  Descriptors: 0 /dev/null, ROLE_FD_RECORDS,
 * ROLE_FD_LOG, ROLE_FD_PEER (a UDP socket connected to the resolver).
 * For each REC_SCAN: the part's SHA-256 (and SHA-1, MD5 when asked),
 * one TXT lookup per hash until one is listed, then REC_HASH_REPUTATION
 * and a clean REC_VERDICT: the role reports, the broker decides.  Never
 * returns: _exits with ROLE_EXIT_OK after REC_END, ROLE_EXIT_USAGE for
 * arguments or a settings record it refuses, ROLE_EXIT_INIT when the
 * peer or the lockdown cannot be set up, ROLE_EXIT_IO when the broker's
 * records go wrong.  A resolver that is down, slow or hostile never
 * fails the role: the part's lookup is "skipped" with the reason. */
int mhr_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
