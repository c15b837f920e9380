// SPDX-License-Identifier: GPL-2.0
/* cmd_stat.c - "stat" (chosen devices, totals or intervals) and "top" (live view). */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sample.h"

static const char stat_usage[] =
"Usage: stackblk stat [DEV...] [interval [count]] [-i SECONDS [-c COUNT]] [-t]\n"
"       [-x | -o LIST] [--json]\n"
"Logical vs physical IOPS and MB/s, average request size, amplification,\n"
"merged/split/rmw, errors and timeouts, latency p50/p99/p99.9 per op, in\n"
"flight and max depth.  Without -i: totals since the last reset.  DEV is a\n"
"configfs name, stackblkN or /dev/stackblkN (default: all).  As with iostat,\n"
"trailing numbers are the interval and count: stat 1 10.  The default view\n"
"fits 100 columns; -x shows them all.\n\n"
"  -i, --interval SECONDS   report rates every SECONDS\n"
"  -c, --count COUNT        stop after COUNT reports\n"
"  -t, --timestamp          print the local time before each report\n"
"  -x, --extended           every column (the wide view)\n"
"  -o, --output LIST        these columns, comma separated (as headed; DEVICE\n"
"                           always comes first), e.g. -o L_w,P_r,P_w,AMP_B,split,rmw\n"
"  -j, --json               one JSON object per report (NDJSON)\n"
"  -h, --help               this help\n";

static const char top_usage[] =
"Usage: stackblk top [interval [count]] [-i SECONDS] [-c COUNT] [-x | -o LIST] [--json]\n"
"Live view of every device, busiest first, redrawn every interval (default 1 s).\n"
"q quits.  Columns that do not fit the terminal's width are left out.  When\n"
"stdout is not a terminal the frames are printed one after another.\n\n"
"  -i, --interval SECONDS   refresh interval (default 1)\n"
"  -c, --count COUNT        stop after COUNT frames\n"
"  -x, --extended           start from every column, not the default view\n"
"  -o, --output LIST        these columns, comma separated (as stat -o), never dropped\n"
"  -j, --json               one JSON object per frame (NDJSON)\n"
"  -h, --help               this help\n";

static const char reset_usage[] =
"Usage: stackblk reset DEV\n"
"Zero DEV's counters, gauges' maxima and histograms (writes 1 to\n"
"/sys/block/DEV/stackblk/reset; root only).  DEV is a configfs name,\n"
"stackblkN or /dev/stackblkN.  A stat or top running meanwhile marks the\n"
"interval with \"*\".\n\n"
"  -h, --help   this help\n";

struct devstate {
	struct cli_dev dev;
	struct sb_sample prev, cur;
	struct sb_metrics m;
	bool have_prev;
	bool have_cur;		/* cur is a sample (the last advance() worked) */
};

/* Print the latency error once per run. */
static void note_latency(const struct sb_sample *s)
{
	static bool said;

	if (s->lat_err && !said) {
		said = true;
		sb_err("latency percentiles unavailable: %s", sb_debugfs_why(s->lat_err));
	}
}

static void report(const struct devstate *st, size_t n, double interval, bool json,
		   const struct metrics_cols *cols)
{
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "version", STACKBLK_VERSION);
		json_num(&j, "time", now_wall());
		if (interval > 0)
			json_num(&j, "interval", interval);
		else
			json_null(&j, "interval");
		json_arr(&j, "devices");
		for (size_t i = 0; i < n; i++)
			if (st[i].have_prev || interval <= 0)
				metrics_json(&j, &st[i].dev, &st[i].m);
		json_end(&j, ']');
		json_end(&j, '}');
	} else {
		struct table t;
		bool any_reset = false;

		metrics_table_init(&t, cols, interval > 0);
		for (size_t i = 0; i < n; i++)
			if (st[i].have_prev || interval <= 0) {
				metrics_row(&t, cols, &st[i].dev, &st[i].m);
				any_reset |= st[i].m.reset;
			}
		table_print(&t, stdout);
		metrics_reset_note(stdout, any_reset);
		table_free(&t);
		fflush(stdout);
	}
}

