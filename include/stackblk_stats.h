/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * stackblk_stats.h - the one list of stackblk counter names.
 *
 * Shared by the kernel module (module/) and the userspace CLI (tools/).
 * Each counter is one file in /sys/block/stackblkN/stackblk/stats/ holding a
 * decimal u64.  The order of this list is also the column order of the
 * debugfs "counters" table.  Add new counters at the end; never rename one.
 *
 * X(name, kind, unit, description)
 *   kind: LOGICAL   - what stackblk received from the block layer
 *         PHYSICAL  - what stackblk submitted to the backing device
 *         ATTRIB    - why physical differs from logical (stage attribution)
 *         OUTCOME   - errors and depth gauges
 *   unit: ios, bytes or requests
 */
#ifndef _STACKBLK_STATS_H
#define _STACKBLK_STATS_H

#define STACKBLK_COUNTERS(X)						\
	X(logical_read_ios,		LOGICAL,  ios,   "read requests received")		\
	X(logical_read_bytes,		LOGICAL,  bytes, "bytes of read requests received")	\
	X(logical_write_ios,		LOGICAL,  ios,   "write requests received")		\
	X(logical_write_bytes,		LOGICAL,  bytes, "bytes of write requests received")	\
	X(logical_flush_ios,		LOGICAL,  ios,   "flush requests received")		\
	X(logical_discard_ios,		LOGICAL,  ios,   "discard requests received")		\
	X(logical_discard_bytes,	LOGICAL,  bytes, "bytes of discard requests received")	\
	X(logical_write_zeroes_ios,	LOGICAL,  ios,   "write-zeroes requests received")	\
	X(logical_write_zeroes_bytes,	LOGICAL,  bytes, "bytes of write-zeroes requests received") \
	X(physical_read_ios,		PHYSICAL, ios,   "read bios submitted to the backing device") \
	X(physical_read_bytes,		PHYSICAL, bytes, "bytes read from the backing device")	\
	X(physical_write_ios,		PHYSICAL, ios,   "write bios submitted to the backing device") \
	X(physical_write_bytes,		PHYSICAL, bytes, "bytes written to the backing device")	\
	X(physical_flush_ios,		PHYSICAL, ios,   "empty flush bios submitted to the backing device") \
	X(physical_discard_ios,		PHYSICAL, ios,   "discard bios submitted to the backing device") \
	X(physical_discard_bytes,	PHYSICAL, bytes, "bytes discarded on the backing device") \
	X(physical_write_zeroes_ios,	PHYSICAL, ios,   "write-zeroes bios submitted to the backing device") \
	X(physical_write_zeroes_bytes,	PHYSICAL, bytes, "bytes zeroed on the backing device")	\
	X(merged_ios,			ATTRIB,   ios,   "requests absorbed into another request's backing I/O") \
	X(split_ios,			ATTRIB,   ios,   "extra backing I/Os created by splitting") \
	X(rmw_ios,			ATTRIB,   ios,   "read-modify-write cycles")		\
	X(rmw_read_bytes,		ATTRIB,   bytes, "bytes read by read-modify-write cycles") \
	X(errors,			OUTCOME,  requests, "requests completed with an error")

/* Gauges: not per-CPU sums, computed from the per-hctx depth state. */
#define STACKBLK_GAUGES(X)						\
	X(inflight,			OUTCOME,  requests, "requests in flight now, whole device") \
	X(inflight_max,			OUTCOME,  requests, "largest depth reached by any hardware context since reset")

#define STACKBLK_X_ENUM(name, kind, unit, desc) SB_STAT_##name,
enum stackblk_stat {
	STACKBLK_COUNTERS(STACKBLK_X_ENUM)
	SB_NR_STATS
};

#undef STACKBLK_X_ENUM

/* Latency histograms: log2 buckets of nanoseconds. */
#define SB_LAT_BUCKETS		40	/* bucket b holds [2^b, 2^(b+1)) ns; 0 holds [0, 2) */

#define STACKBLK_LAT_PATHS(X)	X(logical) X(physical)
#define STACKBLK_LAT_OPS(X)	X(read) X(write) X(flush) X(other)

/* Queue depth histogram: log2 buckets of the depth sampled at dispatch. */
#define SB_DEPTH_BUCKETS	14	/* bucket b holds depth [2^b, 2^(b+1)); 4096 is the max depth */

/* The affinity matrix folds CPUs into at most this many columns. */
#define SB_AFFINITY_MAX_COLS	64

#endif /* _STACKBLK_STATS_H */
