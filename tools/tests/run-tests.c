// SPDX-License-Identifier: GPL-2.0
/*
 * run-tests.c - unit tests of the stackblk CLI's parsers and formatters
 * against the fixture trees in tests/fixtures/ (run from tools/).
 * Prints "PASS <name>" or "FAIL <name>: <reason>" per test, then
 * "N passed, N failed"; exits 1 if any failed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugfs.h"
#include "device.h"
#include "fmt.h"
#include "hist.h"
#include "json.h"
#include "msix.h"
#include "sample.h"
#include "svg.h"
#include "util.h"

static char why[1024];
static int npass, nfail;

#define CHECK(cond, ...) do {						\
	if (!(cond) && !why[0])						\
		snprintf(why, sizeof(why), __VA_ARGS__);		\
} while (0)
/* Like CHECK, but leave the test when it fails.  @cond is evaluated once. */
#define REQUIRE(cond, ...) do {						\
	bool _ok = (cond);						\
	CHECK(_ok, __VA_ARGS__);					\
	if (!_ok)							\
		return;							\
} while (0)

static const char *fixtures(void)
{
	const char *f = getenv("FIXTURES");

	return f ? f : "tests/fixtures";
}

/* Point every root at fixture tree @name. */
static void use_root(const char *name)
{
	char p[SB_PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", fixtures(), name);
	setenv("STACKBLK_ROOT", p, 1);
	unsetenv("STACKBLK_SYSFS");
	unsetenv("STACKBLK_CONFIGFS");
	unsetenv("STACKBLK_DEBUGFS");
	unsetenv("STACKBLK_PROCFS");
}

static char *read_fixture(const char *name, const char *path)
{
	char p[SB_PATH_MAX], *text = NULL;

	snprintf(p, sizeof(p), "%s/%s/%s", fixtures(), name, path);
	if (read_text(p, &text))
		snprintf(why, sizeof(why), "cannot read fixture %s", p);
	return text;
}

/* Capture what @fn writes to a FILE into a malloc'd string. */
#define CAPTURE(out, stmt) do {						\
	size_t _len;							\
	FILE *f = open_memstream(&(out), &_len);			\
	if (!f) {							\
		snprintf(why, sizeof(why), "open_memstream failed");	\
		return;							\
	}								\
	stmt;								\
	fclose(f);							\
} while (0)

/* Is @json valid JSON (python3 -m json.tool) and does @check (python, with
 * the parsed object in "d") hold? */
