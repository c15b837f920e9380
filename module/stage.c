// SPDX-License-Identifier: GPL-2.0
/*
 * The stage pipeline: merge -> split -> crypt -> backing (docs/stages.md).
 *
 * A unit is what one backing I/O would be before splitting: one request,
 * or with the merge stage several contiguous requests of one dispatch batch
 * (a leader and the members chained by sb_cmd->next).  Only the leader's
 * pending count and status are used; when the unit is done every member
 * completes once with that status.
 *
 * merge: requests of one batch (->queue_rqs(), or ->queue_rq() until
 * bd->last / ->commit_rqs()) are kept per hctx and cut into units of
 * contiguous requests with the same op and flags, up to merge_max_bytes
 * and the backing's max_sectors and max_segments.
 *
 * split: a unit is cut at every multiple of split_boundary; each piece is
 * one backing bio built on the caller's pages (or on bounce pages).
 *
 * crypt: AES-XTS (the "xts(aes)" skcipher, plain64 IVs, dm-crypt's
 * aes-xts-plain64 layout).  Units run in a work item of the per-device
 * io_wq: it may sleep on the crypt-sector range lock, on bounce pages and
 * on read-modify-write reads, none of which may happen in ->queue_rq(),
 * where bios we submitted can sit on current->bio_list until we return.
 * A write piece is encrypted into bounce pages (whole crypt sectors: those
 * it covers whole straight from the caller's pages; partly covered ones are
 * read and decrypted first, completed with the caller's bytes and encrypted
 * in place) and written; the caller's pages are never modified.  A read
 * piece of whole crypt sectors, each in one piece of caller memory, is read
 * into the caller's pages and decrypted there in place (as dm-crypt does);
 * any other read piece is read into bounce pages, decrypted and copied out.
 * Decryption runs where the backing
 * completion arrives when that is process or softirq context (the skcipher
 * is synchronous, so it never sleeps); a completion in hard irq context
 * (NVMe completes in its interrupt handler) is handed to the per-device
 * crypt_wq on the submitting CPU instead.  Bounce pages come from two
 * mempools, each with its own lock (reads and writes, so a write waiting
 * for pages never waits on a read waiting for decryption, nor the other
 * way round): first without blocking, else under that pool's lock with
 * GFP_NOIO, as dm-crypt does with its one pool, so that waiters for a full
 * unit's pages cannot deadlock each other.
 *
 * With crypt_sector_size above the logical block size, every crypt unit
 * holds a lock on its crypt-sector range from before its RMW reads (or its
 * read) until its writes (or its read) complete, so overlapping writes and
 * RMW cycles are serialized and no update is lost, and no read sees a
 * crypt sector half rewritten.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/skcipher.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/hardirq.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "stackblk.h"
#include "sb_trace.h"

#define SB_POOL_PAGES		BIO_MAX_VECS
/* A crypt unit, widened by a crypt sector at each end, fits one bio. */
#define SB_CRYPT_MAX_BYTES	((BIO_MAX_VECS - 2) * PAGE_SIZE)

/* Flags of a request that its backing bios keep, and that merging compares. */
#define SB_PIECE_FLAGS	(REQ_OP_MASK | REQ_FAILFAST_MASK | REQ_SYNC | \
			 REQ_META | REQ_PRIO | REQ_RAHEAD | REQ_BACKGROUND | \
			 REQ_FUA | REQ_IDLE)

static bool sb_crypt_on(const struct sb_dev *dev)
{
	return dev->sc.stages & SB_STAGE_CRYPT;
}

/* --- setup ------------------------------------------------------------ */

/**
 * sb_stage_setup - check the stage settings and set up what they need
 * @dev: the device being powered on; backing open, nothing else yet
 * @sl: limits for the new disk, filled in
 *
 * Returns 0 or a negative errno (EINVAL for settings that do not fit the
 * backing device), in which case nothing is left behind.
 */
