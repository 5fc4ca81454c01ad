/* scanners: the mhr role's entry function; runs in role mhr, untrusted,
 * after the final filter.  Hashes each part (GLib's GChecksum: pure
 * computation, no system call) and asks "<hash>.<zone>" TXT on the UDP
 * socket the broker connected; the replies are hostile bytes and go
 * through scanners/dns_reply.c.  One deadline for the whole message:
 * when it has passed, or the resolver stopped answering, the remaining
 * lookups are skipped, never waited for (docs/mhr.md). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "dns_msg.h"
#include "mhr_role.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "sandbox.h"
#include "scan_loop.h"
#include "zygote_serve.h"

#define MHR_VERSION		"1.0"	/* what Qmail-Scanner's header said */
#define MHR_READ_CHUNK		(64u * 1024)
#define MHR_ID_KEY_LEN		16u	/* secret of the query ids */
#define MHR_ATTEMPTS_MAX	(ROLE_MHR_RETRIES_MAX + 1)
#define MHR_WHY_MAX		128u

static struct role_settings mhr_set;
static uint8_t mhr_chunk[MHR_READ_CHUNK];

struct mhr_session {
	int fd;
	int64_t deadline_ms;		/* CLOCK_MONOTONIC, the message's end */
	uint8_t key[MHR_ID_KEY_LEN];	/* per message, from getrandom */
	uint64_t ids_made;
	/* Why the resolver is no longer asked (it did not answer, or the
	 * deadline passed); NULL while it is. */
	const char *dead;
};

static struct mhr_session mhr_sess;

/* One part's hashes, as lowercase hex. */
struct mhr_hashes {
	char hex[HASH_KIND_MAX + 1][HASH_SHA256_HEX_LEN + 1];
};

static int64_t
mhr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fresh id nobody off the host can guess: the first two bytes of
 * SHA-256(key || counter).  An id is 16 bits; guessing is what the
 * connected socket (the resolver's address only) and the question check
 * make moot, this makes it harder still. */
static uint16_t
mhr_next_id(struct mhr_session *s)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	uint8_t out[32];
	gsize n = sizeof(out);
	uint64_t ctr = s->ids_made++;

	g_checksum_update(c, s->key, sizeof(s->key));
	g_checksum_update(c, (const guchar *)&ctr, sizeof(ctr));
	g_checksum_get_digest(c, out, &n);
	g_checksum_free(c);
	return (uint16_t)((out[0] << 8) | out[1]);
}

/* The part's hashes: every one asked, SHA-256 always (the report shows
 * it).  -1 with *why when the part cannot be read whole. */
static int
mhr_hash_part(int fd, uint64_t size, uint64_t mask, struct mhr_hashes *h,
    const char **why)
{
	static const GChecksumType types[] = { G_CHECKSUM_SHA256,
	    G_CHECKSUM_SHA1, G_CHECKSUM_MD5 };
	GChecksum *c[HASH_KIND_MAX + 1] = { NULL };
	uint64_t off = 0;
	int rc = 0;

	mask |= 1u << HASH_SHA256;
	for (unsigned k = 0; k <= HASH_KIND_MAX; k++)
		if (mask & (1u << k))
			c[k] = g_checksum_new(types[k]);
	while (off < size) {
		size_t want = size - off < MHR_READ_CHUNK ?
		    (size_t)(size - off) : MHR_READ_CHUNK;
		ssize_t n = pread(fd, mhr_chunk, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n < 0 ? "cannot read the part" :
			    "part shorter than its announced size";
			rc = -1;
			break;
		}
		for (unsigned k = 0; k <= HASH_KIND_MAX; k++)
			if (c[k] != NULL)
				g_checksum_update(c[k], mhr_chunk, (gssize)n);
		off += (uint64_t)n;
	}
	for (unsigned k = 0; k <= HASH_KIND_MAX; k++) {
		h->hex[k][0] = '\0';
		if (c[k] == NULL)
			continue;
		if (rc == 0)
			g_strlcpy(h->hex[k], g_checksum_get_string(c[k]),
			    sizeof(h->hex[k]));
		g_checksum_free(c[k]);
	}
	return rc;
}

/* "<hash>.<zone>"; a SHA-256 is two labels of 32 (a label holds at most
 * 63 characters: hash.cymru.com's own form).  0, or -1 when too long. */