static bool json_ok(const char *json, const char *check)
{
	char tmpl[] = "/tmp/sb-json-XXXXXX", cmd[1024];
	int fd = mkstemp(tmpl);
	FILE *f;
	int rc;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return false;
	fputs(json, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null 2>&1", tmpl);
	rc = system(cmd);
	if (rc == 0 && check) {
		setenv("SB_CHECK", check, 1);
		snprintf(cmd, sizeof(cmd),
			 "python3 -c 'import json, os, sys\nfor l in open(sys.argv[1]):\n"
			 " d = json.loads(l)\n assert eval(os.environ[\"SB_CHECK\"])' %s", tmpl);
		rc = system(cmd);
		unsetenv("SB_CHECK");
	}
	unlink(tmpl);
	return rc == 0;
}

/* ---- util ---------------------------------------------------------------- */

static void test_root_override(void)
{
	setenv("STACKBLK_ROOT", "/fx", 1);
	setenv("STACKBLK_PROCFS", "/myproc", 1);
	unsetenv("STACKBLK_SYSFS");
	CHECK(!strcmp(sb_root(SB_SYSFS), "/fx/sys"), "sysfs %s", sb_root(SB_SYSFS));
	CHECK(!strcmp(sb_root(SB_CONFIGFS), "/fx/sys/kernel/config"), "configfs");
	CHECK(!strcmp(sb_root(SB_PROCFS), "/myproc"), "procfs %s", sb_root(SB_PROCFS));
	unsetenv("STACKBLK_ROOT");
	unsetenv("STACKBLK_PROCFS");
	CHECK(!strcmp(sb_root(SB_DEBUGFS), "/sys/kernel/debug"), "default debugfs");
	CHECK(!strcmp(sb_root(SB_PROCFS), "/proc"), "default procfs");
}

static void test_parse_numbers(void)
{
	uint64_t v;
	double d;

	CHECK(parse_size("4096", &v) && v == 4096, "4096");
	CHECK(parse_size("4K", &v) && v == 4096, "4K");
	CHECK(parse_size("1m", &v) && v == 1048576, "1m");
	CHECK(parse_size("64KiB", &v) && v == 65536, "64KiB");
	CHECK(!parse_size("4X", &v) && !parse_size("", &v) && !parse_size("-1", &v), "junk");
	CHECK(!parse_size("99999999999999999999", &v), "overflow");
	CHECK(parse_u64(" 12\n", &v) && v == 12, "u64 with blanks");
	CHECK(!parse_u64("12a", &v) && !parse_u64("", &v), "u64 junk");
	CHECK(parse_seconds("0.5", &d) && d == 0.5, "0.5 s");
	CHECK(!parse_seconds("0", &d) && !parse_seconds("x", &d), "bad seconds");
}

static void test_u64_delta(void)
{
	uint64_t prev[3] = { 10, 20, 30 }, cur[3] = { 15, 20, 31 }, out[3];
	uint64_t wrapped[3] = { 1, 25, 40 };

	CHECK(!u64_delta(prev, cur, out, 3) && out[0] == 5 && out[1] == 0 && out[2] == 1,
	      "plain delta %llu %llu %llu", (unsigned long long)out[0],
	      (unsigned long long)out[1], (unsigned long long)out[2]);
	CHECK(u64_delta(prev, wrapped, out, 3) && out[0] == 1 && out[1] == 25 && out[2] == 40,
	      "decrease -> baseline");
}

/* ---- histograms --------------------------------------------------------- */

static void test_percentile(void)
{
	uint64_t b[SB_LAT_FINE_BUCKETS] = { 0 }, v;
	static const struct { uint64_t ns, n; } samples[] = {
		{ 20000, 100 }, { 50000, 600 }, { 70000, 250 }, { 150000, 45 }, { 1000000, 5 },
	};

	CHECK(!lat_percentile(b, 0.5, &v) && v == 0, "empty");
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		b[sb_lat_fine_bucket(samples[i].ns)] += samples[i].n;
	/* the midpoint of the bucket holding the sample, as fio reports */
	CHECK(lat_percentile(b, 0.50, &v) && v == 51200, "p50 %llu", (unsigned long long)v);
	CHECK(lat_percentile(b, 0.99, &v) && v == 155648, "p99 %llu", (unsigned long long)v);
	CHECK(lat_percentile(b, 0.999, &v) && v == 1015808, "p99.9 %llu",
	      (unsigned long long)v);
	CHECK(lat_percentile(b, 0.10, &v) && v == 19456, "p10 at boundary %llu",
	      (unsigned long long)v);
	/* one sample of any size: reported within 6.25 % (exact below 16 ns) */
	for (uint64_t ns = 0; ns < (1ULL << 41); ns += ns / 100 + 1) {
		uint64_t one[SB_LAT_FINE_BUCKETS] = { 0 };
		double err;

		one[sb_lat_fine_bucket(ns)] = 1;
		CHECK(lat_percentile(one, 0.5, &v), "one sample");
		err = ns ? fabs((double)v - (double)ns) / (double)ns : (double)v;
		if (ns < (1ULL << SB_LAT_BUCKETS) && err > 0.0625) {
			CHECK(0, "%llu ns reported as %llu", (unsigned long long)ns,
			      (unsigned long long)v);
			break;
		}
	}
}

static void test_lat_fold(void)
{
	uint64_t b[SB_LAT_FINE_BUCKETS] = { 0 }, log2[SB_LAT_BUCKETS], total = 0;

	for (uint64_t ns = 1; ns < (1ULL << 41); ns = ns * 3 + 1) {
		b[sb_lat_fine_bucket(ns)]++;
		b[sb_lat_fine_bucket(ns - 1)]++;
	}
	lat_fold_log2(b, log2);
	for (int i = 0; i < SB_LAT_BUCKETS; i++)
		total += log2[i];
	CHECK(total == hist_total(b, SB_LAT_FINE_BUCKETS), "fold lost counts");
	CHECK(log2[0] == b[0] + b[1] && log2[4] == b[16] + b[17] + b[18] + b[19] + b[20] +
	      b[21] + b[22] + b[23], "fold of b0/b4");
}

static void test_hist_labels(void)
{
	char l[40];

	hist_label(l, sizeof(l), HIST_DEPTH, 0);
	CHECK(!strcmp(l, "[1]"), "depth b0 %s", l);
	hist_label(l, sizeof(l), HIST_DEPTH, 1);
	CHECK(!strcmp(l, "[2, 4)"), "depth b1 %s", l);
	hist_label(l, sizeof(l), HIST_DEPTH, 12);
	CHECK(!strcmp(l, "[4K, 8K)"), "depth b12 %s", l);
	hist_label(l, sizeof(l), HIST_NS, 0);
	CHECK(!strcmp(l, "[0, 2)"), "ns b0 %s", l);
	hist_label(l, sizeof(l), HIST_NS, 19);
	CHECK(!strcmp(l, "[512K, 1M)"), "ns b19 %s", l);
	hist_label(l, sizeof(l), HIST_NS, 39);
	CHECK(!strcmp(l, "[512G, 1T)"), "ns b39 %s", l);
}

static void test_hist_bars(void)
{
	uint64_t b[SB_DEPTH_BUCKETS] = { 0, 12, 0, 24 };
	char *out;

	CAPTURE(out, hist_print(f, b, SB_DEPTH_BUCKETS, HIST_DEPTH, 0));
	/* first..last non-empty bucket, empty ones inside kept, max = full bar */
	CHECK(!strncmp(out, "[2, 4)        12 |@@@@@@@@@@@@@@@@@@@@@@@@@@ ", 45),
	      "line 1: %.60s", out);
	CHECK(strstr(out, "\n[4, 8)         0 |   "), "empty middle bucket");
	CHECK(strstr(out, "[8, 16)       24 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"),
	      "full bar: %s", out);
	CHECK(!strstr(out, "[1]"), "leading empty bucket printed");
	free(out);
	memset(b, 0, sizeof(b));
	CAPTURE(out, hist_print(f, b, SB_DEPTH_BUCKETS, HIST_DEPTH, 2));
	CHECK(!strcmp(out, "  (empty)\n"), "empty: %s", out);
	free(out);
}

/* ---- debugfs -------------------------------------------------------------- */

static void test_parse_hctx(void)
{
	char *text = read_fixture("nvme-4cpu-612", "sys/kernel/debug/stackblk/stackblk0/hctx");
	struct sb_hctx *h;
	size_t n;

	REQUIRE(text, "no fixture");
	CHECK(!parse_hctx(text, &h, &n), "parse failed");
	free(text);
	REQUIRE(!why[0] && n == 4, "n=%zu", n);
	CHECK(h[0].id == 0 && h[0].max == 8 && h[0].b[1] == 200 && h[3].max == 3, "values");
	CHECK(hist_total(h[1].b, SB_DEPTH_BUCKETS) == 480, "hctx1 total");
	free(h);
	CHECK(parse_hctx("# h\n0 1 x\n", &h, &n) == -EINVAL && !h && !n, "junk accepted");
	CHECK(!parse_hctx("0 1 2 3\n", &h, &n) && n == 1 && h[0].b[0] == 3 && h[0].b[13] == 0,
	      "short line not zero-filled");
	free(h);
}

static void test_parse_latency(void)
{
	char *text = read_fixture("nvme-4cpu-612", "sys/kernel/debug/stackblk/stackblk0/latency");
	struct sb_latency lat;
	const struct sb_lat_hist *w;

	REQUIRE(text, "no fixture");
	CHECK(!parse_latency(text, &lat), "parse failed");
	free(text);
	/* the log2 file of an older module: counts go to each power's last fine bucket */
#define TOP(i) sb_lat_fine_bucket((2ULL << (i)) - 1)
	w = &lat.h[SB_LAT_logical][SB_LAT_OP_write];
	CHECK(w->count == 1000 && w->b[TOP(15)] == 600 && w->b[TOP(20)] == 5, "logical write");
	CHECK(lat.h[SB_LAT_physical][SB_LAT_OP_flush].b[TOP(17)] == 2, "physical flush");
	CHECK(lat.h[SB_LAT_logical][SB_LAT_OP_other].count == 0, "other");
	CHECK(!parse_latency("logical read 1 2 3\nnewpath read 1 1 1\n", &lat) &&
	      lat.h[SB_LAT_logical][SB_LAT_OP_read].b[TOP(0)] == 3, "unknown path not skipped");
#undef TOP
	CHECK(parse_latency("logical read x 1\n", &lat) == -EINVAL, "junk accepted");
}

/* latency_fine: a header of the fine buckets' lower bounds, then the counts. */
static void test_parse_latency_fine(void)
{
	char text[8192], *p = text;
	struct sb_latency lat;

	p += sprintf(p, "# path op count sum_ns");
	for (int i = 0; i < SB_LAT_FINE_BUCKETS; i++)
		p += sprintf(p, " %llu", sb_lat_fine_lo(i));
	p += sprintf(p, "\nlogical write 3 300");
	for (int i = 0; i < SB_LAT_FINE_BUCKETS; i++)
		p += sprintf(p, " %d", i == 100 ? 2 : i == SB_LAT_FINE_BUCKETS - 1);
	sprintf(p, "\n");
	CHECK(!parse_latency(text, &lat), "parse failed");
	CHECK(lat.h[SB_LAT_logical][SB_LAT_OP_write].count == 3 &&
	      lat.h[SB_LAT_logical][SB_LAT_OP_write].b[100] == 2 &&
	      lat.h[SB_LAT_logical][SB_LAT_OP_write].b[SB_LAT_FINE_BUCKETS - 1] == 1,
	      "fine buckets");
	/* bounds that are not this CLI's layout are refused, not misread */
	memcpy(text, "# path op count sum_ns 0 2", 26);
	CHECK(parse_latency(text, &lat) == -EINVAL, "foreign bounds accepted");
}

static void test_parse_completion(void)
{
	char *text = read_fixture("nvme-4cpu-612",
				  "sys/kernel/debug/stackblk/stackblk0/completion");
	struct sb_completion c;

	REQUIRE(text, "no fixture");
	CHECK(!parse_completion(text, &c), "parse failed");
	free(text);
	REQUIRE(!why[0], "parse");
	CHECK(c.ncpus == 4 && c.group == 1 && c.rows == 4 && c.cols == 4, "shape");
	CHECK(c.backing[SB_SAME] == 1745 && c.backing[SB_REMOTE] == 57 &&
	      c.complete[SB_SAME] == 1790, "locality");
	CHECK(completion_matrix_total(&c) == 1802, "matrix total %llu",
	      (unsigned long long)completion_matrix_total(&c));
	CHECK(c.row_cpu[3] == 3 && c.m[3 * 4 + 3] == 450, "row 3");
	completion_free(&c);
	CHECK(parse_completion("matrix 2 2\n0 1 2\n", &c) == -EINVAL, "missing row accepted");
	CHECK(parse_completion("matrix 1 2\n0 1\n", &c) == -EINVAL, "short row accepted");
	CHECK(!parse_completion("ncpus 2\nnew_key 5\n", &c) && c.ncpus == 2 && !c.m,
	      "unknown key / no matrix");
	completion_free(&c);
}

static void test_completion_delta(void)
{
	struct sb_completion a, b, d;

	REQUIRE(!parse_completion("backing_same 10\nmatrix 1 2\n0 6 4\n", &a), "a");
	REQUIRE(!parse_completion("backing_same 15\nmatrix 1 2\n0 9 6\n", &b), "b");
	CHECK(!completion_delta(&a, &b, &d) && d.backing[SB_SAME] == 5 && d.m[0] == 3 &&
	      d.m[1] == 2 && completion_matrix_total(&d) == 5, "delta");
	completion_free(&d);
	CHECK(completion_delta(&b, &a, &d) && d.m[0] == 6 && d.backing[SB_SAME] == 10,
	      "reset not a baseline");
	completion_free(&d);
	completion_free(&a);
	completion_free(&b);
}

/* ---- /proc/interrupts, MSI-X ------------------------------------------------- */

static void test_cpulist(void)
{
	struct cpuset a, b;

	CHECK(cpulist_parse("0-3,8,10-11\n", &a), "parse");
	CHECK(cpuset_has(&a, 0) && cpuset_has(&a, 3) && !cpuset_has(&a, 4) &&
	      cpuset_has(&a, 8) && cpuset_has(&a, 11) && !cpuset_has(&a, 12), "members");
	CHECK(cpulist_parse("2", &b) && cpuset_subset(&b, &a), "2 within");
	CHECK(cpulist_parse("4", &b) && !cpuset_subset(&b, &a), "4 not within");
	CHECK(cpulist_parse("", &b) && cpuset_empty(&b), "empty");
	CHECK(!cpulist_parse("3-1", &b) && !cpulist_parse("a", &b) && !cpulist_parse("1;2", &b),
	      "junk accepted");
	CHECK(cpulist_parse("8191", &b) && !cpulist_parse("8192", &b), "limit");
}

static void check_interrupts(const char *fixture, int ncpus, const char *chip)
{
	char *text = read_fixture(fixture, "proc/interrupts");
	struct interrupts in;
	const struct irq_line *l;

	REQUIRE(text, "no fixture");
	CHECK(!interrupts_parse(text, &in), "parse failed");
	free(text);
	REQUIRE(!why[0], "parse");
	CHECK((int)in.ncpus == ncpus && in.cpu[ncpus - 1] == ncpus - 1, "cpus %zu", in.ncpus);
	l = interrupts_find(&in, 25);
	REQUIRE(l, "irq 25 missing");
	CHECK(!strcmp(l->name, "nvme0q1"), "name '%s'", l->name);
	CHECK(!strcmp(l->chip, chip), "chip '%s'", l->chip);
	CHECK(l->counts[0] > 0, "count");
	CHECK(!interrupts_find(&in, 99), "irq 99 found");
	l = interrupts_find(&in, 0);
	CHECK(l && !strcmp(l->name, "timer"), "timer");
	interrupts_free(&in);
}

static void test_interrupts_612(void)
{
	check_interrupts("nvme-4cpu-612", 4, "PCI-MSIX-0000:00:04.0");
}

static void test_interrupts_61(void)
{
	check_interrupts("nvme-2cpu-61", 2, "PCI-MSI");
}

static void test_interrupts_misc(void)
{
	struct interrupts a, b, d;

	CHECK(!interrupts_parse("   CPU0   CPU2\n 5: 1 2 X 3-edge a, b\n", &a) &&
	      a.cpu[1] == 2 && !strcmp(a.lines[0].name, "a, b"), "offline cpu / shared");
	CHECK(!interrupts_parse("   CPU0   CPU2\n 5: 4 1 X 3-edge a, b\n", &b), "b");
	interrupts_delta(&a, &b, &d);
	CHECK(d.lines[0].counts[0] == 4 && d.lines[0].counts[1] == 1, "reset baseline");
	interrupts_free(&d);
	interrupts_delta(&b, &b, &d);
	CHECK(d.lines[0].counts[0] == 0, "zero delta");
	interrupts_free(&d);
	interrupts_free(&a);
	interrupts_free(&b);
	CHECK(interrupts_parse("garbage\n", &a) == -EINVAL, "garbage accepted");
	CHECK(interrupts_parse(" CPU0\n 5: x\n", &a) == -EINVAL, "bad count accepted");
}

static void discover(const char *fixture, const char *backing, struct interrupts *in,
		     struct msix_info *m)
{
	use_root(fixture);
	memset(in, 0, sizeof(*in));
	if (interrupts_read(in))
		snprintf(why, sizeof(why), "interrupts_read");
	msix_discover(backing, in, m);
}

static void test_msix_nvme_4cpu(void)
{
	struct interrupts in;
	struct msix_info m;

	discover("nvme-4cpu-612", "nvme0n1", &in, &m);
	CHECK(m.n == 4 && m.nr_hctx == 4, "n=%zu hctx=%ld (%s)", m.n, m.nr_hctx, m.reason);
	CHECK(!strcmp(m.pci, "0000:00:04.0"), "pci '%s'", m.pci);
	CHECK(m.admin_irq == 24, "admin %ld", m.admin_irq);
	for (size_t i = 0; i < m.n; i++) {
		CHECK(m.vec[i].hctx == (long)i && m.vec[i].queue == (int)i + 1 &&
		      m.vec[i].irq == 25 + (long)i, "vector %zu", i);
		CHECK(m.vec[i].verified && !strcmp(m.vec[i].mode, "msix"), "verified %zu", i);
	}
	msix_free(&m);
	interrupts_free(&in);
}

static void test_msix_nvme_2cpu_mismatch(void)
{
	struct interrupts in;
	struct msix_info m;

	discover("nvme-2cpu-61", "nvme0n1", &in, &m);
	REQUIRE(m.n == 2, "n=%zu (%s)", m.n, m.reason);
	CHECK(m.vec[0].verified && !strcmp(m.vec[0].cpu_list, "0"), "q1");
	CHECK(!m.vec[1].verified && !strcmp(m.vec[1].effective, "0") &&
	      !strcmp(m.vec[1].cpu_list, "1"), "q2 should mismatch");
	msix_free(&m);
	interrupts_free(&in);
}

static void test_msix_null_blk(void)
{
	struct interrupts in;
	struct msix_info m;

	discover("nvme-2cpu-61", "nullb0", &in, &m);
	CHECK(m.n == 0 && strstr(m.reason, "not a PCI device"), "reason '%s'", m.reason);
	CHECK(m.nr_hctx == 1, "hctx %ld", m.nr_hctx);
	msix_free(&m);
	interrupts_free(&in);
	discover("nvme-2cpu-61", "dm-0", &in, &m);
	CHECK(m.n == 0 && strstr(m.reason, "not a blk-mq"), "dm reason '%s'", m.reason);
	msix_free(&m);
	interrupts_free(&in);
}

/* ---- devices, counters, metrics --------------------------------------------- */

static void test_dev_list_configfs(void)
{
	struct cli_dev *d;
	size_t n;

	use_root("nvme-4cpu-612");
	CHECK(sb_module_loaded(), "module");
	REQUIRE(!sb_dev_list(&d, &n), "list");
	REQUIRE(n == 2, "n=%zu", n);
	CHECK(!strcmp(d[0].name, "fast") && d[0].index == 0 && d[0].configfs &&
	      !strcmp(d[0].node, "stackblk0") && !strcmp(d[0].backing, "nvme0n1"), "fast");
	CHECK(d[0].size == 1073741824 && d[0].nr_hctx == 4 && d[0].depth == 128, "fast sizes");
	CHECK(!strcmp(d[1].name, "spare") && d[1].index == -1 && !d[1].node[0], "spare");
	free(d);
}

static void test_dev_list_param(void)
{
	struct cli_dev *d, dev;
	size_t n;

	use_root("nvme-2cpu-61");
	REQUIRE(!sb_dev_list(&d, &n) && n == 2, "n=%zu", n);
	CHECK(!strcmp(d[0].name, "stackblk0") && !d[0].configfs && d[0].nr_hctx == 2,
	      "param device");
	CHECK(!strcmp(d[1].name, "slow") && d[1].index == 1 && !strcmp(d[1].stages, "merge,split"),
	      "slow");
	free(d);
	CHECK(!sb_dev_find("slow", &dev) && dev.index == 1, "by name");
	CHECK(!sb_dev_find("stackblk1", &dev) && !strcmp(dev.name, "slow"), "by node");
	CHECK(!sb_dev_find("/dev/stackblk0", &dev) && !dev.configfs, "by /dev path");
	CHECK(sb_dev_find("/dev/slow", &dev) == -ENOENT, "/dev/NAME found");
	CHECK(sb_dev_find("nope", &dev) == -ENOENT, "unknown found");
	use_root("does-not-exist");
	CHECK(!sb_module_loaded(), "module in empty root");
}

static void take(const char *root, struct sb_sample *s, double t)
{
	struct cli_dev dev = { .index = 0, .node = "stackblk0" };

	use_root(root);
	if (sample_take(&dev, s))
		snprintf(why, sizeof(why), "sample_take %s", root);
	s->t = t;
}

static void test_metrics_totals(void)
{
	struct sb_sample s;
	struct sb_metrics m;
	struct cli_dev dev = { .index = 1, .node = "stackblk1" };

	take("nvme-4cpu-612", &s, 1);
	metrics_compute(NULL, &s, &m);
	CHECK(m.interval == 0 && m.c[SB_STAT_logical_write_ios] == 1000, "totals");
	CHECK(m.amp_bytes == 1.0 && m.amp_ops == 1.0, "passthrough amp %f %f", m.amp_bytes,
	      m.amp_ops);
	/* log2 fixture: midpoints of the top fine bucket of [64K, 128K), [128K, 256K), ... */
	CHECK(m.lat_valid && m.p50[SB_LAT_logical] == 126976 && m.p99[SB_LAT_logical] == 253952 &&
	      m.p50[SB_LAT_physical] == 63488 && m.p99[SB_LAT_physical] == 126976,
	      "percentiles %llu %llu", (unsigned long long)m.p50[0], (unsigned long long)m.p99[0]);
	CHECK(m.g[SB_GAUGE_inflight_max] == 8, "inflight_max");
	CHECK(metrics_rate(&m, SB_STAT_logical_write_ios) == 1000, "rate of totals");

	use_root("nvme-2cpu-61");
	REQUIRE(!sample_take(&dev, &s), "stackblk1");
	metrics_compute(NULL, &s, &m);
	CHECK(m.amp_bytes == 1.0 && m.amp_ops == 2.0 && m.c[SB_STAT_split_ios] == 100,
	      "split amp %f %f", m.amp_bytes, m.amp_ops);

	setenv("STACKBLK_DEBUGFS", "/nonexistent", 1);
	REQUIRE(!sample_take(&dev, &s), "without debugfs");
	metrics_compute(NULL, &s, &m);
	CHECK(s.lat_err == -ENOENT && !m.lat_valid, "latency without debugfs");
	unsetenv("STACKBLK_DEBUGFS");
}

static void test_metrics_interval(void)
{
	struct sb_sample a, b;
	struct sb_metrics m;

	take("samples/base", &a, 10);
	take("samples/next", &b, 12);
	metrics_compute(&a, &b, &m);
	CHECK(!m.reset && m.interval == 2, "interval %f", m.interval);
	CHECK(m.c[SB_STAT_logical_write_ios] == 1000 &&
	      metrics_rate(&m, SB_STAT_logical_write_ios) == 500, "rate");
	CHECK(m.amp_bytes == 1.0 && m.g[SB_GAUGE_inflight] == 3, "amp/gauge");
	CHECK(!m.lat_valid, "latency without debugfs files");
}

static void test_metrics_reset(void)
{
	struct sb_sample a, b;
	struct sb_metrics m;

	take("samples/next", &a, 10);
	take("samples/reset", &b, 11);
	metrics_compute(&a, &b, &m);
	CHECK(m.reset, "reset not detected");
	CHECK(m.c[SB_STAT_logical_write_ios] == 10 && m.c[SB_STAT_logical_read_ios] == 0,
	      "values since reset");
	for (int i = 0; i < SB_NR_STATS; i++)
		CHECK(metrics_rate(&m, i) >= 0 && m.c[i] < (1ull << 63), "negative %s",
		      sb_counter_names[i]);
	{	/* the human table marks the row and explains the mark */
		struct cli_dev dev = { .index = 0, .node = "stackblk0" };
		struct metrics_cols cols;
		struct table t;
		char *out;

		metrics_cols_pick(&cols, false, 0);
		metrics_table_init(&t, &cols, true);
		metrics_row(&t, &cols, &dev, &m);
		CAPTURE(out, { table_print(&t, f); metrics_reset_note(f, m.reset); });
		table_free(&t);
		CHECK(strstr(out, "\nstackblk0* ") && strstr(out, "\n* counters were reset"),
		      "reset marker:\n%s", out);
		free(out);
	}
}

/*
 * A reset under load: the counters show it (logical_read_ios fell), but
 * every node and latency count since the reset already passed the previous
 * sample's.  Those are taken as they are too, not as deltas from before.
 */
static void test_metrics_reset_arrays(void)
{
	struct sb_sample a, b;
	struct sb_metrics m;

	take("samples/next", &a, 10);
	take("samples/reset", &b, 11);
	a.comp_err = b.comp_err = 0;
	a.comp.backing_node[0] = 1000;
	a.comp.backing_node[1] = 10;
	b.comp.backing_node[0] = 1500;
	b.comp.backing_node[1] = 600;
	a.lat_err = b.lat_err = 0;
	memset(&a.lat, 0, sizeof(a.lat));
	memset(&b.lat, 0, sizeof(b.lat));
	a.lat.h[0][0].b[10] = 5;
	a.lat.h[0][0].count = 5;
	b.lat.h[0][0].b[10] = 7;
	b.lat.h[0][0].count = 7;
	metrics_compute(&a, &b, &m);
	CHECK(m.reset, "reset not detected");
	CHECK(m.node_valid && m.node.backing_node[0] == 1500 && m.node.backing_node[1] == 600,
	      "node counts since the reset: %llu %llu",
	      (unsigned long long)m.node.backing_node[0],
	      (unsigned long long)m.node.backing_node[1]);
	CHECK(m.lat_valid && m.have_pct[0], "latency since the reset");
}

static void test_metrics_wrap(void)
{
	struct sb_sample a, b;
	struct sb_metrics m;

	take("samples/next", &a, 10);
	take("samples/wrap", &b, 11);
	metrics_compute(&a, &b, &m);
	CHECK(m.reset, "wrap not detected");
	CHECK(m.c[SB_STAT_logical_write_ios] == 5, "wrapped counter %llu",
	      (unsigned long long)m.c[SB_STAT_logical_write_ios]);
	for (int i = 0; i < SB_NR_STATS; i++)
		CHECK(m.c[i] < (1ull << 63), "huge (negative) %s", sb_counter_names[i]);
	/* and the sample after a baseline is a normal delta again */
	take("samples/wrap", &a, 11);
	take("samples/wrap", &b, 12);
	metrics_compute(&a, &b, &m);
	CHECK(!m.reset && m.c[SB_STAT_logical_write_ios] == 0 && m.amp_bytes < 0,
	      "idle after baseline");
}

/* ---- formatters ------------------------------------------------------------------ */

static void test_fmt(void)
{
	char b[FMT_LEN];

	CHECK(!strcmp(fmt_bytes(b, 512), "512B"), "512B %s", b);
	CHECK(!strcmp(fmt_bytes(b, 1073741824), "1.0G"), "1G %s", b);
	CHECK(!strcmp(fmt_bytes(b, 1536), "1.5K"), "1.5K %s", b);
	CHECK(!strcmp(fmt_ns(b, 812), "812ns"), "ns %s", b);
	CHECK(!strcmp(fmt_ns(b, 65536), "65.5us"), "us %s", b);
	CHECK(!strcmp(fmt_ns(b, 2097152), "2.1ms"), "ms %s", b);
	CHECK(!strcmp(fmt_ns(b, 2150000000ull), "2.15s"), "s %s", b);
	CHECK(!strcmp(fmt_num(b, 0), "0") && !strcmp(fmt_num(b, 12.25), "12.2") &&
	      !strcmp(fmt_num(b, 1234.5), "1234") && !strcmp(fmt_num(b, 2.5e7), "25.0M") &&
	      !strcmp(fmt_num(b, -1), "-"), "num");
	CHECK(!strcmp(fmt_ratio(b, 1), "1.00") && !strcmp(fmt_ratio(b, -1), "-"), "ratio");
	CHECK(!strcmp(fmt_pct(b, 1, 3), "33.3%") && !strcmp(fmt_pct(b, 0, 0), "-"), "pct");
}

static void test_table(void)
{
	struct table t;
	char *out;

	table_init(&t, "lr");
	table_cell(&t, "NAME");
	table_cell(&t, "N");
	table_cell(&t, "a");
	table_cell(&t, "%d", 1234);
	CAPTURE(out, table_print(&t, f));
	table_free(&t);
	CHECK(!strcmp(out, "NAME     N\na     1234\n"), "table:\n%s", out);
	free(out);
}

static void test_json_writer(void)
{
	struct json j;
	char *out;

	CAPTURE(out, {
		json_init(&j, f);
		json_obj(&j, NULL);
		json_str(&j, "s", "q\"b\\\n\x01");
		json_arr(&j, "a");
		json_u64(&j, NULL, 18446744073709551615ull);
		json_i64(&j, NULL, -1);
		json_obj(&j, NULL);
		json_end(&j, '}');
		json_end(&j, ']');
		json_num(&j, "x", 1.5);
		json_num(&j, "nan", 0.0 / 0.0);
		json_null(&j, "n");
		json_bool(&j, "t", true);
		json_end(&j, '}');
	});
	CHECK(!strcmp(out, "{\"s\":\"q\\\"b\\\\\\n\\u0001\",\"a\":[18446744073709551615,-1,{}],"
			   "\"x\":1.500,\"nan\":null,\"n\":null,\"t\":true}\n"), "text %s", out);
	CHECK(json_ok(out, "d['a'][0] == 2**64 - 1 and d['s'] == 'q\"b\\\\\\n\\x01'"),
	      "python rejects %s", out);
	free(out);
}

/* Bytes that are not UTF-8 (a name, a path) become U+FFFD: valid JSON. */
static void test_json_utf8(void)
{
	struct json j;
	char *out;

	CAPTURE(out, {
		json_init(&j, f);
		json_obj(&j, NULL);
		json_str(&j, "s", "caf\xe9 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe \xc3");
		json_end(&j, '}');
	});
	CHECK(!strcmp(out, "{\"s\":\"caf\\ufffd \xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe \\ufffd\"}\n"),
	      "text %s", out);
	CHECK(json_ok(out, "d['s'] == 'caf\\ufffd \\xe9 \\u20ac \\U0001f4be \\ufffd'"),
	      "python rejects %s", out);
	free(out);
}

static void test_metrics_json(void)
{
	struct cli_dev dev = { .index = 0, .node = "stackblk0", .name = "fast",
			      .backing = "nvme0n1" };
	struct sb_sample a, b;
	struct sb_metrics m;
	struct json j;
	char *out, expr[1024];

	take("nvme-4cpu-612", &a, 1);
	metrics_compute(NULL, &a, &m);
	CAPTURE(out, { json_init(&j, f); metrics_json(&j, &dev, &m); });
	/* every counter of the shared list, none more (SB_NR_STATS, not a literal) */
	snprintf(expr, sizeof(expr),
		 "d['counters']['logical_write_ios'] == 1000 and "
		 "d['amplification'] == {'bytes': 1.0, 'ops': 1.0} and "
		 "d['rates'] is None and d['interval'] is None and "
		 "d['latency_ns']['logical']['p50'] == 126976 and "
		 "d['latency_ns']['logical']['p99'] == 253952 and "
		 "d['latency_ns']['logical']['ops']['write'] == "
		 "{'p50': 63488, 'p99': 253952, 'p999': 2031616} and "
		 "d['latency_ns']['physical']['ops']['other']['p999'] is None and "
		 "d['avg_request_kib'] == {'logical_read': 16, 'logical_write': 4, "
		 "'physical_read': 16, 'physical_write': 4} and "
		 "d['inflight_max'] == 8 and d['device'] == 'stackblk0' and "
		 "len(d['counters']) == %d", SB_NR_STATS);
	CHECK(json_ok(out, expr), "totals json: %s", out);
	free(out);
	take("samples/base", &a, 0);
	take("samples/next", &b, 2);
	metrics_compute(&a, &b, &m);
	CAPTURE(out, { json_init(&j, f); metrics_json(&j, &dev, &m); });
	CHECK(json_ok(out, "d['rates']['logical_write_iops'] == 500 and "
			   "abs(d['rates']['logical_read_mbps'] - 6.554) < 0.01 and "
			   "d['interval'] == 2 and d['latency_ns'] is None and "
			   "all(v >= 0 for v in d['rates'].values())"), "interval json: %s", out);
	free(out);
	take("samples/reset", &b, 3);
	metrics_compute(&a, &b, &m);
	CAPTURE(out, { json_init(&j, f); metrics_json(&j, &dev, &m); });
	CHECK(json_ok(out, "d['reset'] is True and "
			   "all(v >= 0 for v in d['rates'].values()) and "
			   "d['counters']['logical_write_ios'] == 10"), "reset json: %s", out);
	free(out);
}

/* the table of stat: @wide or the default view, fitted into @max_width (NULL: failed) */
static char *metrics_table_text(const struct sb_metrics *m, bool wide, int max_width)
{
	struct cli_dev dev = { .index = 0, .node = "stackblk0" };
	struct metrics_cols cols;
	struct table t;
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	metrics_cols_pick(&cols, wide, max_width);
	metrics_table_init(&t, &cols, false);
	metrics_row(&t, &cols, &dev, m);
	table_print(&t, f);
	fclose(f);
	table_free(&t);
	return out;
}

/* the longest line of @s */
static size_t max_line(const char *s)
{
	size_t max = 0;

	while (*s) {
		size_t len = strcspn(s, "\n");

		if (len > max)
			max = len;
		s += len + (s[len] == '\n');
	}
	return max;
}

static void test_metrics_table(void)
{
	struct sb_sample a;
	struct sb_metrics m;
	char *out;

	take("nvme-4cpu-612", &a, 1);
	metrics_compute(NULL, &a, &m);
	out = metrics_table_text(&m, false, 0);
	CHECK(out && strstr(out, "DEVICE          L_r      L_w    L_rMB    L_wMB  AMP_B  AMP_OPS    err"
		      "    L_rp99    L_wp99  inflight\n") &&
	      strstr(out, "stackblk0       800     1000    13.11     4.10   1.00     1.00      0"
		      "   254.0us   254.0us         0\n") && max_line(out) <= 100,
	      "default table:\n%s", out);
	free(out);
	out = metrics_table_text(&m, true, 0);
	CHECK(out && strstr(out, "   L_rsz   L_wsz ") && strstr(out, "  err    tmout ") &&
	      strstr(out, "    16.0     4.0 ") &&
	      strstr(out, "   127.0us   254.0us    63.5us   127.0us"),
	      "wide table:\n%s", out);
	free(out);
	/* top drops columns to fit; DEVICE, L_r, L_w and AMP_B (35) always stay */
	for (int w = 20; w <= 300; w += 10) {
		out = metrics_table_text(&m, true, w);
		CHECK(out && max_line(out) <= (size_t)(w < 35 ? 35 : w) && strstr(out, "AMP_B"),
		      "wide table in %d columns:\n%s", w, out);
		free(out);
	}
}

/* Occurrences of @needle in @hay. */
static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The shape of a whole SVG document: its prolog, balanced elements, only our entities. */
static void check_svg_doc(const char *doc, const char *what)
{
	static const char *const balanced[][2] = {
		{ "<svg ", "</svg>" }, { "<text ", "</text>" }, { "<title>", "</title>" },
	};

	CHECK(!strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44),
	      "%s: prolog", what);
	CHECK(strlen(doc) > 7 && !strcmp(doc + strlen(doc) - 7, "</svg>\n"), "%s: end", what);
	for (size_t i = 0; i < sizeof(balanced) / sizeof(balanced[0]); i++)
		CHECK(count_str(doc, balanced[i][0]) == count_str(doc, balanced[i][1]),
		      "%s: %s opened %zu times, closed %zu", what, balanced[i][0],
		      count_str(doc, balanced[i][0]), count_str(doc, balanced[i][1]));
	for (const char *p = doc; (p = strchr(p, '&')); p++)
		CHECK(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) ||
		      !strncmp(p, "&quot;", 6) || !strncmp(p, "&#39;", 5), "%s: bare &", what);
	CHECK(!strstr(doc, "<script") && !strstr(doc, "href"), "%s: not self-contained", what);
}

