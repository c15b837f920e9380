// SPDX-License-Identifier: GPL-2.0
/*
 * The crypt stage: AES-XTS (the "xts(aes)" skcipher, plain64 IVs,
 * dm-crypt's aes-xts-plain64 layout), bounce pages, read-modify-write and
 * the crypt-sector range lock (docs/stages.md).
 *
 * The cipher is allocated as dm-crypt does, crypto_alloc_skcipher() with
 * CRYPTO_ALG_ALLOCATES_MEMORY masked out, so it may be asynchronous: that
 * is how the multi-block AES-NI/AVX/VAES XTS drivers are registered (a
 * SIMD wrapper around an internal synchronous one).  Every en/decryption
 * runs in task context and waits for its request (crypto_wait_req()); the
 * wrapper runs the SIMD code at once there, so the wait costs nothing, and
 * falls back to cryptd, and the wait sleeps, only where SIMD is unusable.
 * Requests come from a mempool (dev->req_pool), one per walk.  The one
 * exception is a read decrypted in a task that may not sleep (below): its
 * request must come at once and nothing waits for it there.
 *
 * Units run in a work item of the per-device io_wq (in_work): they may
 * sleep on the range lock, on bounce pages and on read-modify-write reads,
 * none of which may happen in ->queue_rq(), where bios we submitted can sit
 * on current->bio_list until we return.  The exceptions, in one split piece
 * of whole crypt sectors whose range is free: a small write (16 KiB at
 * most) whose bounce pages come at once is encrypted and submitted right
 * there, as dm-crypt's no_write_workqueue does, and a read is sent there,
 * into the caller's pages or bounce pages that come at once
 * (sb_crypt_unit_try()).
 *
 * A write piece is encrypted into bounce pages (whole crypt sectors: those
 * it covers whole straight from the caller's pages; partly covered ones are
 * read and decrypted first, completed with the caller's bytes and encrypted
 * in place) and written; the caller's pages are never modified.  A read
 * piece of whole crypt sectors, each in one piece of caller memory, is read
 * into the caller's pages and decrypted there in place (as dm-crypt does:
 * a clone of the caller's bio when the piece lies in one); any other read
 * piece is read into bounce pages, decrypted and copied out.
 *
 * Decryption runs where the backing completion arrives when that is task
 * context (a backing that completes in its submitter, or in a work item).
 * Inside another queue's dispatch, under its rcu_read_lock() (null_blk
 * irqmode=0 completes in its ->queue_rq()), it runs there too, as
 * dm-crypt's no_read_workqueue does, but without sleeping: a cipher
 * request that does not come at once, or a cipher that goes async, hands
 * the rest to crypt_wq, which waits for it.  A completion in hard or soft
 * interrupt context (NVMe completes in its interrupt handler, null_blk
 * irqmode=1 in a softirq) is handed to the per-device crypt_wq on the
 * submitting CPU: never decrypt with interrupts or bottom halves waiting
 * behind it.
 *
 * Bounce memory is compound pages where the page allocator has them at
 * once, as dm-crypt takes it, else single pages from two mempools, reads'
 * and writes', each with its own lock for blocking allocations: first
 * without blocking, else under that pool's lock with GFP_NOIO (single
 * pages only), as dm-crypt does with its one pool, so that waiters for a
 * full unit's pages cannot deadlock each other, and a write waiting for
 * pages never waits behind a read waiting for pages, nor the other way
 * round.
 *
 * With crypt_sector_size above the backing's logical block size, every
 * crypt unit holds a lock on its crypt-sector range from before its RMW
 * reads (or its read) until its writes (or its read) complete, so
 * overlapping writes and RMW cycles are serialized and no update is lost,
 * and no read sees a crypt sector half rewritten.  With crypt sectors of
 * the logical block size there is no RMW, and the backing writes each
 * block atomically: no lock is taken.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/skcipher.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/hardirq.h>
#include <linux/highmem.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "stage.h"
#include "sb_trace.h"

#define SB_POOL_PAGES		BIO_MAX_VECS
/*
 * Cipher requests: each is held by one walk, for one piece at most, or by
 * one read from where its decryption stopped without sleeping (the cipher
 * went async) until crypt_wq has decrypted the rest.
 */
#define SB_POOL_REQS		16
/* A crypt unit, widened by a crypt sector at each end, fits one bio. */
#define SB_CRYPT_MAX_BYTES	((BIO_MAX_VECS - 2) * PAGE_SIZE)

