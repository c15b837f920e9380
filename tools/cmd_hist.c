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
#include "sample.h"

static const char depth_usage[] =
"Usage: stackblk depth DEV [interval [count]] [-i SECONDS [-c COUNT]] [-t] [--json]\n"
"Per hardware context: requests in flight now, the maximum since reset, and the\n"
"histogram of the depth seen at dispatch.  Reads debugfs (root only).  With an\n"
"interval: the dispatches of each interval (as iostat: stat 1 10).\n\n"
"  -i, --interval SECONDS   report each interval's histograms every SECONDS\n"
"  -c, --count COUNT        stop after COUNT reports\n"
"  -t, --timestamp          print the local time before each report\n"
"  -j, --json               one JSON object per report (NDJSON)\n"
"  -h, --help               this help\n";

static const char latency_usage[] =
"Usage: stackblk latency DEV [interval [count]] [-i SECONDS [-c COUNT]] [-t] [--json]\n"
"Latency histograms (logical: queue_rq to completion; physical: backing bio\n"
"submit to completion) per op, with p50/p99/p99.9.  Reads debugfs (root only).\n"
"With an interval: the histograms of each interval's completions.\n\n"
"  -i, --interval SECONDS   report each interval's histograms every SECONDS\n"
"  -c, --count COUNT        stop after COUNT reports\n"
"  -t, --timestamp          print the local time before each report\n"
"  -j, --json               one JSON object per report (NDJSON)\n"
"  -h, --help               this help\n";

/* Read debugfs @file of @dev (latency_fine, or latency from an older module). */
static int read_debugfs(const char *cmd, const struct cli_dev *dev, const char *file, char **text)
{
	int ret = sb_debugfs_read(dev, file, text);

	if (ret == -ENOENT && !strcmp(file, "latency_fine")) {
		file = "latency";	/* a module from before latency_fine */
		ret = sb_debugfs_read(dev, file, text);
	}
	if (ret)
		sb_err("%s: %s: cannot read %s/stackblk/%s/%s: %s", cmd, dev->node,
		       sb_root(SB_DEBUGFS), dev->node, file, sb_debugfs_why(ret));
	return ret;
}

/*
 * What depth and latency differ in: the debugfs file, its parsed sample, the
 * interval delta (true when a counter went backwards: reset meanwhile) and
 * the report.
 */
struct hist_kind_ops {
	const char *cmd, *usage, *file;
	size_t size;						/* of a sample */
	int (*parse)(const char *text, void *sample);
	bool (*delta)(const void *prev, const void *cur, void *out);
	void (*show)(FILE *f, const struct cli_dev *dev, const void *sample,
		     const struct sample_opts *o, bool reset);
	void (*free)(void *sample);
};

/* Take one sample: an exit status on failure, else -1. */
static int hist_take(const struct hist_kind_ops *k, const struct cli_dev *dev, void *sample)
{
	char *text;
	int ret = read_debugfs(k->cmd, dev, k->file, &text);

	if (ret)
		return EXIT_RUNTIME;
	ret = k->parse(text, sample);
	free(text);
	if (ret) {
		sb_err("%s: %s: unexpected format of debugfs %s", k->cmd, dev->node, k->file);
		return EXIT_RUNTIME;
	}
	return -1;
}

/* Totals since the last reset, or [interval [count]] reports of deltas. */
static int hist_run(const struct hist_kind_ops *k, int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	void *prev = xcalloc(3, k->size), *cur = (char *)prev + k->size;
	void *delta = (char *)cur + k->size;
	struct cli_dev dev;
	bool reset;
	int ret = parse_sample_opts(&argc, argv, k->cmd, k->usage, &o, true);

	if (ret >= 0)
		goto out;
	ret = EXIT_USAGE;
	if (optind != argc - 1) {
		usage_error(k->cmd, optind >= argc ? "missing DEV" : "too many arguments");
		goto out;
	}
	ret = sb_dev_open(argv[optind], &dev);
	if (ret)
		goto out;
	if (!strcmp(k->file, "latency_fine"))
		sb_note_collect();
	ret = hist_take(k, &dev, cur);
	if (ret >= 0)
		goto out;
	if (o.interval <= 0) {
		k->show(stdout, &dev, cur, &o, false);
		k->free(cur);
		ret = EXIT_OK;
		goto out;
	}
	for (long r = 1; o.count < 0 || r <= o.count; r++) {
		sleep_seconds(o.interval);
		memcpy(prev, cur, k->size);
		ret = hist_take(k, &dev, cur);
		if (ret >= 0) {
			memcpy(cur, prev, k->size);	/* freed below */
			break;
		}
		reset = k->delta(prev, cur, delta);
		if (r > 1 && !o.json)
			putchar('\n');
		k->show(stdout, &dev, delta, &o, reset);
		fflush(stdout);
		k->free(delta);
		k->free(prev);
	}
	k->free(cur);
	if (ret < 0)
		ret = EXIT_OK;
out:
	free(prev);
	return ret;
}

/* The keys every report's JSON object starts with. */
static void json_report_head(struct json *j, const struct cli_dev *dev,
			     const struct sample_opts *o, bool reset)
{
	json_obj(j, NULL);
	json_str(j, "version", STACKBLK_VERSION);
	json_num(j, "time", now_wall());
	json_str(j, "device", dev->node);
	if (o->interval > 0)
		json_num(j, "interval", o->interval);
	else
		json_null(j, "interval");
	json_bool(j, "reset", reset);
}

/* The text report's first lines: -t's time, and what the numbers count. */
static void print_report_head(FILE *f, const struct cli_dev *dev, const struct sample_opts *o,
			      bool reset)
{
	if (o->timestamp)
		print_timestamp();
	if (o->interval > 0)
		fprintf(f, "%s: interval %gs%s\n", dev->node, o->interval,
			reset ? "  * counters were reset in this interval: counts from the reset" : "");
}

