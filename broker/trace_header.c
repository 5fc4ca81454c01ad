/* broker: the trace header of a queued message; trusted.  What it
 * quotes from the envelope and the verdict is sanitised: it is written
 * into the message qmail-queue receives. */
#include <stdio.h>
#include <time.h>

#include "qscan-config.h"
#include "spam_facts.h"
#include "trace_header.h"

char *
trace_header(const struct qscan_config *cfg, const struct broker_env *be,
    const struct envelope *envl, const struct scan *s, uid_t uid,
    double secs)
{
	g_autofree char *sender = broker_env_sanitise(envl->sender);
	g_autofree char *host = broker_env_sanitise(cfg->hostname);
	g_autofree char *tag = NULL, *engines = findings_engine_list(s);
	g_autofree char *not_scanned = NULL, *tags = findings_policy_tags(s);
	g_autofree char *unchecked = findings_unchecked_list(s);
	g_autofree char *unchecked_hdr = NULL, *descriptive = NULL;
	g_autofree char *spam = spam_headers(cfg, &s->spam);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (s->verdict == VERDICT_CLEAN)
		tag = g_strdup("Clear");
	else
		tag = g_strdup_printf("%s(%s)", verdict_name(s->verdict),
		    s->reason);
	{
		g_autofree char *safe_tag = broker_env_sanitise(tag);

		/* A site that passes unscanned mail says so in a header. */
		if (s->not_scanned[0]) {
			g_autofree char *why = broker_env_header_safe(
			    s->not_scanned);

			not_scanned = g_strdup_printf("%s-Not-Scanned: %s\n",
			    cfg->header_prefix, why);
		}
		/* Parts an engine left unchecked (unchecked_action = pass). */
		if (unchecked[0]) {
			g_autofree char *why = broker_env_header_safe(unchecked);

			unchecked_hdr = g_strdup_printf("%s-Unchecked: %s\n",
			    cfg->header_prefix, why);
		}
		/* Qmail-Scanner's --add-dscr-hdrs line: what scanned it,
		 * the tag, the time; no envelope (docs/summary-line.md). */
		if (cfg->descriptive_header)
			descriptive = g_strdup_printf("%s: qscan-%s (%s%s"
			    "unpack: %s. %s:RC:%d(%s):. Processed in %.6f "
			    "secs)\n", cfg->descriptive_header_name,
			    QSCAN_VERSION, engines, engines[0] ? " " : "",
			    QSCAN_VERSION, safe_tag, be->relay,
			    be->remote_ip, secs);
		return g_strdup_printf("%s-Diagnostics: from %s by %s "
		    "(envelope-from <%s>, uid %u) with qscan-%s (%s%sunpack: %s. "
		    "%s:RC:%d(%s):. Processed in %.6f secs); %s\n%s%s%s%s%s",
		    cfg->header_prefix, be->remote_ip[0] ? be->remote_ip :
		    "localhost", host, sender, (unsigned)uid,
		    QSCAN_VERSION, engines, engines[0] ? " " : "",
		    QSCAN_VERSION, safe_tag, be->relay, be->remote_ip, secs, date,
		    descriptive ? descriptive : "",
		    not_scanned ? not_scanned : "",
		    unchecked_hdr ? unchecked_hdr : "", tags, spam);
	}
}
