/* seccomp: the review room; qscan-print-profile ROLE prints one profile,
 * used to regenerate the reviewed *.profile files.  Trusted, no input. */
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

int
main(int argc, char **argv)
{
	const struct role_profile *p;

	if (argc != 2) {
		fprintf(stderr, "usage: qscan-print-profile ROLE (canary, "
		    "unpack, clamav, clamd, mhr, spamd, service)\n");
		return 64;
	}
	/* qscand's front and workers: no role, a filter of their own. */
	if (strcmp(argv[1], "service") == 0) {
		sandbox_service_print(stdout);
		return fflush(stdout) != 0 || ferror(stdout) ? 74 : 0;
	}
	p = sandbox_profile_by_name(argv[1]);
	if (p == NULL) {
		fprintf(stderr, "qscan-print-profile: no role %s\n", argv[1]);
		return 64;
	}
	sandbox_profile_print(stdout, p->role);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "qscan-print-profile: write error\n");
		return 74;
	}
	return 0;
}
