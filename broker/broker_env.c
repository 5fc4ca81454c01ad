/* broker: environment handling; the environment is semi-trusted input. */
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "broker_env.h"

#define ENV_VALUE_MAX 1024

/* What qmail-smtpd and tcpserver set that qmail-queue or we may use. */
static const char *const allowed[] = {
	"TCPREMOTEIP", "TCPREMOTEHOST", "TCPREMOTEINFO", "TCPREMOTEPORT",
	"TCPLOCALIP", "TCPLOCALHOST", "TCPLOCALPORT", "PROTO", "RELAYCLIENT",
	"DATABYTES",
};

int
broker_env_allowed(const char *name, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++)
		if (strlen(allowed[i]) == len &&
		    memcmp(allowed[i], name, len) == 0)
			return 1;
	return 0;
}

char *
broker_env_sanitise(const char *s)
{
	char *out = g_strdup(s ? s : "");

	for (char *p = out; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr(".@%+/=:-[]", *p))
			*p = '?';
	return out;
}

char *
broker_env_header_safe(const char *s)
{
	char *out = g_strdup(s ? s : "");

	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return out;
}

const char *
broker_env_config_override(void)
{
	const char *v = getenv("QSCAN_CONFIG");

	/* AT_SECURE covers setuid, setgid and file capabilities alike. */
	if (v != NULL && getauxval(AT_SECURE) == 0 && getuid() == geteuid() &&
	    strlen(v) <= ENV_VALUE_MAX)
		return v;
	return NULL;
}

void
broker_env_take(struct broker_env *e)
{
	const char *v;

	memset(e, 0, sizeof(*e));
	e->kept = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++) {
		v = getenv(allowed[i]);
		if (v != NULL && strlen(v) <= ENV_VALUE_MAX)
			g_ptr_array_add(e->kept, g_strdup_printf("%s=%s",
			    allowed[i], v));
	}
	e->remote_ip = broker_env_sanitise(getenv("TCPREMOTEIP"));
	e->relay = getenv("RELAYCLIENT") != NULL;
	if ((v = broker_env_config_override()) != NULL)
		e->config_override = g_strdup(v);
	g_ptr_array_add(e->kept, NULL);
	clearenv();
}

void
broker_env_clear(struct broker_env *e)
{
	g_clear_pointer(&e->kept, g_ptr_array_unref);
	g_clear_pointer(&e->remote_ip, g_free);
	g_clear_pointer(&e->config_override, g_free);
}
