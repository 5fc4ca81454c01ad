/* broker pipeline step: the unpack role on the spool file; its records
 * become the message's facts (unpack_facts.c), a limit it reached the
 * verdict "limits".  Trusted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pipeline_steps.h"
#include "role_settings_build.h"

struct unpack_ctx {
	struct unpack_decoder dec;
};

static int
unpack_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct unpack_ctx *u = ctx;

	if (unpack_decoder_feed(&u->dec, buf, len, fd) != 0) {
		*why = u->dec.error;
		return -1;
	}
	return 0;
}

static int
unpack_complete(void *ctx)
{
	return unpack_decoder_done(&((struct unpack_ctx *)ctx)->dec);
}

void
step_unpack(struct scan *s)
{
	g_autofree struct rec_writer *settings =
	    role_settings_build_unpack(s->cfg);
	struct unpack_ctx u;
	struct role_proc rp;
	g_autofree char *why = NULL;
	const struct anomaly_fact *limit;
	int msg_fd;

	msg_fd = spool_open_readonly(s->spool);
	if (msg_fd < 0) {
		pipeline_fail(s, FAIL_INTERNAL, "cannot reopen the spool file: "
		    "%s",
		    strerror(errno));
		return;
	}
	unpack_decoder_init(&u.dec, &s->facts, s->cfg->max_parts,
	    s->cfg->max_decoded_bytes);
	if (pipeline_start_role(s, ROLE_UNPACK, settings, msg_fd, -1, &rp,
	    &why) != 0) {
		close(msg_fd);
		s->unpack.ending = ROLE_SPAWN_FAILED;
		pipeline_fail(s, FAIL_SANDBOX, "role unpack could not start: "
		    "%s", why);
		return;
	}
	close(msg_fd);
	role_run(&rp, s->cfg->role_timeout_ms, &(struct role_io){
	    unpack_consume, unpack_complete, NULL, &u }, &s->unpack);
	if (s->unpack.ending != ROLE_DONE) {
		pipeline_fail(s, s->unpack.ending == ROLE_TIMEOUT ?
		    FAIL_TIMEOUT : FAIL_ROLE, "role unpack failed: %s (%s)",
		    role_ending_name(s->unpack.ending), s->unpack.detail);
		if (s->unpack.ending == ROLE_CRASH ||
		    s->unpack.ending == ROLE_VIOLATION)
			pipeline_keep_crash_sample(s, "unpack");
		return;
	}
	if ((limit = message_facts_limit(&s->facts)) != NULL) {
		s->verdict = VERDICT_LIMITS;
		snprintf(s->reason, sizeof(s->reason), "%s",
		    anomaly_code_name(limit->code));
	}
}
