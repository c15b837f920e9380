// SPDX-License-Identifier: GPL-2.0
/* cmd_hist.c - "depth" and "latency": the debugfs histograms as bars. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "debugfs.h"
#include "device.h"
#include "fmt.h"
#include "hist.h"
#include "json.h"

static const char depth_usage[] =
"Usage: stackblk depth DEV [--json]\n"
"Per hardware context: requests in flight now, the maximum since reset, and the\n"
"histogram of the depth seen at dispatch.  Reads debugfs (root only).\n\n"
"  -j, --json   one JSON object\n"
"  -h, --help   this help\n";

static const char latency_usage[] =
"Usage: stackblk latency DEV [--json]\n"
"Latency histograms (logical: queue_rq to completion; physical: backing bio\n"
"submit to completion) per op, with p50/p99/p99.9.  Reads debugfs (root only).\n\n"
"  -j, --json   one JSON object\n"
"  -h, --help   this help\n";

/* Options, device lookup and the debugfs read shared by both commands. */
static int open_debugfs(int argc, char **argv, const char *cmd, const char *usage,
			const char *file, struct cli_dev *dev, char **text, bool *json)
{
	struct sample_opts o = { .count = -1 };
	int ret = parse_sample_opts(&argc, argv, cmd, usage, &o, false);

	if (ret >= 0)
		return ret;
	if (optind != argc - 1)
		return usage_error(cmd, optind >= argc ? "missing DEV" : "too many arguments");
	*json = o.json;
	ret = sb_dev_open(argv[optind], dev);
	if (ret)
		return ret;
	if (!strcmp(file, "latency_fine"))
		sb_note_collect();
	ret = sb_debugfs_read(dev, file, text);
	if (ret == -ENOENT && !strcmp(file, "latency_fine")) {
		file = "latency";	/* a module from before latency_fine */
		ret = sb_debugfs_read(dev, file, text);
	}
	if (ret) {
		sb_err("%s: %s: cannot read %s/stackblk/%s/%s: %s", cmd, dev->node,
		       sb_root(SB_DEBUGFS), dev->node, file, sb_debugfs_why(ret));
		return EXIT_RUNTIME;
	}
	return -1;
}

static void json_buckets(struct json *j, const uint64_t *b, int n)
{
	json_arr(j, "buckets");
	for (int i = 0; i < n; i++)
		json_u64(j, NULL, b[i]);
	json_end(j, ']');
}

static void depth_print(FILE *f, const struct cli_dev *dev, const struct sb_hctx *h, size_t n)
{
	struct table t;
	uint64_t max = 0, inflight = 0;

	for (size_t i = 0; i < n; i++) {
		inflight += h[i].inflight;
		if (h[i].max > max)
			max = h[i].max;
	}
	fprintf(f, "%s: %zu hardware context%s, %ld tags each; in flight %llu, max depth %llu\n\n",
		dev->node, n, n == 1 ? "" : "s", dev->depth, (unsigned long long)inflight,
		(unsigned long long)max);
	table_init(&t, "rrrr");
	table_cell(&t, "HCTX");
	table_cell(&t, "INFLIGHT");
	table_cell(&t, "MAX");
	table_cell(&t, "DISPATCHES");
	for (size_t i = 0; i < n; i++) {
		table_cell(&t, "%ld", h[i].id);
		table_cell(&t, "%llu", (unsigned long long)h[i].inflight);
		table_cell(&t, "%llu", (unsigned long long)h[i].max);
		table_cell(&t, "%llu",
			   (unsigned long long)hist_total(h[i].b, SB_DEPTH_BUCKETS));
	}
	table_print(&t, f);
	table_free(&t);
	for (size_t i = 0; i < n; i++) {
		if (!hist_total(h[i].b, SB_DEPTH_BUCKETS))
			continue;
		fprintf(f, "\nhctx %ld: depth at dispatch\n", h[i].id);
		hist_print(f, h[i].b, SB_DEPTH_BUCKETS, HIST_DEPTH, 0);
	}
}