int sb_stage_setup(struct sb_dev *dev, struct sb_stage_limits *sl)
{
	struct sb_config *cfg = dev->cfg;
	struct request_queue *bq = bdev_get_queue(dev->bdev);
	char names[SB_STAGES_LEN];
	int ret;

	memset(sl, 0, sizeof(*sl));
	dev->sc = cfg->sc;
	dev->lbs = bdev_logical_block_size(dev->bdev);
	spin_lock_init(&dev->range_lock);
	INIT_LIST_HEAD(&dev->ranges);
	init_waitqueue_head(&dev->range_wait);
	mutex_init(&dev->read_bounce_lock);
	mutex_init(&dev->write_bounce_lock);
	ret = sb_stage_cfg_check(&dev->sc, cfg->key_len != 0, dev->lbs);
	if (ret) {
		pr_err("%pg: stage settings do not fit (logical block size %u)\n",
		       dev->bdev, dev->lbs);
		goto out_err;
	}

	dev->merge_max = min_t(u64, dev->sc.merge_max_bytes,
			       (u64)queue_max_sectors(bq) << SECTOR_SHIFT);
	dev->merge_max_segs = min_t(unsigned int, queue_max_segments(bq),
				    BIO_MAX_VECS);
	if (!sb_crypt_on(dev))
		goto out;

	dev->merge_max = min_t(u64, dev->merge_max, SB_CRYPT_MAX_BYTES);
	sl->max_hw_sectors = SB_CRYPT_MAX_BYTES >> SECTOR_SHIFT;
	sl->no_write_zeroes = true;
	sl->no_discard = !dev->sc.crypt_allow_discards;
	sl->discard_granularity = dev->sc.crypt_sector_size;
	sl->physical_block_size = dev->sc.crypt_sector_size;

	dev->tfm = crypto_alloc_sync_skcipher("xts(aes)", 0, 0);
	if (IS_ERR(dev->tfm)) {
		ret = PTR_ERR(dev->tfm);
		dev->tfm = NULL;
		pr_err("cannot allocate xts(aes): %d\n", ret);
		goto out_err;
	}
	ret = crypto_sync_skcipher_setkey(dev->tfm, cfg->key, cfg->key_len);
	if (ret) {
		pr_err("xts(aes) refuses the key: %d\n", ret);
		goto out_err;
	}
	ret = -ENOMEM;
	dev->read_pool = mempool_create_page_pool(SB_POOL_PAGES, 0);
	dev->write_pool = mempool_create_page_pool(SB_POOL_PAGES, 0);
	if (!dev->read_pool || !dev->write_pool)
		goto out_err;
	/*
	 * Unbound, as dm-crypt's kcryptd by default: the
	 * units of one submitter are encrypted (and, with completions in
	 * process context, decrypted) on every CPU, not queued behind each
	 * other on the submitter's.
	 */
	dev->io_wq = alloc_workqueue("stackblk%d_io",
				     WQ_MEM_RECLAIM | WQ_UNBOUND, 0,
				     dev->index);
	dev->crypt_wq = alloc_workqueue("stackblk%d_crypt",
					WQ_MEM_RECLAIM | WQ_HIGHPRI, 0,
					dev->index);
	if (!dev->io_wq || !dev->crypt_wq)
		goto out_err;
out:
	sb_format_stages(names, sizeof(names), dev->sc.stages);
	pr_info("%pg: stages \"%s\"\n", dev->bdev, names);
	return 0;

out_err:
	sb_stage_teardown(dev);
	return ret;
}

/*
 * Undo sb_stage_setup(), also a partial one.  After del_gendisk(): no
 * request is left, but work items may still be finishing.
 */
void sb_stage_teardown(struct sb_dev *dev)
{
	if (dev->io_wq)
		destroy_workqueue(dev->io_wq);
	if (dev->crypt_wq)
		destroy_workqueue(dev->crypt_wq);
	mempool_destroy(dev->read_pool);
	mempool_destroy(dev->write_pool);
	if (dev->tfm)
		crypto_free_sync_skcipher(dev->tfm);	/* wipes the key */
	dev->io_wq = NULL;
	dev->crypt_wq = NULL;
	dev->read_pool = NULL;
	dev->write_pool = NULL;
	dev->tfm = NULL;
	mutex_destroy(&dev->read_bounce_lock);
	mutex_destroy(&dev->write_bounce_lock);
}

/* --- walking the caller's data of a unit -------------------------------- */

struct sb_walk {
	struct sb_cmd *leader;
	struct bio *bio;		/* building: current bio; copy: bounce */
	blk_opf_t opf;
	u64 pos;			/* backing byte of the next piece */
	u64 end;			/* encrypt: end of the write */
	u32 boff;			/* copy: offset in the bounce bio */
	bool to_bounce;
	unsigned int nsegs;
	struct skcipher_request *req;	/* en/decrypt */
	int err;
};

/*
 * Call @fn for each piece of caller memory holding the unit's bytes
 * [@dpos, @dpos + @len) (byte offsets on the backing device), in order.
 */