/* Front pad of every backing bio of a crypt device. */
struct sb_crypt_bio {
	u64 wpos;			/* backing byte offset of the bio */
	u64 dpos;			/* backing byte offset of the data */
	u32 dlen;			/* bounce: bytes of caller data in it */
	u32 wlen;			/* bytes of the bio */
	bool direct;			/* a read into the caller's pages */
	bool inflight;			/* read: the cipher has cr's sector */
	struct bvec_iter iter;		/* direct read: the data not decrypted yet */
	u32 done;			/* read: bytes decrypted */
	struct sb_crypt_req *cr;	/* read: the request, if one is held */
	struct work_struct work;	/* read decryption where it may sleep */
	struct sb_bio sbio;		/* last: ends with the bio */
};

/*
 * A cipher request and what waits for it (sb_crypt_req_get()), with what
 * the cipher reads while it runs: an async one still does after
 * sb_crypt_start() returns.
 */
struct sb_crypt_req {
	struct crypto_wait wait;
	struct scatterlist src, dst;
	u8 iv[SB_CRYPT_IV_SIZE];
	struct skcipher_request req;	/* last: the driver's context follows */
};

/*
 * A request from the pool.  With @gfp that may not block (a task that may
 * not sleep): NULL if none comes at once, and the cipher may not sleep
 * with it either.
 */
static void sb_crypt_req_set_flags(struct sb_crypt_req *cr, gfp_t gfp)
{
	u32 flags = CRYPTO_TFM_REQ_MAY_BACKLOG;

	if (gfpflags_allow_blocking(gfp))
		flags |= CRYPTO_TFM_REQ_MAY_SLEEP;
	skcipher_request_set_callback(&cr->req, flags, crypto_req_done,
				      &cr->wait);
}

static struct sb_crypt_req *sb_crypt_req_get(struct sb_dev *dev, gfp_t gfp)
{
	struct sb_crypt_req *cr = mempool_alloc(dev->req_pool, gfp);

	if (!cr)
		return NULL;
	crypto_init_wait(&cr->wait);
	skcipher_request_set_tfm(&cr->req, dev->tfm);
	sb_crypt_req_set_flags(cr, gfp);
	return cr;
}

/* Wipe it (IV, the driver's state) before it goes back to the pool. */
static void sb_crypt_req_put(struct sb_dev *dev, struct sb_crypt_req *cr)
{
	memzero_explicit(cr, sizeof(*cr) + crypto_skcipher_reqsize(dev->tfm));
	mempool_free(cr, dev->req_pool);
}

static struct sb_crypt_bio *sb_cbio(struct bio *bio)
{
	return container_of(bio, struct sb_crypt_bio, sbio.bio);
}

