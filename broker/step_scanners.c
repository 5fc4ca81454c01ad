/* broker pipeline step: each configured scanner role over the raw
 * message and every decoded part; a virus is a virus even when another
 * engine failed; a failed engine tempfails or passes by
 * scan_failure_action; a part an engine left unchecked by
 * unchecked_action.  Trusted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clamd_connect.h"
#include "log.h"
#include "mhr_connect.h"
#include "pipeline_steps.h"
#include "role_settings_build.h"

struct scanner_ctx {
	struct scanner_decoder dec;
	const uint32_t *parts;
	const int *fds;
	uint32_t n_parts, sent;
	int end_sent;
};

static int
scanner_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct scanner_ctx *c = ctx;

	if (scanner_decoder_feed(&c->dec, buf, len, fd) != 0) {
		*why = c->dec.error;
		return -1;
	}
	return 0;
}

static int
scanner_complete(void *ctx)
{
	return scanner_decoder_done(&((struct scanner_ctx *)ctx)->dec);
}

static int
scanner_produce(void *ctx, struct rec_writer *w, int *fd)
{
	struct scanner_ctx *c = ctx;

	if (c->sent < c->n_parts) {
		struct stat st;

		rec_begin(w, REC_SCAN);
		rec_put_u32(w, c->parts[c->sent]);
		rec_put_u64(w, fstat(c->fds[c->sent], &st) == 0 ?
		    (uint64_t)st.st_size : 0);
		*fd = c->fds[c->sent++];
		return 1;
	}
	if (c->end_sent)
		return 0;
	rec_begin(w, REC_SCAN_END);
	rec_put_u32(w, c->n_parts);
	c->end_sent = 1;
	return 1;
}

static int
clamd_peer(const struct qscan_config *cfg, int *is_unix, char **why)
{
	return clamd_connect(cfg->clamd_servers, cfg->clamd_connect_timeout_ms,
	    is_unix, why);
}

static int
mhr_peer(const struct qscan_config *cfg, int *is_unix, char **why)
{
	*is_unix = 0;
	return mhr_connect(cfg, why);
}

/* Each scanner role, once: adding an engine adds a row.  Its helper
 * (role_dir/qscan-<name>), profile and user come from the role id
 * (sandbox_profile(), role_user); every scanner speaks the same records
 * (scanner_decoder: REC_SCAN in, verdicts out). */
static const struct scanner_role {
	enum role_id role;
	/* The connected peer it gets on fd 3, or NULL: none.  -1 with *why
	 * when it cannot be had; *is_unix says what it is. */
	int (*connect_peer)(const struct qscan_config *cfg, int *is_unix,
	    char **why);
	/* Its settings record (broker/role_settings_build.c). */
	struct rec_writer *(*build_settings)(const struct qscan_config *cfg,
	    int is_unix);
	struct role_io io;	/* ctx: a struct scanner_ctx per run */
} scanner_roles[] = {
	{ ROLE_CLAMAV, NULL, role_settings_build_clamav,
	    { scanner_consume, scanner_complete, scanner_produce, NULL } },
	{ ROLE_CLAMD, clamd_peer, role_settings_build_clamd,
	    { scanner_consume, scanner_complete, scanner_produce, NULL } },
	{ ROLE_MHR, mhr_peer, role_settings_build_mhr,
	    { scanner_consume, scanner_complete, scanner_produce, NULL } },
};

static const struct scanner_role *
scanner_role(enum role_id role)
{
	for (size_t i = 0; i < G_N_ELEMENTS(scanner_roles); i++)
		if (scanner_roles[i].role == role)
			return &scanner_roles[i];
	return NULL;
}

/* Runs one scanner role over the raw message and every decoded part.
 * Returns 0, or -1 with *why when the scanner failed. */
static int
run_scanner(struct scan *s, enum role_id role, const uint32_t *parts,
    const int *fds, uint32_t n_parts, struct scanner_result *res,
    struct role_outcome *out, char **why)
{
	const struct scanner_role *sr = scanner_role(role);
	g_autofree struct rec_writer *settings = NULL;
	struct role_io io;
	struct scanner_ctx c;
	struct role_proc rp;
	int peer = -1, is_unix = 0, rc;

