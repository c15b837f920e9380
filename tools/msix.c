// SPDX-License-Identifier: GPL-2.0
/* msix.c - CPU lists, /proc/interrupts, and the backing NVMe's MSI-X vectors. */
#include "msix.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cpulist_parse(const char *s, struct cpuset *set)
{
	char *end;

	memset(set, 0, sizeof(*set));
	while (*s && *s != '\n') {
		long lo, hi;

		errno = 0;
		lo = hi = strtol(s, &end, 10);
		if (end == s || errno)
			return false;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s || errno)
				return false;
		}
		if (lo < 0 || hi < lo || hi >= SB_MAX_CPUS)
			return false;
		for (long c = lo; c <= hi; c++)
			set->w[c / 64] |= 1ull << (c % 64);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return false;
	}
	return true;
}

bool cpuset_has(const struct cpuset *set, long cpu)
{
	return cpu >= 0 && cpu < SB_MAX_CPUS && (set->w[cpu / 64] >> (cpu % 64)) & 1;
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < SB_MAX_CPUS / 64; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

bool cpuset_empty(const struct cpuset *set)
{
	for (size_t i = 0; i < SB_MAX_CPUS / 64; i++)
		if (set->w[i])
			return false;
	return true;
}

/* Header "CPU0 CPU1 ..." -> column CPU numbers. */
static int parse_header(char *line, struct interrupts *in)
{
	char *save, *tok;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *end;
		long cpu;

		if (strncmp(tok, "CPU", 3))
			return -EINVAL;
		cpu = strtol(tok + 3, &end, 10);
		if (end == tok + 3 || *end)
			return -EINVAL;
		in->cpu = xrealloc(in->cpu, (in->ncpus + 1) * sizeof(*in->cpu));
		in->cpu[in->ncpus++] = cpu;
	}
	return in->ncpus ? 0 : -EINVAL;
}

/* "  24:   0   5   PCI-MSIX-0000:00:04.0   0-edge      nvme0q0" */
static int parse_irq_line(char *line, struct interrupts *in)
{
	struct irq_line *l;
	char *p, *end, *rest, *hw;
	long irq;

	p = line + strspn(line, " ");
	irq = strtol(p, &end, 10);
	if (end == p || *end != ':')
		return 0;	/* NMI:, LOC:, ERR: ... */
	in->lines = xrealloc(in->lines, (in->n + 1) * sizeof(*in->lines));
	l = &in->lines[in->n++];
	memset(l, 0, sizeof(*l));
	l->irq = irq;
	l->counts = xcalloc(in->ncpus, sizeof(*l->counts));
	p = end + 1;
	for (size_t c = 0; c < in->ncpus; c++) {
		l->counts[c] = strtoull(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	/* chip, then optionally "<hwirq>-<flow>", then the action names */
	p += strspn(p, " \t");
	rest = p + strcspn(p, " \t");
	snprintf(l->chip, sizeof(l->chip), "%.*s", (int)(rest - p), p);
	rest += strspn(rest, " \t");
	hw = rest + strcspn(rest, " \t");
	if (isdigit((unsigned char)*rest) && memchr(rest, '-', hw - rest))
		rest = hw + strspn(hw, " \t");
	snprintf(l->name, sizeof(l->name), "%s", rest);
	return 0;
}

int interrupts_parse(const char *text, struct interrupts *in)
{
	char *buf = xstrdup(text), *save, *line;
	int ret = -EINVAL;

	memset(in, 0, sizeof(*in));
	line = strtok_r(buf, "\n", &save);
	if (line)
		ret = parse_header(line, in);
	while (!ret && (line = strtok_r(NULL, "\n", &save)))
		ret = parse_irq_line(line, in);
	free(buf);
	if (ret)
		interrupts_free(in);
	return ret;
}

int interrupts_read(struct interrupts *in)
{
	char p[SB_PATH_MAX], *text;
	int ret = read_text(sb_path(p, SB_PROCFS, "interrupts"), &text);

	memset(in, 0, sizeof(*in));
	if (ret)
		return ret;
	ret = interrupts_parse(text, in);
	free(text);
	return ret;
}

void interrupts_free(struct interrupts *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->lines[i].counts);
	free(in->lines);
	free(in->cpu);
	memset(in, 0, sizeof(*in));
}

const struct irq_line *interrupts_find(const struct interrupts *in, long irq)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->lines[i].irq == irq)
			return &in->lines[i];
	return NULL;
}

/* The disk holding the mq/ directory: the backing itself, its parent for a
 * partition, or the first path device (nvmeXcYnZ) of a multipath head. */
