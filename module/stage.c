// SPDX-License-Identifier: GPL-2.0
/*
 * The stage pipeline's core: units, split, and the plain data stage
 * (docs/stages.md).  merge -> split -> crypt -> parity -> backing.
 *
 * A unit is what one backing I/O would be before splitting: one request,
 * or with the merge stage (stage_merge.c) several contiguous requests of
 * one dispatch batch (a leader and the members chained by sb_cmd->next).
 * Only the leader's pending count and status are used; when the unit is
 * done every member completes once with that status.
 *
 * split is a piece iterator: sb_unit_run() cuts a unit at every multiple
 * of split_boundary and hands each piece to the data stage.
 *
 * The data stage (struct sb_stage_ops, chosen at power on by dev.c) says
 * what a piece becomes.  plain, here: one backing bio built on the
 * caller's pages.  crypt (stage_crypt.c): bounce pages, AES-XTS and
 * read-modify-write, in a work item.  A new stage is a file with its ops
 * and a row in dev.c's table (docs/stages.md, "Adding a stage").
 *
 * parity (stage_parity.c) is under the data stage: every backing bio with
 * data goes through it (sb_backing_submit()), and becomes member I/O.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blk-crypto.h>
#include <linux/blk-integrity.h>
#include <linux/blk-mq.h>
#include <linux/workqueue.h>

#include "stage.h"
#include "sb_trace.h"

/* --- setup ------------------------------------------------------------ */

/*
 * Units run in io_wq, where they may sleep: the data stage's choice, and
 * always with parity, whose writes wait for their reads (stage_parity.c).
 */
static bool sb_stage_in_work(const struct sb_dev *dev)
{
	return dev->ops->in_work || (dev->sc.stages & SB_STAGE_PARITY);
}

/**
 * sb_stage_setup - check the stage settings and set up what they need
 * @dev: the device being powered on; backing open, nothing else yet
 * @ops: its data stage
 * @sl: limits for the new disk, filled in
 *
 * Returns 0 or a negative errno (EINVAL for settings that do not fit the
 * backing device), in which case nothing is left behind.
 */
int sb_stage_setup(struct sb_dev *dev, const struct sb_stage_ops *ops,
		   struct sb_stage_limits *sl)
{
	struct sb_config *cfg = dev->cfg;
	struct request_queue *bq = bdev_get_queue(dev->bdev);
	char names[SB_STAGES_LEN];
	int ret;

	memset(sl, 0, sizeof(*sl));
	dev->sc = cfg->sc;
	/*
	 * A unit is one byte range, from the request's first sector over all
	 * its bytes (sb_stage_prepare()).  blk-mq merges disjoint discards
	 * into one request where max_discard_segments allows it (NVMe: up
	 * to 256 ranges), and such a request is not one range.
	 */
	sl->one_discard_range = dev->sc.stages != 0;
	dev->ops = ops;
	dev->lbs = bdev_logical_block_size(dev->bdev);
	ret = sb_stage_cfg_check(&dev->sc, cfg->key_len != 0, dev->lbs);
	if (ret) {
		pr_err("%pg: stage settings do not fit (logical block size %u)\n",
		       dev->bdev, dev->lbs);
		return ret;
	}

	/*
	 * Discards are cut only where a backing discard granule begins, at
	 * multiples of split_boundary where granules begin on them
	 * (sb_discard_cuts()); past 4 GiB, not at all.
	 */
	if (dev->sc.stages & SB_STAGE_SPLIT) {
		dev->discard_boundary =
			sb_discard_cuts(dev->sc.split_boundary,
					bdev_discard_granularity(dev->bdev),
					bdev_discard_alignment(dev->bdev),
					&dev->discard_offset);
	} else {
		dev->discard_boundary = 0;
		dev->discard_offset = 0;
	}
	dev->merge_max = min_t(u64, dev->sc.merge_max_bytes,
			       (u64)queue_max_sectors(bq) << SECTOR_SHIFT);
	dev->merge_max_segs = min_t(unsigned int, queue_max_segments(bq),
				    BIO_MAX_VECS);
	if (sb_stage_in_work(dev)) {
		/*
		 * Unbound, as dm-crypt's kcryptd by default: the units of
		 * one submitter run on every CPU, not queued behind each
		 * other on the submitter's.
		 */
		dev->io_wq = alloc_workqueue("stackblk%d_io",
					     WQ_MEM_RECLAIM | WQ_UNBOUND, 0,
					     dev->index);
		if (!dev->io_wq)
			return -ENOMEM;
	}
	if (ops->setup) {
		ret = ops->setup(dev, sl);
		if (ret)
			goto out_destroy_wq;
	}
	if (dev->sc.stages & SB_STAGE_PARITY) {
		ret = sb_parity_setup(dev, sl);
		if (ret)
			goto out_ops_teardown;
	}
	/*
	 * Every crypt sector of the device must be whole on the backing: as
	 * dm-crypt refuses a table whose length is not a multiple of its
	 * sector_size, rather than a tail that can never be read or written.
	 */
	if ((dev->sc.stages & SB_STAGE_CRYPT) &&
	    !IS_ALIGNED(sb_stage_capacity(dev), dev->sc.crypt_sector_size >>
						SECTOR_SHIFT)) {
		pr_err("%pg: %llu sectors, not a whole number of crypt_sector_size %u\n",
		       dev->bdev, (unsigned long long)sb_stage_capacity(dev),
		       dev->sc.crypt_sector_size);
		ret = -EINVAL;
		goto out_parity_teardown;
	}
	sb_format_stages(names, sizeof(names), dev->sc.stages);
	pr_info("%pg: stages \"%s\"\n", dev->bdev, names);
	return 0;

out_parity_teardown:
	sb_parity_teardown(dev);
out_ops_teardown:
	if (ops->teardown)
		ops->teardown(dev);
out_destroy_wq:
	if (dev->io_wq)
		destroy_workqueue(dev->io_wq);
	dev->io_wq = NULL;
	return ret;
}