/* Bytes [@boff, +@n) of a bounce bio (sb_bounce_page()). */
static void sb_walk_copy(struct sb_walk *w, struct page *page, u32 off, u32 n)
{
	while (n) {
		u32 bo, k;
		struct page *bp = sb_bounce_page(w->bio->bi_io_vec, w->boff,
						 &bo);

		k = min_t(u32, n, PAGE_SIZE - bo);

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

/* --- crypt ----------------------------------------------------------------- */

/*
 * Start en/decrypting the crypt sector at backing byte @pos from (@sp,
 * @so) to (@dp, @dof): the cipher's answer, -EINPROGRESS or -EBUSY if it
 * went async (cr->wait then says when it is done).  Never sleeps unless
 * @cr may (sb_crypt_req_get()).
 */
static int sb_crypt_start(struct sb_dev *dev, struct sb_crypt_req *cr,
			  struct page *sp, u32 so, struct page *dp, u32 dof,
			  u64 pos, bool encrypt)
{
	u32 cs = dev->sc.crypt_sector_size;
	struct skcipher_request *req = &cr->req;
	struct scatterlist *d = &cr->src;

	sg_init_table(&cr->src, 1);
	sg_set_page(&cr->src, sp, cs, so);
	if (dp != sp || dof != so) {
		d = &cr->dst;
		sg_init_table(d, 1);
		sg_set_page(d, dp, cs, dof);
	}
	sb_plain64_iv(cr->iv, pos, cs, dev->sc.crypt_iv_large_sectors);
	skcipher_request_set_crypt(req, &cr->src, d, cs, cr->iv);
	return encrypt ? crypto_skcipher_encrypt(req) :
			 crypto_skcipher_decrypt(req);
}

/* sb_crypt_start() and wait for it.  Task context: it may sleep. */
static int sb_crypt_one(struct sb_dev *dev, struct sb_crypt_req *cr,
			struct page *sp, u32 so, struct page *dp, u32 dof,
			u64 pos, bool encrypt)
{
	return crypto_wait_req(sb_crypt_start(dev, cr, sp, so, dp, dof, pos,
					      encrypt), &cr->wait);
}

/* En/decrypt in place bytes [@off, +@len) of a bounce bio at backing @wpos. */
static int sb_crypt_pages(struct sb_dev *dev, struct bio *bb, u64 wpos,
			  u32 off, u32 len, bool encrypt)
{
	struct sb_crypt_req *cr = sb_crypt_req_get(dev, GFP_NOIO);
	u32 cs = dev->sc.crypt_sector_size, o;
	int err = 0;

	for (o = off; o < off + len && !err; o += cs) {
		u32 po;
		struct page *page = sb_bounce_page(bb->bi_io_vec, o, &po);

		err = sb_crypt_one(dev, cr, page, po, page, po, wpos + o,
				   encrypt);
	}
	sb_crypt_req_put(dev, cr);
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
	struct sb_crypt_bio *cb = sb_cbio(w->bio);
	u32 cs = dev->sc.crypt_sector_size;

	while (n && !w->err) {
		u64 s = w->pos & ~((u64)cs - 1);
		u32 k = min_t(u64, n, s + cs - w->pos);
		u32 bo;
		struct page *bp = sb_bounce_page(w->bio->bi_io_vec,
						 s - cb->wpos, &bo);

		if (k == cs) {
			w->err = sb_crypt_one(dev, w->creq, page, off, bp, bo, s,
					      true);
		} else {
			w->boff = w->pos - cb->wpos;
			sb_walk_copy(w, page, off, k);
			if (w->pos + k == min(s + cs, w->end))
				w->err = sb_crypt_one(dev, w->creq, bp, bo, bp,
						      bo, s, true);
		}
		w->pos += k;
		off += k;
		n -= k;
	}
}

/*
 * Run @fn over the unit's caller memory [@pos, +@len) with a cipher request
 * in w->creq; returns the first error of @fn (w->err).
 */
static int sb_crypt_walk(struct sb_walk *w, u64 pos, u32 len,
			 void (*fn)(struct sb_walk *w, struct page *page,
				    u32 off, u32 n))
{
	struct sb_dev *dev = w->leader->dev;

	w->creq = sb_crypt_req_get(dev, GFP_NOIO);
	w->pos = pos;
	sb_unit_walk(w->leader, pos, len, fn, w);
	sb_crypt_req_put(dev, w->creq);
	w->creq = NULL;
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

/* The next crypt sector of a completed read to decrypt, in place. */
static struct page *sb_crypt_read_at(struct sb_crypt_bio *cb, u32 *off,
				     u64 *pos)
{
	struct bio_vec bv;

	if (!cb->direct) {
		*pos = cb->wpos + cb->done;
		return sb_bounce_page(cb->sbio.bio.bi_io_vec, cb->done, off);
	}
	bv = bio_iter_iovec(&cb->sbio.bio, cb->iter);
	*pos = cb->dpos + cb->done;
	*off = bv.bv_offset;
	return bv.bv_page;
}

static void sb_crypt_read_advance(struct sb_crypt_bio *cb, u32 cs)
{
	if (cb->direct)
		bio_advance_iter_single(&cb->sbio.bio, &cb->iter, cs);
	cb->done += cs;
}

/*
 * Decrypt a completed read in place, a crypt sector at a time from where
 * it stands (cb->done): a direct read in the caller's pages, the bio's data
 * as it was submitted (cb->iter), each page's piece whole crypt sectors
 * (sb_crypt_read_direct()), as dm-crypt decrypts from the bio it read
 * into; any other in its bounce pages.
 *
 * With @atomic (a task that may not sleep), nothing waits: 1 if the read
 * must go on where it may sleep, because no request came at once or the
 * cipher went async (cb->inflight: the request stays in cb->cr until that
 * sector is done).  Else 0, or the cipher's error.
 */
static int sb_crypt_read_decrypt(struct sb_crypt_bio *cb, bool atomic)
{
	struct sb_dev *dev = cb->sbio.cmd->dev;
	u32 cs = dev->sc.crypt_sector_size;
	u32 len = cb->direct ? cb->done + cb->iter.bi_size : cb->wlen;
	bool resumed = cb->cr;
	int err = 0;

	if (!resumed) {
		/* the fault: as if the pool had none to give at once */
		if (atomic && sb_should_fail_crypt_defer())
			return 1;
		cb->cr = sb_crypt_req_get(dev, atomic ? GFP_NOWAIT : GFP_NOIO);
		if (!cb->cr)
			return 1;
	}
	if (cb->inflight) {
		cb->inflight = false;
		err = crypto_wait_req(-EINPROGRESS, &cb->cr->wait);
		if (!err)
			sb_crypt_read_advance(cb, cs);
	}
	if (resumed)	/* in crypt_wq: the request was taken where it could not */
		sb_crypt_req_set_flags(cb->cr, GFP_NOIO);
	while (!err && cb->done < len) {
		struct page *page;
		u32 off;
		u64 pos;

		if (atomic && sb_should_fail_crypt_defer())
			return 1;	/* as if async, with nothing in flight */
		page = sb_crypt_read_at(cb, &off, &pos);
		err = sb_crypt_start(dev, cb->cr, page, off, page, off, pos,
				     false);
		if (atomic && (err == -EINPROGRESS || err == -EBUSY)) {
			cb->inflight = true;
			return 1;
		}
		err = crypto_wait_req(err, &cb->cr->wait);
		if (!err)
			sb_crypt_read_advance(cb, cs);
	}
	sb_crypt_req_put(dev, cb->cr);
	cb->cr = NULL;
	return err;
}

static void sb_bounce_free(struct sb_dev *dev, struct bio *bb)
{
	mempool_t *pool = op_is_write(bio_op(bb)) ? dev->write_pool :
						    dev->read_pool;
	unsigned short i;

	for (i = 0; i < bb->bi_vcnt; i++) {
		struct page *page = bb->bi_io_vec[i].bv_page;
		struct folio *folio = page_folio(page);

		if (folio_test_large(folio))
			folio_put(folio);
		else
			mempool_free(page, pool);
	}
	bb->bi_vcnt = 0;
	bb->bi_iter.bi_size = 0;
}

/*
 * Bounce memory for @wlen bytes into the empty bio @bio, as dm-crypt's
 * crypt_alloc_buffer() takes it: first the largest compound pages (up to
 * @order) that the page allocator has at once, one bio_vec each, then
 * single pages from @pool with @gfp.  A 128 KiB write then costs one page
 * allocation rather than 32, and the backing splits a bio of one segment
 * rather than 32.  Once an order fails no larger one is tried, so
 * compound pages come first (sb_bounce_page()).
 *
 * A compound page is only taken if it is free now: no reclaim, no
 * emergency reserves, and unlike dm-crypt not even a kswapd wake-up, so a
 * fragmented machine is not made to compact for us (the single pages are
 * there to fall back on); the blocks we take are free ones that THP or
 * compaction could have had, and they go back when the write completes.
 * No limit is needed on them, as dm-crypt's per-client one: they replace
 * pages that would come from the page allocator through @pool anyway, and
 * the tag set bounds the requests in flight.  False if @pool had no page
 * (@gfp without __GFP_DIRECT_RECLAIM); @bio then holds what came.
 */
#define SB_BOUNCE_COMPOUND_GFP	((GFP_NOWAIT & ~__GFP_KSWAPD_RECLAIM) | \
				 __GFP_NORETRY | __GFP_NOMEMALLOC | \
				 __GFP_NOWARN | __GFP_COMP)

static bool sb_bounce_fill(struct bio *bio, mempool_t *pool, u32 wlen,
			   unsigned int order, gfp_t gfp)
{
	while (wlen) {
		struct page *page = NULL;
		u32 k;

		order = min_t(unsigned int, order,
			      ilog2(DIV_ROUND_UP(wlen, PAGE_SIZE)));
		for (; order; order--) {
			page = alloc_pages(SB_BOUNCE_COMPOUND_GFP, order);
			if (page)
				break;
		}
		if (!page) {
			page = mempool_alloc(pool, gfp);
			if (!page)
				return false;
		}
		k = min_t(u32, PAGE_SIZE << order, wlen);
		__bio_add_page(bio, page, k, 0);
		wlen -= k;
	}
	return true;
}

/*
 * A bio of bounce pages for backing bytes [@wpos, +@wlen).  With @nowait,
 * NULL rather than wait for pages.
 */
static struct bio *sb_bounce_bio(struct sb_cmd *leader, blk_opf_t opf,
				 u64 wpos, u32 wlen, bool nowait)
{
	struct sb_dev *dev = leader->dev;
	bool write = op_is_write(opf);
	mempool_t *pool = write ? dev->write_pool : dev->read_pool;
	struct mutex *lock = write ? &dev->write_bounce_lock :
				     &dev->read_bounce_lock;
	struct sb_crypt_bio *cb;
	struct bio *bio;

	bio = sb_backing_bio_alloc(dev, sb_unit_bio(leader),
				   DIV_ROUND_UP(wlen, PAGE_SIZE), opf, &dev->bs);
	bio->bi_iter.bi_sector = wpos >> SECTOR_SHIFT;
	if (!sb_bounce_fill(bio, pool, wlen, ilog2(BIO_MAX_VECS),
			    GFP_NOWAIT | __GFP_NOWARN)) {
		sb_bounce_free(dev, bio);
		if (nowait) {
			bio_put(bio);
			return NULL;
		}
		/*
		 * Single pages only, as dm-crypt's retry: the pool's.  With
		 * GFP_NOIO mempool_alloc() waits for a page, it never fails.
		 */
		mutex_lock(lock);
		sb_bounce_fill(bio, pool, wlen, 0, GFP_NOIO);
		mutex_unlock(lock);
	}
	cb = sb_cbio(bio);
	cb->wpos = wpos;
	cb->wlen = wlen;
	cb->direct = false;
	cb->inflight = false;
	cb->done = 0;
	cb->cr = NULL;
	return bio;
}

static void sb_bounce_put(struct sb_dev *dev, struct bio *bb)
{
	sb_bounce_free(dev, bb);
	bio_put(bb);
}

/*
 * A read has completed: decrypt it (sb_crypt_read_decrypt()), copy a
 * bounced one out, count where that ran (@where: crypt_read_task_ios,
 * crypt_read_atomic_ios, which may not sleep, or crypt_read_wq_ios), put
 * the bio and the unit.  False, with nothing counted or put, if it must go
 * on where it may sleep (only with @where crypt_read_atomic_ios).
 */
static bool sb_crypt_read_finish(struct sb_crypt_bio *cb,
				 enum stackblk_stat where)
{
	bool atomic = where == SB_STAT_crypt_read_atomic_ios;
	struct bio *bio = &cb->sbio.bio;
	struct sb_cmd *cmd = cb->sbio.cmd;
	struct sb_dev *dev = cmd->dev;

	if (!bio->bi_status) {
		int err = sb_crypt_read_decrypt(cb, atomic);

		if (err > 0)
			return false;
		if (err)
			cmpxchg(&cmd->status, BLK_STS_OK, BLK_STS_IOERR);
		else if (!cb->direct)
			sb_unit_copy(cmd, cb->dpos, bio, cb->dpos - cb->wpos,
				     cb->dlen, false);
	}
	/* before the unit is put: the request, and the device, may go then */
	this_cpu_inc(dev->stats->ctr[where]);
	if (cb->direct)
		bio_put(bio);
	else
		sb_bounce_put(dev, bio);
	sb_unit_put(cmd);
	return true;
}

static void sb_crypt_read_work(struct work_struct *work)
{
	struct sb_crypt_bio *cb = container_of(work, struct sb_crypt_bio, work);

	/* where it may sleep, it always finishes */
	WARN_ON_ONCE(!sb_crypt_read_finish(cb, SB_STAT_crypt_read_wq_ios));
}

/*
 * May a read's completion decrypt where it runs, and sleep there (the
 * cipher request pool, an async cipher)?  Only in a task that may: not in
 * interrupt context, and not inside another queue's dispatch that holds
 * rcu_read_lock() (a backing without BLK_MQ_F_BLOCKING that completes in
 * its own ->queue_rq(), as null_blk irqmode=0 does).  Without
 * CONFIG_PREEMPT_COUNT, preemptible() is 0: never.
 */
static bool sb_crypt_may_sleep_here(void)
{
	return in_task() && preemptible() && !rcu_preempt_depth();
}

/*
 * May it decrypt here without sleeping (crypt_read_atomic_ios)?  In a
 * task with interrupts and bottom halves enabled: inside another queue's
 * dispatch, as dm-crypt's no_read_workqueue decrypts there too, or any
 * other task that may not sleep (preemption off; without
 * CONFIG_PREEMPT_COUNT, every task); never in hard or soft interrupt
 * context.
 */
static bool sb_crypt_may_decrypt_here(void)
{
	return in_task() && !in_softirq() && !irqs_disabled();
}

/*
 * A crypt bio has completed.  Writes: give the bounce pages back.  Reads:
 * decrypt and copy out, here if that may sleep, else here without
 * sleeping in a task, else (or for what is left) in crypt_wq on the
 * submitting CPU.  Puts the bio and the unit.
 */
static void sb_crypt_end_io(struct bio *bio)
{
	struct sb_cmd *cmd = sb_backing_bio_end(bio, NULL);
	struct sb_crypt_bio *cb = sb_cbio(bio);
	struct sb_dev *dev = cmd->dev;
	int cpu = cmd->submit_cpu;

	if (op_is_write(bio_op(bio))) {
		sb_bounce_put(dev, bio);
		sb_unit_put(cmd);
		return;
	}
	if (sb_crypt_may_sleep_here() && !sb_should_fail_crypt_defer()) {
		sb_crypt_read_finish(cb, SB_STAT_crypt_read_task_ios);
		return;
	}
	if (sb_crypt_may_decrypt_here() &&
	    sb_crypt_read_finish(cb, SB_STAT_crypt_read_atomic_ios))
		return;
	INIT_WORK(&cb->work, sb_crypt_read_work);
	if (cpu_online(cpu))
		queue_work_on(cpu, dev->crypt_wq, &cb->work);
	else
		queue_work(dev->crypt_wq, &cb->work);
}

/*
 * A direct read of [@p, @pe) over several bios (a unit of merged
 * requests): a bio of its own, the caller's pieces added one by one.
 * NULL if a piece does not hold whole crypt sectors, or there are too
 * many for one bio.
 */
static struct bio *sb_crypt_read_gather(struct sb_cmd *leader, u64 p, u64 pe)
{
	struct sb_walk w = { .leader = leader, .pos = p };

	sb_unit_walk(leader, p, pe - p, sb_walk_check, &w);
	if (w.err || w.nsegs > BIO_MAX_VECS)
		return NULL;
	w.pos = p;
	w.opf = sb_piece_opf(leader);
	w.bio = sb_data_bio(&w);
	sb_unit_walk(leader, p, pe - p, sb_walk_add_one, &w);
	if (w.err) {
		bio_put(w.bio);
		return NULL;
	}
	return w.bio;
}

/*
 * A read of whole crypt sectors, each in one piece of the caller's memory
 * (the usual case: aligned buffers), goes straight into the caller's pages
 * and is decrypted there in place when it completes, as dm-crypt reads: no
 * bounce pages and no copy.  It is a clone of the caller's bio when the
 * piece lies in one (each page of it must then hold whole crypt sectors),
 * else gathered.  False if the read does not qualify.
 */
static bool sb_crypt_read_direct(struct sb_cmd *leader, u64 p, u64 pe)
{
	u32 cs = leader->dev->sc.crypt_sector_size;
	struct sb_crypt_bio *cb;
	struct bvec_iter iter;
	struct bio_vec bv;
	struct bio *bio;

	if ((p | pe) & (cs - 1))
		return false;
	bio = sb_piece_clone(leader, p, pe);
	if (bio) {
		bio_for_each_segment(bv, bio, iter) {
			if (bv.bv_len & (cs - 1)) {
				bio_put(bio);
				return false;
			}
		}
	} else {
		bio = sb_crypt_read_gather(leader, p, pe);
		if (!bio)
			return false;
	}
	cb = sb_cbio(bio);
	cb->direct = true;
	cb->inflight = false;
	cb->dpos = p;
	cb->iter = bio->bi_iter;
	cb->done = 0;
	cb->cr = NULL;
	sb_backing_submit(leader, bio, sb_crypt_end_io);
	return true;
}

/*
 * Read the unit's bytes [@p, @pe) into bounce pages, whole crypt sectors,
 * decrypted and copied out when the read completes.  With @nowait, false
 * rather than wait for bounce pages, and nothing sent.
 */
static bool sb_crypt_read_bounce(struct sb_cmd *leader, u64 p, u64 pe,
				 bool nowait)
{
	u32 cs = leader->dev->sc.crypt_sector_size;
	struct sb_crypt_bio *cb;
	struct bio *bio;
	u64 ws, we;

	sb_crypt_widen(p, pe, cs, &ws, &we);
	bio = sb_bounce_bio(leader, sb_piece_opf(leader), ws, we - ws,
			    nowait);
	if (!bio)
		return false;
	cb = sb_cbio(bio);
	cb->dpos = p;
	cb->dlen = pe - p;
	sb_backing_submit(leader, bio, sb_crypt_end_io);
	return true;
}

static void sb_crypt_read_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	if (!sb_crypt_read_direct(leader, p, pe))
		sb_crypt_read_bounce(leader, p, pe, false);
}

/* Read and decrypt the crypt sector at backing byte @sec into @bb. */
static int sb_rmw_read(struct sb_cmd *leader, struct bio *bb, u64 sec)
{
	struct sb_dev *dev = leader->dev;
	struct request *rq = blk_mq_rq_from_pdu(leader);
	u32 cs = dev->sc.crypt_sector_size;
	struct sb_crypt_bio *cb = sb_cbio(bb);
	u32 off = sec - cb->wpos, po;
	struct page *page = sb_bounce_page(bb->bi_io_vec, off, &po);
	struct bio *rbio;
	int err;

	rbio = sb_backing_bio_alloc(dev, sb_unit_bio(leader), 1,
				    REQ_OP_READ | REQ_SYNC, &dev->bs);
	rbio->bi_iter.bi_sector = sec >> SECTOR_SHIFT;
	__bio_add_page(rbio, page, cs, po);
	this_cpu_inc(dev->stats->ctr[SB_STAT_rmw_ios]);
	this_cpu_add(dev->stats->ctr[SB_STAT_rmw_read_bytes], cs);
	trace_stackblk_rmw(rq, NULL, 0);
	err = sb_backing_submit_wait(leader, rbio);
	bio_put(rbio);
	if (!err)
		err = sb_crypt_pages(dev, bb, cb->wpos, off, cs, false);
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
	bio = sb_bounce_bio(leader, sb_piece_opf(leader), ws, we - ws,
			    false);
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
			sb_unit_put(leader);
			return;
		}
	}
	if (sb_crypt_write_out(leader, bio, p, pe)) {
		cmpxchg(&leader->status, BLK_STS_OK, BLK_STS_IOERR);
		sb_bounce_put(dev, bio);
		sb_unit_put(leader);
		return;
	}
	sb_backing_submit(leader, bio, sb_crypt_end_io);
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

