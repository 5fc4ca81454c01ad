/* common: a memfd holding given bytes, sealed against any change; made
 * in the roles, before and after lockdown. */
#ifndef QSCAN_SEALED_MEMFD_H
#define QSCAN_SEALED_MEMFD_H

#include <stddef.h>
#include <stdint.h>

/* A close-on-exec memfd named `name` with the len bytes of data in it,
 * sealed against writes, growing, shrinking and further seals: whoever
 * receives it can map and scan it knowing nobody can change it any more.
 * Returns the descriptor, or -1 with errno and *why naming the step that
 * failed ("memfd_create", "write", "seal"); nothing is left open then. */
int sealed_memfd_from(const char *name, const uint8_t *data, size_t len,
    const char **why);

#endif
