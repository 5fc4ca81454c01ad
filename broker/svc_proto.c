/* broker: the hook protocol's codec (svc_proto.h); linked by the hook and
 * by qscand, each decoding the other's records strictly. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "fd_pass.h"
#include "svc_proto.h"

static void
svc_begin(struct rec_writer *w, enum svc_type type)
{
	/* rec_begin writes the type as given; only rec_open checks it
	 * against the roles' REC_TYPE_MAX, and svc_recv does not call it. */
	rec_begin(w, (enum rec_type)type);
}

static int
svc_send(int sock, struct rec_writer *w, int fd)
{
	if (rec_finish(w) != 0) {
		errno = EMSGSIZE;
		return -1;
	}
	if (fd_pass_send(sock, w->buf, w->len, fd, 0) != (ssize_t)w->len)
		return -1;
	return 0;
}

int
svc_send_hello(int sock, uint32_t uid, uint64_t fifos, char *const *env)
{
	g_autofree struct rec_writer *w = g_new(struct rec_writer, 1);
	unsigned n = 0;

	while (env != NULL && env[n] != NULL)
		n++;
	if (n > SVC_ENV_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	svc_begin(w, SVC_HELLO);
	rec_put_u32(w, SVC_MAGIC);
	rec_put_u32(w, SVC_VERSION);
	rec_put_u32(w, uid);
	rec_put_u64(w, fifos);
	rec_put_u16(w, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(env[i]);

		if (len > SVC_ENV_ENTRY_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		rec_put_str(w, env[i], len);
	}
	return svc_send(sock, w, -1);
}

int
svc_send_ready(int sock, uint32_t reject_fd)
{
	struct rec_writer w;

	svc_begin(&w, SVC_READY);
	rec_put_u32(&w, reject_fd);
	return svc_send(sock, &w, -1);
}

int
svc_send_fallback(int sock, const char *reason)
{
	struct rec_writer w;
	size_t len = strnlen(reason, SVC_REASON_MAX);

	svc_begin(&w, SVC_FALLBACK);
	rec_put_str(&w, reason, len);
	return svc_send(sock, &w, -1);
}

int
svc_send_message(int sock, enum svc_slot slot, int fd)
{
	struct rec_writer w;

	svc_begin(&w, SVC_MESSAGE);
	rec_put_u8(&w, (uint8_t)slot);
	return svc_send(sock, &w, fd);
}

int
svc_send_exit(int sock, int code)
{
	struct rec_writer w;

	svc_begin(&w, SVC_EXIT);
	rec_put_u8(&w, (uint8_t)code);
	return svc_send(sock, &w, -1);
}

/* SVC_QUEUE and SVC_NOTIFY: the same layout, told apart by type. */
static int
svc_send_spool(int sock, enum svc_type type, const char *header,
    uint64_t spool_size, int spool_fd)
{
	g_autofree struct rec_writer *w = g_new(struct rec_writer, 1);
	size_t len = strlen(header);
	unsigned n = (unsigned)((len + RECORD_STR_MAX - 1) / RECORD_STR_MAX);

	if (len > SVC_HEADER_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	svc_begin(w, type);
	rec_put_u64(w, spool_size);
	rec_put_u16(w, (uint16_t)n);
	for (size_t off = 0; off < len; off += RECORD_STR_MAX)
		rec_put_str(w, header + off, MIN(len - off,
		    (size_t)RECORD_STR_MAX));
	return svc_send(sock, w, spool_fd);
}

int
svc_send_queue(int sock, const char *header, uint64_t spool_size,
    int spool_fd)
{
	return svc_send_spool(sock, SVC_QUEUE, header, spool_size, spool_fd);
}

int
svc_send_notify(int sock, uint64_t size, int notice_fd)
{
	return svc_send_spool(sock, SVC_NOTIFY, "", size, notice_fd);
}

int
svc_send_queue_envelope(int sock, int memfd, uint64_t len)
{
	struct rec_writer w;

	svc_begin(&w, SVC_QUEUE_ENVELOPE);
	rec_put_u64(&w, len);
	return svc_send(sock, &w, memfd);
}

int
svc_send_queued(int sock, int code, unsigned failure, const char *why)
{
	struct rec_writer w;
	size_t len = strnlen(why ? why : "", SVC_REASON_MAX);

	svc_begin(&w, SVC_QUEUED);
	rec_put_u32(&w, code < 0 ? SVC_NOT_QUEUED : (uint32_t)code);
	rec_put_u8(&w, (uint8_t)failure);
	rec_put_str(&w, why ? why : "", len);
	return svc_send(sock, &w, -1);
}

/* A string field into a new allocation of at most max bytes. */
static char *
get_str(struct rec_reader *r, size_t max)
{
	g_autofree char *buf = g_malloc(max + 1);

	if (rec_get_str(r, buf, max + 1) != 0)
		return NULL;
	return g_steal_pointer(&buf);
}

static int
decode_hello(struct rec_reader *r, struct svc_msg *m)
{
	uint32_t magic, version;
	uint16_t n;

	if (rec_get_u32(r, &magic) || rec_get_u32(r, &version) ||
	    rec_get_u32(r, &m->uid) || rec_get_u64(r, &m->fifos) ||
	    rec_get_u16(r, &n) || magic != SVC_MAGIC ||
	    version != SVC_VERSION || n > SVC_ENV_MAX)
		return -1;
	m->env = g_new0(char *, n + 1);
	for (m->n_env = 0; m->n_env < n; m->n_env++)
		if ((m->env[m->n_env] = get_str(r, SVC_ENV_ENTRY_MAX)) == NULL ||
		    strchr(m->env[m->n_env], '=') == NULL)
			return -1;
	return 0;
}

static int
decode_queue(struct rec_reader *r, struct svc_msg *m)
{
	g_autoptr(GString) header = g_string_new(NULL);
	char piece[RECORD_STR_MAX + 1];
	uint16_t n;

	if (rec_get_u64(r, &m->size) || rec_get_u16(r, &n) ||
	    n > (SVC_HEADER_MAX + RECORD_STR_MAX - 1) / RECORD_STR_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (rec_get_str(r, piece, sizeof(piece)) != 0)
			return -1;
		g_string_append(header, piece);
	}
	if (header->len > SVC_HEADER_MAX)
		return -1;
	m->text = g_string_free(g_steal_pointer(&header), FALSE);
	return 0;
}

/* The payload of type m->type; 0 when whole and within bounds. */
static int
decode_payload(struct rec_reader *r, struct svc_msg *m)
{
	uint8_t v8;

	switch (m->type) {
	case SVC_HELLO:
		return decode_hello(r, m);
	case SVC_READY:
		return rec_get_u32(r, &m->value) || m->value >= 64 ||
		    (m->value != 0 && m->value < 3) ? -1 : 0;
	case SVC_FALLBACK:
		return (m->text = get_str(r, SVC_REASON_MAX)) == NULL ? -1 : 0;
	case SVC_MESSAGE:
		if (rec_get_u8(r, &v8) || v8 > SVC_SLOT_REJECT)
			return -1;
		m->value = v8;
		return 0;
	case SVC_EXIT:
		if (rec_get_u8(r, &v8))
			return -1;
		m->value = v8;
		return 0;
	case SVC_QUEUE:
	case SVC_NOTIFY:
		return decode_queue(r, m);
	case SVC_QUEUE_ENVELOPE:
		return rec_get_u64(r, &m->size) || m->size > SVC_ENVELOPE_MAX ?
		    -1 : 0;
	case SVC_QUEUED:
		if (rec_get_u32(r, &m->value) || rec_get_u8(r, &m->failure) ||
		    (m->text = get_str(r, SVC_REASON_MAX)) == NULL)
			return -1;
		return m->value != SVC_NOT_QUEUED && m->value > 255 ? -1 : 0;
	default:
		return -1;
	}
}

/* 1 when records of this type carry exactly one descriptor. */
static int
carries_fd(unsigned type)
{
	return type == SVC_MESSAGE || type == SVC_QUEUE ||
	    type == SVC_QUEUE_ENVELOPE || type == SVC_NOTIFY;
}

int
svc_recv(int sock, int timeout_ms, struct svc_msg *m, const char **why)
{
	static uint8_t buf[RECORD_MAX];
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct rec_reader r;
	uint16_t type, flags;
	uint32_t payload;
	ssize_t n;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		*why = rc == 0 ? "timed out" : "poll failed";
		return -1;
	}
	n = fd_pass_recv(sock, buf, sizeof(buf), 0, &m->fd, why);
	if (n == FD_PASS_MALFORMED)
		return -1;
	if (n < 0) {
		*why = "recvmsg failed";
		return -1;
	}
	if (n == 0 && m->fd < 0)
		return 0;
	/* The header by hand: rec_open knows only the roles' types. */
	memset(&r, 0, sizeof(r));
	r.p = buf;
	r.len = (size_t)n;
	if (rec_get_u16(&r, &type) || rec_get_u16(&r, &flags) ||
	    rec_get_u32(&r, &payload) || flags != 0 ||
	    payload != (size_t)n - RECORD_HEADER_LEN) {
		*why = "malformed record header";
		goto refuse;
	}
	m->type = type;
	if (decode_payload(&r, m) != 0 || rec_end(&r) != 0) {
		*why = "malformed or unknown record";
		goto refuse;
	}
	if (carries_fd(type) != (m->fd >= 0)) {
		*why = m->fd >= 0 ? "a descriptor on a record that takes none" :
		    "a record without its descriptor";
		goto refuse;
	}
	return (int)type;
refuse:
	svc_msg_clear(m);
	return -1;
}

void
svc_msg_clear(struct svc_msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	g_clear_pointer(&m->env, g_strfreev);
	g_clear_pointer(&m->text, g_free);
	m->n_env = 0;
}
