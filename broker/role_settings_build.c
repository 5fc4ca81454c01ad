/* broker: the roles' settings from struct qscan_config, one function per
 * role; trusted.  The values go as configured: the role's decoder holds
 * the ranges (common/role_settings.c). */
#include <string.h>
#include <glib.h>

#include "config.h"
#include "role_settings.h"
#include "role_settings_build.h"

/* Encodes `set` for `role` into a new writer. */
static struct rec_writer *
settings_encode(enum role_id role, const struct role_settings *set)
{
	struct rec_writer *w = g_new0(struct rec_writer, 1);

	(void)role_settings_encode(role, set, w);
	return w;
}

static void
fill_unpack(const struct qscan_config *cfg, struct role_settings *set)
{
	set->max_parts = cfg->max_parts;
	set->max_depth = cfg->max_depth;
	set->max_decoded_bytes = cfg->max_decoded_bytes;
	set->max_archive_depth = cfg->max_archive_depth;
	set->max_archive_members = cfg->max_archive_members;
	set->max_expanded_bytes = cfg->max_expanded_bytes;
	set->max_expansion_ratio = cfg->max_expansion_ratio;
	set->disabled_checks = cfg->checks_disabled;
}

static void
fill_clamav(const struct qscan_config *cfg, struct role_settings *set)
{
	size_t n = strlen(cfg->clamav_database);

	/* A path the field cannot hold is not cut: the role refuses the
	 * empty one it gets instead, as it refuses any bad value. */
	if (n < sizeof(set->clamav_database))
		memcpy(set->clamav_database, cfg->clamav_database, n + 1);
	set->clamav_max_scan_bytes = cfg->clamav_max_scan_bytes;
	set->clamav_max_file_bytes = cfg->clamav_max_file_bytes;
	set->clamav_max_recursion = cfg->clamav_max_recursion;
	set->clamav_max_files = cfg->clamav_max_files;
}

static void
fill_clamd(const struct qscan_config *cfg, int peer_is_unix,
    struct role_settings *set)
{
	const char *mode = cfg->clamd_mode;

	if (strcmp(mode, "auto") == 0)
		set->clamd_mode = peer_is_unix ? ROLE_CLAMD_FILDES :
		    ROLE_CLAMD_INSTREAM;
	else if (strcmp(mode, "fildes") == 0)
		set->clamd_mode = ROLE_CLAMD_FILDES;
	else if (strcmp(mode, "instream") == 0)
		set->clamd_mode = ROLE_CLAMD_INSTREAM;
	else
		set->clamd_mode = UINT32_MAX;	/* the role refuses it */
	set->clamd_read_timeout_ms = cfg->clamd_read_timeout_ms;
	set->clamd_max_stream_bytes = cfg->clamd_max_stream_bytes;
}

static void
fill_mhr(const struct qscan_config *cfg, struct role_settings *set)
{
	size_t n = strlen(cfg->mhr_zone);

	/* As with the database path: what does not fit goes empty, and the
	 * role refuses it. */
	if (n < sizeof(set->mhr_zone))
		memcpy(set->mhr_zone, cfg->mhr_zone, n + 1);
	set->mhr_hashes = cfg->mhr_hashes;
	set->mhr_deadline_ms = cfg->mhr_deadline_ms;
	set->mhr_query_timeout_ms = cfg->mhr_query_timeout_ms;
	set->mhr_retries = cfg->mhr_retries;
}

/* The user comes per message (spamd_user): not from cfg. */
static void
fill_spamd(const struct qscan_config *cfg, struct role_settings *set)
{
	set->spamd_read_timeout_ms = cfg->spamd_read_timeout_ms;
	set->spamd_max_bytes = cfg->spamd_max_bytes;
}

struct rec_writer *
role_settings_build(const struct qscan_config *cfg, enum role_id role,
    int peer_is_unix, int warm, unsigned max_children)
{
	g_autofree struct role_settings *set = g_new0(struct role_settings, 1);

	switch (role) {
	case ROLE_UNPACK:
		fill_unpack(cfg, set);
		break;
	case ROLE_CLAMAV:
		fill_clamav(cfg, set);
		break;
	case ROLE_CLAMD:
		fill_clamd(cfg, peer_is_unix, set);
		break;
	case ROLE_MHR:
		fill_mhr(cfg, set);
		break;
	case ROLE_SPAMD:
		fill_spamd(cfg, set);
		break;
	default:
		return NULL;
	}
	if (warm) {
		set->warm = 1;
		set->zygote_max_children = max_children;
	}
	return settings_encode(role, set);
}

struct rec_writer *
role_settings_build_unpack(const struct qscan_config *cfg)
{
	return role_settings_build(cfg, ROLE_UNPACK, 0, 0, 0);
}

struct rec_writer *
role_settings_build_clamav(const struct qscan_config *cfg, int peer_is_unix)
{
	return role_settings_build(cfg, ROLE_CLAMAV, peer_is_unix, 0, 0);
}

struct rec_writer *
role_settings_build_clamd(const struct qscan_config *cfg, int peer_is_unix)
{
	return role_settings_build(cfg, ROLE_CLAMD, peer_is_unix, 0, 0);
}

struct rec_writer *
role_settings_build_mhr(const struct qscan_config *cfg, int peer_is_unix)
{
	return role_settings_build(cfg, ROLE_MHR, peer_is_unix, 0, 0);
}

struct rec_writer *
role_settings_build_spamd(const struct qscan_config *cfg, const char *user)
{
	g_autofree struct role_settings *set = g_new0(struct role_settings, 1);
	size_t n = strlen(user);

	fill_spamd(cfg, set);
	/* Too long for the field: the role refuses the record instead. */
	if (n < sizeof(set->spamd_user))
		memcpy(set->spamd_user, user, n + 1);
	else
		set->spamd_read_timeout_ms = 0;
	return settings_encode(ROLE_SPAMD, set);
}
