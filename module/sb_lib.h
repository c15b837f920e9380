/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of stackblk: no device, no locking, no allocation.
 * They are compiled into stackblk.ko and into the KUnit test module,
 * which calls them directly.
 */
#ifndef _STACKBLK_LIB_H
#define _STACKBLK_LIB_H

#include <linux/types.h>
#include <linux/blk_types.h>

/* Length of an rwbs string (as in the block: tracepoints), with its NUL. */
#define SB_RWBS_LEN	8

unsigned int sb_log2_bucket(u64 v, unsigned int nr_buckets);
u64 sb_hist_percentile(const u64 *buckets, unsigned int nr_buckets,
		       unsigned int per_mille);
int sb_parse_u32(const char *page, size_t count, u32 min, u32 max, u32 *out);
unsigned int sb_affinity_group(unsigned int nr_cpus);
void sb_fill_rwbs(char *rwbs, blk_opf_t opf);

#endif /* _STACKBLK_LIB_H */
