/* common: the roles' settings table, its encoder (broker side) and its
 * strict decoder (role side, before lockdown, on bytes from the broker). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "role_settings.h"

#define ROLE_BIT(r)	(1u << (r))
#define FIELD(f)	offsetof(struct role_settings, f), \
			sizeof(((struct role_settings *)0)->f)
/* The roles that can run as a zygote: not the canary, exec-only. */
#define WARM_ROLES	(ROLE_BIT(ROLE_UNPACK) | ROLE_BIT(ROLE_CLAMAV) | \
			 ROLE_BIT(ROLE_CLAMD) | ROLE_BIT(ROLE_MHR) | \
			 ROLE_BIT(ROLE_SPAMD))

static uint64_t
mhr_hash_bits(void)
{
	return (1u << HASH_SHA256) | (1u << HASH_SHA1) | (1u << HASH_MD5);
}

/* The ranges are what each role can take: a part index must not be
 * REC_NO_PARENT, depth travels as u16, libclamav takes a long long and
 * reads 0 as "no limit" (a typo must never mean that), poll() takes an
 * int and 0 would never wait, pread offsets are signed 64-bit. */
static const struct role_setting_def role_setting_defs[] = {
	{ RS_MAX_PARTS, "max_parts", RS_U32, 1, REC_NO_PARENT - 1, NULL,
	  ROLE_BIT(ROLE_UNPACK), 1, FIELD(max_parts) },
	{ RS_MAX_DEPTH, "max_depth", RS_U32, 0, UINT16_MAX, NULL,
	  ROLE_BIT(ROLE_UNPACK), 1, FIELD(max_depth) },
	{ RS_MAX_DECODED_BYTES, "max_decoded_bytes", RS_U64, 0, UINT64_MAX,
	  NULL, ROLE_BIT(ROLE_UNPACK), 1, FIELD(max_decoded_bytes) },
	{ RS_MAX_ARCHIVE_DEPTH, "max_archive_depth", RS_U32, 0,
	  ARCHIVE_DEPTH_CEILING, NULL, ROLE_BIT(ROLE_UNPACK), 1,
	  FIELD(max_archive_depth) },
	{ RS_MAX_ARCHIVE_MEMBERS, "max_archive_members", RS_U32, 0,
	  UINT32_MAX, NULL, ROLE_BIT(ROLE_UNPACK), 1,
	  FIELD(max_archive_members) },
	{ RS_MAX_EXPANDED_BYTES, "max_expanded_bytes", RS_U64, 0, UINT64_MAX,
	  NULL, ROLE_BIT(ROLE_UNPACK), 1, FIELD(max_expanded_bytes) },
	{ RS_MAX_EXPANSION_RATIO, "max_expansion_ratio", RS_U32, 0,
	  UINT32_MAX, NULL, ROLE_BIT(ROLE_UNPACK), 1,
	  FIELD(max_expansion_ratio) },
	{ RS_DISABLED_CHECKS, "checks.disabled", RS_BITMASK, 0, 0,
	  role_settings_check_bits, ROLE_BIT(ROLE_UNPACK), 0,
	  FIELD(disabled_checks) },
	{ RS_CLAMAV_DATABASE, "clamav.database", RS_STRING, 1,
	  ROLE_SETTING_STR_MAX, NULL, ROLE_BIT(ROLE_CLAMAV), 1,
	  FIELD(clamav_database) },
	{ RS_CLAMAV_MAX_SCAN_BYTES, "clamav.max_scan_bytes", RS_U64, 1,
	  INT64_MAX, NULL, ROLE_BIT(ROLE_CLAMAV), 1,
	  FIELD(clamav_max_scan_bytes) },
	{ RS_CLAMAV_MAX_FILE_BYTES, "clamav.max_file_bytes", RS_U64, 1,
	  INT64_MAX, NULL, ROLE_BIT(ROLE_CLAMAV), 1,
	  FIELD(clamav_max_file_bytes) },
	{ RS_CLAMAV_MAX_RECURSION, "clamav.max_recursion", RS_U32, 1,
	  UINT32_MAX, NULL, ROLE_BIT(ROLE_CLAMAV), 1,
	  FIELD(clamav_max_recursion) },
	{ RS_CLAMAV_MAX_FILES, "clamav.max_files", RS_U32, 1, UINT32_MAX,
	  NULL, ROLE_BIT(ROLE_CLAMAV), 1, FIELD(clamav_max_files) },
	{ RS_CLAMD_MODE, "clamd.mode", RS_U32, ROLE_CLAMD_FILDES,
	  ROLE_CLAMD_INSTREAM, NULL, ROLE_BIT(ROLE_CLAMD), 1,
	  FIELD(clamd_mode) },
	{ RS_CLAMD_READ_TIMEOUT_MS, "clamd.read_timeout_ms", RS_U32, 1,
	  INT32_MAX, NULL, ROLE_BIT(ROLE_CLAMD), 1,
	  FIELD(clamd_read_timeout_ms) },
	{ RS_CLAMD_MAX_STREAM_BYTES, "clamd.max_stream_bytes", RS_U64, 0,
	  INT64_MAX, NULL, ROLE_BIT(ROLE_CLAMD), 1,
	  FIELD(clamd_max_stream_bytes) },
	{ RS_WARM, "warm", RS_U32, 0, 1, NULL, WARM_ROLES, 0,
	  FIELD(warm), .omit_zero = 1 },
	/* 1000000: a zygote's address layout shared by a million messages
	 * is already far past what docs/warm.md wants (1000). */
	{ RS_ZYGOTE_MAX_CHILDREN, "service.zygote_max_children", RS_U32, 1,
	  1000000, NULL, WARM_ROLES, 0, FIELD(zygote_max_children),
	  .omit_zero = 1 },
	/* A zone of at least "a.b"; the hashes at least one; the deadline
	 * and wait within poll()'s int. */
	{ RS_MHR_ZONE, "mhr.zone", RS_STRING, 3, ROLE_MHR_ZONE_MAX, NULL,
	  ROLE_BIT(ROLE_MHR), 1, FIELD(mhr_zone) },
	{ RS_MHR_HASHES, "mhr.hashes", RS_BITMASK, 0, 0, mhr_hash_bits,
	  ROLE_BIT(ROLE_MHR), 1, FIELD(mhr_hashes) },
	{ RS_MHR_DEADLINE_MS, "mhr.deadline_ms", RS_U32, 1, INT32_MAX, NULL,
	  ROLE_BIT(ROLE_MHR), 1, FIELD(mhr_deadline_ms) },
	{ RS_MHR_QUERY_TIMEOUT_MS, "mhr.query_timeout_ms", RS_U32, 1,
	  INT32_MAX, NULL, ROLE_BIT(ROLE_MHR), 1,
	  FIELD(mhr_query_timeout_ms) },
	{ RS_MHR_RETRIES, "mhr.retries", RS_U32, 0, ROLE_MHR_RETRIES_MAX,
	  NULL, ROLE_BIT(ROLE_MHR), 1, FIELD(mhr_retries) },
	/* poll() takes an int; a message of at least one byte. */
	{ RS_SPAMD_READ_TIMEOUT_MS, "spamd.read_timeout_ms", RS_U32, 1,
	  INT32_MAX, NULL, ROLE_BIT(ROLE_SPAMD), 1,
	  FIELD(spamd_read_timeout_ms) },
	{ RS_SPAMD_MAX_BYTES, "spamd.max_bytes", RS_U64, 1, INT64_MAX, NULL,
	  ROLE_BIT(ROLE_SPAMD), 1, FIELD(spamd_max_bytes) },
	{ RS_SPAMD_USER, "spamd.user", RS_STRING, 0, ROLE_SPAMD_USER_MAX,
	  NULL, ROLE_BIT(ROLE_SPAMD), 0, FIELD(spamd_user) },
};

