/* SPDX-License-Identifier: GPL-2.0 */
/* affinity.h - one reading of the completion matrix and the backing's MSI-X vectors (affinity, record). */
#ifndef SB_AFFINITY_H
#define SB_AFFINITY_H

#include "debugfs.h"
#include "device.h"
#include "msix.h"

/* Everything one report shows: counts are totals or interval deltas. */
struct affinity {
	int comp_err;			/* 0: comp valid */
	struct sb_completion comp;
	int intr_err;			/* 0: intr valid */
	struct interrupts intr;
	struct msix_info msix;
	bool reset;
};

/* Read debugfs completion, /proc/interrupts and the MSI-X vectors of @dev's backing. */
void affinity_take(const struct cli_dev *dev, struct affinity *a);
void affinity_free(struct affinity *a);

#endif
