/* common: the zygote protocol (docs/warm.md, "Zygotes and their
 * children"): what a worker and a zygote say on one connection, and what
 * a zygote and whoever started it say on the zygote's fd 1; one header,
 * one decoder, both sides.
 *
 * Every message is one SOCK_SEQPACKET datagram of fixed length per type,
 * little-endian:
 *
 *	u32 ZYG_MAGIC | u16 ZYG_VERSION | u16 type | the type's body
 *
 *	ZYG_REQUEST   worker -> zygote: u16 role, u8 kind (enum zyg_kind),
 *	              u8 descriptors (ZYG_FD_* bits); the descriptors ride
 *	              on it in bit order: records and log always, message
 *	              and peer when their bits say so
 *	ZYG_FORKED    zygote -> worker: u32 the child's serial (1, 2, ...
 *	              in this zygote); the child's pidfd rides on it
 *	ZYG_EXITED    zygote -> worker: u32 exit_code (CLD_EXITED, CLD_KILLED,
 *	              CLD_DUMPED), u32 exit_status: the child's wait status
 *	ZYG_READY     zygote -> its starter: u16 role, u32 max children
 *	ZYG_RETIRING  zygote -> its starter: u16 role, u8 why
 *	              (enum zyg_retire_why)
 *	ZYG_RETIRE    starter -> zygote: no body
 *	ZYG_SERVE     starter -> zygote: no body; from now on it accepts
 *	              workers' connections on its fd 0 (until then it
 *	              accepts none: the front canaries it first)
 *	ZYG_CANARY    starter -> zygote: no body; one end of a socketpair
 *	              rides on it, served as an accepted connection (the
 *	              canary reaches this zygote, not whichever accepts)
 *
 * The decoder is strict: a wrong magic, version, type or length, a role
 * or kind or bit out of range, the wrong descriptors: refused with the
 * reason.  Whoever receives closes what it refuses. */
#ifndef QSCAN_ZYGOTE_PROTO_H
#define QSCAN_ZYGOTE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define ZYG_MAGIC	0x47595a51u	/* "QZYG" */
#define ZYG_VERSION	2u	/* 2: ZYG_SERVE, ZYG_CANARY */
#define ZYG_HEADER_LEN	8u
/* The longest message (ZYG_EXITED); a receive buffer one longer tells a
 * datagram that is too long apart. */
#define ZYG_MSG_MAX	16u

enum zyg_type {
	ZYG_REQUEST = 1,
	ZYG_FORKED = 2,
	ZYG_EXITED = 3,
	ZYG_READY = 4,
	ZYG_RETIRING = 5,
	ZYG_RETIRE = 6,
	ZYG_SERVE = 7,
	ZYG_CANARY = 8,
	ZYG_TYPE_MAX = 8,
};

/* What a request asks the child to be. */
enum zyg_kind {
	ZYG_KIND_ROLE = 1,		/* the role, for one message */
	/* The canary: the role's full lockdown, then one call the final
	 * filter must kill; the requester checks it died by SIGSYS. */
	ZYG_KIND_CANARY_SOCKET = 2,	/* socket(AF_UNIX): outer filter
					 * allows it, only the final kills */
	ZYG_KIND_CANARY_SIGNAL = 3,	/* tgkill(SIGABRT) at its zygote:
					 * only its own pid may be named */
	ZYG_KIND_MAX = 3,
};

#define ZYG_FD_RECORDS	0x01u
#define ZYG_FD_LOG	0x02u
#define ZYG_FD_MESSAGE	0x04u
#define ZYG_FD_PEER	0x08u
#define ZYG_FDS_KNOWN	0x0fu

enum zyg_retire_why {
	ZYG_RETIRE_MAX_CHILDREN = 1,	/* RS_ZYGOTE_MAX_CHILDREN reached */
	ZYG_RETIRE_CRASH = 2,		/* a child died of a memory-safety
					 * signal or aborted */
	ZYG_RETIRE_TOLD = 3,		/* ZYG_RETIRE, or its starter gone */
	ZYG_RETIRE_WHY_MAX = 3,
};

struct zyg_msg {
	enum zyg_type type;
	enum role_id role;		/* REQUEST, READY, RETIRING */
	enum zyg_kind kind;		/* REQUEST */
	unsigned fds;			/* REQUEST: ZYG_FD_* */
	uint32_t serial;		/* FORKED */
	uint32_t exit_code, exit_status;	/* EXITED */
	uint32_t max_children;		/* READY */
	enum zyg_retire_why why;	/* RETIRING */
};

/* Encodes m into buf (ZYG_MSG_MAX bytes); returns the length. */
size_t zyg_encode(const struct zyg_msg *m, uint8_t *buf);

/* Decodes len bytes into *m; ndesc is how many descriptors came with
 * them (a REQUEST must carry exactly its bits' count, FORKED and CANARY
 * exactly one, the others none).  0, or -1 with a static reason in *why. */
int zyg_decode(const uint8_t *buf, size_t len, unsigned ndesc,
    struct zyg_msg *m, const char **why);

/* How many descriptors a request with these ZYG_FD_* bits carries. */
unsigned zyg_fd_count(unsigned fds);

const char *zyg_retire_why_name(enum zyg_retire_why why);

#endif
