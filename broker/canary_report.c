/* broker: decoder and check of the canary's report; reads role bytes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "canary_report.h"
#include "record.h"

void
canary_decoder_init(struct canary_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

static int
refuse(struct canary_decoder *d, const char *why)
{
	snprintf(d->error, sizeof(d->error), "%s", why);
	return -1;
}

int
canary_decoder_feed(struct canary_decoder *d, const uint8_t *buf,
    size_t len, int fd)
{
	struct rec_reader r;
	int type;

	if (fd >= 0) {
		close(fd);
		return refuse(d, "a descriptor on a canary record");
	}
	type = rec_open(&r, buf, len);
	if (!d->hello) {
		if (type != REC_HELLO || rec_get_hello(&r, ROLE_CANARY) != 0)
			return refuse(d, "bad canary hello");
		d->hello = 1;
		return 0;
	}
	if (type != REC_CANARY_REPORT || d->have_report)
		return refuse(d, "canary sent more than a hello and a report");
	rec_get_u32(&r, &d->report.uid);
	rec_get_u32(&r, &d->report.gid);
	rec_get_u32(&r, &d->report.pid);
	rec_get_u32(&r, &d->report.open_errno);
	if (rec_end(&r) != 0)
		return refuse(d, "malformed canary report");
	d->have_report = 1;
	return 0;
}

int
canary_decoder_done(const struct canary_decoder *d)
{
	return d->hello && d->have_report;
}

int
canary_report_check(const struct canary_report *r,
    const struct canary_expect *e, char *why, size_t whysz)
{
	if (r->uid != (uint32_t)e->uid || r->gid != (uint32_t)e->gid)
		snprintf(why, whysz, "canary runs as uid %u gid %u, not the "
		    "role's %u/%u", r->uid, r->gid, (unsigned)e->uid,
		    (unsigned)e->gid);
	else if (e->own_uid && r->uid == (uint32_t)e->broker_uid)
		snprintf(why, whysz, "canary runs as the broker's uid %u",
		    r->uid);
	else if (e->own_pid_ns && r->pid != 1)
		snprintf(why, whysz, "canary is pid %u, not pid 1 of its own "
		    "pid namespace", r->pid);
	else if (!e->own_pid_ns && r->pid != (uint32_t)e->pid)
		snprintf(why, whysz, "canary says pid %u, but we started "
		    "pid %u", r->pid, (unsigned)e->pid);
	else if (r->open_errno != EACCES)
		snprintf(why, whysz, "canary's open(%s) after lockdown gave "
		    "errno %u, not EACCES", CANARY_OPEN_PATH, r->open_errno);
	else
		return 0;
	return -1;
}
