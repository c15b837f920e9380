// SPDX-License-Identifier: GPL-2.0
/*
 * The parity stage: RAID-5 under the data stage (docs/stages.md).
 *
 * The backing device is cut into parity_members equal regions, the
 * members, in md's default left-symmetric layout (sb_parity_map(),
 * sb_lib.c): data chunks of parity_chunk bytes rotate over the members,
 * one parity chunk per stripe.  The device above holds (members - 1) /
 * members of the backing, in whole stripes.
 *
 * It is the last stage, below the data stage (plain or crypt): every
 * backing bio that the data stage builds, in the data space of the device
 * above, comes here through sb_backing_submit() (the "upper" bio), and
 * becomes member I/O:
 *
 * - a read, one member read per chunk it touches, clones of the upper bio
 *   on its own pages;
 * - a write, for each stripe it touches, a parity update chosen as md's
 *   handle_stripe_dirtying() chooses it (sb_parity_choose(): the fewer
 *   bytes read, a tie to reconstruct-write):
 *   read-modify-write reads the old data being written and the old parity
 *   over the hull of the in-chunk offsets written, and XORs old data, new
 *   data and old parity; reconstruct-write reads the data of that hull
 *   that is not written (none for a full stripe) and XORs it with the new
 *   data.  Then the new data (clones of the upper bio) and the new parity
 *   are written.
 *
 * All reads of an upper write, over all of its stripes, complete before
 * any of its writes is submitted: a failed read fails the upper bio with
 * none of it written, data and parity as they were.  (A request made of
 * several upper bios, split pieces or crypt pieces, may still have had
 * other pieces written, as a failed write may change part of its range on
 * any device.)  A failed member write fails it too.  The member writes
 * carry the upper bio's flags: a FUA write is durable with its parity.
 *
 * An I/O that crosses chunk boundaries becomes one member I/O per chunk:
 * each beyond the first adds 1 to parity_split_ios, so that the parity
 * counters explain every physical I/O the stage adds.
 *
 * The reads of an update are sequential (submit_bio_wait() each), where md
 * issues a stripe's reads together: simpler, and the stage is there to
 * show what the reads cost in I/Os and bytes, not to hide their latency.
 *
 * A write holds a lock on its stripes from before its first read until its
 * last member write completes, so two updates of one stripe never
 * interleave their read and write phases, and parity is never torn.
 * Reads of a whole array take no lock: a read of data being rewritten sees
 * old or new data per block, as on any block device, and never reads
 * parity (a degraded read that rebuilds data does, and takes the lock).
 *
 * Everything here runs in task context (io_wq: dev->ops->in_work, or
 * forced for parity, stage.c): the reads wait.  Member writes complete
 * wherever the backing completes them.
 *
 * XOR is crypto_xor() (the crypto library's word-at-a-time XOR), not
 * xor_blocks(): it takes any length and alignment (a member read may be
 * 512 bytes at any offset), and needs no xor.ko, which insmod would not
 * load and the debug kernel's config does not build.  The stage's cost is
 * its reads, not its XOR.
 *
 * Degraded mode (parity_failed_member): that member is never read or
 * written.  Its data is rebuilt on reads from the other members (under
 * the stripe lock).  A write leaves its data out: one covering all of its
 * hull is a reconstruct-write, one covering part of it reads the old
 * parity and the other chunks (SB_PARITY_REBUILD); a stripe whose parity
 * it holds gets no parity update (SB_PARITY_NONE); other writes are
 * read-modify-writes.  parity_degraded_ios counts its I/Os
 * not done, data reads rebuilt and data writes left out.
 *
 * The write hole: as md without a journal or PPL, a crash between the data
 * and parity writes of a stripe leaves that stripe's parity stale.
 * stackblk keeps no log and no bitmap of dirty stripes.  A whole array
 * never reads parity, so stale parity changes nothing it returns; it is
 * reported by a parity check of the backing (tests/guest/parity-check.py),
 * and cured by writing the stripe whole.  In degraded mode the failed
 * member's data of such a stripe is rebuilt wrong, as in md.  The array
 * starts consistent from a zeroed backing (a fresh null_blk or a zeroed
 * file), as md's --assume-clean does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "stage.h"
#include "sb_trace.h"

/* Parity updates that debugfs "parity" shows, the latest last. */
#define SB_PARITY_RECENT	16

/* Upper bios in flight through parity, held back for forward progress. */
#define SB_PARITY_IOS		16
/* The largest upper bio: its request's (or merged unit's) limit, set here. */
#define SB_PARITY_MAX_BYTES	SZ_1M

/* The parity stage's state of a powered device (dev->parity). */
struct sb_parity {
	u32 members;
	u32 chunk;
	unsigned int shift;		/* ilog2(chunk) */
	u64 member_size;		/* bytes of each member region */
	u64 capacity;			/* bytes of the device above */
	int failed;			/* degraded: the failed member, or -1 */
	unsigned int max_pages;		/* buffer pages of one upper write */
	struct bio_set bs;		/* member bios: struct sb_parity_bio */
	mempool_t *io_pool;		/* struct sb_parity_io */
	mempool_t *page_pool;		/* parity and old-data buffers */
	struct mutex page_lock;		/* one blocking page_pool allocation */
	spinlock_t lock;		/* the stripe lock, and recent[] */
	struct list_head locked;	/* sb_parity_io holding stripes */
	wait_queue_head_t wait;
	struct sb_parity_update {
		u64 stripe;
		u32 off, len;
		u8 parity, kind;
	} recent[SB_PARITY_RECENT];	/* for debugfs */
	u64 nr_updates;			/* recent[nr_updates % RECENT] next */
};