static bool find_mq_disk(const char *backing, char *disk, size_t n)
{
	char p[SB_PATH_MAX], real[PATH_MAX];
	unsigned s, ns;
	struct dirent *de;
	DIR *d;

	copy_str(disk, n, backing);
	if (path_exists(sb_path(p, SB_SYSFS, "class/block/%s/partition", backing)) &&
	    realpath(sb_path(p, SB_SYSFS, "class/block/%s/..", backing), real))
		copy_str(disk, n, basename(real));
	if (is_dir(sb_path(p, SB_SYSFS, "block/%s/mq", disk)))
		return true;
	if (sscanf(disk, "nvme%un%u", &s, &ns) != 2)
		return false;
	d = opendir(sb_path(p, SB_SYSFS, "block"));
	if (!d)
		return false;
	while ((de = readdir(d))) {
		unsigned s2, c, ns2;
		char tail;

		if (sscanf(de->d_name, "nvme%uc%un%u%c", &s2, &c, &ns2, &tail) == 3 &&
		    s2 == s && ns2 == ns &&
		    is_dir(sb_path(p, SB_SYSFS, "block/%s/mq", de->d_name))) {
			copy_str(disk, n, de->d_name);
			break;
		}
	}
	closedir(d);
	return is_dir(sb_path(p, SB_SYSFS, "block/%s/mq", disk));
}

static long count_numbered(const char *dir)
{
	struct dirent *de;
	long n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			n++;
	closedir(d);
	return n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Sorted IRQ numbers listed in <pci>/msi_irqs/. */
static size_t list_msi_irqs(const char *dir, long **irqs)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	*irqs = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		*irqs = xrealloc(*irqs, (n + 1) * sizeof(**irqs));
		(*irqs)[n++] = strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	if (n)
		qsort(*irqs, n, sizeof(**irqs), cmp_long);
	return n;
}

/* Every "nvme<c>q<N>" among the comma/space separated action names. */
static size_t nvme_queues(const char *names, char tok[][32], int *queue, size_t max)
{
	char *buf = xstrdup(names), *save, *t;
	size_t n = 0;

	for (t = strtok_r(buf, ", \t", &save); t && n < max; t = strtok_r(NULL, ", \t", &save)) {
		unsigned c;
		int q, len = 0;

		if (sscanf(t, "nvme%uq%d%n", &c, &q, &len) == 2 && t[len] == '\0' && q >= 0) {
			copy_str(tok[n], 32, t);
			queue[n++] = q;
		}
	}
	free(buf);
	return n;
}

static int cmp_vec(const void *a, const void *b)
{
	const struct msix_vector *x = a, *y = b;

	return (x->queue > y->queue) - (x->queue < y->queue);
}

/* The NUMA nodes (devices/system/node/nodeN/cpulist) holding any CPU of @cpus. */
static void cpu_nodes(const struct cpuset *cpus, char *out, size_t n)
{
	char p[SB_PATH_MAX], list[4096];
	size_t len = 0;
	struct cpuset node;
	int miss = 0;

	out[0] = '\0';
	for (long nd = 0; miss < 64 && len < n; nd++) {
		if (read_line(sb_path(p, SB_SYSFS, "devices/system/node/node%ld/cpulist", nd),
			      list, sizeof(list)) || !cpulist_parse(list, &node)) {
			miss++;		/* node numbers may have holes */
			continue;
		}
		for (size_t w = 0; w < sizeof(node.w) / sizeof(node.w[0]); w++)
			if (node.w[w] & cpus->w[w]) {
				len += snprintf(out + len, n - len, "%s%ld", len ? "," : "", nd);
				break;
			}
	}
}

static void add_vector(struct msix_info *m, const char *disk, long irq, const char *pci,
		       const char *name, int queue)
{
	char p[SB_PATH_MAX];
	struct msix_vector *v;
	struct cpuset eff, hctx;

	m->vec = xrealloc(m->vec, (m->n + 1) * sizeof(*m->vec));
	v = &m->vec[m->n++];
	memset(v, 0, sizeof(*v));
	v->irq = irq;
	v->queue = queue;
	v->hctx = queue - 1 < m->nr_hctx ? queue - 1 : -1;
	copy_str(v->name, sizeof(v->name), name);
	read_line(sb_path(p, SB_SYSFS, "%s/msi_irqs/%ld", pci, irq), v->mode, sizeof(v->mode));
	if (read_line(sb_path(p, SB_PROCFS, "irq/%ld/effective_affinity_list", irq),
		      v->effective, sizeof(v->effective)))
		read_line(sb_path(p, SB_PROCFS, "irq/%ld/smp_affinity_list", irq),
			  v->effective, sizeof(v->effective));
	if (v->hctx >= 0)
		read_line(sb_path(p, SB_SYSFS, "block/%s/mq/%ld/cpu_list", disk, v->hctx),
			  v->cpu_list, sizeof(v->cpu_list));
	if (v->effective[0] && cpulist_parse(v->effective, &eff))
		cpu_nodes(&eff, v->nodes, sizeof(v->nodes));
	v->verified = v->effective[0] && v->cpu_list[0] &&
		      cpulist_parse(v->effective, &eff) && cpulist_parse(v->cpu_list, &hctx) &&
		      !cpuset_empty(&eff) && cpuset_subset(&eff, &hctx);
}