static void sb_unit_walk(struct sb_cmd *leader, u64 dpos, u32 len,
			 void (*fn)(struct sb_walk *w, struct page *page,
				    u32 off, u32 n),
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

static void sb_walk_count(struct sb_walk *w, struct page *page, u32 off,
			  u32 n)
{
	w->nsegs++;
}

static struct bio *sb_data_bio(struct sb_walk *w)
{
	struct sb_dev *dev = w->leader->dev;
	struct bio *bio;

	bio = bio_alloc_bioset(dev->bdev, min_t(unsigned int, w->nsegs,
						BIO_MAX_VECS),
			       w->opf, GFP_NOIO, &dev->bs);
	bio->bi_iter.bi_sector = w->pos >> SECTOR_SHIFT;
	return bio;
}

static void sb_walk_add(struct sb_walk *w, struct page *page, u32 off, u32 n)
{
	if (bio_add_page(w->bio, page, n, off) != n) {
		/* Full: one more backing bio for this piece. */
		atomic_inc(&w->leader->pending);
		sb_submit(w->leader, w->bio);
		w->bio = sb_data_bio(w);
		__bio_add_page(w->bio, page, n, off);
	}
	w->pos += n;
	w->nsegs--;
}

/* Bytes [@boff, +@n) of a bounce bio: one page per bio_vec, offset 0. */
static void sb_walk_copy(struct sb_walk *w, struct page *page, u32 off, u32 n)
{
	while (n) {
		struct page *bp = w->bio->bi_io_vec[w->boff >> PAGE_SHIFT].bv_page;
		u32 bo = w->boff & ~PAGE_MASK;
		u32 k = min_t(u32, n, PAGE_SIZE - bo);

		if (w->to_bounce) {
			memcpy_page(bp, bo, page, off, k);
		} else {
			/* into the caller's page: flush it, as loop does */
			memcpy_page(page, off, bp, bo, k);
			flush_dcache_page(page);
		}
		w->boff += k;
		off += k;
		n -= k;
	}
}

static void sb_unit_copy(struct sb_cmd *leader, u64 dpos, struct bio *bb,
			 u32 boff, u32 len, bool to_bounce)
{
	struct sb_walk w = {
		.leader = leader, .bio = bb, .boff = boff,
		.to_bounce = to_bounce,
	};

	sb_unit_walk(leader, dpos, len, sb_walk_copy, &w);
}

static blk_opf_t sb_piece_opf(struct sb_cmd *leader)
{
	return blk_mq_rq_from_pdu(leader)->cmd_flags & SB_PIECE_FLAGS;
}

/* Submit [@dpos, +@len) of the unit on the caller's pages. */
static void sb_submit_data(struct sb_cmd *leader, u64 dpos, u32 len)
{
	struct sb_walk w = {
		.leader = leader, .opf = sb_piece_opf(leader), .pos = dpos,
	};

	sb_unit_walk(leader, dpos, len, sb_walk_count, &w);
	w.bio = sb_data_bio(&w);
	sb_unit_walk(leader, dpos, len, sb_walk_add, &w);
	sb_submit(leader, w.bio);
}

/* --- split --------------------------------------------------------------- */

static u32 sb_boundary(const struct sb_dev *dev)
{
	return (dev->sc.stages & SB_STAGE_SPLIT) ? dev->sc.split_boundary : 0;
}

static void sb_count_split(struct sb_cmd *leader)
{
	this_cpu_inc(leader->dev->stats->ctr[SB_STAT_split_ios]);
	trace_stackblk_split(blk_mq_rq_from_pdu(leader), 0);
}

/* Read or write without crypt: one bio per split piece. */
static void sb_unit_plain(struct sb_cmd *leader)
{
	u32 b = sb_boundary(leader->dev);
	u64 pos = leader->pos, end = leader->end, p, pe;

	atomic_set(&leader->pending, sb_split_count(pos, end, b));
	for (p = pos; p < end; p = pe) {
		pe = sb_split_end(p, end, b);
		if (p != pos)
			sb_count_split(leader);
		sb_submit_data(leader, p, pe - p);
	}
}

static void sb_unit_fail(struct sb_cmd *leader, blk_status_t status)
{
	leader->status = status;
	atomic_set(&leader->pending, 1);
	sb_cmd_put(leader);
}

/* Discard and write-zeroes: split, no data. */
static void sb_unit_nodata(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;
	blk_opf_t opf = sb_piece_opf(leader);
	u32 b = sb_boundary(dev);
	u64 pos = leader->pos, end = leader->end, p, pe;

	if (sb_crypt_on(dev)) {
		u32 cs = dev->sc.crypt_sector_size;

		if ((opf & REQ_OP_MASK) != REQ_OP_DISCARD ||
		    !dev->sc.crypt_allow_discards) {
			sb_unit_fail(leader, BLK_STS_NOTSUPP);
			return;
		}
		/* Only whole crypt sectors: their neighbours keep their data. */
		pos = round_up(pos, cs);
		end = round_down(end, cs);
		if (end <= pos) {
			sb_unit_fail(leader, BLK_STS_OK);
			return;
		}
	}
	atomic_set(&leader->pending, sb_split_count(pos, end, b));
	for (p = pos; p < end; p = pe) {
		struct bio *bio;

		pe = sb_split_end(p, end, b);
		if (p != pos)
			sb_count_split(leader);
		bio = bio_alloc_bioset(dev->bdev, 0, opf, GFP_NOIO, &dev->bs);
		bio->bi_iter.bi_sector = p >> SECTOR_SHIFT;
		bio->bi_iter.bi_size = pe - p;
		sb_submit(leader, bio);
	}
}

/* --- crypt ----------------------------------------------------------------- */

/* En/decrypt the crypt sector at backing byte @pos from (@sp, @so) to (@dp, @do). */
static int sb_crypt_one(struct sb_dev *dev, struct skcipher_request *req,
			struct page *sp, u32 so, struct page *dp, u32 dof,
			u64 pos, bool encrypt)
{
	u32 cs = dev->sc.crypt_sector_size;
	struct scatterlist src, dst;
	u8 iv[SB_CRYPT_IV_SIZE];

	sg_init_table(&src, 1);
	sg_set_page(&src, sp, cs, so);
	sg_init_table(&dst, 1);
	sg_set_page(&dst, dp, cs, dof);
	sb_plain64_iv(iv, pos, cs, dev->sc.crypt_iv_large_sectors);
	skcipher_request_set_crypt(req, &src, sp == dp && so == dof ? &src : &dst,
				   cs, iv);
	return encrypt ? crypto_skcipher_encrypt(req) :
			 crypto_skcipher_decrypt(req);
}

/* En/decrypt in place bytes [@off, +@len) of a bounce bio at backing @wpos. */
static int sb_crypt_pages(struct sb_dev *dev, struct bio *bb, u64 wpos,
			  u32 off, u32 len, bool encrypt)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, dev->tfm);
	u32 cs = dev->sc.crypt_sector_size, o;
	int err = 0;

	skcipher_request_set_sync_tfm(req, dev->tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	for (o = off; o < off + len && !err; o += cs) {
		struct page *page = bb->bi_io_vec[o >> PAGE_SHIFT].bv_page;

		err = sb_crypt_one(dev, req, page, o & ~PAGE_MASK, page,
				   o & ~PAGE_MASK, wpos + o, encrypt);
	}
	skcipher_request_zero(req);
	return err;
}

