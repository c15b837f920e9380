/* SPDX-License-Identifier: GPL-2.0 */
/* util.h - error reporting, allocation, file access and root-path overrides. */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses (documented in stackblk.8). */
#define EXIT_OK		0
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_MISMATCH	3	/* affinity: a vector interrupts outside its hctx */

#define SB_PATH_MAX	512

/* The four filesystem roots, each overridable from the environment. */
enum sb_root { SB_SYSFS, SB_CONFIGFS, SB_DEBUGFS, SB_PROCFS };

/* Root directory of @r: $STACKBLK_<R>, else $STACKBLK_ROOT + default, else default. */
const char *sb_root(enum sb_root r);
/* Build "<root>/<fmt...>" into @buf (SB_PATH_MAX); returns @buf. */
char *sb_path(char *buf, enum sb_root r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bounded string copy (truncates); returns dst. */
char *copy_str(char *dst, size_t n, const char *src);

/* Messages are prefixed with "stackblk: " and go to stderr. */
void sb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* File helpers: 0 on success, -errno on failure. */
int read_text(const char *path, char **out);		/* whole file, NUL terminated */
int read_line(const char *path, char *buf, size_t n);	/* first line, no newline */
int read_u64(const char *path, uint64_t *v);
int read_int(const char *path, long *v);
int write_text(const char *path, const char *s);
bool path_exists(const char *path);
bool is_dir(const char *path);

/* Numbers from the command line: false on junk or overflow. */
bool parse_u64(const char *s, uint64_t *v);
bool parse_size(const char *s, uint64_t *v);	/* bytes, optional K/M/G suffix (binary) */
bool parse_seconds(const char *s, double *v);	/* > 0, fractional allowed */

/* Monotonic time in seconds, wall-clock time in seconds, sleep. */
double now_mono(void);
double now_wall(void);
void sleep_seconds(double s);
/* -t: the local time as a line, ISO 8601 as iostat's S_TIME_FORMAT=ISO prints it. */
void print_timestamp(void);

/* Explain an errno from a root-only or configfs operation. */
const char *errno_hint(int err);

/*
 * out[i] = cur[i] - prev[i].  If any cur[i] < prev[i] (the counters were reset
 * or one wrapped), the whole sample is a fresh baseline: out[i] = cur[i], and
 * true is returned.  Deltas are therefore never negative.
 */
bool u64_delta(const uint64_t *prev, const uint64_t *cur, uint64_t *out, size_t n);

/* Length of the valid UTF-8 sequence at @s (1-4), 0 when it is not one. */
int utf8_len(const unsigned char *s);

#endif
