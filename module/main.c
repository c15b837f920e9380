// SPDX-License-Identifier: GPL-2.0
/*
 * stackblk - an instrumented blk-mq block device stacked on a backing
 * block device (typically an NVMe namespace).
 *
 * Devices are described through configfs (configfs.c), as null_blk does,
 * or by "insmod stackblk.ko backing=/dev/nvme0n1" for one-shot use.  Module
 * parameters only seed the defaults of new configfs items.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "stackblk.h"

static int sb_major;
static DEFINE_IDA(sb_index_ida);

/* The device created by the "backing" parameter, if any. */
static struct sb_config *sb_oneshot;

static char *backing;
module_param(backing, charp, 0444);
MODULE_PARM_DESC(backing, "Create stackblk0 over this block device at load (one-shot)");

static unsigned int nr_hw_queues;
module_param(nr_hw_queues, uint, 0444);
MODULE_PARM_DESC(nr_hw_queues, "Default hardware contexts per device; 0 = one per possible CPU");

static unsigned int queue_depth = SB_DEF_QUEUE_DEPTH;
module_param(queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "Default tags per hardware context (1-4096, default 128)");

/*
 * Stage settings: defaults of new devices, and of the one-shot device.
 * No key is ever a module parameter, so "crypt" is refused here.
 */
static char *stages;
module_param(stages, charp, 0444);
MODULE_PARM_DESC(stages, "Default stages: comma-separated merge,split (crypt needs a key: configfs only)");

static unsigned int merge_max_bytes = 128 * 1024;
module_param(merge_max_bytes, uint, 0444);
MODULE_PARM_DESC(merge_max_bytes, "Default largest merged backing I/O in bytes (default 131072)");

static unsigned int split_boundary = 64 * 1024;
module_param(split_boundary, uint, 0444);
MODULE_PARM_DESC(split_boundary, "Default split boundary in bytes (default 65536)");

static char *crypt_cipher;
module_param(crypt_cipher, charp, 0444);
MODULE_PARM_DESC(crypt_cipher, "Default cipher: only " SB_CRYPT_CIPHER);

static unsigned int crypt_sector_size = 512;
module_param(crypt_sector_size, uint, 0444);
MODULE_PARM_DESC(crypt_sector_size, "Default crypt sector size: 512 or 4096");

static unsigned int crypt_iv_large_sectors;
module_param(crypt_iv_large_sectors, uint, 0444);
MODULE_PARM_DESC(crypt_iv_large_sectors, "Default plain64 IV in crypt sectors (1) or 512-byte sectors (0)");

static unsigned int crypt_allow_discards;
module_param(crypt_allow_discards, uint, 0444);
MODULE_PARM_DESC(crypt_allow_discards, "Default: forward discards through crypt (1) or not (0)");

static u32 sb_param_stages;	/* stages, parsed */

DEFINE_STATIC_KEY_TRUE(sb_collect);

static int sb_collect_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	/* Root's file mode is not enough: it changes what every device does. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	if (on)
		static_branch_enable(&sb_collect);
	else
		static_branch_disable(&sb_collect);
	return 0;
}

static int sb_collect_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", static_key_enabled(&sb_collect));
}

static const struct kernel_param_ops sb_collect_ops = {
	.set	= sb_collect_set,
	.get	= sb_collect_get,
};
module_param_cb(collect, &sb_collect_ops, NULL, 0644);
MODULE_PARM_DESC(collect, "Collect latency histograms and the completion affinity matrix (1, default) or only counters (0)");

static const struct block_device_operations sb_fops = {
	.owner	= THIS_MODULE,
};

struct sb_config *sb_config_alloc(void)
{
	struct sb_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);

	if (!cfg)
		return NULL;
	mutex_init(&cfg->lock);
	cfg->nr_hw_queues = nr_hw_queues;
	cfg->queue_depth = queue_depth;
	sb_stage_cfg_init(&cfg->sc);
	cfg->sc.stages = sb_param_stages;
	cfg->sc.merge_max_bytes = merge_max_bytes;
	cfg->sc.split_boundary = split_boundary;
	cfg->sc.crypt_sector_size = crypt_sector_size;
	cfg->sc.crypt_iv_large_sectors = crypt_iv_large_sectors;
	cfg->sc.crypt_allow_discards = crypt_allow_discards;
	return cfg;
}

/* kfree_sensitive(): the key goes with the rest of the config. */
void sb_config_free(struct sb_config *cfg)
{
	kfree(cfg->backing);
	mutex_destroy(&cfg->lock);
	kfree_sensitive(cfg);
}