#define N_DEFS (sizeof(role_setting_defs) / sizeof(role_setting_defs[0]))

_Static_assert(N_DEFS == RS_ID_MAX, "every setting id has one row");
_Static_assert(RS_ID_MAX <= 32, "a decoder's seen set is 32 bits");

const struct role_setting_def *
role_settings_table(size_t *n)
{
	*n = N_DEFS;
	return role_setting_defs;
}

const struct role_setting_def *
role_setting_find(unsigned id)
{
	/* In id order, from 1: the row of id is at id - 1. */
	if (id == 0 || id > N_DEFS || role_setting_defs[id - 1].id != id)
		return NULL;
	return &role_setting_defs[id - 1];
}

uint64_t
role_settings_check_bits(void)
{
	uint64_t bits = 0;

	for (unsigned c = 1; c <= ANOM_CODE_MAX && c < 64; c++)
		if (anomaly_is_check(c))
			bits |= (uint64_t)1 << c;
	return bits;
}

/* ---- broker side ------------------------------------------------------ */

static uint64_t
field_get(const struct role_settings *s, const struct role_setting_def *d)
{
	const char *p = (const char *)s + d->offset;
	uint32_t v32;
	uint64_t v64;

	if (d->size == sizeof(uint32_t)) {
		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	memcpy(&v64, p, sizeof(v64));
	return v64;
}

/* A 0 the encoder leaves out (omit_zero): absent decodes as 0. */
static int
omitted(const struct role_settings *s, const struct role_setting_def *d)
{
	return d->omit_zero && d->type != RS_STRING && field_get(s, d) == 0;
}

int
role_settings_encode(enum role_id role, const struct role_settings *s,
    struct rec_writer *w)
{
	uint16_t count = 0;

	for (size_t i = 0; i < N_DEFS; i++)
		if ((role_setting_defs[i].roles & ROLE_BIT(role)) &&
		    !omitted(s, &role_setting_defs[i]))
			count++;
	rec_begin(w, REC_SETTINGS);
	rec_put_u32(w, RECORD_VERSION);
	rec_put_u16(w, (uint16_t)role);
	rec_put_u16(w, count);
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct role_setting_def *d = &role_setting_defs[i];
		const char *str = (const char *)s + d->offset;

		if (!(d->roles & ROLE_BIT(role)) || omitted(s, d))
			continue;
		rec_put_u16(w, (uint16_t)d->id);
		switch (d->type) {
		case RS_U32:
			rec_put_u32(w, (uint32_t)field_get(s, d));
			break;
		case RS_U64:
		case RS_BITMASK:
			rec_put_u64(w, field_get(s, d));
			break;
		case RS_STRING:
			rec_put_str(w, str, strnlen(str, d->size));
			break;
		default:
			w->failed = 1;
			break;
		}
	}
	return rec_finish(w);
}

