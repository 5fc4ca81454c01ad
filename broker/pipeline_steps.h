/* broker: what the pipeline's steps share (pipeline.c provides it) and
 * the steps themselves; internal to pipeline.c and step_*.c; trusted. */
#ifndef QSCAN_PIPELINE_STEPS_H
#define QSCAN_PIPELINE_STEPS_H

#include "pipeline.h"

/* Sets the verdict to tempfail with failure f and logs the reason. */
void pipeline_fail(struct scan *s, enum qscan_failure f, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);

/* Spawns `role` (its helper under role_dir, qscan-<role>, its only
 * argument its name; its profile, its user) with message_fd on fd 0 and
 * peer_fd on fd 3 (-1: none), its settings record (NULL: none) the first
 * record it reads. */
int pipeline_start_role(struct scan *s, enum role_id role,
    const struct rec_writer *settings, int message_fd, int peer_fd,
    struct role_proc *rp, char **why);

/* The uid and gid a role runs as. */
void pipeline_role_user(enum role_id role, uid_t *uid, gid_t *gid);

/* Keeps the sample of a role that crashed: it may be an exploit. */
void pipeline_keep_crash_sample(struct scan *s, const char *role);

/* The steps, in the order pipeline_run() takes them.  Canary: -1 when
 * the sandbox is broken (then the verdict is tempfail). */
int step_canary(struct scan *s);
void step_unpack(struct scan *s);
void step_scanners(struct scan *s);
void step_policy(struct scan *s, const struct policy *policy);
void step_spam(struct scan *s);
/* The policy's pass after spam: only rules on spamd's facts. */
void step_policy_spam(struct scan *s, const struct policy *policy);

#endif
