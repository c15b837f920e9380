// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the parity stage's layout math (module/sb_lib.c,
 * sb_parity_*): md's RAID-5 left-symmetric layout, capacity, and the
 * read-modify-write vs reconstruct-write choice.  Every case sweeps every
 * member count (3..16) and every chunk size (4 KiB..1 MiB, powers of two).
 *
 * Run: make kunit.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "sb_lib.h"

/* Every (members, chunk) pair: 14 member counts x 9 chunk sizes. */
#define NR_CHUNKS	(ilog2(SB_PARITY_CHUNK_MAX) - ilog2(SB_PARITY_CHUNK_MIN) + 1)
#define NR_GEOMETRIES	((SB_PARITY_MEMBERS_MAX - SB_PARITY_MEMBERS_MIN + 1) * NR_CHUNKS)

static void geometry(unsigned int g, u32 *m, u32 *c)
{
	*m = SB_PARITY_MEMBERS_MIN + g / NR_CHUNKS;
	*c = SB_PARITY_CHUNK_MIN << (g % NR_CHUNKS);
}

/*
 * md's raid5_compute_sector() for ALGORITHM_LEFT_SYMMETRIC, in 512-byte
 * sectors, written as md writes it: the reference the byte math must
 * agree with.
 */
static u64 md_left_symmetric(u64 r_sector, u32 raid_disks, u32 sectors_per_chunk,
			     unsigned int *dd_idx, unsigned int *pd_idx)
{
	u32 data_disks = raid_disks - 1;
	u64 chunk_number, stripe;
	u32 chunk_offset, dd, rem;

	chunk_number = div_u64_rem(r_sector, sectors_per_chunk, &chunk_offset);
	stripe = div_u64_rem(chunk_number, data_disks, &dd);
	div_u64_rem(stripe, raid_disks, &rem);
	*pd_idx = data_disks - rem;
	*dd_idx = (*pd_idx + 1 + dd) % raid_disks;
	return stripe * sectors_per_chunk + chunk_offset;
}

#define MSG_POS "m=%u c=%u pos=%llu", m, c, pos

/* The parity member starts last and moves left one member per stripe. */
static void sb_parity_member_rotates(struct kunit *test)
{
	u32 m;
	u64 s;

	for (m = SB_PARITY_MEMBERS_MIN; m <= SB_PARITY_MEMBERS_MAX; m++) {
		KUNIT_EXPECT_EQ(test, sb_parity_member(0, m), m - 1);
		for (s = 0; s < 3 * m; s++) {
			unsigned int p = sb_parity_member(s, m);

			KUNIT_EXPECT_LT(test, p, m);
			KUNIT_EXPECT_EQ(test, sb_parity_member(s + 1, m), (p + m - 1) % m);
			KUNIT_EXPECT_EQ(test, sb_parity_member(s + m, m), p);
		}
		/* far out: stripe numbers beyond 32 bits */
		s = (1ULL << 40) * m + 1;
		KUNIT_EXPECT_EQ(test, sb_parity_member(s, m), m - 2);
	}
}

/* Byte math agrees with md's sector math, at chunk edges and inside. */
static void sb_parity_map_matches_md(struct kunit *test)
{
	unsigned int g;
	u32 m, c;

	for (g = 0; g < NR_GEOMETRIES; g++) {
		geometry(g, &m, &c);
		u64 width = (u64)c * (m - 1);
		u64 n, pos;

		for (n = 0; n < 2 * m * (m - 1) + 3; n++) {
			u64 probes[] = { 0, 512, c / 2, c - 512 };
			unsigned int i;

			for (i = 0; i < ARRAY_SIZE(probes); i++) {
				struct sb_parity_loc loc;
				unsigned int dd, pd;
				u64 sec;

				pos = n * c + probes[i];
				sb_parity_map(pos, m, c, &loc);
				sec = md_left_symmetric(pos >> 9, m, c >> 9, &dd, &pd);
				KUNIT_ASSERT_EQ_MSG(test, loc.member, dd, MSG_POS);
				KUNIT_ASSERT_EQ_MSG(test, loc.parity, pd, MSG_POS);
				KUNIT_ASSERT_EQ_MSG(test, loc.off, sec << 9, MSG_POS);
				KUNIT_ASSERT_EQ(test, loc.stripe, div64_u64(pos, width));
				KUNIT_ASSERT_NE(test, loc.member, loc.parity);
			}
		}
		/* a position past 2^32 chunks */
		{
			struct sb_parity_loc loc;
			unsigned int dd, pd;
			u64 sec;

			pos = (1ULL << 44) + 3 * c + 4096 % c;
			sb_parity_map(pos, m, c, &loc);
			sec = md_left_symmetric(pos >> 9, m, c >> 9, &dd, &pd);
			KUNIT_EXPECT_EQ(test, loc.member, dd);
			KUNIT_EXPECT_EQ(test, loc.parity, pd);
			KUNIT_EXPECT_EQ(test, loc.off, sec << 9);
		}
	}
}

/*
 * Over 2 * members stripes, every chunk of every member is either the
 * stripe's parity or exactly one logical chunk, and the first data chunk
 * of a stripe follows its parity member (left-symmetric).
 */