/* --- the stage's ops ----------------------------------------------------------- */

/*
 * Reads lock too: the backing only writes its own blocks atomically, so a
 * read of a crypt sector that a read-modify-write is rewriting could see it
 * torn, and decrypt bytes nobody wrote into garbage.
 */
static void sb_crypt_unit_begin(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;
	u32 cs = dev->sc.crypt_sector_size;

	if (cs > dev->lbs) {
		sb_crypt_widen(leader->pos, leader->end, cs,
			       &leader->range_start, &leader->range_end);
		wait_event(dev->range_wait, sb_range_try(dev, leader));
	}
}

/*
 * A unit of whole crypt sectors needs no read-modify-write read, so it can
 * run where it was dispatched and save a hop to io_wq (a queue_work(), a
 * kworker wake-up and its context switch: about 3k instructions of a
 * 4 KiB write's 27k, tests/perf/README.md).
 *
 * A write is encrypted and submitted there, as dm-crypt's
 * no_write_workqueue does, if it is small: a larger one spends more on the
 * cipher than on the hop, and io_wq (an unbound workqueue) lets one
 * submitter's large writes use more than one CPU, as dm-crypt's default
 * kcryptd does.  A read is sent there whatever its size, into the
 * caller's pages or, if they do not hold whole crypt sectors (a buffer
 * aligned to less than one), into bounce pages: it is decrypted when it
 * completes, where that is, as before.
 *
 * Either goes only if its range is free (no wait on the range lock, whose
 * holder may wait on bios of ours) and, if it needs bounce pages, if they
 * come without waiting (pages come back only as bounced I/O completes).
 * The bio_set and the cipher's request pool may sleep there, as
 * sb_forward()'s clones do: the bio_set has a rescuer, and a cipher
 * request comes back as soon as a cipher operation ends (a read's whose
 * cipher went async where it could not wait: when crypt_wq has finished
 * that read).
 */
