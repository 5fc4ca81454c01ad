/* broker: the hook's side of the hook protocol (svc_proto.h); runs in
 * qmail-scanner-queue, believes qscand only through the codec.  Once the
 * message is handed over it cannot fall back: every failure is 71 and
 * nothing is queued unless the service said SVC_QUEUE, but for its
 * notices (SVC_NOTIFY, always from the null sender). */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "envelope.h"
#include "exitcodes.h"
#include "hook_service.h"
#include "log.h"
#include "qscan_limits.h"
#include "queue.h"
#include "spool.h"
#include "svc_proto.h"

/* Once the message is handed over: the worker's own deadline is
 * BROKER_MAX_SECONDS (main.c); ours is a little longer. */
#define HOOK_VERDICT_WAIT_MS	(1300 * 1000)
/* After SVC_QUEUED: the worker only writes its summary line. */
#define HOOK_EXIT_WAIT_MS	(60 * 1000)

#define HOOK_CLOSED "qscand closed the connection (is this uid a client?)"

int
hook_privileged(void)
{
	if (getauxval(AT_SECURE) != 0 || geteuid() == 0 || getuid() == 0)
		return 1;
	capng_get_caps_process();
	return capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE;
}

static int
hook_connect(const char *path, char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = g_strdup_printf("%s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0) {
		*why = g_strdup_printf("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* For good: no capability in any set, and our real uid and gid (qmaild)
 * unless that is root's, then the user the broker dropped to. */
static int
hook_drop_for_good(const struct hook_args *a, char **why)
{
	uid_t uid = a->invoking_uid != 0 ? a->invoking_uid : geteuid();
	gid_t gid = a->invoking_uid != 0 ? a->invoking_gid : getegid();

	capng_get_caps_process();
	if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) &&
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETGID)) {
		capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_SETUID,
		    CAP_SETGID, -1);
		if (capng_apply(CAPNG_SELECT_CAPS) != 0 ||
		    setgroups(0, NULL) != 0 ||
		    setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
			*why = g_strdup_printf("cannot become uid %u: %s",
			    (unsigned)uid, strerror(errno));
			return -1;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
		*why = g_strdup("cannot clear capabilities");
		return -1;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
	    geteuid() == 0 || getuid() == 0) {
		*why = g_strdup("privileges remain after the drop");
		return -1;
	}
	return 0;
}

/* Fds 0, 1 and the reject pipe the worker asked for, if we have it. */
static int
hook_hand_over(int sock, uint32_t reject_fd, uint64_t fifos)
{
	if (svc_send_message(sock, SVC_SLOT_MESSAGE, 0) != 0 ||
	    svc_send_message(sock, SVC_SLOT_ENVELOPE, 1) != 0)
		return -1;
	if (reject_fd != 0 && (fifos & (1ull << reject_fd)) &&
	    svc_send_message(sock, SVC_SLOT_REJECT, (int)reject_fd) != 0)
		return -1;
	return 0;
}

