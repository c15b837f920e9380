// SPDX-License-Identifier: GPL-2.0
/* fmt.c - human-readable numbers and aligned text tables. */
#include "fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

char *fmt_bytes(char *buf, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, FMT_LEN, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, FMT_LEN, "%.1f%c", v, units[u]);
	return buf;
}

char *fmt_ns(char *buf, uint64_t ns)
{
	/* the first unit whose limit ns is below; the last has none */
	static const struct {
		double limit, div;
		int prec;
		const char *unit;
	} scale[] = {
		{ 1e3, 1, 0, "ns" }, { 1e6, 1e3, 1, "us" },
		{ 1e9, 1e6, 1, "ms" }, { 0, 1e9, 2, "s" },
	};
	size_t i = 0;

	while (scale[i].limit && (double)ns >= scale[i].limit)
		i++;
	snprintf(buf, FMT_LEN, "%.*f%s", scale[i].prec, (double)ns / scale[i].div,
		 scale[i].unit);
	return buf;
}

char *fmt_num(char *buf, double v)
{
	if (v < 0)
		snprintf(buf, FMT_LEN, "-");
	else if (v < 1e7 && v == (double)(uint64_t)v)
		snprintf(buf, FMT_LEN, "%llu", (unsigned long long)v);
	else if (v < 1000)
		snprintf(buf, FMT_LEN, "%.1f", v);
	else if (v < 1e7)
		snprintf(buf, FMT_LEN, "%.0f", v);
	else
		snprintf(buf, FMT_LEN, "%.1fM", v / 1e6);
	return buf;
}

char *fmt_ratio(char *buf, double v)
{
	if (v < 0)
		snprintf(buf, FMT_LEN, "-");
	else
		snprintf(buf, FMT_LEN, "%.2f", v);
	return buf;
}

char *fmt_pct(char *buf, uint64_t part, uint64_t total)
{
	if (!total)
		snprintf(buf, FMT_LEN, "-");
	else
		snprintf(buf, FMT_LEN, "%.1f%%", 100.0 * (double)part / (double)total);
	return buf;
}

void table_init(struct table *t, const char *align)
{
	t->ncols = (int)strlen(align);
	t->align = xstrdup(align);
	t->width = NULL;
	t->ncells = 0;
	t->cells = NULL;
}

void table_widths(struct table *t, const int *w)
{
	free(t->width);
	t->width = xcalloc(t->ncols, sizeof(*t->width));
	memcpy(t->width, w, t->ncols * sizeof(*w));
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		s = xstrdup("?");
	t->cells = xrealloc(t->cells, (t->ncells + 1) * sizeof(*t->cells));
	t->cells[t->ncells++] = s;
}

void table_print(const struct table *t, FILE *f)
{
	int *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t i = 0; i < t->ncells; i++) {
		int c = (int)(i % t->ncols), len = (int)strlen(t->cells[i]);

		if (t->width && t->width[c])
			w[c] = t->width[c];
		else if (len > w[c])
			w[c] = len;
	}
	for (size_t i = 0; i < t->ncells; i++) {
		int c = (int)(i % t->ncols);
		bool last = c == t->ncols - 1 || i == t->ncells - 1;

		if (t->align[c] == 'r')
			fprintf(f, "%*s", w[c], t->cells[i]);
		else if (last)
			fputs(t->cells[i], f);
		else
			fprintf(f, "%-*s", w[c], t->cells[i]);
		fputs(last ? "\n" : "  ", f);
	}
	free(w);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->align);
	free(t->width);
	t->cells = NULL;
	t->align = NULL;
	t->width = NULL;
	t->ncells = 0;
}