static void test_svg_writer(void)
{
	char *out = NULL, rgb[8];

	CAPTURE(out, svg_escape(f, "a<b>&\"'\x01z \xc2\xb5s \xff!"));
	CHECK(!strcmp(out, "a&lt;b&gt;&amp;&quot;&#39;?z \xc2\xb5s ?!"), "escape: %s", out);
	free(out);
	CAPTURE(out, svg_text(f, 1, 2, "end", 10, -90, "%s", "<x & y>"));
	CHECK(strstr(out, ">&lt;x &amp; y&gt;</text>") && strstr(out, "rotate(-90 1.0 2.0)"),
	      "text: %s", out);
	free(out);
	CAPTURE(out, svg_rect(f, 0, 0, 5, 5, "#000000", "cell", "a<b"));
	CHECK(strstr(out, "class=\"cell\"><title>a&lt;b</title></rect>"), "rect: %s", out);
	free(out);
	CHECK(!strcmp(svg_ramp(rgb, 0), "#440154") && !strcmp(svg_ramp(rgb, 1), "#fde725") &&
	      !strcmp(svg_ramp(rgb, 7), "#fde725") && !strcmp(svg_ramp(rgb, NAN), "#440154"),
	      "ramp ends");
	CHECK(svg_logscale(0, 100) == 0 && svg_logscale(100, 100) == 1 &&
	      svg_logscale(1, 100) > 0 && svg_logscale(10, 100) < svg_logscale(11, 100) &&
	      svg_logscale(1, 1) == 1, "log scale");
}

