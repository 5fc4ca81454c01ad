/* scanners: a zygote's engine in transparent huge pages (docs/warm.md,
 * "Zygotes and their children"); untrusted, runs in the role. */
#ifndef QSCAN_HUGEPAGES_H
#define QSCAN_HUGEPAGES_H

#include <stddef.h>

/* What hugepages_collapse did: bytes of anonymous private memory it
 * asked for (the 2 MiB-aligned parts of regions of at least 2 MiB) and
 * bytes the kernel collapsed into huge pages. */
struct hugepages_result {
	size_t asked, collapsed;
	int err;		/* errno of the first refusal, or 0 */
};

/* Collapses this process's large anonymous private writable mappings
 * (libclamav's memory pool, the malloc heap) into transparent huge
 * pages, synchronously (MADV_COLLAPSE), and marks them MADV_HUGEPAGE.
 * For a zygote, once its engine is built: fork copies one entry per
 * 2 MiB instead of 512, and a child's exit unmaps as few.  Returns -1
 * when /proc/self/maps cannot be read, else 0 (r says how far it got). */
int hugepages_collapse(struct hugepages_result *r);

#endif
