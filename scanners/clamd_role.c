/* scanners: the clamd role's entry function; runs in role clamd,
 * untrusted, after the final filter.  One IDSESSION on the socket the
 * broker connected; each part goes to clamd by FILDES (the memfd itself)
 * or INSTREAM (its bytes), one command at a time, and each reply becomes
 * one verdict. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clamd_reply.h"
#include "clamd_role.h"
#include "fd_pass.h"
#include "role_runtime.h"
#include "zygote_serve.h"
#include "role_settings.h"
#include "sandbox.h"
#include "scan_loop.h"

/* INSTREAM bytes per send: few syscalls per part (a 25 MiB part is 400
 * sends) from one static buffer; clamd takes any chunk length. */
#define CLAMD_CHUNK_MAX		(64u * 1024)
#define CLAMD_LEN_PREFIX	4u	/* INSTREAM chunk length, big-endian */

/* z-prefixed commands: the NUL that ends each one is part of the array
 * (sizeof counts it).  FILDES carries one more byte: clamd wants at least
 * one byte of data with the descriptor, and takes it in the same packet
 * as the command (clamd(8), "FILDES"). */
static const char clamd_cmd_start[] = "zIDSESSION\0zVERSION";
static const char clamd_cmd_fildes[] = "zFILDES\0";
static const char clamd_cmd_instream[] = "zINSTREAM";
static const char clamd_cmd_end[] = "zEND";

/* What one exchange on the clamd socket came to. */
enum clamd_io {
	CLAMD_IO_OK = 0,
	CLAMD_IO_TIMEOUT,	/* nothing moved for timeout_ms */
	CLAMD_IO_CLOSED,	/* EOF, EPIPE, ECONNRESET */
	CLAMD_IO_ERROR,		/* any other failure of the socket */
	CLAMD_IO_TOO_LONG,	/* no NUL within CLAMD_REPLY_MAX bytes */
};

struct clamd_session {
	int fd;
	int timeout_ms;
	uint32_t next_id;	/* the id clamd gives our next command */
	/* Why the session can take no more work (clamd closed it, or a
	 * reply can no longer be matched to its request); NULL while fine.
	 * Every later part gets SCAN_ERROR with this text. */
	const char *dead;
	size_t in_len;
	uint8_t in[CLAMD_REPLY_MAX + 1];	/* one reply and its NUL */
};

/* Static, never on the stack: the chunk buffer is 64 KiB. */
static struct role_settings clamd_set;	/* the broker's settings record */
static struct clamd_session clamd_sess;
static struct clamd_reply clamd_rep;
static uint8_t clamd_line[CLAMD_REPLY_MAX + 1];
static uint8_t clamd_chunk[sizeof(clamd_cmd_instream) + CLAMD_LEN_PREFIX +
    CLAMD_CHUNK_MAX + CLAMD_LEN_PREFIX];

/* Before lockdown: fd 3 a connected stream socket (role_check_peer),
 * and a unix one for FILDES (descriptors cannot cross TCP). */
static int
clamd_check_peer(uint32_t mode)
{
	int family = role_check_peer(SOCK_STREAM, 1);

	if (family < 0)
		return -1;
	if (mode == ROLE_CLAMD_FILDES && family != AF_UNIX) {
		role_log("fildes mode needs a unix socket to clamd");
		return -1;
	}
	return 0;
}

/* 1 when the socket is ready for `events`, 0 after timeout_ms of
 * silence, -1 on error.  POLLHUP and POLLERR count as ready: the next
 * send or recv says what happened. */
static int
clamd_wait(const struct clamd_session *s, short events)
{
	struct pollfd p = { s->fd, events, 0 };
	int n;

	do
		n = poll(&p, 1, s->timeout_ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* After a send that moved nothing: CLAMD_IO_OK to try again (after
 * waiting for room at most timeout_ms), or how the send ended. */
static enum clamd_io
clamd_send_stalled(struct clamd_session *s)
{
	int w;

	if (errno == EINTR)
		return CLAMD_IO_OK;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		w = clamd_wait(s, POLLOUT);
		return w > 0 ? CLAMD_IO_OK : w == 0 ? CLAMD_IO_TIMEOUT :
		    CLAMD_IO_ERROR;
	}
	if (errno == EPIPE || errno == ECONNRESET)
		return CLAMD_IO_CLOSED;
	return CLAMD_IO_ERROR;
}

/* Never blocks beyond timeout_ms without progress: MSG_DONTWAIT plus
 * poll, so a clamd that stops reading cannot hang the role.
 * MSG_NOSIGNAL: a closed clamd is EPIPE, not SIGPIPE. */
static enum clamd_io
clamd_send_bytes(struct clamd_session *s, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		enum clamd_io io;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			errno = EIO;	/* a stream send never moves 0 bytes */
		if ((io = clamd_send_stalled(s)) != CLAMD_IO_OK)
			return io;
	}
	return CLAMD_IO_OK;
}

