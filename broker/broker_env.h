/* broker: the environment allow-list and the facts taken from it; trusted. */
#ifndef QSCAN_BROKER_ENV_H
#define QSCAN_BROKER_ENV_H

#include <glib.h>

struct broker_env {
	GPtrArray *kept;	/* "NAME=value" for qmail-queue, NULL-terminated */
	char *remote_ip;	/* TCPREMOTEIP, sanitised; "" when unset */
	int relay;		/* RELAYCLIENT set */
	char *config_override;	/* QSCAN_CONFIG, only when not setuid/setcap */
};

/* Takes what the allow-list keeps from the process environment, then
 * clears the environment.  Values over 1024 bytes are dropped. */
void broker_env_take(struct broker_env *e);
void broker_env_clear(struct broker_env *e);

/* 1 when the allow-list keeps the variable `name` (len bytes, no '='):
 * what qscand's worker takes from the hook's SVC_HELLO. */
int broker_env_allowed(const char *name, size_t len);

/* QSCAN_CONFIG, the configuration to read instead of the built-in one,
 * when it may be believed: not setuid, setgid or with file capabilities,
 * and at most 1024 bytes; else NULL.  The one check, for every program. */
const char *broker_env_config_override(void);

/* Replaces bytes outside qmail-smtpd's Received: set by '?'
 * (docs/architecture.md, "The qmail-queue contract"). */
char *broker_env_sanitise(const char *s);
/* For a header value of free text: control bytes (CR, LF, NUL, ...)
 * become '?', the rest stays. */
char *broker_env_header_safe(const char *s);

#endif
