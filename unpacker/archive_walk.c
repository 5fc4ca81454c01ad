/* unpacker: archive walk over libarchive, from memory; runs in role
 * unpack, untrusted, after the final filter.  This file is the walk: the
 * members of each level, their bytes under the limits, the anomalies, and
 * the recursion into members that are archives; the readers and the
 * look-alike check are archive_walk_reader.c. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>

#include "archive_walk.h"
#include "archive_walk_internal.h"

/* Bytes asked of libarchive per read: big enough that inflate runs at
 * full speed, small enough that a limit overshoots by little. */
#define AW_READ_CHUNK		(64u * 1024)

/* One walk, the whole tree. */
struct aw_run {
	const struct aw_sink *sink;
	void *ctx;
	struct aw_limits lim;
	struct aw_stats st;
	int stopped;		/* a limit ended the walk */
	unsigned limits_seen;	/* bit per enum aw_anomaly */
	int any_anomaly;
	int fatal;		/* out of memory */
};

/* One archive level. */
struct aw_level {
	const struct aw_level *up;	/* the archive holding this one */
	const uint8_t *buf;
	size_t len;
	uint32_t depth;
	uint32_t parent;
	uint64_t expanded;	/* bytes read out of this archive */
	int announced;		/* on_archive done */
	int encrypted_seen;
	int corrupt_seen;
	enum aw_format format;
};

/* Copies s into out[0..cap), NUL-terminated, control bytes as '?', cut
 * at a UTF-8 sequence start.  Returns the length; *cut when cut. */
static size_t
aw_clean(const char *s, char *out, size_t cap, int *cut)
{
	size_t n = s != NULL ? strlen(s) : 0;

	*cut = 0;
	if (n > cap - 1) {
		*cut = 1;
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
	}
	out[n] = '\0';
	return n;
}

/* RAR and some zips keep Unicode names that libarchive converts to
 * UTF-8 only through the locale, and the role runs in the C locale:
 * convert the wide name (UCS-4 on glibc) ourselves.  Invalid code points
 * become U+FFFD; the output is cut whole-character at cap - 1. */
static void
aw_wide_to_utf8(const wchar_t *w, char *out, size_t cap)
{
	size_t o = 0;

	for (; *w != L'\0'; w++) {
		gunichar cp = (gunichar)*w;
		char b[6];
		size_t n;

		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		n = (size_t)g_unichar_to_utf8(cp, b);
		if (cap - 1 - o < n)
			break;
		memcpy(out + o, b, n);
		o += n;
	}
	out[o] = '\0';
}

static void
aw_report(struct aw_run *r, uint32_t member, enum aw_anomaly code,
    const char *detail)
{
	char clean[AW_DETAIL_MAX];
	int cut;

	r->any_anomaly = 1;
	r->st.anomalies++;
	aw_clean(detail, clean, sizeof(clean), &cut);
	if (r->sink->on_anomaly != NULL)
		r->sink->on_anomaly(r->ctx, member, code, clean);
}

/* A limit: reported once per walk.  All but depth end the walk. */
static void
aw_limit(struct aw_run *r, uint32_t member, enum aw_anomaly code,
    const char *detail)
{
	unsigned bit = 1u << (unsigned)code;

	if (code != AW_ANOM_LIMIT_DEPTH)
		r->stopped = 1;
	r->any_anomaly = 1;
	if (r->limits_seen & bit)
		return;
	r->limits_seen |= bit;
	aw_report(r, member, code, detail);
}

static void
aw_announce(struct aw_run *r, struct aw_level *lv, struct archive *a)
{
	struct aw_archive arc;

	if (lv->announced)
		return;
	lv->announced = 1;
	memset(&arc, 0, sizeof(arc));
	arc.parent = lv->parent;
	arc.depth = lv->depth;
	arc.format = lv->format = aw_format_of(archive_format(a));
	arc.filter = aw_filter_of(archive_filter_code(a, 0));
	arc.format_name = archive_format_name(a) != NULL ?
	    archive_format_name(a) : "";
	arc.filter_name = archive_filter_name(a, 0) != NULL ?
	    archive_filter_name(a, 0) : "none";
	arc.size = lv->len;
	r->st.archives++;
	if (r->sink->on_archive != NULL)
		r->sink->on_archive(r->ctx, &arc);
}