/* ---- role side -------------------------------------------------------- */

static int __attribute__((format(printf, 3, 4)))
refuse(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -1;
}

static void
field_set(struct role_settings *s, const struct role_setting_def *d,
    uint64_t v)
{
	char *p = (char *)s + d->offset;
	uint32_t v32 = (uint32_t)v;

	if (d->size == sizeof(uint32_t))
		memcpy(p, &v32, sizeof(v32));
	else
		memcpy(p, &v, sizeof(v));
}

/* One value of setting d from r into *out; 0, or -1 with why. */
static int
decode_value(struct rec_reader *r, const struct role_setting_def *d,
    struct role_settings *out, char *why, size_t whysz)
{
	uint32_t v32;
	uint64_t v;

	switch (d->type) {
	case RS_U32:
		if (rec_get_u32(r, &v32) != 0)
			return refuse(why, whysz, "%s: record ends inside its "
			    "value", d->name);
		v = v32;
		break;
	case RS_U64:
	case RS_BITMASK:
		if (rec_get_u64(r, &v) != 0)
			return refuse(why, whysz, "%s: record ends inside its "
			    "value", d->name);
		break;
	case RS_STRING: {
		char *str = (char *)out + d->offset;
		size_t n;

		if (rec_get_str(r, str, d->size) != 0)
			return refuse(why, whysz, "%s: not a string of at most "
			    "%llu bytes without NUL", d->name,
			    (unsigned long long)d->max);
		n = strlen(str);
		if (n < d->min || n > d->max)
			return refuse(why, whysz, "%s: length %zu out of range "
			    "%llu..%llu", d->name, n,
			    (unsigned long long)d->min,
			    (unsigned long long)d->max);
		return 0;
	}
	default:
		return refuse(why, whysz, "%s: no such type", d->name);
	}
	if (d->type == RS_BITMASK) {
		uint64_t extra = v & ~d->allowed_bits();

		if (extra != 0)
			return refuse(why, whysz, "%s: bits 0x%llx are not "
			    "allowed", d->name, (unsigned long long)extra);
	} else if (v < d->min || v > d->max)
		return refuse(why, whysz, "%s: %llu out of range %llu..%llu",
		    d->name, (unsigned long long)v,
		    (unsigned long long)d->min, (unsigned long long)d->max);
	field_set(out, d, v);
	return 0;
}