static int
mhr_qname(enum hash_kind k, const char *hex, const char *zone, char *out,
    size_t outsz)
{
	int n;

	if (k == HASH_SHA256)
		n = snprintf(out, outsz, "%.32s.%s.%s", hex, hex + 32, zone);
	else
		n = snprintf(out, outsz, "%s.%s", hex, zone);
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

/* How one lookup ended. */
enum mhr_lookup {
	MHR_LOOKUP_LISTED,
	MHR_LOOKUP_NOT_LISTED,
	MHR_LOOKUP_SKIPPED,
};

/* One query sent: its bytes, for matching the replies. */
struct mhr_query {
	uint8_t q[DNS_QUERY_MAX];
	size_t len;
};

/* Waits for a reply to any query sent so far for this name, until
 * `until`.  1 with *rep when one came (LISTED, NOT_LISTED,
 * SERVER_FAILED, TRUNCATED); 0 when the wait ended without one (*why
 * says why: timeout, refused, malformed). */
static int
mhr_await(struct mhr_session *s, const struct mhr_query *qs, unsigned nq,
    int64_t until, struct dns_reply *rep, const char **why)
{
	static uint8_t buf[DNS_UDP_MAX + 1];
	static char said[MHR_WHY_MAX + 32];

	for (;;) {
		int64_t left = until - mhr_now_ms();
		struct pollfd p = { s->fd, POLLIN, 0 };
		ssize_t n;
		int w;

		if (left <= 0)
			return 0;
		w = poll(&p, 1, (int)left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w < 0)
				*why = "poll on the resolver socket failed";
			return 0;
		}
		n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			*why = errno == ECONNREFUSED ? "resolver refused "
			    "(port unreachable)" : "resolver socket error";
			return 0;
		}
		for (unsigned i = 0; i < nq; i++) {
			enum dns_reply_kind k = dns_reply_parse(buf, (size_t)n,
			    qs[i].q, qs[i].len, rep);

			if (k == DNS_REPLY_NOT_OURS)
				continue;
			if (k == DNS_REPLY_MALFORMED) {
				/* Logged, then waited past: a later good
				 * answer still counts. */
				role_log("resolver reply refused: %s",
				    rep->why);
				snprintf(said, sizeof(said), "malformed "
				    "reply: %s", rep->why);
				*why = said;
				break;
			}
			return 1;
		}
	}
}

/* Asks `name` TXT: 1 + retries queries, each waiting query_timeout_ms,
 * all within the message's deadline. */