/*
 * Write: the caller's piece at backing byte w->pos goes into the bounce bio
 * w->bio.  A crypt sector that the piece holds whole is encrypted straight
 * into its bounce page (no copy); other bytes are copied there, and their
 * crypt sector (completed by a read-modify-write read if the write covers
 * it in part) is encrypted in place once the write's last byte of it is in.
 */
static void sb_walk_encrypt(struct sb_walk *w, struct page *page, u32 off,
			    u32 n)
{
	struct sb_dev *dev = w->leader->dev;
	struct sb_bio *sbio = container_of(w->bio, struct sb_bio, bio);
	u32 cs = dev->sc.crypt_sector_size;

	while (n && !w->err) {
		u64 s = w->pos & ~((u64)cs - 1);
		u32 k = min_t(u64, n, s + cs - w->pos);
		u32 bo = s - sbio->wpos;
		struct page *bp = w->bio->bi_io_vec[bo >> PAGE_SHIFT].bv_page;

		bo &= ~PAGE_MASK;
		if (k == cs) {
			w->err = sb_crypt_one(dev, w->req, page, off, bp, bo, s,
					      true);
		} else {
			w->boff = w->pos - sbio->wpos;
			sb_walk_copy(w, page, off, k);
			if (w->pos + k == min(s + cs, w->end))
				w->err = sb_crypt_one(dev, w->req, bp, bo, bp,
						      bo, s, true);
		}
		w->pos += k;
		off += k;
		n -= k;
	}
}

/*
 * Run @fn over the unit's caller memory [@pos, +@len) with a cipher request
 * in w->req; returns the first error of @fn (w->err).
 */