int
role_settings_decode(enum role_id role, const uint8_t *buf, size_t len,
    struct role_settings *out, char *why, size_t whysz)
{
	struct rec_reader r;
	uint32_t version, seen = 0;
	uint16_t for_role, count, id;
	int type;

	memset(out, 0, sizeof(*out));
	type = rec_open(&r, buf, len);
	if (type < 0)
		return refuse(why, whysz, "not a record");
	if (type != REC_SETTINGS)
		return refuse(why, whysz, "record type %d, not settings", type);
	if (rec_get_u32(&r, &version) != 0 || rec_get_u16(&r, &for_role) != 0 ||
	    rec_get_u16(&r, &count) != 0)
		return refuse(why, whysz, "settings record too short");
	if (version != RECORD_VERSION)
		return refuse(why, whysz, "record version %u, this role speaks "
		    "%u", version, RECORD_VERSION);
	if (for_role != role)
		return refuse(why, whysz, "settings for role %s, this is %s",
		    role_id_name(for_role), role_id_name(role));
	for (unsigned i = 0; i < count; i++) {
		const struct role_setting_def *d;

		if (rec_get_u16(&r, &id) != 0)
			return refuse(why, whysz, "record ends after %u of %u "
			    "settings", i, (unsigned)count);
		if ((d = role_setting_find(id)) == NULL)
			return refuse(why, whysz, "unknown setting id %u",
			    (unsigned)id);
		if (!(d->roles & ROLE_BIT(role)))
			return refuse(why, whysz, "%s is not a setting of role "
			    "%s", d->name, role_id_name(role));
		if (seen & (1u << (id - 1)))
			return refuse(why, whysz, "%s given twice", d->name);
		seen |= 1u << (id - 1);
		if (decode_value(&r, d, out, why, whysz) != 0)
			return -1;
	}
	if (rec_end(&r) != 0)
		return refuse(why, whysz, "%zu bytes after the last setting",
		    r.len - r.off);
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct role_setting_def *d = &role_setting_defs[i];

		if ((d->roles & ROLE_BIT(role)) && d->required &&
		    !(seen & (1u << (d->id - 1))))
			return refuse(why, whysz, "required setting %s missing",
			    d->name);
	}
	if ((out->warm != 0) != (out->zygote_max_children != 0))
		return refuse(why, whysz, "warm %u with zygote_max_children "
		    "%u: both or neither", out->warm,
		    out->zygote_max_children);
	return 0;
}

int
role_settings_differ(enum role_id role, const struct role_settings *a,
    const struct role_settings *b, const char **name)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct role_setting_def *d = &role_setting_defs[i];

		/* spamd's User: is the message's own (first-recipient). */
		if (!(d->roles & ROLE_BIT(role)) || d->id == RS_WARM ||
		    d->id == RS_ZYGOTE_MAX_CHILDREN || d->id == RS_SPAMD_USER)
			continue;
		if (memcmp((const char *)a + d->offset,
		    (const char *)b + d->offset, d->size) != 0) {
			*name = d->name;
			return 1;
		}
	}
	return 0;
}
