// SPDX-License-Identifier: GPL-2.0
/* hist.c - histograms: latency percentiles, and bpftrace-style log2 bars. */
#include "hist.h"

#include <string.h>

#include "stackblk_stats.h"

#define BAR_WIDTH 52

uint64_t hist_total(const uint64_t *b, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		t += b[i];
	return t;
}

bool lat_percentile(const uint64_t *b, double p, uint64_t *v)
{
	uint64_t total = hist_total(b, SB_LAT_FINE_BUCKETS), cum = 0;
	double target = p * (double)total;
	int i;

	*v = 0;
	if (!total)
		return false;
	for (i = 0; i < SB_LAT_FINE_BUCKETS - 1; i++) {
		cum += b[i];
		if (cum && (double)cum >= target)
			break;
	}
	*v = sb_lat_fine_lo(i) + (sb_lat_fine_lo(i + 1) - sb_lat_fine_lo(i)) / 2;
	return true;
}

void lat_fold_log2(const uint64_t *b, uint64_t *log2)
{
	memset(log2, 0, SB_LAT_BUCKETS * sizeof(*log2));
	for (unsigned int i = 0; i < SB_LAT_FINE_BUCKETS; i++)
		log2[sb_lat_fine_log2(i)] += b[i];
}

/* 2^e with a binary suffix, like bpftrace: 512, 1K, 2M. */
static void pow2_str(char *buf, size_t n, int e)
{
	static const char suffix[] = " KMGTPE";
	int s = e / 10;

	snprintf(buf, n, "%llu%.*s", 1ull << (e - 10 * s), s ? 1 : 0, &suffix[s]);
}

void hist_label(char *buf, size_t n, enum hist_kind kind, int i)
{
	char lo[24], hi[24];

	if (kind == HIST_DEPTH && i == 0) {
		snprintf(buf, n, "[1]");
		return;
	}
	if (kind == HIST_NS && i == 0)
		snprintf(lo, sizeof(lo), "0");
	else
		pow2_str(lo, sizeof(lo), i);
	pow2_str(hi, sizeof(hi), i + 1);
	snprintf(buf, n, "[%s, %s)", lo, hi);
}

void hist_print(FILE *f, const uint64_t *b, int n, enum hist_kind kind, int indent)
{
	int first = -1, last = -1, width = 0;
	uint64_t max = 0;
	char label[40], bar[BAR_WIDTH + 1];

	for (int i = 0; i < n; i++) {
		if (!b[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (b[i] > max)
			max = b[i];
	}
	if (first < 0) {
		fprintf(f, "%*s(empty)\n", indent, "");
		return;
	}
	for (int i = first; i <= last; i++) {
		hist_label(label, sizeof(label), kind, i);
		if ((int)strlen(label) > width)
			width = (int)strlen(label);
	}
	for (int i = first; i <= last; i++) {
		int len = (int)((double)b[i] * BAR_WIDTH / (double)max);

		hist_label(label, sizeof(label), kind, i);
		memset(bar, '@', len);
		memset(bar + len, ' ', BAR_WIDTH - len);
		bar[BAR_WIDTH] = '\0';
		fprintf(f, "%*s%-*s %8llu |%s|\n", indent, "", width, label,
			(unsigned long long)b[i], bar);
	}
}
