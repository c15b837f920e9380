// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of stackblk: histogram bucketing and percentiles, number
 * parsing for configfs, affinity matrix folding and rwbs strings, and the
 * planners and parsers of the stage pipeline (merge, split, crypt).
 */
#include <linux/gcd.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/string.h>

#include "stackblk_stats.h"
#include "sb_lib.h"

/**
 * sb_log2_bucket - log2 histogram bucket of a value
 * @v: the value (nanoseconds, a queue depth, ...)
 * @nr_buckets: number of buckets, at least 1
 *
 * Bucket b holds [2^b, 2^(b+1)); 0 and 1 both land in bucket 0.  Values
 * beyond the last bucket are clamped into it.
 */
unsigned int sb_log2_bucket(u64 v, unsigned int nr_buckets)
{
	unsigned int b = v ? ilog2(v) : 0;

	return min(b, nr_buckets - 1);
}

/**
 * sb_hist_percentile - upper bound of the bucket holding a percentile
 * @buckets: log2 histogram as built by sb_log2_bucket()
 * @nr_buckets: its length
 * @per_mille: the percentile in thousandths (500 = p50, 999 = p99.9)
 *
 * Returns 2^(b+1) for the first bucket b at which the cumulative count
 * reaches @per_mille/1000 of the total, or 0 for an empty histogram.
 */
u64 sb_hist_percentile(const u64 *buckets, unsigned int nr_buckets,
		       unsigned int per_mille)
{
	u64 total = 0, seen = 0, want;
	unsigned int b;

	for (b = 0; b < nr_buckets; b++)
		total += buckets[b];
	if (!total)
		return 0;

	/* want = ceil(total * per_mille / 1000), at least 1 */
	want = div_u64(total * min(per_mille, 1000U) + 999, 1000);
	if (!want)
		want = 1;

	for (b = 0; b < nr_buckets; b++) {
		seen += buckets[b];
		if (seen >= want)
			break;
	}
	b = min(b, nr_buckets - 1);
	return b >= 63 ? U64_MAX : 1ULL << (b + 1);
}

/**
 * sb_parse_u32 - parse a configfs/sysfs decimal value within bounds
 * @page: the written buffer (need not be NUL terminated)
 * @count: its length
 * @min: smallest accepted value
 * @max: largest accepted value
 * @out: where the value goes; untouched on error
 *
 * Accepts what kstrtou32() accepts, with one trailing newline.  Returns 0,
 * or -EINVAL for an empty, malformed, overlong or out-of-range value.
 */
int sb_parse_u32(const char *page, size_t count, u32 min, u32 max, u32 *out)
{
	char buf[24];
	u32 v;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, page, count);
	buf[count] = '\0';
	if (strlen(buf) != count)	/* embedded NUL */
		return -EINVAL;
	if (kstrtou32(buf, 10, &v))
		return -EINVAL;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * sb_affinity_group - CPUs folded into one row/column of the affinity matrix
 * @nr_cpus: nr_cpu_ids
 *
 * The matrix keeps at most SB_AFFINITY_MAX_COLS columns, so its memory is
 * bounded by nr_possible_cpus * 2 * SB_AFFINITY_MAX_COLS counters (two
 * rows per CPU: struct sb_pcpu_stats).
 */
unsigned int sb_affinity_group(unsigned int nr_cpus)
{
	return max(1U, DIV_ROUND_UP(nr_cpus, SB_AFFINITY_MAX_COLS));
}

static const char * const sb_rwbs_ops[] = {
	[REQ_OP_READ]		= "R",
	[REQ_OP_WRITE]		= "W",
	[REQ_OP_FLUSH]		= "F",
	[REQ_OP_DISCARD]	= "D",
	[REQ_OP_SECURE_ERASE]	= "DE",
	[REQ_OP_WRITE_ZEROES]	= "Z",
};

static const struct {
	blk_opf_t flag;
	char c;
} sb_rwbs_flags[] = {
	{ REQ_FUA, 'F' }, { REQ_RAHEAD, 'A' }, { REQ_SYNC, 'S' }, { REQ_META, 'M' },
};

/**
 * sb_fill_rwbs - describe an operation as the block: tracepoints do
 * @rwbs: at least SB_RWBS_LEN bytes
 * @opf: operation and flags
 *
 * F = preflush, then one of W/R/D/Z/N (write, read, discard, write zeroes,
 * none), then F = FUA, A = readahead, S = sync, M = meta.
 */
