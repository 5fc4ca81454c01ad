/* common: a role's settings (its limits, database, mode) as one typed
 * record, REC_SETTINGS, broker -> role; one table both sides use.
 *
 * The broker encodes the record (broker/role_settings_build.c) and the
 * spawner writes it into the role's record socket before the role runs:
 * it is the first datagram the role reads, before its lockdown.  The
 * payload:
 *
 *	u32 RECORD_VERSION | u16 role (enum role_id) | u16 count |
 *	count times: u16 setting id, then its value by its type
 *	    (u32, u64, bitmask as u64, string as a record string)
 *
 * The role decodes it strictly: a wrong version or role, an unknown id,
 * a setting its role does not take, one given twice, a value out of its
 * range, a bit outside its set, a required setting missing, or bytes
 * after the last one: refused, and the role logs why and exits with
 * ROLE_EXIT_USAGE.
 *
 * Adding a setting: an id below, a field in struct role_settings, a row
 * in the table (common/role_settings.c), the value in the broker's
 * builder and its use in the role. */
#ifndef QSCAN_ROLE_SETTINGS_H
#define QSCAN_ROLE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Wire ids: stable, never reused. */
enum role_setting_id {
	RS_MAX_PARTS = 1,
	RS_MAX_DEPTH = 2,
	RS_MAX_DECODED_BYTES = 3,
	RS_MAX_ARCHIVE_DEPTH = 4,
	RS_MAX_ARCHIVE_MEMBERS = 5,
	RS_MAX_EXPANDED_BYTES = 6,
	RS_MAX_EXPANSION_RATIO = 7,
	RS_DISABLED_CHECKS = 8,
	RS_CLAMAV_DATABASE = 9,
	RS_CLAMAV_MAX_SCAN_BYTES = 10,
	RS_CLAMAV_MAX_FILE_BYTES = 11,
	RS_CLAMAV_MAX_RECURSION = 12,
	RS_CLAMAV_MAX_FILES = 13,
	RS_CLAMD_MODE = 14,
	RS_CLAMD_READ_TIMEOUT_MS = 15,
	RS_CLAMD_MAX_STREAM_BYTES = 16,
	/* docs/warm.md, "Zygotes and their children": a role started as a
	 * zygote, and how many children it forks before it retires.  Both
	 * or neither: warm 1 needs a count, a count needs warm 1.  Only
	 * sent when not 0, so the exec path's record is as it was. */
	RS_WARM = 17,
	RS_ZYGOTE_MAX_CHILDREN = 18,
	/* The mhr role (docs/mhr.md): the zone asked, the hashes asked
	 * (bit (1 << enum hash_kind) each), the whole message's lookup
	 * deadline, one query's wait, and how often a query is sent again
	 * when no answer came. */
	RS_MHR_ZONE = 19,
	RS_MHR_HASHES = 20,
	RS_MHR_DEADLINE_MS = 21,
	RS_MHR_QUERY_TIMEOUT_MS = 22,
	RS_MHR_RETRIES = 23,
	/* The spamd role (docs/spam.md): one read's wait, the largest
	 * message sent, the User: spamd reads its preferences by ("": no
	 * User line).  The user may differ from message to message
	 * ([spamd] user = first-recipient): a warm child's may differ from
	 * its zygote's (role_settings_differ), and it takes its own. */
	RS_SPAMD_READ_TIMEOUT_MS = 24,
	RS_SPAMD_MAX_BYTES = 25,
	RS_SPAMD_USER = 26,
	RS_ID_MAX = 26,
};

enum role_setting_type {
	RS_U32 = 1,		/* min <= v <= max */
	RS_U64 = 2,		/* min <= v <= max */
	RS_STRING = 3,		/* min <= length <= max, no NUL */
	RS_BITMASK = 4,		/* u64; no bit outside the entry's set */
};

/* How the clamd role hands a part to clamd (RS_CLAMD_MODE). */
enum role_clamd_mode {
	ROLE_CLAMD_FILDES = 0,		/* the memfd itself, over a unix socket */
	ROLE_CLAMD_INSTREAM = 1,	/* its bytes */
};