static const struct svg_meta test_meta = {
	.device = "stackblk0", .backing = "nvme0n1", .stages = "split,crypt<&>",
	.interval = 1, .t0 = 1700000000, .t1 = 1700000003,
};

static void test_svg_latency(void)
{
	svg_lat_col cols[3];
	char *out = NULL;
	size_t cells;

	memset(cols, 0, sizeof(cols));
	/* logical: 100 us in intervals 1 and 2, and 1 ms in interval 2 */
	cols[0][0][sb_lat_fine_bucket(100000)] = 5;
	cols[1][0][sb_lat_fine_bucket(100000)] = 7;
	cols[1][0][sb_lat_fine_bucket(1000000)] = 1;
	/* physical: two fine buckets of one row (one cell), and 10 ms */
	cols[2][1][sb_lat_fine_bucket(1 << 20)] = 3;
	cols[2][1][sb_lat_fine_bucket((1 << 20) + (1 << 17))] = 4;
	cols[2][1][sb_lat_fine_bucket(10000000)] = 2;
	CAPTURE(out, cells = svg_latency(f, &test_meta, cols, 3));
	CHECK(cells == 5, "%zu cells drawn, 5 expected", cells);
	CHECK(count_str(out, "class=\"cell\"") == 5, "%zu cells in the document",
	      count_str(out, "class=\"cell\""));
	CHECK(strstr(out, "physical, interval 3, 1.05ms to 1.57ms: 7"), "merged cell");
	CHECK(strstr(out, "split,crypt&lt;&amp;&gt;"), "stages in the title");
	CHECK(strstr(out, "\xc2\xb5s</text>") && strstr(out, "ms</text>"), "axis labels");
	check_svg_doc(out, "latency");
	free(out);
	memset(cols, 0, sizeof(cols));
	CAPTURE(out, cells = svg_latency(f, &test_meta, cols, 1));
	CHECK(cells == 0 && !count_str(out, "class=\"cell\""), "empty heatmap has cells");
	check_svg_doc(out, "empty latency");
	free(out);
}

