/* tests: broker/summary_read.c and the counting on top of it
 * (report_stats.c, report_text.c): real lines of every verdict and of
 * qscan release, truncated and hostile lines refused with a reason,
 * an empty log, and the counts, percentiles and metrics they give. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report_html.h"
#include "report_stats.h"
#include "report_text.h"
#include "summary_read.h"

/* Lines as tests/integration/summary_line.sh and friends wrote them. */
static const char *const real_lines[] = {
	"2026-12-07T20:45:57Z pid=16213 id=6b171b05.f67f.3f55 ip=192.0.2.7 relay=1 from=a@a.example rcpt=b@b.example size=766 parts=3 verdict=clean action=queue exit=0 msgid=<id-report.pdf@a.example> subject=quarterly\\x20report attach=report.pdf:300 engines=clamav:clean:17.7 policy=<> reason=<> rss_kb=3720 ms=setup:0.8,spool:0.1,canary:10.9,unpack:29.1,av:17.7,queue:2.7,total:102.5",
	"2026-12-07T20:46:01Z pid=18689 id=6b171b09.c6033.4901 ip=192.0.2.7 relay=0 from=a@a.example rcpt=b@b.example size=711 parts=3 verdict=virus action=quarantine exit=0 msgid=<e2@evil.example> subject=eicar\\x20base64 attach=eicar.com:68 engines=clamav:virus:12.0 viruses=clamav:Eicar-Test-Signature.UNOFFICIAL policy=<> quarantine=1796676361.M851093P18689Q6b171b09.c6033.4901.vm reason=clamav:Eicar-Test-Signature.UNOFFICIAL rss_kb=3680 ms=setup:0.6,spool:0.1,canary:0.3,unpack:11.1,av:12.0,queue:0.0,total:42.8",
	"2026-12-07T20:46:04Z pid=19517 id=6b171b0c.b34d9.4c3d ip=192.0.2.7 relay=0 from=a@a.example rcpt=b@b.example size=479 parts=3 verdict=policy action=quarantine exit=0 msgid=<id-run.vbs@a.example> subject=script attach=run.vbs:100 engines=clamav:clean:33.1 policy=quarantine@4:hold-vbs quarantine=1796676364.M827270P19517Q6b171b0c.b34d9.4c3d.vm reason=VBS\\x20held\\x20(line\\x204\\x2c\\x20run.vbs) rss_kb=3768 ms=setup:1.2,spool:0.4,canary:1.7,unpack:29.1,av:33.1,queue:0.0,total:98.6",
	"2026-12-07T20:46:07Z pid=19995 id=6b171b0f.12c47.4e1b ip=192.0.2.7 relay=0 from=a@a.example rcpt=b@b.example size=472 parts=3 verdict=policy action=reject exit=31 msgid=<id-x.bat@a.example> subject=batch attach=x.bat:100 engines=clamav:clean:35.6 policy=reject@1:no-bat reason=Batch\\x20files\\x20are\\x20not\\x20accepted\\x20(line\\x201\\x2c\\x20x.bat) rss_kb=3628 ms=setup:4.8,spool:0.1,canary:3.9,unpack:28.2,av:35.6,queue:0.0,total:116.6",
	"2026-12-07T20:46:09Z pid=20421 id=6b171b11.3ee79.4fc5 ip=192.0.2.7 relay=0 from=a@a.example rcpt=b@b.example size=140 parts=1 verdict=policy action=tempfail exit=71 msgid=<id-none@a.example> subject=Invoice\\x20123456 attach=<> engines=clamav:clean:17.3 policy=tempfail@2:outbreak reason=policy\\x20rule\\x20outbreak\\x20(line\\x202) rss_kb=3688 ms=setup:0.7,spool:0.3,canary:1.8,unpack:36.2,av:17.3,queue:0.0,total:101.7",
	"2026-12-07T20:46:10Z pid=20767 id=6b171b12.6982b.511f ip=192.0.2.7 relay=0 from=x@junk.example rcpt=b@b.example size=131 parts=1 verdict=policy action=drop exit=0 msgid=<id-none@a.example> subject=hello attach=<> engines=clamav:clean:37.3 policy=drop@3:junk reason=policy\\x20rule\\x20junk\\x20(line\\x203) rss_kb=3628 ms=setup:0.9,spool:0.1,canary:3.7,unpack:18.6,av:37.3,queue:0.0,total:83.1",
	"2026-12-07T23:31:03Z pid=20487 id=6b1741b7.7242f.5007 ip=192.0.2.7 relay=0 from=a@b.example rcpt=c@d.example size=86 parts=1000 verdict=limits action=reject exit=31 msgid=<> subject=<> attach=aaaa:0,bbbb:0,+990 engines=<> policy=<> reason=limit_fact_bytes rss_kb=21068 ms=setup:0.6,spool:0.1,canary:2.6,unpack:50.7,av:0.0,queue:0.0,total:65.3",
	"2026-12-07T21:09:48Z pid=28644 id=6b17209c.25eb2.6fe4 ip=192.0.2.7 relay=0 from=a@b.example rcpt=c@d.example size=81 parts=0 verdict=tempfail action=tempfail exit=81 msgid=<> subject=<> attach=<> engines=<> policy=<> reason=role\\x20unpack\\x20failed:\\x20crashed\\x20(signal\\x20SEGV) rss_kb=3556 ms=setup:0.7,spool:26.0,canary:3.3,unpack:3.4,av:0.0,queue:0.0,total:72.9",
	"2026-12-07T21:09:48Z pid=28776 id=6b17209c.5b4dd.7068 ip=192.0.2.7 relay=0 from=a@b.example rcpt=c@d.example size=81 parts=0 verdict=unscannable action=reject exit=31 msgid=<> subject=<> attach=<> engines=<> policy=<> quarantine=1796677788.M402826P28776Q6b17209c.5b4dd.7068.vm reason=crashed\\x20a\\x20role\\x203\\x20times rss_kb=3684 ms=setup:5.3,spool:0.2,canary:1.8,unpack:2.5,av:0.0,queue:0.0,total:35.1",
	"2026-12-07T20:47:35Z pid=8488 id=6b171b67.7afb6.2128 ip=192.0.2.7 relay=0 from=a@a.example rcpt=b@b.example size=131 parts=1 verdict=clean action=queue-failed exit=71 msgid=<id-none@a.example> subject=hello attach=<> engines=clamav:failed:25.5 policy=tag@5:tag-it,monitor@6:watch policy_mode=monitor_only reason=<> rss_kb=3592 ms=setup:0.8,spool:4.9,canary:11.5,unpack:12.9,av:25.5,queue:2.1,total:112.9",
	"2026-12-07T20:39:58Z pid=13949 quarantine id=1796675998.M52829P13890Q6b17199d.efd57.3642.vm folder=viruses action=released qq_exit=0 uid=0",
};

