// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pure helpers of stackblk (module/sb_lib.c), which are
 * compiled into this test module (see tests/kunit/Kbuild).
 *
 * Layout: one suite per helper.  Each suite has a table-driven case
 * (KUNIT_CASE_PARAM over a *_cases[] array: add a row to add a case) and,
 * where a table cannot say it, property cases that sweep the input space.
 * To test a new pure helper: add its rows/suite here (or in a new
 * sb_<area>_test.c listed in Kbuild) and register the suite at the bottom.
 *
 * Run: make kunit (boots the debug kernel under QEMU and loads this module).
 */
#include <kunit/test.h>
#include <linux/blk_types.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "stackblk_stats.h"
#include "sb_lib.h"

/* ------------------------------------------------------------------------ */
/* sb_log2_bucket                                                            */
/* ------------------------------------------------------------------------ */

struct log2_bucket_case {
	u64 v;
	unsigned int nr_buckets;
	unsigned int want;
};

static const struct log2_bucket_case log2_bucket_cases[] = {
	{ 0,			SB_LAT_BUCKETS,		0 },
	{ 1,			SB_LAT_BUCKETS,		0 },
	{ 2,			SB_LAT_BUCKETS,		1 },
	{ 3,			SB_LAT_BUCKETS,		1 },
	{ 4,			SB_LAT_BUCKETS,		2 },
	{ 1023,			SB_LAT_BUCKETS,		9 },
	{ 1024,			SB_LAT_BUCKETS,		10 },
	{ 1000000,		SB_LAT_BUCKETS,		19 },	/* 1 ms */
	{ 1ULL << 39,		SB_LAT_BUCKETS,		39 },	/* last bucket, exact */
	{ (1ULL << 40) - 1,	SB_LAT_BUCKETS,		39 },
	{ 1ULL << 40,		SB_LAT_BUCKETS,		39 },	/* clamped */
	{ U64_MAX,		SB_LAT_BUCKETS,		39 },	/* clamped */
	{ U64_MAX,		64,			63 },
	{ 1ULL << 63,		64,			63 },
	{ (1ULL << 63) - 1,	64,			62 },
	{ 1,			SB_DEPTH_BUCKETS,	0 },	/* depth 1 */
	{ 128,			SB_DEPTH_BUCKETS,	7 },	/* default queue_depth */
	{ 4096,			SB_DEPTH_BUCKETS,	12 },	/* max queue_depth */
	{ 8191,			SB_DEPTH_BUCKETS,	12 },
	{ 8192,			SB_DEPTH_BUCKETS,	13 },
	{ 1ULL << 20,		SB_DEPTH_BUCKETS,	13 },	/* clamped */
	{ 0,			1,			0 },
	{ U64_MAX,		1,			0 },
	{ 7,			3,			2 },
};

static void log2_bucket_desc(const struct log2_bucket_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "v=%llu nr=%u", c->v, c->nr_buckets);
}
KUNIT_ARRAY_PARAM(log2_bucket, log2_bucket_cases, log2_bucket_desc);

static void sb_log2_bucket_table(struct kunit *test)
{
	const struct log2_bucket_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_log2_bucket(c->v, c->nr_buckets), c->want);
}

/* Every power of two starts a bucket; the value below it ends the previous. */
static void sb_log2_bucket_power_of_two_edges(struct kunit *test)
{
	unsigned int b;

	for (b = 1; b < 64; b++) {
		KUNIT_EXPECT_EQ_MSG(test, sb_log2_bucket(1ULL << b, 64), b, "2^%u", b);
		KUNIT_EXPECT_EQ_MSG(test, sb_log2_bucket((1ULL << b) - 1, 64), b - 1,
				    "2^%u-1", b);
		if (b >= 2)
			KUNIT_EXPECT_EQ_MSG(test, sb_log2_bucket((1ULL << b) + 1, 64), b,
					    "2^%u+1", b);
	}
}

