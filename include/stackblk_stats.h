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

/*
 * Latency histograms: log-linear buckets of nanoseconds, fio's layout with
 * SB_LAT_SUB_BITS (3) instead of its 6 bits: values below 2 * SB_LAT_SUBS
 * (16 ns) get a bucket each, and every power of two above is cut into
 * SB_LAT_SUBS (8) equal buckets.  A bucket is at most 1/8 of its lower
 * bound wide, so its midpoint is within 6.25 % of any value in it.  The
 * last bucket also holds everything from 2^SB_LAT_BUCKETS ns (18 min) up.
 *
 * SB_LAT_BUCKETS (40) log2 buckets, b holding [2^b, 2^(b+1)) ns (b0 also
 * 0), are what the fine buckets fold into: every fine bucket lies within
 * one power of two, sb_lat_fine_log2() names it.
 */
#define SB_LAT_BUCKETS		40
#define SB_LAT_SUB_BITS		3
#define SB_LAT_SUBS		8	/* 2^SB_LAT_SUB_BITS */
#define SB_LAT_FINE_BUCKETS	((SB_LAT_BUCKETS - SB_LAT_SUB_BITS + 1) * SB_LAT_SUBS)

/* Fine bucket of @ns, clamped into the last one. */
static inline unsigned int sb_lat_fine_bucket(unsigned long long ns)
{
	unsigned int msb, idx;

	if (ns < 2 * SB_LAT_SUBS)
		return ns;
	msb = 63 - __builtin_clzll(ns);
	idx = (msb - SB_LAT_SUB_BITS + 1) * SB_LAT_SUBS +
	      ((ns >> (msb - SB_LAT_SUB_BITS)) & (SB_LAT_SUBS - 1));
	return idx < SB_LAT_FINE_BUCKETS ? idx : SB_LAT_FINE_BUCKETS - 1;
}

/* Smallest value of fine bucket @idx; bucket idx holds [lo(idx), lo(idx + 1)). */
static inline unsigned long long sb_lat_fine_lo(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * SB_LAT_SUBS)
		return idx;
	shift = idx / SB_LAT_SUBS - 1;
	return (unsigned long long)(SB_LAT_SUBS + idx % SB_LAT_SUBS) << shift;
}

/* The log2 bucket (of SB_LAT_BUCKETS) that fine bucket @idx lies in. */
static inline unsigned int sb_lat_fine_log2(unsigned int idx)
{
	unsigned long long lo = sb_lat_fine_lo(idx);

	return lo < 2 ? 0 : 63 - __builtin_clzll(lo);
}

enum sb_lat_path { SB_LAT_logical, SB_LAT_physical, SB_LAT_NR_PATHS };
enum sb_lat_op {
	SB_LAT_OP_read, SB_LAT_OP_write, SB_LAT_OP_flush, SB_LAT_OP_other,
	SB_LAT_NR_OPS
};

#define SB_LAT_PATH_NAMES	{ "logical", "physical" }
#define SB_LAT_OP_NAMES		{ "read", "write", "flush", "other" }

/* Queue depth histogram: log2 buckets of the depth seen at dispatch. */
#define SB_DEPTH_BUCKETS	14	/* b holds [2^b, 2^(b+1)); 4096 is the max */

/*
 * Completion locality by NUMA node, against the submitting CPU's node: the
 * debugfs completion file's keys <kind>_same_node and <kind>_remote_node,
 * kind backing (the backing device's completion) or complete (stackblk's).
 */
#define SB_NODE_LOC_NAMES	{ "same_node", "remote_node" }

/* The affinity matrix folds CPUs into at most this many columns. */
#define SB_AFFINITY_MAX_COLS	64

#endif /* _STACKBLK_STATS_H */