static int sb_crypt_walk(struct sb_walk *w, u64 pos, u32 len,
			 void (*fn)(struct sb_walk *w, struct page *page,
				    u32 off, u32 n))
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, w->leader->dev->tfm);

	skcipher_request_set_sync_tfm(req, w->leader->dev->tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	w->req = req;
	w->pos = pos;
	sb_unit_walk(w->leader, pos, len, fn, w);
	skcipher_request_zero(req);
	w->req = NULL;
	return w->err;
}

/* Encrypt the unit's bytes [@p, @pe) into the bounce bio @bb. */
static int sb_crypt_write_out(struct sb_cmd *leader, struct bio *bb, u64 p,
			      u64 pe)
{
	struct sb_walk w = {
		.leader = leader, .bio = bb, .end = pe, .to_bounce = true,
	};

	return sb_crypt_walk(&w, p, pe - p, sb_walk_encrypt);
}

/* Direct read: count the pieces; each must hold whole crypt sectors. */
static void sb_walk_check(struct sb_walk *w, struct page *page, u32 off,
			  u32 n)
{
	u32 cs = w->leader->dev->sc.crypt_sector_size;

	w->nsegs++;
	if ((w->pos | n) & (cs - 1))
		w->err = -EINVAL;
	w->pos += n;
}

static void sb_walk_add_one(struct sb_walk *w, struct page *page, u32 off,
			    u32 n)
{
	if (bio_add_page(w->bio, page, n, off) != n)
		w->err = -EIO;	/* not with one bio_vec per counted piece */
}

static void sb_walk_decrypt(struct sb_walk *w, struct page *page, u32 off,
			    u32 n)
{
	struct sb_dev *dev = w->leader->dev;
	u32 cs = dev->sc.crypt_sector_size, k;

	for (k = 0; k < n && !w->err; k += cs)
		w->err = sb_crypt_one(dev, w->req, page, off + k, page,
				      off + k, w->pos + k, false);
	w->pos += n;
}

/* Decrypt a completed direct read in place, in the caller's pages. */
static int sb_crypt_read_direct_done(struct sb_bio *sbio)
{
	struct sb_walk w = { .leader = sbio->cmd };

	return sb_crypt_walk(&w, sbio->dpos, sbio->dlen, sb_walk_decrypt);
}

static void sb_bounce_free(struct sb_dev *dev, struct bio *bb)
{
	mempool_t *pool = op_is_write(bio_op(bb)) ? dev->write_pool :
						    dev->read_pool;
	unsigned short i;

	for (i = 0; i < bb->bi_vcnt; i++)
		mempool_free(bb->bi_io_vec[i].bv_page, pool);
	bb->bi_vcnt = 0;
}

/* A bio of bounce pages for backing bytes [@wpos, +@wlen). */
static struct bio *sb_bounce_bio(struct sb_cmd *leader, blk_opf_t opf,
				 u64 wpos, u32 wlen)
{
	struct sb_dev *dev = leader->dev;
	bool write = op_is_write(opf);
	mempool_t *pool = write ? dev->write_pool : dev->read_pool;
	struct mutex *lock = write ? &dev->write_bounce_lock :
				     &dev->read_bounce_lock;
	unsigned int n = DIV_ROUND_UP(wlen, PAGE_SIZE), i;
	struct sb_bio *sbio;
	struct page *page;
	struct bio *bio;

	bio = bio_alloc_bioset(dev->bdev, n, opf, GFP_NOIO, &dev->bs);
	bio->bi_iter.bi_sector = wpos >> SECTOR_SHIFT;
	for (i = 0; i < n; i++) {
		page = mempool_alloc(pool, GFP_NOWAIT | __GFP_NOWARN);
		if (!page)
			break;
		__bio_add_page(bio, page, min_t(u32, PAGE_SIZE,
						wlen - i * PAGE_SIZE), 0);
	}
	if (i < n) {
		sb_bounce_free(dev, bio);
		bio->bi_iter.bi_size = 0;
		mutex_lock(lock);
		for (i = 0; i < n; i++) {
			page = mempool_alloc(pool, GFP_NOIO);
			__bio_add_page(bio, page, min_t(u32, PAGE_SIZE,
							wlen - i * PAGE_SIZE),
				       0);
		}
		mutex_unlock(lock);
	}
	sbio = container_of(bio, struct sb_bio, bio);
	sbio->wpos = wpos;
	sbio->wlen = wlen;
	sbio->direct = false;
	return bio;
}

