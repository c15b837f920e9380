/* SPDX-License-Identifier: GPL-2.0 */
/* msix.h - CPU lists, /proc/interrupts, and the backing NVMe's MSI-X vectors. */
#ifndef SB_MSIX_H
#define SB_MSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define SB_MAX_CPUS 8192

struct cpuset {
	uint64_t w[SB_MAX_CPUS / 64];
};

/* "0-3,8,10-11" -> set; false on junk.  An empty string is the empty set. */
bool cpulist_parse(const char *s, struct cpuset *set);
bool cpuset_has(const struct cpuset *set, long cpu);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *b);	/* a within b */
bool cpuset_empty(const struct cpuset *set);

/* One numbered line of /proc/interrupts. */
struct irq_line {
	long irq;
	uint64_t *counts;	/* one per CPU column */
	char chip[64];		/* "PCI-MSIX-0000:00:04.0" (6.12), "PCI-MSI" (6.1), ... */
	char name[192];		/* action names: "nvme0q1" */
};

struct interrupts {
	size_t ncpus;		/* CPU columns (online CPUs) */
	long *cpu;		/* CPU number of each column */
	size_t n;
	struct irq_line *lines;
};

int interrupts_parse(const char *text, struct interrupts *out);
int interrupts_read(struct interrupts *out);	/* from $STACKBLK_PROCFS/interrupts */
void interrupts_free(struct interrupts *in);
const struct irq_line *interrupts_find(const struct interrupts *in, long irq);
/* @out: a copy of @cur whose counts are the deltas from @prev (u64_delta per line). */
void interrupts_delta(const struct interrupts *prev, const struct interrupts *cur,
		      struct interrupts *out);

/* One I/O queue vector of the backing NVMe controller. */
struct msix_vector {
	long irq;
	int queue;		/* N of nvmeXqN (>= 1) */
	long hctx;		/* backing hctx served (N - 1), -1 if it has none */
	char name[32];		/* "nvme0q1" */
	char mode[8];		/* "msix" or "msi" (content of msi_irqs/<irq>) */
	char effective[128];	/* /proc/irq/<irq>/effective_affinity_list */
	char cpu_list[128];	/* mq/<hctx>/cpu_list of the backing, "" if no hctx */
	bool verified;		/* effective affinity lies within the hctx's cpu_list */
	char nodes[64];		/* NUMA nodes of the effective CPUs ("0", "0,1"), "" unknown */
};

struct msix_info {
	char disk[64];		/* backing disk with an mq/ directory */
	char pci[64];		/* PCI device name, "" when there is none */
	char reason[160];	/* why there are no vectors, "" otherwise */
	char node[16];		/* NUMA node of the backing device ("-1": none), "" unknown */
	long nr_hctx;		/* backing hardware contexts */
	long admin_irq;		/* nvmeXq0, -1 if not found */
	size_t n;
	struct msix_vector *vec;	/* sorted by queue */
};

/* Discover the MSI-X I/O queue vectors of backing device @backing (kernel name). */
int msix_discover(const char *backing, const struct interrupts *in, struct msix_info *out);
void msix_free(struct msix_info *m);

#endif
