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
 * Creating items and writing attributes need CAP_SYS_ADMIN (EPERM), on top
 * of the root-only file modes: they open block devices and make disks.
 */
#include <linux/blkdev.h>
#include <linux/capability.h>
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

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

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

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

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

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

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

/* --- stages (stage.c) ------------------------------------------------ */

static ssize_t sb_config_stages_show(struct config_item *item, char *page)
{
	struct sb_config *cfg = to_sb_config(item);
	char names[SB_STAGES_LEN];

	mutex_lock(&cfg->lock);
	sb_format_stages(names, sizeof(names), cfg->sc.stages);
	mutex_unlock(&cfg->lock);
	return sysfs_emit(page, "%s\n", names);
}

static ssize_t sb_config_stages_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	u32 stages;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	ret = sb_parse_stages(page, count, &stages);
	if (ret)
		return ret;
	mutex_lock(&cfg->lock);
	if (cfg->dev)
		ret = -EBUSY;
	else
		cfg->sc.stages = stages;
	mutex_unlock(&cfg->lock);
	return ret ?: count;
}

/* A u32 that must be a multiple of 512 (checked again at power-on). */
static ssize_t sb_config_store_bytes(struct sb_config *cfg, u32 *field,
				     const char *page, size_t count)
{
	u32 v;
	int ret;

	/* EPERM before any parsing: an unprivileged caller learns nothing */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = sb_parse_u32(page, count, SECTOR_SIZE, 1U << 30, &v);
	if (ret || v % SECTOR_SIZE)
		return -EINVAL;
	return sb_config_store_u32(cfg, field, page, count, v, v);
}

static ssize_t sb_config_merge_max_bytes_show(struct config_item *item,
					      char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->sc.merge_max_bytes, page);
}

static ssize_t sb_config_merge_max_bytes_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_bytes(cfg, &cfg->sc.merge_max_bytes, page,
				     count);
}

static ssize_t sb_config_split_boundary_show(struct config_item *item,
					     char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->sc.split_boundary, page);
}

static ssize_t sb_config_split_boundary_store(struct config_item *item,
					      const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_bytes(cfg, &cfg->sc.split_boundary, page,
				     count);
}

static ssize_t sb_config_crypt_cipher_show(struct config_item *item,
					   char *page)
{
	return sysfs_emit(page, "%s\n", SB_CRYPT_CIPHER);
}

static ssize_t sb_config_crypt_cipher_store(struct config_item *item,
					    const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	size_t n = count;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	if (n && page[n - 1] == '\n')
		n--;
	if (n != strlen(SB_CRYPT_CIPHER) || memcmp(page, SB_CRYPT_CIPHER, n))
		return -EINVAL;
	mutex_lock(&cfg->lock);
	if (cfg->dev)
		ret = -EBUSY;
	mutex_unlock(&cfg->lock);
	return ret ?: count;
}

static ssize_t sb_config_crypt_sector_size_show(struct config_item *item,
						char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->sc.crypt_sector_size, page);
}

static ssize_t sb_config_crypt_sector_size_store(struct config_item *item,
						 const char *page,
						 size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	u32 v;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (sb_parse_u32(page, count, 512, 4096, &v) ||
	    (v != 512 && v != 4096))
		return -EINVAL;
	return sb_config_store_u32(cfg, &cfg->sc.crypt_sector_size, page,
				   count, v, v);
}

static ssize_t sb_config_crypt_iv_large_sectors_show(struct config_item *item,
						     char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->sc.crypt_iv_large_sectors, page);
}

static ssize_t
sb_config_crypt_iv_large_sectors_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_u32(cfg, &cfg->sc.crypt_iv_large_sectors, page,
				   count, 0, 1);
}

static ssize_t sb_config_crypt_allow_discards_show(struct config_item *item,
						   char *page)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_show_u32(cfg, &cfg->sc.crypt_allow_discards, page);
}

static ssize_t sb_config_crypt_allow_discards_store(struct config_item *item,
						    const char *page,
						    size_t count)
{
	struct sb_config *cfg = to_sb_config(item);

	return sb_config_store_u32(cfg, &cfg->sc.crypt_allow_discards, page,
				   count, 0, 1);
}

/* Write-only (0200, no show: reading fails with EACCES); wiped on free. */
static ssize_t sb_config_crypt_key_store(struct config_item *item,
					 const char *page, size_t count)
{
	struct sb_config *cfg = to_sb_config(item);
	u8 key[SB_CRYPT_KEY_MAX];
	unsigned int len;
	int ret;

	ret = capable(CAP_SYS_ADMIN) ? sb_parse_hex_key(page, count, key, &len)
				     : -EPERM;
	if (ret) {
		memzero_explicit((void *)page, count);
		return ret;
	}
	mutex_lock(&cfg->lock);
	if (cfg->dev) {
		ret = -EBUSY;
	} else {
		memzero_explicit(cfg->key, sizeof(cfg->key));
		memcpy(cfg->key, key, len);
		cfg->key_len = len;
	}
	mutex_unlock(&cfg->lock);
	memzero_explicit(key, sizeof(key));
	/* configfs frees its copy of the write without wiping it */
	memzero_explicit((void *)page, count);
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
CONFIGFS_ATTR(sb_config_, stages);
CONFIGFS_ATTR(sb_config_, merge_max_bytes);
CONFIGFS_ATTR(sb_config_, split_boundary);
CONFIGFS_ATTR(sb_config_, crypt_cipher);
CONFIGFS_ATTR(sb_config_, crypt_sector_size);
CONFIGFS_ATTR(sb_config_, crypt_iv_large_sectors);
CONFIGFS_ATTR(sb_config_, crypt_allow_discards);
CONFIGFS_ATTR_WO(sb_config_, crypt_key);

static struct configfs_attribute *sb_config_attrs[] = {
	&sb_config_attr_backing,
	&sb_config_attr_nr_hw_queues,
	&sb_config_attr_queue_depth,
	&sb_config_attr_power,
	&sb_config_attr_index,
	&sb_config_attr_stages,
	&sb_config_attr_merge_max_bytes,
	&sb_config_attr_split_boundary,
	&sb_config_attr_crypt_cipher,
	&sb_config_attr_crypt_sector_size,
	&sb_config_attr_crypt_iv_large_sectors,
	&sb_config_attr_crypt_allow_discards,
	&sb_config_attr_crypt_key,
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
	struct sb_config *cfg;

	if (!capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);
	cfg = sb_config_alloc();
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