static void sb_bounce_put(struct sb_dev *dev, struct bio *bb)
{
	sb_bounce_free(dev, bb);
	bio_put(bb);
}

static void sb_crypt_read_finish(struct sb_bio *sbio)
{
	struct bio *bio = &sbio->bio;
	struct sb_cmd *cmd = sbio->cmd;
	struct sb_dev *dev = cmd->dev;

	if (sbio->direct) {
		if (!bio->bi_status && sb_crypt_read_direct_done(sbio))
			cmpxchg(&cmd->status, BLK_STS_OK, BLK_STS_IOERR);
		bio_put(bio);
		sb_cmd_put(cmd);
		return;
	}
	if (!bio->bi_status) {
		if (sb_crypt_pages(dev, bio, sbio->wpos, 0, sbio->wlen, false))
			cmpxchg(&cmd->status, BLK_STS_OK, BLK_STS_IOERR);
		else
			sb_unit_copy(cmd, sbio->dpos, bio,
				     sbio->dpos - sbio->wpos, sbio->dlen,
				     false);
	}
	sb_bounce_put(dev, bio);
	sb_cmd_put(cmd);
}

static void sb_crypt_read_work(struct work_struct *work)
{
	sb_crypt_read_finish(container_of(work, struct sb_bio, work));
}

/**
 * sb_crypt_bio_done - a bounce bio has completed (its status is recorded)
 * @sbio: the bio's front pad
 *
 * Writes: give the bounce pages back.  Reads: decrypt and copy out, here if
 * the context allows, else in crypt_wq on the submitting CPU.  Puts the bio
 * and the unit.
 */
void sb_crypt_bio_done(struct sb_bio *sbio)
{
	struct sb_cmd *cmd = sbio->cmd;
	struct sb_dev *dev = cmd->dev;
	int cpu = cmd->submit_cpu;

	if (op_is_write(bio_op(&sbio->bio))) {
		sb_bounce_put(dev, &sbio->bio);
		sb_cmd_put(cmd);
		return;
	}
	if (in_hardirq() || irqs_disabled()) {
		INIT_WORK(&sbio->work, sb_crypt_read_work);
		if (cpu_online(cpu))
			queue_work_on(cpu, dev->crypt_wq, &sbio->work);
		else
			queue_work(dev->crypt_wq, &sbio->work);
		return;
	}
	sb_crypt_read_finish(sbio);
}

/*
 * A read of whole crypt sectors, each in one piece of the caller's memory
 * (the usual case: aligned buffers), goes straight into the caller's pages
 * and is decrypted there in place when it completes, as dm-crypt reads: no
 * bounce pages and no copy.  False if the read does not qualify.
 */
static bool sb_crypt_read_direct(struct sb_cmd *leader, u64 p, u64 pe)
{
	u32 cs = leader->dev->sc.crypt_sector_size;
	struct sb_walk w = { .leader = leader, .pos = p };
	struct sb_bio *sbio;

	if ((p | pe) & (cs - 1))
		return false;
	sb_unit_walk(leader, p, pe - p, sb_walk_check, &w);
	if (w.err || w.nsegs > BIO_MAX_VECS)
		return false;
	w.pos = p;
	w.opf = sb_piece_opf(leader);
	w.bio = sb_data_bio(&w);
	sb_unit_walk(leader, p, pe - p, sb_walk_add_one, &w);
	if (w.err) {
		bio_put(w.bio);
		return false;
	}
	sbio = container_of(w.bio, struct sb_bio, bio);
	sbio->direct = true;
	sbio->dpos = p;
	sbio->dlen = pe - p;
	sb_submit_bounce(leader, w.bio);
	return true;
}

static void sb_crypt_read_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	u32 cs = leader->dev->sc.crypt_sector_size;
	struct sb_bio *sbio;
	struct bio *bio;
	u64 ws, we;

	if (sb_crypt_read_direct(leader, p, pe))
		return;
	sb_crypt_widen(p, pe, cs, &ws, &we);
	bio = sb_bounce_bio(leader, sb_piece_opf(leader), ws, we - ws);
	sbio = container_of(bio, struct sb_bio, bio);
	sbio->dpos = p;
	sbio->dlen = pe - p;
	sb_submit_bounce(leader, bio);
}

