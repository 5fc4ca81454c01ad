/* tests: broker/config.c: defaults, values, and errors with file and line. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "mhr_connect.h"
#include "record.h"

static char *
write_conf(const char *text)
{
	char *path = g_strdup("/tmp/qscan-test-config.XXXXXX");
	int fd = g_mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int
has(GPtrArray *errors, const char *needle)
{
	for (guint i = 0; i < errors->len; i++)
		if (strstr(errors->pdata[i], needle))
			return 1;
	fprintf(stderr, "missing error: %s\n", needle);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "  have: %s\n", (char *)errors->pdata[i]);
	return 0;
}

int
main(void)
{
	struct qscan_config c;
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	char *good = write_conf("# comment\n[qscan]\nspool_dir = /x\n"
	    "max_message_bytes = 2048\nlimits_action = pass\n"
	    "[limits]\nmax_parts=7\n[users]\nunpack = u1\n");
	char *bad = write_conf("[qscan]\nspool_dir = /x\nbogus = 1\n\n"
	    "[nope]\n[limits]\nmax_parts = many\nmax_depth = 0\n"
	    "just text\n[qscan]\noversize_action = maybe\nsyslog = perhaps\n");
	g_autofree char *where = NULL;

	config_defaults(&c);
	CHECK_INT(config_load(&c, good, errors), 0);
	CHECK(strcmp(c.spool_dir, "/x") == 0);
	CHECK_INT(c.max_message_bytes, 2048);
	CHECK_INT(c.limits_action, ACTION_PASS);
	CHECK_INT(c.max_parts, 7);
	CHECK(strcmp(c.role_user[ROLE_UNPACK], "u1") == 0);
	CHECK_INT(c.max_depth, 32);	/* untouched default */
	config_clear(&c);

	config_defaults(&c);
	CHECK_INT(config_load(&c, bad, errors), 7);
	where = g_strdup_printf("%s:3: unknown key qscan.bogus", bad);
	CHECK(has(errors, where));
	CHECK(has(errors, ":5: unknown group [nope]"));
	CHECK(has(errors, ":7: limits.max_parts is not a number"));
	CHECK(has(errors, ":8: limits.max_depth is not a number"));
	CHECK(has(errors, ":9: not a key = value line"));
	CHECK(has(errors, ":11: qscan.oversize_action takes reject or tempfail"));
	CHECK(has(errors, ":12: qscan.syslog takes true or false"));
	config_clear(&c);

	/* A cut message cannot be passed: pass is refused for oversize. */
	{
		char *pass = write_conf("[qscan]\noversize_action = pass\n");

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, pass, errors), 1);
		CHECK(has(errors, ":2: qscan.oversize_action takes reject or "
		    "tempfail"));
		config_clear(&c);
		unlink(pass);
		g_free(pass);
	}

	/* [sandbox]: defaults fail closed; the keys take their values. */
	{
		char *sb = write_conf("[sandbox]\ncgroup = /site/qscan\n"
		    "allow_no_cgroup = true\nallow_weaker_sandbox = yes\n"
		    "canary_memory_bytes = 33554432\nrole_pids_max = 4\n");

		config_defaults(&c);
		CHECK(strcmp(c.cgroup, "/qscan") == 0);
		CHECK(!c.allow_no_cgroup && !c.allow_weaker_sandbox);
		CHECK(c.role_memory_bytes[ROLE_UNPACK] >= c.max_decoded_bytes +
		    c.max_expanded_bytes);
		g_ptr_array_set_size(errors, 0);
		CHECK_INT(config_load(&c, sb, errors), 0);
		CHECK(strcmp(c.cgroup, "/site/qscan") == 0);
		CHECK(c.allow_no_cgroup && c.allow_weaker_sandbox);
		CHECK_INT(c.role_memory_bytes[ROLE_CANARY], 33554432);
		CHECK_INT(c.role_pids_max, 4);
		config_clear(&c);
		unlink(sb);
		g_free(sb);
	}

	/* The cgroup path is joined to /sys/fs/cgroup: nothing to climb. */
	{
		char *climb = write_conf("[sandbox]\ncgroup = /qscan/../x\n"
		    "[sandbox]\ncgroup = qscan\n");

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, climb, errors), 2);
		CHECK(has(errors, ":2: sandbox.cgroup takes a cgroup path"));
		CHECK(has(errors, ":4: sandbox.cgroup takes a cgroup path"));
		config_clear(&c);
		unlink(climb);
		g_free(climb);
	}

	/* The unpack role holds what it decodes: its memory.max must. */
	{
		char *tight = write_conf("[sandbox]\n"
		    "unpack_memory_bytes = 1073741824\n");

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, tight, errors), 1);
		CHECK(has(errors, ":0: sandbox.unpack_memory_bytes 1073741824 "
		    "is below limits.max_decoded_bytes"));
		config_clear(&c);
		unlink(tight);
		g_free(tight);
	}

	/* From a descriptor: "where" has file:line alone, in step. */
	{
		GPtrArray *at = g_ptr_array_new_with_free_func(g_free);
		int fd = open(bad, O_RDONLY);

		CHECK(fd >= 0);
		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load_fd(&c, fd, "qscan.conf", errors, at), 7);
		CHECK_INT(at->len, errors->len);
		CHECK(strcmp(at->pdata[0], "qscan.conf:3") == 0);
		CHECK(strcmp(at->pdata[4], "qscan.conf:9") == 0);
		CHECK(fcntl(fd, F_GETFD) < 0);	/* closed */
		config_clear(&c);
		g_ptr_array_unref(at);
	}

	g_ptr_array_set_size(errors, 0);
	config_defaults(&c);
	CHECK_INT(config_load(&c, "/nonexistent/qscan.conf", errors), 1);
	CHECK(has(errors, "/nonexistent/qscan.conf:0: cannot read"));
	config_clear(&c);

	unlink(good);
	unlink(bad);
	g_free(good);
	g_free(bad);
	/* [mhr]: defaults, values, refusals, relations. */
	{
		char *m = write_conf("[qscan]\nscanners = clamav, mhr\n[mhr]\n"
		    "resolver = [2001:db8::1]:5353\nzone = Hash.Example.org\n"
		    "hashes = md5, sha256\nthreshold_percent = 70\n"
		    "parts = executables\nfailure_action = tempfail\n");
		char *mbad = write_conf("[mhr]\nresolver = dns.example\n"
		    "zone = a..b\nhashes = sha512\nhashes = \n"
		    "threshold_percent = 0\nparts = some\nretries = 9\n"
		    "resolver = 192.0.2.1:0\n");
		char *mrel = write_conf("[qscan]\nscanners = mhr\n[limits]\n"
		    "role_timeout_ms = 2500\n[mhr]\n"
		    "zone = malware.hash.cymru.com\n");

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK(strcmp(c.mhr_zone, "hash.cymru.com") == 0);
		CHECK(strcmp(c.mhr_resolver, "") == 0);
		CHECK_INT(c.mhr_hashes, 1u << HASH_SHA256);
		CHECK_INT(c.mhr_threshold_percent, 50);
		CHECK_INT(c.mhr_deadline_ms, 2000);
		CHECK_INT(c.mhr_failure_action, ACTION_PASS);
		CHECK(c.mhr_all_parts);
		CHECK(strcmp(c.role_user[ROLE_MHR], "qscan-mhr") == 0);
		CHECK_INT(config_load(&c, m, errors), 0);
		CHECK_INT(c.n_scanners, 2);
		CHECK_INT(c.scanners[1], ROLE_MHR);
		CHECK(strcmp(c.mhr_zone, "hash.example.org") == 0);
		CHECK_INT(c.mhr_hashes, (1u << HASH_MD5) | (1u << HASH_SHA256));
		CHECK_INT(c.mhr_threshold_percent, 70);
		CHECK(!c.mhr_all_parts);
		CHECK_INT(c.mhr_failure_action, ACTION_TEMPFAIL);
		config_clear(&c);

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, mbad, errors), 8);
		CHECK(has(errors, ":2: mhr.resolver takes a numeric IP address "
		    "with an optional port (192.0.2.1, 192.0.2.1:53, "
		    "[2001:db8::1]:53), not \"dns.example\""));
		CHECK(has(errors, ":3: mhr.zone takes a DNS zone"));
		CHECK(has(errors, ":4: mhr.hashes takes a list of sha256, sha1, "
		    "md5"));
		CHECK(has(errors, ":5: mhr.hashes names no hash"));
		CHECK(has(errors, ":6: mhr.threshold_percent is not a number"));
		CHECK(has(errors, ":7: mhr.parts takes all or executables"));
		CHECK(has(errors, ":8: mhr.retries is not a number"));
		CHECK(has(errors, ":9: mhr.resolver takes a numeric IP address"));
		config_clear(&c);

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, mrel, errors), 2);
		CHECK(has(errors, "mhr.deadline_ms 2000 must be at least 1000 "
		    "below limits.role_timeout_ms 2500"));
		CHECK(has(errors, "malware.hash.cymru.com answers md5 and sha1 "
		    "only"));
		config_clear(&c);
		unlink(m);
		unlink(mbad);
		unlink(mrel);
		g_free(m);
		g_free(mbad);
		g_free(mrel);
	}
	/* [spamd]: defaults, values, refusals, relations. */
	{
		char *sp = write_conf("[spamd]\nservers = unix:/run/spamd.sock; "
		    "tcp:[::1]:783\nuser = first-recipient\nmax_bytes = 100000\n"
		    "relay_clients = scan\nfailure_action = tempfail\n"
		    "quarantine_score = 7.5\ndelete_score = 15\n"
		    "reject_score = -0.125\nstatus_header = X-Other-Status\n");
		char *spbad = write_conf("[spamd]\nservers = spamd.example\n"
		    "user = two words\nrelay_clients = maybe\n"
		    "quarantine_score = 7.5.1\ndelete_score = 1234567\n"
		    "reject_score = 1.2345\nflag_header = X Spam\n"
		    "failure_action = drop\n");
		char *sprel = write_conf("[limits]\nrole_timeout_ms = 30500\n"
		    "[spamd]\nservers = unix:/x\n");

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK(strcmp(c.spamd_servers, "") == 0);
		CHECK(strcmp(c.spamd_user, "") == 0);
		CHECK_INT(c.spamd_max_bytes, 512000);
		CHECK_INT(c.spamd_read_timeout_ms, 30000);
		CHECK(!c.spamd_scan_relay_clients);
		CHECK_INT(c.spamd_failure_action, ACTION_PASS);
		CHECK(c.spamd_quarantine_score == SPAM_SCORE_OFF);
		CHECK(c.spamd_reject_score == SPAM_SCORE_OFF);
		CHECK(strcmp(c.spamd_flag_header, "X-Spam-Flag") == 0);
		CHECK(strcmp(c.role_user[ROLE_SPAMD], "qscan-spamd") == 0);
		CHECK_INT(config_load(&c, sp, errors), 0);
		CHECK(strcmp(c.spamd_user, "first-recipient") == 0);
		CHECK_INT(c.spamd_max_bytes, 100000);
		CHECK(c.spamd_scan_relay_clients);
		CHECK_INT(c.spamd_failure_action, ACTION_TEMPFAIL);
		CHECK(c.spamd_quarantine_score == 7500);
		CHECK(c.spamd_delete_score == 15000);
		CHECK(c.spamd_reject_score == -125);
		CHECK(strcmp(c.spamd_status_header, "X-Other-Status") == 0);
		config_clear(&c);

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, spbad, errors), 8);
		CHECK(has(errors, ":2: spamd.servers takes unix:/path"));
		CHECK(has(errors, ":3: spamd.user takes nothing, "
		    "first-recipient"));
		CHECK(has(errors, ":4: spamd.relay_clients takes skip or scan"));
		CHECK(has(errors, ":5: spamd.quarantine_score takes off or a "
		    "score"));
		CHECK(has(errors, ":6: spamd.delete_score takes off"));
		CHECK(has(errors, ":7: spamd.reject_score takes off"));
		CHECK(has(errors, ":8: spamd.flag_header takes a header name"));
		CHECK(has(errors, ":9: spamd.failure_action takes pass or "
		    "tempfail"));
		config_clear(&c);

		g_ptr_array_set_size(errors, 0);
		config_defaults(&c);
		CHECK_INT(config_load(&c, sprel, errors), 1);
		CHECK(has(errors, "spamd.read_timeout_ms 30000 must be at least "
		    "1000 below limits.role_timeout_ms 30500"));
		config_clear(&c);
		unlink(sp);
		unlink(spbad);
		unlink(sprel);
		g_free(sp);
		g_free(spbad);
		g_free(sprel);
	}
	/* resolv.conf: its first nameserver, numeric. */
	{
		char *rc1 = write_conf("# x\nsearch example.org\n"
		    "nameserver 10.255.255.53\nnameserver 192.0.2.9\n");
		char *rc2 = write_conf("options ndots:1\n");
		char *rc3 = write_conf("nameserver fe80::1%eth0\n");
		struct mhr_resolver r;
		char *why = NULL;

		CHECK_INT(mhr_resolver_from_file(rc1, &r, &why), 0);
		CHECK_INT(r.addr.ss_family, AF_INET);
		CHECK_INT(mhr_resolver_from_file(rc2, &r, &why), -1);
		CHECK(why != NULL && strstr(why, "names no nameserver") != NULL);
		g_free(why);
		why = NULL;
		CHECK_INT(mhr_resolver_from_file(rc3, &r, &why), -1);
		CHECK(why != NULL && strstr(why, "nameserver takes a numeric") !=
		    NULL);
		g_free(why);
		why = NULL;
		CHECK_INT(mhr_resolver_parse("[::1]:5353", &r, &why), 0);
		CHECK_INT(r.addr.ss_family, AF_INET6);
		CHECK_INT(mhr_resolver_parse("127.0.0.1:65536", &r, &why), -1);
		g_free(why);
		unlink(rc1);
		unlink(rc2);
		unlink(rc3);
		g_free(rc1);
		g_free(rc2);
		g_free(rc3);
	}
	/* [archive] and [headers] (docs/archive.md, docs/summary-line.md). */
	{
		char *ok = write_conf("[archive]\narchive = ^(alice|bob)@\n"
		    "quarantined = yes\nfailure_action = pass\n"
		    "envelope = headers\n[headers]\ndescriptive_header = "
		    "true\ndescriptive_header_name = X-Qmail-Scanner\n");
		char *no = write_conf("[archive]\narchive = (unclosed\n"
		    "failure_action = reject\nenvelope = trailer\n"
		    "[headers]\ndescriptive_header_name = X Bad:\n"
		    "descriptive_header_name = \n");

		config_defaults(&c);
		CHECK(strcmp(c.archive, "no") == 0);
		CHECK(!c.archive_quarantined);
		CHECK_INT(c.archive_failure_action, ACTION_TEMPFAIL);
		CHECK_INT(c.archive_envelope, ARCHIVE_ENVELOPE_APPEND);
		CHECK(!c.descriptive_header);
		CHECK(strcmp(c.descriptive_header_name, "X-Qscan") == 0);
		g_ptr_array_set_size(errors, 0);
		CHECK_INT(config_load(&c, ok, errors), 0);
		CHECK(strcmp(c.archive, "^(alice|bob)@") == 0);
		CHECK(c.archive_quarantined);
		CHECK_INT(c.archive_failure_action, ACTION_PASS);
		CHECK_INT(c.archive_envelope, ARCHIVE_ENVELOPE_HEADERS);
		CHECK(c.descriptive_header);
		CHECK(strcmp(c.descriptive_header_name, "X-Qmail-Scanner") == 0);
		config_clear(&c);

		config_defaults(&c);
		CHECK_INT(config_load(&c, no, errors), 5);
		CHECK(has(errors, ":2: archive.archive takes no, yes or a "
		    "regular expression"));
		CHECK(has(errors, ":3: archive.failure_action takes tempfail "
		    "or pass"));
		CHECK(has(errors, ":4: archive.envelope takes append or "
		    "headers"));
		CHECK(has(errors, ":6: headers.descriptive_header_name takes a "
		    "header name"));
		CHECK(has(errors, ":7: headers.descriptive_header_name takes a "
		    "header name"));
		CHECK(strcmp(c.archive, "no") == 0);
		config_clear(&c);
		unlink(ok);
		unlink(no);
		g_free(ok);
		g_free(no);
	}
	g_ptr_array_unref(errors);
	return CHECK_DONE();
}
