/* tests: the roles' settings record (common/role_settings.c) and the
 * broker's builders (broker/role_settings_build.c): every setting of
 * every role round-trips, the configuration's values arrive, and each
 * refusal of the decoder says its reason. */
#include <string.h>
#include <glib.h>

#include "check.h"
#include "config.h"
#include "facts.h"
#include "role_settings.h"
#include "role_settings_build.h"

static struct rec_writer w;
static struct role_settings in, out;
static char why[160];

static const enum role_id roles[] = { ROLE_UNPACK, ROLE_CLAMAV, ROLE_CLAMD,
    ROLE_MHR };

static int
decode(enum role_id role)
{
	why[0] = '\0';
	return role_settings_decode(role, w.buf, w.len, &out, why, sizeof(why));
}

/* The reason of the last refusal contains `text`. */
#define CHECK_WHY(text) do { \
	if (strstr(why, (text)) == NULL) { \
		fprintf(stderr, "%s:%d: reason \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, why, (text)); \
		check_failures++; \
	} \
} while (0)

static void
set_field(struct role_settings *s, const struct role_setting_def *d,
    uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	if (d->size == sizeof(v32))
		memcpy((char *)s + d->offset, &v32, sizeof(v32));
	else
		memcpy((char *)s + d->offset, &v, sizeof(v));
}

/* Settings records written by hand, as a broker that lies would. */
static void
begin(uint32_t version, uint16_t role, uint16_t count)
{
	rec_begin(&w, REC_SETTINGS);
	rec_put_u32(&w, version);
	rec_put_u16(&w, role);
	rec_put_u16(&w, count);
}

static void
u32(uint16_t id, uint32_t v)
{
	rec_put_u16(&w, id);
	rec_put_u32(&w, v);
}

static void
u64(uint16_t id, uint64_t v)
{
	rec_put_u16(&w, id);
	rec_put_u64(&w, v);
}

/* A whole, valid unpack record, `count` saying count settings, with the
 * first `n` of the eight written (the table's unpack rows, in order). */
static void
unpack_record(uint16_t count, unsigned n)
{
	begin(RECORD_VERSION, ROLE_UNPACK, count);
	if (n > 0) u32(RS_MAX_PARTS, 100);
	if (n > 1) u32(RS_MAX_DEPTH, 10);
	if (n > 2) u64(RS_MAX_DECODED_BYTES, 1u << 20);
	if (n > 3) u32(RS_MAX_ARCHIVE_DEPTH, 8);
	if (n > 4) u32(RS_MAX_ARCHIVE_MEMBERS, 1000);
	if (n > 5) u64(RS_MAX_EXPANDED_BYTES, 1u << 20);
	if (n > 6) u32(RS_MAX_EXPANSION_RATIO, 100);
	if (n > 7) u64(RS_DISABLED_CHECKS, 0);
}

static void
finish(void)
{
	CHECK_INT(rec_finish(&w), 0);
}

/* The table itself: ids in order, one row each, fields that fit. */
static void
test_table(void)
{
	const struct role_setting_def *t;
	size_t n;

	t = role_settings_table(&n);
	CHECK_INT(n, RS_ID_MAX);
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(t[i].id, i + 1);
		CHECK(role_setting_find(t[i].id) == &t[i]);
		CHECK(t[i].roles != 0);
		CHECK(t[i].offset + t[i].size <= sizeof(struct role_settings));
		switch (t[i].type) {
		case RS_U32:
			CHECK_INT(t[i].size, sizeof(uint32_t));
			CHECK(t[i].max <= UINT32_MAX && t[i].min <= t[i].max);
			break;
		case RS_U64:
			CHECK_INT(t[i].size, sizeof(uint64_t));
			CHECK(t[i].min <= t[i].max);
			break;
		case RS_BITMASK:
			CHECK_INT(t[i].size, sizeof(uint64_t));
			CHECK(t[i].allowed_bits != NULL);
			break;
		case RS_STRING:
			CHECK(t[i].max < t[i].size);
			CHECK(t[i].max <= RECORD_STR_MAX);
			break;
		default:
			CHECK(0);
		}
	}
	CHECK(role_setting_find(0) == NULL);
	CHECK(role_setting_find(RS_ID_MAX + 1) == NULL);
	/* The checks that may be switched off, and nothing else. */
	CHECK(role_settings_check_bits() & (1ull << ANOM_DOUBLE_EXTENSION));
	CHECK(!(role_settings_check_bits() & (1ull << ANOM_LIMIT_PARTS)));
	CHECK(!(role_settings_check_bits() & (1ull << ANOM_TRUNCATED_STRING)));
	CHECK(!(role_settings_check_bits() & 1));
}

/* Every setting of every role, at its minimum and at its maximum (a
 * string at its longest), encoded and decoded back unchanged. */
static void
test_round_trip(void)
{
	const struct role_setting_def *t;
	size_t n;

	t = role_settings_table(&n);
	for (int edge = 0; edge < 2; edge++)
		for (size_t r = 0; r < G_N_ELEMENTS(roles); r++) {
			memset(&in, 0, sizeof(in));
			for (size_t i = 0; i < n; i++) {
				char *str = (char *)&in + t[i].offset;

				if (!(t[i].roles & (1u << roles[r])))
					continue;
				if (t[i].type == RS_STRING) {
					size_t len = edge ? t[i].max : t[i].min;

					memset(str, 'a' + (int)i, len);
					str[len] = '\0';
				} else if (t[i].type == RS_BITMASK)
					set_field(&in, &t[i], edge ?
					    t[i].allowed_bits() : 0);
				else
					set_field(&in, &t[i], edge ? t[i].max :
					    t[i].min);
			}
			/* warm and its count: both or neither. */
			if (in.warm == 0)
				in.zygote_max_children = 0;
			CHECK_INT(role_settings_encode(roles[r], &in, &w), 0);
			CHECK_INT(decode(roles[r]), 0);
			CHECK(memcmp(&in, &out, sizeof(in)) == 0);
			/* Another role refuses it. */
			CHECK_INT(decode(roles[(r + 1) % G_N_ELEMENTS(roles)]),
			    -1);
			CHECK_WHY("settings for role");
		}
	/* Values inside the range, distinct per setting, too. */
	memset(&in, 0, sizeof(in));
	in.max_parts = 12345;
	in.max_depth = 77;
	in.max_decoded_bytes = 0x123456789ull;
	in.max_archive_depth = 5;
	in.max_archive_members = 4321;
	in.max_expanded_bytes = 0xabcdef0123ull;
	in.max_expansion_ratio = 0;
	in.disabled_checks = (1ull << ANOM_DOUBLE_EXTENSION) |
	    (1ull << ANOM_BIDI_FILENAME);
	CHECK_INT(role_settings_encode(ROLE_UNPACK, &in, &w), 0);
	CHECK_INT(decode(ROLE_UNPACK), 0);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);
}