/* One upper bio through the parity stage. */
struct sb_parity_io {
	struct sb_dev *dev;
	struct sb_cmd *cmd;
	struct bio *upper;
	atomic_t pending;		/* member bios, and the submitter */
	blk_status_t status;		/* first error */
	struct list_head entry;		/* in locked while it holds stripes */
	u64 first, last;		/* stripes held, inclusive */
	bool holds;
	unsigned int nr_pages;		/* pages[] taken from page_pool */
	struct page *pages[];		/* the old-data buffer, then parity */
};

/* Front pad of each member bio. */
struct sb_parity_bio {
	struct sb_parity_io *pio;
	u64 start_ns;			/* 0: not timed */
	sector_t sector;		/* as submitted, for the trace */
	unsigned int nr_sector;
	struct bio bio;
};

/* One stripe's piece of an upper write, and its parity update. */
struct sb_stripe_piece {
	u64 stripe;
	u64 lstart;			/* logical byte of the stripe's start */
	u32 r0, r1;			/* written bytes, offsets in the stripe */
	u32 ha, hb;			/* hull: in-chunk offsets of parity */
	unsigned int parity;		/* parity member */
	enum sb_parity_write kind;
};

/* --- layout -------------------------------------------------------------- */

/* Backing byte of in-chunk offset @off of @stripe on @member. */
static u64 sb_member_pos(const struct sb_parity *par, unsigned int member,
			 u64 stripe, u32 off)
{
	return member * par->member_size + (stripe << par->shift) + off;
}

/* The data member of data chunk @d (0-based) of a stripe. */
static unsigned int sb_data_member(const struct sb_parity *par,
				   unsigned int parity, unsigned int d)
{
	return (parity + 1 + d) % par->members;
}

/* The data chunk of @sp on the failed member (not its parity member). */
static unsigned int sb_failed_chunk(const struct sb_parity *par,
				    const struct sb_stripe_piece *sp)
{
	return (par->failed + par->members - sp->parity - 1) % par->members;
}

/* Written bytes of data chunk @d of @sp, as in-chunk offsets [*a, *b). */
static bool sb_piece_chunk(const struct sb_parity *par,
			   const struct sb_stripe_piece *sp, unsigned int d,
			   u32 *a, u32 *b)
{
	u32 cs = d << par->shift, ce = cs + par->chunk;

	if (sp->r1 <= cs || sp->r0 >= ce)
		return false;
	*a = max(sp->r0, cs) - cs;
	*b = min(sp->r1, ce) - cs;
	return true;
}

/* The stripe piece of upper write bytes [@pos, @end) starting at @pos. */
static void sb_stripe_piece(const struct sb_parity *par, u64 pos, u64 end,
			    struct sb_stripe_piece *sp)
{
	u64 width = (u64)par->chunk * (par->members - 1);
	u64 pe = sb_parity_stripe_end(pos, end, par->members, par->chunk);
	u64 rem;
	u32 a, b;

	sp->stripe = div64_u64_rem(pos, width, &rem);
	sp->lstart = pos - rem;
	sp->r0 = rem;
	sp->r1 = pe - sp->lstart;
	sp->parity = sb_parity_member(sp->stripe, par->members);
	if ((sp->r0 >> par->shift) == ((sp->r1 - 1) >> par->shift)) {
		sp->ha = sp->r0 & (par->chunk - 1);
		sp->hb = sp->ha + (sp->r1 - sp->r0);
	} else {
		sp->ha = 0;
		sp->hb = par->chunk;
	}
	sp->kind = sb_parity_choose(pos, pe, par->members, par->chunk, NULL,
				    NULL);
	if (par->failed < 0)
		return;
	/*
	 * Degraded: never read the failed member.  If it holds the parity
	 * there is nothing to update.  If the write covers its data over the
	 * whole hull, reconstruct-write needs none of its old bytes (a full
	 * stripe reads nothing); if it covers part of it, its old bytes are
	 * rebuilt from all the others; if none of it, read-modify-write reads
	 * only what is written and the parity.
	 */
	if (sp->parity == par->failed)
		sp->kind = SB_PARITY_NONE;
	else if (!sb_piece_chunk(par, sp, sb_failed_chunk(par, sp), &a, &b))
		sp->kind = SB_PARITY_RMW;
	else if (a == sp->ha && b == sp->hb)
		sp->kind = SB_PARITY_RCW;
	else
		sp->kind = SB_PARITY_REBUILD;
}

/* --- buffers ------------------------------------------------------------- */

/*
 * dst[@doff, +@len) ^= src[@soff, +@len), or = with @copy; both page
 * arrays, or @src NULL and @sp the one page of a bio segment.
 */