#define SB_CRYPT_INLINE_MAX	SZ_16K

static bool sb_crypt_unit_try(struct sb_cmd *leader)
{
	struct sb_dev *dev = leader->dev;
	u32 cs = dev->sc.crypt_sector_size;
	bool write = req_op(blk_mq_rq_from_pdu(leader)) == REQ_OP_WRITE;
	struct bio *bio;

	if (((leader->pos | leader->end) & (cs - 1)) ||
	    (write && leader->end - leader->pos > SB_CRYPT_INLINE_MAX))
		return false;
	if (cs > dev->lbs) {
		leader->range_start = leader->pos;
		leader->range_end = leader->end;
		if (!sb_range_try(dev, leader)) {
			leader->range_end = 0;
			return false;
		}
	}
	if (!write) {
		atomic_set(&leader->pending, 1);
		if (sb_crypt_read_direct(leader, leader->pos, leader->end) ||
		    sb_crypt_read_bounce(leader, leader->pos, leader->end, true))
			return true;
		if (leader->range_end)
			sb_range_unlock(dev, leader);
		return false;
	}
	bio = sb_bounce_bio(leader, sb_piece_opf(leader), leader->pos,
			    leader->end - leader->pos, true);
	if (!bio) {
		if (leader->range_end)
			sb_range_unlock(dev, leader);
		return false;
	}
	atomic_set(&leader->pending, 1);
	if (sb_crypt_write_out(leader, bio, leader->pos, leader->end)) {
		cmpxchg(&leader->status, BLK_STS_OK, BLK_STS_IOERR);
		sb_bounce_put(dev, bio);
		sb_unit_put(leader);
		return true;
	}
	sb_backing_submit(leader, bio, sb_crypt_end_io);
	return true;
}

