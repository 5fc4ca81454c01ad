/* tests: a minimal assertion helper; a failed CHECK prints where and why
 * and makes the test program exit 1 at the end. */
#ifndef QSCAN_TEST_CHECK_H
#define QSCAN_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		check_failures++; \
	} \
} while (0)

#define CHECK_INT(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ != check_b_) { \
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
		    __FILE__, __LINE__, #a, check_a_, #b, check_b_); \
		check_failures++; \
	} \
} while (0)

/* A refusal that says why: expr is -1 and the text `error` holds names
 * `reason` (a decoder's error, a check's why). */
#define CHECK_REFUSED(expr, error, reason) do { \
	long long check_r_ = (long long)(expr); \
	if (check_r_ != -1 || strstr((error), (reason)) == NULL) { \
		fprintf(stderr, "%s:%d: %s == %lld (\"%s\"), expected -1 " \
		    "(\"%s\")\n", __FILE__, __LINE__, #expr, check_r_, \
		    (error), (reason)); \
		check_failures++; \
	} \
} while (0)

#define CHECK_DONE() (printf("%s\n", check_failures ? "FAILED" : "ok"), \
	check_failures ? 1 : 0)

#endif