/* A spam line (issue 11's field) and a reject before any scan. */
#define BASE "2026-12-08T01:00:00Z pid=1 id=1.2.3 ip=<> relay=0 " \
	"from=<> rcpt=<> size=10 parts=0 "
#define TAIL " rss_kb=-1 ms=setup:0,spool:0,canary:0,unpack:0,av:0," \
	"queue:0,total:0"
static const char spam_line[] = BASE "verdict=spam action=reject exit=31 "
    "msgid=<> subject=<> attach=<> engines=<> policy=<> spam=yes score=7.5/5.0 "
    "reason=spam" TAIL;
static const char reject_line[] = BASE "verdict=reject action=reject "
    "exit=31 msgid=<> subject=<> attach=<> engines=<> policy=<> "
    "reason=<>" TAIL;

static int
read_copy(const char *text, struct summary_line *l, char **copy,
    const char **why)
{
	*copy = g_strdup(text);
	return summary_read_line(*copy, strlen(*copy), l, why);
}

static void
test_real_lines(void)
{
	static const enum summary_verdict want[] = {
		SV_CLEAN, SV_VIRUS, SV_POLICY, SV_POLICY, SV_POLICY,
		SV_POLICY, SV_LIMITS, SV_TEMPFAIL, SV_UNSCANNABLE, SV_CLEAN,
	};
	struct summary_line l;
	const char *why = "";
	char *copy;
	char text[256];

	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		CHECK_INT(read_copy(real_lines[i], &l, &copy, &why), 0);
		if (why[0] && l.kind != SUMMARY_MESSAGE)
			fprintf(stderr, "line %zu: %s\n", i, why);
		CHECK_INT(l.kind, SUMMARY_MESSAGE);
		CHECK_INT(l.verdict, want[i]);
		g_free(copy);
	}
	CHECK_INT(read_copy(real_lines[0], &l, &copy, &why), 0);
	CHECK_INT(l.stamp, 1796676357);	/* 2026-12-07T20:45:57Z */
	CHECK_INT(l.pid, 16213);
	CHECK_INT(l.relay, 1);
	CHECK_INT(l.size, 766);
	CHECK_INT(l.action, SA_QUEUE);
	CHECK(l.ms[SS_TOTAL] > 102.49 && l.ms[SS_TOTAL] < 102.51);
	CHECK(strcmp(l.id, "6b171b05.f67f.3f55") == 0);
	summary_unescape(l.subject, strlen(l.subject), text, sizeof(text));
	CHECK(strcmp(text, "quarterly report") == 0);
	summary_unescape(l.reason, strlen(l.reason), text, sizeof(text));
	CHECK(strcmp(text, "") == 0);
	/* a cut on a short buffer stays NUL-terminated */
	CHECK_INT(summary_unescape(l.subject, strlen(l.subject), text, 4), 3);
	CHECK(strcmp(text, "qua") == 0);
	g_free(copy);

	/* markup is printable, so the writer leaves it: the HTML report
	 * escapes it (test_report_html) */
	copy = g_strdup_printf("%.*ssubject=\"</script>\\x01'%s",
	    (int)(strstr(real_lines[0], "subject=") - real_lines[0]),
	    real_lines[0], strstr(real_lines[0], " attach="));
	CHECK_INT(summary_read_line(copy, strlen(copy), &l, &why), 0);
	summary_unescape(l.subject, strlen(l.subject), text, sizeof(text));
	CHECK(strcmp(text, "\"</script>\x01'") == 0);
	g_free(copy);

	CHECK_INT(read_copy(real_lines[10], &l, &copy, &why), 0);
	CHECK_INT(l.kind, SUMMARY_TOOL);
	CHECK(strcmp(l.tool_action, "released") == 0);
	CHECK(strcmp(l.folder, "viruses") == 0);
	g_free(copy);

	CHECK_INT(read_copy(spam_line, &l, &copy, &why), 0);
	CHECK_INT(l.verdict, SV_SPAM);
	CHECK(strcmp(l.spam, "yes") == 0);
	CHECK(l.spam_score != NULL && strcmp(l.spam_score, "7.5/5.0") == 0);
	CHECK_INT(l.rss_kb, -1);
	g_free(copy);
	CHECK_INT(read_copy(reject_line, &l, &copy, &why), 0);
	CHECK_INT(l.verdict, SV_REJECT);
	g_free(copy);
}