static void depth_json(FILE *f, const struct cli_dev *dev, const struct sb_hctx *h, size_t n)
{
	struct json j;
	uint64_t max = 0;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "device", dev->node);
	json_i64(&j, "queue_depth", dev->depth);
	json_arr(&j, "hctx");
	for (size_t i = 0; i < n; i++) {
		json_obj(&j, NULL);
		json_i64(&j, "hctx", h[i].id);
		json_u64(&j, "inflight", h[i].inflight);
		json_u64(&j, "max", h[i].max);
		json_buckets(&j, h[i].b, SB_DEPTH_BUCKETS);
		json_end(&j, '}');
		if (h[i].max > max)
			max = h[i].max;
	}
	json_end(&j, ']');
	json_u64(&j, "max", max);
	json_end(&j, '}');
}

int cmd_depth(int argc, char **argv)
{
	struct cli_dev dev;
	struct sb_hctx *h;
	size_t n;
	char *text;
	bool json;
	int ret = open_debugfs(argc, argv, "depth", depth_usage, "hctx", &dev, &text, &json);

	if (ret >= 0)
		return ret;
	ret = parse_hctx(text, &h, &n);
	free(text);
	if (ret) {
		sb_err("depth: %s: unexpected format of debugfs hctx", dev.node);
		return EXIT_RUNTIME;
	}
	if (json)
		depth_json(stdout, &dev, h, n);
	else
		depth_print(stdout, &dev, h, n);
	free(h);
	return EXIT_OK;
}

static const double pcts[] = { 0.50, 0.99, 0.999 };
static const char *const pct_names[] = { "p50", "p99", "p999" };
#define NR_PCTS 3

static void latency_print(FILE *f, const struct cli_dev *dev, const struct sb_latency *lat)
{
	char buf[FMT_LEN];
	bool any = false;

	for (int p = 0; p < SB_NR_PATHS; p++) {
		for (int o = 0; o < SB_NR_OPS; o++) {
			const struct sb_lat_hist *h = &lat->h[p][o];
			uint64_t v, log2[SB_LAT_BUCKETS];

			if (!h->count)
				continue;
			fprintf(f, "%s%s %s %s: %llu requests, avg %s", any ? "\n" : "", dev->node,
				sb_path_names[p], sb_op_names[o], (unsigned long long)h->count,
				fmt_ns(buf, h->sum_ns / h->count));
			for (int i = 0; i < NR_PCTS; i++) {
				lat_percentile(h->b, pcts[i], &v);
				fprintf(f, ", %s %s", i == 2 ? "p99.9" : pct_names[i], fmt_ns(buf, v));
			}
			fprintf(f, "\n(ns)\n");
			lat_fold_log2(h->b, log2);
			hist_print(f, log2, SB_LAT_BUCKETS, HIST_NS, 0);
			any = true;
		}
	}
	if (!any)
		fprintf(f, "%s: no completed requests since the last reset\n", dev->node);
}

static void latency_json(FILE *f, const struct cli_dev *dev, const struct sb_latency *lat)
{
	struct json j;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "device", dev->node);
	json_arr(&j, "latency");
	for (int p = 0; p < SB_NR_PATHS; p++) {
		for (int o = 0; o < SB_NR_OPS; o++) {
			const struct sb_lat_hist *h = &lat->h[p][o];
			uint64_t v, log2[SB_LAT_BUCKETS];

			json_obj(&j, NULL);
			json_str(&j, "path", sb_path_names[p]);
			json_str(&j, "op", sb_op_names[o]);
			json_u64(&j, "count", h->count);
			json_u64(&j, "sum_ns", h->sum_ns);
			for (int i = 0; i < NR_PCTS; i++)
				if (lat_percentile(h->b, pcts[i], &v))
					json_u64(&j, pct_names[i], v);
				else
					json_null(&j, pct_names[i]);
			lat_fold_log2(h->b, log2);
			json_buckets(&j, log2, SB_LAT_BUCKETS);
			json_end(&j, '}');
		}
	}
	json_end(&j, ']');
	json_end(&j, '}');
}

int cmd_latency(int argc, char **argv)
{
	struct sb_latency lat;
	struct cli_dev dev;
	char *text;
	bool json;
	int ret = open_debugfs(argc, argv, "latency", latency_usage, "latency_fine", &dev, &text,
			       &json);

	if (ret >= 0)
		return ret;
	ret = parse_latency(text, &lat);
	free(text);
	if (ret) {
		sb_err("latency: %s: unexpected format of debugfs latency", dev.node);
		return EXIT_RUNTIME;
	}
	if (json)
		latency_json(stdout, &dev, &lat);
	else
		latency_print(stdout, &dev, &lat);
	return EXIT_OK;
}