/* "zFILDES\0" and one dummy byte in one packet, the part's descriptor
 * attached (SCM_RIGHTS); clamd scans the memfd itself. */
static enum clamd_io
clamd_send_fildes(struct clamd_session *s, int fd)
{
	ssize_t n;

	for (;;) {
		enum clamd_io io;

		n = fd_pass_send(s->fd, clamd_cmd_fildes,
		    sizeof(clamd_cmd_fildes), fd, MSG_DONTWAIT);
		if (n > 0)
			break;
		if (n == 0)
			errno = EIO;
		/* Nothing was sent, the descriptor neither: try again. */
		if ((io = clamd_send_stalled(s)) != CLAMD_IO_OK)
			return io;
	}
	/* The descriptor went with the first byte; the rest is plain. */
	return clamd_send_bytes(s, (const uint8_t *)clamd_cmd_fildes +
	    (size_t)n, sizeof(clamd_cmd_fildes) - (size_t)n);
}

static void
clamd_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* "zINSTREAM\0", then <len><bytes> chunks read with pread (the part's
 * offset is never used or moved), then a zero length.  The command rides
 * with the first chunk and the terminator with the last, so a small part
 * is one send.  A part that reads short still gets its terminator, so
 * clamd and we stay in step; *local_err then says what went wrong. */
static enum clamd_io
clamd_send_instream(struct clamd_session *s, int fd, uint64_t size,
    const char **local_err)
{
	uint64_t off = 0;
	size_t pos = sizeof(clamd_cmd_instream);

	memcpy(clamd_chunk, clamd_cmd_instream, sizeof(clamd_cmd_instream));
	for (;;) {
		uint64_t left = size - off;
		size_t want = left < CLAMD_CHUNK_MAX ? (size_t)left :
		    CLAMD_CHUNK_MAX;
		uint8_t *data = clamd_chunk + pos + CLAMD_LEN_PREFIX;
		size_t got = 0;
		enum clamd_io io;
		int last;

		while (got < want) {
			ssize_t n = pread(fd, data + got, want - got,
			    (off_t)(off + got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				*local_err = n < 0 ? "cannot read the part" :
				    "part shorter than its announced size";
				break;
			}
			got += (size_t)n;
		}
		if (got > 0) {
			clamd_put_be32(clamd_chunk + pos, (uint32_t)got);
			pos += CLAMD_LEN_PREFIX + got;
			off += got;
		}
		last = off == size || *local_err != NULL;
		if (last) {
			clamd_put_be32(clamd_chunk + pos, 0);
			pos += CLAMD_LEN_PREFIX;
		}
		io = clamd_send_bytes(s, clamd_chunk, pos);
		if (io != CLAMD_IO_OK || last)
			return io;
		pos = 0;
	}
}

/* One NUL-terminated reply into clamd_line (*len bytes, NUL excluded).
 * Bytes after the NUL stay buffered for the next call; the session id
 * check then catches a reply nobody asked for. */
static enum clamd_io
clamd_read_line(struct clamd_session *s, size_t *len)
{
	for (;;) {
		uint8_t *nul = memchr(s->in, '\0', s->in_len);
		ssize_t n;
		int w;

		if (nul != NULL) {
			size_t k = (size_t)(nul - s->in);

			memcpy(clamd_line, s->in, k);
			clamd_line[k] = '\0';
			*len = k;
			s->in_len -= k + 1;
			memmove(s->in, nul + 1, s->in_len);
			return CLAMD_IO_OK;
		}
		if (s->in_len == sizeof(s->in))
			return CLAMD_IO_TOO_LONG;
		w = clamd_wait(s, POLLIN);
		if (w == 0)
			return CLAMD_IO_TIMEOUT;
		if (w < 0)
			return CLAMD_IO_ERROR;
		n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len,
		    MSG_DONTWAIT);
		if (n > 0) {
			s->in_len += (size_t)n;
			continue;
		}
		if (n == 0)
			return CLAMD_IO_CLOSED;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		if (errno == ECONNRESET)
			return CLAMD_IO_CLOSED;
		return CLAMD_IO_ERROR;
	}
}

/* prefix + text into the verdict name, cut to SCAN_NAME_MAX - 1: clamd's
 * texts may be up to CLAMD_REPLY_MAX, and the cut is deliberate. */