static void sb_pages_xor(struct page **dst, u32 doff, struct page **src,
			 struct page *sp, u32 soff, u32 len, bool copy)
{
	while (len) {
		u32 dof = doff & ~PAGE_MASK, sof = soff & ~PAGE_MASK;
		u32 k = min3(len, (u32)PAGE_SIZE - dof, (u32)PAGE_SIZE - sof);
		struct page *s = src ? src[soff >> PAGE_SHIFT] :
				       sp + (soff >> PAGE_SHIFT);
		u8 *d = kmap_local_page(dst[doff >> PAGE_SHIFT]);
		u8 *v = kmap_local_page(s);

		if (copy)
			memcpy(d + dof, v + sof, k);
		else
			crypto_xor(d + dof, v + sof, k);
		kunmap_local(v);
		kunmap_local(d);
		doff += k;
		soff += k;
		len -= k;
	}
}

/*
 * XOR (or copy) the upper bio's data bytes [@off, +@len) into the page
 * array @pages at @poff; with @to_upper, copy the other way.
 */
static void sb_upper_xor(struct bio *upper, u32 off, u32 len,
			 struct page **pages, u32 poff, bool copy,
			 bool to_upper)
{
	struct bvec_iter it = upper->bi_iter;

	bio_advance_iter(upper, &it, off);
	it.bi_size = len;
	while (it.bi_size) {
		struct bio_vec bv = bio_iter_iovec(upper, it);

		if (to_upper) {
			sb_pages_xor(&bv.bv_page, bv.bv_offset, pages, NULL,
				     poff, bv.bv_len, true);
			flush_dcache_page(bv.bv_page);
		} else {
			sb_pages_xor(pages, poff, NULL, bv.bv_page,
				     bv.bv_offset, bv.bv_len, copy);
		}
		poff += bv.bv_len;
		bio_advance_iter_single(upper, &it, bv.bv_len);
	}
}

static void sb_pages_zero(struct page **pages, u32 len)
{
	unsigned int i;

	for (i = 0; i < DIV_ROUND_UP(len, PAGE_SIZE); i++)
		clear_highpage(pages[i]);
}

/*
 * @n pages from the pool into pio->pages: without blocking, else under
 * page_lock with GFP_NOIO, as the crypt stage takes its bounce pages, so
 * that two writes waiting for pages cannot each hold half of what the
 * other needs.  Pages come back as writes complete (sb_parity_io_put()).
 */
static void sb_parity_pages_get(struct sb_parity *par,
				struct sb_parity_io *pio, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pio->pages[i] = mempool_alloc(par->page_pool,
					      GFP_NOWAIT | __GFP_NOWARN);
		if (!pio->pages[i])
			break;
	}
	if (i < n) {
		while (i)
			mempool_free(pio->pages[--i], par->page_pool);
		mutex_lock(&par->page_lock);
		for (i = 0; i < n; i++)
			pio->pages[i] = mempool_alloc(par->page_pool, GFP_NOIO);
		mutex_unlock(&par->page_lock);
	}
	pio->nr_pages = n;
}

/* --- the stripe lock ----------------------------------------------------- */

static bool sb_stripes_try(struct sb_parity *par, struct sb_parity_io *pio)
{
	struct sb_parity_io *o;

	spin_lock_irq(&par->lock);
	list_for_each_entry(o, &par->locked, entry) {
		if (o->first <= pio->last && pio->first <= o->last) {
			spin_unlock_irq(&par->lock);
			return false;
		}
	}
	list_add_tail(&pio->entry, &par->locked);
	pio->holds = true;
	spin_unlock_irq(&par->lock);
	return true;
}

static void sb_stripes_unlock(struct sb_parity *par, struct sb_parity_io *pio)
{
	unsigned long flags;

	spin_lock_irqsave(&par->lock, flags);
	list_del(&pio->entry);
	pio->holds = false;
	spin_unlock_irqrestore(&par->lock, flags);
	wake_up_all(&par->wait);
}

/* --- upper bios ----------------------------------------------------------- */

static struct sb_parity_io *sb_parity_io_get(struct sb_cmd *cmd,
					     struct bio *upper)
{
	struct sb_parity *par = cmd->dev->parity;
	struct sb_parity_io *pio = mempool_alloc(par->io_pool, GFP_NOIO);

	pio->dev = cmd->dev;
	pio->cmd = cmd;
	pio->upper = upper;
	atomic_set(&pio->pending, 1);
	pio->status = BLK_STS_OK;
	pio->holds = false;
	pio->nr_pages = 0;
	return pio;
}

/*
 * Drop a count of @pio; the last ends the upper bio, with the first error
 * of its member I/O, after its stripes and buffers are given back.
 */
static void sb_parity_io_put(struct sb_parity_io *pio)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	unsigned int i;

	if (!atomic_dec_and_test(&pio->pending))
		return;
	if (pio->holds)
		sb_stripes_unlock(par, pio);
	for (i = 0; i < pio->nr_pages; i++)
		mempool_free(pio->pages[i], par->page_pool);
	upper->bi_status = pio->status;
	mempool_free(pio, par->io_pool);
	bio_endio(upper);
}

static void sb_parity_fail(struct sb_parity_io *pio, blk_status_t status)
{
	cmpxchg(&pio->status, BLK_STS_OK, status);
}

