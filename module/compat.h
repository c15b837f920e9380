/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place where stackblk knows about kernel versions.
 *
 * Supported: Linux 6.1 (Debian 12 "bookworm") and 6.12 (bookworm-backports
 * and Debian 13).  Differences covered here:
 *   - opening a block device exclusively: blkdev_get_by_path() (6.1) vs
 *     bdev_file_open_by_path() and bdev_fput() (6.10+);
 *   - allocating a blk-mq disk: limits set on the live queue (6.1) vs
 *     queue_limits passed to blk_mq_alloc_disk() (6.9+);
 *   - stacking limits: blk_stack_limits() on q->limits and the write cache
 *     flags (6.1) vs queue_limits_stack_bdev(), which also inherits the
 *     write cache and FUA features (6.10+);
 *   - ->queue_rqs() takes a struct request ** (6.1), a LIFO list, or a
 *     struct rq_list * (6.12), a FIFO list: sb_rq_list_take();
 *   - bios carry a write hint again (6.9+, _LINUX_RW_HINT_H);
 * and one kernel configuration difference: CONFIG_BLK_CGROUP
 * (sb_bio_clone_blkg(), sb_bio_same_blkg()).
 */
#ifndef _STACKBLK_COMPAT_H
#define _STACKBLK_COMPAT_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/topology.h>

/*
 * The scheduler's cpus_share_cache() is not exported to modules.  Use the
 * die (on x86 the last-level cache domain of most Intel parts; AMD parts
 * with several L3 per die are counted as sharing) as the cache domain.
 */
static inline bool sb_cpus_share_cache(int a, int b)
{
	return cpumask_test_cpu(b, topology_die_cpumask(a));
}

/*
 * sb_bio_clone_blkg - associate a clone made with no block device (and then
 * given the backing one) with the cgroup of the bio it clones, once.
 * bio_init_clone() and bio_alloc_clone() with a bdev associate the clone
 * twice: in bio_init() with the current task's cgroup, then again in
 * __bio_clone() with the source's.  A source with no blkg gets the current
 * task's, so the clone is never left without one.  Nothing to do without
 * CONFIG_BLK_CGROUP.
 */
#ifdef CONFIG_BLK_CGROUP
static inline void sb_bio_clone_blkg(struct bio *clone, struct bio *src)
{
	if (src->bi_blkg)
		bio_clone_blkg_association(clone, src);
	else
		bio_associate_blkg(clone);
}

static inline bool sb_bio_same_blkg(const struct bio *a, const struct bio *b)
{
	return a->bi_blkg == b->bi_blkg;
}
#else
static inline void sb_bio_clone_blkg(struct bio *clone, struct bio *src)
{
}

static inline bool sb_bio_same_blkg(const struct bio *a, const struct bio *b)
{
	return true;
}
#endif

/*
 * Write lifetime hints on bios: removed in 5.18, back in 6.9 with
 * <linux/rw_hint.h>, which <linux/blk_types.h> includes from then on.  A
 * bio made for a piece keeps its source's.
 */
#ifdef _LINUX_RW_HINT_H
static inline void sb_bio_copy_write_hint(struct bio *dst,
					  const struct bio *src)
{
	dst->bi_write_hint = src->bi_write_hint;
}

static inline bool sb_bio_same_write_hint(const struct bio *a,
					  const struct bio *b)
{
	return a->bi_write_hint == b->bi_write_hint;
}
#else
static inline void sb_bio_copy_write_hint(struct bio *dst,
					  const struct bio *src)
{
}

static inline bool sb_bio_same_write_hint(const struct bio *a,
					  const struct bio *b)
{
	return true;
}
#endif

/*
 * sb_rq_list_take - empty a ->queue_rqs() list
 *
 * Returns its requests chained through rq_next in submission order and
 * leaves the list (the plug's own mq_list) empty, so nothing can walk it
 * while we dispatch.  While the list is a bare pointer (6.1; feature test:
 * rq_list_empty() is then a macro) blk_add_rq_to_plug() pushes at the head,
 * so the order is reversed; struct rq_list (6.12) is kept in order.
 */
#ifdef rq_list_empty
#define SB_QUEUE_RQS_LIST	struct request **

static inline struct request *sb_rq_list_take(struct request **list)
{
	struct request *rq, *head = NULL;

	while ((rq = rq_list_pop(list))) {
		rq->rq_next = head;
		head = rq;
	}
	return head;
}
#else
#define SB_QUEUE_RQS_LIST	struct rq_list *