/* The spam line with its spam= and score= replaced by `with`: 0 when read. */
static int
spam_variant(const char *with)
{
	const char *mark = "spam=yes score=7.5/5.0";
	const char *at = strstr(spam_line, mark);
	g_autofree char *line = g_strdup_printf("%.*s%s%s",
	    (int)(at - spam_line), spam_line, with, at + strlen(mark));
	struct summary_line l;
	const char *why = "";

	return summary_read_line(line, strlen(line), &l, &why);
}

static void
test_spam_keys(void)
{
	CHECK_INT(spam_variant("spam=no score=-1.2/5.0"), 0);
	CHECK_INT(spam_variant("spam=yes score=1003.3/-5"), 0);
	CHECK_INT(spam_variant("spam=skipped:size"), 0);
	CHECK_INT(spam_variant("spam=unknown"), 0);
	CHECK(spam_variant("spam=maybe score=7.5/5.0") != 0);
	CHECK(spam_variant("spam=skipped: score=7.5/5.0") != 0);
	CHECK(spam_variant("spam=skipped:SIZE") != 0);
	CHECK(spam_variant("spam=yes score=7.5") != 0);
	CHECK(spam_variant("spam=yes score=7.5/") != 0);
	CHECK(spam_variant("spam=yes score=--7.5/5.0") != 0);
	CHECK(spam_variant("score=7.5/5.0 spam=yes") != 0);
}