static void sb_parity_map_bijective(struct kunit *test)
{
	unsigned int g;
	u32 m, c;
	u8 *seen;

	seen = kunit_kzalloc(test, SB_PARITY_MEMBERS_MAX * 2 * SB_PARITY_MEMBERS_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (g = 0; g < NR_GEOMETRIES; g++) {
		geometry(g, &m, &c);
		u32 stripes = 2 * m, s, d;
		u64 n;

		memset(seen, 0, m * stripes);
		for (n = 0; n < (u64)stripes * (m - 1); n++) {
			struct sb_parity_loc loc;

			sb_parity_map(n * c + c - 1, m, c, &loc);
			KUNIT_ASSERT_EQ(test, loc.off & (c - 1), (u64)c - 1);
			KUNIT_ASSERT_LT(test, loc.stripe, (u64)stripes);
			KUNIT_ASSERT_EQ(test, loc.off >> ilog2(c), loc.stripe);
			if (n % (m - 1) == 0)
				KUNIT_EXPECT_EQ(test, loc.member, (loc.parity + 1) % m);
			seen[loc.stripe * m + loc.member]++;
		}
		for (s = 0; s < stripes; s++)
			for (d = 0; d < m; d++)
				KUNIT_ASSERT_EQ_MSG(test, seen[s * m + d],
						    d == sb_parity_member(s, m) ? 0 : 1,
						    "m=%u c=%u stripe %u member %u", m, c, s, d);
	}
}

/* (members - 1)/members of the backing, whole stripes only. */
static void sb_parity_capacity_whole_stripes(struct kunit *test)
{
	static const u64 backings[] = {
		0, 4096, 1ULL << 20, 100ULL << 20, (1ULL << 30) + 512,
		(8ULL << 30) - 4096, 1ULL << 40, (1ULL << 50) + 12345 * 512,
	};
	unsigned int g;
	u32 m, c;

	for (g = 0; g < NR_GEOMETRIES; g++) {
		geometry(g, &m, &c);
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(backings); i++) {
			u64 b = backings[i];
			u64 msz = sb_parity_member_size(b, m, c);
			u64 cap = sb_parity_capacity(b, m, c);
			u64 stripes = msz / c;
			u64 width = (u64)c * (m - 1);

			KUNIT_EXPECT_EQ(test, msz % c, 0ULL);
			KUNIT_EXPECT_LE(test, msz * m, b);
			/* one more chunk per member would not fit */
			KUNIT_EXPECT_GT(test, (msz + c) * m, b);
			KUNIT_EXPECT_EQ(test, cap, stripes * width);
			KUNIT_EXPECT_EQ(test, cap % width, 0ULL);
			KUNIT_EXPECT_LE(test, cap, div_u64(b * (m - 1), m));
			/* the last logical byte maps inside its member region */
			if (cap) {
				struct sb_parity_loc loc;

				sb_parity_map(cap - 1, m, c, &loc);
				KUNIT_EXPECT_LT(test, loc.off, msz);
				KUNIT_EXPECT_EQ(test, loc.stripe, stripes - 1);
			}
		}
	}
	/* worked numbers: 5 x 16 KiB over 1 GiB + 512 */
	KUNIT_EXPECT_EQ(test, sb_parity_capacity((1ULL << 30) + 512, 5, 16384),
			13107 * 4ULL * 16384);
}

static void sb_parity_stripe_end_pieces(struct kunit *test)
{
	unsigned int g;
	u32 m, c;

	for (g = 0; g < NR_GEOMETRIES; g++) {
		geometry(g, &m, &c);
		u64 width = (u64)c * (m - 1);
		u64 pos = width - 512, end = 3 * width + 4096, p, n = 0;

		KUNIT_EXPECT_EQ(test, sb_parity_stripe_end(0, 1, m, c), 1ULL);
		KUNIT_EXPECT_EQ(test, sb_parity_stripe_end(0, 10 * width, m, c), width);
		KUNIT_EXPECT_EQ(test, sb_parity_stripe_end(width, 10 * width, m, c), 2 * width);
		for (p = pos; p < end; n++) {
			u64 e = sb_parity_stripe_end(p, end, m, c);
			struct sb_parity_loc a, b;

			KUNIT_ASSERT_GT(test, e, p);
			sb_parity_map(p, m, c, &a);
			sb_parity_map(e - 1, m, c, &b);
			KUNIT_ASSERT_EQ(test, a.stripe, b.stripe);
			p = e;
		}
		KUNIT_EXPECT_EQ(test, n, 4ULL);
	}
}

/* Reads of each kind, counted the slow way: per byte offset in the chunk. */
static void parity_reads_ref(u64 r0, u64 r1, u32 m, u32 c, u64 *rmw, u64 *rcw)
{
	u64 lo = U64_MAX, hi = 0, d;

	for (d = 0; d < m - 1; d++) {
		u64 s = max(r0, d * c), e = min(r1, (d + 1) * c);

		if (s >= e)
			continue;
		lo = min(lo, s - d * c);
		hi = max(hi, e - d * c);
	}
	*rmw = (r1 - r0) + (hi - lo);
	*rcw = (u64)(m - 1) * (hi - lo) - (r1 - r0);
}

