/* scanners: a zygote's engine in transparent huge pages (hugepages.h);
 * untrusted, runs in the role before it serves. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hugepages.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25	/* Linux 6.1 */
#endif
#define HUGE_BYTES	((uintptr_t)2 << 20)
#define MAPS_LINE_MAX	512

int
hugepages_collapse(struct hugepages_result *r)
{
	char line[MAPS_LINE_MAX];
	FILE *f = fopen("/proc/self/maps", "re");

	memset(r, 0, sizeof(*r));
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		uintptr_t lo, hi;
		char perms[8];
		unsigned long long off, inode;
		int path = 0;

		/* start-end perms offset dev inode [path] */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %llx %*s %llu "
		    "%n", &lo, &hi, perms, &off, &inode, &path) < 5)
			continue;
		if (strcmp(perms, "rw-p") != 0 || inode != 0 ||
		    (path > 0 && line[path] != '\0' && line[path] != '\n'))
			continue;
		lo = (lo + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
		hi &= ~(HUGE_BYTES - 1);
		if (hi <= lo)
			continue;
		r->asked += hi - lo;
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
		/* 2 MiB at a time: one the kernel cannot collapse (EINVAL
		 * for a page it will not move) does not end the rest. */
		for (uintptr_t p = lo; p < hi; p += HUGE_BYTES) {
			if (madvise((void *)p, HUGE_BYTES, MADV_COLLAPSE) == 0)
				r->collapsed += HUGE_BYTES;
			else if (r->err == 0)
				r->err = errno;
		}
	}
	fclose(f);
	return 0;
}