	memset(&c, 0, sizeof(c));
	scanner_result_init(res, role);
	if (sr == NULL) {
		*why = g_strdup_printf("no scanner role %s",
		    role_id_name(role));
		return -1;
	}
	if (sr->connect_peer != NULL &&
	    (peer = sr->connect_peer(s->cfg, &is_unix, why)) < 0)
		return -1;
	settings = sr->build_settings(s->cfg, is_unix);
	rc = pipeline_start_role(s, role, settings, -1, peer, &rp, why);
	if (peer >= 0)
		close(peer);
	if (rc != 0) {
		out->ending = ROLE_SPAWN_FAILED;
		return -1;
	}
	c.parts = parts;
	c.fds = fds;
	c.n_parts = n_parts;
	scanner_decoder_init(&c.dec, res, parts, n_parts);
	io = sr->io;
	io.ctx = &c;
	role_run(&rp, s->cfg->role_timeout_ms, &io, out);
	if (out->ending != ROLE_DONE) {
		*why = g_strdup_printf("%s (%s)", role_ending_name(out->ending),
		    out->detail);
		return -1;
	}
	for (guint i = 0; i < res->verdicts->len; i++) {
		const struct verdict_fact *v = &g_array_index(res->verdicts,
		    struct verdict_fact, i);

		if (v->result == SCAN_ERROR) {
			*why = g_strdup_printf("error on part %s: %s",
			    v->part == REC_NO_PARENT ? "raw" :
			    ((struct part_fact *)s->facts.parts->pdata[v->part])->path,
			    v->name);
			return -1;
		}
	}
	return 0;
}

/* What the engines said, together. */
struct engines_seen {
	int failed, timeout, virus, unchecked;
	int mhr_skipped;	/* a lookup had no usable answer */
};

/* A transfer encoding that leaves the bytes as they are in the message. */
static int
encoding_is_identity(const char *enc)
{
	return enc == NULL || enc[0] == '\0' ||
	    g_ascii_strcasecmp(enc, "7bit") == 0 ||
	    g_ascii_strcasecmp(enc, "8bit") == 0 ||
	    g_ascii_strcasecmp(enc, "binary") == 0;
}

/* 1 when the part's bytes stand in the raw message exactly as decoded:
 * it and every part above it are MIME structure with an identity
 * encoding (no base64, no quoted-printable, no archive, TNEF or
 * uuencoded block on the way).  An engine that scanned the raw message
 * has then seen them already. */
static int
part_bytes_in_raw(const struct message_facts *f, const struct part_fact *p)
{
	for (unsigned hops = 0; hops <= f->parts->len; hops++) {
		if ((p->kind != PART_LEAF && p->kind != PART_MULTIPART &&
		    p->kind != PART_MESSAGE) || !encoding_is_identity(p->encoding))
			return 0;
		if (p->parent == REC_NO_PARENT)
			return 1;
		if (p->parent >= f->parts->len)
			return 0;
		p = f->parts->pdata[p->parent];
	}
	return 0;		/* a cycle: the decoder refuses those anyway */
}

/* The largest raw message the engine is sure to scan whole: past its
 * own limit it may skip the rest silently (clamd without
 * AlertExceedsMax), so parts are then sent as well. */
static uint64_t
raw_scanned_whole_max(const struct qscan_config *cfg, enum role_id role)
{
	switch (role) {
	case ROLE_CLAMAV:
		return MIN(cfg->clamav_max_file_bytes, cfg->clamav_max_scan_bytes);
	case ROLE_CLAMD:
		return cfg->clamd_max_stream_bytes;
	default:
		return 0;
	}
}

/* The detected types (unpacker/filetype.c) [mhr] parts = executables
 * looks up: programs and the archives that carry them. */
