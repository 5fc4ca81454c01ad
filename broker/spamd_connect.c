/* broker: spamd connections: the same servers list, failover and
 * connect timeout as clamd's (broker/clamd_connect.c); trusted. */
#include <glib.h>

#include "clamd_connect.h"
#include "spamd_connect.h"

int
spamd_connect(const char *servers, unsigned timeout_ms, char **why)
{
	g_autofree char *inner = NULL;
	int is_unix, fd;

	fd = clamd_connect(servers, timeout_ms, &is_unix, &inner);
	if (fd < 0)
		/* "no clamd answered (...)": name the right server. */
		*why = g_strdup_printf("no spamd answered%s", inner != NULL &&
		    g_str_has_prefix(inner, "no clamd answered") ?
		    inner + sizeof("no clamd answered") - 1 : "");
	return fd;
}