static void sb_parity_choose_as_md(struct kunit *test)
{
	unsigned int g;
	u32 m, c;

	for (g = 0; g < NR_GEOMETRIES; g++) {
		geometry(g, &m, &c);
		u64 width = (u64)c * (m - 1), base = 7 * width;
		u64 rmw, rcw, ref_rmw, ref_rcw;
		/* (start, end) within the stripe, 512-byte aligned */
		const u64 w[][2] = {
			{ 0, width },			/* full stripe */
			{ 0, 4096 },			/* one small block */
			{ c - 4096, c + 4096 },		/* across a chunk edge */
			{ 512, c },			/* most of one chunk */
			{ 0, c },			/* one whole chunk */
			{ c / 2, width - c / 2 },	/* nearly full */
			{ width - 512, width },		/* last sector */
			{ 0, width - c },		/* all but one chunk */
		};
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(w); i++) {
			enum sb_parity_write k;

			k = sb_parity_choose(base + w[i][0], base + w[i][1], m, c, &rmw, &rcw);
			parity_reads_ref(w[i][0], w[i][1], m, c, &ref_rmw, &ref_rcw);
			KUNIT_EXPECT_EQ_MSG(test, rmw, ref_rmw, "m=%u c=%u row %u", m, c, i);
			KUNIT_EXPECT_EQ_MSG(test, rcw, ref_rcw, "m=%u c=%u row %u", m, c, i);
			KUNIT_EXPECT_EQ_MSG(test, k, rmw < rcw ? SB_PARITY_RMW : SB_PARITY_RCW,
					    "m=%u c=%u row %u", m, c, i);
		}
		/* a full-stripe write reads nothing */
		KUNIT_EXPECT_EQ(test, sb_parity_choose(0, width, m, c, &rmw, &rcw), SB_PARITY_RCW);
		KUNIT_EXPECT_EQ(test, rcw, 0ULL);
		/* one 4 KiB block: RCW while members - 2 <= 2 (a tie goes to RCW) */
		KUNIT_EXPECT_EQ(test, sb_parity_choose(base, base + 4096, m, c, &rmw, &rcw),
				m <= 4 ? SB_PARITY_RCW : SB_PARITY_RMW);
		KUNIT_EXPECT_EQ(test, rmw, 8192ULL);
		KUNIT_EXPECT_EQ(test, rcw, (u64)(m - 2) * 4096);
		/* all but one chunk: RCW reads just that chunk */
		KUNIT_EXPECT_EQ(test, sb_parity_choose(base, base + width - c, m, c, &rmw, &rcw),
				SB_PARITY_RCW);
		KUNIT_EXPECT_EQ(test, rcw, (u64)c);
	}
}

/* The seeds' example: 5 members of 16 KiB, crypt sectors at 60 and 64 KiB. */
static void sb_parity_seeds_example(struct kunit *test)
{
	struct sb_parity_loc a, b;
	u64 rmw, rcw;

	sb_parity_map(60 << 10, 5, 16384, &a);
	sb_parity_map(64 << 10, 5, 16384, &b);
	KUNIT_EXPECT_EQ(test, a.stripe, 0ULL);
	KUNIT_EXPECT_EQ(test, b.stripe, 1ULL);
	KUNIT_EXPECT_EQ(test, a.parity, 4U);
	KUNIT_EXPECT_EQ(test, a.member, 3U);
	KUNIT_EXPECT_EQ(test, a.off, 12288ULL);
	KUNIT_EXPECT_EQ(test, b.parity, 3U);
	KUNIT_EXPECT_EQ(test, b.member, 4U);
	KUNIT_EXPECT_EQ(test, b.off, 16384ULL);
	KUNIT_EXPECT_EQ(test, sb_parity_choose(60 << 10, 64 << 10, 5, 16384, &rmw, &rcw),
			SB_PARITY_RMW);
	KUNIT_EXPECT_EQ(test, rmw, 8192ULL);
	KUNIT_EXPECT_EQ(test, rcw, 12288ULL);
	KUNIT_EXPECT_EQ(test, sb_parity_choose(64 << 10, 68 << 10, 5, 16384, NULL, NULL),
			SB_PARITY_RMW);
}

static struct kunit_case sb_parity_test_cases[] = {
	KUNIT_CASE(sb_parity_member_rotates),
	KUNIT_CASE(sb_parity_map_matches_md),
	KUNIT_CASE(sb_parity_map_bijective),
	KUNIT_CASE(sb_parity_capacity_whole_stripes),
	KUNIT_CASE(sb_parity_stripe_end_pieces),
	KUNIT_CASE(sb_parity_choose_as_md),
	KUNIT_CASE(sb_parity_seeds_example),
	{}
};

static struct kunit_suite sb_parity_suite = {
	.name = "stackblk_parity",
	.test_cases = sb_parity_test_cases,
};

kunit_test_suites(&sb_parity_suite);