static void test_svg_affinity_depth(void)
{
	char *text = read_fixture("nvme-4cpu-612", "sys/kernel/debug/stackblk/stackblk0/completion");
	struct sb_completion c;
	struct sb_hctx h[2] = { { .id = 0, .max = 3, .b = { 10, 5 } }, { .id = 1, .b = { [3] = 2 } } };
	struct msix_vector vec[2] = {
		{ .irq = 33, .queue = 1, .hctx = 0, .name = "nvme0q1", .mode = "msix",
		  .effective = "0", .cpu_list = "0-1", .verified = true },
		{ .irq = 34, .queue = 2, .hctx = 1, .name = "nvme0q2", .mode = "msix",
		  .effective = "3", .cpu_list = "2-3", .verified = true },
	};
	struct msix_info msix = { .disk = "nvme0n1", .pci = "0000:00:04.0", .nr_hctx = 2,
				  .n = 2, .vec = vec };
	char *out = NULL;
	size_t n;

	REQUIRE(text, "no fixture");
	REQUIRE(!parse_completion(text, &c), "parse");
	free(text);
	CAPTURE(out, n = svg_affinity(f, &test_meta, &c, &msix));
	CHECK(n == 16 && count_str(out, "class=\"cell\"") == 16, "%zu affinity cells, 16 expected", n);
	CHECK(count_str(out, "class=\"vector\"") == 2, "vector tags");
	CHECK(count_str(out, "hctx 1, nvme0q2 (irq 34)") == 2, "rows of hctx 1");
	check_svg_doc(out, "affinity");
	free(out);
	msix.n = 0;
	copy_str(msix.reason, sizeof(msix.reason), "backing null0 is not NVMe");
	CAPTURE(out, n = svg_affinity(f, &test_meta, &c, &msix));
	CHECK(strstr(out, "MSI-X vectors: backing null0 is not NVMe") && !strstr(out, "vector\""),
	      "no vectors");
	free(out);
	completion_free(&c);
	CAPTURE(out, n = svg_depth(f, &test_meta, h, 2));
	CHECK(n == 3 && count_str(out, "class=\"bar\"") == 3, "%zu depth bars, 3 expected", n);
	CHECK(strstr(out, "hctx 0, depth 2-3: 5 dispatches (33.3%)"), "bar tooltip");
	check_svg_doc(out, "depth");
	free(out);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
#define T(fn) { #fn, test_##fn }
		T(root_override), T(parse_numbers), T(u64_delta),
		T(percentile), T(lat_fold), T(hist_labels), T(hist_bars),
		T(parse_hctx), T(parse_latency), T(parse_latency_fine), T(parse_completion), T(completion_delta),
		T(cpulist), T(interrupts_612), T(interrupts_61), T(interrupts_misc),
		T(msix_nvme_4cpu), T(msix_nvme_2cpu_mismatch), T(msix_null_blk),
		T(dev_list_configfs), T(dev_list_param),
		T(metrics_totals), T(metrics_interval), T(metrics_reset), T(metrics_reset_arrays),
		T(metrics_wrap),
		T(fmt), T(table), T(json_writer), T(json_utf8), T(metrics_json), T(metrics_table),
		T(svg_writer), T(svg_latency), T(svg_affinity_depth),
#undef T
	};

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		why[0] = '\0';
		tests[i].fn();
		if (why[0]) {
			printf("FAIL unit/%s: %s\n", tests[i].name, why);
			nfail++;
		} else {
			printf("PASS unit/%s\n", tests[i].name);
			npass++;
		}
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