static void sb_crypt_piece(struct sb_cmd *leader, u64 p, u64 pe)
{
	if (req_op(blk_mq_rq_from_pdu(leader)) == REQ_OP_WRITE)
		sb_crypt_write_piece(leader, p, pe);
	else
		sb_crypt_read_piece(leader, p, pe);
}

static void sb_crypt_unit_done(struct sb_cmd *leader)
{
	if (leader->range_end)
		sb_range_unlock(leader->dev, leader);
}

/* Only discards, if allowed, and only of whole crypt sectors. */
static blk_status_t sb_crypt_nodata(struct sb_dev *dev, blk_opf_t opf,
				    u64 *pos, u64 *end)
{
	u32 cs = dev->sc.crypt_sector_size;

	if ((opf & REQ_OP_MASK) != REQ_OP_DISCARD ||
	    !dev->sc.crypt_allow_discards)
		return BLK_STS_NOTSUPP;
	/* Their neighbours keep their data. */
	*pos = round_up(*pos, cs);
	*end = round_down(*end, cs);
	return BLK_STS_OK;
}

/* Undo sb_crypt_setup(), also a partial one. */
static void sb_crypt_teardown(struct sb_dev *dev)
{
	if (dev->crypt_wq)
		destroy_workqueue(dev->crypt_wq);
	mempool_destroy(dev->read_pool);
	mempool_destroy(dev->write_pool);
	mempool_destroy(dev->req_pool);
	if (dev->tfm)
		crypto_free_skcipher(dev->tfm);	/* wipes the key */
	dev->crypt_wq = NULL;
	dev->read_pool = NULL;
	dev->write_pool = NULL;
	dev->req_pool = NULL;
	dev->tfm = NULL;
	mutex_destroy(&dev->read_bounce_lock);
	mutex_destroy(&dev->write_bounce_lock);
}