static void
clamd_set_name(char *name, const char *prefix, const char *text)
{
	size_t p = strnlen(prefix, SCAN_NAME_MAX - 1);
	size_t n = strnlen(text, SCAN_NAME_MAX - 1 - p);

	memcpy(name, prefix, p);
	memcpy(name + p, text, n);
	name[p + n] = '\0';
}

static int
clamd_error(char *name, const char *text)
{
	clamd_set_name(name, "", text);
	return SCAN_ERROR;
}

/* Why a failed read or write ends the session, and what the part says. */
static int
clamd_io_failed(struct clamd_session *s, enum clamd_io io, int reading,
    char *name)
{
	switch (io) {
	case CLAMD_IO_TIMEOUT:
		/* A late reply would be taken for the next request's, and
		 * the message tempfails anyway: say "timeout" by how we end,
		 * so the broker answers 52, not 81. */
		role_log("clamd %s timeout: giving up", reading ? "read" :
		    "write");
		_exit(ROLE_EXIT_PEER_TIMEOUT);
	case CLAMD_IO_CLOSED:
		s->dead = "clamd closed the session";
		return clamd_error(name, s->dead);
	case CLAMD_IO_TOO_LONG:
		s->dead = "clamd session out of step";
		return clamd_error(name, "clamd reply too long");
	case CLAMD_IO_OK:
	case CLAMD_IO_ERROR:
	default:
		s->dead = "clamd session failed";
		return clamd_error(name, reading ? "clamd read error" :
		    "clamd write error");
	}
}

/* Maps the parsed reply to this part's verdict.  Only an exact OK for
 * our subject, for a part sent whole, is clean. */
static int
clamd_map_reply(struct clamd_session *s, const struct clamd_reply *r,
    uint32_t id, enum clamd_subject want, int sent_whole,
    const char *local_err, char *name)
{
	if (r->malformed) {
		role_log("clamd sent an unrecognised reply: %s", r->text);
		s->dead = "clamd session out of step";
		return clamd_error(name, "clamd sent an unrecognised reply");
	}
	if (!r->has_id || r->id != id) {
		role_log("clamd reply id %u, expected %u", r->id, id);
		s->dead = "clamd session out of step";
		return clamd_error(name, "clamd reply out of order");
	}
	switch (r->kind) {
	case CLAMD_REPLY_OK:
		if (r->subject != want)
			return clamd_error(name, "clamd answered for another "
			    "kind of scan");
		if (local_err != NULL)
			return clamd_error(name, local_err);
		if (!sent_whole)
			return clamd_error(name, s->dead != NULL ? s->dead :
			    "clamd closed the session");
		return SCAN_CLEAN;
	case CLAMD_REPLY_FOUND:
		if (r->subject != want)
			return clamd_error(name, "clamd answered for another "
			    "kind of scan");
		/* Found in the bytes clamd got: a virus even in a part
		 * that went short.  clamd with AlertExceedsMax names a
		 * limit it hit this way: that is a limit, not a virus. */
		clamd_set_name(name, "", r->text);
		if (strncmp(r->text, "Heuristics.Limits.Exceeded",
		    sizeof("Heuristics.Limits.Exceeded") - 1) == 0)
			return SCAN_LIMIT;
		return SCAN_VIRUS;
	case CLAMD_REPLY_SIZE_LIMIT:
		/* clamd closes the connection after saying this. */
		s->dead = "clamd closed the session";
		if (want != CLAMD_SUBJECT_STREAM)
			return clamd_error(name, r->text);
		clamd_set_name(name, "clamd: ", r->text);
		return SCAN_LIMIT;
	case CLAMD_REPLY_ERROR:
	default:
		return clamd_error(name, r->text);
	}
}

