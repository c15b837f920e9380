// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU statistics, following dm-stats: every CPU increments only its own
 * copy, readers sum over all possible CPUs.  Counters only grow; "reset"
 * takes a snapshot (the baseline) that readers subtract, so a reset never
 * writes another CPU's counters and no reader ever sees a torn value.
 *
 * Memory per device: sizeof(struct sb_pcpu_stats) + 2 * aff_cols * 8 bytes
 * per possible CPU (about 19.5 KiB + 1 KiB with 64 columns, the 4 NUMA node
 * locality counters 32 B of it; the log-linear
 * latency histograms are 2 paths x 4 ops x 304 buckets, 19 KiB of it), and
 * one baseline of the summed layout (19.5 KiB + aff_cols^2 * 8 bytes, at
 * most 52 KiB).
 * The affinity matrix never has more than SB_AFFINITY_MAX_COLS columns: on
 * machines with more CPUs, consecutive CPUs are folded into one row and
 * column (sb_affinity_group()); the same/shared/remote totals and the
 * same/remote node totals stay exact.
 */
#include <linux/bio.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/sched/topology.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "stackblk.h"
#include "sb_lib.h"

/* collect=0 (main.c) switches timing and locality off; counters stay. */
DEFINE_STATIC_KEY_TRUE(sb_collect);

/* physical_X is logical_X's counter in the physical half of the list. */
#define SB_STAT_PHYS_OFF (SB_STAT_physical_read_ios - SB_STAT_logical_read_ios)

/**
 * sb_count_io - count one I/O on this CPU
 * @dev: the device
 * @physical: a backing bio (else a request received)
 * @op: its op; an empty PREFLUSH bio counts as REQ_OP_FLUSH
 * @bytes: its size (none for a flush)
 *
 * include/stackblk_counters.h lays out the logical and the physical
 * counters alike, each op's bytes right after its ios: checked here at
 * build time.
 */
void sb_count_io(struct sb_dev *dev, bool physical, enum req_op op,
		 unsigned int bytes)
{
	struct sb_pcpu_stats __percpu *st = dev->stats;
	enum stackblk_stat i;

#define SB_CHECK_PAIR(o)						\
	BUILD_BUG_ON(SB_STAT_physical_##o##_ios - SB_STAT_logical_##o##_ios != \
		     SB_STAT_PHYS_OFF ||					\
		     SB_STAT_logical_##o##_bytes != SB_STAT_logical_##o##_ios + 1 || \
		     SB_STAT_physical_##o##_bytes != SB_STAT_physical_##o##_ios + 1)
	SB_CHECK_PAIR(read);
	SB_CHECK_PAIR(write);
	SB_CHECK_PAIR(discard);
	SB_CHECK_PAIR(write_zeroes);
#undef SB_CHECK_PAIR
	BUILD_BUG_ON(SB_STAT_physical_flush_ios - SB_STAT_logical_flush_ios !=
		     SB_STAT_PHYS_OFF);

	switch (op) {
	case REQ_OP_READ:
		i = SB_STAT_logical_read_ios;
		break;
	case REQ_OP_WRITE:
		i = SB_STAT_logical_write_ios;
		break;
	case REQ_OP_FLUSH:
		i = SB_STAT_logical_flush_ios;
		break;
	case REQ_OP_DISCARD:
		i = SB_STAT_logical_discard_ios;
		break;
	case REQ_OP_WRITE_ZEROES:
		i = SB_STAT_logical_write_zeroes_ios;
		break;
	default:
		return;
	}
	if (physical)
		i += SB_STAT_PHYS_OFF;
	this_cpu_inc(st->ctr[i]);
	if (op != REQ_OP_FLUSH)
		this_cpu_add(st->ctr[i + 1], bytes);
}

/* A backing bio, as it is submitted: physical counters. */
void sb_count_physical(struct sb_dev *dev, struct bio *bio)
{
	unsigned int bytes = bio->bi_iter.bi_size;
	enum req_op op = bio_op(bio);

	if (op == REQ_OP_WRITE && !bytes)	/* empty PREFLUSH */
		op = REQ_OP_FLUSH;
	sb_count_io(dev, true, op, bytes);
}

size_t sb_stats_sum_size(const struct sb_dev *dev)
{
	return struct_size_t(struct sb_stats_sum, matrix,
			     (size_t)dev->aff_cols * dev->aff_cols);
}

int sb_stats_alloc(struct sb_dev *dev)
{
	size_t pcpu_size;

	dev->aff_group = sb_affinity_group(nr_cpu_ids);
	dev->aff_cols = DIV_ROUND_UP(nr_cpu_ids, dev->aff_group);
	pcpu_size = struct_size_t(struct sb_pcpu_stats, matrix,
				  2 * dev->aff_cols);
	/* the percpu allocator's limit for one area */
	BUILD_BUG_ON(struct_size_t(struct sb_pcpu_stats, matrix,
				   2 * SB_AFFINITY_MAX_COLS) > PCPU_MIN_UNIT_SIZE);

	dev->stats = __alloc_percpu(pcpu_size, __alignof__(u64));
	if (!dev->stats)
		return -ENOMEM;
	dev->base = kvzalloc(sb_stats_sum_size(dev), GFP_KERNEL);
	if (!dev->base) {
		free_percpu(dev->stats);
		dev->stats = NULL;
		return -ENOMEM;
	}
	mutex_init(&dev->stats_lock);
	return 0;
}

void sb_stats_free(struct sb_dev *dev)
{
	kvfree(dev->base);
	free_percpu(dev->stats);
	mutex_destroy(&dev->stats_lock);
}

static u64 sb_stat_sum(struct sb_dev *dev, enum stackblk_stat idx)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(dev->stats, cpu)->ctr[idx]);
	return sum;
}