/* on_archive for a stream that broke before libarchive named it. */
static void
aw_announce_broken(struct aw_run *r, struct aw_level *lv)
{
	struct aw_archive arc;

	lv->announced = 1;
	memset(&arc, 0, sizeof(arc));
	arc.parent = lv->parent;
	arc.depth = lv->depth;
	arc.format = AW_FMT_UNKNOWN;
	arc.filter = AW_FILTER_OTHER;
	arc.format_name = "";
	arc.filter_name = "unknown";
	arc.size = lv->len;
	r->st.archives++;
	if (r->sink->on_archive != NULL)
		r->sink->on_archive(r->ctx, &arc);
}

static void
aw_corrupt(struct aw_run *r, struct aw_level *lv, struct archive *a,
    uint32_t member)
{
	char detail[AW_DETAIL_MAX];
	const char *why = archive_error_string(a);

	if (lv->corrupt_seen)
		return;
	lv->corrupt_seen = 1;
	snprintf(detail, sizeof(detail), "%s",
	    why != NULL ? why : "unreadable archive");
	aw_report(r, member, AW_ANOM_CORRUPT, detail);
}

/* Checks the byte limits after `got` more bytes of one member; returns
 * the anomaly when one is reached (the caller cuts the member there). */
static enum aw_anomaly
aw_check_bytes(struct aw_run *r, struct aw_level *lv, uint64_t member_len)
{
	uint64_t total = r->st.expanded_bytes + member_len;
	uint64_t here = lv->expanded + member_len;

	if (total > r->lim.max_expanded_bytes)
		return AW_ANOM_LIMIT_EXPANDED;
	/* here / len > ratio, without the product overflowing. */
	if (r->lim.max_ratio > 0 && here > r->lim.ratio_min_bytes &&
	    here / r->lim.max_ratio >= (uint64_t)lv->len)
		return AW_ANOM_LIMIT_RATIO;
	return 0;
}

/* Reads the current entry's data into *out (malloc'd, caller frees).
 * Returns 0 when complete, 1 when cut by a limit (*limit set), 2 when
 * the data was unreadable (corrupt or encrypted), -1 out of memory. */
static int
aw_read_member(struct aw_run *r, struct aw_level *lv, struct archive *a,
    uint8_t **out, size_t *out_len, enum aw_anomaly *limit, int *fatal_read)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	uint64_t budget = r->lim.max_expanded_bytes - r->st.expanded_bytes;

	*out = NULL;
	*out_len = 0;
	*limit = 0;
	*fatal_read = 0;
	for (;;) {
		la_ssize_t got;

		if (cap - len < AW_READ_CHUNK) {
			/* Grow by what was read, never by what a header
			 * claims; the budget bounds it (plus one chunk). */
			size_t ncap = cap == 0 ? AW_READ_CHUNK : cap * 2;
			uint8_t *nbuf;

			if (ncap - AW_READ_CHUNK > budget)
				ncap = (size_t)budget + AW_READ_CHUNK;
			if (ncap < len + AW_READ_CHUNK)
				ncap = len + AW_READ_CHUNK;
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				free(buf);
				return -1;
			}
			buf = nbuf;
			cap = ncap;
		}
		got = archive_read_data(a, buf + len, AW_READ_CHUNK);
		if (got == 0)
			break;
		if (got < 0) {
			*out = buf;
			*out_len = len;
			*fatal_read = got == ARCHIVE_FATAL;
			return 2;
		}
		len += (size_t)got;
		*limit = aw_check_bytes(r, lv, len);
		if (*limit != 0) {
			if (*limit == AW_ANOM_LIMIT_EXPANDED && len > budget)
				len = (size_t)budget;
			*out = buf;
			*out_len = len;
			return 1;
		}
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static enum aw_result aw_walk_level(struct aw_run *r,
    const struct aw_level *up, const uint8_t *buf, size_t len,
    uint32_t depth, uint32_t parent);


/* Whether data[0..len) are the bytes of lv or of an archive holding it:
 * such a member decodes to nothing new (a quine, a container the
 * enclosing one already is) and walking it would only repeat the level
 * above down to the depth limit.  The ancestors' buffers are alive
 * while their members are walked; at most ARCHIVE_DEPTH_CEILING + 1 of them,
 * and only one of the same length costs a memcmp. */
static int
aw_seen_above(const struct aw_level *lv, const uint8_t *data, size_t len)
{
	for (; lv != NULL; lv = lv->up)
		if (lv->len == len && memcmp(lv->buf, data, len) == 0)
			return 1;
	return 0;
}