/* Take a sample of st; compute metrics against the previous one (interval) or totals. */
static int advance(struct devstate *st, double interval)
{
	int ret;

	st->prev = st->cur;
	ret = sample_take(&st->dev, &st->cur);
	st->have_cur = !ret;
	if (ret) {
		sb_err("%s: cannot read counters: %s", st->dev.node, strerror(-ret));
		return ret;
	}
	note_latency(&st->cur);
	if (interval <= 0)
		metrics_compute(NULL, &st->cur, &st->m);
	else if (st->have_prev)
		metrics_compute(&st->prev, &st->cur, &st->m);
	return 0;
}

/* -o LIST or the view of -x; returns -1, or the exit status of a usage error. */
static int pick_columns(const struct sample_opts *o, struct metrics_cols *cols, const char *cmd)
{
	const char *bad;

	if (!o->columns) {
		metrics_cols_pick(cols, o->wide, 0);
		return -1;
	}
	bad = metrics_cols_parse(cols, o->columns);
	if (!bad)
		return -1;
	fprintf(stderr, "stackblk: %s: unknown column '%s'; the columns are:\n  ", cmd, bad);
	metrics_cols_list(stderr);
	return EXIT_USAGE;
}

int cmd_stat(int argc, char **argv)
{
	struct sample_opts o = { .count = -1, .allow_wide = true };
	struct metrics_cols cols;
	struct devstate *st;
	size_t n = 0;
	int ret = parse_sample_opts(&argc, argv, "stat", stat_usage, &o, true);

	if (ret >= 0)
		return ret;
	ret = pick_columns(&o, &cols, "stat");
	if (ret >= 0)
		return ret;
	if (!sb_require_module())
		return EXIT_RUNTIME;
	sb_note_collect();
	if (optind < argc) {
		n = argc - optind;
		st = xcalloc(n, sizeof(*st));
		for (size_t i = 0; i < n; i++) {
			ret = sb_dev_open(argv[optind + i], &st[i].dev);
			if (ret) {
				free(st);
				return ret;
			}
		}
	} else {
		struct cli_dev *devs;
		size_t nd, i;

		ret = sb_dev_list(&devs, &nd);
		if (ret) {
			sb_err("stat: cannot list devices: %s", strerror(-ret));
			return EXIT_RUNTIME;
		}
		st = xcalloc(nd, sizeof(*st));
		for (i = 0; i < nd; i++)
			if (devs[i].index >= 0)
				st[n++].dev = devs[i];
		free(devs);
		if (!n) {
			sb_err("stat: no stackblk devices");
			free(st);
			return EXIT_RUNTIME;
		}
	}

	ret = EXIT_OK;
	for (long r = 0; o.interval <= 0 || o.count < 0 || r <= o.count; r++) {
		for (size_t i = 0; i < n && ret == EXIT_OK; i++)
			if (advance(&st[i], o.interval))
				ret = EXIT_RUNTIME;
		if (ret)
			break;
		if (o.interval <= 0 || r > 0) {
			if (!o.json && o.interval > 0 && r > 1)
				putchar('\n');
			if (!o.json && o.timestamp)
				print_timestamp();
			report(st, n, o.interval, o.json, &cols);
		}
		if (o.interval <= 0)
			break;
		for (size_t i = 0; i < n; i++)
			st[i].have_prev = true;
		if (o.count < 0 || r < o.count)
			sleep_seconds(o.interval);
	}
	free(st);
	return ret;
}

static int by_iops(const void *a, const void *b)
{
	const struct devstate *x = a, *y = b;
	double ix = metrics_rate(&x->m, SB_STAT_logical_read_ios) +
		    metrics_rate(&x->m, SB_STAT_logical_write_ios);
	double iy = metrics_rate(&y->m, SB_STAT_logical_read_ios) +
		    metrics_rate(&y->m, SB_STAT_logical_write_ios);

	if (ix != iy)
		return ix < iy ? 1 : -1;
	return x->dev.index < y->dev.index ? -1 : x->dev.index > y->dev.index;
}