/* Each variant of the first real line is refused, with a reason. */
static void
check_refused(const char *from, const char *to, const char *reason)
{
	g_autofree char *line = NULL;
	const char *at = strstr(real_lines[0], from);
	struct summary_line l;
	const char *why = "";

	if (at == NULL) {
		fprintf(stderr, "no %s in the line\n", from);
		check_failures++;
		return;
	}
	line = g_strdup_printf("%.*s%s%s", (int)(at - real_lines[0]),
	    real_lines[0], to, at + strlen(from));
	CHECK_REFUSED(summary_read_line(line, strlen(line), &l, &why), why,
	    reason);
}

static void
test_hostile_lines(void)
{
	struct summary_line l;
	const char *why = "";
	size_t full = strlen(real_lines[0]);
	char *line;

	/* every truncation of a good line is refused (or, cut inside the
	 * last number, still a line: total:102. is not, total:1 is) */
	for (size_t n = 0; n < full; n++) {
		int rc;

		line = g_strndup(real_lines[0], n);
		rc = summary_read_line(line, n, &l, &why);
		if (rc == 0 && n + 4 < full) {
			fprintf(stderr, "cut at %zu accepted\n", n);
			check_failures++;
		}
		g_free(line);
	}
	/* a forged key after the subject: the next key is missing */
	check_refused("subject=quarterly\\x20report",
	    "subject=a verdict=virus", "missing or misplaced");
	check_refused("subject=quarterly\\x20report", "subject=a\\q",
	    "one escaped token");
	check_refused("subject=quarterly\\x20report", "subject=a\\x4",
	    "one escaped token");
	check_refused("subject=quarterly\\x20report", "subject=a\\x4G",
	    "one escaped token");
	check_refused("subject=quarterly\\x20report", "subject=\x01",
	    "one escaped token");
	check_refused("subject=quarterly\\x20report", "subject=",
	    "one escaped token");
	check_refused("verdict=clean", "verdict=great", "of its key's form");
	check_refused("action=queue", "action=deliver", "of its key's form");
	check_refused("relay=1", "relay=2", "of its key's form");
	check_refused("size=766", "size=-1", "of its key's form");
	check_refused("size=766", "size=1234567890123456789",
	    "of its key's form");
	check_refused("id=6b171b05.f67f.3f55", "id=6b171b05.f67f",
	    "of its key's form");
	check_refused("engines=clamav:clean:17.7",
	    "engines=clamav:great:17.7", "of its key's form");
	check_refused("engines=clamav:clean:17.7", "engines=ClamAV:clean:1",
	    "of its key's form");
	check_refused("engines=clamav:clean:17.7", "engines=clamav:clean:",
	    "of its key's form");
	check_refused("attach=report.pdf:300", "attach=report.pdf",
	    "of its key's form");
	check_refused("policy=<>", "policy=nonsense", "of its key's form");
	check_refused("policy=<>", "policy=reject@x:a", "of its key's form");
	check_refused("total:102.5", "total:102.5,extra:1",
	    "of its key's form");
	check_refused("spool:0.1,", "", "of its key's form");
	check_refused("2026-12-07T20:45:57Z", "2026-13-07T20:45:57Z",
	    "no stamp");
	check_refused("2026-12-07T20:45:57Z", "yesterday", "no stamp");
	check_refused("pid=16213", "pid=x", "no stamp");
	check_refused(" reason=<>", "", "missing or misplaced");
	check_refused("policy=<> ", "policy=<>  ", "missing or misplaced");
	check_refused(" policy=<>", " viruses=<> policy=<>",
	    "of its key's form");
	check_refused("parts=3 verdict", "verdict=clean parts=3 verdict",
	    "missing or misplaced");

	/* NUL bytes, a line over the bound, nothing at all */
	line = g_strdup(real_lines[0]);
	line[40] = '\0';
	CHECK_REFUSED(summary_read_line(line, full, &l, &why), why, "NUL");
	g_free(line);
	line = g_malloc0(SUMMARY_LINE_MAX + 1);
	memset(line, 'a', SUMMARY_LINE_MAX);
	CHECK_REFUSED(summary_read_line(line, SUMMARY_LINE_MAX, &l, &why),
	    why, "too long");
	g_free(line);
	line = g_strdup("");
	CHECK_REFUSED(summary_read_line(line, 0, &l, &why), why, "no stamp");
	g_free(line);
}