static int
mhr_type_wanted(const char *t)
{
	static const char *const types[] = {
		"application/x-dosexec", "application/x-executable",
		"application/x-mach-binary", "text/x-shellscript",
		"application/zip", "application/gzip", "application/x-bzip2",
		"application/x-xz", "application/x-7z-compressed",
		"application/vnd.rar", "application/vnd.ms-cab-compressed",
		"application/x-cpio", "application/x-iso9660-image",
		"application/x-tar",
	};

	for (size_t i = 0; t != NULL && i < G_N_ELEMENTS(types); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/* What mhr looks up: every decoded part with content, or only the
 * executables and archives ([mhr] parts); never the raw message, whose
 * hash no registry knows. */
static void
mhr_targets(struct scan *s, GArray *parts, GArray *fds)
{
	g_array_set_size(parts, 0);
	g_array_set_size(fds, 0);
	for (guint i = 0; i < s->facts.parts->len; i++) {
		const struct part_fact *p = s->facts.parts->pdata[i];

		if (p->content_fd < 0 || (!s->cfg->mhr_all_parts &&
		    !mhr_type_wanted(p->detected_type)))
			continue;
		g_array_append_val(parts, p->index);
		g_array_append_val(fds, p->content_fd);
	}
}

/* What one engine scans: the raw message (scan_raw) and every decoded
 * part with its fd, except the parts the raw message already showed it
 * unchanged (part_bytes_in_raw) when the raw message is within what the
 * engine scans whole.  -1 when the spool cannot be reopened (then the
 * verdict is tempfail). */
static int
scan_targets(struct scan *s, enum role_id role, GArray *parts, GArray *fds,
    int *raw_fd)
{
	int raw_covers = 0;

	if (role == ROLE_MHR) {
		mhr_targets(s, parts, fds);
		return 0;
	}
	g_array_set_size(parts, 0);
	g_array_set_size(fds, 0);
	if (s->cfg->scan_raw) {
		uint32_t raw = REC_NO_PARENT;

		if (*raw_fd < 0 &&
		    (*raw_fd = spool_open_readonly(s->spool)) < 0) {
			pipeline_fail(s, FAIL_INTERNAL, "cannot reopen the spool "
			    "file: %s", strerror(errno));
			return -1;
		}
		g_array_append_val(parts, raw);
		g_array_append_val(fds, *raw_fd);
		raw_covers = s->spool->size <= raw_scanned_whole_max(s->cfg,
		    role);
	}
	for (guint i = 0; i < s->facts.parts->len; i++) {
		const struct part_fact *p = s->facts.parts->pdata[i];

		if (p->content_fd < 0 ||
		    (raw_covers && part_bytes_in_raw(&s->facts, p)))
			continue;
		g_array_append_val(parts, p->index);
		g_array_append_val(fds, p->content_fd);
	}
	return 0;
}

/* The broker's decision on mhr's facts: a part listed at or over
 * [mhr] threshold_percent is a virus named MHR.<percent> (its verdict
 * becomes one, so the summary, the trace header, the report and
 * virus_action treat it as any engine's); a listed part below stays
 * clean with the fact in the report; a skipped lookup is logged. */
static void
mhr_apply(struct scan *s, struct scanner_result *res,
    struct engines_seen *seen)
{
	for (guint i = 0, j = 0; i < res->reputations->len; i++) {
		const struct hash_rep_fact *f = &g_array_index(
		    res->reputations, struct hash_rep_fact, i);
		const char *path = ((struct part_fact *)
		    s->facts.parts->pdata[f->part])->path;
		struct verdict_fact *v = NULL;

		/* The verdict of the same part: verdicts are in request
		 * order, reputations a subsequence of them. */
		for (; j < res->verdicts->len; j++) {
			v = &g_array_index(res->verdicts, struct verdict_fact,
			    j);
			if (v->part == f->part)
				break;
		}
		if (j == res->verdicts->len)
			break;	/* the decoder makes this impossible */
		if (f->status == HASH_REP_SKIPPED) {
			log_warn("mhr: lookup skipped for part %s (sha256 %s): "
			    "%s", path, f->sha256, f->why);
			if (!seen->mhr_skipped && !seen->failed)
				snprintf(s->not_scanned, sizeof(s->not_scanned),
				    "mhr: lookup skipped for part %s: %s", path,
				    f->why);
			seen->mhr_skipped = 1;
		} else if (f->status == HASH_REP_LISTED) {
			char name[16];

			log_info("mhr: part %s (%s of sha256 %s) listed, %u%% "
			    "detection, last seen %llu%s", path,
			    hash_kind_name(f->kind), f->sha256, f->percent,
			    (unsigned long long)f->last_seen,
			    f->percent >= s->cfg->mhr_threshold_percent ? "" :
			    ": below threshold_percent, passed");
			if (f->percent >= s->cfg->mhr_threshold_percent) {
				snprintf(name, sizeof(name), "MHR.%u",
				    f->percent);
				v->result = SCAN_VIRUS;
				v->name = g_string_chunk_insert(res->strings,
				    name);
			}
		}
	}
}

/* Each engine in the configured order; -1 when the spool could not be
 * reopened (the verdict is then tempfail already). */
static int
run_each_scanner(struct scan *s, GArray *parts, GArray *fds, int *raw_fd,
    struct engines_seen *seen)
{
	for (unsigned i = 0; i < s->cfg->n_scanners; i++) {
		enum role_id role = s->cfg->scanners[i];
		g_autofree char *why = NULL;
		struct scanner_result *res = &s->scanners[i];
		enum role_ending ending;

		if (scan_targets(s, role, parts, fds, raw_fd) != 0)
			return -1;
		s->n_scanners = i + 1;
		if (run_scanner(s, role, (uint32_t *)(void *)parts->data,
		    (int *)(void *)fds->data, parts->len, res,
		    &s->scanner_outcome[i], &why) != 0) {
			ending = s->scanner_outcome[i].ending;
			log_err("scanner %s failed: %s", role_id_name(role),
			    why);
			if (ending == ROLE_CRASH || ending == ROLE_VIOLATION)
				pipeline_keep_crash_sample(s,
				    role_id_name(role));
			if (!seen->failed)
				snprintf(s->not_scanned, sizeof(s->not_scanned),
				    "%s: %s", role_id_name(role), why);
			seen->failed = 1;
			seen->timeout |= ending == ROLE_TIMEOUT ||
			    ending == ROLE_PEER_TIMEOUT;
			continue;
		}
		if (role == ROLE_MHR)
			mhr_apply(s, res, seen);
		for (guint j = 0; j < res->verdicts->len; j++) {
			const struct verdict_fact *v = &g_array_index(
			    res->verdicts, struct verdict_fact, j);

			seen->virus |= v->result == SCAN_VIRUS;
			seen->unchecked |= v->result == SCAN_LIMIT;
		}
	}
	return 0;
}

/* The verdict from what the engines said together. */
static void
engines_verdict(struct scan *s, const struct engines_seen *seen)
{
	/* A virus is a virus even when another engine failed. */
	if (seen->virus) {
		g_autofree char *names = findings_virus_names(s, 1);

		s->verdict = VERDICT_VIRUS;
		snprintf(s->reason, sizeof(s->reason), "%s", names);
		s->not_scanned[0] = '\0';
		return;
	}
	/* mhr is advisory: a lookup without an answer passes, logged,
	 * unless [mhr] failure_action says tempfail. */
	if (seen->mhr_skipped && !seen->failed &&
	    s->cfg->mhr_failure_action == ACTION_TEMPFAIL) {
		s->verdict = VERDICT_TEMPFAIL;
		s->failure = FAIL_ROLE;
		snprintf(s->reason, sizeof(s->reason), "%s", s->not_scanned);
		s->not_scanned[0] = '\0';
		return;
	}
	if (seen->mhr_skipped && !seen->failed)
		s->not_scanned[0] = '\0';	/* logged in mhr_apply */
	if (seen->failed && s->cfg->scan_failure_action == ACTION_TEMPFAIL) {
		s->verdict = VERDICT_TEMPFAIL;
		s->failure = seen->timeout ? FAIL_TIMEOUT : FAIL_ROLE;
		snprintf(s->reason, sizeof(s->reason), "%s", s->not_scanned);
		s->not_scanned[0] = '\0';
		return;
	}
	if (seen->failed)
		log_warn("passing the message unscanned (scan_failure_action "
		    "= pass): %s", s->not_scanned);
	/* A part over an engine's own limit (its size limit, mostly) says
	 * nothing about the content: by default it passes unscanned by that
	 * engine, the others' verdicts stand, and the trace header and the
	 * summary line name it (amavisd's "unchecked"). */
	if (seen->unchecked && s->verdict == VERDICT_CLEAN) {
		g_autofree char *list = findings_unchecked_list(s);

		if (s->cfg->unchecked_action == ACTION_PASS) {
			log_info("not scanned by every engine: %s", list);
			return;
		}
		s->verdict = VERDICT_LIMITS;
		s->unchecked_decides = 1;
		snprintf(s->reason, sizeof(s->reason), "unchecked: %s", list);
	}
}

void
step_scanners(struct scan *s)
{
	g_autoptr(GArray) parts = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	struct engines_seen seen = { 0 };
	int raw_fd = -1, rc;

	rc = run_each_scanner(s, parts, fds, &raw_fd, &seen);
	if (raw_fd >= 0)
		close(raw_fd);
	if (rc == 0)
		engines_verdict(s, &seen);
}