int msix_discover(const char *backing, const struct interrupts *in, struct msix_info *m)
{
	static const char *const pci_candidates[] = { "device/device", "device" };
	char p[SB_PATH_MAX], pci[SB_PATH_MAX], real[PATH_MAX];
	long *irqs = NULL;
	size_t nirqs = 0;
	bool mq;

	memset(m, 0, sizeof(*m));
	m->admin_irq = -1;
	mq = find_mq_disk(backing, m->disk, sizeof(m->disk));
	if (read_line(sb_path(p, SB_SYSFS, "block/%s/device/numa_node", m->disk),
		      m->node, sizeof(m->node)))
		m->node[0] = '\0';
	if (!mq) {
		snprintf(m->reason, sizeof(m->reason),
			 "backing %s is not a blk-mq device", backing);
		return 0;
	}
	m->nr_hctx = count_numbered(sb_path(p, SB_SYSFS, "block/%s/mq", m->disk));
	for (size_t i = 0; i < sizeof(pci_candidates) / sizeof(pci_candidates[0]); i++) {
		snprintf(pci, sizeof(pci), "block/%s/%s", m->disk, pci_candidates[i]);
		nirqs = list_msi_irqs(sb_path(p, SB_SYSFS, "%s/msi_irqs", pci), &irqs);
		if (nirqs)
			break;
	}
	if (!nirqs) {
		snprintf(m->reason, sizeof(m->reason),
			 "backing %s is not a PCI device: it has no MSI-X vectors", m->disk);
		return 0;
	}
	if (realpath(sb_path(p, SB_SYSFS, "%s", pci), real))
		copy_str(m->pci, sizeof(m->pci), basename(real));
	if (!m->node[0] &&
	    read_line(sb_path(p, SB_SYSFS, "%s/numa_node", pci), m->node, sizeof(m->node)))
		m->node[0] = '\0';
	for (size_t i = 0; i < nirqs; i++) {
		const struct irq_line *l = interrupts_find(in, irqs[i]);
		char tok[8][32];
		int queue[8];
		size_t nq;

		if (!l)
			continue;	/* allocated but not requested */
		nq = nvme_queues(l->name, tok, queue, 8);
		for (size_t q = 0; q < nq; q++) {
			if (queue[q] == 0)
				m->admin_irq = irqs[i];
			else
				add_vector(m, m->disk, irqs[i], pci, tok[q], queue[q]);
		}
	}
	free(irqs);
	if (m->n)
		qsort(m->vec, m->n, sizeof(*m->vec), cmp_vec);
	else
		snprintf(m->reason, sizeof(m->reason),
			 "no NVMe I/O queue vectors (nvmeXqN) among the MSI-X vectors of %s",
			 m->pci[0] ? m->pci : m->disk);
	return 0;
}

void msix_free(struct msix_info *m)
{
	free(m->vec);
	m->vec = NULL;
	m->n = 0;
}

void interrupts_delta(const struct interrupts *prev, const struct interrupts *cur,
		      struct interrupts *out)
{
	bool same_cpus = prev->ncpus == cur->ncpus &&
			 !memcmp(prev->cpu, cur->cpu, cur->ncpus * sizeof(*cur->cpu));

	out->ncpus = cur->ncpus;
	out->n = cur->n;
	out->cpu = xcalloc(cur->ncpus, sizeof(*out->cpu));
	memcpy(out->cpu, cur->cpu, cur->ncpus * sizeof(*out->cpu));
	out->lines = xcalloc(cur->n, sizeof(*out->lines));
	for (size_t i = 0; i < cur->n; i++) {
		const struct irq_line *c = &cur->lines[i];
		const struct irq_line *p = same_cpus ? interrupts_find(prev, c->irq) : NULL;
		struct irq_line *o = &out->lines[i];

		*o = *c;
		o->counts = xcalloc(cur->ncpus, sizeof(*o->counts));
		if (p)
			u64_delta(p->counts, c->counts, o->counts, cur->ncpus);
		else
			memcpy(o->counts, c->counts, cur->ncpus * sizeof(*o->counts));
	}
}
