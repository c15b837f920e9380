/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of stackblk: no device, no locking, no allocation.
 * They are compiled into stackblk.ko and into the KUnit test module,
 * which calls them directly.
 */
#ifndef _STACKBLK_LIB_H
#define _STACKBLK_LIB_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/blk_types.h>
#include <linux/bvec.h>

/* Length of an rwbs string (as in the block: tracepoints), with its NUL. */
#define SB_RWBS_LEN	8

unsigned int sb_log2_bucket(u64 v, unsigned int nr_buckets);
u64 sb_hist_percentile(const u64 *buckets, unsigned int nr_buckets,
		       unsigned int per_mille);
int sb_parse_u32(const char *page, size_t count, u32 min, u32 max, u32 *out);
unsigned int sb_affinity_group(unsigned int nr_cpus);
void sb_fill_rwbs(char *rwbs, blk_opf_t opf);

/*
 * Stages, applied in this order: merge -> split -> crypt -> parity ->
 * backing.
 */
#define SB_STAGE_MERGE		BIT(0)
#define SB_STAGE_SPLIT		BIT(1)
#define SB_STAGE_CRYPT		BIT(2)
#define SB_STAGE_PARITY		BIT(3)
#define SB_STAGE_ALL		(SB_STAGE_MERGE | SB_STAGE_SPLIT | \
				 SB_STAGE_CRYPT | SB_STAGE_PARITY)
#define SB_STAGES_LEN		32	/* "merge,split,crypt,parity\n" fits */

/* Crypt stage constants. */
#define SB_CRYPT_CIPHER		"aes-xts-plain64"
#define SB_CRYPT_ALG		"xts(aes)"	/* its crypto API name */
#define SB_CRYPT_IV_SIZE	16
#define SB_CRYPT_KEY_MAX	64	/* AES-256-XTS: two 32-byte keys */

/**
 * struct sb_stage_cfg - the non-secret stage settings of one device
 * @stages: SB_STAGE_* bits
 * @merge_max_bytes: largest merged backing I/O
 * @split_boundary: cut backing I/O at multiples of this many bytes
 * @crypt_sector_size: 512 or 4096
 * @crypt_iv_large_sectors: plain64 IV counts crypt sectors, not 512 B ones
 * @crypt_allow_discards: advertise and forward discards with crypt
 * @parity_members: parity stage members, parity included
 * @parity_chunk: parity stage chunk in bytes, a power of two
 * @parity_failed_member: the member that failed (degraded mode), or
 *	SB_PARITY_NO_MEMBER
 */
struct sb_stage_cfg {
	u32 stages;
	u32 merge_max_bytes;
	u32 split_boundary;
	u32 crypt_sector_size;
	u32 crypt_iv_large_sectors;
	u32 crypt_allow_discards;
	u32 parity_members;
	u32 parity_chunk;
	u32 parity_failed_member;
};

int sb_parse_stages(const char *page, size_t count, u32 *stages);
int sb_format_stages(char *buf, size_t size, u32 stages);
int sb_parse_hex_key(const char *page, size_t count, u8 *key,
		     unsigned int *key_len);
int sb_stage_cfg_check(const struct sb_stage_cfg *sc, bool have_key,
		       unsigned int lbs);
u64 sb_split_end(u64 pos, u64 end, u32 boundary, u32 offset);
unsigned int sb_split_count(u64 pos, u64 end, u32 boundary, u32 offset);
u32 sb_discard_cuts(u32 boundary, u32 granularity, u32 alignment,
		    u32 *offset);
void sb_crypt_widen(u64 start, u64 end, u32 cs, u64 *wstart, u64 *wend);
unsigned int sb_rmw_sectors(u64 start, u64 end, u32 cs, u64 *head,
			    u64 *tail);
struct page *sb_bounce_page(const struct bio_vec *bv, u32 off, u32 *poff);
void sb_plain64_iv(u8 *iv, u64 pos, u32 cs, bool large_sectors);
bool sb_merge_fits(u64 prev_end, u64 next_pos, u64 cur_bytes,
		   u64 next_bytes, u64 max_bytes);

/*
 * Parity stage layout (issue 17): md's RAID-5 left-symmetric layout
 * (ALGORITHM_LEFT_SYMMETRIC) over parity_members equal regions of the
 * backing device, parity_chunk bytes per chunk.  Positions and lengths are
 * in bytes; logical positions are those of the data above the parity
 * stage, member offsets are from the start of a member region.
 */
#define SB_PARITY_MEMBERS_MIN	3
#define SB_PARITY_MEMBERS_MAX	16
#define SB_PARITY_CHUNK_MIN	4096
#define SB_PARITY_CHUNK_MAX	(1024 * 1024)
/* parity_failed_member when no member has failed (the default) */
#define SB_PARITY_NO_MEMBER	SB_PARITY_MEMBERS_MAX

/**
 * struct sb_parity_loc - where one logical byte lives
 * @stripe: stripe number (also the chunk number within every member)
 * @member: data member holding the byte
 * @parity: parity member of @stripe
 * @off: byte offset of the byte within @member's region
 */
struct sb_parity_loc {
	u64 stripe;
	unsigned int member;
	unsigned int parity;
	u64 off;
};

/* How a write to one stripe updates its parity. */
enum sb_parity_write {
	SB_PARITY_RMW,	/* read old data and old parity */
	SB_PARITY_RCW,	/* read the data not written (none: full stripe) */
	/* degraded (stage_parity.c): */
	SB_PARITY_REBUILD,	/* read all the others: the failed data's old bytes */
	SB_PARITY_NONE,		/* the failed member holds the parity: no update */
};

unsigned int sb_parity_member(u64 stripe, u32 members);
void sb_parity_map(u64 pos, u32 members, u32 chunk,
		   struct sb_parity_loc *loc);
u64 sb_parity_member_size(u64 backing, u32 members, u32 chunk);
u64 sb_parity_capacity(u64 backing, u32 members, u32 chunk);
u64 sb_parity_stripe_end(u64 pos, u64 end, u32 members, u32 chunk);
enum sb_parity_write sb_parity_choose(u64 start, u64 end, u32 members,
				      u32 chunk, u64 *rmw_read,
				      u64 *rcw_read);

#endif /* _STACKBLK_LIB_H */
