// SPDX-License-Identifier: GPL-2.0
/* device.c - finding stackblk devices (configfs + sysfs) and reading their counters. */
#include "device.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sb_counter_names[SB_NR_STATS] = {
#define SB_COUNTER(name, ...) #name,
#include "stackblk_counters.h"
};

const char *const sb_gauge_names[SB_NR_GAUGES] = {
#define SB_COUNTER(...)
#define SB_GAUGE(name, ...) #name,
#include "stackblk_counters.h"
};

bool sb_module_loaded(void)
{
	char p[SB_PATH_MAX];

	return path_exists(sb_path(p, SB_SYSFS, "module/stackblk"));
}

void sb_note_collect(void)
{
	static bool said;
	char p[SB_PATH_MAX];
	uint64_t v;

	if (said || read_u64(sb_path(p, SB_SYSFS, "module/stackblk/parameters/collect"), &v) || v)
		return;
	said = true;
	sb_err("note: collect=0: latency and completion locality are not being recorded, so they read '-' or stay 0 (echo 1 > /sys/module/stackblk/parameters/collect)");
}

bool sb_require_module(void)
{
	if (sb_module_loaded())
		return true;
	sb_err("module not loaded (try: modprobe stackblk)");
	return false;
}

/* "stackblkN" -> N, or -1. */
static long node_index(const char *s)
{
	char *end;
	long n;

	if (strncmp(s, "stackblk", 8) || s[8] < '0' || s[8] > '9')
		return -1;
	n = strtol(s + 8, &end, 10);
	return *end ? -1 : n;
}

static long count_hctx(const char *node)
{
	char p[SB_PATH_MAX];
	struct dirent *de;
	long n = 0;
	DIR *d = opendir(sb_path(p, SB_SYSFS, "block/%s/mq", node));

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

/* Fill the sysfs part of a powered device (dev->index set). */
static void fill_sysfs(struct cli_dev *dev)
{
	char p[SB_PATH_MAX];
	uint64_t sectors;
	long depth;

	snprintf(dev->node, sizeof(dev->node), "stackblk%ld", dev->index);
	if (!read_u64(sb_path(p, SB_SYSFS, "block/%s/size", dev->node), &sectors))
		dev->size = sectors * 512;
	read_line(sb_path(p, SB_SYSFS, "block/%s/stackblk/backing", dev->node),
		  dev->backing, sizeof(dev->backing));
	read_line(sb_path(p, SB_SYSFS, "block/%s/stackblk/stages", dev->node),
		  dev->stages, sizeof(dev->stages));
	dev->nr_hctx = count_hctx(dev->node);
	if (!read_int(sb_path(p, SB_SYSFS, "block/%s/mq/0/nr_tags", dev->node), &depth))
		dev->depth = depth;
}

static void fill_configfs(struct cli_dev *dev, const char *name)
{
	char p[SB_PATH_MAX];
	long v;

	copy_str(dev->name, sizeof(dev->name), name);
	dev->configfs = true;
	dev->index = -1;
	read_int(sb_path(p, SB_CONFIGFS, "stackblk/%s/index", name), &dev->index);
	read_line(sb_path(p, SB_CONFIGFS, "stackblk/%s/backing", name),
		  dev->backing, sizeof(dev->backing));
	read_line(sb_path(p, SB_CONFIGFS, "stackblk/%s/stages", name),
		  dev->stages, sizeof(dev->stages));
	if (!read_int(sb_path(p, SB_CONFIGFS, "stackblk/%s/nr_hw_queues", name), &v))
		dev->nr_hctx = v;
	if (!read_int(sb_path(p, SB_CONFIGFS, "stackblk/%s/queue_depth", name), &v))
		dev->depth = v;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct cli_dev *x = a, *y = b;

	if ((x->index < 0) != (y->index < 0))
		return x->index < 0 ? 1 : -1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct cli_dev *append(struct cli_dev **devs, size_t *n)
{
	*devs = xrealloc(*devs, (*n + 1) * sizeof(**devs));
	memset(&(*devs)[*n], 0, sizeof(**devs));
	return &(*devs)[(*n)++];
}

int sb_dev_list(struct cli_dev **devs, size_t *n)
{
	char p[SB_PATH_MAX];
	struct dirent *de;
	DIR *d;

	*devs = NULL;
	*n = 0;
	d = opendir(sb_path(p, SB_CONFIGFS, "stackblk"));
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    !is_dir(sb_path(p, SB_CONFIGFS, "stackblk/%s", de->d_name)))
				continue;
			fill_configfs(append(devs, n), de->d_name);
		}
		closedir(d);
	}
	d = opendir(sb_path(p, SB_SYSFS, "block"));
	if (!d) {
		int err = -errno;

		free(*devs);
		*devs = NULL;
		*n = 0;
		return err;
	}
	while ((de = readdir(d))) {
		long idx = node_index(de->d_name);
		struct cli_dev *dev = NULL;

		if (idx < 0)
			continue;
		for (size_t i = 0; i < *n; i++)
			if ((*devs)[i].configfs && (*devs)[i].index == idx)
				dev = &(*devs)[i];
		if (!dev) {	/* created by "insmod stackblk backing=" */
			dev = append(devs, n);
			copy_str(dev->name, sizeof(dev->name), de->d_name);
			dev->index = idx;
		}
		fill_sysfs(dev);
	}
	closedir(d);
	if (*n)
		qsort(*devs, *n, sizeof(**devs), dev_cmp);
	return 0;
}