/* Bucket of v never exceeds the bucket of any larger value. */
static void sb_log2_bucket_monotonic(struct kunit *test)
{
	unsigned int prev = 0, cur;
	u64 v;

	for (v = 0; v < 5000; v++) {
		cur = sb_log2_bucket(v, SB_LAT_BUCKETS);
		KUNIT_ASSERT_GE_MSG(test, cur, prev, "v=%llu", v);
		KUNIT_ASSERT_LE_MSG(test, cur - prev, 1U, "skipped a bucket at v=%llu", v);
		prev = cur;
	}
	/* and geometrically all the way up */
	prev = 0;
	for (v = 1; v && v < U64_MAX / 3; v = v * 3 + 1) {
		cur = sb_log2_bucket(v, SB_LAT_BUCKETS);
		KUNIT_ASSERT_GE_MSG(test, cur, prev, "v=%llu", v);
		prev = cur;
	}
}

/* Whatever the bucket count, the result is a valid index. */
static void sb_log2_bucket_in_range(struct kunit *test)
{
	static const u64 vals[] = { 0, 1, 2, 3, 1000, 1ULL << 32, U64_MAX };
	unsigned int nr, i;

	for (nr = 1; nr <= 64; nr++) {
		for (i = 0; i < ARRAY_SIZE(vals); i++)
			KUNIT_ASSERT_LT_MSG(test, sb_log2_bucket(vals[i], nr), nr,
					    "v=%llu nr=%u", vals[i], nr);
		KUNIT_EXPECT_EQ(test, sb_log2_bucket(U64_MAX, nr), nr - 1);
	}
}

static struct kunit_case sb_log2_bucket_test_cases[] = {
	KUNIT_CASE_PARAM(sb_log2_bucket_table, log2_bucket_gen_params),
	KUNIT_CASE(sb_log2_bucket_power_of_two_edges),
	KUNIT_CASE(sb_log2_bucket_monotonic),
	KUNIT_CASE(sb_log2_bucket_in_range),
	{}
};

static struct kunit_suite sb_log2_bucket_suite = {
	.name = "stackblk_log2_bucket",
	.test_cases = sb_log2_bucket_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_lat_fine_bucket and friends (include/stackblk_stats.h)                  */
/* ------------------------------------------------------------------------ */

static const struct {
	u64 ns;
	unsigned int want;
} fine_cases[] = {
	{ 0, 0 }, { 1, 1 }, { 15, 15 },			/* one bucket per ns */
	{ 16, 16 }, { 17, 16 }, { 18, 17 }, { 31, 23 },	/* 16..31 in steps of 2 */
	{ 32, 24 }, { 36, 25 },				/* 32..63 in steps of 4 */
	{ 1000, 63 },	/* 1 us: [960, 1024) */
	{ 1024, 64 },
	{ 100000, 116 },	/* 100 us: [98304, 106496) */
	{ (1ULL << 40) - 1, SB_LAT_FINE_BUCKETS - 1 },
	{ 1ULL << 40, SB_LAT_FINE_BUCKETS - 1 },		/* clamped */
	{ U64_MAX, SB_LAT_FINE_BUCKETS - 1 },
};

static void sb_lat_fine_table(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fine_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_bucket(fine_cases[i].ns),
				    fine_cases[i].want, "ns %llu", fine_cases[i].ns);
}

/*
 * Every bucket holds [lo(b), lo(b + 1)), is at most 1/8 of lo(b) wide
 * (so the midpoint is within 6.25 % of every value in it), and lies in the
 * log2 bucket sb_lat_fine_log2() names, which is what debugfs latency sums.
 */