static inline struct request *sb_rq_list_take(struct rq_list *list)
{
	struct request *head = list->head;

	list->head = NULL;
	list->tail = NULL;
	return head;
}
#endif

/*
 * blk_plug_invalidate_ts() (6.9+) forgets the plug's cached time stamp and
 * clears PF_BLOCK_TS; without PF_BLOCK_TS (6.1) there is nothing to forget.
 */
#ifdef PF_BLOCK_TS
#define sb_plug_invalidate_ts()	blk_plug_invalidate_ts()
#else
#define sb_plug_invalidate_ts()	do { } while (0)
#endif

/*
 * Our ->queue_rq() and ->queue_rqs() run while blk-mq flushes the
 * submitter's plug, walking plug->mq_list in place (6.1 and 6.12 alike).
 * A backing request added to that same plug would be popped by the walk
 * (by our own ->queue_rqs() loop, or by the flush) or, on 6.1, oops in
 * blk_add_rq_to_plug() on the half-emptied list.  So the plug is hidden
 * while stackblk dispatches.  Before hiding it, drop its cached time:
 * if we sleep, finish_task_switch() must not write through the NULL
 * current->plug that PF_BLOCK_TS would make it touch.
 */
static inline struct blk_plug *sb_unplug(void)
{
	struct blk_plug *plug = current->plug;

	sb_plug_invalidate_ts();
	current->plug = NULL;
	return plug;
}

static inline void sb_replug(struct blk_plug *plug)
{
	current->plug = plug;
}

/*
 * Stage limits applied on top of the stacked ones: crypt does not forward
 * write-zeroes (zeros must read back as zeros through the cipher) and
 * forwards discards only when allowed, in whole crypt sectors.
 */
struct sb_stage_limits {
	bool no_discard;
	/*
	 * A discard request is one range: blk-mq merges only contiguous
	 * discards into it, not disjoint ones (max_discard_segments 1).
	 */
	bool one_discard_range;
	bool no_write_zeroes;
	/*
	 * Pages must not change while they are written (the page cache
	 * waits for writeback first): parity is computed from the caller's
	 * pages and the data written from the same pages.
	 */
	bool stable_writes;
	unsigned int discard_granularity;	/* 0: keep */
	unsigned int max_hw_sectors;		/* 0: keep, else at most */
	/*
	 * 0: keep, else the physical block size and io_min are at least
	 * this, and max_hw_sectors a multiple of it: the block layer then
	 * splits large I/O only at these boundaries (get_max_io_size()
	 * aligns splits to the physical block size), so an aligned write
	 * is never cut into pieces that need a read-modify-write.
	 */
	unsigned int physical_block_size;
	/* 0: keep, else the hints io_min and io_opt (parity: chunk, stripe) */
	unsigned int io_min;
	unsigned int io_opt;
};

/*
 * The memory alignment stackblk asks of direct I/O: exactly the backing's.
 * blk_set_stacking_limits() starts from 511 and stacking keeps the larger
 * of the two, so without this a backing that takes 4-byte aligned buffers
 * (NVMe: 3) would be hidden behind 511.  Every stage handles any alignment
 * the backing takes: split cuts pieces at byte positions (multiples of
 * 512) on the caller's own pages, merge only chains them, and crypt
 * encrypts a crypt sector in place only when it is contiguous in the
 * caller's memory and copies it through bounce pages otherwise.
 */
static inline unsigned int sb_dma_alignment(struct block_device *bdev)
{
	return bdev_dma_alignment(bdev);
}

/*
 * Feature test, not a version test: the queue_limits features word
 * (BLK_FEAT_*, 6.11) comes with every newer API used below.
 */
#ifdef BLK_FEAT_WRITE_CACHE

struct sb_backing {
	struct file *file;
};

static inline int sb_backing_open(struct sb_backing *b, const char *path,
				  void *holder)
{
	struct file *file;

	file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				      holder, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	b->file = file;
	return 0;
}

static inline struct block_device *sb_backing_bdev(struct sb_backing *b)
{
	return file_bdev(b->file);
}

/* bdev_fput() gives the exclusive claim back at once, not at task_work. */
static inline void sb_backing_close(struct sb_backing *b, void *holder)
{
	bdev_fput(b->file);
	b->file = NULL;
}

