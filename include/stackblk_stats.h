/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * stackblk_stats.h - counter indexes and histogram shapes, shared by the
 * kernel module (module/) and the userspace CLI (tools/).  The names
 * themselves are listed once, in stackblk_counters.h.
 */
#ifndef _STACKBLK_STATS_H
#define _STACKBLK_STATS_H

#define SB_COUNTER(name, ...) SB_STAT_##name,
enum stackblk_stat {
#include "stackblk_counters.h"
	SB_NR_STATS
};

#define SB_COUNTER(...)
#define SB_GAUGE(name, ...) SB_GAUGE_##name,
enum stackblk_gauge {
#include "stackblk_counters.h"
	SB_NR_GAUGES
};

/* Latency histograms: log2 buckets of nanoseconds. */
#define SB_LAT_BUCKETS		40	/* b holds [2^b, 2^(b+1)) ns; b0 also 0 */

enum sb_lat_path { SB_LAT_logical, SB_LAT_physical, SB_LAT_NR_PATHS };
enum sb_lat_op {
	SB_LAT_OP_read, SB_LAT_OP_write, SB_LAT_OP_flush, SB_LAT_OP_other,
	SB_LAT_NR_OPS
};

#define SB_LAT_PATH_NAMES	{ "logical", "physical" }
#define SB_LAT_OP_NAMES		{ "read", "write", "flush", "other" }

/* Queue depth histogram: log2 buckets of the depth seen at dispatch. */
#define SB_DEPTH_BUCKETS	14	/* b holds [2^b, 2^(b+1)); 4096 is the max */

/* The affinity matrix folds CPUs into at most this many columns. */
#define SB_AFFINITY_MAX_COLS	64

#endif /* _STACKBLK_STATS_H */