static void sb_lat_fine_bounds(struct kunit *test)
{
	unsigned int b;

	for (b = 0; b < SB_LAT_FINE_BUCKETS; b++) {
		u64 lo = sb_lat_fine_lo(b), hi = sb_lat_fine_lo(b + 1);

		KUNIT_ASSERT_LT_MSG(test, lo, hi, "bucket %u", b);
		KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_bucket(lo), b, "lo of %u", b);
		KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_bucket(hi - 1), b, "hi-1 of %u", b);
		if (lo >= 2 * SB_LAT_SUBS)
			KUNIT_EXPECT_LE_MSG(test, (hi - lo) * SB_LAT_SUBS, lo, "width of %u", b);
		KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_log2(b),
				    sb_log2_bucket(lo, SB_LAT_BUCKETS), "log2 of lo, %u", b);
		KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_log2(b),
				    sb_log2_bucket(hi - 1, SB_LAT_BUCKETS), "log2 of hi-1, %u", b);
	}
	KUNIT_EXPECT_EQ(test, sb_lat_fine_lo(SB_LAT_FINE_BUCKETS), 1ULL << SB_LAT_BUCKETS);
}

/* Folding a value's fine bucket gives the value's log2 bucket, clamps included. */
static void sb_lat_fine_folds_to_log2(struct kunit *test)
{
	unsigned int s, d;

	for (s = 0; s < 64; s++) {
		for (d = 0; d < 3; d++) {	/* 2^s - 1, 2^s, 2^s + 1 */
			u64 v = (1ULL << s) + d - 1;

			KUNIT_EXPECT_EQ_MSG(test, sb_lat_fine_log2(sb_lat_fine_bucket(v)),
					    sb_log2_bucket(v, SB_LAT_BUCKETS), "ns %llu", v);
		}
	}
}

static struct kunit_case sb_lat_fine_test_cases[] = {
	KUNIT_CASE(sb_lat_fine_table),
	KUNIT_CASE(sb_lat_fine_bounds),
	KUNIT_CASE(sb_lat_fine_folds_to_log2),
	{}
};