/* The broker's builders: what the configuration says is what each role
 * decodes, and the defaults are accepted by every role. */
static void
test_builders(void)
{
	struct qscan_config c;
	struct rec_writer *b;

	config_defaults(&c);
	c.max_parts = 321;
	c.max_archive_depth = ARCHIVE_DEPTH_CEILING;
	c.max_expanded_bytes = 99999;
	c.checks_disabled = 1ull << ANOM_LONG_FILENAME;
	b = role_settings_build_unpack(&c);
	CHECK_INT(b->failed, 0);
	CHECK_INT(role_settings_decode(ROLE_UNPACK, b->buf, b->len, &out, why,
	    sizeof(why)), 0);
	CHECK_INT(out.max_parts, 321);
	CHECK_INT(out.max_depth, c.max_depth);
	CHECK_INT(out.max_decoded_bytes, c.max_decoded_bytes);
	CHECK_INT(out.max_archive_depth, ARCHIVE_DEPTH_CEILING);
	CHECK_INT(out.max_archive_members, c.max_archive_members);
	CHECK_INT(out.max_expanded_bytes, 99999);
	CHECK_INT(out.max_expansion_ratio, c.max_expansion_ratio);
	CHECK_INT(out.disabled_checks, 1ull << ANOM_LONG_FILENAME);
	g_free(b);

	b = role_settings_build_clamav(&c, 0);
	CHECK_INT(role_settings_decode(ROLE_CLAMAV, b->buf, b->len, &out, why,
	    sizeof(why)), 0);
	CHECK(strcmp(out.clamav_database, c.clamav_database) == 0);
	CHECK_INT(out.clamav_max_scan_bytes, c.clamav_max_scan_bytes);
	CHECK_INT(out.clamav_max_file_bytes, c.clamav_max_file_bytes);
	CHECK_INT(out.clamav_max_recursion, c.clamav_max_recursion);
	CHECK_INT(out.clamav_max_files, c.clamav_max_files);
	g_free(b);

	/* clamd: auto is fildes on a unix socket, instream on TCP. */
	b = role_settings_build_clamd(&c, 1);
	CHECK_INT(role_settings_decode(ROLE_CLAMD, b->buf, b->len, &out, why,
	    sizeof(why)), 0);
	CHECK_INT(out.clamd_mode, ROLE_CLAMD_FILDES);
	CHECK_INT(out.clamd_read_timeout_ms, c.clamd_read_timeout_ms);
	CHECK_INT(out.clamd_max_stream_bytes, c.clamd_max_stream_bytes);
	g_free(b);
	b = role_settings_build_clamd(&c, 0);
	CHECK_INT(role_settings_decode(ROLE_CLAMD, b->buf, b->len, &out, why,
	    sizeof(why)), 0);
	CHECK_INT(out.clamd_mode, ROLE_CLAMD_INSTREAM);
	g_free(b);
	g_free(c.clamd_mode);
	c.clamd_mode = g_strdup("instream");
	b = role_settings_build_clamd(&c, 1);
	CHECK_INT(role_settings_decode(ROLE_CLAMD, b->buf, b->len, &out, why,
	    sizeof(why)), 0);
	CHECK_INT(out.clamd_mode, ROLE_CLAMD_INSTREAM);
	g_free(b);

	/* A database path no record string holds: not cut, refused. */
	g_free(c.clamav_database);
	c.clamav_database = g_malloc(ROLE_SETTING_STR_MAX + 2);
	memset(c.clamav_database, '/', ROLE_SETTING_STR_MAX + 1);
	c.clamav_database[ROLE_SETTING_STR_MAX + 1] = '\0';
	b = role_settings_build_clamav(&c, 0);
	CHECK_INT(role_settings_decode(ROLE_CLAMAV, b->buf, b->len, &out, why,
	    sizeof(why)), -1);
	CHECK_WHY("clamav.database: length 0 out of range 1..4095");
	g_free(b);
	config_clear(&c);
}

