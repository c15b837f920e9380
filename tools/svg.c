// SPDX-License-Identifier: GPL-2.0
/*
 * svg.c - a tiny SVG writer and the pictures of "record": the latency
 * heatmap (logical and physical side by side), the affinity heatmap and the
 * per-hctx depth histograms.  The output is self-contained: inline styles,
 * no scripts, no external fonts.
 */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define FONT	"font-family=\"DejaVu Sans,Arial,Helvetica,sans-serif\""
#define GREY	"#f0f0f0"
#define INK	"#222222"

void svg_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		int n = utf8_len(s);

		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else if (*s == '\'')
			fputs("&#39;", f);
		else if (!n || (*s < 0x20 && *s != '\t' && *s != '\n'))
			fputc('?', f);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
}

void svg_begin(FILE *f, int width, int height, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		   "height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>", width, height, width, height);
	svg_escape(f, title);
	fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		width, height);
}

void svg_end(FILE *f)
{
	fputs("</svg>\n", f);
}

void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill,
	      const char *cls, const char *tip)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
		x, y, w, h, fill);
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
	if (!tip) {
		fputs("/>\n", f);
		return;
	}
	fputs("><title>", f);
	svg_escape(f, tip);
	fputs("</title></rect>\n", f);
}

/* An unfilled frame. */
static void svg_frame(FILE *f, double x, double y, double w, double h, const char *stroke,
		      double width)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		   "stroke=\"%s\" stroke-width=\"%.1f\"/>\n", x, y, w, h, stroke, width);
}

void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		   "stroke-width=\"1\"/>\n", x1, y1, x2, y2, stroke);
}

static void text_v(FILE *f, double x, double y, const char *anchor, int size, int rotate,
		   const char *fill, bool bold, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" %s fill=\"%s\"%s",
		x, y, anchor, size, FONT, fill, bold ? " font-weight=\"bold\"" : "");
	if (rotate)
		fprintf(f, " transform=\"rotate(%d %.1f %.1f)\"", rotate, x, y);
	fputc('>', f);
	svg_escape(f, buf);
	fputs("</text>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size, int rotate,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_v(f, x, y, anchor, size, rotate, INK, false, fmt, ap);
	va_end(ap);
}

/* svg_text in colour @fill, optionally bold. */
static void __attribute__((format(printf, 7, 8)))
text_styled(FILE *f, double x, double y, int size, const char *fill, bool bold,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_v(f, x, y, "start", size, 0, fill, bold, fmt, ap);
	va_end(ap);
}

char *svg_ramp(char *buf, double t)
{
	/* viridis, sampled at ten points */
	static const unsigned char stops[][3] = {
		{ 0x44, 0x01, 0x54 }, { 0x48, 0x28, 0x78 }, { 0x3e, 0x49, 0x89 },
		{ 0x31, 0x68, 0x8e }, { 0x26, 0x82, 0x8e }, { 0x1f, 0x9e, 0x89 },
		{ 0x35, 0xb7, 0x79 }, { 0x6e, 0xce, 0x58 }, { 0xb5, 0xde, 0x2b },
		{ 0xfd, 0xe7, 0x25 },
	};
	const int last = sizeof(stops) / sizeof(stops[0]) - 1;
	double pos;
	int i;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	pos = t * last;
	i = (int)pos;
	if (i >= last)
		i = last - 1;
	pos -= i;
	snprintf(buf, 8, "#%02x%02x%02x",
		 (int)lround(stops[i][0] + (stops[i + 1][0] - stops[i][0]) * pos),
		 (int)lround(stops[i][1] + (stops[i + 1][1] - stops[i][1]) * pos),
		 (int)lround(stops[i][2] + (stops[i + 1][2] - stops[i][2]) * pos));
	return buf;
}

double svg_logscale(uint64_t c, uint64_t max)
{
	if (!c)
		return 0;
	if (c >= max)
		return 1;
	/* 1 maps to a visible 0.08, max to 1 */
	return 0.08 + 0.92 * log((double)c) / log((double)max);
}

/* Dark text on the light end of the ramp, white on the dark end. */
static const char *ink_on(double t)
{
	return t > 0.62 ? INK : "#ffffff";
}

/* "5", "12.3k", "4.5M" */
static char *short_count(char *buf, size_t n, uint64_t v)
{
	if (v < 10000)
		snprintf(buf, n, "%llu", (unsigned long long)v);
	else if (v < 10000000)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else
		snprintf(buf, n, "%.1fM", v / 1e6);
	return buf;
}