static struct kunit_suite sb_lat_fine_suite = {
	.name = "stackblk_lat_fine",
	.test_cases = sb_lat_fine_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_hist_percentile                                                        */
/* ------------------------------------------------------------------------ */

#define HIST_MAX 8

struct percentile_case {
	const char *name;
	u64 buckets[HIST_MAX];
	unsigned int nr_buckets;
	unsigned int per_mille;
	u64 want;
};

static const struct percentile_case percentile_cases[] = {
	{ "empty",		{ 0 },			8, 500,  0 },
	{ "empty_p1000",	{ 0 },			8, 1000, 0 },
	{ "one_in_b0",		{ 1 },			8, 500,  2 },
	{ "one_in_b5_p1",	{ 0, 0, 0, 0, 0, 1 },	8, 1,    64 },
	{ "one_in_b5_p999",	{ 0, 0, 0, 0, 0, 1 },	8, 999,  64 },
	{ "p0_is_first_nonempty", { 0, 0, 3, 0, 7 },	8, 0,    8 },
	{ "flat4_p250",		{ 1, 1, 1, 1 },		4, 250,  2 },
	{ "flat4_p500",		{ 1, 1, 1, 1 },		4, 500,  4 },
	{ "flat4_p750",		{ 1, 1, 1, 1 },		4, 750,  8 },
	{ "flat4_p751_rounds_up", { 1, 1, 1, 1 },	4, 751,  16 },
	{ "flat4_p1000",	{ 1, 1, 1, 1 },		4, 1000, 16 },
	{ "over_1000_clamped",	{ 1, 1, 1, 1 },		4, 5000, 16 },
	{ "p990_exact",		{ 99, 0, 0, 1 },	4, 990,  2 },
	{ "p991_tail",		{ 99, 0, 0, 1 },	4, 991,  16 },
	{ "p999_of_1000",	{ 998, 1, 1 },		3, 999,  4 },
	{ "p500_heavy_tail",	{ 0, 10, 0, 0, 0, 0, 0, 10 }, 8, 500, 4 },
	{ "p501_heavy_tail",	{ 0, 10, 0, 0, 0, 0, 0, 10 }, 8, 501, 256 },
	{ "last_bucket",	{ 0, 0, 0, 0, 0, 0, 0, 5 }, 8, 500, 256 },
	{ "big_counts",		{ 1000000000000ULL, 1000000000000ULL }, 2, 500, 2 },
	{ "big_counts_p501",	{ 1000000000000ULL, 1000000000000ULL }, 2, 501, 4 },
	{ "nr_limits_scan",	{ 0, 0, 0, 0, 9, 9 },	4, 500,  0 },	/* only nr_buckets read */
};

static void percentile_desc(const struct percentile_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(percentile, percentile_cases, percentile_desc);

static void sb_hist_percentile_table(struct kunit *test)
{
	const struct percentile_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_hist_percentile(c->buckets, c->nr_buckets, c->per_mille),
			c->want);
}

/* The top bucket of a 64-bucket histogram has no representable 2^64. */
static void sb_hist_percentile_top_bucket(struct kunit *test)
{
	u64 h[64] = { 0 };

	h[63] = 1;
	KUNIT_EXPECT_EQ(test, sb_hist_percentile(h, 64, 500), U64_MAX);
	h[63] = 0;
	h[62] = 1;
	KUNIT_EXPECT_EQ(test, sb_hist_percentile(h, 64, 500), 1ULL << 63);
	memset(h, 0, sizeof(h));
	h[SB_LAT_BUCKETS - 1] = 1;
	KUNIT_EXPECT_EQ(test, sb_hist_percentile(h, SB_LAT_BUCKETS, 999),
			1ULL << SB_LAT_BUCKETS);
}

/* A higher percentile never gives a lower value. */
static void sb_hist_percentile_monotonic(struct kunit *test)
{
	static const u64 h[SB_LAT_BUCKETS] = {
		[3] = 5, [10] = 1000, [11] = 3000, [12] = 40, [20] = 7, [33] = 1,
	};
	u64 prev = 0, cur;
	unsigned int pm;

	for (pm = 0; pm <= 1000; pm++) {
		cur = sb_hist_percentile(h, SB_LAT_BUCKETS, pm);
		KUNIT_ASSERT_GE_MSG(test, cur, prev, "per_mille=%u", pm);
		prev = cur;
	}
	KUNIT_EXPECT_EQ(test, prev, 1ULL << 34);	/* p100 = top sample's bucket */
}

/* The input histogram is read, never written. */
static void sb_hist_percentile_const_input(struct kunit *test)
{
	u64 h[HIST_MAX] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	u64 copy[HIST_MAX];

	memcpy(copy, h, sizeof(h));
	sb_hist_percentile(h, HIST_MAX, 990);
	KUNIT_EXPECT_MEMEQ(test, h, copy, sizeof(h));
}

/*
 * End to end with sb_log2_bucket(): for samples bucketed as the module does,
 * p100 is an upper bound of the largest sample and at most twice it.
 */
static void sb_hist_percentile_bounds_samples(struct kunit *test)
{
	u64 h[SB_LAT_BUCKETS] = { 0 };
	u64 v = 12345, vmax = 0, p;
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		/* latencies from 2 ns to ~1 s */
		p = 2 + (v >> 34);
		vmax = max(vmax, p);
		h[sb_log2_bucket(p, SB_LAT_BUCKETS)]++;
	}
	p = sb_hist_percentile(h, SB_LAT_BUCKETS, 1000);
	KUNIT_EXPECT_GT(test, p, vmax);
	KUNIT_EXPECT_LE(test, p, 2 * vmax);
}

static struct kunit_case sb_hist_percentile_test_cases[] = {
	KUNIT_CASE_PARAM(sb_hist_percentile_table, percentile_gen_params),
	KUNIT_CASE(sb_hist_percentile_top_bucket),
	KUNIT_CASE(sb_hist_percentile_monotonic),
	KUNIT_CASE(sb_hist_percentile_const_input),
	KUNIT_CASE(sb_hist_percentile_bounds_samples),
	{}
};