/* Read and decrypt the crypt sector at backing byte @sec into @bb. */
static int sb_rmw_read(struct sb_cmd *leader, struct bio *bb, u64 sec)
{
	struct sb_dev *dev = leader->dev;
	struct request *rq = blk_mq_rq_from_pdu(leader);
	u32 cs = dev->sc.crypt_sector_size;
	struct sb_bio *sbio = container_of(bb, struct sb_bio, bio);
	u32 off = sec - sbio->wpos;
	struct bio *rbio;
	int err;

	rbio = bio_alloc_bioset(dev->bdev, 1, REQ_OP_READ | REQ_SYNC,
				GFP_NOIO, &dev->bs);
	rbio->bi_iter.bi_sector = sec >> SECTOR_SHIFT;
	__bio_add_page(rbio, bb->bi_io_vec[off >> PAGE_SHIFT].bv_page, cs,
		       off & ~PAGE_MASK);
	this_cpu_inc(dev->stats->ctr[SB_STAT_rmw_ios]);
	this_cpu_add(dev->stats->ctr[SB_STAT_rmw_read_bytes], cs);
	sb_count_physical(dev, rbio);
	trace_stackblk_rmw(rq, 0);
	trace_stackblk_bio_submit(rq, rbio);
	err = submit_bio_wait(rbio);
	trace_stackblk_bio_complete(rq, rbio);
	bio_put(rbio);
	if (!err)
		err = sb_crypt_pages(dev, bb, sbio->wpos, off, cs, false);
	return err;
}

static void sb_crypt_write_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	struct sb_dev *dev = leader->dev;
	u32 cs = dev->sc.crypt_sector_size;
	unsigned int n, i;
	struct bio *bio;
	u64 ws, we, sec[2];

	sb_crypt_widen(p, pe, cs, &ws, &we);
	bio = sb_bounce_bio(leader, sb_piece_opf(leader), ws, we - ws);
	n = sb_rmw_sectors(p, pe, cs, &sec[0], &sec[1]);
	for (i = 0; i < n; i++) {
		if (sb_rmw_read(leader, bio, sec[i])) {
			/*
			 * This piece is not written: its old bytes are
			 * unknown.  The unit fails, but its other pieces
			 * are still submitted and complete on their own,
			 * so a failed write may have changed part of its
			 * range, as on any block device.
			 */
			cmpxchg(&leader->status, BLK_STS_OK, BLK_STS_IOERR);
			sb_bounce_put(dev, bio);
			sb_cmd_put(leader);
			return;
		}
	}
	if (sb_crypt_write_out(leader, bio, p, pe)) {
		cmpxchg(&leader->status, BLK_STS_OK, BLK_STS_IOERR);
		sb_bounce_put(dev, bio);
		sb_cmd_put(leader);
		return;
	}
	sb_submit_bounce(leader, bio);
}

/* Range lock over backing bytes, in whole crypt sectors. */
static bool sb_range_try(struct sb_dev *dev, struct sb_cmd *leader)
{
	struct sb_cmd *o;

	spin_lock_irq(&dev->range_lock);
	list_for_each_entry(o, &dev->ranges, range) {
		if (o->range_start < leader->range_end &&
		    leader->range_start < o->range_end) {
			spin_unlock_irq(&dev->range_lock);
			return false;
		}
	}
	list_add_tail(&leader->range, &dev->ranges);
	spin_unlock_irq(&dev->range_lock);
	return true;
}

static void sb_range_unlock(struct sb_dev *dev, struct sb_cmd *leader)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->range_lock, flags);
	list_del(&leader->range);
	leader->range_end = 0;
	spin_unlock_irqrestore(&dev->range_lock, flags);
	wake_up_all(&dev->range_wait);
}

static void sb_crypt_unit_work(struct work_struct *work)
{
	struct sb_cmd *leader = container_of(work, struct sb_cmd, work);
	struct sb_dev *dev = leader->dev;
	bool write = req_op(blk_mq_rq_from_pdu(leader)) == REQ_OP_WRITE;
	u32 cs = dev->sc.crypt_sector_size, b = sb_boundary(dev);
	u64 pos = leader->pos, end = leader->end, p, pe;

	/*
	 * Reads lock too: the backing only writes its own blocks atomically,
	 * so a read of a crypt sector that a read-modify-write is rewriting
	 * could see it torn, and decrypt bytes nobody wrote into garbage.
	 */
	if (cs > dev->lbs) {
		sb_crypt_widen(pos, end, cs, &leader->range_start,
			       &leader->range_end);
		wait_event(dev->range_wait, sb_range_try(dev, leader));
	}
	atomic_set(&leader->pending, sb_split_count(pos, end, b));
	for (p = pos; p < end; p = pe) {
		pe = sb_split_end(p, end, b);
		if (p != pos)
			sb_count_split(leader);
		if (write)
			sb_crypt_write_piece(leader, p, pe);
		else
			sb_crypt_read_piece(leader, p, pe);
	}
}

