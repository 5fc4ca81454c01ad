/* bench: the pass-through hook, the baseline the broker is measured
 * against.  Room: none (a benchmark tool, never installed); trust: runs
 * with the benchmark's own privileges and reads no message bytes.
 *
 * What QMAILQUEUE would name if there were no scanner: it execs the
 * qmail-queue named by QSCAN_BENCH_QQ (or argv[1]) with fd 0 (message)
 * and fd 1 (envelope) inherited, so the only cost it adds is one exec. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	const char *qq = argc > 1 ? argv[1] : getenv("QSCAN_BENCH_QQ");
	char *qargv[2];

	if (qq == NULL || qq[0] == '\0') {
		fputs("passthrough-hook: set QSCAN_BENCH_QQ\n", stderr);
		return 55;	/* qmail-queue: cannot read configuration */
	}
	/* argv[0] is the path: the stand-in finds "<argv[0]>.conf" by it. */
	qargv[0] = (char *)qq;
	qargv[1] = NULL;
	execv(qq, qargv);
	perror(qq);
	return 120;	/* what qmail.c reports when it cannot exec qq */
}