static struct kunit_suite sb_hist_percentile_suite = {
	.name = "stackblk_hist_percentile",
	.test_cases = sb_hist_percentile_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_parse_u32                                                              */
/* ------------------------------------------------------------------------ */

struct parse_u32_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	u32 min, max;
	int want_rc;
	u32 want;
};

#define QD_MIN 1
#define QD_MAX 4096	/* queue_depth range of docs/interfaces.md */

static const struct parse_u32_case parse_u32_cases[] = {
	{ "plain",		"128",		0, QD_MIN, QD_MAX, 0, 128 },
	{ "newline",		"128\n",	0, QD_MIN, QD_MAX, 0, 128 },
	{ "min",		"1",		0, QD_MIN, QD_MAX, 0, 1 },
	{ "max",		"4096\n",	0, QD_MIN, QD_MAX, 0, 4096 },
	{ "below_min",		"0",		0, QD_MIN, QD_MAX, -EINVAL, 0 },
	{ "above_max",		"4097",		0, QD_MIN, QD_MAX, -EINVAL, 0 },
	{ "zero_allowed",	"0\n",		0, 0, 64, 0, 0 },
	{ "leading_zeros_dec",	"010",		0, 0, 64, 0, 10 },
	{ "plus_sign",		"+5",		0, 0, 64, 0, 5 },
	{ "u32_max",		"4294967295",	0, 0, U32_MAX, 0, U32_MAX },
	{ "u32_overflow",	"4294967296",	0, 0, U32_MAX, -EINVAL, 0 },
	{ "huge_overflow",	"99999999999999999999", 0, 0, U32_MAX, -EINVAL, 0 },
	{ "empty",		"",		0, 0, 64, -EINVAL, 0 },
	{ "only_newline",	"\n",		0, 0, 64, -EINVAL, 0 },
	{ "two_newlines",	"5\n\n",	0, 0, 64, -EINVAL, 0 },
	{ "negative",		"-1",		0, 0, 64, -EINVAL, 0 },
	{ "hex_prefix",		"0x10",		0, 0, 64, -EINVAL, 0 },
	{ "trailing_garbage",	"12a",		0, 0, 64, -EINVAL, 0 },
	{ "leading_space",	" 5",		0, 0, 64, -EINVAL, 0 },
	{ "trailing_space",	"5 ",		0, 0, 64, -EINVAL, 0 },
	{ "embedded_nul",	"1\0002",	3, 0, 64, -EINVAL, 0 },
	{ "count_shorter",	"123456",	3, 0, 1000, 0, 123 },
	{ "23_chars_ok",	"00000000000000000000042", 0, 0, 64, 0, 42 },
	{ "24_chars_overlong",	"000000000000000000000042", 0, 0, 64, -EINVAL, 0 },
};

static void parse_u32_desc(const struct parse_u32_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(parse_u32, parse_u32_cases, parse_u32_desc);

static void sb_parse_u32_table(struct kunit *test)
{
	const struct parse_u32_case *c = test->param_value;
	size_t len = c->len ? c->len : strlen(c->in);
	const u32 sentinel = 0xdeadbeef;
	u32 out = sentinel;
	char *page;
	int rc;

	/* exactly len bytes, no terminating NUL: as a configfs store gets it */
	page = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page, c->in, len);

	rc = sb_parse_u32(page, len, c->min, c->max, &out);
	KUNIT_EXPECT_EQ(test, rc, c->want_rc);
	if (c->want_rc)
		KUNIT_EXPECT_EQ_MSG(test, out, sentinel, "*out written on error");
	else
		KUNIT_EXPECT_EQ(test, out, c->want);
}

