/* broker: qscand, the service (docs/warm.md, "Processes"): what its
 * monitor (qscand_monitor.c), front (qscand_front.c) and workers
 * (qscand_worker.c) share; trusted. */
#ifndef QSCAN_QSCAND_H
#define QSCAN_QSCAND_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "file_stamp.h"
#include "pipeline.h"
#include "privs.h"
#include "record.h"

#define QSCAND_CLIENTS_MAX	16

/* What the monitor computed before any input; the front and the workers
 * get it by fork and never change it. */
struct qscand {
	struct qscan_config cfg;
	struct privs privs;
	/* The roles that need a zygote: unpack, then the scanners. */
	enum role_id roles[2 + SCANNERS_MAX];	/* unpack, scanners, spamd */
	unsigned n_roles;
	char *zygote_path[ROLE_ID_MAX + 1];	/* by role: zygotes/ROLE.sock */
	int zygote_listen[ROLE_ID_MAX + 1];	/* by role: its listening fd */
	struct warm_roles warm;		/* what a worker's scan uses */
	/* SO_PEERCRED's allowed: root and qscand always, these uids, and
	 * this primary gid when client_group is set (else (gid_t)-1). */
	uid_t client_uid[QSCAND_CLIENTS_MAX];
	unsigned n_client_uids;
	gid_t client_gid;
	int hook_listen;		/* service.socket */
	/* The monitor's pidfd (readable once it has died), for a worker
	 * to tell a zygote lost with the whole service from one lost alone. */
	int monitor_pidfd;
	char *pid_file;			/* service.socket's dir/qscand.pid */
	/* What was read at the start, to notice an edit on SIGHUP: then
	 * the service stops for its supervisor to start it anew, since
	 * nothing of it may read a configuration after the start. */
	char *config_path;
	struct file_stamp config_stamp, policy_stamp;	/* policy: when one */
};

/* ---- monitor <-> front: fixed-size records on a SOCK_SEQPACKET pair ---- */

enum mon_op {
	MON_START = 1,		/* front -> monitor: start a zygote of role */
	MON_KILL = 2,		/* front -> monitor: SIGKILL role's zygote pid */
	MON_STARTED = 3,	/* monitor -> front: pid, with its records fd */
	MON_LOG_FD = 4,		/* monitor -> front: pid, with its log fd */
	MON_FAILED = 5,		/* monitor -> front: the start failed */
	MON_EXITED = 6,		/* monitor -> front: pid, wait status */
};

/* 8 bytes: what the front may ask. */
struct mon_request {
	uint8_t op;		/* MON_START or MON_KILL */
	uint8_t role;		/* enum role_id, range-checked */
	uint16_t zero;
	int32_t pid;		/* MON_KILL: which of role's zygotes */
};

/* 12 bytes: what the monitor tells. */
struct mon_reply {
	uint8_t op;
	uint8_t role;
	uint16_t zero;
	int32_t pid;
	int32_t status;		/* MON_EXITED: the wait status */
};

/* The monitor: serves the front's requests until it is gone or SIGTERM
 * came; returns the exit status of qscand. */
struct spawn_spec;
int monitor_serve(struct qscand *q, const struct spawn_spec *spec,
    int front_sock, pid_t front_pid);

/* The front, in its own process: never returns. */
void front_run(struct qscand *q, int monitor_sock) G_GNUC_NORETURN;

/* A worker, in its own process, for the hook connected on `conn`, whose
 * SO_PEERCRED uid is peer_uid: never returns. */
void worker_run(const struct qscand *q, int conn, uid_t peer_uid,
    int ready, const char *not_ready) G_GNUC_NORETURN;

/* The front's filter (seccomp/profile_service.c): 0 or -1 with *why. */

#endif