void sb_fill_rwbs(char *rwbs, blk_opf_t opf)
{
	unsigned int op = (__force unsigned int)(opf & REQ_OP_MASK);
	const char *name = "N";
	unsigned int k;
	int i = 0;

	BUILD_BUG_ON(SB_RWBS_LEN < 1 + 2 + ARRAY_SIZE(sb_rwbs_flags) + 1);
	if (op < ARRAY_SIZE(sb_rwbs_ops) && sb_rwbs_ops[op])
		name = sb_rwbs_ops[op];

	if (opf & REQ_PREFLUSH)
		rwbs[i++] = 'F';
	while (*name)
		rwbs[i++] = *name++;
	for (k = 0; k < ARRAY_SIZE(sb_rwbs_flags); k++)
		if (opf & sb_rwbs_flags[k].flag)
			rwbs[i++] = sb_rwbs_flags[k].c;
	rwbs[i] = '\0';
}

static const char * const sb_stage_names[] = {
	"merge", "split", "crypt", "parity"
};

/**
 * sb_parse_stages - parse the configfs "stages" value
 * @page: the written buffer (need not be NUL terminated)
 * @count: its length
 * @stages: where the SB_STAGE_* bits go; untouched on error
 *
 * A comma-separated subset of merge, split, crypt and parity, in any order,
 * with one optional trailing newline; empty means passthrough (0).  Returns
 * 0, or -EINVAL for an unknown, duplicate or empty name (",," or a trailing
 * ",").
 */
int sb_parse_stages(const char *page, size_t count, u32 *stages)
{
	size_t i = 0, j, n;
	u32 mask = 0;
	unsigned int k;

	if (count && page[count - 1] == '\n')
		count--;
	if (!count) {
		*stages = 0;
		return 0;
	}
	while (i <= count) {
		for (j = i; j < count && page[j] != ','; j++)
			;
		n = j - i;
		for (k = 0; k < ARRAY_SIZE(sb_stage_names); k++)
			if (n == strlen(sb_stage_names[k]) &&
			    !memcmp(page + i, sb_stage_names[k], n))
				break;
		if (k == ARRAY_SIZE(sb_stage_names) || (mask & (1U << k)))
			return -EINVAL;
		mask |= 1U << k;
		i = j + 1;
	}
	*stages = mask;
	return 0;
}

/**
 * sb_format_stages - the canonical text of a stage set
 * @buf: output buffer
 * @size: its size, SB_STAGES_LEN is always enough
 * @stages: SB_STAGE_* bits
 *
 * Writes the names in pipeline order (merge,split,crypt,parity), comma
 * separated, without a newline; "" for passthrough.  Returns the length
 * written.
 */
int sb_format_stages(char *buf, size_t size, u32 stages)
{
	unsigned int k;
	int len = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	for (k = 0; k < ARRAY_SIZE(sb_stage_names); k++)
		if (stages & (1U << k))
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? "," : "", sb_stage_names[k]);
	return len;
}

/**
 * sb_parse_hex_key - parse an AES-XTS key written as hex
 * @page: the written buffer (need not be NUL terminated)
 * @count: its length
 * @key: at least SB_CRYPT_KEY_MAX bytes; untouched on error
 * @key_len: the key length in bytes (32 or 64); untouched on error
 *
 * Exactly 64 or 128 hex digits (AES-128-XTS or AES-256-XTS), either case,
 * with one optional trailing newline.  Returns 0 or -EINVAL.
 */
int sb_parse_hex_key(const char *page, size_t count, u8 *key,
		     unsigned int *key_len)
{
	size_t i;

	if (count && page[count - 1] == '\n')
		count--;
	if (count != 2 * 32 && count != 2 * SB_CRYPT_KEY_MAX)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!isxdigit(page[i]))
			return -EINVAL;
	if (hex2bin(key, page, count / 2))
		return -EINVAL;
	*key_len = count / 2;
	return 0;
}

/**
 * sb_stage_cfg_check - validate stage settings against a backing device
 * @sc: the settings
 * @have_key: a crypt key is set
 * @lbs: logical block size of the backing device, a power of two
 *
 * Rules: merge_max_bytes is a non-zero multiple of @lbs; split_boundary is a
 * non-zero multiple of @lbs, and of crypt_sector_size when crypt is on too
 * (so that no crypt sector straddles a split); crypt needs a key and a
 * crypt_sector_size of 512 or 4096 that is at least @lbs; parity needs
 * SB_PARITY_MEMBERS_MIN..MAX members and a power-of-two chunk of
 * SB_PARITY_CHUNK_MIN..MAX bytes, at least @lbs (so it holds whole crypt
 * sectors too), and a failed member that is one of them or
 * SB_PARITY_NO_MEMBER.  Settings of stages that are off are not checked.  Returns
 * 0 or -EINVAL.
 */
