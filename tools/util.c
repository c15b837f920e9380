// SPDX-License-Identifier: GPL-2.0
/* util.c - error reporting, allocation, file access and root-path overrides. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *env;
	const char *def;
} roots[] = {
	[SB_SYSFS]	= { "STACKBLK_SYSFS",	 "/sys" },
	[SB_CONFIGFS]	= { "STACKBLK_CONFIGFS", "/sys/kernel/config" },
	[SB_DEBUGFS]	= { "STACKBLK_DEBUGFS",	 "/sys/kernel/debug" },
	[SB_PROCFS]	= { "STACKBLK_PROCFS",	 "/proc" },
};

const char *sb_root(enum sb_root r)
{
	static char buf[4][SB_PATH_MAX];
	const char *v = getenv(roots[r].env);
	const char *prefix;

	if (v && *v)
		return v;
	prefix = getenv("STACKBLK_ROOT");
	if (!prefix || !*prefix)
		return roots[r].def;
	snprintf(buf[r], sizeof(buf[r]), "%s%s", prefix, roots[r].def);
	return buf[r];
}

char *sb_path(char *buf, enum sb_root r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, SB_PATH_MAX, "%s/", sb_root(r));

	if (n < 0 || n >= SB_PATH_MAX)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, SB_PATH_MAX - n, fmt, ap);
	va_end(ap);
	return buf;
}

char *copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

void sb_err(const char *fmt, ...)
{
	va_list ap;

	fputs("stackblk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void oom(void)
{
	sb_err("out of memory");
	exit(EXIT_RUNTIME);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

int read_text(const char *path, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int read_line(const char *path, char *buf, size_t n)
{
	char *text;
	int ret = read_text(path, &text);

	if (ret)
		return ret;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, n, "%s", text);
	free(text);
	return 0;
}

int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	int ret = read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	return parse_u64(buf, v) ? 0 : -EINVAL;
}

int read_int(const char *path, long *v)
{
	char buf[64], *end;
	int ret = read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != ' '))
		return -EINVAL;
	return 0;
}

int write_text(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0 || (size_t)n != len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		return -err;
	}
	if (close(fd))
		return -errno;
	return 0;
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return errno == 0 && *end == '\0';
}

bool parse_size(const char *s, uint64_t *v)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	uint64_t n, mult = 1;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		u = strchr(units, end[0] & ~0x20);
		if (!u)
			return false;
		mult = 1ull << (10 * (u - units + 1));
		end++;
		/* accept K, KB, KiB (all binary) */
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return false;
	}
	if (n > UINT64_MAX / mult)
		return false;
	*v = n * mult;
	return true;
}

bool parse_seconds(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *v > 0 && *v < 86400 * 365;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_mono(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

double now_wall(void)
{
	return clock_s(CLOCK_REALTIME);
}

void sleep_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void print_timestamp(void)
{
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;

	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	printf("%s\n", buf);
}

const char *errno_hint(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return " (must be root)";
	case EBUSY:
		return " (device or backing busy)";
	default:
		return "";
	}
}

bool u64_delta(const uint64_t *prev, const uint64_t *cur, uint64_t *out, size_t n)
{
	bool reset = false;

	for (size_t i = 0; i < n && !reset; i++)
		reset = cur[i] < prev[i];
	for (size_t i = 0; i < n; i++)
		out[i] = reset ? cur[i] : cur[i] - prev[i];
	return reset;
}

/* Length of the valid UTF-8 sequence at @s (1-4), 0 when it is not one. */
int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		(s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (s[0] >= 0x80 && s[0] < 0xc2)
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}
