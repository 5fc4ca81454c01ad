/* broker: the one clock stage times and role deadlines are read from;
 * trusted. */
#ifndef QSCAN_CLOCK_H
#define QSCAN_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC (from an arbitrary origin). */
double now_ms(void);

#endif