/* "512ns", "1.02µs", "131µs", "1.05ms", "2.15s" */
static char *short_ns(char *buf, size_t n, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, n, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, n, "%.3g\xc2\xb5s", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, n, "%.3gms", ns / 1e6);
	else
		snprintf(buf, n, "%.3gs", ns / 1e9);
	return buf;
}

static char *utc(char *buf, size_t n, double t, bool date)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, n, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm))
		snprintf(buf, n, "?");
	return buf;
}

/* The document and its heading: @what; "dev -> backing, stages"; the time range. */
#define HEAD	18	/* the heading's third line, below the first two */
static void heading(FILE *f, int width, int height, const char *what, const struct svg_meta *m)
{
	char title[512], dev[400], when[200], a[40], b[40];

	snprintf(dev, sizeof(dev), "%s \xe2\x86\x92 %s, stages: %s", m->device, m->backing,
		 m->stages[0] ? m->stages : "none (passthrough)");
	snprintf(title, sizeof(title), "%s \xe2\x80\x94 %s", what, dev);
	if (m->interval > 0)
		snprintf(when, sizeof(when), "every %g s, %s \xe2\x80\x93 %s UTC", m->interval,
			 utc(a, sizeof(a), m->t0, true), utc(b, sizeof(b), m->t1, false));
	else
		snprintf(when, sizeof(when), "totals since the last counter reset, at %s UTC",
			 utc(a, sizeof(a), m->t1, true));
	svg_begin(f, width, height, title);
	text_styled(f, 16, 24, 15, INK, true, "%s", what);
	text_styled(f, 16, 43, 13, INK, false, "%s", dev);
	text_styled(f, 16, 43 + HEAD, 12, "#555555", false, "stackblk record: %s", when);
}

