/* broker: configuration loading and checking; reads the admin's file, trusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "qscan_limits.h"
#include "qscan-config.h"
#include "mhr_connect.h"
#include "notify.h"
#include "record.h"
#include "role_settings.h"

enum key_type { K_STRING, K_BOOL, K_UINT, K_U64, K_CHOICE, K_SCANNERS,
	K_CLAMD_MODE, K_CHECKS, K_CGROUP, K_MHR_HASHES, K_MHR_PARTS,
	K_MHR_ZONE, K_MHR_RESOLVER, K_NOTIFY_WHO, K_NOTIFY_ADDRESS,
	K_NOTIFY_LANGUAGE, K_ARCHIVE, K_HEADER_NAME, K_SPAM_SCORE,
	K_SPAMD_SERVERS, K_SPAMD_USER };

/* The words an enum key takes, and the value each stands for. */
struct choice {
	const char *word;
	int value;
};

/* K_CHOICE writes an int into the enum field. */
_Static_assert(sizeof(enum over_limit_action) == sizeof(int) &&
    sizeof(enum virus_action) == sizeof(int) &&
    sizeof(enum service_fallback) == sizeof(int) &&
    sizeof(enum archive_envelope) == sizeof(int), "enum keys are int-sized");

static const struct choice limit_actions[] = {
	{ "reject", ACTION_REJECT }, { "tempfail", ACTION_TEMPFAIL },
	{ "pass", ACTION_PASS }, { NULL, 0 } };
/* A message cut at the size limit cannot be passed on whole. */
static const struct choice oversize_actions[] = {
	{ "reject", ACTION_REJECT }, { "tempfail", ACTION_TEMPFAIL },
	{ NULL, 0 } };
static const struct choice failure_actions[] = {
	{ "tempfail", ACTION_TEMPFAIL }, { "pass", ACTION_PASS }, { NULL, 0 } };
static const struct choice virus_actions[] = {
	{ "quarantine", VIRUS_QUARANTINE }, { "reject", VIRUS_REJECT },
	{ "drop", VIRUS_DROP }, { NULL, 0 } };
/* An unscannable message is kept either way. */
static const struct choice crash_repeats_actions[] = {
	{ "reject", VIRUS_REJECT }, { "quarantine", VIRUS_QUARANTINE },
	{ NULL, 0 } };
static const struct choice archive_envelopes[] = {
	{ "append", ARCHIVE_ENVELOPE_APPEND },
	{ "headers", ARCHIVE_ENVELOPE_HEADERS }, { NULL, 0 } };
static const struct choice relay_choices[] = {
	{ "skip", FALSE }, { "scan", TRUE }, { NULL, 0 } };
static const struct choice fallbacks[] = {
	{ "exec", FALLBACK_EXEC }, { "tempfail", FALLBACK_TEMPFAIL },
	{ NULL, 0 } };

struct key_spec {
	const char *group, *key;
	enum key_type type;
	size_t offset;
	uint64_t min, max;		/* K_UINT and K_U64 */
	const struct choice *choices;	/* K_CHOICE */
	const char *choice_why;		/* K_CHOICE: what it takes */
};

#define OFF(field) offsetof(struct qscan_config, field)
#define MiB (1024ull * 1024)
#define GiB (1024ull * 1024 * 1024)