/* The longest zone name mhr takes: a DNS name is at most 253
 * characters as text, and the hash labels (65 or 41 with their dot)
 * must fit in front of it. */
#define ROLE_MHR_ZONE_MAX	180
/* More than a few tries of one query only spend the deadline. */
#define ROLE_MHR_RETRIES_MAX	5

/* The longest User: name spamd is sent (a local part and domain). */
#define ROLE_SPAMD_USER_MAX	255

/* The longest string setting: a path (PATH_MAX with its NUL). */
#define ROLE_SETTING_STR_MAX	4095

/* Every setting of every role; each role reads its own. */
struct role_settings {
	/* unpack */
	uint32_t max_parts;
	uint32_t max_depth;
	uint64_t max_decoded_bytes;
	uint32_t max_archive_depth;
	uint32_t max_archive_members;
	uint64_t max_expanded_bytes;
	uint32_t max_expansion_ratio;	/* 0: off */
	uint64_t disabled_checks;	/* bit (1 << code) per check off */
	/* clamav */
	char clamav_database[ROLE_SETTING_STR_MAX + 1];
	uint64_t clamav_max_scan_bytes;
	uint64_t clamav_max_file_bytes;
	uint32_t clamav_max_recursion;
	uint32_t clamav_max_files;
	/* clamd */
	uint32_t clamd_mode;		/* enum role_clamd_mode */
	uint32_t clamd_read_timeout_ms;
	uint64_t clamd_max_stream_bytes;
	/* mhr */
	char mhr_zone[ROLE_MHR_ZONE_MAX + 1];
	uint64_t mhr_hashes;		/* bit (1 << enum hash_kind) */
	uint32_t mhr_deadline_ms;
	uint32_t mhr_query_timeout_ms;
	uint32_t mhr_retries;
	/* spamd */
	uint32_t spamd_read_timeout_ms;
	uint64_t spamd_max_bytes;
	char spamd_user[ROLE_SPAMD_USER_MAX + 1];
	/* every role that can be warm (unpack, clamav, clamd, mhr, spamd) */
	uint32_t warm;			/* 1: serve as a zygote */
	uint32_t zygote_max_children;	/* 0 exactly when warm is 0 */
};

struct role_setting_def {
	enum role_setting_id id;
	const char *name;		/* for the log, as the config names it */
	enum role_setting_type type;
	uint64_t min, max;		/* value, or a string's length */
	/* RS_BITMASK: the bits that may be set */
	uint64_t (*allowed_bits)(void);
	unsigned roles;			/* bit (1 << role) for each taker */
	int required;			/* else absent means 0 / "" */
	size_t offset, size;		/* its field in struct role_settings */
	int omit_zero;			/* the encoder leaves a 0 out */
};

/* The table, in id order; *n gets its length. */
const struct role_setting_def *role_settings_table(size_t *n);

/* The entry for `id`, or NULL. */
const struct role_setting_def *role_setting_find(unsigned id);

/* The format checks that may be switched off (anomaly_is_check) as the
 * RS_DISABLED_CHECKS bit set. */
uint64_t role_settings_check_bits(void);

/* Encodes the settings `role` takes from *s as one REC_SETTINGS in w,
 * every one of them in table order, and finishes it (rec_finish): w
 * holds the whole datagram.  The values are not checked (the role
 * does); returns 0, or -1 when the record could not be written (a
 * string with a NUL or too long). */
int role_settings_encode(enum role_id role, const struct role_settings *s,
    struct rec_writer *w);

/* Decodes one datagram of `len` bytes as the REC_SETTINGS for `role`
 * into *out (zeroed first: what is absent and optional is 0 or "").
 * Returns 0, or -1 with the reason in why (whysz bytes, cut to fit). */
int role_settings_decode(enum role_id role, const uint8_t *buf, size_t len,
    struct role_settings *out, char *why, size_t whysz);

/* 1 when a and b differ in a setting `role` takes other than RS_WARM
 * and RS_ZYGOTE_MAX_CHILDREN (*name: the first one), else 0: a warm
 * child refuses settings that are not its zygote's. */
int role_settings_differ(enum role_id role, const struct role_settings *a,
    const struct role_settings *b, const char **name);

#endif
