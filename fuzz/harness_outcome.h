/* fuzz: what a harness made of its input, for the replay of the seeds.
 * A harness calls harness_outcome_report() once per input with whether the
 * code under test accepted it (its own rule: a decoded stream, a parsed
 * envelope, compiled rules); the replay main (standalone_main.c) checks
 * it against the seed's name: bad-* must be refused, ok-* accepted, and
 * any other name (libFuzzer's SHA-1 names) is free.  libFuzzer builds
 * link the same function and ignore the value. */
#ifndef QSCAN_HARNESS_OUTCOME_H
#define QSCAN_HARNESS_OUTCOME_H

enum harness_outcome {
	HARNESS_OUTCOME_NONE = 0,	/* the harness said nothing */
	HARNESS_OUTCOME_ACCEPTED,
	HARNESS_OUTCOME_REFUSED,
};

/* Set by harness_outcome_report(); reset to NONE by the replay main before
 * each input. */
extern enum harness_outcome harness_outcome_last;

void harness_outcome_report(int accepted);

#endif