static void sb_parity_end_io(struct bio *bio)
{
	struct sb_parity_bio *pb = container_of(bio, struct sb_parity_bio, bio);
	struct sb_parity_io *pio = pb->pio;

	if (unlikely(bio->bi_status))
		sb_parity_fail(pio, bio->bi_status);
	if (pb->start_ns)
		sb_record_latency(pio->dev, SB_LAT_physical, bio->bi_opf,
				  ktime_get_ns() - pb->start_ns);
	trace_stackblk_bio_complete(blk_mq_rq_from_pdu(pio->cmd), bio,
				    pb->sector, pb->nr_sector);
	bio_put(bio);
	sb_parity_io_put(pio);
}

/* One more member I/O because an I/O crosses a chunk boundary. */
static void sb_parity_count_split(struct sb_parity_io *pio)
{
	this_cpu_inc(pio->dev->stats->ctr[SB_STAT_parity_split_ios]);
}

/* Send a member bio of @pio; it completes in sb_parity_end_io(). */
static void sb_member_submit(struct sb_parity_io *pio, struct bio *bio)
{
	struct sb_parity_bio *pb = container_of(bio, struct sb_parity_bio, bio);

	pb->pio = pio;
	pb->start_ns = sb_now_if_collecting();
	pb->sector = bio->bi_iter.bi_sector;
	pb->nr_sector = bio_sectors(bio);
	bio->bi_end_io = sb_parity_end_io;
	atomic_inc(&pio->pending);
	sb_count_physical(pio->dev, bio);
	trace_stackblk_bio_submit(blk_mq_rq_from_pdu(pio->cmd), bio, 0);
	submit_bio_noacct(bio);
}

/* A member bio on the upper bio's data bytes [@off, +@len), at @pos. */
static struct bio *sb_member_clone(struct sb_parity_io *pio, u32 off,
				   u32 len, u64 pos)
{
	struct bio *bio;

	bio = bio_alloc_clone(pio->dev->bdev, pio->upper, GFP_NOIO,
			      &pio->dev->parity->bs);
	bio_trim(bio, off >> SECTOR_SHIFT, len >> SECTOR_SHIFT);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	return bio;
}

/* A member bio on @len bytes of @pages from @poff, at @pos. */
static struct bio *sb_member_pages(struct sb_parity_io *pio, blk_opf_t opf,
				   struct page **pages, u32 poff, u32 len,
				   u64 pos)
{
	unsigned int n = DIV_ROUND_UP((poff & ~PAGE_MASK) + len, PAGE_SIZE);
	struct bio *bio;

	bio = sb_backing_bio_alloc(pio->dev, pio->upper, n, opf,
				   &pio->dev->parity->bs);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	while (len) {
		u32 o = poff & ~PAGE_MASK, k = min_t(u32, len, PAGE_SIZE - o);

		__bio_add_page(bio, pages[poff >> PAGE_SHIFT], k, o);
		poff += k;
		len -= k;
	}
	return bio;
}

/* --- old data and parity ---------------------------------------------------- */

/*
 * Read [@a, @b) of chunk @stripe on @member (in-chunk offsets) into
 * @pages at @poff, and wait: one parity read.  Returns 0 or an errno.
 */
static int sb_parity_read_old(struct sb_parity_io *pio, unsigned int member,
			      u64 stripe, u32 a, u32 b, struct page **pages,
			      u32 poff)
{
	struct sb_parity *par = pio->dev->parity;
	struct request *rq = blk_mq_rq_from_pdu(pio->cmd);
	struct bio *bio;
	int err;

	bio = sb_member_pages(pio, REQ_OP_READ | REQ_SYNC, pages, poff, b - a,
			      sb_member_pos(par, member, stripe, a));
	this_cpu_inc(pio->dev->stats->ctr[SB_STAT_parity_read_ios]);
	this_cpu_add(pio->dev->stats->ctr[SB_STAT_parity_read_bytes], b - a);
	sb_count_physical(pio->dev, bio);
	trace_stackblk_bio_submit(rq, bio, 0);
	err = submit_bio_wait(bio);
	trace_stackblk_bio_complete(rq, bio,
				    sb_member_pos(par, member, stripe, a) >>
				    SECTOR_SHIFT, (b - a) >> SECTOR_SHIFT);
	bio_put(bio);
	return err;
}

/*
 * Degraded: a data read of the failed member rebuilt from the others (each
 * a parity read), or a data write to it left out: a member I/O that I/O
 * of a whole array would have done, and this one does not.
 */
static void sb_parity_count_degraded(struct sb_parity_io *pio)
{
	this_cpu_inc(pio->dev->stats->ctr[SB_STAT_parity_degraded_ios]);
}

/* --- reads ------------------------------------------------------------------ */

/*
 * Degraded: rebuild [@a, @b) of chunk @stripe of the failed member, the
 * XOR of the same bytes of every other member, into @acc (@tmp: as
 * large), then into the upper bio at @uoff.  Returns 0 or an errno.
 */
static int sb_parity_rebuild_read(struct sb_parity_io *pio, u64 stripe,
				  u32 a, u32 b, u32 uoff, struct page **acc,
				  struct page **tmp)
{
	struct sb_parity *par = pio->dev->parity;
	unsigned int m;
	bool first = true;
	int err;

