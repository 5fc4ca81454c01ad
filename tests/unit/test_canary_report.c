/* tests: the canary's report (broker/canary_report.c): the decoder takes
 * exactly a hello and one whole report, and the check refuses every way a
 * report can show a role that is not fully confined. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "canary_report.h"
#include "check.h"
#include "record.h"

static struct rec_writer w;

static int
feed(struct canary_decoder *d, int fd)
{
	size_t payload = w.len - RECORD_HEADER_LEN;

	CHECK(!w.failed);
	for (int i = 0; i < 4; i++)
		w.buf[4 + i] = (payload >> (8 * i)) & 0xff;
	return canary_decoder_feed(d, w.buf, w.len, fd);
}

static int
hello(struct canary_decoder *d, uint16_t role)
{
	rec_begin(&w, REC_HELLO);
	rec_put_u32(&w, RECORD_MAGIC);
	rec_put_u32(&w, RECORD_VERSION);
	rec_put_u16(&w, role);
	return feed(d, -1);
}

/* A report of `n` u32 fields: 4 is whole. */
static int
report(struct canary_decoder *d, unsigned n, uint32_t pid)
{
	const uint32_t v[5] = { 1000, 1001, pid, EACCES, 7 };

	rec_begin(&w, REC_CANARY_REPORT);
	for (unsigned i = 0; i < n; i++)
		rec_put_u32(&w, v[i]);
	return feed(d, -1);
}

static void
decoder_cases(void)
{
	struct canary_decoder d;
	int fd;

	canary_decoder_init(&d);
	CHECK_INT(hello(&d, ROLE_CANARY), 0);
	CHECK_INT(canary_decoder_done(&d), 0);
	CHECK_INT(report(&d, 4, 1), 0);
	CHECK_INT(canary_decoder_done(&d), 1);
	CHECK_INT(d.report.uid, 1000);
	CHECK_INT(d.report.gid, 1001);
	CHECK_INT(d.report.pid, 1);
	CHECK_INT(d.report.open_errno, EACCES);
	/* nothing after the report */
	CHECK_REFUSED(report(&d, 4, 1), d.error,
	    "more than a hello and a report");

	canary_decoder_init(&d);
	/* report before hello */
	CHECK_REFUSED(report(&d, 4, 1), d.error, "bad canary hello");

	canary_decoder_init(&d);
	/* another role's hello */
	CHECK_REFUSED(hello(&d, ROLE_UNPACK), d.error, "bad canary hello");

	canary_decoder_init(&d);
	CHECK_INT(hello(&d, ROLE_CANARY), 0);
	/* short */
	CHECK_REFUSED(report(&d, 3, 1), d.error, "malformed canary report");

	canary_decoder_init(&d);
	CHECK_INT(hello(&d, ROLE_CANARY), 0);
	/* bytes left over */
	CHECK_REFUSED(report(&d, 5, 1), d.error, "malformed canary report");
	CHECK_INT(canary_decoder_done(&d), 0);

	canary_decoder_init(&d);
	CHECK_INT(hello(&d, ROLE_CANARY), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	rec_begin(&w, REC_CANARY_REPORT);
	for (int i = 0; i < 4; i++)
		rec_put_u32(&w, 1);
	/* a descriptor on it */
	CHECK_REFUSED(feed(&d, fd), d.error, "descriptor");
	CHECK(fcntl(fd, F_GETFD) < 0);		/* and it was closed */
}

static void
check_cases(void)
{
	const struct canary_expect own = { 1000, 1001, 999, 1, 1, 4242 };
	const struct canary_expect shared = { 999, 998, 999, 0, 1, 4242 };
	const struct canary_expect no_pid_ns = { 1000, 1001, 999, 1, 0, 4242 };
	struct canary_report r = { 1000, 1001, 1, EACCES };
	char why[192];

	CHECK_INT(canary_report_check(&r, &own, why, sizeof(why)), 0);
	r.uid = 1002;
	CHECK_INT(canary_report_check(&r, &own, why, sizeof(why)), -1);
	CHECK(strstr(why, "not the role's") != NULL);
	r.uid = 1000;
	r.gid = 0;
	CHECK_INT(canary_report_check(&r, &own, why, sizeof(why)), -1);
	r.gid = 1001;
	r.pid = 7;
	CHECK_INT(canary_report_check(&r, &own, why, sizeof(why)), -1);
	CHECK(strstr(why, "not pid 1") != NULL);
	r.pid = 1;
	r.open_errno = 0;
	CHECK_INT(canary_report_check(&r, &own, why, sizeof(why)), -1);
	CHECK(strstr(why, "not EACCES") != NULL);
	/* Own uids: the broker's uid is refused even when expected. */
	r = (struct canary_report){ 999, 1001, 1, EACCES };
	CHECK_INT(canary_report_check(&r, &(struct canary_expect){ 999, 1001,
	    999, 1, 1, 4242 }, why, sizeof(why)), -1);
	CHECK(strstr(why, "broker's uid") != NULL);
	/* Shared uid (setuid qscand): the broker's uid is the role's. */
	r = (struct canary_report){ 999, 998, 1, EACCES };
	CHECK_INT(canary_report_check(&r, &shared, why, sizeof(why)), 0);
	/* A weaker sandbox the site allowed (no pid namespace): the pid we
	 * started, and pid 1 is then a lie. */
	r = (struct canary_report){ 1000, 1001, 4242, EACCES };
	CHECK_INT(canary_report_check(&r, &no_pid_ns, why, sizeof(why)), 0);
	r.pid = 1;
	CHECK_INT(canary_report_check(&r, &no_pid_ns, why, sizeof(why)), -1);
	CHECK(strstr(why, "we started pid 4242") != NULL);
}

int
main(void)
{
	decoder_cases();
	check_cases();
	return CHECK_DONE();
}
