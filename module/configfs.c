// SPDX-License-Identifier: GPL-2.0
/*
 * configfs control plane, following null_blk:
 *
 *   mkdir /sys/kernel/config/stackblk/<name>
 *   echo /dev/nvme0n1 > backing
 *   echo 1 > power          # /dev/stackblk<index> appears
 *   rmdir /sys/kernel/config/stackblk/<name>    # tears it down
 *
 * Every write either takes effect whole or returns an errno and changes
 * nothing.  Settings other than power are refused with EBUSY while powered.
 */
#include <linux/blkdev.h>
#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "stackblk.h"

#define SB_BACKING_MAX	256	/* longest accepted backing path */

static inline struct sb_config *to_sb_config(struct config_item *item)
{
	return container_of(item, struct sb_config, item);
}

/**
 * sb_config_set_backing - check and remember the backing device path
 * @cfg: the configuration
 * @page: the path, optionally followed by one newline
 * @count: its length
 *
 * The path must name an existing block device: ENOENT if it does not
 * exist, ENOTBLK if it is not a block device.  Whether it is free is only
 * known when power=1 opens it exclusively (EBUSY).
 */
int sb_config_set_backing(struct sb_config *cfg, const char *page,
			  size_t count)
{
	char *path;
	dev_t devt;
	int ret;

	if (count && page[count - 1] == '\n')
		count--;
	if (!count)
		return -EINVAL;
	if (count >= SB_BACKING_MAX)
		return -ENAMETOOLONG;
	if (strnlen(page, count) != count)	/* embedded NUL */
		return -EINVAL;

	path = kmemdup_nul(page, count, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = lookup_bdev(path, &devt);
	if (ret) {
		kfree(path);
		return ret;
	}
	kfree(cfg->backing);
	cfg->backing = path;
	return 0;
}

static ssize_t sb_config_backing_show(struct config_item *item, char *page)
{
	struct sb_config *cfg = to_sb_config(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sysfs_emit(page, "%s\n", cfg->backing ?: "");
	mutex_unlock(&cfg->lock);
	return ret;
}

static ssize_t sb_config_backing_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	int ret;

	mutex_lock(&cfg->lock);
	ret = cfg->dev ? -EBUSY : sb_config_set_backing(cfg, page, count);
	mutex_unlock(&cfg->lock);
	return ret ?: count;
}

/* A u32 attribute with bounds, refused while powered. */
static ssize_t sb_config_store_u32(struct sb_config *cfg, u32 *field,
				   const char *page, size_t count,
				   u32 min, u32 max)
{
	int ret;

	mutex_lock(&cfg->lock);
	if (cfg->dev)
		ret = -EBUSY;
	else
		ret = sb_parse_u32(page, count, min, max, field);
	mutex_unlock(&cfg->lock);
	return ret ?: count;
}

static ssize_t sb_config_show_u32(struct sb_config *cfg, const u32 *field,
				  char *page)
{
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sysfs_emit(page, "%u\n", *field);
	mutex_unlock(&cfg->lock);
	return ret;
}

static ssize_t sb_config_nr_hw_queues_show(struct config_item *item,
					   char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->nr_hw_queues, page);
}

static ssize_t sb_config_nr_hw_queues_store(struct config_item *item,
					    const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_u32(cfg, &cfg->nr_hw_queues, page, count,
				   0, nr_cpu_ids);
}

static ssize_t sb_config_queue_depth_show(struct config_item *item,
					  char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->queue_depth, page);
}

static ssize_t sb_config_queue_depth_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_u32(cfg, &cfg->queue_depth, page, count,
				   1, SB_MAX_QUEUE_DEPTH);
}

static ssize_t sb_config_power_show(struct config_item *item, char *page)
{
	struct sb_config *cfg = to_sb_config(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sysfs_emit(page, "%d\n", cfg->dev ? 1 : 0);
	mutex_unlock(&cfg->lock);
	return ret;
}

static ssize_t sb_config_power_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	u32 on;
	int ret;

	ret = sb_parse_u32(page, count, 0, 1, &on);
	if (ret)
		return ret;

	mutex_lock(&cfg->lock);
	if (on)
		ret = sb_dev_create(cfg);
	else
		sb_dev_destroy(cfg);
	mutex_unlock(&cfg->lock);
	return ret ?: count;
}

static ssize_t sb_config_index_show(struct config_item *item, char *page)
{
	struct sb_config *cfg = to_sb_config(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sysfs_emit(page, "%d\n", cfg->dev ? cfg->dev->index : -1);
	mutex_unlock(&cfg->lock);
	return ret;
}

CONFIGFS_ATTR(sb_config_, backing);
CONFIGFS_ATTR(sb_config_, nr_hw_queues);
CONFIGFS_ATTR(sb_config_, queue_depth);
CONFIGFS_ATTR(sb_config_, power);
CONFIGFS_ATTR_RO(sb_config_, index);

static struct configfs_attribute *sb_config_attrs[] = {
	&sb_config_attr_backing,
	&sb_config_attr_nr_hw_queues,
	&sb_config_attr_queue_depth,
	&sb_config_attr_power,
	&sb_config_attr_index,
	NULL,
};

static void sb_config_release(struct config_item *item)
{
	sb_config_free(to_sb_config(item));
}

static struct configfs_item_operations sb_config_item_ops = {
	.release	= sb_config_release,
};

static const struct config_item_type sb_config_type = {
	.ct_item_ops	= &sb_config_item_ops,
	.ct_attrs	= sb_config_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_item *sb_group_make_item(struct config_group *group,
					      const char *name)
{
	struct sb_config *cfg = sb_config_alloc();

	if (!cfg)
		return ERR_PTR(-ENOMEM);
	config_item_init_type_name(&cfg->item, name, &sb_config_type);
	return &cfg->item;
}

/* rmdir: power off (draining I/O), then drop the item. */
static void sb_group_drop_item(struct config_group *group,
			       struct config_item *item)
{
	struct sb_config *cfg = to_sb_config(item);

	mutex_lock(&cfg->lock);
	sb_dev_destroy(cfg);
	mutex_unlock(&cfg->lock);
	config_item_put(item);
}

static struct configfs_group_operations sb_group_ops = {
	.make_item	= sb_group_make_item,
	.drop_item	= sb_group_drop_item,
};

static const struct config_item_type sb_group_type = {
	.ct_group_ops	= &sb_group_ops,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem sb_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= SB_NAME,
			.ci_type	= &sb_group_type,
		},
	},
};

int sb_configfs_init(void)
{
	config_group_init(&sb_subsys.su_group);
	mutex_init(&sb_subsys.su_mutex);
	return configfs_register_subsystem(&sb_subsys);
}

void sb_configfs_exit(void)
{
	configfs_unregister_subsystem(&sb_subsys);
}