int sb_stage_cfg_check(const struct sb_stage_cfg *sc, bool have_key,
		       unsigned int lbs)
{
	if (!lbs || (sc->stages & ~SB_STAGE_ALL))
		return -EINVAL;
	if ((sc->stages & SB_STAGE_MERGE) &&
	    (!sc->merge_max_bytes || sc->merge_max_bytes % lbs))
		return -EINVAL;
	if ((sc->stages & SB_STAGE_SPLIT) &&
	    (!sc->split_boundary || sc->split_boundary % lbs))
		return -EINVAL;
	if ((sc->stages & SB_STAGE_PARITY) &&
	    (sc->parity_members < SB_PARITY_MEMBERS_MIN ||
	     sc->parity_members > SB_PARITY_MEMBERS_MAX ||
	     sc->parity_chunk < SB_PARITY_CHUNK_MIN ||
	     sc->parity_chunk > SB_PARITY_CHUNK_MAX ||
	     !is_power_of_2(sc->parity_chunk) || sc->parity_chunk < lbs ||
	     (sc->parity_failed_member >= sc->parity_members &&
	      sc->parity_failed_member != SB_PARITY_NO_MEMBER)))
		return -EINVAL;
	if (!(sc->stages & SB_STAGE_CRYPT))
		return 0;
	if (!have_key)
		return -EINVAL;
	if (sc->crypt_sector_size != 512 && sc->crypt_sector_size != 4096)
		return -EINVAL;
	if (sc->crypt_sector_size < lbs)
		return -EINVAL;
	if ((sc->stages & SB_STAGE_SPLIT) &&
	    sc->split_boundary % sc->crypt_sector_size)
		return -EINVAL;
	return 0;
}

/**
 * sb_split_end - end of the split piece that starts at a position
 * @pos: start of the piece (bytes)
 * @end: end of the whole I/O (bytes), > @pos
 * @boundary: split boundary in bytes; 0 = no splitting
 * @offset: the boundaries lie at multiples of @boundary plus @offset
 *	(< @boundary; 0 for the split stage's own boundaries)
 *
 * Returns the first boundary above @pos, or @end if that is smaller.
 */
u64 sb_split_end(u64 pos, u64 end, u32 boundary, u32 offset)
{
	u32 rem;
	u64 next;

	if (!boundary)
		return end;
	/* rem = (pos - offset) mod boundary, without going below 0 */
	div_u64_rem(pos + boundary - offset, boundary, &rem);
	next = pos - rem + boundary;
	return min(next, end);
}

/**
 * sb_split_count - number of pieces an I/O is split into
 * @pos: start (bytes)
 * @end: end (bytes); an empty I/O (@end <= @pos) counts as one piece
 * @boundary: split boundary in bytes; 0 = no splitting
 * @offset: as for sb_split_end()
 *
 * One plus the number of boundaries strictly inside (@pos, @end).
 * split_ios grows by this minus one.
 */
unsigned int sb_split_count(u64 pos, u64 end, u32 boundary, u32 offset)
{
	unsigned int n = 1;

	if (end <= pos)
		return 1;
	while ((pos = sb_split_end(pos, end, boundary, offset)) < end)
		n++;
	return n;
}

/**
 * sb_discard_cuts - where the split stage may cut a discard
 * @boundary: split_boundary (bytes, > 0)
 * @granularity: the backing's discard granularity (bytes; 0 counts as 1)
 * @alignment: where on the backing its granules begin, modulo
 *	@granularity (bytes: bdev_discard_alignment(), non-zero on a
 *	partition that does not start on a granule, or a SCSI disk with an
 *	unmap granularity alignment)
 * @offset: set to where the cuts lie, modulo the value returned
 *
 * A piece of less than a whole granule may be dropped whole (dm-thin drops
 * a discard of part of a block, a SCSI disk an unmap of part of a
 * granule), and that space would never be given back, so a discard is cut
 * only where a granule begins; of those points, at multiples of @boundary
 * if any granule begins on one.  The cuts repeat every
 * lcm(@boundary, @granularity), from the first point that is both; where
 * no granule begins on a multiple of @boundary (@alignment not a multiple
 * of gcd(@boundary, @granularity)), from @alignment.  Returns that lcm,
 * or 0 (do not cut discards) past 4 GiB.
 */
