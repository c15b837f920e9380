// SPDX-License-Identifier: GPL-2.0
/*
 * configfs control plane, following null_blk:
 *
 *   mkdir /sys/kernel/config/stackblk/<name>
 *   echo /dev/nvme0n1 > backing
 *   echo 1 > power          # /dev/stackblk<index> appears
 *   rmdir /sys/kernel/config/stackblk/<name>    # tears it down
 *
 * One attribute per row of include/stackblk_settings.h, generated (as
 * null_blk's NULLB_DEVICE_ATTR, but from the table) over the table code of
 * config.c, plus power and index.  Every write either takes effect
 * whole or returns an errno and changes nothing.  Settings are refused with
 * EBUSY while powered.  Creating items and writing attributes need
 * CAP_SYS_ADMIN (EPERM, checked before anything is parsed), on top of the
 * root-only file modes: they open block devices and make disks.
 */
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "stackblk.h"

static inline struct sb_config *to_sb_config(struct config_item *item)
{
	return container_of(item, struct sb_config, item);
}

/* One setting: show and store through the table (config.c). */
#define SB_CONFIGFS_STORE(_name)					\
static ssize_t sb_config_##_name##_store(struct config_item *item,	\
					  const char *page, size_t count) \
{									\
	return sb_setting_store(to_sb_config(item), SB_SET_##_name,	\
				page, count);				\
}

#define SB_CONFIGFS_RW(_name)						\
static ssize_t sb_config_##_name##_show(struct config_item *item,	\
					 char *page)			\
{									\
	return sb_setting_show(to_sb_config(item), SB_SET_##_name, page); \
}									\
SB_CONFIGFS_STORE(_name)

#define SB_CONFIGFS_FNS_DEVICE(n)	SB_CONFIGFS_RW(n)
#define SB_CONFIGFS_FNS_STAGE(n)	SB_CONFIGFS_RW(n)
#define SB_CONFIGFS_FNS_SECRET(n)	SB_CONFIGFS_STORE(n)
#define SB_SETTING(_name, _where, ...)	SB_CONFIGFS_FNS_##_where(_name)
#include "stackblk_settings.h"

/* A secret is write-only: mode 0200 and no show (reading: EACCES). */
#define SB_CONFIGFS_MODE_DEVICE		0644
#define SB_CONFIGFS_MODE_STAGE		0644
#define SB_CONFIGFS_MODE_SECRET		0200
#define SB_CONFIGFS_SHOW_DEVICE(n)	sb_config_##n##_show
#define SB_CONFIGFS_SHOW_STAGE(n)	sb_config_##n##_show
#define SB_CONFIGFS_SHOW_SECRET(...)	NULL
#define SB_SETTING(_name, _where, ...)					\
	[SB_SET_##_name] = {						\
		.ca_owner	= THIS_MODULE,				\
		.ca_name	= #_name,				\
		.ca_mode	= SB_CONFIGFS_MODE_##_where,		\
		.show		= SB_CONFIGFS_SHOW_##_where(_name),	\
		.store		= sb_config_##_name##_store,		\
	},
static struct configfs_attribute sb_config_setting_attrs[SB_NR_SETTINGS] = {
#include "stackblk_settings.h"
};

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

static ssize_t sb_config_index_show(struct config_item *item, char *page)
{
	struct sb_config *cfg = to_sb_config(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sysfs_emit(page, "%d\n", cfg->dev ? cfg->dev->index : -1);
	mutex_unlock(&cfg->lock);
	return ret;
}

CONFIGFS_ATTR(sb_config_, power);
CONFIGFS_ATTR_RO(sb_config_, index);

static struct configfs_attribute *sb_config_attrs[] = {
#define SB_SETTING(_name, ...)						\
	(&sb_config_setting_attrs[SB_SET_##_name]),
#include "stackblk_settings.h"
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
