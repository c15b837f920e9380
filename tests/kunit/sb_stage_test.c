// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pure helpers of stackblk's stages (module/sb_lib.c):
 * configfs stage-list and hex-key parsing, stage settings validation, the
 * split planner, the crypt-sector / read-modify-write range arithmetic, the
 * bounce-page lookup, the plain64 IV and the merge decision.
 *
 * Same layout as sb_lib_test.c: one table per helper (add a row to add a
 * case) plus property cases that sweep the input space and cross-check one
 * helper against another.
 */
#include <kunit/test.h>
#include <linux/blk_types.h>
#include <linux/gcd.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "stackblk_stats.h"
#include "sb_lib.h"

#define M SB_STAGE_MERGE
#define S SB_STAGE_SPLIT
#define C SB_STAGE_CRYPT
#define P SB_STAGE_PARITY
#define SENTINEL 0xdeadbeefU

/* Exactly @len bytes of @in in a fresh buffer, no NUL after them. */
static char *sb_page(struct kunit *test, const char *in, size_t len)
{
	char *p = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memcpy(p, in, len);
	return p;
}

/* ------------------------------------------------------------------------ */
/* sb_parse_stages / sb_format_stages                                        */
/* ------------------------------------------------------------------------ */

struct stages_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int want_rc;
	u32 want;
};

static const struct stages_case stages_cases[] = {
	{ "empty_passthrough",	"",			0, 0, 0 },
	{ "newline_passthrough", "\n",			0, 0, 0 },
	{ "merge",		"merge",		0, 0, M },
	{ "split_newline",	"split\n",		0, 0, S },
	{ "crypt",		"crypt",		0, 0, C },
	{ "all_pipeline_order",	"merge,split,crypt\n",	0, 0, M | S | C },
	{ "any_order",		"crypt,merge",		0, 0, C | M },
	{ "reverse_all",	"crypt,split,merge",	0, 0, M | S | C },
	{ "duplicate",		"split,split",		0, -EINVAL, 0 },
	{ "duplicate_far",	"merge,crypt,merge",	0, -EINVAL, 0 },
	{ "trailing_comma",	"merge,",		0, -EINVAL, 0 },
	{ "leading_comma",	",merge",		0, -EINVAL, 0 },
	{ "double_comma",	"merge,,split",		0, -EINVAL, 0 },
	{ "only_comma",		",",			0, -EINVAL, 0 },
	{ "case_sensitive",	"Merge",		0, -EINVAL, 0 },
	{ "prefix_of_name",	"merg",			0, -EINVAL, 0 },
	{ "name_plus_suffix",	"merges",		0, -EINVAL, 0 },
	{ "space",		"merge, split",		0, -EINVAL, 0 },
	{ "two_newlines",	"merge\n\n",		0, -EINVAL, 0 },
	{ "unknown",		"none",			0, -EINVAL, 0 },
	{ "embedded_nul",	"merge\0",		6, -EINVAL, 0 },
	{ "count_shorter",	"split,crypt",		5, 0, S },
	{ "parity",		"parity",		0, 0, P },
	{ "seeds_stack",	"split,crypt,parity\n", 0, 0, S | C | P },
	{ "all_four_any_order",	"parity,crypt,split,merge", 0, 0, M | S | C | P },
	{ "duplicate_parity",	"parity,parity",	0, -EINVAL, 0 },
	{ "parity_prefix",	"par",			0, -EINVAL, 0 },
};

static void stages_desc(const struct stages_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(stages, stages_cases, stages_desc);

static void sb_parse_stages_table(struct kunit *test)
{
	const struct stages_case *c = test->param_value;
	size_t len = c->len ? c->len : strlen(c->in);
	u32 out = SENTINEL;

	KUNIT_EXPECT_EQ(test, sb_parse_stages(sb_page(test, c->in, len), len, &out), c->want_rc);
	if (c->want_rc)
		KUNIT_EXPECT_EQ_MSG(test, out, SENTINEL, "*stages written on error");
	else
		KUNIT_EXPECT_EQ(test, out, c->want);
}

struct format_case {
	u32 stages;
	const char *want;
};

static const struct format_case format_cases[] = {
	{ 0,		"" },
	{ M,		"merge" },
	{ S,		"split" },
	{ C,		"crypt" },
	{ M | S,	"merge,split" },
	{ M | C,	"merge,crypt" },
	{ S | C,	"split,crypt" },
	{ M | S | C,	"merge,split,crypt" },
	{ P,		"parity" },
	{ S | C | P,	"split,crypt,parity" },
	{ M | S | C | P, "merge,split,crypt,parity" },
};

static void format_desc(const struct format_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "stages=%#x", c->stages);
}
KUNIT_ARRAY_PARAM(format, format_cases, format_desc);

/* Canonical text: pipeline order, comma separated, no newline. */
static void sb_format_stages_table(struct kunit *test)
{
	const struct format_case *c = test->param_value;
	char buf[SB_STAGES_LEN];
	int len;

	memset(buf, 'x', sizeof(buf));
	len = sb_format_stages(buf, sizeof(buf), c->stages);
	KUNIT_EXPECT_STREQ(test, buf, c->want);
	KUNIT_EXPECT_EQ(test, len, (int)strlen(c->want));
}