/*
 * Undo sb_stage_setup().  After del_gendisk(): no request is left, but work
 * items may still be finishing; destroy_workqueue() waits for them.
 */
void sb_stage_teardown(struct sb_dev *dev)
{
	if (dev->io_wq)
		destroy_workqueue(dev->io_wq);
	dev->io_wq = NULL;
	sb_parity_teardown(dev);
	if (dev->ops->teardown)
		dev->ops->teardown(dev);
}

/**
 * sb_stage_capacity - sectors of the device with these stages
 * @dev: set up (sb_stage_setup())
 *
 * The backing's, or with parity its data part in whole stripes.
 */
sector_t sb_stage_capacity(const struct sb_dev *dev)
{
	if (dev->parity)
		return sb_parity_capacity_bytes(dev) >> SECTOR_SHIFT;
	return bdev_nr_sectors(dev->bdev);
}

/* --- walking the caller's data of a unit -------------------------------- */

/*
 * Call @fn for each piece of caller memory holding the unit's bytes
 * [@dpos, @dpos + @len) (byte offsets on the backing device), in order.
 */
void sb_unit_walk(struct sb_cmd *leader, u64 dpos, u32 len, sb_walk_fn fn,
		  struct sb_walk *w)
{
	struct sb_cmd *c;

	for (c = leader; c && len; c = c->next) {
		struct request *rq = blk_mq_rq_from_pdu(c);
		u64 cur = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
		struct req_iterator it;
		struct bio_vec bv;

		if (cur + blk_rq_bytes(rq) <= dpos)
			continue;
		rq_for_each_segment(bv, rq, it) {
			u64 se = cur + bv.bv_len;

			if (se > dpos) {
				u32 so = dpos - cur;
				u32 n = min_t(u64, se - dpos, len);

				fn(w, bv.bv_page, bv.bv_offset + so, n);
				dpos += n;
				len -= n;
				if (!len)
					return;
			}
			cur = se;
		}
	}
}

/**
 * sb_piece_clone - the unit's bytes [@p, @pe) as a clone of the bio holding them
 * @leader: the unit
 * @p: first backing byte of the piece
 * @pe: its end
 *
 * A clone of the one bio of the unit's requests that holds the whole
 * piece, trimmed to it (as bio_split() makes one): it shares the caller's
 * bio_vecs, so no page is walked or added.  It has the piece's flags and
 * is associated with the source's blkcg once (sb_forward()).  NULL if the
 * piece spans bios (merged requests, or a request of several bios), or
 * the bio has an integrity or inline-crypt context (stackblk registers
 * neither, so none should come; a clone would carry it to the backing,
 * and with the piece's flags REQ_INTEGRITY would go and the payload leak):
 * the caller then gathers the piece into a bio of its own (sb_data_bio()).
 */
struct bio *sb_piece_clone(struct sb_cmd *leader, u64 p, u64 pe)
{
	struct sb_dev *dev = leader->dev;
	struct bio *src, *bio;
	struct sb_cmd *c;
	u64 cur;

	for (c = leader; c; c = c->next) {
		struct request *rq = blk_mq_rq_from_pdu(c);

		cur = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
		if (cur + blk_rq_bytes(rq) <= p)
			continue;
		__rq_for_each_bio(src, rq) {
			if (cur + src->bi_iter.bi_size > p)
				goto found;
			cur += src->bi_iter.bi_size;
		}
		return NULL;
	}
	return NULL;
found:
	if (pe > cur + src->bi_iter.bi_size || bio_integrity(src) ||
	    bio_has_crypt_ctx(src))
		return NULL;
	bio = bio_alloc_clone(NULL, src, GFP_NOIO, &dev->bs);
	if (!bio)
		return NULL;
	bio->bi_bdev = dev->bdev;
	sb_bio_clone_blkg(bio, src);
	bio->bi_opf = sb_piece_opf(leader);
	bio_trim(bio, (p - cur) >> SECTOR_SHIFT, (pe - p) >> SECTOR_SHIFT);
	return bio;
}

