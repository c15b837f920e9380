// SPDX-License-Identifier: GPL-2.0
/*
 * A live device, /dev/stackblkN: power on (sb_dev_create) opens the
 * backing exclusively, sets up the stages, counters, tag set and disk, and
 * power off (sb_dev_destroy) takes them down in exact reverse order.  Also
 * the block major and the device index allocator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/cpumask.h>
#include <linux/idr.h>
#include <linux/slab.h>

#include "stackblk.h"

static int sb_major;
static DEFINE_IDA(sb_index_ida);

static const struct block_device_operations sb_fops = {
	.owner	= THIS_MODULE,
};

/*
 * The data stages, in pipeline order: a device runs the last one it has
 * switched on, or plain (stage.c) if none.  A new data stage is a file
 * with its struct sb_stage_ops and a row here (docs/stages.md).
 */
static const struct {
	u32 stage;
	const struct sb_stage_ops *ops;
} sb_data_stages[] = {
	{ SB_STAGE_CRYPT, &sb_crypt_ops },
};

static const struct sb_stage_ops *sb_data_stage(u32 stages)
{
	const struct sb_stage_ops *ops = &sb_plain_ops;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sb_data_stages); i++)
		if (stages & sb_data_stages[i].stage)
			ops = sb_data_stages[i].ops;
	return ops;
}

static int sb_init_tag_set(struct sb_dev *dev)
{
	struct blk_mq_tag_set *set = &dev->tag_set;
	struct sb_config *cfg = dev->cfg;

	set->ops = &sb_mq_ops;
	set->nr_hw_queues = cfg->nr_hw_queues ?: nr_cpu_ids;
	set->queue_depth = cfg->queue_depth;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = SB_CMD_SIZE;
	/*
	 * BLOCKING: ->queue_rq() submits to the backing device and may sleep
	 * there (see mq.c).  STACKING: our requests complete through another
	 * device, so blk-mq must not wait for them when a CPU goes offline.
	 * NO_SCHED_BY_DEFAULT, as loop: the backing device schedules its own
	 * queue, so with one hardware context (nr_hw_queues=1, or one CPU)
	 * stackblk's queue gets no mq-deadline of its own unless asked for
	 * (queue/scheduler); a second scheduler on top cost stackblk 1.6k
	 * instructions per I/O at 1 vCPU (tests/perf/README.md).
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
		     BLK_MQ_F_STACKING | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	set->driver_data = dev;
	return blk_mq_alloc_tag_set(set);
}

/**
 * sb_dev_create - power a configured device on: /dev/stackblkN appears
 * @cfg: the configuration; cfg->lock held (or not yet visible to anyone)
 *
 * Returns 0 or a negative errno, in which case nothing is left behind.
 */
int sb_dev_create(struct sb_config *cfg)
{
	struct sb_stage_limits sl;
	struct sb_dev *dev;
	struct gendisk *disk;
	int ret;

	if (cfg->dev)
		return -EEXIST;
	if (!cfg->backing)
		return -EINVAL;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->cfg = cfg;

	ret = ida_alloc(&sb_index_ida, GFP_KERNEL);
	if (ret < 0)
		goto out_free_dev;
	dev->index = ret;

	ret = sb_backing_open(&dev->backing, cfg->backing, dev);
	if (ret)
		goto out_free_index;
	dev->bdev = sb_backing_bdev(&dev->backing);
	if (bdev_is_zoned(dev->bdev)) {
		pr_err("%pg: zoned backing devices are not supported\n",
		       dev->bdev);
		ret = -EOPNOTSUPP;
		goto out_close_backing;
	}

	ret = sb_stage_setup(dev, sb_data_stage(cfg->sc.stages), &sl);
	if (ret)
		goto out_close_backing;

	ret = sb_stats_alloc(dev);
	if (ret)
		goto out_stage_teardown;

	/* BVECS: the stages build bios of their own (stage.c). */
	ret = bioset_init(&dev->bs, BIO_POOL_SIZE, dev->ops->front_pad,
			  BIOSET_NEED_RESCUER | BIOSET_NEED_BVECS);
	if (ret)
		goto out_free_stats;

	ret = sb_init_tag_set(dev);
	if (ret)
		goto out_exit_bioset;

	dev->nr_queues = dev->tag_set.nr_hw_queues;
	dev->queues = kcalloc(dev->nr_queues, sizeof(*dev->queues),
			      GFP_KERNEL);
	if (!dev->queues) {
		ret = -ENOMEM;
		goto out_free_tag_set;
	}

	disk = sb_alloc_disk(&dev->tag_set, dev->bdev, &sl, dev);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto out_free_queues;
	}
	dev->disk = disk;
	disk->major = sb_major;
	disk->first_minor = dev->index;
	disk->minors = 1;
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = &sb_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, SB_NAME "%d", dev->index);
	set_capacity(disk, sb_stage_capacity(dev));

	ret = add_disk(disk);
	if (ret)
		goto out_put_disk;

	ret = bd_link_disk_holder(dev->bdev, disk);
	if (ret)
		goto out_del_disk;

	ret = sb_sysfs_add(dev);
	if (ret)
		goto out_unlink_holder;

	sb_debugfs_add(dev);
	cfg->dev = dev;
	pr_info("%s: stacked on %pg, %u hardware contexts of depth %u\n",
		disk->disk_name, dev->bdev, dev->nr_queues,
		dev->tag_set.queue_depth);
	return 0;

out_unlink_holder:
	bd_unlink_disk_holder(dev->bdev, disk);
out_del_disk:
	del_gendisk(disk);
out_put_disk:
	put_disk(disk);
out_free_queues:
	kfree(dev->queues);
out_free_tag_set:
	blk_mq_free_tag_set(&dev->tag_set);
out_exit_bioset:
	bioset_exit(&dev->bs);
out_free_stats:
	sb_stats_free(dev);
out_stage_teardown:
	sb_stage_teardown(dev);
out_close_backing:
	sb_backing_close(&dev->backing, dev);
out_free_index:
	ida_free(&sb_index_ida, dev->index);
out_free_dev:
	kfree(dev);
	return ret;
}

/**
 * sb_dev_destroy - power a device off: /dev/stackblkN goes away
 * @cfg: the configuration; cfg->lock held
 *
 * I/O in flight is drained by del_gendisk(): it completes (or fails) on
 * the backing device; new I/O fails.  Open file descriptors stay valid and
 * get errors.
 */
void sb_dev_destroy(struct sb_config *cfg)
{
	struct sb_dev *dev = cfg->dev;

	if (!dev)
		return;
	cfg->dev = NULL;

	sb_debugfs_del(dev);
	sb_sysfs_del(dev);
	bd_unlink_disk_holder(dev->bdev, dev->disk);
	del_gendisk(dev->disk);
	put_disk(dev->disk);
	sb_stage_teardown(dev);
	kfree(dev->queues);
	blk_mq_free_tag_set(&dev->tag_set);
	bioset_exit(&dev->bs);
	sb_stats_free(dev);
	sb_backing_close(&dev->backing, dev);
	ida_free(&sb_index_ida, dev->index);
	kfree(dev);
}

int __init sb_dev_init(void)
{
	int ret = register_blkdev(0, SB_NAME);

	if (ret < 0)
		return ret;
	sb_major = ret;
	sb_flush_done_init();
	return 0;
}

void sb_dev_exit(void)
{
	sb_flush_done_exit();
	unregister_blkdev(sb_major, SB_NAME);
	ida_destroy(&sb_index_ida);
}
