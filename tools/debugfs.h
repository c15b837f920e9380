/* SPDX-License-Identifier: GPL-2.0 */
/* debugfs.h - parsers for /sys/kernel/debug/stackblk/stackblkN/{hctx,latency[_fine],completion}. */
#ifndef SB_DEBUGFS_H
#define SB_DEBUGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stackblk_stats.h"

#define SB_NR_PATHS	SB_LAT_NR_PATHS
#define SB_NR_OPS	SB_LAT_NR_OPS

extern const char *const sb_path_names[SB_NR_PATHS];
extern const char *const sb_op_names[SB_NR_OPS];

struct sb_hctx {
	long id;
	uint64_t inflight, max;
	uint64_t b[SB_DEPTH_BUCKETS];
};

/* b[] are the log-linear buckets of debugfs latency_fine (stackblk_stats.h). */
struct sb_lat_hist {
	uint64_t count, sum_ns;
	uint64_t b[SB_LAT_FINE_BUCKETS];
};

struct sb_latency {
	struct sb_lat_hist h[SB_NR_PATHS][SB_NR_OPS];
};

enum { SB_SAME, SB_SHARED, SB_REMOTE, SB_NR_LOCALITY };
extern const char *const sb_locality_names[SB_NR_LOCALITY];
/* By NUMA node: the submitting CPU's node or another (include/stackblk_stats.h). */
enum { SB_SAME_NODE, SB_REMOTE_NODE, SB_NR_NODE_LOCALITY };
extern const char *const sb_node_locality_names[SB_NR_NODE_LOCALITY];

struct sb_completion {
	uint64_t ncpus, group;
	uint64_t backing[SB_NR_LOCALITY];	/* submit CPU vs backing completion CPU */
	uint64_t complete[SB_NR_LOCALITY];	/* submit CPU vs stackblk completion CPU */
	bool have_node;				/* the module counts by NUMA node */
	uint64_t backing_node[SB_NR_NODE_LOCALITY];	/* submit node vs backing completion's */
	uint64_t complete_node[SB_NR_NODE_LOCALITY];	/* submit node vs stackblk completion's */
	size_t rows, cols;
	uint64_t *row_cpu;			/* first CPU of each row group */
	uint64_t *m;				/* rows * cols, row major */
};

/* All parsers: 0, or -EINVAL on malformed text.  Missing trailing buckets read as 0. */
int parse_hctx(const char *text, struct sb_hctx **out, size_t *n);
/*
 * parse_latency() takes latency_fine, or the log2 latency of a module that
 * has no latency_fine (its header names buckets b0, b1, ..., or there is no
 * header): each log2 count then goes to the last fine bucket of its power
 * of two, so a percentile comes out just under the log2 bucket's top.
 */
int parse_latency(const char *text, struct sb_latency *out);
int parse_completion(const char *text, struct sb_completion *out);
void completion_free(struct sb_completion *c);
uint64_t completion_matrix_total(const struct sb_completion *c);
/* @out = @cur - @prev (a deep copy); a fresh baseline (= @cur) when anything went
 * backwards or the matrix changed shape.  Returns true for a baseline. */
bool completion_delta(const struct sb_completion *prev, const struct sb_completion *cur,
		      struct sb_completion *out);

#endif