/* Every key the file may hold; conf/qscan.conf documents each. */
static const struct key_spec keys[] = {
	{ "qscan", "spool_dir", K_STRING, OFF(spool_dir), 0, 0 },
	{ "qscan", "qmail_queue", K_STRING, OFF(qmail_queue), 0, 0 },
	{ "qscan", "role_dir", K_STRING, OFF(role_dir), 0, 0 },
	{ "qscan", "log_file", K_STRING, OFF(log_file), 0, 0 },
	{ "qscan", "syslog", K_BOOL, OFF(use_syslog), 0, 0 },
	{ "qscan", "header_prefix", K_STRING, OFF(header_prefix), 0, 0 },
	{ "qscan", "hostname", K_STRING, OFF(hostname), 0, 0 },
	{ "qscan", "max_message_bytes", K_U64, OFF(max_message_bytes), 1024, 64 * GiB },
	{ "qscan", "oversize_action", K_CHOICE, OFF(oversize_action), 0, 0,
	  oversize_actions, "takes reject or tempfail" },
	{ "qscan", "limits_action", K_CHOICE, OFF(limits_action), 0, 0,
	  limit_actions, "takes reject, tempfail or pass" },
	{ "limits", "max_recipients", K_UINT, OFF(max_recipients), 1, ENVELOPE_RECIPIENTS_MAX },
	{ "limits", "max_parts", K_UINT, OFF(max_parts), 1, 15000 },
	{ "limits", "max_depth", K_UINT, OFF(max_depth), 1, 1000 },
	{ "limits", "max_decoded_bytes", K_U64, OFF(max_decoded_bytes), 1024, 64 * GiB },
	{ "limits", "max_archive_depth", K_UINT, OFF(max_archive_depth), 0, ARCHIVE_DEPTH_CEILING },
	{ "limits", "max_archive_members", K_UINT, OFF(max_archive_members), 1, 1000000 },
	{ "limits", "max_expanded_bytes", K_U64, OFF(max_expanded_bytes), 1024, 64 * GiB },
	{ "limits", "max_expansion_ratio", K_UINT, OFF(max_expansion_ratio), 0, 1000000 },
	{ "limits", "role_timeout_ms", K_UINT, OFF(role_timeout_ms), 100, 3600000 },
	{ "limits", "max_seconds", K_UINT, OFF(max_seconds), 10, 86400 },
	{ "limits", "crash_repeats", K_UINT, OFF(crash_repeats), 0, 1000 },
	{ "limits", "crash_repeats_action", K_CHOICE, OFF(crash_repeats_action),
	  0, 0, crash_repeats_actions, "takes reject or quarantine" },
	{ "qscan", "scanners", K_SCANNERS, OFF(scanners), 0, 0 },
	{ "qscan", "scan_raw", K_BOOL, OFF(scan_raw), 0, 0 },
	{ "qscan", "scan_failure_action", K_CHOICE, OFF(scan_failure_action), 0, 0,
	  failure_actions, "takes tempfail or pass" },
	{ "qscan", "unchecked_action", K_CHOICE, OFF(unchecked_action), 0, 0,
	  limit_actions, "takes reject, tempfail or pass" },
	{ "qscan", "virus_action", K_CHOICE, OFF(virus_action), 0, 0,
	  virus_actions, "takes quarantine, reject or drop" },
	{ "qscan", "reject_text_fd", K_UINT, OFF(reject_text_fd), 0, 64 },
	{ "qscan", "policy_file", K_STRING, OFF(policy_file), 0, 0 },
	{ "clamav", "database", K_STRING, OFF(clamav_database), 0, 0 },
	{ "clamav", "max_scan_bytes", K_U64, OFF(clamav_max_scan_bytes), 1024, 64 * GiB },
	{ "clamav", "max_file_bytes", K_U64, OFF(clamav_max_file_bytes), 1024, 64 * GiB },
	{ "clamav", "max_recursion", K_UINT, OFF(clamav_max_recursion), 1, 1000 },
	{ "clamav", "max_files", K_UINT, OFF(clamav_max_files), 1, 1000000 },
	{ "clamd", "servers", K_STRING, OFF(clamd_servers), 0, 0 },
	{ "clamd", "connect_timeout_ms", K_UINT, OFF(clamd_connect_timeout_ms), 10, 600000 },
	{ "clamd", "read_timeout_ms", K_UINT, OFF(clamd_read_timeout_ms), 10, 3600000 },
	{ "clamd", "mode", K_CLAMD_MODE, OFF(clamd_mode), 0, 0 },
	{ "clamd", "max_stream_bytes", K_U64, OFF(clamd_max_stream_bytes), 1024, 64 * GiB },
	{ "mhr", "resolver", K_MHR_RESOLVER, OFF(mhr_resolver), 0, 0 },
	{ "mhr", "zone", K_MHR_ZONE, OFF(mhr_zone), 0, 0 },
	{ "mhr", "hashes", K_MHR_HASHES, OFF(mhr_hashes), 0, 0 },
	{ "mhr", "threshold_percent", K_UINT, OFF(mhr_threshold_percent), 1, 100 },
	{ "mhr", "parts", K_MHR_PARTS, OFF(mhr_all_parts), 0, 0 },
	{ "mhr", "deadline_ms", K_UINT, OFF(mhr_deadline_ms), 10, 600000 },
	{ "mhr", "query_timeout_ms", K_UINT, OFF(mhr_query_timeout_ms), 10, 600000 },
	{ "mhr", "retries", K_UINT, OFF(mhr_retries), 0, ROLE_MHR_RETRIES_MAX },
	{ "mhr", "failure_action", K_CHOICE, OFF(mhr_failure_action), 0, 0,
	  failure_actions, "takes tempfail or pass" },
	{ "spamd", "servers", K_SPAMD_SERVERS, OFF(spamd_servers), 0, 0 },
	{ "spamd", "connect_timeout_ms", K_UINT, OFF(spamd_connect_timeout_ms), 10, 600000 },
	{ "spamd", "read_timeout_ms", K_UINT, OFF(spamd_read_timeout_ms), 10, 3600000 },
	{ "spamd", "max_bytes", K_U64, OFF(spamd_max_bytes), 1024, 64 * GiB },
	{ "spamd", "user", K_SPAMD_USER, OFF(spamd_user), 0, 0 },
	{ "spamd", "relay_clients", K_CHOICE, OFF(spamd_scan_relay_clients), 0, 0,
	  relay_choices, "takes skip or scan" },
	{ "spamd", "failure_action", K_CHOICE, OFF(spamd_failure_action), 0, 0,
	  failure_actions, "takes pass or tempfail" },
	{ "spamd", "quarantine_score", K_SPAM_SCORE, OFF(spamd_quarantine_score), 0, 0 },
	{ "spamd", "delete_score", K_SPAM_SCORE, OFF(spamd_delete_score), 0, 0 },
	{ "spamd", "reject_score", K_SPAM_SCORE, OFF(spamd_reject_score), 0, 0 },
	{ "spamd", "status_header", K_HEADER_NAME, OFF(spamd_status_header), 0, 0 },
	{ "spamd", "level_header", K_HEADER_NAME, OFF(spamd_level_header), 0, 0 },
	{ "spamd", "flag_header", K_HEADER_NAME, OFF(spamd_flag_header), 0, 0 },
	{ "checks", "disabled", K_CHECKS, OFF(checks_disabled), 0, 0 },
	{ "sandbox", "cgroup", K_CGROUP, OFF(cgroup), 0, 0 },
	{ "sandbox", "allow_no_cgroup", K_BOOL, OFF(allow_no_cgroup), 0, 0 },
	{ "sandbox", "allow_weaker_sandbox", K_BOOL, OFF(allow_weaker_sandbox), 0, 0 },
	{ "sandbox", "canary_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_CANARY]), 16 * MiB, 64 * GiB },
	{ "sandbox", "unpack_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_UNPACK]), 16 * MiB, 256 * GiB },
	{ "sandbox", "clamav_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_CLAMAV]), 16 * MiB, 256 * GiB },
	{ "sandbox", "clamd_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_CLAMD]), 16 * MiB, 64 * GiB },
	{ "sandbox", "mhr_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_MHR]), 16 * MiB, 64 * GiB },
	{ "sandbox", "spamd_memory_bytes", K_U64,
	  OFF(role_memory_bytes[ROLE_SPAMD]), 16 * MiB, 64 * GiB },
	{ "sandbox", "role_pids_max", K_UINT, OFF(role_pids_max), 1, 4096 },
	{ "service", "zygote_max_children", K_UINT, OFF(zygote_max_children),
	  1, 1000000 },
	{ "users", "broker", K_STRING, OFF(broker_user), 0, 0 },
	{ "users", "clamav", K_STRING, OFF(role_user[ROLE_CLAMAV]), 0, 0 },
	{ "users", "clamd", K_STRING, OFF(role_user[ROLE_CLAMD]), 0, 0 },
	{ "users", "mhr", K_STRING, OFF(role_user[ROLE_MHR]), 0, 0 },
	{ "users", "spamd", K_STRING, OFF(role_user[ROLE_SPAMD]), 0, 0 },
	{ "users", "unpack", K_STRING, OFF(role_user[ROLE_UNPACK]), 0, 0 },
	{ "users", "canary", K_STRING, OFF(role_user[ROLE_CANARY]), 0, 0 },
	{ "service", "socket", K_STRING, OFF(service_socket), 0, 0 },
	{ "service", "client_users", K_STRING, OFF(service_client_users), 0, 0 },
	{ "service", "client_group", K_STRING, OFF(service_client_group), 0, 0 },
	{ "service", "fallback", K_CHOICE, OFF(service_fallback), 0, 0,
	  fallbacks, "takes exec or tempfail" },
	{ "service", "zygote_wait_ms", K_UINT, OFF(service_zygote_wait_ms), 10, 600000 },
	{ "service", "canary_interval_s", K_UINT, OFF(service_canary_interval_s), 1, 86400 },
	{ "service", "syslog", K_BOOL, OFF(service_syslog), 0, 0 },
	{ "cleanup", "quarantine_days", K_UINT, OFF(quarantine_days), 0, 36500 },
	{ "cleanup", "crash_days", K_UINT, OFF(crash_days), 0, 36500 },
	{ "cleanup", "archive_days", K_UINT, OFF(archive_days), 0, 36500 },
	{ "notify", "virus", K_NOTIFY_WHO, OFF(notify_who[NOTIFY_VIRUS]), 0, 0 },
	{ "notify", "policy", K_NOTIFY_WHO, OFF(notify_who[NOTIFY_POLICY]), 0, 0 },
	{ "notify", "spam", K_NOTIFY_WHO, OFF(notify_who[NOTIFY_SPAM]), 0, 0 },
	{ "notify", "limits", K_NOTIFY_WHO, OFF(notify_who[NOTIFY_LIMITS]), 0, 0 },
	{ "notify", "quarantine_admin", K_NOTIFY_ADDRESS, OFF(notify_admin), 0, 0 },
	{ "notify", "from", K_NOTIFY_ADDRESS, OFF(notify_from), 0, 0 },
	{ "notify", "language", K_NOTIFY_LANGUAGE, OFF(notify_language), 0, 0 },
	{ "notify", "template_dir", K_STRING, OFF(notify_template_dir), 0, 0 },
	{ "notify", "forged_senders", K_STRING, OFF(notify_forged_senders), 0, 0 },
	{ "notify", "max_recipients", K_UINT, OFF(notify_max_recipients), 1,
	  NOTIFY_RECIPIENTS_CEILING },
	/* [archive] (docs/archive.md) */
	{ "archive", "archive", K_ARCHIVE, OFF(archive), 0, 0 },
	{ "archive", "quarantined", K_BOOL, OFF(archive_quarantined), 0, 0 },
	{ "archive", "failure_action", K_CHOICE, OFF(archive_failure_action),
	  0, 0, failure_actions, "takes tempfail or pass" },
	{ "archive", "envelope", K_CHOICE, OFF(archive_envelope), 0, 0,
	  archive_envelopes, "takes append or headers" },
	/* [headers] (docs/summary-line.md, "The descriptive header") */
	{ "headers", "descriptive_header", K_BOOL, OFF(descriptive_header),
	  0, 0 },
	{ "headers", "descriptive_header_name", K_HEADER_NAME,
	  OFF(descriptive_header_name), 0, 0 },
	{ "headers", "rename_repeated_headers", K_BOOL,
	  OFF(rename_repeated_headers), 0, 0 },
};

void
config_defaults(struct qscan_config *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	c->spool_dir = g_strdup(QSCAN_SPOOL_DIR);
	c->qmail_queue = g_strdup("/var/qmail/bin/qmail-queue");
	c->role_dir = g_strdup(QSCAN_ROLE_DIR);
	c->log_file = g_strdup(QSCAN_SPOOL_DIR "/log/qscan.log");
	c->use_syslog = TRUE;
	c->header_prefix = g_strdup("X-Qscan");
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	c->hostname = g_strdup(host);
	c->broker_user = g_strdup("qscand");
	c->role_user[ROLE_UNPACK] = g_strdup("qscan-unpack");
	c->role_user[ROLE_CANARY] = g_strdup("qscan-canary");
	c->max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES;
	c->oversize_action = ACTION_REJECT;
	c->limits_action = ACTION_REJECT;
	c->max_recipients = DEFAULT_MAX_RECIPIENTS;
	c->max_parts = DEFAULT_MAX_PARTS;
	c->max_depth = DEFAULT_MAX_DEPTH;
	c->max_decoded_bytes = DEFAULT_MAX_DECODED_BYTES;
	c->max_archive_depth = DEFAULT_MAX_ARCHIVE_DEPTH;
	c->max_archive_members = DEFAULT_MAX_ARCHIVE_MEMBERS;
	c->max_expanded_bytes = DEFAULT_MAX_EXPANDED_BYTES;
	c->max_expansion_ratio = DEFAULT_MAX_EXPANSION_RATIO;
	c->role_timeout_ms = DEFAULT_ROLE_TIMEOUT_MS;
	c->role_user[ROLE_CLAMAV] = g_strdup("qscan-clamav");
	c->role_user[ROLE_CLAMD] = g_strdup("qscan-clamd");
	c->role_user[ROLE_MHR] = g_strdup("qscan-mhr");
	c->role_user[ROLE_SPAMD] = g_strdup("qscan-spamd");
	c->scan_raw = TRUE;
	c->scan_failure_action = ACTION_TEMPFAIL;
	c->unchecked_action = ACTION_PASS;
	c->virus_action = VIRUS_QUARANTINE;
	c->policy_file = g_strdup("none");
	c->clamav_database = g_strdup("/var/lib/clamav");
	/* libclamav's own defaults, stated so lint and profiles show them. */
	c->clamav_max_scan_bytes = 400ull * 1024 * 1024;
	c->clamav_max_file_bytes = 100ull * 1024 * 1024;
	c->clamav_max_recursion = 17;
	c->clamav_max_files = 10000;
	c->clamd_servers = g_strdup("unix:/run/clamav/clamd.ctl");
	c->clamd_connect_timeout_ms = 2000;
	c->clamd_read_timeout_ms = 30000;
	c->clamd_mode = g_strdup("auto");
	c->clamd_max_stream_bytes = 25ull * 1024 * 1024;	/* StreamMaxLength */
	c->mhr_resolver = g_strdup("");
	c->mhr_zone = g_strdup("hash.cymru.com");
	c->mhr_hashes = 1u << HASH_SHA256;
	c->mhr_threshold_percent = 50;
	c->mhr_all_parts = TRUE;
	c->mhr_deadline_ms = 2000;
	c->mhr_query_timeout_ms = 800;
	c->mhr_retries = 1;
	c->mhr_failure_action = ACTION_PASS;
	c->spamd_servers = g_strdup("");
	c->spamd_connect_timeout_ms = 2000;
	c->spamd_read_timeout_ms = 30000;
	c->spamd_max_bytes = 512000;	/* spamc's own -s default */
	c->spamd_user = g_strdup("");
	c->spamd_scan_relay_clients = FALSE;
	c->spamd_failure_action = ACTION_PASS;
	c->spamd_quarantine_score = SPAM_SCORE_OFF;
	c->spamd_delete_score = SPAM_SCORE_OFF;
	c->spamd_reject_score = SPAM_SCORE_OFF;
	c->spamd_status_header = g_strdup("X-Spam-Status");
	c->spamd_level_header = g_strdup("X-Spam-Level");
	c->spamd_flag_header = g_strdup("X-Spam-Flag");
	c->cgroup = g_strdup("/qscan");
	/* Every decoded part and archive member sits in a memfd charged to
	 * the unpack role: room for both limits and the parsers. */
	c->role_memory_bytes[ROLE_CANARY] = 64 * MiB;
	c->role_memory_bytes[ROLE_UNPACK] = DEFAULT_MAX_DECODED_BYTES +
	    DEFAULT_MAX_EXPANDED_BYTES + 256 * MiB;
	/* The signature database, and the role's scratch tmpfs. */
	c->role_memory_bytes[ROLE_CLAMAV] = 3 * GiB;
	c->role_memory_bytes[ROLE_CLAMD] = 256 * MiB;
	c->role_memory_bytes[ROLE_MHR] = 256 * MiB;
	c->role_memory_bytes[ROLE_SPAMD] = 256 * MiB;
	c->role_pids_max = 16;
	c->service_socket = g_strdup(QSCAN_SOCKET_PATH);
	c->service_client_users = g_strdup("qmaild");
	c->service_client_group = g_strdup("");
	c->service_fallback = FALLBACK_EXEC;
	c->service_zygote_wait_ms = 5000;
	c->service_canary_interval_s = 300;
	c->service_syslog = FALSE;
	c->quarantine_days = 14;	/* Qmail-Scanner's -z */
	c->crash_days = 14;
	c->crash_repeats = 3;
	c->max_seconds = 1200;
	c->crash_repeats_action = VIRUS_REJECT;
	c->archive_days = 0;
	c->zygote_max_children = DEFAULT_ZYGOTE_MAX_CHILDREN;
	/* Qmail-Scanner's FreeBSD default: nearly every virus forges its
	 * sender, so only a policy block tells the sender. */
	for (unsigned v = 0; v < G_N_ELEMENTS(c->notify_who); v++)
		c->notify_who[v] = NOTIFY_PSENDER;
	c->notify_admin = g_strdup("");
	c->notify_from = g_strdup("");
	c->notify_language = g_strdup("en");
	c->notify_template_dir = g_strdup(QSCAN_NOTIFY_DIR);
	c->notify_forged_senders = g_strdup(QSCAN_FORGED_SENDERS);
	c->notify_max_recipients = NOTIFY_RECIPIENTS_DEFAULT;
	c->archive = g_strdup("no");
	c->archive_quarantined = FALSE;
	/* Nothing delivered without its archive copy. */
	c->archive_failure_action = ACTION_TEMPFAIL;
	c->archive_envelope = ARCHIVE_ENVELOPE_APPEND;	/* as Qmail-Scanner */
	c->descriptive_header = FALSE;
	c->descriptive_header_name = g_strdup("X-Qscan");
	c->rename_repeated_headers = FALSE;	/* it breaks DKIM */
}

void
config_clear(struct qscan_config *c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (keys[i].type == K_STRING || keys[i].type == K_CLAMD_MODE ||
		    keys[i].type == K_CGROUP || keys[i].type == K_MHR_ZONE ||
		    keys[i].type == K_MHR_RESOLVER ||
		    keys[i].type == K_NOTIFY_ADDRESS ||
		    keys[i].type == K_NOTIFY_LANGUAGE || keys[i].type == K_ARCHIVE ||
		    keys[i].type == K_HEADER_NAME ||
		    keys[i].type == K_SPAMD_SERVERS ||
		    keys[i].type == K_SPAMD_USER)
			g_clear_pointer((char **)((char *)c + keys[i].offset),
			    g_free);
	g_clear_pointer(&c->path, g_free);
}

const char *
virus_action_name(enum virus_action a)
{
	switch (a) {
	case VIRUS_QUARANTINE:	return "quarantine";
	case VIRUS_REJECT:	return "reject";
	case VIRUS_DROP:	return "drop";
	default:		return "unknown";
	}
}

/* "clamav;clamd": each a scanner role, at most SCANNERS_MAX, no repeats. */
static int
scanners_set(struct qscan_config *c, const char *value, const char **why)
{
	g_auto(GStrv) names = g_strsplit_set(value, ";, ", -1);
	unsigned n = 0;

	for (unsigned i = 0; names[i] != NULL; i++) {
		int role;

		if (names[i][0] == '\0')
			continue;
		if (strcmp(names[i], "clamav") == 0)
			role = ROLE_CLAMAV;
		else if (strcmp(names[i], "clamd") == 0)
			role = ROLE_CLAMD;
		else if (strcmp(names[i], "mhr") == 0)
			role = ROLE_MHR;
		else {
			*why = "takes a list of clamav, clamd, mhr";
			return -1;
		}
		for (unsigned j = 0; j < n; j++)
			if (c->scanners[j] == role) {
				*why = "names a scanner twice";
				return -1;
			}
		if (n == SCANNERS_MAX) {
			*why = "names too many scanners";
			return -1;
		}
		c->scanners[n++] = role;
	}
	c->n_scanners = n;
	return 0;
}

/* "off", or a score such as "10" or "7.5" (at most 3 decimals, below
 * 1000000 points) into milli-points. */
static int
spam_score_set(int64_t *milli, const char *value, const char **why)
{
	g_auto(GStrv) parts = NULL;
	guint64 whole, frac = 0;
	const char *v = value;
	size_t nfrac;
	int neg = 0;

	if (strcmp(value, "off") == 0) {
		*milli = SPAM_SCORE_OFF;
		return 0;
	}
	*why = "takes off or a score like 7.5 (below 1000000)";
	if (*v == '-') {
		neg = 1;
		v++;
	}
	parts = g_strsplit(v, ".", 3);
	if (parts[0] == NULL || parts[0][0] == '\0' ||
	    strlen(parts[0]) > 6 || strspn(parts[0], "0123456789") !=
	    strlen(parts[0]) || (parts[1] != NULL && parts[2] != NULL))
		return -1;
	whole = g_ascii_strtoull(parts[0], NULL, 10);
	if (parts[1] != NULL) {
		nfrac = strlen(parts[1]);
		if (nfrac == 0 || nfrac > 3 ||
		    strspn(parts[1], "0123456789") != nfrac)
			return -1;
		frac = g_ascii_strtoull(parts[1], NULL, 10);
		for (; nfrac < 3; nfrac++)
			frac *= 10;
	}
	*milli = (int64_t)(whole * 1000 + frac) * (neg ? -1 : 1);
	return 0;
}

/* "" (off), or entries unix:/path, tcp:host:port, tcp:[v6]:port. */
static int
spamd_servers_ok(const char *v)
{
	g_auto(GStrv) list = g_strsplit(v, ";", -1);

	for (unsigned i = 0; list[i] != NULL; i++) {
		const char *s = g_strstrip(list[i]);

		if (s[0] == '\0')
			continue;
		if ((g_str_has_prefix(s, "unix:/") && strlen(s) > 6) ||
		    (g_str_has_prefix(s, "tcp:") && strchr(s + 4, ':') != NULL))
			continue;
		return 0;
	}
	return 1;
}

/* spamd's User: (broker/step_spam.c checks each message's again). */
static int
spamd_user_ok(const char *v)
{
	size_t n = strlen(v);

	if (n > ROLE_SPAMD_USER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

/* "sha256, sha1, md5": at least one, each once. */
static int
mhr_hashes_set(uint64_t *mask, const char *value, const char **why)
{
	g_auto(GStrv) names = g_strsplit_set(value, ";, ", -1);
	uint64_t m = 0;

	for (unsigned i = 0; names[i] != NULL; i++) {
		uint64_t bit;

		if (names[i][0] == '\0')
			continue;
		if (strcmp(names[i], "sha256") == 0)
			bit = 1u << HASH_SHA256;
		else if (strcmp(names[i], "sha1") == 0)
			bit = 1u << HASH_SHA1;
		else if (strcmp(names[i], "md5") == 0)
			bit = 1u << HASH_MD5;
		else {
			*why = "takes a list of sha256, sha1, md5";
			return -1;
		}
		if (m & bit) {
			*why = "names a hash twice";
			return -1;
		}
		m |= bit;
	}
	if (m == 0) {
		*why = "names no hash";
		return -1;
	}
	*mask = m;
	return 0;
}

/* A DNS zone as text: labels of letters, digits and '-', 1 to 63 each,
 * at least two, ROLE_MHR_ZONE_MAX in all. */
static int
mhr_zone_ok(const char *z)
{
	size_t n = strlen(z), label = 0, labels = 1;

	if (n < 3 || n > ROLE_MHR_ZONE_MAX || z[0] == '.' || z[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (z[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			labels++;
			continue;
		}
		if (!g_ascii_isalnum(z[i]) && z[i] != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return labels >= 2;
}

/* "name, name": format checks by their anomaly names; an unknown name,
 * or one that is no switchable check (a limit), is an error naming it. */
static int
checks_set(uint64_t *mask, const char *value, const char **why)
{
	static char msg[160];
	g_auto(GStrv) names = g_strsplit_set(value, ";, ", -1);
	uint64_t m = 0;

	for (unsigned i = 0; names[i] != NULL; i++) {
		unsigned code;

		if (names[i][0] == '\0')
			continue;
		code = anomaly_code_from_name(names[i], strlen(names[i]));
		if (code == 0 || code >= 64 || !anomaly_is_check(code)) {
			g_snprintf(msg, sizeof(msg), "names no format check: "
			    "%.100s", names[i]);
			*why = msg;
			return -1;
		}
		m |= (uint64_t)1 << code;
	}
	*mask = m;
	return 0;
}

const char *
over_limit_action_name(enum over_limit_action a)
{
	switch (a) {
	case ACTION_REJECT:	return "reject";
	case ACTION_TEMPFAIL:	return "tempfail";
	case ACTION_PASS:	return "pass";
	default:		return "unknown";
	}
}

static const struct key_spec *
key_find(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

/* Takes ownership of text.  `where`, when not NULL, gets the location
 * alone. */
static void
problem(GPtrArray *errors, GPtrArray *where, const char *path, unsigned line,
    char *text)
{
	g_ptr_array_add(errors, g_strdup_printf("%s:%u: %s", path, line, text));
	if (where != NULL)
		g_ptr_array_add(where, g_strdup_printf("%s:%u", path, line));
	g_free(text);
}

/* Sets one key from its text; returns 0 or -1 with a message in *why. */
static int
key_set(struct qscan_config *c, const struct key_spec *k, const char *value,
    const char **why)
{
	void *field = (char *)c + k->offset;
	char *end;
	uint64_t v;

	switch (k->type) {
	case K_STRING:
		if (value[0] == '\0') {
			*why = "takes a non-empty value";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
			*(gboolean *)field = TRUE;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
			*(gboolean *)field = FALSE;
		else {
			*why = "takes true or false";
			return -1;
		}
		return 0;
	case K_CHOICE:
		for (const struct choice *ch = k->choices; ch->word; ch++)
			if (strcmp(value, ch->word) == 0) {
				*(int *)field = ch->value;
				return 0;
			}
		*why = k->choice_why;
		return -1;
	case K_SCANNERS:
		return scanners_set(c, value, why);
	case K_CHECKS:
		return checks_set((uint64_t *)field, value, why);
	case K_CLAMD_MODE:
		if (strcmp(value, "auto") && strcmp(value, "fildes") &&
		    strcmp(value, "instream")) {
			*why = "takes auto, fildes or instream";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_MHR_HASHES:
		return mhr_hashes_set((uint64_t *)field, value, why);
	case K_SPAM_SCORE:
		return spam_score_set((int64_t *)field, value, why);
	case K_SPAMD_SERVERS:
		if (!spamd_servers_ok(value)) {
			*why = "takes unix:/path, tcp:host:port or "
			    "tcp:[v6]:port, separated by ';', or nothing (off)";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_SPAMD_USER:
		if (!spamd_user_ok(value)) {
			*why = "takes nothing, first-recipient, or a name of at "
			    "most 255 printable characters without spaces";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_MHR_PARTS:
		if (strcmp(value, "all") == 0)
			*(gboolean *)field = TRUE;
		else if (strcmp(value, "executables") == 0)
			*(gboolean *)field = FALSE;
		else {
			*why = "takes all or executables";
			return -1;
		}
		return 0;
	case K_MHR_ZONE:
		if (!mhr_zone_ok(value)) {
			*why = "takes a DNS zone (labels of letters, digits "
			    "and '-', dot-separated, no trailing dot)";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_ascii_strdown(value, -1);
		return 0;
	case K_MHR_RESOLVER: {
		struct mhr_resolver r;
		char *rwhy = NULL;

		if (value[0] != '\0' && mhr_resolver_parse(value, &r,
		    &rwhy) != 0) {
			static char msg[200];

			snprintf(msg, sizeof(msg), "%s", rwhy);
			g_free(rwhy);
			*why = msg;
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	}
	case K_NOTIFY_WHO:
		return notify_who_parse(value, (unsigned *)field, why);
	case K_NOTIFY_ADDRESS:
		/* An address goes into a header and an envelope: refused,
		 * never repaired, unless "" (none / the default). */
		if (value[0] != '\0' && !notify_address_ok(value)) {
			*why = "takes a plain address (local@domain, printable "
			    "ASCII, no spaces or <>), or nothing";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_NOTIFY_LANGUAGE:
		if (!notify_language_ok(value)) {
			*why = "takes a language directory name: letters, "
			    "digits, '_' or '-', at most 16";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_ARCHIVE: {
		/* no, yes, or a regex on the envelope's addresses, checked
		 * here so that a bad one is lint's error, not each message's. */
		g_autoptr(GRegex) re = NULL;

		if (strcmp(value, "no") != 0 && strcmp(value, "yes") != 0 &&
		    (re = g_regex_new(value, ARCHIVE_REGEX_FLAGS, 0,
		    NULL)) == NULL) {
			*why = "takes no, yes or a regular expression (GLib, "
			    "PCRE syntax) on the envelope addresses";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	}
	case K_HEADER_NAME:
		/* An RFC 5322 field name: printable ASCII but ':' and space. */
		if (value[0] == '\0' || strlen(value) > 76 ||
		    value[strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] != '\0') {
			*why = "takes a header name of letters, digits, '-', "
			    "'_' and '.', at most 76 bytes";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_CGROUP:
		/* Joined to /sys/fs/cgroup paths: nothing that climbs out. */
		if (value[0] != '/' || strlen(value) > 200 ||
		    strstr(value, "/.") != NULL || strstr(value, "//") != NULL ||
		    value[strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")] != '\0' ||
		    value[1] == '\0' || value[strlen(value) - 1] == '/') {
			*why = "takes a cgroup path: /name[/name...] of letters, "
			    "digits, '.', '_', '-'";
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case K_UINT:
	case K_U64:
	default:
		errno = 0;
		if (!g_ascii_isdigit(value[0]))
			goto bad_number;
		v = g_ascii_strtoull(value, &end, 10);
		if (errno != 0 || *end != '\0' || v < k->min || v > k->max)
			goto bad_number;
		if (k->type == K_UINT)
			*(unsigned *)field = (unsigned)v;
		else
			*(uint64_t *)field = v;
		return 0;
	}
bad_number:
	*why = "is not a number in its allowed range";
	return -1;
}

/* Reads all of fd, at most CONFIG_FILE_MAX + 1 bytes; closes it. */
static char *
read_config_fd(int fd, gsize *len, int *err)
{
	GString *buf = g_string_new(NULL);
	char chunk[4096];
	ssize_t n;

	*err = 0;
	while (buf->len <= CONFIG_FILE_MAX) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			break;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
	}
	close(fd);
	*len = buf->len;
	if (*err != 0) {
		g_string_free(buf, TRUE);
		return NULL;
	}
	return g_string_free(buf, FALSE);
}

/* Limits that only make sense together. */
static void
check_relations(const struct qscan_config *c, GPtrArray *errors,
    GPtrArray *where, const char *path)
{
	uint64_t need = c->max_decoded_bytes + c->max_expanded_bytes + 16 * MiB;

	for (unsigned i = 0; i < c->n_scanners; i++) {
		if (c->scanners[i] != ROLE_MHR)
			continue;
		/* The role's own deadline must end its lookups well before
		 * the broker's clock kills it: 1 s for the rest of its
		 * work. */
		if ((uint64_t)c->mhr_deadline_ms + 1000 > c->role_timeout_ms)
			problem(errors, where, path, 0, g_strdup_printf(
			    "mhr.deadline_ms %u must be at least 1000 below "
			    "limits.role_timeout_ms %u", c->mhr_deadline_ms,
			    c->role_timeout_ms));
		/* The older zone knows MD5 and SHA-1 only (docs/mhr.md). */
		if (strcmp(c->mhr_zone, "malware.hash.cymru.com") == 0 &&
		    (c->mhr_hashes & (1u << HASH_SHA256)))
			problem(errors, where, path, 0, g_strdup(
			    "mhr.hashes: malware.hash.cymru.com answers md5 "
			    "and sha1 only; hash.cymru.com takes sha256"));
	}
	if (c->spamd_servers[0] != '\0' &&
	    (uint64_t)c->spamd_read_timeout_ms + 1000 > c->role_timeout_ms)
		problem(errors, where, path, 0, g_strdup_printf(
		    "spamd.read_timeout_ms %u must be at least 1000 below "
		    "limits.role_timeout_ms %u", c->spamd_read_timeout_ms,
		    c->role_timeout_ms));
	if (c->role_memory_bytes[ROLE_UNPACK] < need)
		problem(errors, where, path, 0, g_strdup_printf(
		    "sandbox.unpack_memory_bytes %llu is below "
		    "limits.max_decoded_bytes + limits.max_expanded_bytes "
		    "+ 16 MiB (%llu): the role holds every part it decodes",
		    (unsigned long long)c->role_memory_bytes[ROLE_UNPACK],
		    (unsigned long long)need));
}

int
config_load(struct qscan_config *c, const char *path, GPtrArray *errors)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		g_free(c->path);
		c->path = g_strdup(path);
		problem(errors, NULL, path, 0, g_strdup_printf("cannot read: %s",
		    g_strerror(errno)));
		return 1;
	}
	return config_load_fd(c, fd, path, errors, NULL);
}

int
config_load_fd(struct qscan_config *c, int fd, const char *path,
    GPtrArray *errors, GPtrArray *where)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len;
	guint before = errors->len;
	g_autofree char *group = NULL;
	int err;

	g_free(c->path);
	c->path = g_strdup(path);
	if ((text = read_config_fd(fd, &len, &err)) == NULL) {
		problem(errors, where, path, 0, g_strdup_printf("cannot read: %s",
		    g_strerror(err)));
		return 1;
	}
	if (len > CONFIG_FILE_MAX || memchr(text, '\0', len) != NULL) {
		problem(errors, where, path, 0, g_strdup("too large or not text"));
		return 1;
	}
	/* Our own line-by-line pass, so every problem has its line. */
	lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i] != NULL; i++) {
		char *line = g_strstrip(lines[i]);
		unsigned lineno = i + 1;
		const struct key_spec *k;
		const char *why;
		char *eq;

		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			size_t n = strlen(line);

			if (n < 3 || line[n - 1] != ']') {
				problem(errors, where, path, lineno, g_strdup_printf(
				    "bad group line: %s", line));
				continue;
			}
			g_free(group);
			group = g_strndup(line + 1, n - 2);
			if (strcmp(group, "qscan") && strcmp(group, "limits") &&
			    strcmp(group, "users") && strcmp(group, "clamav") &&
			    strcmp(group, "clamd") && strcmp(group, "checks") &&
			    strcmp(group, "mhr") && strcmp(group, "cleanup") &&
			    strcmp(group, "sandbox") && strcmp(group, "service") &&
			    strcmp(group, "notify") && strcmp(group, "archive") &&
			    strcmp(group, "headers") && strcmp(group, "spamd"))
				problem(errors, where, path, lineno, g_strdup_printf(
				    "unknown group [%s]", group));
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			problem(errors, where, path, lineno, g_strdup_printf(
			    "not a key = value line: %s", line));
			continue;
		}
		*eq = '\0';
		g_strstrip(line);
		if (group == NULL) {
			problem(errors, where, path, lineno, g_strdup_printf(
			    "key %s before any [group]", line));
			continue;
		}
		if ((k = key_find(group, line)) == NULL) {
			problem(errors, where, path, lineno, g_strdup_printf(
			    "unknown key %s.%s", group, line));
			continue;
		}
		if (key_set(c, k, g_strstrip(eq + 1), &why) != 0)
			problem(errors, where, path, lineno, g_strdup_printf(
			    "%s.%s %s", group, k->key, why));
	}
	if (errors->len == before)
		check_relations(c, errors, where, path);
	return (int)(errors->len - before);
}