/* Re-list the devices, keeping the previous sample of those still present. */
static int refresh(struct devstate **st, size_t *n)
{
	struct cli_dev *devs;
	struct devstate *next;
	size_t nd, m = 0;
	int ret = sb_dev_list(&devs, &nd);

	if (ret)
		return ret;
	next = xcalloc(nd, sizeof(*next));
	for (size_t i = 0; i < nd; i++) {
		if (devs[i].index < 0)
			continue;
		next[m].dev = devs[i];
		for (size_t k = 0; k < *n; k++)
			if (!strcmp((*st)[k].dev.node, devs[i].node)) {
				next[m].cur = (*st)[k].cur;
				/* not a sample that failed (sample_take() zeroed it) */
				next[m].have_prev = (*st)[k].have_cur;
			}
		m++;
	}
	free(devs);
	free(*st);
	*st = next;
	*n = m;
	return 0;
}

/* top on a terminal: keys without Enter or echo, restored on exit and on signals. */
static struct termios saved_tio;
static bool tio_saved;

static void term_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = false;
}

static void term_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void term_raw(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], term_signal);
	if (!tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio))
		tio_saved = true;
}

/* Wait @s seconds, or less when q is typed on the terminal: true for q. */
static bool wait_or_quit(double s)
{
	double end = now_mono() + s;

	if (!tio_saved) {
		sleep_seconds(s);
		return false;
	}
	for (double left = s; left > 0; left = end - now_mono()) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		char c;

		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0 || !(p.revents & POLLIN))
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1)	/* the terminal went away */
			return true;
		if (c == 'q' || c == 'Q')
			return true;
	}
	return false;
}

/* Columns of the terminal on stdout, 0 when it is not one. */
static int term_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 0;
	return ws.ws_col;
}

int cmd_top(int argc, char **argv)
{
	struct sample_opts o = { .interval = 1, .count = -1, .allow_wide = true };
	struct metrics_cols cols;
	struct devstate *st = NULL;
	size_t n = 0;
	bool tty = isatty(STDOUT_FILENO), quit = false;
	int ret = parse_sample_opts(&argc, argv, "top", top_usage, &o, true);

	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("top", "unexpected argument '%s'", argv[optind]);
	ret = pick_columns(&o, &cols, "top");
	if (ret >= 0)
		return ret;
	if (!sb_require_module())
		return EXIT_RUNTIME;
	sb_note_collect();
	if (tty && !o.json)
		term_raw();
	/* frame -1 only takes the baseline samples */
	for (long frame = -1; !quit && (o.count < 0 || frame < o.count); frame++) {
		char when[16];
		time_t now;

		if (refresh(&st, &n)) {
			sb_err("top: cannot list devices");
			free(st);
			term_restore();
			return EXIT_RUNTIME;
		}
		for (size_t i = 0; i < n; i++)
			if (advance(&st[i], o.interval))
				st[i].have_prev = false;	/* vanished meanwhile */
		if (frame >= 0) {
			qsort(st, n, sizeof(*st), by_iops);
			now = time(NULL);
			strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
			if (!o.columns)
				metrics_cols_pick(&cols, o.wide, term_width());
			if (!o.json) {
				if (tty)
					fputs("\033[H\033[2J", stdout);
				else if (frame)
					putchar('\n');
				printf("stackblk top - %s  interval %.1fs  %zu device%s%s\n\n", when,
				       o.interval, n, n == 1 ? "" : "s", tio_saved ? "  (q quits)" : "");
			}
			report(st, n, o.interval, o.json, &cols);
		}
		if (o.count < 0 || frame + 1 < o.count)
			quit = wait_or_quit(o.interval);
	}
	free(st);
	term_restore();
	return EXIT_OK;
}

int cmd_reset(int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	char path[SB_PATH_MAX];
	struct cli_dev dev;
	int ret = parse_sample_opts(&argc, argv, "reset", reset_usage, &o, false);

	if (ret >= 0)
		return ret;
	if (o.json)
		return usage_error("reset", "invalid option '--json'");
	if (optind != argc - 1)
		return usage_error("reset", optind >= argc ? "missing DEV" : "too many arguments");
	ret = sb_dev_open(argv[optind], &dev);
	if (ret)
		return ret;
	ret = write_text(sb_path(path, SB_SYSFS, "block/%s/stackblk/reset", dev.node), "1");
	if (ret) {
		sb_err("reset: %s: cannot write %s: %s%s", dev.node, path, strerror(-ret),
		       errno_hint(-ret));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
