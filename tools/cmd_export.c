// SPDX-License-Identifier: GPL-2.0
/* cmd_export.c - "export": metrics in the Prometheus text format for node_exporter. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "debugfs.h"
#include "device.h"
#include "hist.h"
#include "sample.h"

static const char export_usage[] =
"Usage: stackblk export [DEV...] (--once | -i SECONDS [-c COUNT]) [-o FILE]\n"
"Every counter, the latency and queue depth histograms and the completion\n"
"locality totals of each powered device (or of DEV...), in the Prometheus text\n"
"format (0.0.4) that node_exporter's textfile collector reads.  Each series is\n"
"labelled device, backing and stages.  FILE is replaced atomically (written\n"
"beside it, then renamed); its name should end in .prom.  Histograms and\n"
"locality come from debugfs (root): without it, only the counters are\n"
"written, stackblk_debugfs_readable is 0, and a note says so on stderr.\n\n"
"      --once               write once and exit\n"
"  -i, --interval SECONDS   write every SECONDS until SIGINT/SIGTERM\n"
"  -c, --count COUNT        stop after COUNT writes\n"
"  -o, --output FILE        write to FILE (default: standard output)\n"
"  -h, --help               this help\n";

#define NS_PER_S 1000000000ULL

/* Latency buckets: le = 2^e ns, e in [LAT_LE_MIN, LAT_LE_MAX] (1.024 us .. 34.4 s), and +Inf. */
#define LAT_LE_MIN 10
#define LAT_LE_MAX 35

/* The counters and gauges, from the one list (include/stackblk_counters.h). */
static const struct export_stat {
	const char *name, *unit, *help;
	bool gauge;
	int idx;
} export_stats[] = {
#define SB_COUNTER(name, kind, unit, desc) { #name, #unit, desc, false, SB_STAT_##name },
#define SB_GAUGE(name, kind, unit, desc) { #name, #unit, desc, true, SB_GAUGE_##name },
#include "stackblk_counters.h"
};

#define NR_EXPORT_STATS (sizeof(export_stats) / sizeof(export_stats[0]))

/*
 * The locality totals of debugfs "completion", one row a series.  Rows of
 * one metric are consecutive; a new total (another key of the completion
 * file, parsed into struct sb_completion) is one more row here.
 */
#define CPU_LOCALITY_HELP \
	"completed requests by the CPU that completed them against the submitting CPU: " \
	"same CPU, another CPU sharing its last-level cache, or remote " \
	"(completion=backing: the backing device's completion, stackblk: stackblk's own)"
#define NODE_LOCALITY_HELP \
	"completed requests by the NUMA node of the CPU that completed them against " \
	"the submitting CPU's node (a module without node counters exports none)"
static const struct export_locality {
	const char *metric, *help;
	const char *completion, *locality;	/* label values */
	size_t off;				/* of the u64 in struct sb_completion */
	bool node;				/* only where the module counts by node */
} export_locality[] = {
#define LOC(field, idx, side, where) { "stackblk_completion_cpu_total", CPU_LOCALITY_HELP, \
	side, where, offsetof(struct sb_completion, field[idx]), false }
#define NODE(field, idx, side, where) { "stackblk_completion_node_total", NODE_LOCALITY_HELP, \
	side, where, offsetof(struct sb_completion, field[idx]), true }
	LOC(backing, SB_SAME, "backing", "same"),
	LOC(backing, SB_SHARED, "backing", "shared"),
	LOC(backing, SB_REMOTE, "backing", "remote"),
	LOC(complete, SB_SAME, "stackblk", "same"),
	LOC(complete, SB_SHARED, "stackblk", "shared"),
	LOC(complete, SB_REMOTE, "stackblk", "remote"),
	NODE(backing_node, SB_SAME_NODE, "backing", "same_node"),
	NODE(backing_node, SB_REMOTE_NODE, "backing", "remote_node"),
	NODE(complete_node, SB_SAME_NODE, "stackblk", "same_node"),
	NODE(complete_node, SB_REMOTE_NODE, "stackblk", "remote_node"),
#undef NODE
#undef LOC
};

#define NR_EXPORT_LOCALITY (sizeof(export_locality) / sizeof(export_locality[0]))

/* What one device gave: counters always, the debugfs files when readable. */
struct export_dev {
	struct cli_dev dev;
	struct sb_sample s;		/* counters and latency */
	int debugfs_err;		/* 0: latency, hctx and completion were all read */
	struct sb_hctx *h;
	size_t nh;
	struct sb_completion comp;
};

static volatile sig_atomic_t stop_export;

static void on_stop(int sig)
{
	(void)sig;
	stop_export = 1;
}

