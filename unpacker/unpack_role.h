/* unpacker: entry function of role unpack; untrusted, after the final
 * filter. */
#ifndef QSCAN_UNPACK_ROLE_H
#define QSCAN_UNPACK_ROLE_H

/* No arguments: the settings (the unpack rows of common/role_settings.c:
 * the walk's limits and the checks switched off) come as the first
 * record on ROLE_FD_RECORDS.  Descriptors: ROLE_FD_MESSAGE,
 * ROLE_FD_RECORDS, ROLE_FD_LOG (role_runtime.h).  Never returns: _exits
 * with ROLE_EXIT_OK after REC_END, ROLE_EXIT_USAGE for arguments or a
 * settings record it refuses, ROLE_EXIT_INIT when setup or lockdown
 * fails, ROLE_EXIT_IO when records cannot be sent. */
int unpack_role_main(int argc, char **argv) __attribute__((noreturn));

#endif