static inline struct gendisk *sb_alloc_disk(struct blk_mq_tag_set *set,
					    struct block_device *bdev,
					    const struct sb_stage_limits *sl,
					    void *queuedata)
{
	struct queue_limits lim;

	blk_set_stacking_limits(&lim);
	queue_limits_stack_bdev(&lim, bdev, 0, "stackblk");
	lim.dma_alignment = sb_dma_alignment(bdev);
	/* Forwarded ops only: no secure erase, no zones. */
	lim.max_secure_erase_sectors = 0;
	lim.features &= ~BLK_FEAT_ZONED;
	if (sl->no_discard)
		lim.max_hw_discard_sectors = 0;
	if (sl->one_discard_range)
		lim.max_discard_segments = 1;
	if (sl->no_write_zeroes)
		lim.max_write_zeroes_sectors = 0;
	if (sl->stable_writes)
		lim.features |= BLK_FEAT_STABLE_WRITES;
	if (sl->discard_granularity)
		lim.discard_granularity = max(lim.discard_granularity,
					      sl->discard_granularity);
	if (sl->max_hw_sectors)
		lim.max_hw_sectors = min(lim.max_hw_sectors,
					 sl->max_hw_sectors);
	if (sl->physical_block_size) {
		lim.physical_block_size = max(lim.physical_block_size,
					      sl->physical_block_size);
		lim.io_min = max(lim.io_min, sl->physical_block_size);
		lim.max_hw_sectors = round_down(lim.max_hw_sectors,
						sl->physical_block_size >>
						SECTOR_SHIFT);
	}
	if (sl->io_min)
		lim.io_min = max(lim.io_min, sl->io_min);
	if (sl->io_opt)
		lim.io_opt = sl->io_opt;
	return blk_mq_alloc_disk(set, &lim, queuedata);
}

#else /* 6.1 */

struct sb_backing {
	struct block_device *bdev;
};

#define SB_OPEN_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

static inline int sb_backing_open(struct sb_backing *b, const char *path,
				  void *holder)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, SB_OPEN_MODE, holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
	return 0;
}

static inline struct block_device *sb_backing_bdev(struct sb_backing *b)
{
	return b->bdev;
}

static inline void sb_backing_close(struct sb_backing *b, void *holder)
{
	blkdev_put(b->bdev, SB_OPEN_MODE);
	b->bdev = NULL;
}

static inline struct gendisk *sb_alloc_disk(struct blk_mq_tag_set *set,
					    struct block_device *bdev,
					    const struct sb_stage_limits *sl,
					    void *queuedata)
{
	struct request_queue *bq = bdev_get_queue(bdev);
	struct request_queue *q;
	struct gendisk *disk;

	disk = blk_mq_alloc_disk(set, queuedata);
	if (IS_ERR(disk))
		return disk;
	q = disk->queue;

	blk_set_stacking_limits(&q->limits);
	/* from the partition's start, as queue_limits_stack_bdev() does */
	blk_stack_limits(&q->limits, &bq->limits, get_start_sect(bdev));
	blk_queue_dma_alignment(q, sb_dma_alignment(bdev));
	q->limits.max_secure_erase_sectors = 0;
	if (sl->no_discard)
		blk_queue_max_discard_sectors(q, 0);
	if (sl->one_discard_range)
		blk_queue_max_discard_segments(q, 1);
	if (sl->no_write_zeroes)
		blk_queue_max_write_zeroes_sectors(q, 0);
	if (sl->stable_writes)
		blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	if (sl->discard_granularity)
		q->limits.discard_granularity =
			max(q->limits.discard_granularity,
			    sl->discard_granularity);
	if (sl->max_hw_sectors)
		blk_queue_max_hw_sectors(q, min(queue_max_hw_sectors(q),
						sl->max_hw_sectors));
	if (sl->physical_block_size) {
		blk_queue_physical_block_size(q, max(queue_physical_block_size(q),
						     sl->physical_block_size));
		blk_queue_io_min(q, max(queue_io_min(q), sl->physical_block_size));
		blk_queue_max_hw_sectors(q, round_down(queue_max_hw_sectors(q),
						       sl->physical_block_size >>
						       SECTOR_SHIFT));
	}
	if (sl->io_min)
		blk_queue_io_min(q, max(queue_io_min(q), sl->io_min));
	if (sl->io_opt)
		blk_queue_io_opt(q, sl->io_opt);
	blk_queue_write_cache(q, test_bit(QUEUE_FLAG_WC, &bq->queue_flags),
			      test_bit(QUEUE_FLAG_FUA, &bq->queue_flags));
	if (blk_queue_nonrot(bq))
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	return disk;
}

#endif

#endif /* _STACKBLK_COMPAT_H */
