/* SPDX-License-Identifier: GPL-2.0 */
/* fmt.h - human-readable numbers and aligned text tables. */
#ifndef SB_FMT_H
#define SB_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FMT_LEN 32

/* 1.5G, 512.0K, 100B (binary units). */
char *fmt_bytes(char *buf, uint64_t bytes);
/* 812ns, 65.5us, 1.0ms, 2.15s. */
char *fmt_ns(char *buf, uint64_t ns);
/* A rate or count: 0, 12.5, 1234, 1.2M; "-" for a negative (undefined) value. */
char *fmt_num(char *buf, double v);
/* Ratio with two decimals, "-" when undefined (< 0). */
char *fmt_ratio(char *buf, double v);
/* Percentage of @part in @total with one decimal, "-" when total is 0. */
char *fmt_pct(char *buf, uint64_t part, uint64_t total);

/*
 * A text table: the first row is the header; columns separated by two spaces.
 * Columns are as wide as their widest cell, unless table_widths() fixed them
 * (then a longer cell only pushes the rest of its own row to the right).
 */
struct table {
	int ncols;
	char *align;		/* per column: 'l' or 'r' (a copy) */
	int *width;		/* NULL: sized to content */
	size_t ncells;
	char **cells;
};

void table_init(struct table *t, const char *align);	/* ncols = strlen(align) */
/* Fix the width of every column (@w has ncols entries, 0: sized to content). */
void table_widths(struct table *t, const int *w);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