static int sb_crypt_setup(struct sb_dev *dev, struct sb_stage_limits *sl)
{
	struct sb_config *cfg = dev->cfg;
	char name[CRYPTO_MAX_ALG_NAME] = SB_CRYPT_ALG;
	size_t req_size;
	int ret;

	spin_lock_init(&dev->range_lock);
	INIT_LIST_HEAD(&dev->ranges);
	init_waitqueue_head(&dev->range_wait);
	mutex_init(&dev->read_bounce_lock);
	mutex_init(&dev->write_bounce_lock);

	dev->merge_max = min_t(u64, dev->merge_max, SB_CRYPT_MAX_BYTES);
	sl->max_hw_sectors = SB_CRYPT_MAX_BYTES >> SECTOR_SHIFT;
	sl->no_write_zeroes = true;
	sl->no_discard = !dev->sc.crypt_allow_discards;
	sl->discard_granularity = dev->sc.crypt_sector_size;
	sl->physical_block_size = dev->sc.crypt_sector_size;

	sb_crypt_test_cipher(name, sizeof(name));	/* test kernels only */
	dev->tfm = crypto_alloc_skcipher(name, 0, CRYPTO_ALG_ALLOCATES_MEMORY);
	if (IS_ERR(dev->tfm)) {
		ret = PTR_ERR(dev->tfm);
		dev->tfm = NULL;
		pr_err("cannot allocate %s: %d\n", name, ret);
		goto out_err;
	}
	/* any driver of it (cryptd keeps its inner cipher's name) */
	ret = -EINVAL;
	if (strcmp(crypto_tfm_alg_name(crypto_skcipher_tfm(dev->tfm)),
		   SB_CRYPT_ALG)) {
		pr_err("%s: not " SB_CRYPT_ALG " but %s\n", name,
		       crypto_tfm_alg_name(crypto_skcipher_tfm(dev->tfm)));
		goto out_err;
	}
	ret = crypto_skcipher_setkey(dev->tfm, cfg->key, cfg->key_len);
	if (ret) {
		pr_err("%s refuses the key: %d\n", name, ret);
		goto out_err;
	}
	ret = -ENOMEM;
	dev->read_pool = mempool_create_page_pool(SB_POOL_PAGES, 0);
	dev->write_pool = mempool_create_page_pool(SB_POOL_PAGES, 0);
	req_size = sizeof(struct sb_crypt_req) +
		   crypto_skcipher_reqsize(dev->tfm);
	dev->req_pool = mempool_create_kmalloc_pool(SB_POOL_REQS, req_size);
	if (!dev->read_pool || !dev->write_pool || !dev->req_pool)
		goto out_err;
	pr_info("%pg: cipher %s\n", dev->bdev,
		crypto_skcipher_driver_name(dev->tfm));
	dev->crypt_wq = alloc_workqueue("stackblk%d_crypt",
					WQ_MEM_RECLAIM | WQ_HIGHPRI, 0,
					dev->index);
	if (!dev->crypt_wq)
		goto out_err;
	return 0;

out_err:
	sb_crypt_teardown(dev);
	return ret;
}

const struct sb_stage_ops sb_crypt_ops = {
	.name		= "crypt",
	.front_pad	= offsetof(struct sb_crypt_bio, sbio.bio),
	.in_work	= true,
	.setup		= sb_crypt_setup,
	.teardown	= sb_crypt_teardown,
	.unit_begin	= sb_crypt_unit_begin,
	.unit_try	= sb_crypt_unit_try,
	.piece		= sb_crypt_piece,
	.nodata		= sb_crypt_nodata,
	.unit_done	= sb_crypt_unit_done,
};
