/* broker: what `qscan lint` checks beyond the file: the paths the
 * configuration names, the users, the servers; trusted. */
#ifndef QSCAN_LINT_SYSTEM_H
#define QSCAN_LINT_SYSTEM_H

#include "config.h"

/* Checks the machine against cfg, one line per problem on stderr
 * ("error: what: what to do"), notes on stdout; returns the number of
 * problems. */
unsigned lint_system(const struct qscan_config *cfg);

#endif
