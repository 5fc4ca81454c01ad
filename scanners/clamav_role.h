/* scanners: entry function of role clamav; untrusted, reads message bytes
 * only after the final filter. */
#ifndef QSCAN_CLAMAV_ROLE_H
#define QSCAN_CLAMAV_ROLE_H

/* No arguments: the settings (the clamav rows of common/role_settings.c:
 * the database, a directory or one signature file, and the engine's
 * limits) come as the first record on ROLE_FD_RECORDS.  Descriptors:
 * 0 /dev/null, ROLE_FD_RECORDS, ROLE_FD_LOG (role_runtime.h); its
 * scratch directory (ROLE_SCRATCH_DIR) is the role's own empty tmpfs.
 * Never returns: _exits with ROLE_EXIT_OK after
 * REC_END, ROLE_EXIT_USAGE for arguments or a settings record it
 * refuses, ROLE_EXIT_INIT when libclamav, the database or the
 * lockdown fails (the broker then tempfails), ROLE_EXIT_IO when the
 * broker's requests are malformed or records cannot be sent. */
int clamav_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
