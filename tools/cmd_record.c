// SPDX-License-Identifier: GPL-2.0
/* cmd_record.c - "record": sample a device, then draw latency, affinity and depth as SVG. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "affinity.h"
#include "cli.h"
#include "sample.h"
#include "svg.h"

static const char record_usage[] =
"Usage: stackblk record DEV [interval [count]] [-i SECONDS -c COUNT] --svg DIR\n"
"Sample DEV every SECONDS, COUNT times, then draw three pictures into DIR\n"
"(created if missing) and print their paths:\n"
"  latency.svg   latency heatmap over time, logical and physical side by side\n"
"  affinity.svg  submit CPU x backing completion CPU, with the backing's MSI-X vectors\n"
"  depth.svg     queue depth histogram of each hardware context\n"
"Without an interval: one picture of the totals since the last counter reset.\n"
"With one: a heatmap column per interval; affinity and depth show the whole\n"
"recording.  Ctrl-C (SIGINT) or SIGTERM ends the recording early: the\n"
"intervals recorded so far are drawn.  Needs debugfs (root).\n\n"
"  -i, --interval SECONDS   sample every SECONDS\n"
"  -c, --count COUNT        intervals to record (needed with -i)\n"
"      --svg DIR            write the pictures into DIR\n"
"  -h, --help               this help\n";

#define RECORD_MAX_COUNT 100000

static volatile sig_atomic_t stop_recording;

static void on_stop(int sig)
{
	(void)sig;
	stop_recording = 1;
}

/* SIGINT/SIGTERM end the recording after the interval under way. */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Everything one sampling instant reads. */
struct reading {
	double wall;
	struct sb_sample s;
	struct sb_hctx *h;
	size_t nh;
	struct affinity a;
};

static void reading_free(struct reading *r)
{
	free(r->h);
	r->h = NULL;
	affinity_free(&r->a);
}

