/* broker: out of memory, logged and answered 51 instead of an abort;
 * trusted.  GLib reports a failed g_malloc through g_error() ("failed to
 * allocate N bytes"), which reaches the structured log writer whether or
 * not GLib logs structured: that writer is where we take over. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "oom.h"

void
broker_out_of_memory(const char *what)
{
	static volatile sig_atomic_t logging;

	/* Logging allocates too: when that fails as well, only the exit. */
	if (!logging) {
		logging = 1;
		log_err("out of memory: %s", what);
	}
	_exit(QQ_TEMP_NO_MEMORY);
}

static const char *
log_field(const GLogField *fields, gsize n, const char *key)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0 && fields[i].length < 0)
			return fields[i].value;
	return NULL;
}

static GLogWriterOutput
oom_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer data)
{
	const char *msg = log_field(fields, n, "MESSAGE");

	(void)data;
	if ((level & G_LOG_LEVEL_ERROR) && msg != NULL &&
	    strstr(msg, "failed to allocate") != NULL)
		broker_out_of_memory(msg);
	return g_log_writer_default(level, fields, n, data);
}

void
broker_oom_install(void)
{
	g_log_set_writer_func(oom_writer, NULL, NULL);
}