/* A bio for w->nsegs pieces of caller memory at backing byte w->pos. */
struct bio *sb_data_bio(struct sb_walk *w)
{
	struct sb_dev *dev = w->leader->dev;
	struct bio *bio;

	bio = sb_backing_bio_alloc(dev, sb_unit_bio(w->leader),
				   min_t(unsigned int, w->nsegs, BIO_MAX_VECS),
				   w->opf, &dev->bs);
	bio->bi_iter.bi_sector = w->pos >> SECTOR_SHIFT;
	return bio;
}

blk_opf_t sb_piece_opf(struct sb_cmd *leader)
{
	return blk_mq_rq_from_pdu(leader)->cmd_flags & SB_PIECE_FLAGS;
}

/*
 * The bio a unit's backing bios are charged as (sb_backing_bio_alloc()):
 * its first request's first.  Every request of a unit has the same cgroup,
 * priority and write hint (blk-mq merges only such bios into a request,
 * and sb_can_merge() only such requests into a unit), and every request
 * that reaches a stage has a bio: a flush goes to the backing as it is.
 */
struct bio *sb_unit_bio(struct sb_cmd *leader)
{
	return blk_mq_rq_from_pdu(leader)->bio;
}

/* --- units ------------------------------------------------------------------ */

/*
 * The last backing bio of a unit has completed: let the data stage finish
 * (the crypt range lock), then complete every request of the unit, each
 * exactly once, with the unit's status.
 */
static void sb_unit_done(struct sb_cmd *leader)
{
	blk_status_t status = leader->status;
	struct sb_cmd *c, *next;

	if (leader->dev->ops->unit_done)
		leader->dev->ops->unit_done(leader);
	for (c = leader; c; c = next) {
		next = c->next;
		c->status = status;
		c->backing_cpu = READ_ONCE(leader->backing_cpu);
		sb_cmd_backing_done(c, 0);
	}
}

/* One of the unit's backing bios is done (or will never be submitted). */
void sb_unit_put(struct sb_cmd *leader)
{
	if (atomic_dec_and_test(&leader->pending))
		sb_unit_done(leader);
}

static void sb_unit_fail(struct sb_cmd *leader, blk_status_t status)
{
	leader->status = status;
	atomic_set(&leader->pending, 1);
	sb_unit_put(leader);
}

static void sb_unit_end_io(struct bio *bio)
{
	struct sb_cmd *leader = sb_backing_bio_end(bio, NULL);

	bio_put(bio);
	sb_unit_put(leader);
}

/* --- split ---------------------------------------------------------------- */

static u32 sb_boundary(const struct sb_dev *dev)
{
	return (dev->sc.stages & SB_STAGE_SPLIT) ? dev->sc.split_boundary : 0;
}

/*
 * Where a unit of @leader's op is cut: at multiples of the value returned
 * (0: nowhere) plus *@offset.  Discards where backing granules begin.
 */
static u32 sb_unit_boundary(struct sb_cmd *leader, u32 *offset)
{
	struct sb_dev *dev = leader->dev;

	/* 0 (uncut) unless the split stage is on: see sb_stage_setup() */
	if (req_op(blk_mq_rq_from_pdu(leader)) == REQ_OP_DISCARD) {
		*offset = dev->discard_offset;
		return dev->discard_boundary;
	}
	*offset = 0;
	return sb_boundary(dev);
}

static void sb_count_split(struct sb_cmd *leader)
{
	this_cpu_inc(leader->dev->stats->ctr[SB_STAT_split_ios]);
	trace_stackblk_split(blk_mq_rq_from_pdu(leader), NULL, 0);
}

/*
 * sb_unit_run - run @piece over each split piece of [@pos, @end)
 *
 * pending is set to the number of pieces before the first runs, so no
 * completion can finish the unit early; a piece that needs more than one
 * backing bio takes one more count for each.
 */
static void sb_unit_run(struct sb_cmd *leader, u64 pos, u64 end,
			void (*piece)(struct sb_cmd *leader, u64 p, u64 pe))
{
	u32 off, b = sb_unit_boundary(leader, &off);
	u64 p, pe;

	atomic_set(&leader->pending, sb_split_count(pos, end, b, off));
	for (p = pos; p < end; p = pe) {
		pe = sb_split_end(p, end, b, off);
		if (p != pos)
			sb_count_split(leader);
		piece(leader, p, pe);
	}
}

/* --- plain: a piece is one bio on the caller's pages ------------------------ */

