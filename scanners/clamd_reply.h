/* scanners: parsers of clamd's replies (scan verdicts and VERSION); pure
 * and bounded, no I/O.  Runs in role clamd, untrusted, after the final
 * filter.
 *
 * The reply shapes, as clamd 1.x writes them (clamd/session.c,
 * clamd/scanner.c), one reply per command, each ending in the NUL of
 * the z-prefixed command that asked for it:
 *
 *	[<id>: ]stream: OK			INSTREAM, nothing found
 *	[<id>: ]fd[<n>]: OK			FILDES, nothing found
 *	[<id>: ]stream: <name> FOUND		a signature matched
 *	[<id>: ]fd[<n>]: <name> FOUND
 *	[<id>: ]stream: <text> ERROR		the scan failed
 *	[<id>: ]fd[<n>]: <text> ERROR
 *	[<id>: ]INSTREAM size limit exceeded. ERROR	StreamMaxLength hit;
 *						clamd then closes the connection
 *	[<id>: ]<text> ERROR			a command-level failure
 *	[<id>: ]ClamAV <engine>[/<db version>/<db time>]	VERSION
 *
 * <id> is the request number inside an IDSESSION, counted from 1 for the
 * first command after IDSESSION.  Anything else ("PONG", "UNKNOWN
 * COMMAND", a newline, a NUL, bytes outside printable ASCII, a reply over
 * CLAMD_REPLY_MAX) is malformed, and a malformed reply is an error,
 * never a clean verdict. */
#ifndef QSCAN_CLAMD_REPLY_H
#define QSCAN_CLAMD_REPLY_H

#include <stddef.h>
#include <stdint.h>

/* Longest reply accepted, terminator excluded.  clamd's longest real
 * replies are a virus name (ClamAV names stay under 200 bytes; with
 * ExtendedDetectionInfo a 64-byte hash and a size are appended) or a
 * strerror text: 4 KiB is an order of magnitude above both, and small
 * enough to keep on the role's static buffers. */
#define CLAMD_REPLY_MAX		4096
/* Engine version ("1.4.6"), database version ("27000") and database time
 * ("Tue Nov 24 09:30:00 2026") of a VERSION reply, each at most this. */
#define CLAMD_VERSION_FIELD_MAX	63
/* Decimal digits of a session id or of the descriptor in "fd[<n>]":
 * both are 32-bit numbers on clamd's side. */
#define CLAMD_NUMBER_DIGITS_MAX	10

enum clamd_reply_kind {
	CLAMD_REPLY_OK = 0,		/* "<subject>: OK" */
	CLAMD_REPLY_FOUND = 1,		/* "<subject>: <name> FOUND" */
	CLAMD_REPLY_SIZE_LIMIT = 2,	/* "INSTREAM size limit exceeded. ERROR" */
	CLAMD_REPLY_ERROR = 3,		/* "... ERROR", or malformed */
};

/* Whose verdict a reply is: the stream of INSTREAM or the descriptor of
 * FILDES; NONE for command-level errors and malformed replies. */
enum clamd_subject {
	CLAMD_SUBJECT_NONE = 0,
	CLAMD_SUBJECT_STREAM = 1,
	CLAMD_SUBJECT_FD = 2,
};

struct clamd_reply {
	enum clamd_reply_kind kind;
	enum clamd_subject subject;
	uint32_t fd;		/* CLAMD_SUBJECT_FD: the <n> of "fd[<n>]" */
	int has_id;		/* 1 when the reply carried "<id>: " */
	uint32_t id;
	int malformed;		/* 1: kind is ERROR because of the shape */
	/* FOUND: the virus name; ERROR: clamd's text without " ERROR";
	 * malformed: the reply itself (printable ASCII, other bytes as
	 * '?'), for the log.  NUL-terminated, text_len bytes. */
	size_t text_len;
	char text[CLAMD_REPLY_MAX + 1];
};

/* Parses one reply: `len` bytes at `p`, the terminating NUL not
 * included.  Fills *r completely and returns r->kind; a reply that is
 * not one of the known shapes returns CLAMD_REPLY_ERROR with
 * r->malformed set.  Never reads beyond p + len. */
enum clamd_reply_kind clamd_reply_parse(const uint8_t *p, size_t len,
    struct clamd_reply *r);

struct clamd_version {
	int has_id;
	uint32_t id;
	char engine[CLAMD_VERSION_FIELD_MAX + 1];	/* "1.4.6" */
	/* "27000"; empty when clamd has no versioned database (custom
	 * .hdb/.ndb files only: clamd then says just "ClamAV 1.4.6") */
	char database[CLAMD_VERSION_FIELD_MAX + 1];
	char db_time[CLAMD_VERSION_FIELD_MAX + 1];	/* empty with database */
};

/* Parses a VERSION reply ("[<id>: ]ClamAV 1.0.7/27000/Tue Nov 24 09:30:00
 * 2026" or "ClamAV 1.4.6"), `len` bytes without the NUL.  Returns 0, or
 * -1 for anything else (then *v is zeroed). */
int clamd_version_parse(const uint8_t *p, size_t len, struct clamd_version *v);

#endif