	for (m = 0; m < par->members; m++) {
		if (m == par->failed)
			continue;
		err = sb_parity_read_old(pio, m, stripe, a, b,
					 first ? acc : tmp, 0);
		if (err)
			return err;
		if (!first)
			sb_pages_xor(acc, 0, tmp, NULL, 0, b - a, false);
		first = false;
	}
	sb_upper_xor(pio->upper, uoff, b - a, acc, 0, true, true);
	sb_parity_count_degraded(pio);
	return 0;
}

/*
 * One member read per chunk of the upper read; in degraded mode the
 * chunks of the failed member are rebuilt from the others, under the
 * stripe lock (a write between two of those reads would tear them).
 */
static void sb_parity_read(struct sb_parity_io *pio)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	u64 s = (u64)upper->bi_iter.bi_sector << SECTOR_SHIFT;
	u64 e = s + upper->bi_iter.bi_size, p, pe;
	unsigned int n = 0;
	struct sb_parity_loc loc;
	struct bio *bio;
	int err;

	for (p = s; par->failed >= 0 && p < e; p = pe) {
		pe = min(round_down(p, par->chunk) + par->chunk, e);
		sb_parity_map(p, par->members, par->chunk, &loc);
		if (loc.member == par->failed)
			n = max_t(unsigned int, n, DIV_ROUND_UP(pe - p, PAGE_SIZE));
	}
	if (n) {
		sb_parity_map(s, par->members, par->chunk, &loc);
		pio->first = loc.stripe;
		sb_parity_map(e - 1, par->members, par->chunk, &loc);
		pio->last = loc.stripe;
		wait_event(par->wait, sb_stripes_try(par, pio));
		sb_parity_pages_get(par, pio, 2 * n);
	}
	for (p = s; p < e; p = pe) {
		pe = min(round_down(p, par->chunk) + par->chunk, e);
		if (p != s)
			sb_parity_count_split(pio);
		sb_parity_map(p, par->members, par->chunk, &loc);
		if (loc.member == par->failed) {
			u32 a = loc.off & (par->chunk - 1);

			err = sb_parity_rebuild_read(pio, loc.stripe, a,
						     a + (pe - p), p - s,
						     pio->pages,
						     &pio->pages[n]);
			if (err) {
				sb_parity_fail(pio, errno_to_blk_status(err));
				return;
			}
			continue;
		}
		bio = sb_member_clone(pio, p - s, pe - p,
				      loc.member * par->member_size + loc.off);
		sb_member_submit(pio, bio);
	}
}

/* --- writes ----------------------------------------------------------------- */

/* Buffer pages of a stripe piece: old data (scratch), and its parity. */
static unsigned int sb_piece_tmp_pages(const struct sb_stripe_piece *sp)
{
	unsigned int hp = DIV_ROUND_UP(sp->hb - sp->ha, PAGE_SIZE);

	return sp->kind == SB_PARITY_REBUILD ? 2 * hp : hp;
}

static unsigned int sb_piece_parity_pages(const struct sb_stripe_piece *sp)
{
	if (sp->kind == SB_PARITY_NONE)
		return 0;
	return DIV_ROUND_UP(sp->hb - sp->ha, PAGE_SIZE);
}

/*
 * Degraded, the write covers data of the failed member: the new parity
 * over the hull is the XOR of every data chunk's new bytes, and the
 * failed one's old bytes that are not written come from the old parity
 * and the other chunks' old bytes.  @pp ends up the new parity, @tmp is
 * two hulls of scratch: the old bytes of one chunk, and the XOR of the
 * other chunks' new bytes.
 */
static int sb_parity_rebuild(struct sb_parity_io *pio,
			     const struct sb_stripe_piece *sp,
			     struct page **pp, struct page **tmp)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	u64 ustart = (u64)upper->bi_iter.bi_sector << SECTOR_SHIFT;
	u32 h = sp->hb - sp->ha, a, b;
	struct page **q = &tmp[DIV_ROUND_UP(h, PAGE_SIZE)];
	unsigned int d, f = sb_failed_chunk(par, sp);
	int err;

	/* pp: the old parity, XOR the other chunks' old bytes, = f's old */
	err = sb_parity_read_old(pio, sp->parity, sp->stripe, sp->ha, sp->hb,
				 pp, 0);
	if (err)
		return err;
	sb_pages_zero(q, h);
	for (d = 0; d < par->members - 1; d++) {
		if (d == f)
			continue;
		err = sb_parity_read_old(pio, sb_data_member(par, sp->parity, d),
					 sp->stripe, sp->ha, sp->hb, tmp, 0);
		if (err)
			return err;
		sb_pages_xor(pp, 0, tmp, NULL, 0, h, false);
		if (sb_piece_chunk(par, sp, d, &a, &b))
			sb_upper_xor(upper, sp->lstart + (d << par->shift) + a -
				     ustart, b - a, tmp, a - sp->ha, true,
				     false);
		sb_pages_xor(q, 0, tmp, NULL, 0, h, false);
	}
	/* f's new bytes over its old ones, then the others' new bytes */
	sb_piece_chunk(par, sp, f, &a, &b);
	sb_upper_xor(upper, sp->lstart + (f << par->shift) + a - ustart, b - a,
		     pp, a - sp->ha, true, false);
	sb_pages_xor(pp, 0, q, NULL, 0, h, false);
	return 0;
}