/* Every value of a small range parses back to itself, with and without \n. */
static void sb_parse_u32_roundtrip(struct kunit *test)
{
	char buf[16];
	u32 v, out;
	int n;

	for (v = 0; v <= 4100; v++) {
		n = scnprintf(buf, sizeof(buf), "%u", v);
		out = U32_MAX;
		KUNIT_ASSERT_EQ(test, sb_parse_u32(buf, n, 0, 4100, &out), 0);
		KUNIT_ASSERT_EQ(test, out, v);
		n = scnprintf(buf, sizeof(buf), "%u\n", v);
		out = U32_MAX;
		KUNIT_ASSERT_EQ(test, sb_parse_u32(buf, n, 0, 4100, &out), 0);
		KUNIT_ASSERT_EQ(test, out, v);
		/* and the range check is exact at both ends */
		KUNIT_ASSERT_EQ(test, sb_parse_u32(buf, n, v, v, &out) == 0, true);
		if (v > 0)
			KUNIT_ASSERT_EQ(test, sb_parse_u32(buf, n, 0, v - 1, &out), -EINVAL);
		KUNIT_ASSERT_EQ(test, sb_parse_u32(buf, n, v + 1, U32_MAX, &out), -EINVAL);
	}
}

static struct kunit_case sb_parse_u32_test_cases[] = {
	KUNIT_CASE_PARAM(sb_parse_u32_table, parse_u32_gen_params),
	KUNIT_CASE(sb_parse_u32_roundtrip),
	{}
};

static struct kunit_suite sb_parse_u32_suite = {
	.name = "stackblk_parse_u32",
	.test_cases = sb_parse_u32_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_affinity_group                                                         */
/* ------------------------------------------------------------------------ */

struct affinity_case {
	unsigned int nr_cpus;
	unsigned int want;
};

static const struct affinity_case affinity_cases[] = {
	{ 0, 1 }, { 1, 1 }, { 2, 1 }, { 63, 1 }, { 64, 1 },
	{ 65, 2 }, { 128, 2 }, { 129, 3 }, { 256, 4 }, { 257, 5 },
	{ 1000, 16 }, { 4096, 64 }, { 8192, 128 },
};

static void affinity_desc(const struct affinity_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "nr_cpus=%u", c->nr_cpus);
}
KUNIT_ARRAY_PARAM(affinity, affinity_cases, affinity_desc);

static void sb_affinity_group_table(struct kunit *test)
{
	const struct affinity_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_affinity_group(c->nr_cpus), c->want);
}

/*
 * For every CPU count up to NR_CPUS of MAXSMP: the folded matrix has at most
 * SB_AFFINITY_MAX_COLS columns, every CPU maps to one, and the group is the
 * smallest that achieves that (no needless folding).
 */
static void sb_affinity_group_bounds(struct kunit *test)
{
	unsigned int n, g;

	for (n = 1; n <= 8192; n++) {
		g = sb_affinity_group(n);
		KUNIT_ASSERT_GE_MSG(test, g, 1U, "n=%u", n);
		KUNIT_ASSERT_LE_MSG(test, DIV_ROUND_UP(n, g), SB_AFFINITY_MAX_COLS, "n=%u", n);
		KUNIT_ASSERT_LT_MSG(test, (n - 1) / g, SB_AFFINITY_MAX_COLS,
				    "last cpu of n=%u out of the matrix", n);
		if (g > 1)
			KUNIT_ASSERT_GT_MSG(test, DIV_ROUND_UP(n, g - 1), SB_AFFINITY_MAX_COLS,
					    "n=%u folded more than needed", n);
	}
}

static struct kunit_case sb_affinity_test_cases[] = {
	KUNIT_CASE_PARAM(sb_affinity_group_table, affinity_gen_params),
	KUNIT_CASE(sb_affinity_group_bounds),
	{}
};