static void sb_walk_count(struct sb_walk *w, struct page *page, u32 off,
			  u32 n)
{
	w->nsegs++;
}

static void sb_walk_add(struct sb_walk *w, struct page *page, u32 off, u32 n)
{
	if (bio_add_page(w->bio, page, n, off) != n) {
		/* Full: one more backing bio for this piece. */
		atomic_inc(&w->leader->pending);
		sb_backing_submit(w->leader, w->bio, sb_unit_end_io);
		w->bio = sb_data_bio(w);
		__bio_add_page(w->bio, page, n, off);
	}
	w->pos += n;
	w->nsegs--;
}

/*
 * Submit [@p, @pe) of the unit on the caller's pages: a clone of the bio
 * holding it, else a bio gathered from the pieces.
 */
static void sb_plain_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	struct sb_walk w = {
		.leader = leader, .opf = sb_piece_opf(leader), .pos = p,
	};

	w.bio = sb_piece_clone(leader, p, pe);
	if (w.bio) {
		sb_backing_submit(leader, w.bio, sb_unit_end_io);
		return;
	}
	sb_unit_walk(leader, p, pe - p, sb_walk_count, &w);
	w.bio = sb_data_bio(&w);
	sb_unit_walk(leader, p, pe - p, sb_walk_add, &w);
	sb_backing_submit(leader, w.bio, sb_unit_end_io);
}

const struct sb_stage_ops sb_plain_ops = {
	.name		= "plain",
	.front_pad	= offsetof(struct sb_bio, bio),
	.piece		= sb_plain_piece,
};

/* --- dispatch ----------------------------------------------------------------- */

/* Discard and write-zeroes: no data, one bio per split piece. */
static void sb_nodata_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	struct sb_dev *dev = leader->dev;
	struct bio *bio;

	bio = sb_backing_bio_alloc(dev, sb_unit_bio(leader), 0,
				   sb_piece_opf(leader), &dev->bs);
	bio->bi_iter.bi_sector = p >> SECTOR_SHIFT;
	bio->bi_iter.bi_size = pe - p;
	sb_backing_submit(leader, bio, sb_unit_end_io);
}

static void sb_unit_nodata(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;
	u64 pos = leader->pos, end = leader->end;
	blk_status_t status = BLK_STS_OK;

	if (dev->parity)
		status = BLK_STS_NOTSUPP;	/* not advertised */
	else if (dev->ops->nodata)
		status = dev->ops->nodata(dev, sb_piece_opf(leader), &pos,
					  &end);
	if (status || end <= pos) {
		/* refused, or nothing left to do: complete it */
		sb_unit_fail(leader, status);
		return;
	}
	sb_unit_run(leader, pos, end, sb_nodata_piece);
}

static void sb_unit_rw(struct sb_cmd *leader)
{
	const struct sb_stage_ops *ops = leader->dev->ops;

	if (ops->unit_begin)
		ops->unit_begin(leader);
	sb_unit_run(leader, leader->pos, leader->end, ops->piece);
}

static void sb_unit_work(struct work_struct *work)
{
	sb_unit_rw(container_of(work, struct sb_cmd, work));
}

/**
 * sb_unit_dispatch - send a unit through the split and data stages
 * @leader: the unit; pos and end set (sb_stage_prepare())
 *
 * The unit may complete before this returns.
 */
void sb_unit_dispatch(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;

	switch (req_op(blk_mq_rq_from_pdu(leader))) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		if (sb_stage_in_work(dev)) {
			if (dev->ops->unit_try && !dev->parity &&
			    sb_split_count(leader->pos, leader->end,
					   sb_boundary(dev), 0) == 1 &&
			    dev->ops->unit_try(leader))
				break;
			INIT_WORK(&leader->work, sb_unit_work);
			queue_work(dev->io_wq, &leader->work);
		} else {
			sb_unit_rw(leader);
		}
		break;
	default:
		sb_unit_nodata(leader);
	}
}

/*
 * A started request becomes a unit of its own: its byte range, no members
 * yet, no range lock held.
 */
void sb_stage_prepare(struct sb_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	cmd->next = NULL;
	cmd->range_end = 0;
	/* until a backing bio completes (a unit that fails before has none) */
	cmd->backing_cpu = raw_smp_processor_id();
	cmd->pos = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	cmd->end = cmd->pos + blk_rq_bytes(rq);
}

/**
 * sb_stage_queue - a started request enters the pipeline (no merge stage)
 * @cmd: its PDU
 *
 * A flush goes straight to the backing (it has no data to stage);
 * anything else is a unit of its own.
 */
void sb_stage_queue(struct sb_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	sb_stage_prepare(cmd);
	if (req_op(rq) == REQ_OP_FLUSH)
		sb_forward(cmd, rq);
	else
		sb_unit_dispatch(cmd);
}
