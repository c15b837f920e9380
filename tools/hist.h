/* SPDX-License-Identifier: GPL-2.0 */
/* hist.h - histograms: latency percentiles, and bpftrace-style log2 bars. */
#ifndef SB_HIST_H
#define SB_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

uint64_t hist_total(const uint64_t *b, int n);
/*
 * Percentile @p (0 < p <= 1) of the SB_LAT_FINE_BUCKETS latency buckets @b:
 * the midpoint of the first bucket where the cumulative count reaches
 * p * total, as fio reports its own (within 6.25 % of every value in the
 * bucket).  Returns false (and *v = 0) for an empty histogram.
 */
bool lat_percentile(const uint64_t *b, double p, uint64_t *v);
/* Sum the fine buckets @b into SB_LAT_BUCKETS log2 ones (debugfs latency's). */
void lat_fold_log2(const uint64_t *b, uint64_t *log2);

enum hist_kind {
	HIST_DEPTH,	/* bucket i = [2^i, 2^(i+1)): bucket 0 prints as [1] */
	HIST_NS,	/* bucket i = [2^i, 2^(i+1)) ns, bucket 0 = [0, 2) */
};
/* Bucket label like bpftrace: "[1]", "[2, 4)", "[1K, 2K)". */
void hist_label(char *buf, size_t n, enum hist_kind kind, int i);
/* Print the non-empty bucket range as bars; @indent spaces before each line. */
void hist_print(FILE *f, const uint64_t *b, int n, enum hist_kind kind, int indent);

#endif