static int sb_init_tag_set(struct sb_dev *dev)
{
	struct blk_mq_tag_set *set = &dev->tag_set;
	struct sb_config *cfg = dev->cfg;

	set->ops = (dev->sc.stages & SB_STAGE_MERGE) ? &sb_mq_merge_ops :
						       &sb_mq_ops;
	set->nr_hw_queues = cfg->nr_hw_queues ?: nr_cpu_ids;
	set->queue_depth = cfg->queue_depth;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct sb_cmd);
	/*
	 * BLOCKING: ->queue_rq() submits to the backing device and may sleep
	 * there (see io.c).  STACKING: our requests complete through another
	 * device, so blk-mq must not wait for them when a CPU goes offline.
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
		     BLK_MQ_F_STACKING;
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

	ret = sb_stage_setup(dev, &sl);
	if (ret)
		goto out_close_backing;

	ret = sb_stats_alloc(dev);
	if (ret)
		goto out_stage_teardown;

	/* BVECS: the stages build bios of their own (stage.c). */
	ret = bioset_init(&dev->bs, BIO_POOL_SIZE,
			  offsetof(struct sb_bio, bio),
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
	set_capacity(disk, bdev_nr_sectors(dev->bdev));

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

static int __init sb_check_params(void)
{
	if (queue_depth < 1 || queue_depth > SB_MAX_QUEUE_DEPTH) {
		pr_err("queue_depth=%u: must be 1 to %u\n", queue_depth,
		       SB_MAX_QUEUE_DEPTH);
		return -EINVAL;
	}
	if (nr_hw_queues > nr_cpu_ids) {
		pr_err("nr_hw_queues=%u: must be at most %u (0 = one per CPU)\n",
		       nr_hw_queues, nr_cpu_ids);
		return -EINVAL;
	}
	if (stages && sb_parse_stages(stages, strlen(stages),
				      &sb_param_stages)) {
		pr_err("stages=%s: a comma-separated subset of merge,split,crypt\n",
		       stages);
		return -EINVAL;
	}
	if (sb_param_stages & SB_STAGE_CRYPT) {
		pr_err("stages=%s: crypt needs a key, and keys are never module parameters: use configfs (crypt_key)\n",
		       stages);
		return -EINVAL;
	}
	if (crypt_cipher && strcmp(crypt_cipher, SB_CRYPT_CIPHER)) {
		pr_err("crypt_cipher=%s: only %s is supported\n",
		       crypt_cipher, SB_CRYPT_CIPHER);
		return -EINVAL;
	}
	/* Checked even without their stage: they seed configfs devices too. */
	if (merge_max_bytes < SECTOR_SIZE || merge_max_bytes % SECTOR_SIZE) {
		pr_err("merge_max_bytes=%u: must be a non-zero multiple of 512\n",
		       merge_max_bytes);
		return -EINVAL;
	}
	if (split_boundary < SECTOR_SIZE || split_boundary % SECTOR_SIZE) {
		pr_err("split_boundary=%u: must be a non-zero multiple of 512\n",
		       split_boundary);
		return -EINVAL;
	}
	if ((crypt_sector_size != 512 && crypt_sector_size != 4096) ||
	    crypt_iv_large_sectors > 1 || crypt_allow_discards > 1) {
		pr_err("crypt_sector_size must be 512 or 4096, crypt_iv_large_sectors and crypt_allow_discards 0 or 1\n");
		return -EINVAL;
	}
	return 0;
}

static int __init sb_create_oneshot(void)
{
	struct sb_config *cfg;
	int ret;

	cfg = sb_config_alloc();
	if (!cfg)
		return -ENOMEM;
	ret = sb_config_set_backing(cfg, backing, strlen(backing));
	if (!ret)
		ret = sb_dev_create(cfg);
	if (ret) {
		pr_err("backing=%s: cannot create device: %d\n", backing, ret);
		sb_config_free(cfg);
		return ret;
	}
	sb_oneshot = cfg;
	return 0;
}

static void sb_destroy_oneshot(void)
{
	if (!sb_oneshot)
		return;
	sb_dev_destroy(sb_oneshot);
	sb_config_free(sb_oneshot);
	sb_oneshot = NULL;
}

static int __init sb_init(void)
{
	int ret;

	BUILD_BUG_ON(BITS_PER_LONG != 64);	/* counters are read untorn */

	ret = sb_check_params();
	if (ret)
		return ret;

	ret = register_blkdev(0, SB_NAME);
	if (ret < 0)
		return ret;
	sb_major = ret;

	sb_debugfs_init();

	if (backing && *backing) {
		ret = sb_create_oneshot();
		if (ret)
			goto out_debugfs;
	}

	ret = sb_configfs_init();
	if (ret)
		goto out_oneshot;
	return 0;

out_oneshot:
	sb_destroy_oneshot();
out_debugfs:
	sb_debugfs_exit();
	unregister_blkdev(sb_major, SB_NAME);
	return ret;
}

static void __exit sb_exit(void)
{
	sb_configfs_exit();
	sb_destroy_oneshot();
	sb_debugfs_exit();
	unregister_blkdev(sb_major, SB_NAME);
	ida_destroy(&sb_index_ida);
}

module_init(sb_init);
module_exit(sb_exit);

MODULE_DESCRIPTION("stackblk: instrumented blk-mq device stacked on a backing block device");
MODULE_AUTHOR("The stackblk developers");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: xts");
