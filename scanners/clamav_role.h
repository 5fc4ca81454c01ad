/* scanners: entry function of role clamav; untrusted, reads message bytes
 * only after the final filter. */
#ifndef QSCAN_CLAMAV_ROLE_H
#define QSCAN_CLAMAV_ROLE_H

/* argv: --database PATH (a directory or one signature file)
 * --max-scan-bytes N --max-file-bytes N --max-recursion N --max-files N,
 * each exactly once.  Descriptors: 0 /dev/null, ROLE_FD_RECORDS,
 * ROLE_FD_LOG (role_runtime.h); /tmp is the role's own empty tmpfs.
 * Never returns: _exits with ROLE_EXIT_OK after REC_END, ROLE_EXIT_USAGE
 * for bad arguments, ROLE_EXIT_INIT when libclamav, the database or the
 * lockdown fails (the broker then tempfails), ROLE_EXIT_IO when the
 * broker's requests are malformed or records cannot be sent. */
int clamav_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
