/* broker: the hook's side of qscand (docs/warm.md, "The hook and the
 * service"): qmail-scanner-queue hands the message to the service and
 * runs qmail-queue when the service says so; trusted. */
#ifndef QSCAN_HOOK_SERVICE_H
#define QSCAN_HOOK_SERVICE_H

#include <stdint.h>
#include <sys/types.h>

struct hook_args {
	const char *socket;	/* service.socket */
	unsigned ready_wait_ms;	/* for SVC_READY or SVC_FALLBACK */
	uid_t invoking_uid;	/* our real uid and gid at start */
	gid_t invoking_gid;
	uint64_t fifos;		/* descriptors that came to us as pipes */
	char **env;		/* NULL-terminated: broker_env's kept list */
	const char *qmail_queue;
};

/* HOOK_UNAVAILABLE: the service could not take the message (no
 * connection, refused, SVC_FALLBACK, no answer in time); *why says which
 * and nothing of the message was read: the caller may fall back. */
#define HOOK_UNAVAILABLE (-1)

/* Tries the service.  Past SVC_READY it drops every privilege for good
 * and cannot fall back: it returns the exit code for qmail-smtpd (71
 * when the service went away before it decided; qmail-queue's own code
 * when it ran qmail-queue and the service is gone). */
int hook_service(const struct hook_args *a, char **why);

/* 1 when we run with privilege: setuid/setgid/file capabilities
 * (AT_SECURE), as root, or holding any capability. */
int hook_privileged(void);

#endif