/* A vertical colour legend at (@x, @y), @h high, for counts 1..@max. */
static void legend(FILE *f, double x, double y, double h, uint64_t max, const char *what)
{
	const int steps = 48;
	char col[8], num[32];

	svg_text(f, x, y - 8, "start", 11, 0, "%s", what);
	for (int i = 0; i < steps; i++) {
		double t0 = (double)i / steps;

		svg_rect(f, x, y + h - (i + 1) * h / steps, 14, h / steps + 0.5,
			 svg_ramp(col, 0.08 + 0.92 * t0), "legend", NULL);
	}
	svg_frame(f, x, y, 14, h, "#888888", 0.5);
	if (max < 1)
		max = 1;
	/* 1, the powers of ten in between, and the maximum, on the log scale */
	for (uint64_t v = 1; v <= max; v *= 10) {
		double ty = y + h - svg_logscale(v, max) * h;

		if (v > 1 && ty - y < 12)	/* would overlap the maximum's label */
			break;
		svg_line(f, x + 14, ty, x + 18, ty, INK);
		svg_text(f, x + 21, ty + 4, "start", 10, 0, "%s", short_count(num, sizeof(num), v));
		if (v > UINT64_MAX / 10)
			break;
	}
	if (max > 1) {
		svg_line(f, x + 14, y, x + 18, y, INK);
		svg_text(f, x + 21, y + 4, "start", 10, 0, "%s", short_count(num, sizeof(num), max));
	}
	svg_text(f, x, y + h + 16, "start", 10, 0, "log scale");
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#define LAT_ROWS	(SB_LAT_FINE_BUCKETS / SVG_LAT_GROUP)

static uint64_t lat_cell(const svg_lat_col *cols, size_t i, int path, int row)
{
	uint64_t s = 0;

	for (int k = 0; k < SVG_LAT_GROUP; k++)
		s += cols[i][path][row * SVG_LAT_GROUP + k];
	return s;
}

size_t svg_latency(FILE *f, const struct svg_meta *m, const svg_lat_col *cols, size_t n)
{
	const double left = 78, top = 92 + HEAD, gap = 56;
	int lo = LAT_ROWS, hi = -1, rows;
	uint64_t max = 0, total[SB_NR_PATHS] = { 0 };
	double cw, rh, pw, ph, width, height;
	size_t cells = 0, xstep;
	char col[8], a[32], b[32], tip[160];

	for (size_t i = 0; i < n; i++) {
		for (int p = 0; p < SB_NR_PATHS; p++) {
			for (int r = 0; r < LAT_ROWS; r++) {
				uint64_t c = lat_cell(cols, i, p, r);

				total[p] += c;
				if (!c)
					continue;
				lo = r < lo ? r : lo;
				hi = r > hi ? r : hi;
				max = c > max ? c : max;
			}
		}
	}
	if (hi < 0) {		/* nothing completed: show 1 µs .. 1 ms */
		lo = sb_lat_fine_bucket(1000) / SVG_LAT_GROUP;
		hi = sb_lat_fine_bucket(1000000) / SVG_LAT_GROUP;
	}
	/* a row of air on each side, whole powers of two, at least 4 of them */
	lo = lo > 0 ? lo - 1 : 0;
	hi = hi < LAT_ROWS - 1 ? hi + 1 : hi;
	lo -= lo % 2;
	hi += !(hi % 2);
	while (hi - lo + 1 < 8) {
		if (lo >= 2)
			lo -= 2;
		if (hi - lo + 1 < 8 && hi + 2 < LAT_ROWS)
			hi += 2;
		if (lo < 2 && hi + 2 >= LAT_ROWS)
			break;
	}
	rows = hi - lo + 1;
	cw = clampd(480.0 / (n ? n : 1), 2, 60);
	rh = clampd(380.0 / rows, 5, 18);
	pw = cw * (n ? n : 1);
	if (pw < 140)
		pw = 140, cw = pw / (n ? n : 1);
	ph = rh * rows;
	width = left + SB_NR_PATHS * pw + (SB_NR_PATHS - 1) * gap + 140;
	if (width < 560)
		width = 560;
	height = top + ph + 70;
	heading(f, (int)width, (int)height, "latency heatmap", m);
	legend(f, left + SB_NR_PATHS * pw + (SB_NR_PATHS - 1) * gap + 36, top, ph, max,
	       m->interval > 0 ? "requests/interval" : "requests");
	xstep = n / 10 + 1;
	for (int p = 0; p < SB_NR_PATHS; p++) {
		double x0 = left + p * (pw + gap);

		text_styled(f, x0, top - 26, 13, INK, true, "%s", sb_path_names[p]);
		svg_text(f, x0, top - 10, "start", 11, 0, "%llu requests", (unsigned long long)total[p]);
		svg_rect(f, x0, top, pw, ph, GREY, NULL, NULL);
		for (size_t i = 0; i < n; i++) {
			for (int r = lo; r <= hi; r++) {
				uint64_t c = lat_cell(cols, i, p, r);
				double t = svg_logscale(c, max);

				if (!c)
					continue;
				snprintf(tip, sizeof(tip), "%s, interval %zu, %s to %s: %llu",
					 sb_path_names[p], i + 1,
					 short_ns(a, sizeof(a), sb_lat_fine_lo(r * SVG_LAT_GROUP)),
					 short_ns(b, sizeof(b), sb_lat_fine_lo((r + 1) * SVG_LAT_GROUP)),
					 (unsigned long long)c);
				svg_rect(f, x0 + i * cw, top + (hi - r) * rh, cw, rh,
					 svg_ramp(col, t), "cell", tip);
				cells++;
			}
		}
		svg_frame(f, x0, top, pw, ph, "#888888", 1);
		/* y: a tick at each power of two (every other one when rows are thin) */
		for (int r = lo; r <= hi + 1; r++) {
			double y = top + (hi - r + 1) * rh;
			int bucket = r * SVG_LAT_GROUP;

			if (r % 2 || (rh < 8 && r % 4) || bucket >= SB_LAT_FINE_BUCKETS)
				continue;
			svg_line(f, x0 - 4, y, x0, y, INK);
			svg_text(f, x0 - 6, y + 4, "end", 10, 0, "%s",
				 short_ns(a, sizeof(a), sb_lat_fine_lo(bucket)));
		}
		/* x: interval ends in seconds from the start */
		for (size_t i = 0; i < n && m->interval > 0; i += xstep) {
			double x = x0 + (i + 0.5) * cw;

			svg_line(f, x, top + ph, x, top + ph + 4, INK);
			svg_text(f, x, top + ph + 16, "middle", 10, 0, "%g", (i + 1) * m->interval);
		}
		svg_text(f, x0 + pw / 2, top + ph + 34, "middle", 11, 0, "%s",
			 m->interval > 0 ? "end of interval (s)" : "since reset");
	}
	svg_text(f, 18, top + ph / 2, "middle", 11, -90, "completion latency");
	svg_end(f);
	return cells;
}

/* First and last CPU of matrix column @col. */
static void col_cpus(const struct sb_completion *c, size_t col, long *first, long *last)
{
	uint64_t g = c->group ? c->group : 1;

	*first = (long)(col * g);
	*last = (long)(col * g + g - 1);
	if (c->ncpus && *last >= (long)c->ncpus)
		*last = (long)c->ncpus - 1;
}

static bool set_has_range(const struct cpuset *s, long first, long last)
{
	for (long cpu = first; cpu <= last; cpu++)
		if (cpuset_has(s, cpu))
			return true;
	return false;
}

/* "nvme0q3" -> "q3" */
static const char *queue_tag(const struct msix_vector *v)
{
	const char *q = strrchr(v->name, 'q');

	return q ? q : v->name;
}

size_t svg_affinity(FILE *f, const struct svg_meta *m, const struct sb_completion *c,
		    const struct msix_info *msix)
{
	size_t big = c->rows > c->cols ? c->rows : c->cols, cells = 0;
	double cs = clampd(440.0 / (big ? big : 1), 14, 56);
	/* narrow columns: their CPU labels stand upright, with room above */
	const bool upright = cs < 30 && c->group > 1 ? true : cs < 20;
	const double left = 96, top = 112 + HEAD + (upright ? 24 : 0);
	double gw = cs * c->cols, gh = cs * c->rows, lh = gh > 120 ? gh : 120, width, height, y;
	uint64_t max = 0, sum[SB_NR_LOCALITY + 1] = { 0 };
	size_t tags_max = 0;
	char rgb[8], num[32], tip[200];
	struct cpuset *eff = xcalloc(msix->n ? msix->n : 1, sizeof(*eff));
	struct cpuset *hctx = xcalloc(msix->n ? msix->n : 1, sizeof(*hctx));

	for (size_t i = 0; i < c->rows * c->cols; i++)
		max = c->m[i] > max ? c->m[i] : max;
	for (size_t v = 0; v < msix->n; v++) {
		if (!cpulist_parse(msix->vec[v].effective, &eff[v]))
			memset(&eff[v], 0, sizeof(eff[v]));
		if (!cpulist_parse(msix->vec[v].cpu_list, &hctx[v]))
			memset(&hctx[v], 0, sizeof(hctx[v]));
	}
	for (size_t col = 0; col < c->cols; col++) {
		size_t tags = 0;
		long a, b;

		col_cpus(c, col, &a, &b);
		for (size_t v = 0; v < msix->n; v++)
			tags += set_has_range(&eff[v], a, b);
		tags_max = tags > tags_max ? tags : tags_max;
	}
	for (int k = 0; k < SB_NR_LOCALITY; k++)
		sum[SB_NR_LOCALITY] += c->backing[k];
	width = left + gw + 200 + 90;
	if (width < 600)
		width = 600;
	/* below the matrix, its tags and the legend: the notes, then the vectors */
	y = top + (gh + 28 + tags_max * 14 > lh + 24 ? gh + 28 + tags_max * 14 : lh + 24) + 10;
	height = y + 66 + (msix->n ? msix->n + 1 : 1) * 15;
	heading(f, (int)width, (int)height, "completion affinity", m);
	text_styled(f, 16, 64 + HEAD, 12, INK, false,
		    "backing completion vs submitting CPU: same %.0f%%, cache-shared %.0f%%, remote %.0f%% of %llu",
		    sum[SB_NR_LOCALITY] ? 100.0 * c->backing[SB_SAME] / sum[SB_NR_LOCALITY] : 0.0,
		    sum[SB_NR_LOCALITY] ? 100.0 * c->backing[SB_SHARED] / sum[SB_NR_LOCALITY] : 0.0,
		    sum[SB_NR_LOCALITY] ? 100.0 * c->backing[SB_REMOTE] / sum[SB_NR_LOCALITY] : 0.0,
		    (unsigned long long)sum[SB_NR_LOCALITY]);
	svg_text(f, left + gw / 2, top - (upright ? 52 : 30), "middle", 11, 0, "backing completion CPU");
	svg_text(f, 22, top + gh / 2, "middle", 11, -90, "submit CPU");
	for (size_t col = 0; col < c->cols; col++) {
		long a, b;

		col_cpus(c, col, &a, &b);
		if (upright && a == b)
			svg_text(f, left + (col + 0.5) * cs + 3, top - 5, "start", 9, -90, "%ld", a);
		else if (upright)
			svg_text(f, left + (col + 0.5) * cs + 3, top - 5, "start", 9, -90, "%ld-%ld", a, b);
		else if (a == b)
			svg_text(f, left + (col + 0.5) * cs, top - 8, "middle", 10, 0, "%ld", a);
		else
			svg_text(f, left + (col + 0.5) * cs, top - 8, "middle", 10, 0, "%ld-%ld", a, b);
	}
	for (size_t r = 0; r < c->rows; r++) {
		uint64_t g = c->group ? c->group : 1;

		if (g == 1)
			svg_text(f, left - 6, top + (r + 0.5) * cs + 4, "end", 10, 0, "cpu%llu",
				 (unsigned long long)c->row_cpu[r]);
		else
			svg_text(f, left - 6, top + (r + 0.5) * cs + 4, "end", 10, 0, "cpu%llu-%llu",
				 (unsigned long long)c->row_cpu[r],
				 (unsigned long long)(c->row_cpu[r] + g - 1));
		for (size_t col = 0; col < c->cols; col++) {
			uint64_t v = c->m[r * c->cols + col];
			double t = svg_logscale(v, max);
			long a, b;

			col_cpus(c, col, &a, &b);
			if (g == 1)
				snprintf(tip, sizeof(tip), "submitted on cpu%llu, completed on cpu%ld: %llu",
					 (unsigned long long)c->row_cpu[r], a, (unsigned long long)v);
			else
				snprintf(tip, sizeof(tip), "submitted on cpu%llu-%llu, completed on cpu%ld-%ld: %llu",
					 (unsigned long long)c->row_cpu[r],
					 (unsigned long long)(c->row_cpu[r] + g - 1), a, b,
					 (unsigned long long)v);
			svg_rect(f, left + col * cs, top + r * cs, cs, cs, v ? svg_ramp(rgb, t) : GREY,
				 "cell", tip);
			cells++;
			if (cs >= 26 && v) {
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					   "font-size=\"%d\" %s fill=\"%s\">%s</text>\n",
					left + (col + 0.5) * cs, top + (r + 0.5) * cs + 4,
					cs >= 40 ? 11 : 9, FONT, ink_on(t),
					short_count(num, sizeof(num), v));
			}
			if ((long)c->row_cpu[r] >= a && (long)c->row_cpu[r] <= b)
				svg_frame(f, left + col * cs + 0.5, top + r * cs + 0.5, cs - 1, cs - 1,
					  "#000000", 1);
		}
		/* the backing hctx (and so the vector) that serves this row's CPU */
		for (size_t v = 0; v < msix->n; v++) {
			if (msix->vec[v].hctx < 0 || !cpuset_has(&hctx[v], (long)c->row_cpu[r]))
				continue;
			svg_text(f, left + gw + 8, top + (r + 0.5) * cs + 4, "start", 10, 0,
				 "\xe2\x86\x92 hctx %ld, %s (irq %ld)", msix->vec[v].hctx,
				 msix->vec[v].name, msix->vec[v].irq);
			break;
		}
	}
	svg_frame(f, left, top, gw, gh, "#888888", 1);
	/* under each column: the vectors whose interrupt lands on its CPUs */
	for (size_t col = 0; col < c->cols; col++) {
		size_t k = 0;
		long a, b;

		col_cpus(c, col, &a, &b);
		for (size_t v = 0; v < msix->n; v++) {
			double ty = top + gh + 6 + k * 14;

			if (!set_has_range(&eff[v], a, b))
				continue;
			svg_rect(f, left + col * cs + 1, ty, cs - 2, 12,
				 msix->vec[v].verified ? "#d9ead3" : "#f4cccc", "vector", NULL);
			svg_text(f, left + (col + 0.5) * cs, ty + 10, "middle", 9, 0, "%s",
				 queue_tag(&msix->vec[v]));
			k++;
		}
	}
	legend(f, left + gw + 200, top, lh, max, "requests");
	text_styled(f, 16, y, 11, INK, false, "Black frame: completed on the submitting CPU.");
	if (msix->n)
		text_styled(f, 16, y + 15, 11, INK, false, "Tags under a column: the backing's "
			    "MSI-X vectors whose effective affinity includes that CPU.");
	y += 38;
	if (!msix->n) {
		text_styled(f, 16, y, 12, INK, false, "MSI-X vectors: %s",
			    msix->reason[0] ? msix->reason : "none found");
	} else {
		text_styled(f, 16, y, 12, INK, true, "MSI-X vectors of %s (PCI %s, %ld hardware contexts)",
			    msix->disk, msix->pci[0] ? msix->pci : "?", msix->nr_hctx);
		for (size_t v = 0; v < msix->n; v++) {
			const struct msix_vector *vec = &msix->vec[v];

			y += 15;
			text_styled(f, 16, y, 11, vec->hctx >= 0 && !vec->verified ? "#b00000" : INK,
				    false, "%s  irq %ld  %s  hctx %s%ld  cpu_list %s  effective %s  %s",
				    vec->name, vec->irq, vec->mode[0] ? vec->mode : "?",
				    vec->hctx >= 0 ? "" : "none ", vec->hctx >= 0 ? vec->hctx : 0,
				    vec->cpu_list[0] ? vec->cpu_list : "-",
				    vec->effective[0] ? vec->effective : "?",
				    vec->hctx < 0 ? "" : vec->verified ? "ok" : "MISMATCH");
		}
	}
	svg_end(f);
	free(eff);
	free(hctx);
	return cells;
}

