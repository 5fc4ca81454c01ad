/* broker pipeline step: the canary, a role that says HELLO, reports what
 * it sees of its confinement, then must die by SIGSYS
 * (docs/architecture.md, "Roles").  Any other ending is a broken sandbox:
 * no service.  Trusted. */
#include <sched.h>
#include <stdio.h>

#include "canary_report.h"
#include "log.h"
#include "pipeline_steps.h"

static int
canary_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	struct canary_decoder *d = ctx;

	if (canary_decoder_feed(d, buf, len, fd) != 0) {
		*why = d->error;
		return -1;
	}
	return 0;
}

static int
canary_complete(void *ctx)
{
	return canary_decoder_done(ctx);
}

int
step_canary(struct scan *s)
{
	struct canary_expect expect = {
		.broker_uid = s->privs->uid,
		.own_uid = s->privs->mode == PRIVS_ROLE_UIDS,
	};
	struct canary_decoder dec;
	struct role_proc rp;
	g_autofree char *why = NULL;
	char wrong[192] = "";

	pipeline_role_user(ROLE_CANARY, &expect.uid, &expect.gid);
	canary_decoder_init(&dec);
	if (pipeline_start_role(s, ROLE_CANARY, NULL, -1, -1, &rp, &why) != 0) {
		pipeline_fail(s, FAIL_SANDBOX, "canary could not start: %s",
		    why);
		return -1;
	}
	expect.own_pid_ns = (rp.namespaces & CLONE_NEWPID) != 0;
	expect.pid = rp.pid;
	role_run(&rp, s->cfg->role_timeout_ms, &(struct role_io){
	    canary_consume, canary_complete, NULL, &dec }, &s->canary);
	if (s->canary.ending == ROLE_VIOLATION && !canary_decoder_done(&dec))
		snprintf(wrong, sizeof(wrong), "no report");
	else if (s->canary.ending == ROLE_VIOLATION)
		canary_report_check(&dec.report, &expect, wrong, sizeof(wrong));
	if (s->canary.ending != ROLE_VIOLATION || wrong[0] != '\0') {
		log_err("SANDBOX BROKEN: the canary was not a fully confined "
		    "role killed by its final filter (%s, %s%s%s): refusing "
		    "to scan", role_ending_name(s->canary.ending),
		    s->canary.detail, wrong[0] ? ", " : "", wrong);
		pipeline_fail(s, FAIL_SANDBOX, "canary %s (%s%s%s): no sandbox, "
		    "no service", role_ending_name(s->canary.ending),
		    s->canary.detail, wrong[0] ? ", " : "", wrong);
		return -1;
	}
	return 0;
}