/* @s with \, " and newline escaped (label values), or \ and newline only (HELP). */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\' || (quote && *s == '"'))
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* METRIC{device="..",backing="..",stages=".."[,EXTRA]} */
static void put_series(FILE *f, const char *metric, const struct cli_dev *dev,
		       const char *extra_fmt, ...) __attribute__((format(printf, 4, 5)));
static void put_series(FILE *f, const char *metric, const struct cli_dev *dev,
		       const char *extra_fmt, ...)
{
	va_list ap;

	fprintf(f, "%s{device=\"", metric);
	put_escaped(f, dev->node, true);
	fputs("\",backing=\"", f);
	put_escaped(f, dev->backing, true);
	fputs("\",stages=\"", f);
	put_escaped(f, dev->stages, true);
	fputc('"', f);
	if (extra_fmt) {
		fputc(',', f);
		va_start(ap, extra_fmt);
		vfprintf(f, extra_fmt, ap);
		va_end(ap);
	}
	fputs("} ", f);
}

static void put_head(FILE *f, const char *metric, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", metric);
	put_escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", metric, type);
}

/* @ns as exact decimal seconds. */
static void put_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / NS_PER_S),
		(unsigned long long)(ns % NS_PER_S));
}

static void write_stats(FILE *f, const struct export_dev *d, size_t n)
{
	char metric[96];

	for (size_t k = 0; k < NR_EXPORT_STATS; k++) {
		const struct export_stat *st = &export_stats[k];

		snprintf(metric, sizeof(metric), "stackblk_%s%s", st->name,
			 st->gauge ? "" : "_total");
		put_head(f, metric, st->gauge ? "gauge" : "counter", st->help);
		for (size_t i = 0; i < n; i++) {
			const struct sb_counters *cnt = &d[i].s.cnt;

			put_series(f, metric, &d[i].dev, NULL);
			fprintf(f, "%llu\n", (unsigned long long)(st->gauge ? cnt->g[st->idx] :
								      cnt->c[st->idx]));
		}
	}
}

/*
 * One histogram per path and op.  The log2 bucket b holds [2^b, 2^(b+1))
 * ns, so le = 2^e ns counts the buckets below e; everything from
 * 2^LAT_LE_MAX ns up is only in +Inf.  _count is the +Inf bucket (the
 * module's count is the sum of its buckets), _sum the module's sum_ns.
 */
static void write_latency_one(FILE *f, const struct cli_dev *dev, int p, int o,
			      const struct sb_lat_hist *h)
{
	static const char bucket[] = "stackblk_latency_seconds_bucket";
	const char *pn = sb_path_names[p], *on = sb_op_names[o];
	uint64_t log2[SB_LAT_BUCKETS], cum = 0;
	int b = 0;

	lat_fold_log2(h->b, log2);
	for (int e = LAT_LE_MIN; e <= LAT_LE_MAX; e++) {
		for (; b < e; b++)
			cum += log2[b];
		put_series(f, bucket, dev, "path=\"%s\",op=\"%s\",le=\"%llu.%09llu\"", pn, on,
			   (1ULL << e) / NS_PER_S, (1ULL << e) % NS_PER_S);
		fprintf(f, "%llu\n", (unsigned long long)cum);
	}
	cum = hist_total(h->b, SB_LAT_FINE_BUCKETS);
	put_series(f, bucket, dev, "path=\"%s\",op=\"%s\",le=\"+Inf\"", pn, on);
	fprintf(f, "%llu\n", (unsigned long long)cum);
	put_series(f, "stackblk_latency_seconds_sum", dev, "path=\"%s\",op=\"%s\"", pn, on);
	put_seconds(f, h->sum_ns);
	put_series(f, "\nstackblk_latency_seconds_count", dev, "path=\"%s\",op=\"%s\"", pn, on);
	fprintf(f, "%llu\n", (unsigned long long)cum);
}

static void write_latency(FILE *f, const struct export_dev *d, size_t n)
{
	put_head(f, "stackblk_latency_seconds", "histogram",
		 "request latency: logical from blk-mq's allocation of the request to its "
		 "completion, physical from the backing bio's submission to its completion");
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < SB_NR_PATHS && !d[i].debugfs_err; p++)
			for (int o = 0; o < SB_NR_OPS; o++)
				write_latency_one(f, &d[i].dev, p, o, &d[i].s.lat.h[p][o]);
}

/*
 * The depth each dispatch saw on its hardware context, summed over the
 * device's contexts.  Bucket b holds depths [2^b, 2^(b+1)), whole numbers,
 * so le = 2^(b+1) - 1.  The module keeps no sum of depths: _sum counts each
 * dispatch at its bucket's midpoint, (2^b + 2^(b+1) - 1) / 2 (exact for
 * depth 1, within a third of the true depth above).  Left out, it would be
 * served as 0 (node_exporter 1.5 fills in a missing _sum), which is worse.
 */