u32 sb_discard_cuts(u32 boundary, u32 granularity, u32 alignment,
		    u32 *offset)
{
	u32 g = granularity ?: 1;
	u32 d = gcd(boundary, g);
	u64 l = (u64)(boundary / d) * g;	/* lcm, in 64 bits */
	u64 x;

	*offset = 0;
	if (l > U32_MAX)
		return 0;
	alignment %= g;
	*offset = alignment;
	if (alignment % d)
		return l;
	/* the first granule to begin on a multiple of boundary */
	for (x = alignment; x < l; x += g) {
		if (!((u32)x % boundary)) {
			*offset = x;
			break;
		}
	}
	return l;
}

/**
 * sb_crypt_widen - the whole crypt sectors an I/O touches
 * @start: start of the I/O (bytes)
 * @end: its end (bytes)
 * @cs: crypt sector size, a power of two
 * @wstart: @start rounded down to @cs
 * @wend: @end rounded up to @cs
 */
void sb_crypt_widen(u64 start, u64 end, u32 cs, u64 *wstart, u64 *wend)
{
	u64 mask = (u64)cs - 1;

	*wstart = start & ~mask;
	*wend = (end + mask) & ~mask;
}

/**
 * sb_bounce_page - where a byte of a bounce bio lives
 * @bv: the bio's bio_vecs (bi_io_vec), laid out as sb_crypt_ops allocates
 *	them: each from offset 0; compound pages first, each longer than a
 *	page; then single pages, all whole but the last
 * @off: byte offset into the bio (below its length)
 * @poff: the byte's offset within the page returned
 *
 * Return: the page holding byte @off.  A few steps over the compound
 * pages (at most one per page order), then an index into the single ones.
 */
struct page *sb_bounce_page(const struct bio_vec *bv, u32 off, u32 *poff)
{
	while (bv->bv_len > PAGE_SIZE && off >= bv->bv_len) {
		off -= bv->bv_len;
		bv++;
	}
	*poff = off & ~PAGE_MASK;
	if (bv->bv_len > PAGE_SIZE)
		return nth_page(bv->bv_page, off >> PAGE_SHIFT);
	return bv[off >> PAGE_SHIFT].bv_page;
}

/**
 * sb_rmw_sectors - the crypt sectors an I/O covers only in part
 * @start: start of the I/O (bytes)
 * @end: its end (bytes), > @start
 * @cs: crypt sector size, a power of two
 * @head: byte offset of the first partly covered crypt sector (valid if
 *	the return value is at least 1)
 * @tail: byte offset of the second one (valid if the return value is 2)
 *
 * A write needs one read-modify-write cycle per partly covered crypt
 * sector: 0 if [@start, @end) is aligned to @cs, 1 if only one end is
 * unaligned or both ends fall into the same crypt sector, else 2.
 */
unsigned int sb_rmw_sectors(u64 start, u64 end, u32 cs, u64 *head,
			    u64 *tail)
{
	u64 mask = (u64)cs - 1;
	unsigned int n = 0;
	u64 s[2];

	if (start & mask)
		s[n++] = start & ~mask;
	if ((end & mask) && (!n || (end & ~mask) != s[0]))
		s[n++] = end & ~mask;
	if (n >= 1)
		*head = s[0];
	if (n == 2)
		*tail = s[1];
	return n;
}

/**
 * sb_plain64_iv - the plain64 IV of one crypt sector, as dm-crypt builds it
 * @iv: SB_CRYPT_IV_SIZE bytes
 * @pos: byte offset of the crypt sector on the backing device
 * @cs: crypt sector size
 * @large_sectors: dm-crypt's iv_large_sectors: count in @cs units
 *
 * Little-endian 64-bit sector number in the first 8 bytes, zeros after it.
 * The number is @pos / 512, or @pos / @cs with @large_sectors.
 */
void sb_plain64_iv(u8 *iv, u64 pos, u32 cs, bool large_sectors)
{
	u64 sector = large_sectors ? div_u64(pos, cs) : pos >> SECTOR_SHIFT;
	__le64 le = cpu_to_le64(sector);

	memset(iv, 0, SB_CRYPT_IV_SIZE);
	memcpy(iv, &le, sizeof(le));
}

/**
 * sb_merge_fits - may the next request join the current merged I/O?
 * @prev_end: end (bytes) of the merged I/O so far
 * @next_pos: start (bytes) of the candidate
 * @cur_bytes: size of the merged I/O so far
 * @next_bytes: size of the candidate
 * @max_bytes: largest merged I/O allowed
 *
 * Only the geometry: the caller has checked operation and flags.
 */
bool sb_merge_fits(u64 prev_end, u64 next_pos, u64 cur_bytes,
		   u64 next_bytes, u64 max_bytes)
{
	return prev_end == next_pos && cur_bytes + next_bytes <= max_bytes;
}