/* --- units and batches ------------------------------------------------------ */

static void sb_unit_dispatch(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;

	switch (req_op(blk_mq_rq_from_pdu(leader))) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		if (sb_crypt_on(dev)) {
			INIT_WORK(&leader->work, sb_crypt_unit_work);
			queue_work(dev->io_wq, &leader->work);
		} else {
			sb_unit_plain(leader);
		}
		break;
	default:
		sb_unit_nodata(leader);
	}
}

/**
 * sb_stage_unit_done - the last backing bio of a unit has completed
 * @leader: the unit
 *
 * Releases the unit's range lock and completes every request of the unit,
 * each exactly once, with the unit's status.
 */
void sb_stage_unit_done(struct sb_cmd *leader)
{
	blk_status_t status = leader->status;
	struct sb_cmd *c, *next;

	if (leader->range_end)
		sb_range_unlock(leader->dev, leader);
	for (c = leader; c; c = next) {
		next = c->next;
		c->status = status;
		sb_cmd_backing_done(c);
	}
}

static bool sb_can_merge(struct sb_dev *dev, struct sb_cmd *unit,
			 struct sb_cmd *tail, struct sb_cmd *c, u64 bytes,
			 unsigned int segs)
{
	struct request *a = blk_mq_rq_from_pdu(tail);
	struct request *b = blk_mq_rq_from_pdu(c);

	if ((a->cmd_flags ^ b->cmd_flags) & SB_PIECE_FLAGS)
		return false;
	if (segs + b->nr_phys_segments > dev->merge_max_segs)
		return false;
	return sb_merge_fits(unit->end, c->pos, bytes, blk_rq_bytes(b),
			     dev->merge_max);
}

/**
 * sb_stage_commit - send the requests of an hctx's dispatch batch
 * @sq: the hctx's state
 *
 * Cuts the batch, in arrival order, into units of contiguous requests of
 * the same op and flags, and dispatches each unit.
 */
void sb_stage_commit(struct sb_queue *sq)
{
	struct sb_cmd *head, *leader, *tail, *c;

	spin_lock(&sq->batch_lock);
	head = sq->batch_head;
	sq->batch_head = NULL;
	sq->batch_tail = NULL;
	spin_unlock(&sq->batch_lock);

	while (head) {
		struct sb_dev *dev = head->dev;
		u64 bytes = head->end - head->pos;
		unsigned int segs = blk_mq_rq_from_pdu(head)->nr_phys_segments;

		leader = head;
		tail = head;
		for (c = head->next; c; c = c->next) {
			if (!sb_can_merge(dev, leader, tail, c, bytes, segs))
				break;
			bytes += c->end - c->pos;
			segs += blk_mq_rq_from_pdu(c)->nr_phys_segments;
			leader->end = c->end;
			this_cpu_inc(dev->stats->ctr[SB_STAT_merged_ios]);
			trace_stackblk_merge(blk_mq_rq_from_pdu(c), 0);
			tail = c;
		}
		head = tail->next;
		tail->next = NULL;
		sb_unit_dispatch(leader);
	}
}

/**
 * sb_stage_queue - a started request enters the stage pipeline
 * @cmd: its PDU
 * @last: the last request of this dispatch batch
 *
 * A flush goes straight to the backing (it has no data to stage); reads
 * and writes wait in the hctx's batch when merging; anything else is a
 * unit of its own.  However the request is sent, @last ends the batch.
 */
void sb_stage_queue(struct sb_cmd *cmd, bool last)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct sb_queue *sq = rq->mq_hctx->driver_data;
	bool merge = cmd->dev->sc.stages & SB_STAGE_MERGE;
	enum req_op op = req_op(rq);

	cmd->pos = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	cmd->end = cmd->pos + blk_rq_bytes(rq);
	/* Each branch may complete cmd at once: only sq and merge after it. */
	if (op == REQ_OP_FLUSH) {
		sb_forward(cmd, rq);
	} else if (!merge || (op != REQ_OP_READ && op != REQ_OP_WRITE)) {
		sb_unit_dispatch(cmd);
	} else {
		spin_lock(&sq->batch_lock);
		if (sq->batch_tail)
			sq->batch_tail->next = cmd;
		else
			sq->batch_head = cmd;
		sq->batch_tail = cmd;
		spin_unlock(&sq->batch_lock);
	}
	if (last && merge)
		sb_stage_commit(sq);
}
