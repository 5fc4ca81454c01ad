/* tests: broker/svc_proto.c, the hook protocol's codec: every record
 * round-trips, and what is malformed (header, type, field ranges, bounds,
 * a descriptor where none belongs or none where one must be) is refused
 * with the descriptor closed. */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "check.h"
#include "fd_pass.h"
#include "svc_proto.h"

static int sv[2];

/* A raw record: header by hand, then `payload`. */
static void
send_raw(unsigned type, unsigned flags, const void *payload, size_t len,
    uint32_t claimed, int fd)
{
	uint8_t buf[256];

	buf[0] = type & 0xff; buf[1] = type >> 8;
	buf[2] = flags & 0xff; buf[3] = flags >> 8;
	buf[4] = claimed & 0xff; buf[5] = (claimed >> 8) & 0xff;
	buf[6] = (claimed >> 16) & 0xff; buf[7] = claimed >> 24;
	memcpy(buf + 8, payload, len);
	CHECK(fd_pass_send(sv[0], buf, 8 + len, fd, 0) == (ssize_t)(8 + len));
}

static int
open_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* How many descriptors this process has open. */
static int
open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void
test_round_trips(void)
{
	char *env[] = { "TCPREMOTEIP=192.0.2.7", "RELAYCLIENT=", NULL };
	struct svc_msg m;
	const char *why;
	int fd = open_fd();

	CHECK_INT(svc_send_hello(sv[0], 1001, 1ull << 6, env), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_HELLO);
	CHECK_INT(m.uid, 1001);
	CHECK(m.fifos == 1ull << 6);
	CHECK_INT(m.n_env, 2);
	CHECK(strcmp(m.env[1], "RELAYCLIENT=") == 0 && m.env[2] == NULL);
	svc_msg_clear(&m);

	CHECK_INT(svc_send_ready(sv[0], 6), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_READY);
	CHECK_INT(m.value, 6);

	CHECK_INT(svc_send_message(sv[0], SVC_SLOT_ENVELOPE, fd), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_MESSAGE);
	CHECK_INT(m.value, SVC_SLOT_ENVELOPE);
	CHECK(m.fd >= 0);
	svc_msg_clear(&m);

	{
		GString *h = g_string_new(NULL);

		/* Three pieces of the header, put together again. */
		for (int i = 0; i < 10000; i++)
			g_string_append_c(h, "abc"[i % 3]);
		CHECK_INT(svc_send_queue(sv[0], h->str, 12345, fd), 0);
		CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_QUEUE);
		CHECK(m.size == 12345 && strcmp(m.text, h->str) == 0);
		svc_msg_clear(&m);
		g_string_free(h, TRUE);
	}
	/* A notice: SVC_QUEUE's layout, its own type, no header. */
	CHECK_INT(svc_send_notify(sv[0], 777, fd), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_NOTIFY);
	CHECK(m.size == 777 && m.fd >= 0 && strcmp(m.text, "") == 0);
	svc_msg_clear(&m);
	/* ... and never without its descriptor. */
	CHECK_INT(svc_send_notify(sv[0], 777, -1), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), -1);
	CHECK(why != NULL && strstr(why, "without its descriptor"));
	CHECK_INT(svc_send_queued(sv[0], -1, 7, "cannot run it"), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_QUEUED);
	CHECK(m.value == SVC_NOT_QUEUED && m.failure == 7 &&
	    strcmp(m.text, "cannot run it") == 0);
	svc_msg_clear(&m);
	CHECK_INT(svc_send_exit(sv[0], 82), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_EXIT);
	CHECK_INT(m.value, 82);
	CHECK_INT(svc_send_fallback(sv[0], "no canaried zygote"), 0);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), SVC_FALLBACK);
	CHECK(strcmp(m.text, "no canaried zygote") == 0);
	svc_msg_clear(&m);
	close(fd);
}

/* Each refused, with a descriptor on it closed. */
static void
test_refusals(void)
{
	uint8_t ready6[4] = { 6, 0, 0, 0 }, ready2[4] = { 2, 0, 0, 0 };
	uint8_t slot9[1] = { 9 }, slot0[1] = { 0 };
	uint8_t queued300[7] = { 0x2c, 1, 0, 0, 0, 0, 0 };
	uint8_t hello_bad[22] = { 0 };
	struct svc_msg m;
	const char *why = "";
	int fd, before = open_fds();

	send_raw(SVC_READY, 1, ready6, 4, 4, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "header");
	send_raw(SVC_READY, 0, ready6, 4, 5, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "header");
	send_raw(0x1ff, 0, ready6, 4, 4, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "unknown");
	/* fd 2 is stderr, never a reject pipe of ours. */
	send_raw(SVC_READY, 0, ready2, 4, 4, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "malformed");
	/* Trailing bytes. */
	send_raw(SVC_EXIT, 0, ready6, 4, 4, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "malformed");
	send_raw(SVC_MESSAGE, 0, slot9, 1, 1, fd = open_fd());
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "malformed");
	CHECK(m.fd == -1);
	send_raw(SVC_MESSAGE, 0, slot0, 1, 1, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why,
	    "without its descriptor");
	close(fd);
	send_raw(SVC_READY, 0, ready6, 4, 4, fd = open_fd());
	close(fd);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why,
	    "a descriptor on a record that takes none");
	/* No refused record's descriptor stayed open in us. */
	CHECK_INT(open_fds(), before);
	send_raw(SVC_QUEUED, 0, queued300, 7, 7, -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "malformed");
	/* HELLO: zero magic. */
	send_raw(SVC_HELLO, 0, hello_bad, sizeof(hello_bad),
	    sizeof(hello_bad), -1);
	CHECK_REFUSED(svc_recv(sv[1], 1000, &m, &why), why, "malformed");
	/* Nothing sent: a bounded wait. */
	CHECK_REFUSED(svc_recv(sv[1], 50, &m, &why), why, "timed out");
	/* Bounds on the sending side too. */
	{
		char *many[SVC_ENV_MAX + 2];

		for (int i = 0; i <= SVC_ENV_MAX; i++)
			many[i] = "A=b";
		many[SVC_ENV_MAX + 1] = NULL;
		CHECK_INT(svc_send_hello(sv[0], 0, 0, many), -1);
	}
	/* End of file. */
	close(sv[0]);
	CHECK_INT(svc_recv(sv[1], 1000, &m, &why), 0);
}

int
main(void)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return 2;
	test_round_trips();
	test_refusals();
	return CHECK_DONE();
}
