/* broker: the hook protocol between qmail-scanner-queue (the hook) and
 * qscand (docs/warm.md, "The hook and the service"): one SOCK_SEQPACKET
 * connection per message, records in common/record.h's layout (u16 type,
 * u16 flags 0, u32 payload length, little-endian typed fields), at most
 * one descriptor per record.  Both sides decode strictly: a record of
 * the wrong type, size or content is refused, never half-used.  Trusted
 * on both sides, but each treats the other's bytes as input. */
#ifndef QSCAN_SVC_PROTO_H
#define QSCAN_SVC_PROTO_H

#include <stdint.h>
#include <sys/types.h>

#include "record.h"

#define SVC_MAGIC	0x53565351u	/* "QSVS" */
#define SVC_VERSION	1u

/* Bounds of what a record may carry. */
#define SVC_ENV_MAX		32	/* environment entries in SVC_HELLO */
#define SVC_ENV_ENTRY_MAX	1100	/* "NAME=value", value at most 1024 */
#define SVC_REASON_MAX		256
#define SVC_HEADER_MAX		32768	/* the trace header in SVC_QUEUE */
#define SVC_ENVELOPE_MAX	(64u * 1024 * 1024)

/* Numbered apart from the roles' REC_* types: a record of one protocol
 * is never taken for one of the other. */
enum svc_type {
	/* hook -> front: u32 magic, u32 version, u32 the hook's real uid,
	 * u64 fifo mask (bit n: fd n came to the hook as a pipe), u16 n,
	 * n x str "NAME=value" (the environment broker_env keeps) */
	SVC_HELLO = 0x101,
	/* worker -> hook: u32 the descriptor number of the reject-text pipe
	 * the worker wants (0: none) */
	SVC_READY = 0x102,
	/* worker or front -> hook: str reason */
	SVC_FALLBACK = 0x103,
	/* hook -> worker: u8 slot (enum svc_slot); carries that descriptor */
	SVC_MESSAGE = 0x104,
	/* worker -> hook: u8 exit code */
	SVC_EXIT = 0x105,
	/* worker -> hook: u64 spool size, u16 n, n x str (the trace header,
	 * cut in pieces of at most RECORD_STR_MAX); carries the spool file */
	SVC_QUEUE = 0x106,
	/* worker -> hook, right after SVC_QUEUE: u64 length; carries a
	 * sealed memfd of the envelope bytes */
	SVC_QUEUE_ENVELOPE = 0x107,
	/* hook -> worker: u32 qmail-queue's exit code, or SVC_NOT_QUEUED;
	 * u8 enum qscan_failure (when not queued); str why ("" when none) */
	SVC_QUEUED = 0x108,
	/* worker -> hook, before SVC_EXIT, at most SVC_NOTIFY_MAX times:
	 * u64 size, u16 0; carries a notice (docs/notify.md) to queue with
	 * the null sender; then SVC_QUEUE_ENVELOPE, answered by SVC_QUEUED
	 * as SVC_QUEUE is, but never the message's exit code */
	SVC_NOTIFY = 0x109,
};

/* Notices per message: to the sender, the recipients, the admin. */
#define SVC_NOTIFY_MAX	3

#define SVC_NOT_QUEUED	0xffffffffu

enum svc_slot {
	SVC_SLOT_MESSAGE = 0,	/* becomes the worker's fd 0 */
	SVC_SLOT_ENVELOPE = 1,	/* fd 1 */
	SVC_SLOT_REJECT = 2,	/* the reject-text pipe */
};

/* One decoded record.  Strings are owned (svc_msg_clear frees them);
 * fd is the descriptor that came with it, or -1. */
struct svc_msg {
	unsigned type;
	int fd;
	/* SVC_HELLO */
	uint32_t uid;
	uint64_t fifos;
	char **env;		/* NULL-terminated, n_env entries */
	unsigned n_env;
	/* SVC_READY: reject fd; SVC_MESSAGE: slot; SVC_EXIT: code;
	 * SVC_QUEUED: code or SVC_NOT_QUEUED */
	uint32_t value;
	uint8_t failure;	/* SVC_QUEUED */
	uint64_t size;		/* SVC_QUEUE: spool; SVC_QUEUE_ENVELOPE;
				 * SVC_NOTIFY: the notice */
	char *text;		/* FALLBACK reason, QUEUE header, QUEUED why */
};

/* Sending: each returns 0, or -1 with errno (EMSGSIZE: over a bound). */
int svc_send_hello(int sock, uint32_t uid, uint64_t fifos,
    char *const *env);
int svc_send_ready(int sock, uint32_t reject_fd);
int svc_send_fallback(int sock, const char *reason);
int svc_send_message(int sock, enum svc_slot slot, int fd);
int svc_send_exit(int sock, int code);
int svc_send_queue(int sock, const char *header, uint64_t spool_size,
    int spool_fd);
int svc_send_queue_envelope(int sock, int memfd, uint64_t len);
int svc_send_notify(int sock, uint64_t size, int notice_fd);
int svc_send_queued(int sock, int code, unsigned failure, const char *why);

/* Waits at most timeout_ms (-1: no limit) for one record and decodes it.
 * Returns its type; 0 at end of file (the peer is gone); -1 with *why
 * (static text) when it timed out, the socket failed, or the record is
 * malformed, of an unknown type or carries a descriptor it should not
 * (or lacks one it must).  Whatever it refuses it closes. */
int svc_recv(int sock, int timeout_ms, struct svc_msg *m, const char **why);

void svc_msg_clear(struct svc_msg *m);

#endif