/* format -> parse is the identity for every stage set, with and without \n. */
static void sb_stages_roundtrip(struct kunit *test)
{
	char buf[SB_STAGES_LEN + 1];
	u32 st, out;
	int len;

	for (st = 0; st <= SB_STAGE_ALL; st++) {
		len = sb_format_stages(buf, SB_STAGES_LEN, st);
		KUNIT_ASSERT_LT(test, len, SB_STAGES_LEN - 1);	/* room for "\n" + NUL */
		out = SENTINEL;
		KUNIT_EXPECT_EQ(test, sb_parse_stages(buf, len, &out), 0);
		KUNIT_EXPECT_EQ(test, out, st);
		buf[len] = '\n';
		out = SENTINEL;
		KUNIT_EXPECT_EQ(test, sb_parse_stages(buf, len + 1, &out), 0);
		KUNIT_EXPECT_EQ(test, out, st);
	}
}

/* A short buffer is never overrun and always ends up NUL terminated. */
static void sb_format_stages_small_buffer(struct kunit *test)
{
	char buf[SB_STAGES_LEN + 8];
	size_t size;
	int len;

	for (size = 0; size <= SB_STAGES_LEN; size++) {
		memset(buf, 0x5a, sizeof(buf));
		len = sb_format_stages(buf, size, SB_STAGE_ALL);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf + size, 0x5a, sizeof(buf) - size),
				      "size %zu overrun", size);
		if (size) {
			KUNIT_EXPECT_LT(test, (size_t)len, size);
			KUNIT_EXPECT_EQ(test, strnlen(buf, size), (size_t)len);
		} else {
			KUNIT_EXPECT_EQ(test, len, 0);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* sb_parse_hex_key                                                          */
/* ------------------------------------------------------------------------ */

#define HEX32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX32U "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define HEX31T "02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"	/* 62 */

struct hex_key_case {
	const char *name;
	const char *in;
	int want_rc;
	unsigned int want_len;
};

static const struct hex_key_case hex_key_cases[] = {
	{ "aes128_xts_64_digits",	HEX32,			0, 32 },
	{ "aes128_xts_newline",		HEX32 "\n",		0, 32 },
	{ "upper_case",			HEX32U,			0, 32 },
	{ "aes256_xts_128_digits",	HEX32 HEX32U,		0, 64 },
	{ "aes256_xts_newline",		HEX32 HEX32 "\n",	0, 64 },
	{ "empty",			"",			-EINVAL, 0 },
	{ "only_newline",		"\n",			-EINVAL, 0 },
	{ "63_digits",			HEX32 + 1,		-EINVAL, 0 },
	{ "65_digits",			"0" HEX32,		-EINVAL, 0 },
	{ "66_digits",			"00" HEX32,		-EINVAL, 0 },
	{ "aes192_xts_96_digits",	HEX32 HEX32 + 32,	-EINVAL, 0 },
	{ "130_digits",			HEX32 HEX32 "00",	-EINVAL, 0 },
	{ "non_hex_g",			"0g" HEX31T,		-EINVAL, 0 },
	{ "0x_prefix",			"0x" HEX31T,		-EINVAL, 0 },
	{ "inner_space",		"0 " HEX31T,		-EINVAL, 0 },
	{ "inner_newline",		"0\n" HEX31T,		-EINVAL, 0 },
	{ "two_newlines",		HEX32 "\n\n",		-EINVAL, 0 },
	{ "leading_newline",		"\n" HEX32,		-EINVAL, 0 },
};

static void hex_key_desc(const struct hex_key_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(hex_key, hex_key_cases, hex_key_desc);

static void sb_parse_hex_key_table(struct kunit *test)
{
	const struct hex_key_case *c = test->param_value;
	size_t len = strlen(c->in);
	u8 key[SB_CRYPT_KEY_MAX + 8];
	unsigned int klen = SENTINEL, i;
	int rc;

	memset(key, 0xa5, sizeof(key));
	rc = sb_parse_hex_key(sb_page(test, c->in, len), len, key, &klen);
	KUNIT_EXPECT_EQ(test, rc, c->want_rc);
	if (rc) {
		KUNIT_EXPECT_EQ_MSG(test, klen, SENTINEL, "*key_len written on error");
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(key, 0xa5, sizeof(key)),
				      "key written on error");
		return;
	}
	KUNIT_EXPECT_EQ(test, klen, c->want_len);
	for (i = 0; i < klen; i++)	/* both halves of every key above count 00..1f */
		KUNIT_EXPECT_EQ_MSG(test, key[i], (u8)(i % 32), "byte %u", i);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(key + klen, 0xa5, sizeof(key) - klen),
			      "wrote past the key");
}