/* The envelope's memfd: sealed, of the length said, read whole. */
static int
hook_take_envelope(int fd, uint64_t len, struct envelope *envl)
{
	int need = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;
	uint64_t off = 0;

	if (seals < 0 || (seals & need) != need || fstat(fd, &st) != 0 ||
	    (uint64_t)st.st_size != len)
		return -1;
	envl->raw = g_byte_array_sized_new((guint)len);
	g_byte_array_set_size(envl->raw, (guint)len);
	while (off < len) {
		ssize_t n = pread(fd, envl->raw->data + off, len - off,
		    (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (uint64_t)n;
	}
	return 0;
}

/* The spool file: a regular file opened read-only, no shorter than said. */
static int
hook_spool_ok(int fd, uint64_t size)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size >= size;
}

/* SVC_NOTIFY came (docs/notify.md): one notice of the service's, queued
 * like the message but only ever with the null sender, so it cannot
 * loop nor speak for anyone; what qmail-queue says goes back to the
 * service and nowhere else.  -1 when the service's records were wrong:
 * the caller gives up on it. */
static int
hook_notify(int sock, const struct hook_args *a, struct svc_msg *q)
{
	struct spool sp = { .fd = q->fd, .size = q->size, .seen = q->size };
	struct envelope envl = { 0 }, parsed = { 0 };
	struct svc_msg e;
	enum qscan_failure failure = FAIL_NONE;
	g_autofree char *qwhy = NULL;
	const char *why;
	int code, rc;

	rc = svc_recv(sock, HOOK_EXIT_WAIT_MS, &e, &why);
	if (rc != SVC_QUEUE_ENVELOPE) {
		log_err("service: no envelope after SVC_NOTIFY (%s)", rc == 0 ?
		    "end of file" : rc < 0 ? why : "another record");
		svc_msg_clear(&e);
		return -1;
	}
	rc = q->text[0] == '\0' && hook_spool_ok(q->fd, q->size) &&
	    hook_take_envelope(e.fd, e.size, &envl) == 0 &&
	    envelope_parse(envl.raw->data, envl.raw->len,
	    ENVELOPE_RECIPIENTS_MAX, &parsed) == ENVELOPE_OK &&
	    parsed.sender[0] == '\0';
	svc_msg_clear(&e);
	envelope_clear(&parsed);
	if (!rc) {
		log_err("service: SVC_NOTIFY with a bad notice or an envelope "
		    "that is not the null sender's: not queued");
		envelope_clear(&envl);
		return -1;
	}
	if (queue_is_self(a->qmail_queue)) {
		code = -1;
		failure = FAIL_CONFIG;
		qwhy = g_strdup("qmail_queue is this program");
	} else
		code = queue_deliver(a->qmail_queue, "", &sp, &envl, a->env,
		    &failure, &qwhy);
	envelope_clear(&envl);
	return svc_send_queued(sock, code, failure, qwhy) == 0 ? 0 : -1;
}

/* Records after the message's own: up to SVC_NOTIFY_MAX notices, then
 * SVC_EXIT.  Returns its type (SVC_EXIT with *m set), or what ended the
 * wait: 0, -1 or another type. */
static int
hook_await_exit(int sock, const struct hook_args *a, int wait_ms,
    unsigned *notices, struct svc_msg *m, const char **why)
{
	int rc;

	for (;;) {
		rc = svc_recv(sock, wait_ms, m, why);
		if (rc != SVC_NOTIFY)
			return rc;
		if (++*notices > SVC_NOTIFY_MAX || hook_notify(sock, a, m) != 0) {
			*why = *notices > SVC_NOTIFY_MAX ? "more notices than "
			    "a message has" : "a notice not as the protocol says";
			svc_msg_clear(m);
			return -1;
		}
		svc_msg_clear(m);
	}
}

/* SVC_QUEUE came: qmail-queue runs here, once, whatever the service does
 * afterwards.  Returns the exit code for qmail-smtpd. */
static int
hook_queue(int sock, const struct hook_args *a, struct svc_msg *q,
    unsigned *notices)
{
	struct spool sp = { .fd = q->fd, .size = q->size, .seen = q->size };
	struct envelope envl = { 0 };
	struct svc_msg e, x = { .fd = -1 };
	enum qscan_failure failure = FAIL_NONE;
	g_autofree char *qwhy = NULL;
	const char *why;
	int code, rc;

	/* The alarm runs on until qmail-queue has everything
	 * (queue_deliver()). */
	rc = svc_recv(sock, HOOK_EXIT_WAIT_MS, &e, &why);
	if (rc != SVC_QUEUE_ENVELOPE) {
		log_err("service: no envelope after SVC_QUEUE (%s): nothing "
		    "queued, tempfail", rc == 0 ? "end of file" : rc < 0 ?
		    why : "another record");
		svc_msg_clear(&e);
		return QQ_TEMP_REFUSED;
	}
	if (!hook_spool_ok(q->fd, q->size) ||
	    hook_take_envelope(e.fd, e.size, &envl) != 0) {
		log_err("service: SVC_QUEUE with a bad spool file or envelope: "
		    "nothing queued, tempfail");
		svc_msg_clear(&e);
		envelope_clear(&envl);
		return QQ_TEMP_REFUSED;
	}
	svc_msg_clear(&e);
	if (queue_is_self(a->qmail_queue)) {
		log_err("LOOP: qmail_queue %s is qmail-scanner-queue itself; "
		    "refusing to run it", a->qmail_queue);
		code = -1;
		failure = FAIL_CONFIG;
		qwhy = g_strdup("qmail_queue is this program");
	} else {
		code = queue_deliver(a->qmail_queue, q->text, &sp, &envl,
		    a->env, &failure, &qwhy);
	}
	envelope_clear(&envl);
	if (qwhy)
		log_err("qmail-queue: %s", qwhy);
	if (svc_send_queued(sock, code, failure, qwhy) == 0 &&
	    hook_await_exit(sock, a, HOOK_EXIT_WAIT_MS, notices, &x,
	    &why) == SVC_EXIT)
		return (int)x.value;
	svc_msg_clear(&x);
	/* The service is gone: qmail-queue's own answer stands. */
	return code >= 0 ? code : qq_exit_for_failure(failure);
}

/* After the hand-over: SVC_EXIT, or SVC_QUEUE then qmail-queue; the
 * notices of a message not queued come before its SVC_EXIT. */
static int
hook_await_verdict(int sock, const struct hook_args *a)
{
	struct svc_msg m;
	const char *why = NULL;
	unsigned notices = 0;
	int rc = hook_await_exit(sock, a, HOOK_VERDICT_WAIT_MS, &notices, &m,
	    &why), code;

	switch (rc) {
	case SVC_EXIT:
		return (int)m.value;
	case SVC_QUEUE:
		code = hook_queue(sock, a, &m, &notices);
		svc_msg_clear(&m);
		return code;
	case 0:
		log_err("service: end of file before its verdict (the service "
		    "died): nothing queued, tempfail");
		return QQ_TEMP_REFUSED;
	default:
		log_err("service: %s before its verdict: nothing queued, "
		    "tempfail", rc < 0 ? why : "an unexpected record");
		svc_msg_clear(&m);
		return QQ_TEMP_REFUSED;
	}
}

int
hook_service(const struct hook_args *a, char **why)
{
	struct svc_msg m;
	const char *rwhy;
	uint32_t reject_fd;
	int sock, rc;

	if ((sock = hook_connect(a->socket, why)) < 0)
		return HOOK_UNAVAILABLE;
	if (svc_send_hello(sock, (uint32_t)a->invoking_uid, a->fifos,
	    a->env) != 0) {
		/* The front closes at once on a peer it does not serve. */
		*why = errno == EPIPE || errno == ECONNRESET ?
		    g_strdup(HOOK_CLOSED) :
		    g_strdup_printf("SVC_HELLO: %s", strerror(errno));
		close(sock);
		return HOOK_UNAVAILABLE;
	}
	rc = svc_recv(sock, (int)a->ready_wait_ms, &m, &rwhy);
	if (rc != SVC_READY) {
		*why = rc == SVC_FALLBACK ? g_strdup_printf("qscand: %s",
		    m.text) : rc == 0 ? g_strdup(HOOK_CLOSED) : rc < 0 ?
		    g_strdup_printf("qscand: %s", rwhy) :
		    g_strdup("qscand: unexpected record");
		svc_msg_clear(&m);
		close(sock);
		return HOOK_UNAVAILABLE;
	}
	reject_fd = m.value;
	svc_msg_clear(&m);
	/* From here on no fallback: whatever privilege we were installed
	 * with for the exec path is of no use, and goes for good. */
	if (hook_drop_for_good(a, why) != 0) {
		log_err("privileges: %s: tempfail", *why);
		close(sock);
		return QQ_TEMP_REFUSED;
	}
	if (hook_hand_over(sock, reject_fd, a->fifos) != 0) {
		log_err("service: cannot hand the message over: %s: tempfail",
		    strerror(errno));
		close(sock);
		return QQ_TEMP_REFUSED;
	}
	rc = hook_await_verdict(sock, a);
	close(sock);
	return rc;
}
