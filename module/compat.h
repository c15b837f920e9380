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
 *     write cache and FUA features (6.10+).
 */
#ifndef _STACKBLK_COMPAT_H
#define _STACKBLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/fs.h>
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
					    void *queuedata)
{
	struct queue_limits lim;

	blk_set_stacking_limits(&lim);
	queue_limits_stack_bdev(&lim, bdev, 0, "stackblk");
	/* Forwarded ops only: no secure erase, no zones. */
	lim.max_secure_erase_sectors = 0;
	lim.features &= ~BLK_FEAT_ZONED;
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
	blk_stack_limits(&q->limits, &bq->limits, 0);
	q->limits.max_secure_erase_sectors = 0;
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