/* After a member is reported: walk it when it is an archive. */
static void
aw_nested(struct aw_run *r, struct aw_level *lv, uint32_t index,
    const uint8_t *data, size_t len)
{
	enum aw_result res;

	if (len == 0 || r->stopped || aw_seen_above(lv, data, len))
		return;
	if (lv->depth + 1 > r->lim.max_depth) {
		if (aw_is_archive(data, len))
			aw_limit(r, index, AW_ANOM_LIMIT_DEPTH,
			    "nested archive beyond max_depth not opened");
		return;
	}
	res = aw_walk_level(r, lv, data, len, lv->depth + 1, index);
	if (res == AW_MESSAGE_FATAL)
		r->fatal = 1;
}

/* Fills m for entry e: its place in the tree and its header's facts,
 * the path cleaned into path[0..AW_PATH_MAX]. */
static void
aw_member_describe(const struct aw_run *r, const struct aw_level *lv,
    struct archive_entry *e, struct aw_member *m, char *path)
{
	char wide[AW_PATH_MAX + 1];
	const char *p;

	memset(m, 0, sizeof(*m));
	m->index = r->st.members;
	m->parent = lv->parent;
	m->depth = lv->depth;
	m->format = lv->format;
	/* UTF-8 first, for the records; the stored bytes when the name
	 * does not convert. */
	p = archive_entry_pathname_utf8(e);
	if (p == NULL)
		p = archive_entry_pathname(e);
	if (p == NULL && archive_entry_pathname_w(e) != NULL) {
		aw_wide_to_utf8(archive_entry_pathname_w(e), wide,
		    sizeof(wide));
		p = wide;
	}
	m->path_len = aw_clean(p, path, AW_PATH_MAX + 1, &m->path_truncated);
	m->path = path;
	m->size_declared = archive_entry_size_is_set(e) &&
	    archive_entry_size(e) >= 0;
	m->declared_size = m->size_declared ?
	    (uint64_t)archive_entry_size(e) : 0;
	m->encrypted = archive_entry_is_encrypted(e) != 0;
}

/* A byte limit cut member `index` (limit from aw_check_bytes). */
static void
aw_limit_bytes(struct aw_run *r, const struct aw_level *lv, uint32_t index,
    enum aw_anomaly limit)
{
	char detail[AW_DETAIL_MAX];

	snprintf(detail, sizeof(detail),
	    limit == AW_ANOM_LIMIT_RATIO ?
	    "expanded %llu bytes from a %llu-byte archive" :
	    "expanded %llu bytes in all, archive of %llu bytes",
	    (unsigned long long)(limit == AW_ANOM_LIMIT_RATIO ?
	    lv->expanded : r->st.expanded_bytes),
	    (unsigned long long)lv->len);
	aw_limit(r, index, limit, detail);
}

/* One regular-file entry: report it, its bytes, its anomalies, and what
 * it holds.  Returns -1 when this archive's walk must end. */
static int
aw_member(struct aw_run *r, struct aw_level *lv, struct archive *a,
    struct archive_entry *e)
{
	char path[AW_PATH_MAX + 1];
	struct aw_member m;
	uint8_t *data = NULL;
	size_t dlen = 0;
	enum aw_anomaly limit = 0;
	int rc = 0, fatal_read = 0, truncated = 0, ret = 0;

	aw_member_describe(r, lv, e, &m, path);
	if (!m.encrypted) {
		rc = aw_read_member(r, lv, a, &data, &dlen, &limit,
		    &fatal_read);
		if (rc < 0) {
			r->fatal = 1;
			return -1;
		}
		truncated = rc != 0;
	} else {
		truncated = 1;	/* we have no passphrase */
	}
	r->st.members++;
	r->st.expanded_bytes += dlen;
	lv->expanded += dlen;
	if (r->sink->on_member != NULL)
		r->sink->on_member(r->ctx, &m);
	if (r->sink->on_content != NULL)
		r->sink->on_content(r->ctx, m.index,
		    data != NULL ? data : (const uint8_t *)"", dlen, truncated);
	if (m.encrypted && !lv->encrypted_seen) {
		lv->encrypted_seen = 1;
		aw_report(r, m.index, AW_ANOM_ENCRYPTED,
		    "encrypted member: content not scanned");
	}
	if (rc == 2) {
		aw_corrupt(r, lv, a, m.index);
		if (fatal_read)
			ret = -1;
	} else if (rc == 1) {
		aw_limit_bytes(r, lv, m.index, limit);
		ret = -1;
	} else {
		aw_nested(r, lv, m.index, data, dlen);
	}
	free(data);
	if (r->sink->stop != NULL && r->sink->stop(r->ctx) != 0) {
		r->stopped = 1;
		ret = -1;
	}
	return ret;
}