/* Everything through the counting: the counts, the tables, the
 * percentiles and the two text outputs. */
static void
test_stats(void)
{
	struct report_stats st;
	g_autoptr(GString) mrtg = g_string_new(NULL);
	g_autoptr(GString) prom = g_string_new(NULL);
	g_autoptr(GPtrArray) top = NULL;
	char junk[] = "not a summary line";
	uint64_t n;

	report_stats_init(&st, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(real_lines); i++) {
		g_autofree char *copy = g_strdup(real_lines[i]);

		report_stats_add_line(&st, copy, strlen(copy), 1);
	}
	report_stats_add_line(&st, junk, strlen(junk), 1);
	CHECK_INT(st.lines, 12);
	CHECK_INT(st.refused, 1);
	CHECK_INT(st.messages, 10);
	CHECK_INT(st.tool_lines, 1);
	CHECK_INT(st.verdict_action[SV_POLICY][SA_QUARANTINE], 1);
	CHECK_INT(st.relay_verdict[1][SV_CLEAN], 1);
	CHECK_INT(st.relay_verdict[0][SV_CLEAN], 1);
	CHECK_INT(g_hash_table_size(st.hours), 3);	/* 20h, 21h, 23h */
	CHECK_INT(report_mrtg_counter(&st, "blocked", &n), 0);
	CHECK_INT(n, 6);	/* 2 quarantine, 3 reject, 1 drop */
	CHECK_INT(report_mrtg_counter(&st, "nonsense", &n), -1);
	top = report_top(st.rules, 10);
	CHECK_INT(top->len, 6);
	top = report_top(st.blocked_domains, 10);
	CHECK(top->len == 3 && strcmp(((struct report_count *)
	    top->pdata[0])->name, "a.example") == 0 &&
	    ((struct report_count *)top->pdata[0])->n == 3);
	top = report_top(st.viruses, 10);
	CHECK(top->len == 1 && strcmp(((struct report_count *)
	    top->pdata[0])->name, "Eicar-Test-Signature.UNOFFICIAL") == 0);
	top = report_top(st.fail_causes, 10);
	CHECK_INT(top->len, 4);	/* two reasons, qmail-queue, clamav */
	/* total times 35.1 .. 116.6: the median bucket bound is within
	 * 19 % above the median, 83.1 */
	CHECK(hist_quantile(&st.stage[SS_TOTAL], 0.5, HIST_MS_BASE) >= 83.1 &&
	    hist_quantile(&st.stage[SS_TOTAL], 0.5, HIST_MS_BASE) < 83.1 * 1.19);
	CHECK(hist_quantile(&st.stage[SS_TOTAL], 1, HIST_MS_BASE) >= 116.6);

	CHECK_INT(report_mrtg(&st, "inbound,outbound", "h", mrtg), 0);
	CHECK(strcmp(mrtg->str, "9\n1\n0 days, 02:51\n"
	    "qscan on h (inbound, outbound)\n") == 0);
	CHECK_INT(report_mrtg(&st, "inbound", "h", mrtg), -1);
	report_metrics(&st, prom);
	CHECK(strstr(prom->str, "qscan_messages_total{verdict=\"policy\","
	    "action=\"drop\"} 1\n") != NULL);
	CHECK(strstr(prom->str, "qscan_engine_results_total{engine=\"clamav\","
	    "result=\"failed\"} 1\n") != NULL);
	CHECK(strstr(prom->str, "qscan_stage_duration_seconds_count{stage="
	    "\"total\"} 10\n") != NULL);
	CHECK(strstr(prom->str, "qscan_quarantine_commands_total{action="
	    "\"released\"} 1\n") != NULL);
	report_stats_clear(&st);

	/* an empty log: zeros, no division by zero, a valid file */
	report_stats_init(&st, 0);
	g_string_truncate(mrtg, 0);
	CHECK_INT(report_mrtg(&st, "messages,blocked", "h", mrtg), 0);
	CHECK(strcmp(mrtg->str, "0\n0\n0 days, 00:00\n"
	    "qscan on h (messages, blocked)\n") == 0);
	CHECK(hist_quantile(&st.stage[SS_TOTAL], 0.99, HIST_MS_BASE) == 0);
	g_string_truncate(prom, 0);
	report_metrics(&st, prom);
	CHECK(strstr(prom->str, "qscan_message_size_bytes_count 0\n") != NULL);
	report_stats_clear(&st);
}

