/* SPDX-License-Identifier: GPL-2.0 */
/* cli.h - the commands and what they share: usage errors and interval options. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <getopt.h>
#include <stdbool.h>

/* STACKBLK_VERSION: PACKAGE_VERSION of dkms.conf, passed by the Makefile. */
#ifndef STACKBLK_VERSION
#error "STACKBLK_VERSION is not defined: build with tools/Makefile"
#endif

int cmd_create(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_depth(int argc, char **argv);
int cmd_latency(int argc, char **argv);
int cmd_affinity(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* "stackblk: CMD: message" + "Try 'stackblk CMD --help'."; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print @usage to stdout; returns EXIT_OK. */
int show_help(const char *usage);

/* Options shared by the sampling commands. */
struct sample_opts {
	double interval;	/* 0: one report */
	long count;		/* reports in interval mode, -1: forever */
	bool json;
	bool timestamp;		/* -t: a local time line before each report */
	bool allow_wide;	/* set by the caller: -x is an option of this command */
	bool wide;		/* -x: every column */
	const char *columns;	/* -o LIST: these columns (stat, top), NULL: the view's */
};

#define SAMPLE_SHORTOPTS "i:c:jtxo:h"
#define SAMPLE_LONGOPTS \
	{ "interval", required_argument, NULL, 'i' }, \
	{ "count", required_argument, NULL, 'c' }, \
	{ "json", no_argument, NULL, 'j' }, \
	{ "timestamp", no_argument, NULL, 't' }, \
	{ "extended", no_argument, NULL, 'x' }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "help", no_argument, NULL, 'h' }

/* Report getopt_long's '?' or ':' result @c; returns EXIT_USAGE. */
int bad_option(const char *cmd, char **argv, int c);

/*
 * getopt_long over @argv with the sample options only (the caller sets the
 * defaults in @o first).  Returns -1 when parsing went fine (optind is then
 * the first operand), else the exit status to return (help or usage error).
 * @allow_interval: accept -i and -c, and trailing operands "interval
 * [count]" as iostat does; those are taken off the end (*@argc shrinks).
 */
int parse_sample_opts(int *argc, char **argv, const char *cmd, const char *usage,
		      struct sample_opts *o, bool allow_interval);

#endif
