/* SPDX-License-Identifier: GPL-2.0 */
/* hist.h - log2 histograms: percentiles and bpftrace-style bars. */
#ifndef SB_HIST_H
#define SB_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

uint64_t hist_total(const uint64_t *b, int n);
/*
 * Percentile @p (0 < p <= 1) of log2 histogram @b: the upper bound (2^(i+1))
 * of the first bucket where the cumulative count reaches p * total.
 * Returns false (and *v = 0) for an empty histogram.
 */
bool hist_percentile(const uint64_t *b, int n, double p, uint64_t *v);

enum hist_kind {
	HIST_DEPTH,	/* bucket i = [2^i, 2^(i+1)): bucket 0 prints as [1] */
	HIST_NS,	/* bucket i = [2^i, 2^(i+1)) ns, bucket 0 = [0, 2) */
};
/* Bucket label like bpftrace: "[1]", "[2, 4)", "[1K, 2K)". */
void hist_label(char *buf, size_t n, enum hist_kind kind, int i);
/* Print the non-empty bucket range as bars; @indent spaces before each line. */
void hist_print(FILE *f, const uint64_t *b, int n, enum hist_kind kind, int indent);

#endif
