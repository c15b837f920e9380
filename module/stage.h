/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the stage pipeline: what stage.c gives the stage files
 * (stage_merge.c, stage_crypt.c).  See stage.c for what a unit is.
 */
#ifndef _STACKBLK_STAGE_H
#define _STACKBLK_STAGE_H

#include "stackblk.h"

/*
 * Flags of a request that its backing bios keep, and that merging compares.
 * REQ_NOUNMAP: a write-zeroes asked not to deallocate (fallocate
 * --zero-range) must not let the backing unmap the blocks.  REQ_SWAP: the
 * backing's wbt, io.cost and io.latency let swap-out through as they do
 * on the device itself.
 */
#define SB_PIECE_FLAGS	(REQ_OP_MASK | REQ_FAILFAST_MASK | REQ_SYNC | \
			 REQ_META | REQ_PRIO | REQ_RAHEAD | REQ_BACKGROUND | \
			 REQ_FUA | REQ_IDLE | REQ_NOUNMAP | REQ_SWAP)

/*
 * A cursor over the caller's memory of a unit (sb_unit_walk()): what one
 * walk builds, copies or en/decrypts.
 */
struct sb_walk {
	struct sb_cmd *leader;
	struct bio *bio;		/* building: current bio; copy: bounce */
	blk_opf_t opf;
	u64 pos;			/* backing byte of the next piece */
	u64 end;			/* encrypt: end of the write */
	u32 boff;			/* copy: offset in the bounce bio */
	bool to_bounce;
	unsigned int nsegs;
	struct sb_crypt_req *creq;	/* en/decrypt (stage_crypt.c) */
	int err;
};

typedef void (*sb_walk_fn)(struct sb_walk *w, struct page *page, u32 off,
			   u32 n);

void sb_unit_walk(struct sb_cmd *leader, u64 dpos, u32 len, sb_walk_fn fn,
		  struct sb_walk *w);
struct bio *sb_piece_clone(struct sb_cmd *leader, u64 p, u64 pe);
struct bio *sb_data_bio(struct sb_walk *w);
blk_opf_t sb_piece_opf(struct sb_cmd *leader);
struct bio *sb_unit_bio(struct sb_cmd *leader);
void sb_unit_put(struct sb_cmd *leader);

#endif /* _STACKBLK_STAGE_H */