static void write_depth(FILE *f, const struct export_dev *d, size_t n)
{
	static const char bucket[] = "stackblk_dispatch_depth_bucket";

	put_head(f, "stackblk_dispatch_depth", "histogram",
		 "requests in flight on the hardware context at each dispatch, including the "
		 "dispatched one (all hardware contexts of the device; _sum estimated from "
		 "bucket midpoints)");
	for (size_t i = 0; i < n; i++) {
		uint64_t b[SB_DEPTH_BUCKETS] = { 0 }, cum = 0, sum2 = 0;

		if (d[i].debugfs_err)
			continue;
		for (size_t k = 0; k < d[i].nh; k++)
			for (int j = 0; j < SB_DEPTH_BUCKETS; j++)
				b[j] += d[i].h[k].b[j];
		for (int j = 0; j < SB_DEPTH_BUCKETS; j++) {
			cum += b[j];
			sum2 += b[j] * ((3ULL << j) - 1);	/* twice the midpoint */
			put_series(f, bucket, &d[i].dev, "le=\"%llu\"", (2ULL << j) - 1);
			fprintf(f, "%llu\n", (unsigned long long)cum);
		}
		put_series(f, bucket, &d[i].dev, "le=\"+Inf\"");
		fprintf(f, "%llu\n", (unsigned long long)cum);
		put_series(f, "stackblk_dispatch_depth_sum", &d[i].dev, NULL);
		fprintf(f, "%llu.%u\n", (unsigned long long)(sum2 / 2), sum2 % 2 ? 5 : 0);
		put_series(f, "stackblk_dispatch_depth_count", &d[i].dev, NULL);
		fprintf(f, "%llu\n", (unsigned long long)cum);
	}
}

static void write_locality(FILE *f, const struct export_dev *d, size_t n)
{
	for (size_t k = 0; k < NR_EXPORT_LOCALITY; k++) {
		const struct export_locality *l = &export_locality[k];
		const uint64_t *v;

		if (!k || strcmp(l->metric, export_locality[k - 1].metric))
			put_head(f, l->metric, "counter", l->help);
		for (size_t i = 0; i < n; i++) {
			if (d[i].debugfs_err || (l->node && !d[i].comp.have_node))
				continue;
			put_series(f, l->metric, &d[i].dev, "completion=\"%s\",locality=\"%s\"",
				   l->completion, l->locality);
			v = (const uint64_t *)((const char *)&d[i].comp + l->off);
			fprintf(f, "%llu\n", (unsigned long long)*v);
		}
	}
}

static void write_export(FILE *f, const struct export_dev *d, size_t n)
{
	write_stats(f, d, n);
	write_latency(f, d, n);
	write_depth(f, d, n);
	write_locality(f, d, n);
	put_head(f, "stackblk_debugfs_readable", "gauge",
		 "1 when the histograms and locality totals could be read (debugfs, root), "
		 "0 when only the counters are exported");
	for (size_t i = 0; i < n; i++) {
		put_series(f, "stackblk_debugfs_readable", &d[i].dev, NULL);
		fprintf(f, "%d\n", !d[i].debugfs_err);
	}
}

/* Read one debugfs file and parse it: 0 or -errno (-EINVAL: format). */
static int take_hctx(struct export_dev *d)
{
	char *text;
	int ret = sb_debugfs_read(&d->dev, "hctx", &text);

	if (ret)
		return ret;
	ret = parse_hctx(text, &d->h, &d->nh);
	free(text);
	return ret;
}

static int take_completion(struct export_dev *d)
{
	char *text;
	int ret = sb_debugfs_read(&d->dev, "completion", &text);

	if (ret)
		return ret;
	ret = parse_completion(text, &d->comp);
	free(text);
	return ret;
}

static void export_dev_free(struct export_dev *d)
{
	free(d->h);
	d->h = NULL;
	completion_free(&d->comp);
}

/* Counters must read (else -errno); a debugfs failure only sets debugfs_err. */
static int export_take(struct export_dev *d)
{
	static bool said;
	int ret = sample_take(&d->dev, &d->s);

	if (ret)
		return ret;
	d->debugfs_err = d->s.lat_err;
	if (!d->debugfs_err)
		d->debugfs_err = take_hctx(d);
	if (!d->debugfs_err)
		d->debugfs_err = take_completion(d);
	if (d->debugfs_err) {
		export_dev_free(d);
		if (!said)
			sb_err("export: %s: %s: exporting the counters only, without histograms and "
			       "locality (stackblk_debugfs_readable 0)", d->dev.node,
			       sb_debugfs_why(d->debugfs_err));
		said = true;
	}
	return 0;
}