static void
test_hist(void)
{
	struct hist h = { { 0 }, 0, 0 };

	/* a value on a bound goes into that bucket, just above into the
	 * next; tiny and huge values into the first and the last */
	for (int i = 0; i < HIST_BUCKETS - 1; i += 7) {
		double b = hist_bound(i, 1.0);

		memset(&h, 0, sizeof(h));
		hist_add(&h, b, 1.0);
		CHECK_INT(h.n[i], 1);
		hist_add(&h, b * 1.0001, 1.0);
		CHECK_INT(h.n[i + 1], 1);
	}
	memset(&h, 0, sizeof(h));
	hist_add(&h, 0, 1.0);
	hist_add(&h, -5, 1.0);
	hist_add(&h, 1e300, 1.0);
	CHECK_INT(h.n[0], 2);
	CHECK_INT(h.n[HIST_BUCKETS - 1], 1);
}

/* Hostile text from the log comes out as text: a subject closing a
 * script, quotes, control bytes, invalid UTF-8, a virus name that is
 * markup; and an empty log is still a page. */
static void
test_report_html(void)
{
	struct report_stats st;
	g_autoptr(GString) page = g_string_new(NULL);
	g_autoptr(GString) esc = g_string_new(NULL);
	const char *at = strstr(real_lines[1], "subject=");
	const char *rest = strstr(real_lines[1], " attach=");
	g_autofree char *line = g_strdup_printf("%.*ssubject=</script>"
	    "\"'\\x01\\xff<img\\x20src\\x3dx>%.*s viruses=clamav:<b>Evil</b>"
	    "%s", (int)(at - real_lines[1]), real_lines[1],
	    (int)(strstr(rest, " viruses=") - rest), rest,
	    strstr(rest, " policy="));

	report_html_escape(esc, "a&b<c>\"d'\x01\x7f\xc3\xa9\xff");
	CHECK(strcmp(esc->str, "a&amp;b&lt;c&gt;&quot;d&#39;\xef\xbf\xbd"
	    "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd") == 0);

	report_stats_init(&st, 0);
	report_stats_add_line(&st, line, strlen(line), 1);
	CHECK_INT(st.refused, 0);
	report_html(&st, "host<1>", page);
	CHECK(strstr(page->str, "</script>") == NULL);
	CHECK(strstr(page->str, "<script") == NULL);
	CHECK(strstr(page->str, "<img") == NULL);
	CHECK(strstr(page->str, "<b>Evil") == NULL);
	CHECK(strstr(page->str, "&lt;/script&gt;&quot;&#39;\xef\xbf\xbd"
	    "\xef\xbf\xbd&lt;img src=x&gt;") != NULL);
	CHECK(strstr(page->str, "&lt;b&gt;Evil&lt;/b&gt;") != NULL);
	CHECK(strstr(page->str, "host&lt;1&gt;") != NULL);
	CHECK(strstr(page->str, "data-verdict=\"virus\">1<") != NULL);
	/* no byte below 0x20 but the newline, nothing fetched */
	for (const char *p = page->str; *p; p++)
		CHECK(*p == '\n' || (unsigned char)*p >= 0x20);
	CHECK(strstr(page->str, "http:") == NULL &&
	    strstr(page->str, "https:") == NULL);
	report_stats_clear(&st);

	report_stats_init(&st, 0);
	g_string_truncate(page, 0);
	report_html(&st, "h", page);
	CHECK(strstr(page->str, "No summary lines in this period.") != NULL);
	CHECK(strstr(page->str, "</html>\n") != NULL);
	report_stats_clear(&st);
}

int
main(void)
{
	test_real_lines();
	test_hostile_lines();
	test_spam_keys();
	test_stats();
	test_hist();
	test_report_html();
	return CHECK_DONE();
}