static struct kunit_suite sb_affinity_suite = {
	.name = "stackblk_affinity",
	.test_cases = sb_affinity_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_fill_rwbs                                                              */
/* ------------------------------------------------------------------------ */

struct rwbs_case {
	const char *name;
	blk_opf_t opf;
	const char *want;
};

static const struct rwbs_case rwbs_cases[] = {
	{ "read",		REQ_OP_READ,					"R" },
	{ "write",		REQ_OP_WRITE,					"W" },
	{ "flush",		REQ_OP_FLUSH,					"F" },
	{ "discard",		REQ_OP_DISCARD,					"D" },
	{ "secure_erase",	REQ_OP_SECURE_ERASE,				"DE" },
	{ "write_zeroes",	REQ_OP_WRITE_ZEROES,				"Z" },
	{ "drv_in",		REQ_OP_DRV_IN,					"N" },
	{ "read_ahead",		REQ_OP_READ | REQ_RAHEAD,			"RA" },
	{ "read_sync_meta",	REQ_OP_READ | REQ_SYNC | REQ_META,		"RSM" },
	{ "write_sync",		REQ_OP_WRITE | REQ_SYNC,			"WS" },
	{ "write_fua",		REQ_OP_WRITE | REQ_FUA,				"WF" },
	{ "preflush_write",	REQ_OP_WRITE | REQ_PREFLUSH,			"FW" },
	{ "preflush_fua_sync",	REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_SYNC, "FWFS" },
	{ "longest",		REQ_OP_SECURE_ERASE | REQ_PREFLUSH | REQ_FUA |
				REQ_RAHEAD | REQ_SYNC | REQ_META,		"FDEFASM" },
	{ "ignores_other_flags", REQ_OP_WRITE | REQ_NOMERGE | REQ_IDLE,		"W" },
};

static void rwbs_desc(const struct rwbs_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(rwbs, rwbs_cases, rwbs_desc);

static void sb_fill_rwbs_table(struct kunit *test)
{
	const struct rwbs_case *c = test->param_value;
	/* guard bytes around the SB_RWBS_LEN buffer catch overruns */
	char buf[SB_RWBS_LEN + 8];

	memset(buf, 0x5a, sizeof(buf));
	sb_fill_rwbs(buf, c->opf);
	KUNIT_EXPECT_STREQ(test, buf, c->want);
	KUNIT_EXPECT_LT(test, strnlen(buf, sizeof(buf)), (size_t)SB_RWBS_LEN);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf + SB_RWBS_LEN, 0x5a, 8),
			      "wrote past SB_RWBS_LEN");
}

static struct kunit_case sb_rwbs_test_cases[] = {
	KUNIT_CASE_PARAM(sb_fill_rwbs_table, rwbs_gen_params),
	{}
};

static struct kunit_suite sb_rwbs_suite = {
	.name = "stackblk_rwbs",
	.test_cases = sb_rwbs_test_cases,
};

/* ------------------------------------------------------------------------ */
/* include/stackblk_counters.h: the names are an ABI (docs/interfaces.md)   */
/* ------------------------------------------------------------------------ */

#define SB_COUNTER(name, kind, unit, desc) #name,
static const char *const sb_counter_names[] = {
#include "stackblk_counters.h"
};

#define SB_COUNTER(...)
#define SB_GAUGE(name, kind, unit, desc) #name,
static const char *const sb_gauge_names[] = {
#include "stackblk_counters.h"
};

/* Names and order as first released: never renamed, only appended to. */
static const char *const sb_counters_v1[] = {
	"logical_read_ios", "logical_read_bytes", "logical_write_ios",
	"logical_write_bytes", "logical_flush_ios", "logical_discard_ios",
	"logical_discard_bytes", "logical_write_zeroes_ios",
	"logical_write_zeroes_bytes", "physical_read_ios", "physical_read_bytes",
	"physical_write_ios", "physical_write_bytes", "physical_flush_ios",
	"physical_discard_ios", "physical_discard_bytes",
	"physical_write_zeroes_ios", "physical_write_zeroes_bytes",
	"merged_ios", "split_ios", "rmw_ios", "rmw_read_bytes", "errors",
};

