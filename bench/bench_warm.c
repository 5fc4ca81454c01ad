/* bench: a 4 KB message through the unpack role, warm (warm_start_role
 * to a child of a real zygote) against the exec path (spawn_role), each
 * to its REC_END through role_run, alternating in one run so that both
 * see the same machine.  Prints the median and the 90th percentile of
 * each; figures, never a test.
 * Usage: bench-warm HELPER-DIR RUNS (bench_warm.sh). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "as_broker.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "role_run.h"
#include "role_settings_build.h"
#include "sealed_memfd.h"
#include "spawn.h"
#include "warm_child.h"
#include "zygote_spawn.h"

#define BENCH_DEADLINE_MS 20000

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *ms, unsigned n)
{
	qsort(ms, n, sizeof(ms[0]), cmp_double);
	printf("%-32s runs %u  median %.2f ms  p90 %.2f ms  min %.2f ms\n",
	    what, n, ms[n / 2], ms[n * 9 / 10], ms[0]);
}

static int
collect_consume(void *ctx, const uint8_t *buf, size_t len, int fd,
    const char **why)
{
	(void)why;
	if (fd >= 0)
		close(fd);
	if (len >= RECORD_HEADER_LEN && buf[0] == REC_END)
		*(int *)ctx = 1;
	return 0;
}

static int
collect_complete(void *ctx)
{
	return *(int *)ctx;
}

static char *
message_4k(void)
{
	GString *m = g_string_new("From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: bench\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain\r\n\r\n");

	while (m->len < 4096)
		g_string_append(m, "A line of a small message, as most mail "
		    "is.\r\n");
	return g_string_free(m, FALSE);
}

/* One message through a role from `rp`'s start; ms, or -1. */
static double
one(int warm, const char *sock, struct spawn_spec *spec, const char *msg)
{
	struct role_outcome out;
	struct role_proc rp;
	const char *fwhy;
	char *why = NULL;
	int ended = 0, rc;
	struct role_io io = { collect_consume, collect_complete, NULL, &ended };
	double t0 = now_ms();

	spec->message_fd = sealed_memfd_from("message", (const uint8_t *)msg,
	    strlen(msg), &fwhy);
	rc = warm ? warm_start_role(sock, spec, BENCH_DEADLINE_MS, &rp, &why) :
	    spawn_role(spec, &rp, &why);
	close(spec->message_fd);
	if (rc != 0) {
		fprintf(stderr, "bench-warm: %s\n", why);
		return -1;
	}
	role_run(&rp, BENCH_DEADLINE_MS, &io, &out);
	if (out.ending != ROLE_DONE) {
		fprintf(stderr, "bench-warm: %s\n", role_ending_name(out.ending));
		return -1;
	}
	return now_ms() - t0;
}

int
main(int argc, char **argv)
{
	struct as_broker b;
	struct qscan_config cfg;
	struct spawn_spec spec;
	struct zygote z;
	g_autofree char *msg = message_4k();
	g_autofree char *helper = NULL, *sock = NULL;
	g_autofree struct rec_writer *warm_set = NULL, *exec_set = NULL;
	g_autofree double *ms_warm = NULL, *ms_exec = NULL;
	char *args[] = { "qscan-unpack", NULL }, *why = NULL;
	enum zygote_status st;
	unsigned runs;
	int lfd;

	if (argc != 3 || (runs = (unsigned)atoi(argv[2])) == 0) {
		fprintf(stderr, "usage: bench-warm HELPER-DIR RUNS\n");
		return 2;
	}
	log_open("bench-warm", FALSE, TRUE);
	config_defaults(&cfg);
	if (as_broker_setup(&b) != 0)
		return 1;
	helper = g_strdup_printf("%s/qscan-unpack", argv[1]);
	sock = g_strdup_printf("%s/unpack.sock", argv[1]);
	warm_set = role_settings_build(&cfg, ROLE_UNPACK, 0, 1, 1000000);
	exec_set = role_settings_build_unpack(&cfg);
	memset(&spec, 0, sizeof(spec));
	spec.role = ROLE_UNPACK;
	spec.helper = helper;
	spec.argv = args;
	spec.peer_fd = -1;
	spec.uid = b.uid[ROLE_UNPACK];
	spec.gid = b.gid[ROLE_UNPACK];
	spec.privs = &b.privs;
	spec.outer_filter = &b.outer;
	spec.settings = warm_set;
	if ((lfd = zygote_listen_socket(sock, &why)) < 0 ||
	    zygote_spawn(&spec, lfd, &z, &why) != 0 ||
	    zygote_read_status(z.records_fd, &st, &why) != 0 ||
	    st != ZYGOTE_READY || zygote_tell_serve(z.records_fd) != 0) {
		fprintf(stderr, "bench-warm: zygote: %s\n", why ? why : "not ready");
		return 1;
	}
	ms_warm = g_new(double, runs);
	ms_exec = g_new(double, runs);
	spec.settings = exec_set;
	for (unsigned i = 0; i < runs; i++) {
		char drain[4096];

		/* The zygote's log pipe, drained between runs. */
		(void)fcntl(z.log_fd, F_SETFL, O_NONBLOCK);
		while (read(z.log_fd, drain, sizeof(drain)) > 0)
			;
		if ((ms_warm[i] = one(1, sock, &spec, msg)) < 0 ||
		    (ms_exec[i] = one(0, sock, &spec, msg)) < 0)
			return 1;
	}
	printf("4 KB message through the unpack role, start to REC_END:\n");
	report("warm (warm_start_role)", ms_warm, runs);
	report("exec (spawn_role)", ms_exec, runs);
	(void)zygote_tell_retire(z.records_fd);
	zygote_reap(&z, NULL);
	close(lfd);
	unlink(sock);
	return 0;
}