/*
 * The new parity of one stripe piece, over its hull, into @pp (@tmp: a
 * buffer of at least the hull for old data, two with SB_PARITY_REBUILD).
 * Returns 0 or an errno.
 */
static int sb_parity_compute(struct sb_parity_io *pio,
			     const struct sb_stripe_piece *sp,
			     struct page **pp, struct page **tmp)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	u64 ustart = (u64)upper->bi_iter.bi_sector << SECTOR_SHIFT;
	u32 h = sp->hb - sp->ha, a, b;
	unsigned int d;
	int err;

	switch (sp->kind) {
	case SB_PARITY_NONE:
		return 0;
	case SB_PARITY_REBUILD:
		return sb_parity_rebuild(pio, sp, pp, tmp);
	case SB_PARITY_RMW:
		/* parity ^= old data ^ new data, where written */
		err = sb_parity_read_old(pio, sp->parity, sp->stripe, sp->ha,
					 sp->hb, pp, 0);
		for (d = 0; !err && d < par->members - 1; d++) {
			u32 uoff;

			if (!sb_piece_chunk(par, sp, d, &a, &b))
				continue;
			uoff = sp->lstart + (d << par->shift) + a - ustart;
			err = sb_parity_read_old(pio,
						 sb_data_member(par, sp->parity, d),
						 sp->stripe, a, b, tmp, 0);
			if (err)
				break;
			sb_pages_xor(pp, a - sp->ha, tmp, NULL, 0, b - a, false);
			sb_upper_xor(upper, uoff, b - a, pp, a - sp->ha, false,
				     false);
		}
		return err;
	default:
		break;
	}

	/* reconstruct: parity = XOR of every data chunk over the hull */
	sb_pages_zero(pp, h);
	for (d = 0; d < par->members - 1; d++) {
		unsigned int member = sb_data_member(par, sp->parity, d);
		bool w = sb_piece_chunk(par, sp, d, &a, &b);

		if (!w) {
			a = sp->hb;
			b = sp->hb;
		}
		if (a > sp->ha) {
			err = sb_parity_read_old(pio, member, sp->stripe, sp->ha,
						 a, tmp, 0);
			if (err)
				return err;
		}
		if (b < sp->hb) {
			err = sb_parity_read_old(pio, member, sp->stripe,
						 max(b, sp->ha), sp->hb, tmp,
						 max(b, sp->ha) - sp->ha);
			if (err)
				return err;
		}
		if (w)
			sb_upper_xor(upper, sp->lstart + (d << par->shift) + a -
				     ustart, b - a, tmp, a - sp->ha, true, false);
		sb_pages_xor(pp, 0, tmp, NULL, 0, h, false);
	}
	return 0;
}

static void sb_parity_count(struct sb_parity_io *pio,
			    const struct sb_stripe_piece *sp)
{
	struct sb_dev *dev = pio->dev;

	if (sp->kind == SB_PARITY_RMW)
		this_cpu_inc(dev->stats->ctr[SB_STAT_parity_rmw_ios]);
	else if (sp->kind != SB_PARITY_NONE)
		this_cpu_inc(dev->stats->ctr[SB_STAT_parity_rcw_ios]);
	trace_stackblk_parity(blk_mq_rq_from_pdu(pio->cmd), sp->stripe,
			      sp->parity, sp->kind, sp->ha, sp->hb - sp->ha);
	spin_lock_irq(&dev->parity->lock);
	dev->parity->recent[dev->parity->nr_updates++ % SB_PARITY_RECENT] =
		(struct sb_parity_update){
			.stripe = sp->stripe, .off = sp->ha,
			.len = sp->hb - sp->ha, .parity = sp->parity,
			.kind = sp->kind,
		};
	spin_unlock_irq(&dev->parity->lock);
}

/*
 * Submit the new data and parity of one stripe piece; in degraded mode
 * not what the failed member would write.
 */
static void sb_parity_write_piece(struct sb_parity_io *pio,
				  const struct sb_stripe_piece *sp,
				  struct page **pp)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	u64 ustart = (u64)upper->bi_iter.bi_sector << SECTOR_SHIFT;
	u32 a, b, h = sp->hb - sp->ha;
	struct bio *bio;
	unsigned int d;

	for (d = 0; d < par->members - 1; d++) {
		unsigned int member = sb_data_member(par, sp->parity, d);
		u32 uoff;

		if (!sb_piece_chunk(par, sp, d, &a, &b))
			continue;
		uoff = sp->lstart + (d << par->shift) + a - ustart;
		if (uoff)
			sb_parity_count_split(pio);
		if (member == par->failed) {
			sb_parity_count_degraded(pio);
			continue;
		}
		bio = sb_member_clone(pio, uoff, b - a,
				      sb_member_pos(par, member, sp->stripe, a));
		sb_member_submit(pio, bio);
	}
	if (sp->kind == SB_PARITY_NONE)
		return;
	this_cpu_inc(pio->dev->stats->ctr[SB_STAT_parity_write_ios]);
	this_cpu_add(pio->dev->stats->ctr[SB_STAT_parity_write_bytes], h);
	sb_member_submit(pio, sb_member_pages(pio, upper->bi_opf, pp, 0, h,
					      sb_member_pos(par, sp->parity,
							    sp->stripe,
							    sp->ha)));
}

