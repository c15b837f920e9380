// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: /sys/block/stackblkN/stackblk/{backing,reset}, the stage settings
 * (the STAGE rows of include/stackblk_settings.h: stages, merge_max_bytes,
 * split_boundary, crypt_*; never the key) and
 * /sys/block/stackblkN/stackblk/stats/<counter>, one value per file.
 * The counter files are generated from include/stackblk_stats.h.
 *
 * Both directories are kobjects below the disk's device; they are removed
 * before the disk is, and kobject removal waits for readers in progress.
 */
#include <linux/capability.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "stackblk.h"

/* kobj is .../stackblk; its parent is the disk's device. */
static struct sb_dev *sb_dir_to_dev(struct kobject *kobj)
{
	return dev_to_disk(kobj_to_dev(kobj->parent))->private_data;
}

static ssize_t backing_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%pg\n", sb_dir_to_dev(kobj)->bdev);
}

/*
 * Stage settings in effect (fixed while powered; never the key): one file
 * per STAGE row of include/stackblk_settings.h.
 */
static ssize_t sb_setting_sysfs_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf);

#define SB_SYSFS_DEVICE(...)
#define SB_SYSFS_SECRET(...)
#define SB_SYSFS_STAGE(n)						\
	[SB_SET_##n] = __ATTR(n, 0444, sb_setting_sysfs_show, NULL),
#define SB_SETTING(_name, _where, ...)	SB_SYSFS_##_where(_name)
static struct kobj_attribute sb_setting_attrs[SB_NR_SETTINGS] = {
#include "stackblk_settings.h"
};

static ssize_t sb_setting_sysfs_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sb_setting_show_stage(&sb_dir_to_dev(kobj)->sc,
				     attr - sb_setting_attrs, buf);
}

static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = sb_stats_reset(sb_dir_to_dev(kobj));
	return ret ?: count;
}

static struct kobj_attribute sb_attr_backing = __ATTR_RO(backing);
static struct kobj_attribute sb_attr_reset = __ATTR_WO(reset);

#define SB_SYSFS_LIST_DEVICE(...)
#define SB_SYSFS_LIST_SECRET(...)
#define SB_SYSFS_LIST_STAGE(n)	(&sb_setting_attrs[SB_SET_##n].attr),
#define SB_SETTING(_name, _where, ...)	SB_SYSFS_LIST_##_where(_name)
static struct attribute *sb_dir_attrs[] = {
	&sb_attr_backing.attr,
	&sb_attr_reset.attr,
#include "stackblk_settings.h"
	NULL,
};

static const struct attribute_group sb_dir_group = {
	.attrs = sb_dir_attrs,
};

/* stats/: one file per counter of STACKBLK_COUNTERS, plus the gauges. */
static ssize_t sb_counter_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf);
static ssize_t sb_gauge_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf);

#define SB_COUNTER(name, ...) \
	[SB_STAT_##name] = __ATTR(name, 0444, sb_counter_show, NULL),
static struct kobj_attribute sb_counter_attrs[SB_NR_STATS] = {
#include "stackblk_counters.h"
};

#define SB_COUNTER(...)
#define SB_GAUGE(name, ...) \
	[SB_GAUGE_##name] = __ATTR(name, 0444, sb_gauge_show, NULL),
static struct kobj_attribute sb_gauge_attrs[SB_NR_GAUGES] = {
#include "stackblk_counters.h"
};

static ssize_t sb_counter_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct sb_dev *dev = sb_dir_to_dev(kobj->parent);

	return sysfs_emit(buf, "%llu\n",
			  sb_stat_read(dev, attr - sb_counter_attrs));
}

static ssize_t sb_gauge_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct sb_dev *dev = sb_dir_to_dev(kobj->parent);

	switch (attr - sb_gauge_attrs) {
	case SB_GAUGE_inflight:
		return sysfs_emit(buf, "%u\n", sb_inflight(dev));
	case SB_GAUGE_inflight_max:
		return sysfs_emit(buf, "%u\n", sb_inflight_max(dev));
	}
	return -EINVAL;
}

#define SB_COUNTER(name, ...) \
	(&sb_counter_attrs[SB_STAT_##name].attr),
#define SB_GAUGE(name, ...) \
	(&sb_gauge_attrs[SB_GAUGE_##name].attr),
static struct attribute *sb_stats_attrs[] = {
#include "stackblk_counters.h"
	NULL,
};

static const struct attribute_group sb_stats_group = {
	.attrs = sb_stats_attrs,
};

int sb_sysfs_add(struct sb_dev *dev)
{
	struct kobject *disk_kobj = &disk_to_dev(dev->disk)->kobj;
	int ret;

	dev->sysfs_dir = kobject_create_and_add(SB_NAME, disk_kobj);
	if (!dev->sysfs_dir)
		return -ENOMEM;
	ret = sysfs_create_group(dev->sysfs_dir, &sb_dir_group);
	if (ret)
		goto out_put_dir;

	dev->sysfs_stats = kobject_create_and_add("stats", dev->sysfs_dir);
	if (!dev->sysfs_stats) {
		ret = -ENOMEM;
		goto out_put_dir;
	}
	ret = sysfs_create_group(dev->sysfs_stats, &sb_stats_group);
	if (ret)
		goto out_put_stats;
	return 0;

out_put_stats:
	kobject_put(dev->sysfs_stats);
	dev->sysfs_stats = NULL;
out_put_dir:
	kobject_put(dev->sysfs_dir);
	dev->sysfs_dir = NULL;
	return ret;
}

/* kobject_del() removes the files and waits for readers still in them. */
void sb_sysfs_del(struct sb_dev *dev)
{
	kobject_del(dev->sysfs_stats);
	kobject_put(dev->sysfs_stats);
	kobject_del(dev->sysfs_dir);
	kobject_put(dev->sysfs_dir);
	dev->sysfs_stats = NULL;
	dev->sysfs_dir = NULL;
}