int sb_dev_find(const char *arg, struct cli_dev *dev)
{
	struct cli_dev *devs;
	size_t n, i;
	bool node_only = !strncmp(arg, "/dev/", 5);
	int ret;

	if (node_only)
		arg += 5;
	ret = sb_dev_list(&devs, &n);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < n && !node_only; i++)
		if (devs[i].configfs && !strcmp(devs[i].name, arg))
			goto found;
	for (i = 0; i < n; i++)
		if (devs[i].node[0] && !strcmp(devs[i].node, arg))
			goto found;
	free(devs);
	return ret;
found:
	*dev = devs[i];
	free(devs);
	return 0;
}

int sb_dev_open(const char *arg, struct cli_dev *dev)
{
	if (!sb_require_module())
		return EXIT_RUNTIME;
	if (sb_dev_find(arg, dev)) {
		sb_err("%s: no such stackblk device (see: stackblk list)", arg);
		return EXIT_RUNTIME;
	}
	if (dev->index < 0) {
		sb_err("%s: device is not powered (no /dev/stackblkN)", arg);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int sb_read_counters(const struct cli_dev *dev, struct sb_counters *out)
{
	char p[SB_PATH_MAX];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!is_dir(sb_path(p, SB_SYSFS, "block/%s/stackblk/stats", dev->node)))
		return -ENOENT;
	/* A counter this module version lacks reads as 0. */
	for (int i = 0; i < SB_NR_STATS; i++) {
		ret = read_u64(sb_path(p, SB_SYSFS, "block/%s/stackblk/stats/%s",
				       dev->node, sb_counter_names[i]), &out->c[i]);
		if (ret && ret != -ENOENT)
			return ret;
	}
	for (int i = 0; i < SB_NR_GAUGES; i++) {
		ret = read_u64(sb_path(p, SB_SYSFS, "block/%s/stackblk/stats/%s",
				       dev->node, sb_gauge_names[i]), &out->g[i]);
		if (ret && ret != -ENOENT)
			return ret;
	}
	return 0;
}

int sb_debugfs_read(const struct cli_dev *dev, const char *file, char **text)
{
	char p[SB_PATH_MAX];

	return read_text(sb_path(p, SB_DEBUGFS, "stackblk/%s/%s", dev->node, file), text);
}

const char *sb_debugfs_why(int err)
{
	switch (-err) {
	case EACCES:
	case EPERM:
		return "debugfs is readable by root only";
	case ENOENT:
		return "debugfs not mounted (mount -t debugfs none /sys/kernel/debug) or file missing";
	case EINVAL:
		return "unexpected debugfs format";
	default:
		return strerror(-err);
	}
}