static enum mhr_lookup
mhr_lookup(struct mhr_session *s, const char *name, struct dns_reply *rep,
    const char **why)
{
	const struct role_settings *a = &mhr_set;
	struct mhr_query qs[MHR_ATTEMPTS_MAX];
	unsigned nq = 0;

	*why = "no answer";
	for (unsigned t = 0; t <= a->mhr_retries && t < MHR_ATTEMPTS_MAX; t++) {
		int64_t now = mhr_now_ms(), until;
		struct mhr_query *q = &qs[nq];
		ssize_t sent;

		if (now >= s->deadline_ms) {
			*why = "deadline passed";
			s->dead = "deadline passed";
			return MHR_LOOKUP_SKIPPED;
		}
		q->len = dns_query_build(mhr_next_id(s), name, DNS_TYPE_TXT,
		    q->q, sizeof(q->q));
		if (q->len == 0) {
			*why = "name does not fit a query";
			return MHR_LOOKUP_SKIPPED;
		}
		nq++;
		do
			sent = send(s->fd, q->q, q->len, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
		while (sent < 0 && errno == EINTR);
		if (sent < 0 && errno == ECONNREFUSED)
			*why = "resolver refused (port unreachable)";
		else if (sent < 0)
			*why = "cannot send to the resolver";
		until = now + a->mhr_query_timeout_ms;
		if (until > s->deadline_ms)
			until = s->deadline_ms;
		if (sent >= 0) {
			*why = "no answer in time";
			if (mhr_await(s, qs, nq, until, rep, why) == 1) {
				if (rep->kind == DNS_REPLY_LISTED)
					return MHR_LOOKUP_LISTED;
				if (rep->kind == DNS_REPLY_NOT_LISTED)
					return MHR_LOOKUP_NOT_LISTED;
				if (rep->kind == DNS_REPLY_TRUNCATED) {
					*why = "reply truncated (TC): no TCP "
					    "here";
					return MHR_LOOKUP_SKIPPED;
				}
				*why = "resolver failed (SERVFAIL or another "
				    "rcode)";
			}
		} else {
			/* A refusal is at once: wait out the try all the
			 * same, so that retries are spaced. */
			struct pollfd p = { s->fd, 0, 0 };
			int64_t left = until - mhr_now_ms();

			if (left > 0)
				(void)poll(&p, 1, (int)left);
		}
	}
	/* Nothing usable after every try: the resolver is not asked again
	 * for this message. */
	s->dead = "resolver did not answer an earlier lookup";
	return MHR_LOOKUP_SKIPPED;
}

static void
mhr_send_fact(uint32_t part, enum hash_rep_status st, enum hash_kind kind,
    const struct dns_reply *rep, const char *sha256, const char *why)
{
	struct rec_writer w;

	rec_begin(&w, REC_HASH_REPUTATION);
	rec_put_u32(&w, part);
	rec_put_u8(&w, (uint8_t)st);
	rec_put_u8(&w, (uint8_t)kind);
	rec_put_u8(&w, st == HASH_REP_LISTED ? (uint8_t)rep->percent : 0);
	rec_put_u64(&w, st == HASH_REP_LISTED ? rep->last_seen : 0);
	rec_put_str(&w, sha256, strlen(sha256));
	rec_put_str(&w, why, strnlen(why, MHR_WHY_MAX));
	role_send(&w, -1);
}

/* The scan_backend: hashes, lookups, one fact, a clean verdict (the
 * broker makes an MHR.<percent> virus of a listed part). */
static int
mhr_scan_part(void *ctx, uint32_t part, int fd, uint64_t size, char *name)
{
	const struct role_settings *a = ctx;
	struct mhr_session *s = &mhr_sess;
	struct mhr_hashes h;
	struct dns_reply rep;
	const char *why = NULL, *skip_why = NULL;
	enum hash_kind kind = HASH_SHA256;
	int listed = 0;

	memset(&rep, 0, sizeof(rep));
	if (mhr_hash_part(fd, size, a->mhr_hashes, &h, &why) != 0) {
		snprintf(name, SCAN_NAME_MAX, "%s", why);
		return SCAN_ERROR;
	}
	for (unsigned k = 0; k <= HASH_KIND_MAX && !listed; k++) {
		char qname[DNS_NAME_WIRE_MAX + 1];
		enum mhr_lookup l;

		if (!(a->mhr_hashes & (1u << k)))
			continue;
		if (s->dead != NULL) {
			skip_why = s->dead;
			break;
		}
		if (mhr_qname((enum hash_kind)k, h.hex[k], a->mhr_zone, qname,
		    sizeof(qname)) != 0) {
			skip_why = "name does not fit a query";
			continue;
		}
		l = mhr_lookup(s, qname, &rep, &why);
		if (l == MHR_LOOKUP_LISTED) {
			listed = 1;
			kind = (enum hash_kind)k;
		} else if (l == MHR_LOOKUP_SKIPPED) {
			skip_why = why;
		}
	}
	if (listed)
		mhr_send_fact(part, HASH_REP_LISTED, kind, &rep,
		    h.hex[HASH_SHA256], "");
	else if (skip_why != NULL)
		mhr_send_fact(part, HASH_REP_SKIPPED, HASH_SHA256, &rep,
		    h.hex[HASH_SHA256], skip_why);
	else
		mhr_send_fact(part, HASH_REP_NOT_LISTED, HASH_SHA256, &rep,
		    h.hex[HASH_SHA256], "");
	return SCAN_CLEAN;
}

/* The role's code for one message (exec'd, or a warm child after its
 * fork): settings and peer checked, the id key drawn, lockdown, then
 * the scan loop. */
static void __attribute__((noreturn))
mhr_one_message(const char *dir)
{
	struct scan_backend backend = { mhr_scan_part, &mhr_set };
	const char *why = NULL;
	ssize_t got;

	(void)dir;
	if (mhr_set.mhr_hashes == 0) {
		role_log("settings: mhr.hashes names no hash");
		_exit(ROLE_EXIT_USAGE);
	}
	if (role_check_peer(SOCK_DGRAM, 0) < 0)
		_exit(ROLE_EXIT_INIT);
	/* Per message, after a warm child's fork: siblings never share a
	 * key. */
	do
		got = getrandom(mhr_sess.key, sizeof(mhr_sess.key), 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(mhr_sess.key)) {
		role_log("getrandom failed: %s", strerror(errno));
		_exit(ROLE_EXIT_INIT);
	}
	if (sandbox_role_lockdown(ROLE_MHR, &why) != 0) {
		role_log("lockdown failed: %s", why != NULL ? why : "unknown");
		_exit(ROLE_EXIT_INIT);
	}

	/* From here on: the final filter is in place. */
	mhr_sess.fd = ROLE_FD_PEER;
	mhr_sess.deadline_ms = mhr_now_ms() + mhr_set.mhr_deadline_ms;
	role_send_hello(ROLE_MHR);
	scan_send_engine("mhr", MHR_VERSION, mhr_set.mhr_zone);
	if (scan_loop_run(&backend) != 0)
		_exit(ROLE_EXIT_IO);
	_exit(ROLE_EXIT_OK);
}

int
mhr_role_main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_MHR, .set = &mhr_set,
		.child_main = mhr_one_message,
	};

	(void)argv;
	role_read_settings(ROLE_MHR, argc, &mhr_set);
	/* Warm: nothing to load, but the exec and the sandbox set-up are
	 * saved per message all the same (docs/warm.md). */
	if (mhr_set.warm)
		zygote_serve(&zygote);
	mhr_one_message(NULL);
}
