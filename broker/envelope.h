/* broker: the qmail-queue envelope reader (fd 1); parses hostile bytes. */
#ifndef QSCAN_ENVELOPE_H
#define QSCAN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

enum envelope_result {
	ENVELOPE_OK = 0,
	ENVELOPE_FORMAT,	/* not F..\0 (T..\0)* \0, or bytes after the end: 91 */
	ENVELOPE_TRUNCATED,	/* ends before the final \0, or empty: 54 */
	ENVELOPE_READ_ERROR,	/* read(2) failed: 54 */
	ENVELOPE_ADDRESS_TOO_LONG, /* an address over ENVELOPE_ADDRESS_MAX: 11 */
	ENVELOPE_TOO_MANY_RECIPIENTS, /* over the configured limit: 91 */
};

struct envelope {
	char *sender;		/* "" for the null sender */
	GPtrArray *recipients;	/* char *, never empty when ENVELOPE_OK */
	GByteArray *raw;	/* the bytes exactly as read, to pass on */
};

/* Parses a complete envelope held in memory.  On ENVELOPE_OK fills `env`
 * (free with envelope_clear); otherwise env is left empty. */
enum envelope_result envelope_parse(const uint8_t *buf, size_t len,
    unsigned max_recipients, struct envelope *env);

/* Reads fd to its end, bounded by what max_recipients allows, then parses. */
enum envelope_result envelope_read(int fd, unsigned max_recipients,
    struct envelope *env);

/* qmail-queue exit code for a result (0 for ENVELOPE_OK). */
int envelope_exit_code(enum envelope_result r);
const char *envelope_result_name(enum envelope_result r);

void envelope_clear(struct envelope *env);

#endif
