/* broker: the canary's report (REC_CANARY_REPORT) and its decoder; reads
 * what a role sent, so strict.  The canary shows what only a fully
 * confined role shows: the uid the spawner gave it, pid 1 of its own pid
 * namespace (or, in a weaker sandbox the site allowed, the pid we gave
 * it), open() refused after lockdown; then it dies by a call only
 * the final filter kills (docs/profiles.md, "The canary": a canary
 * that lives, or reports anything else, means no sandbox and no
 * service). */
#ifndef QSCAN_CANARY_REPORT_H
#define QSCAN_CANARY_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct canary_report {
	uint32_t uid, gid;	/* getuid(), getgid() */
	uint32_t pid;		/* getpid(): 1 in its own pid namespace */
	uint32_t open_errno;	/* errno of open(CANARY_OPEN_PATH), 0 if it opened */
};

/* Exactly REC_HELLO (role canary), then one REC_CANARY_REPORT, no
 * descriptor, nothing after. */
struct canary_decoder {
	int hello, have_report;
	struct canary_report report;
	char error[128];	/* why a datagram was refused */
};

void canary_decoder_init(struct canary_decoder *d);

/* Takes one datagram (and fd, which it closes).  Returns 0, or -1 with
 * d->error set. */
int canary_decoder_feed(struct canary_decoder *d, const uint8_t *buf,
    size_t len, int fd);

/* 1 when HELLO and the report both came. */
int canary_decoder_done(const struct canary_decoder *d);

struct canary_expect {
	uid_t uid;		/* the uid and gid the spawner gave the canary */
	gid_t gid;
	uid_t broker_uid;	/* ours */
	int own_uid;		/* 1: roles have uids of their own */
	int own_pid_ns;		/* 1: spawned in a pid namespace of its own */
	pid_t pid;		/* else: its pid, as we see it */
};

/* 0 when the report shows a fully confined role; -1 with what is wrong
 * in why (whysz bytes). */
int canary_report_check(const struct canary_report *r,
    const struct canary_expect *e, char *why, size_t whysz);

#endif
