/* scanners: the spamd role's entry function; runs in role spamd,
 * untrusted, after the final filter.  The raw message goes to spamd as
 * one SYMBOLS request (SPAMC/1.5, Content-length, User) on the socket
 * the broker connected; the reply, read whole within SPAMD_REPLY_MAX and
 * the read timeout, is decoded (spamd_reply.c) into one REC_SPAM.  The
 * role reports; the broker decides (docs/spam.md). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "role_runtime.h"
#include "role_settings.h"
#include "sandbox.h"
#include "scan_loop.h"
#include "spamd_reply.h"
#include "spamd_role.h"
#include "zygote_serve.h"

#define SPAMD_CHUNK_MAX	(64u * 1024)
/* "SYMBOLS SPAMC/1.5\r\nContent-length: <20 digits>\r\nUser: <user>\r\n\r\n" */
#define SPAMD_REQUEST_HEAD_MAX	(96u + ROLE_SPAMD_USER_MAX)

static struct role_settings spamd_set;
static struct spamd_reply spamd_rep;
static uint8_t spamd_in[SPAMD_REPLY_MAX + 1];
static uint8_t spamd_chunk[SPAMD_REQUEST_HEAD_MAX + SPAMD_CHUNK_MAX];

/* 1 when fd 3 is ready for `events`, 0 after the read timeout, -1 on
 * error. */
