/* broker: the HTML report, charts drawn as SVG paths (docs/report.md).
 * Every string from the log is hostile (a subject, a virus name, a
 * sender's domain) and goes through report_html_escape; every number is
 * ours.  Colours are Okabe and Ito's palette, safe for the common kinds
 * of colour blindness, and each series has a pattern too, so a
 * black-and-white print still tells them apart. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "report_html.h"

#define HOUR 3600
#define DAY 86400
/* Past this many hours the hourly charts count per day: a year of hours
 * would be bars thinner than a pixel. */
#define HOURLY_MAX_BARS (31 * 24)
#define TOP_ROWS 15

/* Chart geometry, in the viewBox's units; the SVG scales to the width
 * of the window (width 100 %), so a narrow window shrinks it whole. */
#define W 760
#define H 300
#define LEFT 64
#define RIGHT 16
#define TOP 16
#define BOTTOM 48

/* Okabe & Ito (2008), "Color Universal Design". */
static const char *const palette[] = {
	"#009E73", "#D55E00", "#E69F00", "#CC79A7", "#0072B2", "#56B4E9",
	"#F0E442", "#000000",
};
/* One pattern per series: the hatch over the colour. */
static const char *const hatches[] = {
	"",					/* solid */
	"M0,8 L8,0",				/* / */
	"M0,0 L8,8",				/* \ */
	"M4,0 L4,8",				/* | */
	"M0,4 L8,4",				/* - */
	"M0,8 L8,0 M0,0 L8,8",			/* x */
	"M2,2 h1 v1 h-1 Z M6,6 h1 v1 h-1 Z",	/* dots */
	"M0,4 L8,4 M4,0 L4,8",			/* + */
};
#define N_STYLES 8

void
report_html_escape(GString *out, const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s, -1);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		switch (c) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default:
			if (c < 0x20 || (c >= 0x7f && c < 0xa0))
				g_string_append(out, "\xef\xbf\xbd");
			else
				g_string_append_len(out, p,
				    g_utf8_next_char(p) - p);
		}
	}
}

enum time_form { T_HOUR, T_DAY, T_FULL };

static void
append_time(GString *out, int64_t t, enum time_form form)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	switch (form) {
	case T_HOUR:
		strftime(buf, sizeof(buf), "%m-%d %H:00", &tm);
		break;
	case T_DAY:
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
		break;
	default:
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		break;
	}
	g_string_append(out, buf);
}