/* Every byte value survives the text form, in both cases of hex digits. */
static void sb_parse_hex_key_all_bytes(struct kunit *test)
{
	char text[2 * SB_CRYPT_KEY_MAX + 1];
	u8 key[SB_CRYPT_KEY_MAX];
	unsigned int klen, base, i;

	for (base = 0; base < 256; base += SB_CRYPT_KEY_MAX) {
		for (i = 0; i < SB_CRYPT_KEY_MAX; i++)
			snprintf(text + 2 * i, 3, (i & 1) ? "%02X" : "%02x", base + i);
		KUNIT_ASSERT_EQ(test, sb_parse_hex_key(text, 2 * SB_CRYPT_KEY_MAX, key, &klen), 0);
		KUNIT_ASSERT_EQ(test, klen, (unsigned int)SB_CRYPT_KEY_MAX);
		for (i = 0; i < SB_CRYPT_KEY_MAX; i++)
			KUNIT_EXPECT_EQ(test, key[i], (u8)(base + i));
	}
}

/* ------------------------------------------------------------------------ */
/* sb_stage_cfg_check                                                        */
/* ------------------------------------------------------------------------ */

struct cfg_case {
	const char *name;
	struct sb_stage_cfg sc;
	bool have_key;
	unsigned int lbs;
	int want_rc;
};

#define CFG(st, mmax, sb, cs) { .stages = (st), .merge_max_bytes = (mmax), \
				.split_boundary = (sb), .crypt_sector_size = (cs) }
#define PCFGF(st, n, chunk, f) { .stages = (st) | P, .split_boundary = 65536, \
				 .crypt_sector_size = 4096, .parity_members = (n), \
				 .parity_chunk = (chunk), .parity_failed_member = (f) }
#define PCFG(st, n, chunk) PCFGF(st, n, chunk, SB_PARITY_NO_MEMBER)

static const struct cfg_case cfg_cases[] = {
	{ "passthrough",		CFG(0, 0, 0, 0),		false, 512,  0 },
	{ "lbs_zero",			CFG(0, 0, 0, 0),		false, 0,    -EINVAL },
	{ "unknown_stage_bit",		CFG(BIT(4), 0, 0, 0),		false, 512,  -EINVAL },
	{ "merge_ok",			CFG(M, 131072, 0, 0),		false, 512,  0 },
	{ "merge_max_zero",		CFG(M, 0, 0, 0),		false, 512,  -EINVAL },
	{ "merge_max_not_lbs_mult",	CFG(M, 1000, 0, 0),		false, 512,  -EINVAL },
	{ "merge_max_below_4k_lbs",	CFG(M, 512, 0, 0),		false, 4096, -EINVAL },
	{ "split_ok",			CFG(S, 0, 4096, 0),		false, 512,  0 },
	{ "split_zero",			CFG(S, 0, 0, 0),		false, 512,  -EINVAL },
	{ "split_not_lbs_mult",		CFG(S, 0, 6000, 0),		false, 512,  -EINVAL },
	{ "split_non_pow2_ok",		CFG(S, 0, 12288, 0),		false, 4096, 0 },
	{ "crypt_512",			CFG(C, 0, 0, 512),		true,  512,  0 },
	{ "crypt_4096",			CFG(C, 0, 0, 4096),		true,  512,  0 },
	{ "crypt_no_key",		CFG(C, 0, 0, 512),		false, 512,  -EINVAL },
	{ "crypt_cs_1024",		CFG(C, 0, 0, 1024),		true,  512,  -EINVAL },
	{ "crypt_cs_zero",		CFG(C, 0, 0, 0),		true,  512,  -EINVAL },
	{ "crypt_cs_below_lbs",		CFG(C, 0, 0, 512),		true,  4096, -EINVAL },
	{ "split_crypt_aligned",	CFG(S | C, 0, 8192, 4096),	true,  512,  0 },
	{ "split_crypt_straddle",	CFG(S | C, 0, 6144, 4096),	true,  512,  -EINVAL },
	{ "all_ok",			CFG(M | S | C, 262144, 65536, 4096), true, 4096, 0 },
	{ "off_stages_unchecked",	CFG(0, 1, 3, 7),		false, 512,  0 },
	{ "off_merge_unchecked",	CFG(S, 0, 4096, 0),		false, 4096, 0 },
	{ "off_crypt_ignores_split_cs",	CFG(S, 0, 512, 4096),		false, 512,  0 },
	{ "parity_ok",			PCFG(0, 5, 16384),		false, 512,  0 },
	{ "parity_seeds_stack",		PCFG(S | C, 5, 16384),		true,  512,  0 },
	{ "parity_3_members",		PCFG(0, 3, 4096),		false, 4096, 0 },
	{ "parity_16_members_1m",	PCFG(0, 16, 1 << 20),		false, 512,  0 },
	{ "parity_2_members",		PCFG(0, 2, 65536),		false, 512,  -EINVAL },
	{ "parity_17_members",		PCFG(0, 17, 65536),		false, 512,  -EINVAL },
	{ "parity_chunk_2k",		PCFG(0, 5, 2048),		false, 512,  -EINVAL },
	{ "parity_chunk_2m",		PCFG(0, 5, 2 << 20),		false, 512,  -EINVAL },
	{ "parity_chunk_not_pow2",	PCFG(0, 5, 12288),		false, 512,  -EINVAL },
	{ "parity_chunk_zero",		PCFG(0, 5, 0),			false, 512,  -EINVAL },
	{ "off_parity_unchecked",	{ .parity_members = 1, .parity_chunk = 3 }, false, 512, 0 },
	{ "parity_failed_0",		PCFGF(0, 5, 16384, 0),		false, 512,  0 },
	{ "parity_failed_last",		PCFGF(0, 5, 16384, 4),		false, 512,  0 },
	{ "parity_failed_15_of_16",	PCFGF(0, 16, 16384, 15),	false, 512,  0 },
	{ "parity_failed_beyond",	PCFGF(0, 5, 16384, 5),		false, 512,  -EINVAL },
	{ "parity_failed_none",		PCFGF(0, 3, 4096, 16),		false, 512,  0 },
};

