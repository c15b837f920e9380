// SPDX-License-Identifier: GPL-2.0
/* main.c - stackblk command-line tool: command dispatch and shared option handling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "create",   cmd_create,   "create and power a device over a backing device (configfs)" },
	{ "remove",   cmd_remove,   "tear a device down (configfs)" },
	{ "list",     cmd_list,     "list devices with backing, stages, size, queues and depth" },
	{ "stat",     cmd_stat,     "logical vs physical I/O, amplification, latency percentiles" },
	{ "top",      cmd_top,      "live view of every device" },
	{ "depth",    cmd_depth,    "per hardware context queue depth and its histogram" },
	{ "latency",  cmd_latency,  "latency histograms with p50/p99/p99.9" },
	{ "affinity", cmd_affinity, "submit x completion CPU matrix and the backing's MSI-X vectors" },
	{ "reset",    cmd_reset,    "zero a device's counters and histograms (root)" },
	{ "record",   cmd_record,   "sample, then draw latency, affinity and depth as SVG" },
	{ "export",   cmd_export,   "write the Prometheus text format for node_exporter's textfile collector" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: stackblk COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'stackblk COMMAND --help' for a command's options; see stackblk(8).\n"
		   "Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stackblk: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'stackblk %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

/* Where show_help() prints: stdout, or the buffer of complete_options(). */
static FILE *help_out;

int show_help(const char *text)
{
	fputs(text, help_out ? help_out : stdout);
	return EXIT_OK;
}

/*
 * The options of @cmd, one a line, each with the name of its argument if it
 * takes one ("--backing DEV"), read from the very help text that
 * 'stackblk CMD --help' prints: the option lines of its table.
 */
static int complete_options(int (*fn)(int, char **), const char *cmd)
{
	char name[32], help[] = "--help", *argv[] = { name, help, NULL };
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;

	snprintf(name, sizeof(name), "%s", cmd);
	help_out = open_memstream(&text, &len);
	if (!help_out)
		return EXIT_RUNTIME;
	fn(2, argv);
	fclose(help_out);
	help_out = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " "), *opts[4], *arg = NULL;
		int n = 0;

		/* "  -b, --backing DEV   text": the options, then their argument */
		while (*p == '-' && n < 4) {
			opts[n++] = p;
			p += strcspn(p, ", ");
			if (*p == ',') {
				*p++ = '\0';
				p += strspn(p, " ");
				continue;
			}
			if (*p == ' ' && p[1] && p[1] != ' ') {
				arg = p + 1;
				arg[strcspn(arg, " ")] = '\0';
			}
			*p = '\0';
			break;
		}
		for (int i = 0; i < n; i++)
			printf("%s%s%s\n", opts[i], arg ? " " : "", arg ? arg : "");
	}
	free(text);
	return EXIT_OK;
}

/* stackblk --complete [CMD]: for the bash completion (tools/stackblk.bash). */
static int complete(const char *cmd)
{
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (!cmd)
			printf("%s\n", commands[i].name);
		else if (!strcmp(cmd, commands[i].name))
			return complete_options(commands[i].fn, cmd);
	}
	if (cmd)
		return EXIT_USAGE;
	printf("--help\n--version\n");
	return EXIT_OK;
}

int bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return usage_error(cmd, "option '%s' needs an argument", arg);
	if (optopt && arg[0] == '-' && arg[1] != '-')
		return usage_error(cmd, "invalid option '-%c'", optopt);
	return usage_error(cmd, "invalid option '%s'", arg);
}

/* An operand that is a count: digits only (so "1e3" or "0x10" are not). */
static bool is_count(const char *s, long *v)
{
	uint64_t u;

	if (!*s || strspn(s, "0123456789") != strlen(s) || !parse_u64(s, &u))
		return false;
	*v = u > 1000000000 ? 0 : (long)u;
	return true;
}

int parse_sample_opts(int *argc, char **argv, const char *cmd, const char *usage,
		      struct sample_opts *o, bool allow_interval)
{
	static const struct option longopts[] = { SAMPLE_LONGOPTS, { 0 } };
	bool have_count = false, have_interval = false;
	double iv;
	uint64_t v;
	long cnt;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(*argc, argv, ":" SAMPLE_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!allow_interval)
				return usage_error(cmd, "no -i/--interval for this command");
			if (!parse_seconds(optarg, &o->interval))
				return usage_error(cmd, "bad interval '%s' (seconds > 0)", optarg);
			have_interval = true;
			break;
		case 'c':
			if (!allow_interval)
				return usage_error(cmd, "no -c/--count for this command");
			if (!parse_u64(optarg, &v) || v == 0 || v > 1000000000)
				return usage_error(cmd, "bad count '%s' (integer >= 1)", optarg);
			o->count = (long)v;
			have_count = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			if (!allow_interval)
				return usage_error(cmd, "invalid option '-t'");
			o->timestamp = true;
			break;
		case 'x':
			if (!o->allow_wide)
				return usage_error(cmd, "invalid option '-x'");
			o->wide = true;
			break;
		case 'o':
			if (!o->allow_wide)
				return usage_error(cmd, "invalid option '-o'");
			o->columns = optarg;
			break;
		case 'h':
			return show_help(usage);
		default:
			return bad_option(cmd, argv, c);
		}
	}
	/*
	 * iostat's manners: trailing operands "interval [count]", after any
	 * devices (getopt has moved the operands to the end).  A device whose
	 * configfs name is a number is then named stackblkN or /dev/stackblkN.
	 */
	if (allow_interval && *argc - optind >= 2 && parse_seconds(argv[*argc - 2], &iv) &&
	    is_count(argv[*argc - 1], &cnt)) {
		if (cnt < 1)
			return usage_error(cmd, "bad count '%s' (integer >= 1)", argv[*argc - 1]);
		if (have_interval || have_count)
			return usage_error(cmd, "interval and count given twice (-i/-c and operands)");
		o->interval = iv;
		o->count = cnt;
		have_interval = have_count = true;
		*argc -= 2;
	} else if (allow_interval && *argc - optind >= 1 && parse_seconds(argv[*argc - 1], &iv)) {
		if (have_interval)
			return usage_error(cmd, "interval given twice (-i and an operand)");
		o->interval = iv;
		have_interval = true;
		*argc -= 1;
	}
	if (have_count && o->interval <= 0)
		return usage_error(cmd, "-c/--count needs -i/--interval");
	return -1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		return usage(stderr), EXIT_USAGE;
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("stackblk %s\n", STACKBLK_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--complete"))	/* hidden: for the bash completion */
		return complete(argc > 2 ? argv[2] : NULL);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command '%s'", cmd);
}