/* 1, 2 or 5 times a power of ten, at least v: the y axis's top. */
static double
nice_ceiling(double v)
{
	double p;

	if (v <= 0)
		return 1;
	p = pow(10, floor(log10(v)));
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void
append_number(GString *out, double v)
{
	if (v >= 1e6)
		g_string_append_printf(out, "%.3gM", v / 1e6);
	else if (v >= 1e4)
		g_string_append_printf(out, "%.3gk", v / 1e3);
	else
		g_string_append_printf(out, "%.4g", v);
}

/* A chart: n_bars columns of n_series values, stacked bars or lines. */
struct chart {
	const char *id, *title, *y_unit, *x_unit;
	enum { STACKED, LINES, GROUPED } mode;
	guint n_bars, n_series;
	const char *const *series;
	const double *v;		/* v[bar * n_series + series] */
	const char *const *x_labels;	/* per bar, NULL: none */
};

static void
chart_defs(GString *o, const char *id, guint n)
{
	g_string_append(o, "<defs>");
	for (guint s = 0; s < n; s++) {
		g_string_append_printf(o, "<pattern id=\"%s-p%u\" width=\"8\" "
		    "height=\"8\" patternUnits=\"userSpaceOnUse\"><rect "
		    "width=\"8\" height=\"8\" fill=\"%s\"/>", id, s,
		    palette[s % N_STYLES]);
		if (hatches[s % N_STYLES][0])
			g_string_append_printf(o, "<path d=\"%s\" "
			    "stroke=\"%s\" stroke-width=\"1.5\"/>",
			    hatches[s % N_STYLES],
			    s % N_STYLES == 7 ? "#fff" : "#000");
		g_string_append(o, "</pattern>");
	}
	g_string_append(o, "</defs>");
}

static void
chart_legend(GString *o, const struct chart *c)
{
	g_string_append(o, "<ul class=\"legend\">");
	for (guint s = 0; s < c->n_series; s++) {
		g_string_append(o, "<li><svg width=\"28\" height=\"14\" "
		    "aria-hidden=\"true\">");
		if (c->mode == LINES)
			g_string_append_printf(o, "<path d=\"M0,7 H28\" "
			    "stroke=\"%s\" stroke-width=\"3\" "
			    "stroke-dasharray=\"%d,%d\"/>",
			    palette[s % N_STYLES], 8 - 2 * (int)(s % 3),
			    s % 3 ? 3 : 0);
		else	/* the chart's own pattern (ids are the page's) */
			g_string_append_printf(o, "<rect width=\"28\" "
			    "height=\"14\" fill=\"url(#%s-p%u)\" "
			    "stroke=\"#000\"/>", c->id, s);
		g_string_append(o, "</svg> ");
		report_html_escape(o, c->series[s]);
		g_string_append(o, "</li>");
	}
	g_string_append(o, "</ul>");
}

static void
chart_draw(GString *o, const struct chart *c)
{
	double max = 0, top, bw, ph = H - TOP - BOTTOM, pw = W - LEFT - RIGHT;
	guint every;

	for (guint b = 0; b < c->n_bars; b++) {
		double sum = 0;

		for (guint s = 0; s < c->n_series; s++) {
			double v = c->v[b * c->n_series + s];

			sum = c->mode == STACKED ? sum + v : MAX(sum, v);
		}
		max = MAX(max, sum);
	}
	top = nice_ceiling(max);
	bw = c->n_bars ? pw / c->n_bars : pw;
	g_string_append_printf(o, "<figure id=\"%s\"><figcaption>", c->id);
	report_html_escape(o, c->title);
	g_string_append_printf(o, "</figcaption><svg class=\"chart\" "
	    "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
	    "aria-label=\"", W, H);
	report_html_escape(o, c->title);
	g_string_append(o, "\">");
	chart_defs(o, c->id, c->n_series);
	/* grid and y axis: five steps */
	for (int i = 0; i <= 5; i++) {
		double y = TOP + ph - ph * i / 5;

		g_string_append_printf(o, "<path class=\"grid\" d=\"M%d,%.1f "
		    "H%d\"/><text x=\"%d\" y=\"%.1f\" class=\"yl\">", LEFT, y,
		    W - RIGHT, LEFT - 6, y + 4);
		append_number(o, top * i / 5);
		g_string_append(o, "</text>");
	}
	g_string_append_printf(o, "<text class=\"unit\" transform=\""
	    "translate(14,%d) rotate(-90)\">", TOP + (int)ph / 2);
	report_html_escape(o, c->y_unit);
	g_string_append_printf(o, "</text><text class=\"unit\" x=\"%d\" "
	    "y=\"%d\">", LEFT + (int)pw / 2, H - 6);
	report_html_escape(o, c->x_unit);
	g_string_append(o, "</text>");
	/* x labels: about eight */
	every = c->n_bars / 8 + 1;
	for (guint b = 0; c->x_labels && b < c->n_bars; b += every)
		if (c->x_labels[b] != NULL) {
			g_string_append_printf(o, "<text class=\"xl\" "
			    "x=\"%.1f\" y=\"%d\">", LEFT + bw * (b + 0.5),
			    TOP + (int)ph + 16);
			report_html_escape(o, c->x_labels[b]);
			g_string_append(o, "</text>");
		}
	/* one path per series */
	for (guint s = 0; s < c->n_series; s++) {
		g_autoptr(GString) d = g_string_new(NULL);
		g_autoptr(GString) marks = g_string_new(NULL);

		for (guint b = 0; b < c->n_bars; b++) {
			double below = 0, v = c->v[b * c->n_series + s];
			double x = LEFT + bw * b;

			if (c->mode == LINES) {
				g_string_append_printf(d, "%c%.1f,%.1f ",
				    b ? 'L' : 'M', x + bw / 2,
				    TOP + ph - ph * v / top);
				/* a marker at each point: one hour alone
				 * is a line of no length */
				g_string_append_printf(marks, "M%.1f,%.1f "
				    "m-3.5,-3.5 h7 v7 h-7 Z ", x + bw / 2,
				    TOP + ph - ph * v / top);
				continue;
			}
			if (v <= 0)
				continue;
			if (c->mode == GROUPED) {
				double gw = bw * 0.8 / c->n_series;

				g_string_append_printf(d, "M%.1f,%.1f h%.1f "
				    "v%.1f h%.1f Z ", x + bw * 0.1 + gw * s,
				    TOP + ph - ph * v / top, gw, ph * v / top,
				    -gw);
				continue;
			}
			for (guint t = 0; t < s; t++)
				below += c->v[b * c->n_series + t];
			g_string_append_printf(d, "M%.1f,%.1f h%.1f v%.1f "
			    "h%.1f Z ", x + bw * 0.1,
			    TOP + ph - ph * (below + v) / top, bw * 0.8,
			    ph * v / top, -bw * 0.8);
		}
		if (d->len == 0)
			continue;	/* nothing of this series */
		if (c->mode == LINES)
			g_string_append_printf(o, "<path class=\"s%u\" d=\"%s\" "
			    "fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
			    "stroke-dasharray=\"%d,%d\"/>", s, d->str,
			    palette[s % N_STYLES], 8 - 2 * (int)(s % 3),
			    s % 3 ? 3 : 0);
		if (c->mode == LINES)
			g_string_append_printf(o, "<path d=\"%s\" fill=\"%s\" "
			    "stroke=\"#000\" stroke-width=\"0.5\"/>",
			    marks->str, palette[s % N_STYLES]);
		else
			g_string_append_printf(o, "<path class=\"s%u\" d=\"%s\" "
			    "fill=\"url(#%s-p%u)\" stroke=\"#000\" "
			    "stroke-width=\"0.5\"/>", s, d->str, c->id, s);
	}
	g_string_append_printf(o, "<path class=\"axis\" d=\"M%d,%d V%d H%d\"/>"
	    "</svg>", LEFT, TOP, TOP + (int)ph, W - RIGHT);
	chart_legend(o, c);
	g_string_append(o, "</figure>\n");
}

/* The hourly (or daily) series from the hour table: bars from the first
 * to the last message's hour, empty ones included. */
struct timeline {
	int64_t start, unit;
	guint n;
	char **labels;		/* NULL-terminated, per bar or NULL */
};

static void
timeline_init(struct timeline *t, const struct report_stats *st)
{
	int64_t first = st->first - st->first % HOUR;
	int64_t last = st->last - st->last % HOUR;

	t->unit = (last - first) / HOUR + 1 > HOURLY_MAX_BARS ? DAY : HOUR;
	t->start = st->first - st->first % t->unit;
	t->n = (guint)((st->last - st->last % t->unit - t->start) / t->unit
	    + 1);
	t->labels = g_new0(char *, t->n + 1);
	for (guint b = 0; b < t->n; b++) {
		g_autoptr(GString) l = g_string_new(NULL);

		append_time(l, t->start + (int64_t)b * t->unit,
		    t->unit == HOUR ? T_HOUR : T_DAY);
		t->labels[b] = g_string_free(g_steal_pointer(&l), FALSE);
	}
}

static guint
timeline_bar(const struct timeline *t, int64_t hour)
{
	return (guint)((hour - t->start) / t->unit);
}

static void
table_top(GString *o, const char *id, const char *title, const char *what,
    GHashTable *counts)
{
	g_autoptr(GPtrArray) top = report_top(counts, TOP_ROWS);

	g_string_append_printf(o, "<table id=\"%s\"><caption>", id);
	report_html_escape(o, title);
	g_string_append(o, "</caption><tr><th>");
	report_html_escape(o, what);
	g_string_append(o, "</th><th>messages</th></tr>");
	for (guint i = 0; i < top->len; i++) {
		const struct report_count *c = top->pdata[i];

		g_string_append(o, "<tr><td>");
		report_html_escape(o, c->name);
		g_string_append_printf(o, "</td><td class=\"n\">%llu</td></tr>",
		    (unsigned long long)c->n);
	}
	if (top->len == 0)
		g_string_append(o, "<tr><td colspan=\"2\">none</td></tr>");
	g_string_append(o, "</table>\n");
}

static const char style[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:1em auto;"
    "max-width:64em;padding:0 1em;color:#000;background:#fff}"
    "figure{margin:1.5em 0;break-inside:avoid}"
    "figcaption,caption{font-weight:bold;text-align:left}"
    "svg.chart{max-width:100%;height:auto}"
    "svg text{font:12px sans-serif}"
    "text.yl{text-anchor:end}text.xl,text.unit{text-anchor:middle}"
    ".grid{stroke:#ccc;stroke-width:.5}.axis{stroke:#000;fill:none}"
    "ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;"
    "gap:.3em 1.2em}ul.legend svg{vertical-align:middle}"
    "table{border-collapse:collapse;margin:1em 0;break-inside:avoid}"
    "td,th{border:1px solid #999;padding:.2em .5em;text-align:left;"
    "overflow-wrap:anywhere}td.n{text-align:right}"
    ".tables{display:flex;flex-wrap:wrap;gap:0 2em;"
    "align-items:flex-start}"
    "@media print{body{max-width:none}}";

static void
html_summary(GString *o, const struct report_stats *st)
{
	uint64_t out = 0;

	g_string_append(o, "<table id=\"verdicts\"><caption>Messages by "
	    "verdict and action</caption><tr><th>verdict</th><th>messages"
	    "</th>");
	for (int a = 0; a < SA_COUNT; a++)
		g_string_append_printf(o, "<th>%s</th>",
		    summary_action_names[a]);
	g_string_append(o, "</tr>");
	for (int v = 0; v < SV_COUNT; v++) {
		uint64_t n = 0;

		for (int a = 0; a < SA_COUNT; a++)
			n += st->verdict_action[v][a];
		g_string_append_printf(o, "<tr><td>%s</td><td class=\"n\" "
		    "data-verdict=\"%s\">%llu</td>", summary_verdict_names[v],
		    summary_verdict_names[v], (unsigned long long)n);
		for (int a = 0; a < SA_COUNT; a++)
			g_string_append_printf(o, "<td class=\"n\">%llu</td>",
			    (unsigned long long)st->verdict_action[v][a]);
		g_string_append(o, "</tr>");
	}
	g_string_append_printf(o, "<tr><th>all</th><td class=\"n\" "
	    "data-total=\"messages\">%llu</td></tr></table>\n",
	    (unsigned long long)st->messages);
	for (int v = 0; v < SV_COUNT; v++)
		out += st->relay_verdict[1][v];
	g_string_append_printf(o, "<p>Inbound (no RELAYCLIENT): <b "
	    "data-direction=\"inbound\">%llu</b>; outbound (RELAYCLIENT): "
	    "<b data-direction=\"outbound\">%llu</b>.  Lines read: %llu; "
	    "not summary lines: <span data-total=\"refused\">%llu</span>; "
	    "before the period: %llu; quarantine commands: %llu.</p>\n",
	    (unsigned long long)(st->messages - out), (unsigned long long)out,
	    (unsigned long long)st->lines, (unsigned long long)st->refused,
	    (unsigned long long)st->skipped,
	    (unsigned long long)st->tool_lines);
}

static void
chart_hourly(GString *o, const struct report_stats *st,
    const struct timeline *t)
{
	const char *per = t->unit == HOUR ? "messages per hour" :
	    "messages per day";
	g_autofree double *verdicts = g_new0(double, t->n * SV_COUNT);
	g_autofree double *dirs = g_new0(double, t->n * 2);
	g_autofree double *fails = g_new0(double, t->n * RF_COUNT);
	GHashTableIter it;
	gpointer k, v;
	struct chart c = { 0 };
	static const char *const dir_names[] = {
		"inbound (no RELAYCLIENT)", "outbound (RELAYCLIENT)",
	};

	g_hash_table_iter_init(&it, st->hours);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct report_hour *h = v;
		guint b = timeline_bar(t, *(int64_t *)k);

		if (b >= t->n)
			continue;
		for (int i = 0; i < SV_COUNT; i++)
			verdicts[b * SV_COUNT + i] += (double)h->verdict[i];
		for (int i = 0; i < 2; i++)
			dirs[b * 2 + i] += (double)h->relay[i];
		for (int i = 0; i < RF_COUNT; i++)
			fails[b * RF_COUNT + i] += (double)h->fail[i];
	}
	c.n_bars = t->n;
	c.x_labels = (const char *const *)t->labels;
	c.x_unit = t->unit == HOUR ? "hour (UTC)" : "day (UTC)";
	c.y_unit = per;

	c.id = "by-verdict";
	c.title = t->unit == HOUR ? "Messages per hour by verdict" :
	    "Messages per day by verdict";
	c.mode = STACKED;
	c.n_series = SV_COUNT;
	c.series = summary_verdict_names;
	c.v = verdicts;
	chart_draw(o, &c);

	c.id = "direction";
	c.title = "Inbound against outbound";
	c.mode = LINES;
	c.n_series = 2;
	c.series = dir_names;
	c.v = dirs;
	chart_draw(o, &c);

	c.id = "failures";
	c.title = "Temporary failures and engine failures (an outage shows "
	    "as a band)";
	c.mode = STACKED;
	c.n_series = RF_COUNT;
	c.series = report_fail_names;
	c.v = fails;
	chart_draw(o, &c);
}

static void
chart_stages(GString *o, const struct report_stats *st)
{
	static const char *const pct_names[] = { "p50", "p90", "p99" };
	static const double pct[] = { 0.50, 0.90, 0.99 };
	double v[SS_COUNT * 3];
	struct chart c = { 0 };

	for (int s = 0; s < SS_COUNT; s++)
		for (int p = 0; p < 3; p++)
			v[s * 3 + p] = hist_quantile(&st->stage[s], pct[p],
			    HIST_MS_BASE);
	c.id = "stages";
	c.title = "Time per stage, whole period (upper bound of a "
	    "log-scale bucket: at most 19 % high)";
	c.mode = GROUPED;
	c.n_bars = SS_COUNT;
	c.n_series = 3;
	c.series = pct_names;
	c.v = v;
	c.x_labels = summary_stage_names;
	c.x_unit = "stage (av: every engine together)";
	c.y_unit = "milliseconds";
	chart_draw(o, &c);

	/* per day, as a table: one row a day, p50/p90/p99 a cell */
	g_string_append(o, "<table id=\"stages-per-day\"><caption>Time per "
	    "stage per day, p50 / p90 / p99 (ms)</caption><tr><th>day (UTC)"
	    "</th>");
	for (int s = 0; s < SS_COUNT; s++)
		g_string_append_printf(o, "<th>%s</th>",
		    summary_stage_names[s]);
	g_string_append(o, "</tr>");
	for (int64_t d = st->first - st->first % DAY; st->messages &&
	    d <= st->last; d += DAY) {
		const struct report_day *day = g_hash_table_lookup(st->days,
		    &d);

		if (day == NULL)
			continue;
		g_string_append(o, "<tr><td>");
		append_time(o, d, T_DAY);
		g_string_append(o, "</td>");
		for (int s = 0; s < SS_COUNT; s++) {
			g_string_append(o, "<td class=\"n\">");
			for (int p = 0; p < 3; p++) {
				if (p)
					g_string_append(o, " / ");
				append_number(o, hist_quantile(&day->stage[s],
				    pct[p], HIST_MS_BASE));
			}
			g_string_append(o, "</td>");
		}
		g_string_append(o, "</tr>");
	}
	g_string_append(o, "</table>\n");
}

static void
size_label(char *buf, size_t len, double bytes)
{
	if (bytes >= 1024.0 * 1024)
		g_snprintf(buf, len, "%.3g MiB", bytes / (1024.0 * 1024));
	else if (bytes >= 1024)
		g_snprintf(buf, len, "%.3g KiB", bytes / 1024);
	else
		g_snprintf(buf, len, "%.3g B", bytes);
}

/* One bar an octave, from the smallest to the largest size seen. */
static void
chart_sizes(GString *o, const struct report_stats *st)
{
	enum { OCTAVES = HIST_BUCKETS / HIST_PER_OCTAVE };
	double v[OCTAVES] = { 0 };
	char labels[OCTAVES][24];
	const char *label_ptrs[OCTAVES];
	static const char *const name[] = { "messages" };
	struct chart c = { 0 };
	int lo = OCTAVES, hi = -1;

	for (int i = 0; i < HIST_BUCKETS; i++) {
		int oct = i / HIST_PER_OCTAVE;

		v[oct] += (double)st->size.n[i];
		if (st->size.n[i]) {
			lo = MIN(lo, oct);
			hi = MAX(hi, oct);
		}
	}
	if (hi < 0)
		return;
	for (int oct = lo; oct <= hi; oct++) {
		char b[16];

		size_label(b, sizeof(b), oct == OCTAVES - 1 ? INFINITY :
		    hist_bound(oct * HIST_PER_OCTAVE + HIST_PER_OCTAVE - 1,
		    HIST_SIZE_BASE));
		g_snprintf(labels[oct], sizeof(labels[oct]), "≤ %s", b);
		label_ptrs[oct - lo] = labels[oct];
	}
	c.id = "sizes";
	c.title = "Message size distribution";
	c.mode = GROUPED;
	c.n_bars = (guint)(hi - lo + 1);
	c.n_series = 1;
	c.series = name;
	c.v = v + lo;
	c.x_labels = label_ptrs;
	c.x_unit = "size (bytes read from qmail-smtpd), one bar an octave";
	c.y_unit = "messages";
	chart_draw(o, &c);
}

static void
table_recent(GString *o, const struct report_stats *st)
{
	g_string_append(o, "<table id=\"recent\"><caption>The last blocked "
	    "messages</caption><tr><th>time (UTC)</th><th>verdict</th><th>"
	    "action</th><th>sender</th><th>subject</th><th>reason</th></tr>");
	for (unsigned i = 0; i < st->recent_len; i++) {
		unsigned at = (st->recent_next + REPORT_RECENT_MAX - 1 - i) %
		    REPORT_RECENT_MAX;
		const struct report_recent *r = &st->recent[at];

		g_string_append(o, "<tr><td>");
		append_time(o, r->stamp, T_FULL);
		g_string_append_printf(o, "</td><td>%s</td><td>%s</td><td>",
		    summary_verdict_names[r->verdict],
		    summary_action_names[r->action]);
		report_html_escape(o, r->from[0] ? r->from : "<>");
		g_string_append(o, "</td><td>");
		report_html_escape(o, r->subject);
		g_string_append(o, "</td><td>");
		report_html_escape(o, r->reason);
		g_string_append(o, "</td></tr>");
	}
	g_string_append(o, "</table>\n");
}

void
report_html(const struct report_stats *st, const char *host, GString *o)
{
	struct timeline t = { 0 };

	g_string_append(o, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width\"><meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\"><title>qscan report: ");
	report_html_escape(o, host);
	g_string_append_printf(o, "</title><style>%s</style></head><body>"
	    "<h1>qscan report: ", style);
	report_html_escape(o, host);
	g_string_append(o, "</h1><p>");
	if (st->messages + st->tool_lines == 0)
		g_string_append(o, "No summary lines in this period.");
	else {
		g_string_append(o, "From ");
		append_time(o, st->first, T_FULL);
		g_string_append(o, " to ");
		append_time(o, st->last, T_FULL);
		g_string_append(o, " UTC.");
	}
	g_string_append(o, "</p>\n");
	html_summary(o, st);
	if (st->messages > 0) {
		timeline_init(&t, st);
		chart_hourly(o, st, &t);
		g_strfreev(t.labels);
	}
	g_string_append(o, "<div class=\"tables\">");
	table_top(o, "viruses", "Top viruses", "virus", st->viruses);
	table_top(o, "rules", "Top policy rules (action@line:name)", "rule",
	    st->rules);
	table_top(o, "blocked-domains", "Top sender domains of blocked mail",
	    "domain", st->blocked_domains);
	table_top(o, "fail-causes", "Tempfail and scan-failure causes",
	    "cause", st->fail_causes);
	g_string_append(o, "</div>\n");
	if (st->messages > 0) {
		chart_stages(o, st);
		chart_sizes(o, st);
	}
	table_recent(o, st);
	g_string_append(o, "<p>Spam is counted by verdict above; the "
	    "scores (score=) are not charted yet.</p></body></html>\n");
}