/* Each refusal, with its reason. */
static void
test_refusals(void)
{
	uint8_t junk[4] = { 0 };

	/* The complete record is accepted: what follows differs by one
	 * thing each. */
	unpack_record(8, 8);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), 0);
	/* The optional one may be left out. */
	unpack_record(7, 7);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), 0);
	CHECK_INT(out.disabled_checks, 0);

	CHECK_INT(role_settings_decode(ROLE_UNPACK, junk, sizeof(junk), &out,
	    why, sizeof(why)), -1);
	CHECK_WHY("not a record");
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("record type 1, not settings");
	begin(RECORD_VERSION, ROLE_UNPACK, 0);
	w.len -= 2;
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("settings record too short");

	begin(RECORD_VERSION - 1, ROLE_UNPACK, 0);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("record version 5, this role speaks 6");
	begin(RECORD_VERSION, ROLE_CLAMAV, 0);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("settings for role clamav, this is unpack");
	begin(RECORD_VERSION, 77, 0);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("settings for role unknown, this is unpack");

	/* Unknown id, another role's setting, a duplicate. */
	unpack_record(9, 8);
	u32(RS_ID_MAX + 1, 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("unknown setting id 27");
	unpack_record(9, 8);
	u32(0, 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("unknown setting id 0");
	unpack_record(9, 8);
	u32(RS_CLAMD_READ_TIMEOUT_MS, 1000);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("clamd.read_timeout_ms is not a setting of role unpack");
	unpack_record(9, 8);
	u32(RS_MAX_PARTS, 100);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_parts given twice");

	/* Out of range, at both ends, for u32 and u64. */
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	u32(RS_MAX_PARTS, 0);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_parts: 0 out of range 1..4294967294");
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	u32(RS_MAX_PARTS, REC_NO_PARENT);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_parts: 4294967295 out of range");
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	u32(RS_MAX_DEPTH, UINT16_MAX + 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_depth: 65536 out of range 0..65535");
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	u32(RS_MAX_ARCHIVE_DEPTH, ARCHIVE_DEPTH_CEILING + 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_archive_depth: 33 out of range 0..32");
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	u64(RS_CLAMAV_MAX_SCAN_BYTES, 0);
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.max_scan_bytes: 0 out of range");
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	u64(RS_CLAMAV_MAX_FILE_BYTES, (uint64_t)INT64_MAX + 1);
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.max_file_bytes: 9223372036854775808 out of range");
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	u32(RS_CLAMAV_MAX_FILES, 0);
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.max_files: 0 out of range");
	begin(RECORD_VERSION, ROLE_CLAMD, 1);
	u32(RS_CLAMD_MODE, 2);
	finish();
	CHECK_INT(decode(ROLE_CLAMD), -1);
	CHECK_WHY("clamd.mode: 2 out of range 0..1");
	begin(RECORD_VERSION, ROLE_CLAMD, 1);
	u32(RS_CLAMD_READ_TIMEOUT_MS, 0);
	finish();
	CHECK_INT(decode(ROLE_CLAMD), -1);
	CHECK_WHY("clamd.read_timeout_ms: 0 out of range 1..2147483647");

	/* A bit outside the checks: a limit cannot be switched off. */
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	u64(RS_DISABLED_CHECKS, (1ull << ANOM_DOUBLE_EXTENSION) |
	    (1ull << ANOM_LIMIT_PARTS));
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("checks.disabled: bits 0x8 are not allowed");

	/* Strings: empty, too long, with a NUL. */
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	rec_put_u16(&w, RS_CLAMAV_DATABASE);
	rec_put_str(&w, "", 0);
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.database: length 0 out of range 1..4095");
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	rec_put_u16(&w, RS_CLAMAV_DATABASE);
	{
		static char longest[RECORD_STR_MAX];

		memset(longest, 'x', sizeof(longest));
		rec_put_str(&w, longest, sizeof(longest));
	}
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.database: not a string of at most 4095 bytes");
	begin(RECORD_VERSION, ROLE_CLAMAV, 1);
	rec_put_u16(&w, RS_CLAMAV_DATABASE);
	rec_put_u16(&w, 3);
	rec_put_u8(&w, 'a');
	rec_put_u8(&w, 0);
	rec_put_u8(&w, 'b');
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("clamav.database: not a string");

	/* The record ends too early: inside a value, before an id. */
	begin(RECORD_VERSION, ROLE_UNPACK, 1);
	rec_put_u16(&w, RS_MAX_DECODED_BYTES);
	rec_put_u32(&w, 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("max_decoded_bytes: record ends inside its value");
	unpack_record(9, 8);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("record ends after 8 of 9 settings");

	/* Bytes after the last setting. */
	unpack_record(8, 8);
	rec_put_u16(&w, 0);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("2 bytes after the last setting");

	/* A required setting missing: each one in turn. */
	unpack_record(6, 6);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("required setting max_expansion_ratio missing");
	begin(RECORD_VERSION, ROLE_CLAMD, 2);
	u32(RS_CLAMD_MODE, ROLE_CLAMD_INSTREAM);
	u32(RS_CLAMD_READ_TIMEOUT_MS, 5);
	finish();
	CHECK_INT(decode(ROLE_CLAMD), -1);
	CHECK_WHY("required setting clamd.max_stream_bytes missing");
	begin(RECORD_VERSION, ROLE_CLAMAV, 0);
	finish();
	CHECK_INT(decode(ROLE_CLAMAV), -1);
	CHECK_WHY("required setting clamav.database missing");

	/* The reason is cut to the buffer, never overflows it. */
	{
		char tiny[8];

		begin(RECORD_VERSION, ROLE_CLAMAV, 0);
		finish();
		CHECK_INT(role_settings_decode(ROLE_CLAMAV, w.buf, w.len, &out,
		    tiny, sizeof(tiny)), -1);
		CHECK_INT(strlen(tiny), sizeof(tiny) - 1);
	}
}

/* A role's own records never include REC_SETTINGS: the broker's
 * decoders refuse it as any record a role may not send. */
/* A zygote's two settings (docs/warm.md): both or neither, in range,
 * left out of a record when 0, and the only ones a warm child may see
 * differ from its zygote's. */
static void
test_warm(void)
{
	const char *name = NULL;
	struct role_settings a, b;

	/* The exec path's record is what it was: eight unpack settings. */
	memset(&in, 0, sizeof(in));
	in.max_parts = 100;
	CHECK_INT(role_settings_encode(ROLE_UNPACK, &in, &w), 0);
	CHECK_INT(w.buf[RECORD_HEADER_LEN + 6], 8);
	in.warm = 1;
	in.zygote_max_children = 3;
	CHECK_INT(role_settings_encode(ROLE_UNPACK, &in, &w), 0);
	CHECK_INT(w.buf[RECORD_HEADER_LEN + 6], 10);
	CHECK_INT(decode(ROLE_UNPACK), 0);
	CHECK_INT(out.warm, 1);
	CHECK_INT(out.zygote_max_children, 3);

	unpack_record(9, 8);
	u32(RS_WARM, 1);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("warm 1 with zygote_max_children 0: both or neither");
	unpack_record(9, 8);
	u32(RS_ZYGOTE_MAX_CHILDREN, 5);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("warm 0 with zygote_max_children 5: both or neither");
	unpack_record(10, 8);
	u32(RS_WARM, 2);
	u32(RS_ZYGOTE_MAX_CHILDREN, 5);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("warm: 2 out of range 0..1");
	unpack_record(10, 8);
	u32(RS_WARM, 1);
	u32(RS_ZYGOTE_MAX_CHILDREN, 1000001);
	finish();
	CHECK_INT(decode(ROLE_UNPACK), -1);
	CHECK_WHY("service.zygote_max_children: 1000001 out of range");
	/* The canary takes no settings, so it cannot be warm. */
	begin(RECORD_VERSION, ROLE_CANARY, 1);
	u32(RS_WARM, 0);
	finish();
	CHECK_INT(decode(ROLE_CANARY), -1);
	CHECK_WHY("warm is not a setting of role canary");

	memset(&a, 0, sizeof(a));
	a.max_parts = 100;
	b = a;
	b.warm = 1;
	b.zygote_max_children = 7;
	CHECK_INT(role_settings_differ(ROLE_UNPACK, &a, &b, &name), 0);
	b.max_depth = 1;
	CHECK_INT(role_settings_differ(ROLE_UNPACK, &a, &b, &name), 1);
	CHECK(name != NULL && strcmp(name, "max_depth") == 0);
	/* Another role's field is not the unpack role's business. */
	b = a;
	b.clamd_mode = 1;
	CHECK_INT(role_settings_differ(ROLE_UNPACK, &a, &b, &name), 0);
	CHECK_INT(role_settings_differ(ROLE_CLAMD, &a, &b, &name), 1);
}

static void
test_not_from_roles(void)
{
	struct message_facts f;
	struct unpack_decoder d;

	message_facts_init(&f);
	unpack_decoder_init(&d, &f, 100, 1 << 20);
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, RECORD_VERSION);
	rec_put_u16(&w, ROLE_UNPACK);
	finish();
	CHECK_INT(unpack_decoder_feed(&d, w.buf, w.len, -1), 0);
	unpack_record(8, 8);
	finish();
	CHECK_INT(unpack_decoder_feed(&d, w.buf, w.len, -1), -1);
	message_facts_clear(&f);
}

int
main(void)
{
	test_table();
	test_warm();
	test_round_trip();
	test_builders();
	test_refusals();
	test_not_from_roles();
	return CHECK_DONE();
}