/*
 * An upper write: lock its stripes, compute every stripe's new parity
 * (all reads done), then submit all member writes.
 */
static void sb_parity_write(struct sb_parity_io *pio)
{
	struct sb_parity *par = pio->dev->parity;
	struct bio *upper = pio->upper;
	u64 s = (u64)upper->bi_iter.bi_sector << SECTOR_SHIFT;
	u64 e = s + upper->bi_iter.bi_size, p;
	struct sb_stripe_piece sp;
	unsigned int tmp_pages = 0, n = 0, pi;
	int err = 0;

	/* the buffers: scratch for the largest piece, then each parity */
	for (p = s; p < e; p = sp.lstart + sp.r1) {
		sb_stripe_piece(par, p, e, &sp);
		tmp_pages = max(tmp_pages, sb_piece_tmp_pages(&sp));
		n += sb_piece_parity_pages(&sp);
	}
	if (WARN_ON_ONCE(tmp_pages + n > par->max_pages)) {
		sb_parity_fail(pio, BLK_STS_IOERR);
		return;
	}

	sb_stripe_piece(par, s, e, &sp);
	pio->first = sp.stripe;
	sb_stripe_piece(par, e - 1, e, &sp);
	pio->last = sp.stripe;
	wait_event(par->wait, sb_stripes_try(par, pio));
	sb_parity_pages_get(par, pio, tmp_pages + n);

	for (p = s, pi = tmp_pages; p < e && !err; p = sp.lstart + sp.r1) {
		sb_stripe_piece(par, p, e, &sp);
		sb_parity_count(pio, &sp);
		err = sb_parity_compute(pio, &sp, &pio->pages[pi], pio->pages);
		pi += sb_piece_parity_pages(&sp);
	}
	if (err) {
		sb_parity_fail(pio, errno_to_blk_status(err));
		return;
	}
	for (p = s, pi = tmp_pages; p < e; p = sp.lstart + sp.r1) {
		sb_stripe_piece(par, p, e, &sp);
		sb_parity_write_piece(pio, &sp, &pio->pages[pi]);
		pi += sb_piece_parity_pages(&sp);
	}
}

/**
 * sb_parity_submit - send an upper bio through the parity stage
 * @cmd: the request (or unit leader) it belongs to
 * @upper: a bio of the data stage, in the data space; bi_end_io set
 *
 * Task context: it may sleep (stripe lock, buffers, the reads of a write).
 * @upper completes, with the first error of its member I/O, when its last
 * member bio has; possibly before this returns.
 */
void sb_parity_submit(struct sb_cmd *cmd, struct bio *upper)
{
	struct sb_parity_io *pio;

	might_sleep();
	pio = sb_parity_io_get(cmd, upper);
	switch (bio_op(upper)) {
	case REQ_OP_READ:
		sb_parity_read(pio);
		break;
	case REQ_OP_WRITE:
		sb_parity_write(pio);
		break;
	default:
		/* not advertised (sb_parity_setup()) */
		sb_parity_fail(pio, BLK_STS_NOTSUPP);
	}
	sb_parity_io_put(pio);
}

/* --- setup --------------------------------------------------------------- */

/* Capacity in bytes of the device above; valid once set up. */
u64 sb_parity_capacity_bytes(const struct sb_dev *dev)
{
	return dev->parity->capacity;
}

/* Undo sb_parity_setup(), also a partial one. */
void sb_parity_teardown(struct sb_dev *dev)
{
	struct sb_parity *par = dev->parity;

	if (!par)
		return;
	mempool_destroy(par->page_pool);
	mempool_destroy(par->io_pool);
	bioset_exit(&par->bs);
	mutex_destroy(&par->page_lock);
	kfree(par);
	dev->parity = NULL;
}

/**
 * sb_parity_setup - set up the parity stage of a device being powered on
 * @dev: its settings checked (sb_stage_cfg_check()), backing open
 * @sl: limits of the new disk, updated
 *
 * Returns 0, -EINVAL if the backing is too small for one stripe, or
 * -ENOMEM; nothing is left behind on error.
 */