size_t svg_depth(FILE *f, const struct svg_meta *m, const struct sb_hctx *h, size_t n)
{
	const double top = 84 + HEAD, pgap = 28, ph = 130, left = 56;
	int lo = SB_DEPTH_BUCKETS, hi = -1, nb, per_row;
	double bw, pw, width, height;
	size_t bars = 0;
	char tip[160];

	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < SB_DEPTH_BUCKETS; b++)
			if (h[i].b[b]) {
				lo = b < lo ? b : lo;
				hi = b > hi ? b : hi;
			}
	if (hi < 0)
		lo = 0, hi = 3;
	lo = 0;			/* depth 1 is always the first bucket shown */
	if (hi < 3)
		hi = 3;
	nb = hi - lo + 1;
	bw = 24;
	pw = nb * bw < 140 ? 140 : nb * bw;
	bw = pw / nb;
	per_row = n < 4 ? (int)(n ? n : 1) : 4;
	width = per_row * (left + pw + pgap) + 16;
	if (width < 560)
		width = 560;
	height = top + ((n ? n : 1) + per_row - 1) / per_row * (ph + 98) + 10;
	heading(f, (int)width, (int)height, "queue depth at dispatch, per hardware context", m);
	if (!n)
		text_styled(f, 16, top + 20, 12, INK, false, "no hardware contexts");
	for (size_t i = 0; i < n; i++) {
		double x0 = 16 + (i % per_row) * (left + pw + pgap) + left;
		double y0 = top + (i / per_row) * (ph + 98) + 22;
		uint64_t total = 0;

		for (int b = 0; b < SB_DEPTH_BUCKETS; b++)
			total += h[i].b[b];
		text_styled(f, x0, y0 - 22, 12, INK, true, "hctx %ld", h[i].id);
		svg_text(f, x0, y0 - 8, "start", 10, 0, "%llu dispatches, max %llu",
			 (unsigned long long)total, (unsigned long long)h[i].max);
		svg_rect(f, x0, y0, pw, ph, "#f7f7f7", NULL, NULL);
		for (int pct = 0; pct <= 100; pct += 50) {
			double y = y0 + ph - ph * pct / 100.0;

			svg_line(f, x0 - 4, y, x0 + pw, y, pct ? "#dddddd" : INK);
			svg_text(f, x0 - 6, y + 4, "end", 10, 0, "%d%%", pct);
		}
		for (int b = lo; b <= hi; b++) {
			double x = x0 + (b - lo) * bw, share, bh;
			char lbl[32];

			if (b > 0 && b < 12)
				snprintf(lbl, sizeof(lbl), "%d-%d", 1 << b, (1 << (b + 1)) - 1);
			else
				snprintf(lbl, sizeof(lbl), "%d", 1 << b);
			svg_text(f, x + bw / 2, y0 + ph + 10, "end", 9, -50, "%s", lbl);
			if (!h[i].b[b])
				continue;
			share = total ? (double)h[i].b[b] / total : 0;
			bh = share * ph < 1 ? 1 : share * ph;
			snprintf(tip, sizeof(tip), "hctx %ld, depth %s: %llu dispatches (%.1f%%)",
				 h[i].id, lbl, (unsigned long long)h[i].b[b], 100 * share);
			svg_rect(f, x + 3, y0 + ph - bh, bw - 6, bh, "#3e7cb1", "bar", tip);
			bars++;
		}
		svg_frame(f, x0, y0, pw, ph, "#888888", 1);
		svg_text(f, x0 + pw / 2, y0 + ph + 48, "middle", 10, 0, "depth (requests in flight)");
	}
	svg_end(f);
	return bars;
}