/* The devices of one round: @names (n_names > 0) or every powered one. */
static int export_round(char **names, int n_names, struct export_dev **out, size_t *n)
{
	struct cli_dev *devs = NULL;
	size_t nd = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (n_names) {
		devs = xcalloc(n_names, sizeof(*devs));
		for (int i = 0; i < n_names; i++) {
			ret = sb_dev_find(names[i], &devs[nd]);
			if (ret) {
				sb_err("export: %s: no such stackblk device", names[i]);
				free(devs);
				return ret;
			}
			if (devs[nd].index < 0) {
				sb_err("export: %s: not powered", names[i]);
				free(devs);
				return -ENODEV;
			}
			nd++;
		}
	} else {
		ret = sb_dev_list(&devs, &nd);
		if (ret) {
			sb_err("export: cannot list devices: %s", strerror(-ret));
			return ret;
		}
	}
	*out = xcalloc(nd ? nd : 1, sizeof(**out));
	for (size_t i = 0; i < nd; i++) {
		if (devs[i].index < 0)
			continue;	/* unpowered configfs item: nothing to count */
		(*out)[*n].dev = devs[i];
		ret = export_take(&(*out)[*n]);
		if (ret) {
			sb_err("export: %s: cannot read counters: %s", devs[i].node,
			       strerror(-ret));
			continue;	/* gone meanwhile */
		}
		(*n)++;
	}
	free(devs);
	return 0;
}

static void export_free(struct export_dev *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		export_dev_free(&d[i]);
	free(d);
}

/* Write @d to @path through a temporary file beside it and rename(2): 0 or -errno. */
static int write_file(const char *path, const struct export_dev *d, size_t n)
{
	char tmp[SB_PATH_MAX + 32];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.%ld.tmp", slash ? (int)(slash - path + 1) : 0,
		     path, slash ? slash + 1 : path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* node_exporter runs as its own user: readable by all, whatever the umask */
	f = fchmod(fd, 0644) ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	write_export(f, d, n);
	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Sleep @s seconds, or less when SIGINT/SIGTERM came. */
static void nap(double s)
{
	double end = now_mono() + s, left;

	while (!stop_export && (left = end - now_mono()) > 0)
		sleep_seconds(left < 0.2 ? left : 0.2);
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_stop };
	const char *output = NULL;
	bool once = false;
	double interval = 0;
	long count = -1;
	uint64_t v;
	int c, ret = EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'O':
			once = true;
			break;
		case 'i':
			if (!parse_seconds(optarg, &interval))
				return usage_error("export", "bad interval '%s' (seconds > 0)",
						   optarg);
			break;
		case 'c':
			if (!parse_u64(optarg, &v) || v == 0 || v > 1000000000)
				return usage_error("export", "bad count '%s' (integer >= 1)",
						   optarg);
			count = (long)v;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("export", "empty output file name");
			output = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'h':
			return show_help(export_usage);
		default:
			return bad_option("export", argv, c);
		}
	}
	if (once && interval > 0)
		return usage_error("export", "--once and -i/--interval exclude each other");
	if (!once && interval <= 0)
		return usage_error("export", "give --once, or -i SECONDS to write every SECONDS");
	if (count > 0 && interval <= 0)
		return usage_error("export", "-c/--count needs -i/--interval");
	if (output && is_dir(output))
		return usage_error("export", "%s is a directory: give the file, e.g. "
				   "%s/stackblk.prom", output, output);
	if (!sb_require_module())
		return EXIT_RUNTIME;
	if (output) {
		size_t len = strlen(output);

		if (len < 5 || strcmp(output + len - 5, ".prom"))
			sb_err("export: note: node_exporter's textfile collector reads only *.prom files");
	}
	sb_note_collect();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (long r = 1; !stop_export; r++) {
		struct export_dev *d;
		size_t n;
		int err = export_round(argv + optind, argc - optind, &d, &n);

		if (!err && output) {
			err = write_file(output, d, n);
			if (err)
				sb_err("export: cannot write %s: %s", output, strerror(-err));
		} else if (!err) {
			write_export(stdout, d, n);
			if (fflush(stdout)) {
				export_free(d, n);
				return EXIT_RUNTIME;
			}
		}
		export_free(d, n);
		/*
		 * A first round that fails is an error; later ones are retried,
		 * and the status is the last round's, or 0 when SIGINT or
		 * SIGTERM stops the loop.
		 */
		ret = err ? EXIT_RUNTIME : EXIT_OK;
		if (once || (err && r == 1) || (count > 0 && r >= count))
			break;
		nap(interval);
		if (stop_export)
			ret = EXIT_OK;
	}
	return ret;
}
