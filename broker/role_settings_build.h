/* broker: each role's settings record (REC_SETTINGS, common/
 * role_settings.h) from the configuration; trusted. */
#ifndef QSCAN_ROLE_SETTINGS_BUILD_H
#define QSCAN_ROLE_SETTINGS_BUILD_H

#include "record.h"

struct qscan_config;

/* Each returns the role's settings encoded and finished, for
 * spawn_spec.settings; the caller g_free()s it.  When a value cannot be
 * written (a string too long for a record) the writer comes back with
 * `failed` set, and spawn_role refuses to start the role with it. */
struct rec_writer *role_settings_build_unpack(const struct qscan_config *cfg);
/* The scanners': peer_is_unix says what clamd_connect gave (clamd.mode
 * "auto" is fildes over a unix socket, instream over TCP); the clamav
 * role has no peer and ignores it.  One signature, so that a table of
 * scanner roles can hold either. */
struct rec_writer *role_settings_build_clamav(const struct qscan_config *cfg,
    int peer_is_unix);
struct rec_writer *role_settings_build_clamd(const struct qscan_config *cfg,
    int peer_is_unix);
struct rec_writer *role_settings_build_mhr(const struct qscan_config *cfg,
    int peer_is_unix);

/* The spamd role's, with the User: name for this message ("": none). */
struct rec_writer *role_settings_build_spamd(const struct qscan_config *cfg,
    const char *user);

/* Any role's settings: the three above for warm 0, and for warm 1 the
 * same with RS_WARM and RS_ZYGOTE_MAX_CHILDREN (max_children, 1 or
 * more): a zygote's (docs/warm.md).  NULL for a role without settings
 * (the canary). */
struct rec_writer *role_settings_build(const struct qscan_config *cfg,
    enum role_id role, int peer_is_unix, int warm, unsigned max_children);

#endif
