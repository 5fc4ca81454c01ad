/* scanners: the decoder of spamd's replies (SPAMC/SPAMD 1.5, the
 * SYMBOLS command); pure, hostile input.  See docs/spam.md, "The reply".
 *
 * A whole reply is
 *
 *	SPAMD/1.<minor> <code> <text> CRLF
 *	(Name: value CRLF)*  CRLF
 *	body (Content-length bytes: the symbols, comma-separated)
 *
 * and spamd closes the connection after it.  Code 0 must say EX_OK and
 * carry exactly one Spam header ("True ; 7.9 / 5.0") and at most one
 * Content-length equal to the body's length; any other code is spamd's
 * refusal ("SPAMD/1.0 76 Bad header line: ...") and has no headers. */
#ifndef QSCAN_SPAMD_REPLY_H
#define QSCAN_SPAMD_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* A reply longer is refused: GTUBE's is 140 bytes, a message hitting
 * every rule SpamAssassin 4.0 has stays well below 32 KiB. */
#define SPAMD_REPLY_MAX		65536u
/* Symbols kept (more are counted, not kept) and the longest name:
 * SpamAssassin's rule names are identifiers of at most 22 characters
 * by its own lint, 100 leaves room for local rules. */
#define SPAMD_SYMBOLS_MAX	SPAM_SYMBOLS_MAX
#define SPAMD_SYMBOL_LEN_MAX	SPAM_SYMBOL_LEN_MAX
#define SPAMD_HEADERS_MAX	16u
/* |score| and threshold below 1000000: milli-points fit an int32. */
#define SPAMD_SCORE_INT_DIGITS	6u
#define SPAMD_TEXT_MAX		200u

enum spamd_reply_kind {
	SPAMD_REPLY_SCORED = 0,		/* code 0, EX_OK: a score */
	SPAMD_REPLY_REFUSED = 1,	/* another code: spamd's error */
	SPAMD_REPLY_MALFORMED = 2,	/* not spamd's protocol: why says */
};

struct spamd_reply {
	enum spamd_reply_kind kind;
	unsigned code;			/* the status line's code */
	int is_spam;			/* Spam: True or Yes */
	int32_t score_milli;		/* 7.9 -> 7900 */
	int32_t threshold_milli;
	unsigned n_symbols;		/* all the body named */
	unsigned n_kept;		/* at most SPAMD_SYMBOLS_MAX */
	/* The kept symbols comma-separated, NUL-terminated. */
	char symbols[SPAMD_SYMBOLS_MAX * (SPAMD_SYMBOL_LEN_MAX + 1) + 1];
	/* SCORED: ""; REFUSED: spamd's text (printable ASCII, cut at
	 * SPAMD_TEXT_MAX); MALFORMED: what was wrong (static text). */
	char text[SPAMD_TEXT_MAX + 1];
};

/* Decodes buf[0..len) as one whole reply into *r.  Returns r->kind;
 * never reads past len, never writes past *r. */
enum spamd_reply_kind spamd_reply_parse(const uint8_t *buf, size_t len,
    struct spamd_reply *r);

/* "7.9" into milli-points: an optional '-', 1 to SPAMD_SCORE_INT_DIGITS
 * digits, optionally '.' and 1 to 3 digits.  0, or -1 for anything
 * else.  Public for the unit tests. */
int spamd_score_parse(const char *s, size_t len, int32_t *milli);

#endif