static void sb_stats_names_stable(struct kunit *test)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(sb_counter_names), (size_t)SB_NR_STATS);
	KUNIT_ASSERT_GE(test, ARRAY_SIZE(sb_counter_names), ARRAY_SIZE(sb_counters_v1));
	for (i = 0; i < ARRAY_SIZE(sb_counters_v1); i++)
		KUNIT_EXPECT_STREQ_MSG(test, sb_counter_names[i], sb_counters_v1[i],
				       "counter %u renamed or reordered", i);
	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(sb_gauge_names), (size_t)SB_NR_GAUGES);
	KUNIT_ASSERT_GE(test, ARRAY_SIZE(sb_gauge_names), (size_t)2);
	KUNIT_EXPECT_STREQ(test, sb_gauge_names[0], "inflight");
	KUNIT_EXPECT_STREQ(test, sb_gauge_names[1], "inflight_max");
}

/* Each name becomes a sysfs file in one directory: unique and file-safe. */
static void sb_stats_names_unique(struct kunit *test)
{
	const char *all[ARRAY_SIZE(sb_counter_names) + ARRAY_SIZE(sb_gauge_names)];
	unsigned int i, j, n = 0;

	for (i = 0; i < ARRAY_SIZE(sb_counter_names); i++)
		all[n++] = sb_counter_names[i];
	for (i = 0; i < ARRAY_SIZE(sb_gauge_names); i++)
		all[n++] = sb_gauge_names[i];
	for (i = 0; i < n; i++) {
		const char *p;

		KUNIT_EXPECT_GT(test, strlen(all[i]), (size_t)0);
		for (p = all[i]; *p; p++)
			KUNIT_EXPECT_TRUE_MSG(test, (*p >= 'a' && *p <= 'z') ||
					      (*p >= '0' && *p <= '9') || *p == '_',
					      "bad char in %s", all[i]);
		for (j = i + 1; j < n; j++)
			KUNIT_EXPECT_STRNEQ(test, all[i], all[j]);
	}
}

/* Sizes documented in docs/interfaces.md (debugfs column counts). */
static void sb_stats_documented_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, SB_LAT_BUCKETS, 40);
	KUNIT_EXPECT_EQ(test, SB_LAT_FINE_BUCKETS, 304);
	KUNIT_EXPECT_EQ(test, SB_LAT_SUBS, 1 << SB_LAT_SUB_BITS);
	KUNIT_EXPECT_EQ(test, SB_DEPTH_BUCKETS, 14);
	KUNIT_EXPECT_EQ(test, SB_AFFINITY_MAX_COLS, 64);
	/* the deepest queue (4096) still has a bucket of its own */
	KUNIT_EXPECT_LT(test, sb_log2_bucket(4096, SB_DEPTH_BUCKETS), SB_DEPTH_BUCKETS - 1);
	/* ~550 s fits in the latency histogram before clamping */
	KUNIT_EXPECT_LT(test, sb_log2_bucket(500ULL * NSEC_PER_SEC, SB_LAT_BUCKETS),
			SB_LAT_BUCKETS - 1);
}

static struct kunit_case sb_stats_abi_test_cases[] = {
	KUNIT_CASE(sb_stats_names_stable),
	KUNIT_CASE(sb_stats_names_unique),
	KUNIT_CASE(sb_stats_documented_sizes),
	{}
};

static struct kunit_suite sb_stats_abi_suite = {
	.name = "stackblk_stats_abi",
	.test_cases = sb_stats_abi_test_cases,
};

kunit_test_suites(&sb_log2_bucket_suite, &sb_lat_fine_suite, &sb_hist_percentile_suite,
		  &sb_parse_u32_suite, &sb_affinity_suite, &sb_rwbs_suite,
		  &sb_stats_abi_suite);

MODULE_DESCRIPTION("KUnit tests for stackblk's pure helpers");
MODULE_LICENSE("GPL");
