/* tests: broker/broker_env.c: what the allow-list keeps of the environment
 * for qmail-queue, the facts taken from it, when QSCAN_CONFIG may name
 * another configuration, and the two sanitisers. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker_env.h"
#include "check.h"

extern char **environ;

/* 1 when e->kept holds exactly "entry". */
static int
kept_has(const struct broker_env *e, const char *entry)
{
	for (guint i = 0; i + 1 < e->kept->len; i++)
		if (strcmp(e->kept->pdata[i], entry) == 0)
			return 1;
	return 0;
}

static void
test_allow_list(void)
{
	struct broker_env e;

	clearenv();
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	setenv("TCPREMOTEHOST", "mx.example", 1);
	setenv("PROTO", "SMTP", 1);
	setenv("DATABYTES", "1000000", 1);
	setenv("QMAILQUEUE", "/var/qmail/bin/qmail-scanner-queue", 1);
	setenv("LD_PRELOAD", "/tmp/evil.so", 1);
	setenv("PATH", "/tmp", 1);
	broker_env_take(&e);
	CHECK(kept_has(&e, "TCPREMOTEIP=192.0.2.7"));
	CHECK(kept_has(&e, "TCPREMOTEHOST=mx.example"));
	CHECK(kept_has(&e, "PROTO=SMTP"));
	CHECK(kept_has(&e, "DATABYTES=1000000"));
	/* Only those four: QMAILQUEUE would make qmail-queue run us again. */
	CHECK_INT(e.kept->len, 5);
	CHECK(e.kept->pdata[e.kept->len - 1] == NULL);
	CHECK(strcmp(e.remote_ip, "192.0.2.7") == 0);
	CHECK_INT(e.relay, 0);
	CHECK(e.config_override == NULL);
	/* Nothing of it is left in our own environment. */
	CHECK(environ == NULL || environ[0] == NULL);
	CHECK(getenv("LD_PRELOAD") == NULL);
	broker_env_clear(&e);
	CHECK(e.kept == NULL && e.remote_ip == NULL);
}

/* RELAYCLIENT counts when set, even empty (qmail-smtpd's rule). */
static void
test_relay(void)
{
	struct broker_env e;

	clearenv();
	setenv("RELAYCLIENT", "", 1);
	broker_env_take(&e);
	CHECK_INT(e.relay, 1);
	CHECK(kept_has(&e, "RELAYCLIENT="));
	CHECK(strcmp(e.remote_ip, "") == 0);	/* unset: "" */
	broker_env_clear(&e);
}

/* Values over 1024 bytes are dropped, 1024 is kept. */
static void
test_long_values(void)
{
	char v[1026];
	struct broker_env e;
	g_autofree char *entry = NULL;

	memset(v, 'h', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	clearenv();
	setenv("TCPREMOTEHOST", v, 1);		/* 1025 bytes */
	v[1024] = '\0';
	setenv("TCPREMOTEINFO", v, 1);		/* 1024 bytes */
	broker_env_take(&e);
	entry = g_strdup_printf("TCPREMOTEINFO=%s", v);
	CHECK(kept_has(&e, entry));
	CHECK_INT(e.kept->len, 2);
	broker_env_clear(&e);

	/* The same bound for QSCAN_CONFIG. */
	memset(v, 'c', sizeof(v) - 1);
	v[0] = '/';
	v[sizeof(v) - 1] = '\0';
	clearenv();
	setenv("QSCAN_CONFIG", v, 1);
	broker_env_take(&e);
	CHECK(e.config_override == NULL);
	broker_env_clear(&e);
}

/* Not setuid, not setcap, real uid = effective uid (as this test runs):
 * QSCAN_CONFIG is taken, and never passed on to qmail-queue.  (The
 * setuid side, where it must be ignored, needs a setuid binary:
 * tests/integration/privilege_modes.sh runs the broker so.) */
static void
test_config_override(void)
{
	struct broker_env e;

	CHECK(getuid() == geteuid());
	clearenv();
	setenv("QSCAN_CONFIG", "/tmp/other.conf", 1);
	broker_env_take(&e);
	CHECK(e.config_override != NULL &&
	    strcmp(e.config_override, "/tmp/other.conf") == 0);
	CHECK_INT(e.kept->len, 1);
	CHECK(getenv("QSCAN_CONFIG") == NULL);
	broker_env_clear(&e);
	CHECK(e.config_override == NULL);

	clearenv();
	broker_env_take(&e);
	CHECK(e.config_override == NULL);
	broker_env_clear(&e);
}

/* TCPREMOTEIP comes from the client side of tcpserver: sanitised before
 * it reaches a header or a log. */
static void
test_remote_ip_sanitised(void)
{
	struct broker_env e;

	clearenv();
	setenv("TCPREMOTEIP", "192.0.2.7\r\nX-Forged: 1", 1);
	broker_env_take(&e);
	CHECK(strcmp(e.remote_ip, "192.0.2.7??X-Forged:?1") == 0);
	/* qmail-queue gets the value as it was: it is qmail's to judge. */
	CHECK(kept_has(&e, "TCPREMOTEIP=192.0.2.7\r\nX-Forged: 1"));
	broker_env_clear(&e);
}

static void
test_sanitisers(void)
{
	g_autofree char *a = broker_env_sanitise("::ffff:192.0.2.7");
	g_autofree char *b = broker_env_sanitise("[2001:db8::1]");
	g_autofree char *c = broker_env_sanitise("a b;c\xc3\xa9<>");
	g_autofree char *d = broker_env_sanitise(NULL);
	g_autofree char *h = broker_env_header_safe("one\r\ntwo\tthree\x7f");
	g_autofree char *u = broker_env_header_safe("caf\xc3\xa9 <a@b>");
	g_autofree char *n = broker_env_header_safe(NULL);

	CHECK(strcmp(a, "::ffff:192.0.2.7") == 0);
	CHECK(strcmp(b, "[2001:db8::1]") == 0);
	CHECK(strcmp(c, "a?b?c????") == 0);
	CHECK(strcmp(d, "") == 0);
	CHECK(strcmp(h, "one??two?three?") == 0);
	CHECK(strcmp(u, "caf\xc3\xa9 <a@b>") == 0);
	CHECK(strcmp(n, "") == 0);
}

int
main(void)
{
	test_allow_list();
	test_relay();
	test_long_values();
	test_config_override();
	test_remote_ip_sanitised();
	test_sanitisers();
	return CHECK_DONE();
}