static int
spamd_wait(short events)
{
	struct pollfd p = { ROLE_FD_PEER, events, 0 };
	int n;

	do
		n = poll(&p, 1, (int)spamd_set.spamd_read_timeout_ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* All of p, never blocking beyond the timeout without progress; NULL or
 * what went wrong. */
static const char *
spamd_send_bytes(const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(ROLE_FD_PEER, p, len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		int w;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w = spamd_wait(POLLOUT);
			if (w > 0)
				continue;
			return w == 0 ? "spamd write timeout" :
			    "spamd write error";
		}
		return n < 0 && (errno == EPIPE || errno == ECONNRESET) ?
		    "spamd closed the connection" : "spamd write error";
	}
	return NULL;
}

/* The broker sends only printable ASCII without spaces (step_spam.c);
 * a CR or LF here would end spamd's header line early. */
static int
spamd_user_ok(const char *u)
{
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
			return 0;
	return 1;
}

/* The request head, then the message by pread (its offset never
 * moves), in chunks; the head rides with the first. */
static const char *
spamd_send_request(int fd, uint64_t size)
{
	uint64_t off = 0;
	int head;

	if (!spamd_user_ok(spamd_set.spamd_user))
		return "user name refused: not printable ASCII";
	head = snprintf((char *)spamd_chunk, SPAMD_REQUEST_HEAD_MAX,
	    "SYMBOLS SPAMC/1.5\r\nContent-length: %llu\r\n%s%s%s\r\n",
	    (unsigned long long)size, spamd_set.spamd_user[0] ? "User: " : "",
	    spamd_set.spamd_user, spamd_set.spamd_user[0] ? "\r\n" : "");
	if (head < 0 || (size_t)head >= SPAMD_REQUEST_HEAD_MAX)
		return "request head too long";
	for (size_t pos = (size_t)head;; pos = 0) {
		uint64_t left = size - off;
		size_t want = left < SPAMD_CHUNK_MAX ? (size_t)left :
		    SPAMD_CHUNK_MAX, got = 0;
		const char *err;

		while (got < want) {
			ssize_t n = pread(fd, spamd_chunk + pos + got,
			    want - got, (off_t)(off + got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? "cannot read the message" :
				    "message shorter than its announced size";
			got += (size_t)n;
		}
		off += got;
		if ((err = spamd_send_bytes(spamd_chunk, pos + got)) != NULL)
			return err;
		if (off == size)
			return NULL;
	}
}

/* The whole reply, up to spamd's close; NULL, or what went wrong (a
 * reply over SPAMD_REPLY_MAX is refused unread). */
static const char *
spamd_read_reply(size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n;
		int w = spamd_wait(POLLIN);

		if (w == 0)
			return "spamd read timeout";
		if (w < 0)
			return "spamd read error";
		n = recv(ROLE_FD_PEER, spamd_in + *len,
		    sizeof(spamd_in) - *len, MSG_DONTWAIT);
		if (n > 0) {
			*len += (size_t)n;
			if (*len > SPAMD_REPLY_MAX)
				return "spamd reply too long";
			continue;
		}
		if (n == 0)
			return NULL;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		return errno == ECONNRESET ? "spamd closed the connection" :
		    "spamd read error";
	}
}

static void
spamd_send_fact(enum spam_status st, const struct spamd_reply *r,
    const char *why)
{
	struct rec_writer w;
	int scored = st != SPAM_FAILED;

	rec_begin(&w, REC_SPAM);
	rec_put_u8(&w, (uint8_t)st);
	rec_put_u32(&w, scored ? (uint32_t)r->score_milli : 0);
	rec_put_u32(&w, scored ? (uint32_t)r->threshold_milli : 0);
	rec_put_u16(&w, scored ? (uint16_t)(r->n_symbols > UINT16_MAX ?
	    UINT16_MAX : r->n_symbols) : 0);
	rec_put_str(&w, scored ? r->symbols : "", scored ?
	    strlen(r->symbols) : 0);
	rec_put_str(&w, why, strnlen(why, SPAMD_TEXT_MAX + 64));
	role_send(&w, -1);
}

/* The scan_backend: one request, one fact, a clean verdict. */
static int
spamd_scan(void *ctx, uint32_t part, int fd, uint64_t size, char *name)
{
	char why[SPAMD_TEXT_MAX + 64];
	const char *err;
	size_t len;

	(void)ctx;
	(void)part;
	name[0] = '\0';
	if (size > spamd_set.spamd_max_bytes) {
		/* The broker does not ask this; say so all the same. */
		snprintf(why, sizeof(why), "%llu bytes over max_bytes",
		    (unsigned long long)size);
		spamd_send_fact(SPAM_FAILED, NULL, why);
		return SCAN_CLEAN;
	}
	if ((err = spamd_send_request(fd, size)) != NULL ||
	    (err = spamd_read_reply(&len)) != NULL) {
		spamd_send_fact(SPAM_FAILED, NULL, err);
		return SCAN_CLEAN;
	}
	switch (spamd_reply_parse(spamd_in, len, &spamd_rep)) {
	case SPAMD_REPLY_SCORED:
		spamd_send_fact(spamd_rep.is_spam ? SPAM_YES : SPAM_NO,
		    &spamd_rep, "");
		break;
	case SPAMD_REPLY_REFUSED:
		snprintf(why, sizeof(why), "spamd refused: %u %s",
		    spamd_rep.code, spamd_rep.text);
		spamd_send_fact(SPAM_FAILED, NULL, why);
		break;
	case SPAMD_REPLY_MALFORMED:
	default:
		snprintf(why, sizeof(why), "spamd reply malformed: %s",
		    spamd_rep.text);
		spamd_send_fact(SPAM_FAILED, NULL, why);
		break;
	}
	return SCAN_CLEAN;
}

/* The role's code for one message (exec'd, or a warm child after its
 * fork, its own settings in spamd_set): the peer checked, lockdown, the
 * request. */
static void __attribute__((noreturn))
spamd_one_message(const char *dir)
{
	struct scan_backend backend = { spamd_scan, NULL };
	const char *why = NULL;

	(void)dir;
	if (role_check_peer(SOCK_STREAM, 1) < 0)
		_exit(ROLE_EXIT_INIT);
	if (sandbox_role_lockdown(ROLE_SPAMD, &why) != 0) {
		role_log("lockdown failed: %s", why != NULL ? why : "unknown");
		_exit(ROLE_EXIT_INIT);
	}
	/* From here on: the final filter is in place. */
	role_send_hello(ROLE_SPAMD);
	/* spamd says no version before it answers: the protocol's. */
	scan_send_engine("spamd", "SPAMC/1.5", "spamd");
	if (scan_loop_run(&backend) != 0)
		_exit(ROLE_EXIT_IO);
	_exit(ROLE_EXIT_OK);
}

int
spamd_role_main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_SPAMD, .set = &spamd_set, .child_set = &spamd_set,
		.child_main = spamd_one_message,
	};

	(void)argv;
	role_read_settings(ROLE_SPAMD, argc, &spamd_set);
	/* Warm: nothing to load, but the exec and the sandbox set-up are
	 * saved per message (docs/warm.md). */
	if (spamd_set.warm)
		zygote_serve(&zygote);
	spamd_one_message(NULL);
}