/*
 * One counter since the last reset.  Under stats_lock, as a reset computes
 * and publishes the baseline: unlocked, a reset between the sum and the
 * baseline read would give a baseline above the sum, and a value near 2^64.
 * Process context only (sysfs show).
 */
u64 sb_stat_read(struct sb_dev *dev, enum stackblk_stat idx)
{
	u64 v;

	mutex_lock(&dev->stats_lock);
	v = sb_stat_sum(dev, idx) - dev->base->ctr[idx];
	mutex_unlock(&dev->stats_lock);
	return v;
}

/* Raw sums over CPUs, not yet minus the baseline.  Caller holds stats_lock. */
static void sb_stats_sum_raw(struct sb_dev *dev, struct sb_stats_sum *sum)
{
	unsigned int ncols = dev->aff_cols, i;
	int cpu;

	memset(sum, 0, sb_stats_sum_size(dev));
	for_each_possible_cpu(cpu) {
		const struct sb_pcpu_stats *p = per_cpu_ptr(dev->stats, cpu);
		const u64 *src = &p->ctr[0];
		u64 *dst = &sum->ctr[0];
		unsigned int row = cpu / dev->aff_group;
		/* ctr, lat, lat_sum and loc are laid out alike in both */
		size_t n = offsetof(struct sb_pcpu_stats, matrix) / sizeof(u64);

		for (i = 0; i < n; i++)
			dst[i] += READ_ONCE(src[i]);
		/*
		 * sum is [submit][backing]; p's first row is cpu's as the
		 * backing CPU, its second cpu's as the submitting CPU
		 */
		for (i = 0; i < ncols; i++) {
			sum->matrix[i * ncols + row] += READ_ONCE(p->matrix[i]);
			sum->matrix[row * ncols + i] +=
				READ_ONCE(p->matrix[ncols + i]);
		}
	}
}

/**
 * sb_stats_snapshot - sums since the last reset
 * @dev: the device
 *
 * Returns a kvmalloc'ed struct sb_stats_sum (free with kvfree()) or NULL.
 */
struct sb_stats_sum *sb_stats_snapshot(struct sb_dev *dev)
{
	size_t size = sb_stats_sum_size(dev), i;
	struct sb_stats_sum *sum;
	const u64 *b;
	u64 *s;

	sum = kvmalloc(size, GFP_KERNEL);
	if (!sum)
		return NULL;
	mutex_lock(&dev->stats_lock);
	sb_stats_sum_raw(dev, sum);
	s = (u64 *)sum;
	b = (const u64 *)dev->base;
	for (i = 0; i < size / sizeof(u64); i++)
		s[i] -= b[i];
	mutex_unlock(&dev->stats_lock);
	return sum;
}

int sb_stats_reset(struct sb_dev *dev)
{
	size_t n = sb_stats_sum_size(dev) / sizeof(u64), j;
	u64 *dst = (u64 *)dev->base;
	struct sb_stats_sum *sum;
	const u64 *src;
	unsigned int i;

	sum = kvmalloc(sb_stats_sum_size(dev), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	mutex_lock(&dev->stats_lock);
	sb_stats_sum_raw(dev, sum);
	/* Publish each baseline word whole: readers never see a torn value. */
	src = (const u64 *)sum;
	for (j = 0; j < n; j++)
		WRITE_ONCE(dst[j], src[j]);
	for (i = 0; i < dev->nr_queues; i++) {
		struct sb_queue *sq = &dev->queues[i];
		unsigned int b;

		atomic_set(&sq->max, atomic_read(&sq->inflight));
		for (b = 0; b < SB_DEPTH_BUCKETS; b++)
			atomic_long_set(&sq->hist[b], 0);
	}
	mutex_unlock(&dev->stats_lock);
	kvfree(sum);
	return 0;
}

unsigned int sb_inflight(struct sb_dev *dev)
{
	unsigned int i, n = 0;

	for (i = 0; i < dev->nr_queues; i++)
		n += max(atomic_read(&dev->queues[i].inflight), 0);
	return n;
}

unsigned int sb_inflight_max(struct sb_dev *dev)
{
	unsigned int i, m = 0;

	for (i = 0; i < dev->nr_queues; i++)
		m = max_t(unsigned int, m, atomic_read(&dev->queues[i].max));
	return m;
}

enum sb_locality sb_cpu_locality(int a, int b)
{
	if (a == b)
		return SB_LOC_SAME;
	if (sb_cpus_share_cache(a, b))
		return SB_LOC_SHARED;
	return SB_LOC_REMOTE;
}

/**
 * sb_count_locality - count where a completion ran, on this CPU
 * @dev: the device
 * @kind: the backing device's completion or stackblk's
 * @submit: the CPU that submitted the request
 * @cpu: this CPU, where the completion runs
 *
 * Counts it by CPU (same, shared cache, remote) and by NUMA node (same,
 * remote), in this CPU's counters only.
 */
void sb_count_locality(struct sb_dev *dev, enum sb_loc_kind kind, int submit,
		       int cpu)
{
	struct sb_pcpu_stats __percpu *st = dev->stats;
	enum sb_node_locality n = cpu_to_node(submit) == cpu_to_node(cpu) ?
				  SB_NODE_SAME : SB_NODE_REMOTE;

	this_cpu_inc(st->loc[kind][sb_cpu_locality(submit, cpu)]);
	this_cpu_inc(st->node_loc[kind][n]);
}