static void cfg_desc(const struct cfg_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(cfg, cfg_cases, cfg_desc);

static void sb_stage_cfg_check_table(struct kunit *test)
{
	const struct cfg_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_stage_cfg_check(&c->sc, c->have_key, c->lbs), c->want_rc);
}

/* ------------------------------------------------------------------------ */
/* sb_split_end / sb_split_count                                             */
/* ------------------------------------------------------------------------ */

struct split_case {
	const char *name;
	u64 pos, end;
	u32 boundary, offset;
	u64 want_end;
	unsigned int want_count;
};

#define P50 (1ULL << 50)

static const struct split_case split_cases[] = {
	{ "no_boundary",	0, 1 << 20, 0, 0,	1 << 20, 1 },
	{ "exactly_one_piece",	0, 4096, 4096, 0,	4096, 1 },
	{ "two_pieces",		0, 8192, 4096, 0,	4096, 2 },
	{ "unaligned_start",	512, 8192, 4096, 0,	4096, 2 },
	{ "straddles_one",	4095, 4097, 4096, 0,	4096, 2 },
	{ "after_boundary",	4096, 4097, 4096, 0,	4097, 1 },
	{ "1m_in_128k",		0, 1 << 20, 131072, 0,	131072, 8 },
	{ "1m_unaligned_128k",	4096, (1 << 20) + 4096, 131072, 0, 131072, 9 },
	{ "non_pow2_boundary",	5 * 12288 + 512, 7 * 12288, 12288, 0, 6 * 12288, 2 },
	{ "high_offset",	P50 + 4096, P50 + 4096 + 3 * 65536, 65536, 0, P50 + 65536, 4 },
	{ "empty_io",		100, 100, 4096, 0,	100, 1 },
	{ "boundary_u32_max",	0, 1ULL << 33, U32_MAX, 0, U32_MAX, 3 },
	/* boundaries at multiples plus an offset (discard granules) */
	{ "offset_first_cut",	0, 8 << 20, 1 << 20, 4096, 4096, 9 },
	{ "offset_on_cut",	4096, (8 << 20) + 4096, 1 << 20, 4096, (1 << 20) + 4096, 8 },
	{ "offset_past_cut",	8192, 1 << 20, 1 << 20, 4096, (1 << 20), 1 },
	{ "offset_high",	P50, P50 + (2 << 20), 1 << 20, 512, P50 + 512, 3 },
	{ "offset_max",		0, 8192, 4096, 4095, 4095, 3 },
};

static void split_desc(const struct split_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(split, split_cases, split_desc);

static void sb_split_table(struct kunit *test)
{
	const struct split_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_split_end(c->pos, c->end, c->boundary, c->offset),
			c->want_end);
	KUNIT_EXPECT_EQ(test, sb_split_count(c->pos, c->end, c->boundary, c->offset),
			c->want_count);
}

/*
 * For many (pos, end, boundary, offset): the pieces from sb_split_end()
 * tile [pos, end) exactly, none crosses a boundary (a multiple of the
 * boundary plus the offset), all but the first start on one, and there
 * are sb_split_count() of them.
 */
static void split_tiles_check(struct kunit *test, u64 b, u64 off)
{
	unsigned int n;
	u64 pos, end, p, e;

	for (pos = 0; pos < 3 * b; pos += 512) {
		for (end = pos + 512; end <= pos + 4 * b; end += 512) {
			n = 0;
			for (p = pos; p < end; p = e) {
				e = sb_split_end(p, end, b, off);
				KUNIT_ASSERT_GT(test, e, p);
				KUNIT_ASSERT_LE(test, e, end);
				/* within one boundary window */
				KUNIT_ASSERT_EQ_MSG(test, (p + b - off) / b,
						    (e - 1 + b - off) / b,
						    "piece [%llu,%llu) b=%llu off=%llu",
						    p, e, b, off);
				if (p != pos)
					KUNIT_ASSERT_EQ(test, (p + b - off) % b, 0ULL);
				n++;
			}
			KUNIT_ASSERT_EQ_MSG(test, sb_split_count(pos, end, b, off), n,
					    "pos=%llu end=%llu b=%llu off=%llu",
					    pos, end, b, off);
		}
	}
}