/**
 * sb_parity_member - parity member of a stripe (left-symmetric)
 * @stripe: stripe number
 * @members: number of members, parity included
 *
 * As md's raid5_compute_sector() for ALGORITHM_LEFT_SYMMETRIC: the parity
 * chunk starts on the last member and moves one member left per stripe.
 */
unsigned int sb_parity_member(u64 stripe, u32 members)
{
	u32 rem;

	div_u64_rem(stripe, members, &rem);
	return members - 1 - rem;
}

/**
 * sb_parity_map - member and member offset of a logical byte
 * @pos: logical byte position
 * @members: number of members (SB_PARITY_MEMBERS_MIN..MAX)
 * @chunk: chunk size in bytes, a power of two
 * @loc: filled in
 *
 * Data chunks of a stripe start on the member after its parity member and
 * wrap around (left-symmetric), so consecutive chunks go to consecutive
 * members across stripe boundaries.
 */
void sb_parity_map(u64 pos, u32 members, u32 chunk, struct sb_parity_loc *loc)
{
	unsigned int shift = ilog2(chunk);
	u64 chunk_nr = pos >> shift;
	u32 dd;

	loc->stripe = div_u64_rem(chunk_nr, members - 1, &dd);
	loc->parity = sb_parity_member(loc->stripe, members);
	loc->member = (loc->parity + 1 + dd) % members;
	loc->off = (loc->stripe << shift) + (pos & (chunk - 1));
}

/**
 * sb_parity_member_size - bytes of each member region that are used
 * @backing: size of the backing device in bytes
 * @members: number of members
 * @chunk: chunk size in bytes, a power of two
 *
 * The backing is cut into @members equal regions, each rounded down to
 * whole chunks (so the array holds whole stripes only).
 */
u64 sb_parity_member_size(u64 backing, u32 members, u32 chunk)
{
	return div_u64(backing, members) & ~((u64)chunk - 1);
}

/**
 * sb_parity_capacity - logical size of a parity device
 * @backing: size of the backing device in bytes
 * @members: number of members
 * @chunk: chunk size in bytes, a power of two
 *
 * (members - 1)/members of the backing, rounded down to whole stripes.
 */
u64 sb_parity_capacity(u64 backing, u32 members, u32 chunk)
{
	return sb_parity_member_size(backing, members, chunk) * (members - 1);
}

/**
 * sb_parity_stripe_end - end of the piece of [@pos, @end) in @pos's stripe
 * @pos: logical start
 * @end: logical end, > @pos
 * @members: number of members
 * @chunk: chunk size in bytes
 */
u64 sb_parity_stripe_end(u64 pos, u64 end, u32 members, u32 chunk)
{
	u64 width = (u64)chunk * (members - 1);
	u64 rem;

	div64_u64_rem(pos, width, &rem);
	return min(pos - rem + width, end);
}

/**
 * sb_parity_choose - read-modify-write or reconstruct-write, as md chooses
 * @start: logical start of a write within one stripe
 * @end: its end, > @start, in the same stripe as @start
 * @members: number of members
 * @chunk: chunk size in bytes, a power of two
 * @rmw_read: bytes read by a read-modify-write (may be NULL)
 * @rcw_read: bytes read by a reconstruct-write (may be NULL)
 *
 * Parity is rewritten over the in-chunk offsets the write covers (their
 * hull, h bytes).  Read-modify-write reads the old data being written and
 * the old parity: (end - start) + h bytes.  Reconstruct-write reads every
 * data byte of those offsets that is not being written: (members - 1) * h
 * - (end - start) bytes; none for a full-stripe write.  As md's
 * handle_stripe_dirtying() with its default rmw_level, the fewer reads
 * win and a tie goes to reconstruct-write.
 */
enum sb_parity_write sb_parity_choose(u64 start, u64 end, u32 members,
				      u32 chunk, u64 *rmw_read, u64 *rcw_read)
{
	u64 width = (u64)chunk * (members - 1);
	u64 len = end - start, r0, r1, h, rmw, rcw;

	div64_u64_rem(start, width, &r0);
	r1 = r0 + len;				/* in (r0, width] */
	if ((r0 >> ilog2(chunk)) == ((r1 - 1) >> ilog2(chunk)))
		h = len;			/* within one chunk */
	else
		h = chunk;			/* spans chunks: hull is all */
	rmw = len + h;
	rcw = (u64)(members - 1) * h - len;
	if (rmw_read)
		*rmw_read = rmw;
	if (rcw_read)
		*rcw_read = rcw;
	return rmw < rcw ? SB_PARITY_RMW : SB_PARITY_RCW;
}