int sb_parity_setup(struct sb_dev *dev, struct sb_stage_limits *sl)
{
	u64 backing = bdev_nr_bytes(dev->bdev);
	struct sb_parity *par;
	unsigned int chunk_pages;
	size_t io_size;
	int ret;

	par = kzalloc(sizeof(*par), GFP_KERNEL);
	if (!par)
		return -ENOMEM;
	dev->parity = par;
	par->members = dev->sc.parity_members;
	par->failed = dev->sc.parity_failed_member == SB_PARITY_NO_MEMBER ?
		      -1 : (int)dev->sc.parity_failed_member;
	par->chunk = dev->sc.parity_chunk;
	par->shift = ilog2(par->chunk);
	par->member_size = sb_parity_member_size(backing, par->members,
						 par->chunk);
	par->capacity = sb_parity_capacity(backing, par->members, par->chunk);
	mutex_init(&par->page_lock);
	spin_lock_init(&par->lock);
	INIT_LIST_HEAD(&par->locked);
	init_waitqueue_head(&par->wait);
	if (!par->capacity) {
		pr_err("%pg: too small for one stripe of %u members of %u bytes\n",
		       dev->bdev, par->members, par->chunk);
		ret = -EINVAL;
		goto out_err;
	}

	/*
	 * An upper bio is at most SB_PARITY_MAX_BYTES (its request's, or a
	 * merged unit's, limit below).  Its buffers: scratch for old data of
	 * one hull (a chunk at most; two in degraded mode, also a degraded
	 * read's) and a parity buffer per stripe (a hull each; a stripe
	 * holds two chunks of data at least), each rounded up to whole
	 * pages.
	 */
	chunk_pages = DIV_ROUND_UP(par->chunk, PAGE_SIZE);
	par->max_pages = 2 * chunk_pages +
			 SB_PARITY_MAX_BYTES / 2 / PAGE_SIZE + 2 * chunk_pages +
			 SB_PARITY_MAX_BYTES / (2 * par->chunk) + 2;
	ret = bioset_init(&par->bs, BIO_POOL_SIZE,
			  offsetof(struct sb_parity_bio, bio),
			  BIOSET_NEED_BVECS | BIOSET_NEED_RESCUER);
	if (ret)
		goto out_err;
	ret = -ENOMEM;
	io_size = sizeof(struct sb_parity_io) +
		  par->max_pages * sizeof(struct page *);
	par->io_pool = mempool_create_kmalloc_pool(SB_PARITY_IOS, io_size);
	par->page_pool = mempool_create_page_pool(par->max_pages, 0);
	if (!par->io_pool || !par->page_pool)
		goto out_err;

	/* As md: I/O of a chunk, and of a whole stripe for writes. */
	sl->io_min = par->chunk;
	sl->io_opt = par->chunk * (par->members - 1);
	/* Member I/O is reads and writes only. */
	sl->no_discard = true;
	sl->no_write_zeroes = true;
	/*
	 * Parity is computed from the pages of the data being written, and
	 * the data is written from them: as md's raid5 without its stripe
	 * cache copy, they must not change meanwhile, or the stripe's
	 * parity no longer matches its data.  Crypt's writes arrive in
	 * bounce pages of its own, which nobody else writes.
	 */
	sl->stable_writes = !(dev->sc.stages & SB_STAGE_CRYPT);
	sl->max_hw_sectors = min_not_zero(sl->max_hw_sectors,
					  SB_PARITY_MAX_BYTES >> SECTOR_SHIFT);
	dev->merge_max = min_t(u64, dev->merge_max, SB_PARITY_MAX_BYTES);
	pr_info("%pg: parity over %u members of %llu bytes, chunk %u: %llu bytes\n",
		dev->bdev, par->members, par->member_size, par->chunk,
		par->capacity);
	if (par->failed >= 0)
		pr_info("%pg: parity degraded: member %d failed, never read or written\n",
			dev->bdev, par->failed);
	return 0;

out_err:
	sb_parity_teardown(dev);
	return ret;
}

static const char * const sb_parity_kinds[] = {
	[SB_PARITY_RMW] = "rmw", [SB_PARITY_RCW] = "rcw",
	[SB_PARITY_REBUILD] = "rebuild", [SB_PARITY_NONE] = "none",
};

/*
 * debugfs "parity": the layout, the stripes locked now, and the latest
 * stripe updates (the stripe and kind of each, as stackblk_parity traces).
 */
int sb_parity_show(struct seq_file *m, struct sb_dev *dev)
{
	struct sb_parity *par = dev->parity;
	struct sb_parity_update recent[SB_PARITY_RECENT];
	struct sb_parity_io *pio;
	unsigned int i, nr;
	u64 first;

	if (!par) {
		seq_puts(m, "parity off\n");
		return 0;
	}
	seq_printf(m, "members %u\n", par->members);
	seq_printf(m, "chunk %u\n", par->chunk);
	seq_printf(m, "member_size %llu\n", par->member_size);
	seq_printf(m, "stripes %llu\n", par->member_size >> par->shift);
	seq_printf(m, "capacity %llu\n", par->capacity);
	if (par->failed >= 0)
		seq_printf(m, "failed %d\n", par->failed);
	else
		seq_puts(m, "failed none\n");
	seq_puts(m, "# stripes locked by I/O in flight: first last\n");
	spin_lock_irq(&par->lock);
	list_for_each_entry(pio, &par->locked, entry)
		seq_printf(m, "locked %llu %llu\n", pio->first, pio->last);
	spin_unlock_irq(&par->lock);
	seq_puts(m, "# latest stripe updates, oldest first: stripe kind parity off len\n");
	/* one snapshot: writes going on must not add lines or reorder them */
	spin_lock_irq(&par->lock);
	first = max_t(u64, par->nr_updates, SB_PARITY_RECENT) - SB_PARITY_RECENT;
	nr = par->nr_updates - first;
	for (i = 0; i < nr; i++)
		recent[i] = par->recent[(first + i) % SB_PARITY_RECENT];
	spin_unlock_irq(&par->lock);
	for (i = 0; i < nr; i++)
		seq_printf(m, "update %llu %s %u %u %u\n", recent[i].stripe,
			   sb_parity_kinds[recent[i].kind], recent[i].parity,
			   recent[i].off, recent[i].len);
	return 0;
}