static void json_buckets(struct json *j, const uint64_t *b, int n)
{
	json_arr(j, "buckets");
	for (int i = 0; i < n; i++)
		json_u64(j, NULL, b[i]);
	json_end(j, ']');
}

/* A depth sample: the hctx of debugfs hctx. */
struct depth_sample {
	struct sb_hctx *h;
	size_t n;
};

static int depth_parse(const char *text, void *sample)
{
	struct depth_sample *d = sample;

	return parse_hctx(text, &d->h, &d->n);
}

/* Dispatches per bucket are deltas; in flight and max are as sampled. */
static bool depth_delta(const void *prev, const void *cur, void *out)
{
	const struct depth_sample *p = prev, *c = cur;
	struct depth_sample *d = out;
	bool reset = p->n != c->n;

	d->n = c->n;
	d->h = xcalloc(c->n, sizeof(*d->h));
	memcpy(d->h, c->h, c->n * sizeof(*d->h));
	for (size_t i = 0; i < c->n && !reset; i++)
		reset = u64_delta(p->h[i].b, c->h[i].b, d->h[i].b, SB_DEPTH_BUCKETS);
	if (reset)	/* a fresh baseline, as u64_delta() makes one */
		memcpy(d->h, c->h, c->n * sizeof(*d->h));
	return reset;
}

static void depth_free(void *sample)
{
	free(((struct depth_sample *)sample)->h);
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

static void depth_json(FILE *f, const struct cli_dev *dev, const struct sb_hctx *h, size_t n,
		       const struct sample_opts *o, bool reset)
{
	struct json j;
	uint64_t max = 0;

	json_init(&j, f);
	json_report_head(&j, dev, o, reset);
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

static void depth_show(FILE *f, const struct cli_dev *dev, const void *sample,
		       const struct sample_opts *o, bool reset)
{
	const struct depth_sample *d = sample;

	if (o->json) {
		depth_json(f, dev, d->h, d->n, o, reset);
		return;
	}
	print_report_head(f, dev, o, reset);
	depth_print(f, dev, d->h, d->n);
}

int cmd_depth(int argc, char **argv)
{
	static const struct hist_kind_ops ops = {
		.cmd = "depth", .usage = depth_usage, .file = "hctx",
		.size = sizeof(struct depth_sample), .parse = depth_parse,
		.delta = depth_delta, .show = depth_show, .free = depth_free,
	};

	return hist_run(&ops, argc, argv);
}

static void latency_print(FILE *f, const struct cli_dev *dev, const struct sb_latency *lat,
			  double interval)
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
			for (int i = 0; i < METRICS_NR_PCTS; i++) {
				lat_percentile(h->b, metrics_pcts[i], &v);
				fprintf(f, ", %s %s", i == 2 ? "p99.9" : metrics_pct_keys[i],
					fmt_ns(buf, v));
			}
			fprintf(f, "\n(ns)\n");
			lat_fold_log2(h->b, log2);
			hist_print(f, log2, SB_LAT_BUCKETS, HIST_NS, 0);
			any = true;
		}
	}
	if (!any)
		fprintf(f, "%s: no completed requests %s\n", dev->node,
			interval > 0 ? "in this interval" : "since the last reset");
}

static void latency_json(FILE *f, const struct cli_dev *dev, const struct sb_latency *lat,
			 const struct sample_opts *o, bool reset)
{
	struct json j;

	json_init(&j, f);
	json_report_head(&j, dev, o, reset);
	json_arr(&j, "latency");
	for (int p = 0; p < SB_NR_PATHS; p++) {
		for (int op = 0; op < SB_NR_OPS; op++) {
			const struct sb_lat_hist *h = &lat->h[p][op];
			uint64_t v, log2[SB_LAT_BUCKETS];

			json_obj(&j, NULL);
			json_str(&j, "path", sb_path_names[p]);
			json_str(&j, "op", sb_op_names[op]);
			json_u64(&j, "count", h->count);
			json_u64(&j, "sum_ns", h->sum_ns);
			for (int i = 0; i < METRICS_NR_PCTS; i++)
				if (lat_percentile(h->b, metrics_pcts[i], &v))
					json_u64(&j, metrics_pct_keys[i], v);
				else
					json_null(&j, metrics_pct_keys[i]);
			lat_fold_log2(h->b, log2);
			json_buckets(&j, log2, SB_LAT_BUCKETS);
			json_end(&j, '}');
		}
	}
	json_end(&j, ']');
	json_end(&j, '}');
}

static int latency_parse(const char *text, void *sample)
{
	return parse_latency(text, sample);
}

/* struct sb_latency is an array of u64 (sample.c): counts, sums and buckets. */
static bool latency_delta(const void *prev, const void *cur, void *out)
{
	return u64_delta(prev, cur, out, sizeof(struct sb_latency) / sizeof(uint64_t));
}

static void latency_free(void *sample)
{
	(void)sample;
}

static void latency_show(FILE *f, const struct cli_dev *dev, const void *sample,
			 const struct sample_opts *o, bool reset)
{
	if (o->json) {
		latency_json(f, dev, sample, o, reset);
		return;
	}
	print_report_head(f, dev, o, reset);
	latency_print(f, dev, sample, o->interval);
}

int cmd_latency(int argc, char **argv)
{
	static const struct hist_kind_ops ops = {
		.cmd = "latency", .usage = latency_usage, .file = "latency_fine",
		.size = sizeof(struct sb_latency), .parse = latency_parse,
		.delta = latency_delta, .show = latency_show, .free = latency_free,
	};

	return hist_run(&ops, argc, argv);
}