/* The first header failed: an archive of ours whose headers are
 * encrypted or corrupt, or bytes no format reads after all. */
static enum aw_result
aw_first_header_failed(struct aw_run *r, struct aw_level *lv,
    struct archive *a)
{
	if (aw_format_of(archive_format(a)) == AW_FMT_UNKNOWN)
		return AW_NOT_ARCHIVE;
	aw_announce(r, lv, a);
	if (archive_read_has_encrypted_entries(a) > 0) {
		lv->encrypted_seen = 1;
		aw_report(r, lv->parent, AW_ANOM_ENCRYPTED,
		    "encrypted archive headers");
		return AW_OK;
	}
	aw_corrupt(r, lv, a, lv->parent);
	return AW_PART_FAILED;
}

/* The entries of one opened archive, until its end, a limit, a fatal
 * error or the caller's stop. */
static enum aw_result
aw_walk_entries(struct aw_run *r, struct aw_level *lv, struct archive *a)
{
	struct archive_entry *e;
	int headers = 0;

	while (!r->stopped && !r->fatal) {
		int rc = archive_read_next_header(a, &e);

		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN && headers == 0)
			return aw_first_header_failed(r, lv, a);
		headers++;
		if (rc < ARCHIVE_WARN) {
			aw_corrupt(r, lv, a, lv->parent);
			if (rc == ARCHIVE_FATAL)
				break;
			/* FAILED: this entry is bad, the next may not be;
			 * the entry limit bounds the retries. */
		} else {
			aw_announce(r, lv, a);
		}
		if (r->st.entries >= r->lim.max_members) {
			aw_limit(r, lv->parent, AW_ANOM_LIMIT_MEMBERS,
			    "max_members entries reached");
			break;
		}
		r->st.entries++;
		if (rc < ARCHIVE_WARN ||
		    archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (aw_member(r, lv, a, e) != 0)
			break;
	}
	return AW_OK;
}

static enum aw_result
aw_walk_level(struct aw_run *r, const struct aw_level *up,
    const uint8_t *buf, size_t len, uint32_t depth, uint32_t parent)
{
	struct aw_level lv;
	struct archive *a;
	char why[AW_DETAIL_MAX];
	enum aw_result res;

	memset(&lv, 0, sizeof(lv));
	lv.up = up;
	lv.buf = buf;
	lv.len = len;
	lv.depth = depth;
	lv.parent = parent;
	if (len == 0)
		return AW_NOT_ARCHIVE;
	switch (aw_open(buf, len, &a, why)) {
	case 0:
		if (a == NULL)
			return AW_NOT_ARCHIVE;
		break;
	case 1:
		/* A compressed stream we decode, broken before any header. */
		aw_announce_broken(r, &lv);
		aw_report(r, parent, AW_ANOM_CORRUPT, why);
		return AW_PART_FAILED;
	default:
		return AW_MESSAGE_FATAL;
	}
	res = aw_walk_entries(r, &lv, a);
	archive_read_free(a);
	if (r->fatal)
		return AW_MESSAGE_FATAL;
	return res;
}

enum aw_result
archive_walk(const uint8_t *buf, size_t len, uint32_t depth,
    const struct aw_limits *lim, const struct aw_sink *sink, void *ctx,
    struct aw_stats *stats)
{
	struct aw_run r;
	enum aw_result res;
	locale_t prev;

	if ((buf == NULL && len > 0) || lim == NULL || sink == NULL)
		return AW_MESSAGE_FATAL;
	memset(&r, 0, sizeof(r));
	r.sink = sink;
	r.ctx = ctx;
	r.lim = *lim;
	if (r.lim.max_depth > ARCHIVE_DEPTH_CEILING)
		r.lim.max_depth = ARCHIVE_DEPTH_CEILING;
	prev = aw_locale_enter();
	res = aw_walk_level(&r, NULL, buf, len, depth, AW_NO_PARENT);
	aw_locale_leave(prev);
	if (stats != NULL)
		*stats = r.st;
	if (res == AW_OK && r.any_anomaly)
		res = AW_ANOMALY;
	return res;
}

