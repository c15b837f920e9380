/* SPDX-License-Identifier: GPL-2.0 */
/* device.h - finding stackblk devices (configfs + sysfs) and reading their counters. */
#ifndef SB_DEVICE_H
#define SB_DEVICE_H

#include "stackblk_stats.h"
#include "util.h"

extern const char *const sb_counter_names[SB_NR_STATS];
extern const char *const sb_gauge_names[SB_NR_GAUGES];

/* A stackblk device as the CLI sees it (not the module's struct sb_dev). */
struct cli_dev {
	char name[256];		/* configfs item name, or node for module-parameter devices */
	char node[32];		/* "stackblkN", "" while not powered */
	long index;		/* N, -1 while not powered */
	bool configfs;		/* has a configfs item */
	char backing[SB_PATH_MAX]; /* kernel name when powered, configfs value otherwise */
	char stages[128];	/* comma separated, "" for passthrough */
	uint64_t size;		/* bytes, 0 while not powered */
	long nr_hctx;		/* hardware contexts (0 while not powered: configured value) */
	long depth;		/* tags per hardware context */
};

struct sb_counters {
	uint64_t c[SB_NR_STATS];
	uint64_t g[SB_NR_GAUGES];
};

bool sb_module_loaded(void);
/* Print the "module not loaded" message and return false when it is absent. */
bool sb_require_module(void);
/* Say once on stderr when the module parameter collect is 0. */
void sb_note_collect(void);

/* All devices: powered ones by index, then unpowered configfs items by name. */
int sb_dev_list(struct cli_dev **devs, size_t *n);
/* Find by configfs name, "stackblkN" or "/dev/stackblkN": 0 or -ENOENT. */
int sb_dev_find(const char *arg, struct cli_dev *dev);
/* Module check + find + must be powered; prints the reason.  Returns an exit status. */
int sb_dev_open(const char *arg, struct cli_dev *dev);

int sb_read_counters(const struct cli_dev *dev, struct sb_counters *out);
/* Read debugfs file @file of @dev: 0 or -errno. */
int sb_debugfs_read(const struct cli_dev *dev, const char *file, char **text);
/* Human explanation of a debugfs read error. */
const char *sb_debugfs_why(int err);

#endif