/* The scan_backend: one command, one reply, one verdict. */
static int
clamd_scan_part(void *ctx, uint32_t part, int fd, uint64_t size, char *name)
{
	const struct role_settings *a = ctx;
	struct clamd_session *s = &clamd_sess;
	enum clamd_subject want;
	enum clamd_io io, rio;
	const char *local_err = NULL;
	uint32_t id;
	size_t len;

	if (s->dead != NULL)
		return clamd_error(name, s->dead);
	/* Not sent at all, in either mode: over INSTREAM clamd would cut the
	 * stream at StreamMaxLength and close the session; over FILDES it
	 * would stop at MaxFileSize and, without AlertExceedsMax, answer OK
	 * for bytes it never scanned.  SCAN_LIMIT: unchecked by clamd, and
	 * the broker's unchecked_action decides (a large raw message still
	 * has its parts scanned). */
	if (size > a->clamd_max_stream_bytes) {
		snprintf(name, SCAN_NAME_MAX, "%llu bytes over "
		    "max-stream-bytes %llu", (unsigned long long)size,
		    (unsigned long long)a->clamd_max_stream_bytes);
		return SCAN_LIMIT;
	}
	if (a->clamd_mode == ROLE_CLAMD_INSTREAM) {
		want = CLAMD_SUBJECT_STREAM;
		io = clamd_send_instream(s, fd, size, &local_err);
	} else {
		want = CLAMD_SUBJECT_FD;
		io = clamd_send_fildes(s, fd);
	}
	id = s->next_id++;
	if (io == CLAMD_IO_TIMEOUT || io == CLAMD_IO_ERROR ||
	    io == CLAMD_IO_TOO_LONG)
		return clamd_io_failed(s, io, 0, name);
	if (io == CLAMD_IO_CLOSED)
		s->dead = "clamd closed the session";
	/* Even after EPIPE: clamd may have answered before it closed
	 * (INSTREAM size limit), and the answer is still readable. */
	rio = clamd_read_line(s, &len);
	if (rio != CLAMD_IO_OK)
		return clamd_io_failed(s, rio, 1, name);
	(void)clamd_reply_parse(clamd_line, len, &clamd_rep);
	return clamd_map_reply(s, &clamd_rep, id, want, io == CLAMD_IO_OK,
	    local_err, name);
}

/* IDSESSION and VERSION in one send; VERSION is request 1. */
static int
clamd_start_session(struct clamd_session *s, struct clamd_version *v)
{
	enum clamd_io io;
	size_t len;

	io = clamd_send_bytes(s, (const uint8_t *)clamd_cmd_start,
	    sizeof(clamd_cmd_start));
	if (io == CLAMD_IO_OK)
		io = clamd_read_line(s, &len);
	if (io != CLAMD_IO_OK) {
		role_log("clamd session start failed (%s)",
		    io == CLAMD_IO_TIMEOUT ? "timeout" :
		    io == CLAMD_IO_CLOSED ? "closed" :
		    io == CLAMD_IO_TOO_LONG ? "reply too long" : "socket error");
		if (io == CLAMD_IO_TIMEOUT)
			_exit(ROLE_EXIT_PEER_TIMEOUT);
		return -1;
	}
	if (clamd_version_parse(clamd_line, len, v) != 0 || !v->has_id ||
	    v->id != 1) {
		(void)clamd_reply_parse(clamd_line, len, &clamd_rep);
		role_log("clamd VERSION reply not understood: %s",
		    clamd_rep.text);
		return -1;
	}
	s->next_id = 2;
	return 0;
}

/* The role's code for one message (exec'd, or a warm child after its
 * fork): the peer checked, lockdown, the session with clamd. */
static void __attribute__((noreturn))
clamd_one_message(const char *dir)
{
	struct scan_backend backend = { clamd_scan_part, &clamd_set };
	struct clamd_version ver;
	const char *why = NULL;

	(void)dir;
	if (clamd_check_peer(clamd_set.clamd_mode) != 0)
		_exit(ROLE_EXIT_INIT);

	if (sandbox_role_lockdown(ROLE_CLAMD, &why) != 0) {
		role_log("lockdown failed: %s", why != NULL ? why : "unknown");
		_exit(ROLE_EXIT_INIT);
	}

	/* From here on: the final filter is in place. */
	clamd_sess.fd = ROLE_FD_PEER;
	clamd_sess.timeout_ms = (int)clamd_set.clamd_read_timeout_ms;
	if (clamd_start_session(&clamd_sess, &ver) != 0)
		_exit(ROLE_EXIT_INIT);
	role_send_hello(ROLE_CLAMD);
	/* clamd with only custom databases has no database version */
	scan_send_engine("clamd", ver.engine, ver.database[0] != '\0' ?
	    ver.database : "unversioned");
	if (scan_loop_run(&backend) != 0)
		_exit(ROLE_EXIT_IO);
	/* Polite end of the session; clamd closes without a reply, and
	 * the broker has its REC_END already, so the result is moot. */
	if (clamd_sess.dead == NULL)
		(void)clamd_send_bytes(&clamd_sess,
		    (const uint8_t *)clamd_cmd_end, sizeof(clamd_cmd_end));
	_exit(ROLE_EXIT_OK);
}

int
clamd_role_main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_CLAMD, .set = &clamd_set,
		.child_main = clamd_one_message,
	};

	(void)argv;
	role_read_settings(ROLE_CLAMD, argc, &clamd_set);
	/* Warm: nothing to load, but the exec and the sandbox set-up are
	 * saved per message all the same (docs/warm.md). */
	if (clamd_set.warm)
		zygote_serve(&zygote);
	clamd_one_message(NULL);
}