static void sb_split_tiles_range(struct kunit *test)
{
	static const u32 boundaries[] = { 512, 1536, 4096, 12288 };
	unsigned int bi;
	u64 b;

	for (bi = 0; bi < ARRAY_SIZE(boundaries); bi++) {
		b = boundaries[bi];
		split_tiles_check(test, b, 0);
		if (b > 512) {
			split_tiles_check(test, b, 512);
			split_tiles_check(test, b, b - 512);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* sb_discard_cuts                                                           */
/* ------------------------------------------------------------------------ */

struct discard_cuts_case {
	const char *name;
	u32 boundary, granularity, alignment;
	u32 want_period, want_offset;
};

static const struct discard_cuts_case discard_cuts_cases[] = {
	{ "granule_below_boundary",	65536, 4096, 0,		65536, 0 },
	{ "granule_above_boundary",	65536, 1 << 20, 0,	1 << 20, 0 },
	{ "no_granularity",		65536, 0, 0,		65536, 0 },
	{ "alignment_over_granule",	65536, 1 << 20, 2 << 20, 1 << 20, 0 },
	/* granules begin 4 KiB in: no multiple of 64 KiB is a granule start */
	{ "misaligned_4k",		65536, 1 << 20, 4096,	1 << 20, 4096 },
	/* granules begin 128 KiB in, a multiple of the boundary */
	{ "misaligned_on_boundary",	65536, 1 << 20, 131072,	1 << 20, 131072 },
	{ "small_granule_misaligned",	65536, 4096, 512,	65536, 512 },
	/* not powers of two: 12K granules from 4K, 8K boundary: at 16K */
	{ "non_pow2_crt",		8192, 12288, 4096,	24576, 16384 },
	{ "non_pow2_none",		8192, 12288, 1024,	24576, 1024 },
	{ "past_4g",			0x80000000u, 0xC0000000u, 0, 0, 0 },
};

static void discard_cuts_desc(const struct discard_cuts_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(discard_cuts, discard_cuts_cases, discard_cuts_desc);

/*
 * For many (boundary, granularity, alignment): the cuts fall where granules
 * begin (offset = alignment mod granularity), and on a multiple of the
 * boundary exactly when some granule begins on one (gcd divides the
 * alignment); the offset is within the period, a multiple of both.
 */
static void sb_discard_cuts_props(struct kunit *test)
{
	static const u32 sizes[] = { 512, 1536, 4096, 12288, 65536, 1 << 20 };
	unsigned int bi, gi;
	u32 b, g, a, off, l;

	for (bi = 0; bi < ARRAY_SIZE(sizes); bi++) {
		for (gi = 0; gi < ARRAY_SIZE(sizes); gi++) {
			b = sizes[bi];
			g = sizes[gi];
			for (a = 0; a < g; a += 512) {
				l = sb_discard_cuts(b, g, a, &off);
				KUNIT_ASSERT_EQ(test, l % b, 0U);
				KUNIT_ASSERT_EQ(test, l % g, 0U);
				KUNIT_ASSERT_LT(test, off, l);
				KUNIT_ASSERT_EQ_MSG(test, off % g, a,
						    "b=%u g=%u a=%u off=%u", b, g, a, off);
				KUNIT_ASSERT_EQ_MSG(test, off % b == 0,
						    a % gcd(b, g) == 0,
						    "b=%u g=%u a=%u off=%u", b, g, a, off);
			}
		}
	}
}

static void sb_discard_cuts_table(struct kunit *test)
{
	const struct discard_cuts_case *c = test->param_value;
	u32 offset = U32_MAX;

	KUNIT_EXPECT_EQ(test, sb_discard_cuts(c->boundary, c->granularity,
					      c->alignment, &offset),
			c->want_period);
	KUNIT_EXPECT_EQ(test, offset, c->want_offset);
}

/* ------------------------------------------------------------------------ */
/* sb_crypt_widen / sb_rmw_sectors                                           */
/* ------------------------------------------------------------------------ */

struct crypt_range_case {
	const char *name;
	u64 start, end;
	u32 cs;
	u64 wstart, wend;		/* sb_crypt_widen */
	unsigned int nr_rmw;		/* sb_rmw_sectors */
	u64 head, tail;
};

static const struct crypt_range_case crypt_range_cases[] = {
	{ "aligned_4k",		0, 4096, 4096,		0, 4096,	0, 0, 0 },
	{ "aligned_512",	0, 8192, 512,		0, 8192,	0, 0, 0 },
	{ "tail_only",		0, 512, 4096,		0, 4096,	1, 0, 0 },
	{ "head_only",		512, 4096, 4096,	0, 4096,	1, 0, 0 },
	{ "inside_one_sector",	512, 1024, 4096,	0, 4096,	1, 0, 0 },
	{ "head_and_tail",	512, 8192 + 512, 4096,	0, 12288,	2, 0, 8192 },
	{ "adjacent_sectors",	512, 4096 + 512, 4096,	0, 8192,	2, 0, 4096 },
	{ "head_in_second",	4096 + 512, 8192, 4096,	4096, 8192,	1, 4096, 0 },
	{ "cs512_both",		100, 612, 512,		0, 1024,	2, 0, 512 },
	{ "one_byte_each_side",	4095, 4097, 4096,	0, 8192,	2, 0, 4096 },
	{ "high_offset",	P50 + 512, P50 + 3 * 4096, 4096, P50, P50 + 3 * 4096, 1, P50, 0 },
};

static void crypt_range_desc(const struct crypt_range_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(crypt_range, crypt_range_cases, crypt_range_desc);

static void sb_crypt_widen_table(struct kunit *test)
{
	const struct crypt_range_case *c = test->param_value;
	u64 ws = SENTINEL, we = SENTINEL;

	sb_crypt_widen(c->start, c->end, c->cs, &ws, &we);
	KUNIT_EXPECT_EQ(test, ws, c->wstart);
	KUNIT_EXPECT_EQ(test, we, c->wend);
}

static void sb_rmw_sectors_table(struct kunit *test)
{
	const struct crypt_range_case *c = test->param_value;
	u64 head = SENTINEL, tail = SENTINEL;

	KUNIT_ASSERT_EQ(test, sb_rmw_sectors(c->start, c->end, c->cs, &head, &tail), c->nr_rmw);
	if (c->nr_rmw >= 1)
		KUNIT_EXPECT_EQ(test, head, c->head);
	if (c->nr_rmw == 2)
		KUNIT_EXPECT_EQ(test, tail, c->tail);
}

/*
 * Cross-check for every byte-granular range within three crypt sectors:
 * the widened range is cs-aligned and covers the I/O; the read-modify-write
 * sectors are exactly the widened range's first/last sector where that
 * sector is only partly covered (counted once if they are the same).
 */
static void sb_rmw_matches_widen(struct kunit *test)
{
	static const u32 css[] = { 512, 4096 };
	u64 start, end, ws, we, head, tail, cs, step;
	unsigned int ci, n, want;
	bool hpart, tpart;

	for (ci = 0; ci < ARRAY_SIZE(css); ci++) {
		cs = css[ci];
		step = cs / 8;
		for (start = 0; start < 3 * cs; start += step) {
			for (end = start + step; end <= 3 * cs; end += step) {
				sb_crypt_widen(start, end, cs, &ws, &we);
				KUNIT_ASSERT_EQ(test, ws % cs, 0ULL);
				KUNIT_ASSERT_EQ(test, we % cs, 0ULL);
				KUNIT_ASSERT_LE(test, ws, start);
				KUNIT_ASSERT_GE(test, we, end);
				KUNIT_ASSERT_LT(test, start - ws, cs);
				KUNIT_ASSERT_LT(test, we - end, cs);

				hpart = start != ws;
				tpart = end != we;
				want = hpart + tpart;
				if (hpart && tpart && we - ws == cs)
					want = 1;	/* both ends in one sector */
				n = sb_rmw_sectors(start, end, cs, &head, &tail);
				KUNIT_ASSERT_EQ_MSG(test, n, want, "[%llu,%llu) cs=%llu",
						    start, end, cs);
				if (n >= 1)
					KUNIT_ASSERT_EQ(test, head, hpart ? ws : we - cs);
				if (n == 2)
					KUNIT_ASSERT_EQ(test, tail, we - cs);
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* sb_plain64_iv                                                             */
/* ------------------------------------------------------------------------ */

struct plain64_case {
	const char *name;
	u64 pos;
	u32 cs;
	bool large;
	u64 want_sector;
};

static const struct plain64_case plain64_cases[] = {
	{ "zero",			0, 512, false,			0 },
	{ "sector1",			512, 512, false,		1 },
	{ "4k_counts_512",		4096, 4096, false,		8 },
	{ "4k_large_sectors",		4096, 4096, true,		1 },
	{ "512_large_same",		1 << 20, 512, true,		2048 },
	{ "1t_4k_large",		1ULL << 40, 4096, true,		1ULL << 28 },
	{ "1t_512",			1ULL << 40, 512, false,		1ULL << 31 },
	{ "beyond_32_bits",		1ULL << 50, 512, false,		1ULL << 41 },
	{ "top_byte_used",		0xfffffffffffffe00ULL, 512, false, 0x007fffffffffffffULL },
	{ "large_top",			0xfffffffffffff000ULL, 4096, true, 0x000fffffffffffffULL },
};

static void plain64_desc(const struct plain64_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(plain64, plain64_cases, plain64_desc);

static void sb_plain64_iv_table(struct kunit *test)
{
	const struct plain64_case *c = test->param_value;
	u8 iv[SB_CRYPT_IV_SIZE + 8], want[SB_CRYPT_IV_SIZE] = { 0 };
	unsigned int i;

	for (i = 0; i < 8; i++)
		want[i] = c->want_sector >> (8 * i);	/* little endian */
	memset(iv, 0xff, sizeof(iv));
	sb_plain64_iv(iv, c->pos, c->cs, c->large);
	KUNIT_EXPECT_MEMEQ(test, iv, want, SB_CRYPT_IV_SIZE);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(iv + SB_CRYPT_IV_SIZE, 0xff, 8),
			      "wrote past SB_CRYPT_IV_SIZE");
}

/* Consecutive crypt sectors get consecutive IVs (the tweak never repeats). */
static void sb_plain64_iv_consecutive(struct kunit *test)
{
	u8 a[SB_CRYPT_IV_SIZE], b[SB_CRYPT_IV_SIZE];
	u64 pos, base = (1ULL << 32) * 512 - 8 * 4096;	/* crosses 2^32 sectors */

	for (pos = base; pos < base + 16 * 4096; pos += 4096) {
		sb_plain64_iv(a, pos, 4096, false);
		sb_plain64_iv(b, pos + 4096, 4096, false);
		KUNIT_ASSERT_EQ(test, get_unaligned_le64(b) - get_unaligned_le64(a), 8ULL);
		sb_plain64_iv(a, pos, 4096, true);
		sb_plain64_iv(b, pos + 4096, 4096, true);
		KUNIT_ASSERT_EQ(test, get_unaligned_le64(b) - get_unaligned_le64(a), 1ULL);
		KUNIT_ASSERT_NULL(test, memchr_inv(b + 8, 0, 8));
	}
}

/* ------------------------------------------------------------------------ */
/* sb_merge_fits                                                             */
/* ------------------------------------------------------------------------ */

struct merge_case {
	const char *name;
	u64 prev_end, next_pos, cur, next, max;
	bool want;
};

static const struct merge_case merge_cases[] = {
	{ "contiguous_fits",	8192, 8192, 4096, 4096, 131072,	true },
	{ "exactly_max",	8192, 8192, 65536, 65536, 131072, true },
	{ "one_byte_over",	8192, 8192, 65536, 65537, 131072, false },
	{ "gap",		8192, 12288, 4096, 4096, 131072, false },
	{ "overlap",		8192, 4096, 4096, 4096, 131072,	false },
	{ "one_before",		8192, 8191, 4096, 512, 131072,	false },
	{ "max_smaller_than_next", 4096, 4096, 0, 8192, 4096,	false },
	{ "high_offset",	P50, P50, 1 << 20, 1 << 20, 2 << 20, true },
};

static void merge_desc(const struct merge_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}
KUNIT_ARRAY_PARAM(merge, merge_cases, merge_desc);

static void sb_merge_fits_table(struct kunit *test)
{
	const struct merge_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, sb_merge_fits(c->prev_end, c->next_pos, c->cur, c->next, c->max),
			c->want);
}

/*
 * Greedy merging of a sequential stream of 4 KiB requests, as the merge
 * stage does it: every merged I/O stays within max_bytes, and is full
 * (max_bytes / 4 KiB requests) except possibly the last.
 */
static void sb_merge_stream(struct kunit *test)
{
	const u64 rq = 4096, max = 65536, nr = 100;
	u64 i, pos = 0, cur_start = 0, cur = 0, merged = 0;

	for (i = 0; i < nr; i++, pos += rq) {
		if (cur && sb_merge_fits(cur_start + cur, pos, cur, rq, max)) {
			cur += rq;
			continue;
		}
		if (cur) {
			KUNIT_EXPECT_EQ(test, cur, max);
			merged++;
		}
		cur_start = pos;
		cur = rq;
	}
	KUNIT_EXPECT_LE(test, cur, max);
	KUNIT_EXPECT_EQ(test, merged + 1, DIV_ROUND_UP(nr * rq, max));
}

/* ------------------------------------------------------------------------ */

static struct kunit_case sb_stages_test_cases[] = {
	KUNIT_CASE_PARAM(sb_parse_stages_table, stages_gen_params),
	KUNIT_CASE_PARAM(sb_format_stages_table, format_gen_params),
	KUNIT_CASE(sb_stages_roundtrip),
	KUNIT_CASE(sb_format_stages_small_buffer),
	{}
};

static struct kunit_suite sb_stages_suite = {
	.name = "stackblk_stages",
	.test_cases = sb_stages_test_cases,
};

static struct kunit_case sb_hex_key_test_cases[] = {
	KUNIT_CASE_PARAM(sb_parse_hex_key_table, hex_key_gen_params),
	KUNIT_CASE(sb_parse_hex_key_all_bytes),
	{}
};

static struct kunit_suite sb_hex_key_suite = {
	.name = "stackblk_hex_key",
	.test_cases = sb_hex_key_test_cases,
};

static struct kunit_case sb_stage_cfg_test_cases[] = {
	KUNIT_CASE_PARAM(sb_stage_cfg_check_table, cfg_gen_params),
	{}
};

static struct kunit_suite sb_stage_cfg_suite = {
	.name = "stackblk_stage_cfg",
	.test_cases = sb_stage_cfg_test_cases,
};

static struct kunit_case sb_split_test_cases[] = {
	KUNIT_CASE_PARAM(sb_split_table, split_gen_params),
	KUNIT_CASE(sb_split_tiles_range),
	KUNIT_CASE_PARAM(sb_discard_cuts_table, discard_cuts_gen_params),
	KUNIT_CASE(sb_discard_cuts_props),
	{}
};

static struct kunit_suite sb_split_suite = {
	.name = "stackblk_split",
	.test_cases = sb_split_test_cases,
};

/* ------------------------------------------------------------------------ */
/* sb_bounce_page                                                            */
/* ------------------------------------------------------------------------ */

/*
 * A bounce bio's layout (stage_crypt.c, sb_bounce_fill()): compound pages
 * first, largest first, then single pages; only the last bio_vec may be
 * short.  Each row is one bio: page orders and bytes per bio_vec.
 */
#define SB_BV_MAX	6

struct bounce_case {
	const char *name;
	unsigned int nr;
	unsigned int order[SB_BV_MAX];
	u32 len[SB_BV_MAX];
};

#define PG PAGE_SIZE

static const struct bounce_case bounce_cases[] = {
	{ "one compound page", 1, { 5 }, { 32 * PG } },
	{ "single pages only", 4, { 0, 0, 0, 0 }, { PG, PG, PG, 512 } },
	{ "compound then single", 5, { 2, 1, 0, 0, 0 },
	  { 4 * PG, 2 * PG, PG, PG, 1000 } },
	{ "short last compound", 2, { 3, 1 }, { 8 * PG, PG + PG / 2 } },
	{ "orders down to one", 3, { 3, 2, 1 }, { 8 * PG, 4 * PG, 2 * PG } },
};

#undef PG

static void bounce_desc(const struct bounce_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bounce, bounce_cases, bounce_desc);

/* Every 256th byte of the bio, against a plain walk over its bio_vecs. */
static void sb_bounce_page_table(struct kunit *test)
{
	const struct bounce_case *c = test->param_value;
	struct bio_vec bv[SB_BV_MAX] = {};
	u32 total = 0, off, start, po;
	struct page *last;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		gfp_t gfp = GFP_KERNEL | (c->order[i] ? __GFP_COMP : 0);

		bv[i].bv_page = alloc_pages(gfp, c->order[i]);
		if (!bv[i].bv_page) {
			unsigned int order = c->order[i];

			while (i--)
				__free_pages(bv[i].bv_page, c->order[i]);
			kunit_skip(test, "no page of order %u", order);
		}
		bv[i].bv_len = c->len[i];
		total += c->len[i];
	}
	for (off = 0; off < total; off += 256) {
		struct page *want, *got;

		for (i = 0, start = 0; off >= start + bv[i].bv_len; i++)
			start += bv[i].bv_len;
		want = nth_page(bv[i].bv_page, (off - start) >> PAGE_SHIFT);
		got = sb_bounce_page(bv, off, &po);
		KUNIT_EXPECT_PTR_EQ_MSG(test, got, want, "byte %u", off);
		KUNIT_EXPECT_EQ_MSG(test, po, (off - start) & ~PAGE_MASK,
				    "byte %u", off);
	}
	/* the last byte, which the stride may miss */
	last = nth_page(bv[c->nr - 1].bv_page,
			(c->len[c->nr - 1] - 1) >> PAGE_SHIFT);
	KUNIT_EXPECT_PTR_EQ(test, sb_bounce_page(bv, total - 1, &po), last);
	KUNIT_EXPECT_EQ(test, po, (c->len[c->nr - 1] - 1) & ~PAGE_MASK);
	for (i = 0; i < c->nr; i++)
		__free_pages(bv[i].bv_page, c->order[i]);
}

static struct kunit_case sb_crypt_range_test_cases[] = {
	KUNIT_CASE_PARAM(sb_crypt_widen_table, crypt_range_gen_params),
	KUNIT_CASE_PARAM(sb_rmw_sectors_table, crypt_range_gen_params),
	KUNIT_CASE(sb_rmw_matches_widen),
	KUNIT_CASE_PARAM(sb_bounce_page_table, bounce_gen_params),
	{}
};

static struct kunit_suite sb_crypt_range_suite = {
	.name = "stackblk_crypt_range",
	.test_cases = sb_crypt_range_test_cases,
};

static struct kunit_case sb_plain64_test_cases[] = {
	KUNIT_CASE_PARAM(sb_plain64_iv_table, plain64_gen_params),
	KUNIT_CASE(sb_plain64_iv_consecutive),
	{}
};

static struct kunit_suite sb_plain64_suite = {
	.name = "stackblk_plain64",
	.test_cases = sb_plain64_test_cases,
};

static struct kunit_case sb_merge_test_cases[] = {
	KUNIT_CASE_PARAM(sb_merge_fits_table, merge_gen_params),
	KUNIT_CASE(sb_merge_stream),
	{}
};

static struct kunit_suite sb_merge_suite = {
	.name = "stackblk_merge",
	.test_cases = sb_merge_test_cases,
};

kunit_test_suites(&sb_stages_suite, &sb_hex_key_suite, &sb_stage_cfg_suite,
		  &sb_split_suite, &sb_crypt_range_suite, &sb_plain64_suite,
		  &sb_merge_suite);
