// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of stackblk: histogram bucketing and percentiles, number
 * parsing for configfs, affinity matrix folding and rwbs strings.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/blkdev.h>

#include "stackblk_stats.h"
#include "sb_lib.h"

/**
 * sb_log2_bucket - log2 histogram bucket of a value
 * @v: the value (nanoseconds, a queue depth, ...)
 * @nr_buckets: number of buckets, at least 1
 *
 * Bucket b holds [2^b, 2^(b+1)); 0 and 1 both land in bucket 0.  Values
 * beyond the last bucket are clamped into it.
 */
unsigned int sb_log2_bucket(u64 v, unsigned int nr_buckets)
{
	unsigned int b = v ? ilog2(v) : 0;

	return min(b, nr_buckets - 1);
}

/**
 * sb_hist_percentile - upper bound of the bucket holding a percentile
 * @buckets: log2 histogram as built by sb_log2_bucket()
 * @nr_buckets: its length
 * @per_mille: the percentile in thousandths (500 = p50, 999 = p99.9)
 *
 * Returns 2^(b+1) for the first bucket b at which the cumulative count
 * reaches @per_mille/1000 of the total, or 0 for an empty histogram.
 */
u64 sb_hist_percentile(const u64 *buckets, unsigned int nr_buckets,
		       unsigned int per_mille)
{
	u64 total = 0, seen = 0, want;
	unsigned int b;

	for (b = 0; b < nr_buckets; b++)
		total += buckets[b];
	if (!total)
		return 0;

	/* want = ceil(total * per_mille / 1000), at least 1 */
	want = div_u64(total * min(per_mille, 1000U) + 999, 1000);
	if (!want)
		want = 1;

	for (b = 0; b < nr_buckets; b++) {
		seen += buckets[b];
		if (seen >= want)
			break;
	}
	b = min(b, nr_buckets - 1);
	return b >= 63 ? U64_MAX : 1ULL << (b + 1);
}

/**
 * sb_parse_u32 - parse a configfs/sysfs decimal value within bounds
 * @page: the written buffer (need not be NUL terminated)
 * @count: its length
 * @min: smallest accepted value
 * @max: largest accepted value
 * @out: where the value goes; untouched on error
 *
 * Accepts what kstrtou32() accepts, with one trailing newline.  Returns 0,
 * or -EINVAL for an empty, malformed, overlong or out-of-range value.
 */
int sb_parse_u32(const char *page, size_t count, u32 min, u32 max, u32 *out)
{
	char buf[24];
	u32 v;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, page, count);
	buf[count] = '\0';
	if (strlen(buf) != count)	/* embedded NUL */
		return -EINVAL;
	if (kstrtou32(buf, 10, &v))
		return -EINVAL;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * sb_affinity_group - CPUs folded into one row/column of the affinity matrix
 * @nr_cpus: nr_cpu_ids
 *
 * The matrix keeps at most SB_AFFINITY_MAX_COLS columns, so its memory is
 * bounded by nr_possible_cpus * SB_AFFINITY_MAX_COLS counters.
 */
unsigned int sb_affinity_group(unsigned int nr_cpus)
{
	return max(1U, DIV_ROUND_UP(nr_cpus, SB_AFFINITY_MAX_COLS));
}

/**
 * sb_fill_rwbs - describe an operation as the block: tracepoints do
 * @rwbs: at least SB_RWBS_LEN bytes
 * @opf: operation and flags
 *
 * F = preflush, then one of W/R/D/Z/N (write, read, discard, write zeroes,
 * none), then F = FUA, A = readahead, S = sync, M = meta.
 */
void sb_fill_rwbs(char *rwbs, blk_opf_t opf)
{
	int i = 0;

	if (opf & REQ_PREFLUSH)
		rwbs[i++] = 'F';

	switch (opf & REQ_OP_MASK) {
	case REQ_OP_WRITE:
		rwbs[i++] = 'W';
		break;
	case REQ_OP_DISCARD:
		rwbs[i++] = 'D';
		break;
	case REQ_OP_SECURE_ERASE:
		rwbs[i++] = 'D';
		rwbs[i++] = 'E';
		break;
	case REQ_OP_FLUSH:
		rwbs[i++] = 'F';
		break;
	case REQ_OP_READ:
		rwbs[i++] = 'R';
		break;
	case REQ_OP_WRITE_ZEROES:
		rwbs[i++] = 'Z';
		break;
	default:
		rwbs[i++] = 'N';
	}

	if (opf & REQ_FUA)
		rwbs[i++] = 'F';
	if (opf & REQ_RAHEAD)
		rwbs[i++] = 'A';
	if (opf & REQ_SYNC)
		rwbs[i++] = 'S';
	if (opf & REQ_META)
		rwbs[i++] = 'M';

	rwbs[i] = '\0';
}
