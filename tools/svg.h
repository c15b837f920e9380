/* SPDX-License-Identifier: GPL-2.0 */
/* svg.h - a tiny SVG writer and the pictures of "record": latency, affinity, depth. */
#ifndef SB_SVG_H
#define SB_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "debugfs.h"
#include "msix.h"

/* The writer.  Text is escaped for XML; invalid UTF-8 and control bytes become '?'. */
void svg_escape(FILE *f, const char *s);
void svg_begin(FILE *f, int width, int height, const char *title);
void svg_end(FILE *f);
/* @cls: class attribute or NULL; @tip: a <title> tooltip or NULL. */
void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill,
	      const char *cls, const char *tip);
void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke);
/* @anchor: "start", "middle" or "end"; @rotate: degrees about (x, y). */
void svg_text(FILE *f, double x, double y, const char *anchor, int size, int rotate,
	      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Colour of @t in [0, 1] on a viridis-like ramp: "#rrggbb" into @buf (8 bytes). */
char *svg_ramp(char *buf, double t);
/* Position of count @c on a log colour scale whose top is @max (>= 1): (0, 1]; 0 for 0. */
double svg_logscale(uint64_t c, uint64_t max);

/* What every picture's title tells. */
struct svg_meta {
	const char *device;	/* "stackblk0" */
	const char *backing;	/* "nvme0n1" */
	const char *stages;	/* "split,crypt", "" for passthrough */
	double interval;	/* seconds; 0: totals since the last reset */
	double t0, t1;		/* wall clock of the first and the last sample */
};

/*
 * Latency heatmap: @n columns (intervals), each the fine buckets of the
 * logical and the physical path.  Rows group SVG_LAT_GROUP fine buckets
 * (two rows per power of two) over the non-empty range.
 */
#define SVG_LAT_GROUP	4
typedef uint64_t svg_lat_col[SB_NR_PATHS][SB_LAT_FINE_BUCKETS];
/* Each writer returns the number of data cells or bars drawn (class "cell"/"bar"). */
size_t svg_latency(FILE *f, const struct svg_meta *m, const svg_lat_col *cols, size_t n);
/* Affinity heatmap of the submit x backing completion matrix; @msix may have no vectors. */
size_t svg_affinity(FILE *f, const struct svg_meta *m, const struct sb_completion *c,
		    const struct msix_info *msix);
/* One bar chart of log2 depth buckets per hardware context. */
size_t svg_depth(FILE *f, const struct svg_meta *m, const struct sb_hctx *h, size_t n);

#endif
