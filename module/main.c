// SPDX-License-Identifier: GPL-2.0
/*
 * stackblk - an instrumented blk-mq block device stacked on a backing
 * block device (typically an NVMe namespace).  This file: the module's
 * load and unload, the one-shot device and the collect parameter.
 *
 * Devices are described through configfs (configfs.c), as null_blk does,
 * or by "insmod stackblk.ko backing=/dev/nvme0n1" for one-shot use.  The
 * other module parameters, one per setting (config.c), only seed the
 * defaults of new devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/string.h>

#include "stackblk.h"

/* The device created by the "backing" parameter, if any. */
static struct sb_config *sb_oneshot;

static char *backing;
module_param(backing, charp, 0444);
MODULE_PARM_DESC(backing, "Create stackblk0 over this block device at load (one-shot)");

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

	ret = sb_settings_check_params() ?: sb_dev_init();
	if (ret)
		return ret;

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
	sb_dev_exit();
	return ret;
}

static void __exit sb_exit(void)
{
	sb_configfs_exit();
	sb_destroy_oneshot();
	sb_debugfs_exit();
	sb_dev_exit();
}

module_init(sb_init);
module_exit(sb_exit);

MODULE_DESCRIPTION("stackblk: instrumented blk-mq device stacked on a backing block device");
MODULE_AUTHOR("The stackblk developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(STACKBLK_VERSION);
MODULE_SOFTDEP("pre: xts");
