/* SPDX-License-Identifier: GPL-2.0 */
/* sample.h - counter samples, interval metrics, and their table/JSON forms (stat, top). */
#ifndef SB_SAMPLE_H
#define SB_SAMPLE_H

#include "debugfs.h"
#include "device.h"
#include "fmt.h"
#include "json.h"

struct sb_sample {
	double t;		/* monotonic seconds */
	struct sb_counters cnt;
	int lat_err;		/* 0 when lat holds the debugfs histograms, else -errno */
	struct sb_latency lat;
	int comp_err;		/* 0 when comp holds the debugfs node totals (no matrix) */
	struct sb_completion comp;
};

#define METRICS_NR_PCTS 3	/* p50, p99, p99.9 */
extern const double metrics_pcts[METRICS_NR_PCTS];
extern const char *const metrics_pct_keys[METRICS_NR_PCTS];	/* "p50", "p99", "p999" */

struct sb_metrics {
	double interval;	/* seconds; 0 = totals since the last reset */
	bool reset;		/* counters went backwards: values are since the reset */
	uint64_t c[SB_NR_STATS];	/* deltas (interval) or totals */
	uint64_t g[SB_NR_GAUGES];	/* gauges as sampled */
	double amp_bytes, amp_ops;	/* physical/logical; -1 when there was no logical I/O */
	bool lat_valid;			/* debugfs histograms were readable */
	bool have_pct[SB_NR_PATHS];	/* the path saw requests */
	uint64_t p50[SB_NR_PATHS], p99[SB_NR_PATHS];	/* ns */
	/* per op: p50, p99, p99.9 (ns), when the op saw requests on the path */
	bool have_op_pct[SB_NR_PATHS][SB_NR_OPS];
	uint64_t op_pct[SB_NR_PATHS][SB_NR_OPS][METRICS_NR_PCTS];
	bool node_valid;		/* debugfs completion had the NUMA node totals */
	struct sb_completion node;	/* their deltas or totals (no matrix) */
};

/* Counters must be readable (else -errno); latency is optional (lat_err). */
int sample_take(const struct cli_dev *dev, struct sb_sample *s);
/* @prev NULL: totals of @cur.  Never negative, see u64_delta(). */
void metrics_compute(const struct sb_sample *prev, const struct sb_sample *cur,
		     struct sb_metrics *m);
/* Per second in interval mode, the plain count for totals. */
double metrics_rate(const struct sb_metrics *m, enum stackblk_stat s);
/* Sum of the per-op histograms of @path. */
void latency_path_sum(const struct sb_latency *lat, int path, uint64_t *b);

/*
 * The stat/top table (one column table, sample.c, with a fixed width per
 * column): heading, then a row per device.  metrics_cols_pick() chooses the
 * columns: the default view (within 100 characters) or all of them (@wide),
 * then drops the least wanted until a row fits @max_width (0: no limit).
 */
#define METRICS_MAX_COLS 40
struct metrics_cols {
	int n;
	unsigned char idx[METRICS_MAX_COLS];
};
void metrics_cols_pick(struct metrics_cols *cols, bool wide, int max_width);
/*
 * -o LIST: the columns named in the comma separated @list (headings as
 * printed in either mode, e.g. L_w or L_w/s), in that order, DEVICE first
 * whether named or not.  Returns NULL, or the first unknown name (in a
 * static buffer) for the usage error.
 */
const char *metrics_cols_parse(struct metrics_cols *cols, const char *list);
/* Print every column's heading, comma separated (the -o help). */
void metrics_cols_list(FILE *f);
/* Characters of a row of @cols (the widths plus the two-space gaps). */
int metrics_cols_width(const struct metrics_cols *cols);
void metrics_table_init(struct table *t, const struct metrics_cols *cols, bool interval);
void metrics_row(struct table *t, const struct metrics_cols *cols, const struct cli_dev *dev,
		 const struct sb_metrics *m);
/* After a table: explain the "*" of a row whose counters were reset. */
void metrics_reset_note(FILE *f, bool any_reset);
/* "node_locality" of @c: null, or per kind its same_node and remote_node counts. */
void json_node_locality(struct json *j, const struct sb_completion *c);
/* One device object (keys documented in stackblk.8). */
void metrics_json(struct json *j, const struct cli_dev *dev, const struct sb_metrics *m);

#endif