/* 0, or the exit status after saying what could not be read. */
static int reading_take(const struct cli_dev *dev, struct reading *r)
{
	char *text;
	int ret;

	memset(r, 0, sizeof(*r));
	r->wall = now_wall();
	ret = sample_take(dev, &r->s);
	if (ret) {
		sb_err("record: %s: cannot read counters: %s", dev->node, strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (r->s.lat_err) {
		sb_err("record: %s: latency histograms unavailable: %s", dev->node,
		       sb_debugfs_why(r->s.lat_err));
		return EXIT_RUNTIME;
	}
	ret = sb_debugfs_read(dev, "hctx", &text);
	if (ret) {
		sb_err("record: %s: depth histograms unavailable: %s", dev->node, sb_debugfs_why(ret));
		return EXIT_RUNTIME;
	}
	ret = parse_hctx(text, &r->h, &r->nh);
	free(text);
	if (ret) {
		sb_err("record: %s: unexpected format of debugfs hctx", dev->node);
		return EXIT_RUNTIME;
	}
	affinity_take(dev, &r->a);
	if (r->a.comp_err) {
		sb_err("record: %s: completion matrix unavailable: %s", dev->node,
		       sb_debugfs_why(r->a.comp_err));
		reading_free(r);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* Per-path fine buckets of @cur - @prev (@prev NULL: totals), as metrics_compute() takes them. */
static void latency_column(const struct sb_latency *prev, const struct sb_latency *cur,
			   svg_lat_col *col)
{
	static const struct sb_latency zero;
	struct sb_latency d;

	u64_delta((const uint64_t *)(prev ? prev : &zero), (const uint64_t *)cur,
		  (uint64_t *)&d, sizeof(d) / sizeof(uint64_t));
	for (int p = 0; p < SB_NR_PATHS; p++)
		latency_path_sum(&d, p, (*col)[p]);
}

/* Depth buckets of @last minus @first, hctx by hctx; a hctx that went back keeps @last's. */
static void depth_delta(const struct reading *first, struct reading *last)
{
	for (size_t i = 0; i < last->nh; i++) {
		uint64_t d[SB_DEPTH_BUCKETS];

		if (i >= first->nh || first->h[i].id != last->h[i].id)
			continue;
		u64_delta(first->h[i].b, last->h[i].b, d, SB_DEPTH_BUCKETS);
		memcpy(last->h[i].b, d, sizeof(d));
	}
}

/* mkdir -p @dir: 0 or -errno. */
static int make_dir(const char *dir)
{
	char p[SB_PATH_MAX];
	size_t len = strlen(dir);

	if (!len || len >= sizeof(p))
		return -ENAMETOOLONG;
	copy_str(p, sizeof(p), dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return is_dir(p) ? 0 : -ENOTDIR;
}

enum { PIC_LATENCY, PIC_AFFINITY, PIC_DEPTH, NR_PICS };
static const char *const pic_names[NR_PICS] = { "latency.svg", "affinity.svg", "depth.svg" };

struct picture_data {
	const struct svg_meta *meta;
	const svg_lat_col *cols;
	size_t ncols;
	const struct sb_completion *comp;
	const struct msix_info *msix;
	const struct sb_hctx *h;
	size_t nh;
};

static void draw(FILE *f, int pic, const struct picture_data *d)
{
	if (pic == PIC_LATENCY)
		svg_latency(f, d->meta, d->cols, d->ncols);
	else if (pic == PIC_AFFINITY)
		svg_affinity(f, d->meta, d->comp, d->msix);
	else
		svg_depth(f, d->meta, d->h, d->nh);
}

/* Each picture to a temporary name first, then all renamed: no half-written files. */
static int write_pictures(const char *dir, const struct picture_data *d)
{
	char tmp[NR_PICS][SB_PATH_MAX], path[SB_PATH_MAX];
	int pic, made = 0, err = 0;

	for (pic = 0; pic < NR_PICS; pic++) {
		FILE *f;

		snprintf(tmp[pic], sizeof(tmp[pic]), "%s/.%s.%ld.tmp", dir, pic_names[pic],
			 (long)getpid());
		f = fopen(tmp[pic], "w");
		if (!f) {
			err = errno;
			break;
		}
		made++;
		draw(f, pic, d);
		if (fflush(f))
			err = errno;
		else if (ferror(f))
			err = EIO;
		if (fclose(f) && !err)
			err = errno;
		if (err)
			break;
	}
	if (err) {
		sb_err("record: cannot write %s: %s", tmp[pic], strerror(err));
		for (int i = 0; i < made; i++)
			unlink(tmp[i]);
		return EXIT_RUNTIME;
	}
	for (pic = 0; pic < NR_PICS; pic++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pic_names[pic]);
		if (rename(tmp[pic], path)) {
			sb_err("record: cannot rename %s to %s: %s", tmp[pic], path, strerror(errno));
			for (; pic < NR_PICS; pic++)
				unlink(tmp[pic]);
			return EXIT_RUNTIME;
		}
		printf("%s\n", path);
	}
	return EXIT_OK;
}

/*
 * Take --svg DIR / --svg=DIR out of @argv (so parse_sample_opts sees only
 * its own options).  Returns -1, or the exit status of a usage error.
 */
static int take_svg_opt(int *argc, char **argv, const char **dir)
{
	for (int i = 1; i < *argc; i++) {
		int drop = 0;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--svg")) {
			if (i + 1 >= *argc)
				return usage_error("record", "option '--svg' needs an argument");
			*dir = argv[i + 1];
			drop = 2;
		} else if (!strncmp(argv[i], "--svg=", 6)) {
			*dir = argv[i] + 6;
			drop = 1;
		}
		if (!drop)
			continue;
		if (!**dir)
			return usage_error("record", "empty --svg directory");
		memmove(argv + i, argv + i + drop, (*argc - i - drop + 1) * sizeof(*argv));
		*argc -= drop;
		i--;
	}
	return -1;
}

int cmd_record(int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	struct reading first, last, cur;
	struct sb_completion comp;
	struct picture_data d = { 0 };
	struct svg_meta meta;
	struct cli_dev dev;
	svg_lat_col *cols;
	const char *dir = NULL;
	bool have_last = false;
	int ret = take_svg_opt(&argc, argv, &dir);

	if (ret >= 0)
		return ret;
	ret = parse_sample_opts(&argc, argv, "record", record_usage, &o, true);
	if (ret >= 0)
		return ret;
	if (o.json)
		return usage_error("record", "no --json: record writes SVG pictures");
	if (optind != argc - 1)
		return usage_error("record", optind >= argc ? "missing DEV" : "too many arguments");
	if (!dir)
		return usage_error("record", "missing --svg DIR");
	if (o.interval > 0 && o.count < 0)
		return usage_error("record", "-i/--interval needs -c/--count (intervals to record)");
	if (o.count > RECORD_MAX_COUNT)
		return usage_error("record", "count %ld is over %d", o.count, RECORD_MAX_COUNT);
	ret = sb_dev_open(argv[optind], &dev);
	if (ret)
		return ret;
	ret = make_dir(dir);
	if (ret) {
		sb_err("record: cannot create directory %s: %s", dir, strerror(-ret));
		return EXIT_RUNTIME;
	}
	sb_note_collect();
	catch_stop();
	ret = reading_take(&dev, &first);
	if (ret)
		return ret;
	d.ncols = o.interval > 0 ? (size_t)o.count : 1;
	cols = xcalloc(d.ncols, sizeof(*cols));
	if (o.interval <= 0)
		latency_column(NULL, &first.s.lat, &cols[0]);
	else
		fprintf(stderr, "stackblk: record: %s: %ld intervals of %g s; Ctrl-C ends early and "
			"draws what was recorded\n", dev.node, o.count, o.interval);
	for (size_t i = 0; o.interval > 0 && i < d.ncols; i++) {
		sleep_seconds(o.interval);
		ret = reading_take(&dev, &cur);
		if (ret)
			goto out;
		latency_column(have_last ? &last.s.lat : &first.s.lat, &cur.s.lat, &cols[i]);
		if (have_last)
			reading_free(&last);
		last = cur;
		have_last = true;
		if (stop_recording && i + 1 < d.ncols) {
			sb_err("record: stopped after %zu of %zu intervals", i + 1, d.ncols);
			d.ncols = i + 1;
		}
	}
	meta = (struct svg_meta){
		.device = dev.node, .backing = dev.backing, .stages = dev.stages,
		.interval = o.interval > 0 ? o.interval : 0,
		.t0 = first.wall, .t1 = have_last ? last.wall : first.wall,
	};
	d.meta = &meta;
	d.cols = cols;
	if (have_last) {
		depth_delta(&first, &last);
		completion_delta(&first.a.comp, &last.a.comp, &comp);
		d.comp = &comp;
		d.msix = &last.a.msix;
		d.h = last.h;
		d.nh = last.nh;
	} else {
		d.comp = &first.a.comp;
		d.msix = &first.a.msix;
		d.h = first.h;
		d.nh = first.nh;
	}
	ret = write_pictures(dir, &d);
	if (have_last)
		completion_free(&comp);
out:
	if (have_last)
		reading_free(&last);
	reading_free(&first);
	free(cols);
	return ret;
}
