// SPDX-License-Identifier: GPL-2.0
/* cmd_affinity.c - "affinity": completion locality matrix and the backing's MSI-X vectors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "affinity.h"
#include "cli.h"
#include "debugfs.h"
#include "device.h"
#include "fmt.h"
#include "json.h"
#include "msix.h"
#include "sample.h"

static const char affinity_usage[] =
"Usage: stackblk affinity DEV [interval [count]] [-i SECONDS [-c COUNT]] [-t] [--json]\n"
"The submit-CPU x backing-completion-CPU matrix, the shares completed on the\n"
"submitting CPU, on a cache-sharing CPU and remote, and on another NUMA node\n"
"than the submitting CPU's; the backing device's NUMA node, and for each\n"
"hardware queue of the backing NVMe: its MSI-X vector (IRQ, nvmeXqN), effective\n"
"affinity and its NUMA node, the hctx's cpu_list and interrupts per CPU.  The\n"
"matrix needs debugfs (root).\n\n"
"  -i, --interval SECONDS   report deltas every SECONDS\n"
"  -c, --count COUNT        stop after COUNT reports\n"
"  -t, --timestamp          print the local time before each report\n"
"  -j, --json               one JSON object per report (NDJSON)\n"
"  -h, --help               this help\n"
"Exit status 3 when a vector's effective affinity lies outside its hardware\n"
"context's cpu_list (CHECK MISMATCH).\n";

void affinity_take(const struct cli_dev *dev, struct affinity *a)
{
	char *text;

	memset(a, 0, sizeof(*a));
	a->comp_err = sb_debugfs_read(dev, "completion", &text);
	if (!a->comp_err) {
		a->comp_err = parse_completion(text, &a->comp);
		free(text);
	}
	a->intr_err = interrupts_read(&a->intr);
	msix_discover(dev->backing, &a->intr, &a->msix);
}

void affinity_free(struct affinity *a)
{
	completion_free(&a->comp);
	interrupts_free(&a->intr);
	msix_free(&a->msix);
}

/* @out = @cur with counts replaced by deltas from @prev; the MSI-X map is moved over. */
static void affinity_delta(struct affinity *prev, struct affinity *cur, struct affinity *out)
{
	memset(out, 0, sizeof(*out));
	out->comp_err = cur->comp_err ? cur->comp_err : prev->comp_err;
	if (!out->comp_err)
		out->reset = completion_delta(&prev->comp, &cur->comp, &out->comp);
	out->intr_err = cur->intr_err ? cur->intr_err : prev->intr_err;
	if (!out->intr_err)
		interrupts_delta(&prev->intr, &cur->intr, &out->intr);
	out->msix = cur->msix;
	memset(&cur->msix, 0, sizeof(cur->msix));
}

static uint64_t sum3(const uint64_t *v)
{
	return v[SB_SAME] + v[SB_SHARED] + v[SB_REMOTE];
}

static void print_locality(FILE *f, const struct sb_completion *c)
{
	struct table t;
	char buf[FMT_LEN];
	const uint64_t *rows[] = { c->backing, c->complete };
	const uint64_t *nodes[] = { c->backing_node, c->complete_node };
	const char *names[] = { "backing completion", "stackblk completion" };

	table_init(&t, "lrrrrr");
	table_cell(&t, "vs submitting CPU");
	table_cell(&t, "same");
	table_cell(&t, "shared");
	table_cell(&t, "remote");
	table_cell(&t, "requests");
	table_cell(&t, "remote node");
	for (int r = 0; r < 2; r++) {
		table_cell(&t, "%s", names[r]);
		for (int k = 0; k < SB_NR_LOCALITY; k++)
			table_cell(&t, "%s", fmt_pct(buf, rows[r][k], sum3(rows[r])));
		table_cell(&t, "%llu", (unsigned long long)sum3(rows[r]));
		table_cell(&t, "%s", !c->have_node ? "-" :
			   fmt_pct(buf, nodes[r][SB_REMOTE_NODE],
				   nodes[r][SB_SAME_NODE] + nodes[r][SB_REMOTE_NODE]));
	}
	table_print(&t, f);
	table_free(&t);
}

static void print_matrix(FILE *f, const struct sb_completion *c)
{
	struct table t;
	char *align = xmalloc(c->cols + 2);

	memset(align, 'r', c->cols + 1);
	align[c->cols + 1] = '\0';
	table_init(&t, align);
	table_cell(&t, "submit\\compl");
	for (size_t col = 0; col < c->cols; col++)
		table_cell(&t, "cpu%llu", (unsigned long long)(col * (c->group ? c->group : 1)));
	for (size_t r = 0; r < c->rows; r++) {
		table_cell(&t, "cpu%llu", (unsigned long long)c->row_cpu[r]);
		for (size_t col = 0; col < c->cols; col++)
			table_cell(&t, "%llu", (unsigned long long)c->m[r * c->cols + col]);
	}
	table_print(&t, f);
	table_free(&t);
	free(align);
}

/* "0:1200 3:5" for the CPUs that took any interrupt; "-" for none. */
static void per_cpu(char *buf, size_t n, const struct interrupts *in, const struct irq_line *l,
		    uint64_t *total)
{
	size_t len = 0;

	*total = 0;
	buf[0] = '\0';
	for (size_t c = 0; l && c < in->ncpus; c++) {
		*total += l->counts[c];
		if (l->counts[c] && len < n)
			len += snprintf(buf + len, n - len, "%s%ld:%llu", len ? " " : "",
					in->cpu[c], (unsigned long long)l->counts[c]);
	}
	if (!buf[0])
		snprintf(buf, n, "-");
}

static void print_msix(FILE *f, const struct cli_dev *dev, const struct affinity *a)
{
	const struct msix_info *m = &a->msix;
	struct table t;
	char buf[512];

	if (a->intr_err) {
		fprintf(f, "MSI-X vectors: cannot read %s/interrupts: %s\n", sb_root(SB_PROCFS),
			strerror(-a->intr_err));
		return;
	}
	fprintf(f, "backing %s: NUMA node %s\n", dev->backing, m->node[0] ? m->node : "?");
	if (!m->n) {
		fprintf(f, "MSI-X vectors: %s\n", m->reason);
		return;
	}
	fprintf(f, "MSI-X vectors of %s (PCI %s, %ld hardware contexts)", dev->backing,
		m->pci[0] ? m->pci : "?", m->nr_hctx);
	if (m->admin_irq >= 0)
		fprintf(f, "; admin queue on irq %ld is not an I/O queue", m->admin_irq);
	fprintf(f, ":\n");
	table_init(&t, "rlrlllllrl");
	table_cell(&t, "HCTX");
	table_cell(&t, "VECTOR");
	table_cell(&t, "IRQ");
	table_cell(&t, "EFFECTIVE");
	table_cell(&t, "NODE");
	table_cell(&t, "CPU_LIST");
	table_cell(&t, "MODE");
	table_cell(&t, "CHECK");
	table_cell(&t, "INTERRUPTS");
	table_cell(&t, "PER_CPU");
	for (size_t i = 0; i < m->n; i++) {
		const struct msix_vector *v = &m->vec[i];
		uint64_t total;

		per_cpu(buf, sizeof(buf), &a->intr, interrupts_find(&a->intr, v->irq), &total);
		if (v->hctx >= 0)
			table_cell(&t, "%ld", v->hctx);
		else
			table_cell(&t, "-");
		table_cell(&t, "%s", v->name);
		table_cell(&t, "%ld", v->irq);
		table_cell(&t, "%s", v->effective[0] ? v->effective : "?");
		table_cell(&t, "%s", v->nodes[0] ? v->nodes : "?");
		table_cell(&t, "%s", v->cpu_list[0] ? v->cpu_list : "-");
		table_cell(&t, "%s", v->mode[0] ? v->mode : "?");
		table_cell(&t, "%s", v->hctx < 0 ? "no-hctx" : v->verified ? "ok" : "MISMATCH");
		table_cell(&t, "%llu", (unsigned long long)total);
		table_cell(&t, "%s", buf);
	}
	table_print(&t, f);
	table_free(&t);
}

static void affinity_print(FILE *f, const struct cli_dev *dev, const struct affinity *a,
		    double interval)
{
	fprintf(f, "%s -> %s%s%s\n", dev->node, dev->backing,
		interval > 0 ? ", last interval" : ", since reset",
		a->reset ? " (counters were reset: since the reset)" : "");
	if (a->comp_err) {
		fprintf(f, "completion matrix unavailable: %s\n", sb_debugfs_why(a->comp_err));
	} else {
		fprintf(f, "\ncompletion locality (%llu CPUs, %llu per row/column):\n",
			(unsigned long long)a->comp.ncpus, (unsigned long long)a->comp.group);
		print_locality(f, &a->comp);
		fprintf(f, "\nrequests by submit CPU (rows) x backing completion CPU (columns), "
			   "total %llu:\n",
			(unsigned long long)completion_matrix_total(&a->comp));
		print_matrix(f, &a->comp);
	}
	fputc('\n', f);
	print_msix(f, dev, a);
}

static void json_locality(struct json *j, const char *key, const uint64_t *v)
{
	json_obj(j, key);
	for (int k = 0; k < SB_NR_LOCALITY; k++)
		json_u64(j, sb_locality_names[k], v[k]);
	json_end(j, '}');
}

static void json_completion(struct json *j, const struct sb_completion *c)
{
	json_obj(j, "completion");
	json_u64(j, "ncpus", c->ncpus);
	json_u64(j, "group", c->group);
	json_locality(j, "backing", c->backing);
	json_locality(j, "complete", c->complete);
	json_node_locality(j, c);
	json_obj(j, "matrix");
	json_arr(j, "row_cpus");
	for (size_t r = 0; r < c->rows; r++)
		json_u64(j, NULL, c->row_cpu[r]);
	json_end(j, ']');
	json_arr(j, "col_cpus");
	for (size_t col = 0; col < c->cols; col++)
		json_u64(j, NULL, col * (c->group ? c->group : 1));
	json_end(j, ']');
	json_arr(j, "rows");
	for (size_t r = 0; r < c->rows; r++) {
		json_arr(j, NULL);
		for (size_t col = 0; col < c->cols; col++)
			json_u64(j, NULL, c->m[r * c->cols + col]);
		json_end(j, ']');
	}
	json_end(j, ']');
	json_u64(j, "total", completion_matrix_total(c));
	json_end(j, '}');
	json_end(j, '}');
}

static void json_msix(struct json *j, const struct affinity *a)
{
	const struct msix_info *m = &a->msix;

	json_obj(j, "msix");
	json_str(j, "disk", m->disk);
	if (m->pci[0])
		json_str(j, "pci", m->pci);
	else
		json_null(j, "pci");
	if (a->intr_err)
		json_str(j, "reason", strerror(-a->intr_err));
	else if (m->reason[0])
		json_str(j, "reason", m->reason);
	else
		json_null(j, "reason");
	json_i64(j, "hw_queues", m->nr_hctx);
	if (m->node[0])
		json_i64(j, "numa_node", strtol(m->node, NULL, 10));
	else
		json_null(j, "numa_node");
	if (m->admin_irq >= 0)
		json_i64(j, "admin_irq", m->admin_irq);
	else
		json_null(j, "admin_irq");
	json_arr(j, "cpus");
	for (size_t c = 0; c < a->intr.ncpus; c++)
		json_i64(j, NULL, a->intr.cpu[c]);
	json_end(j, ']');
	json_arr(j, "vectors");
	for (size_t i = 0; i < m->n; i++) {
		const struct msix_vector *v = &m->vec[i];
		const struct irq_line *l = interrupts_find(&a->intr, v->irq);
		uint64_t total = 0;

		json_obj(j, NULL);
		if (v->hctx >= 0)
			json_i64(j, "hctx", v->hctx);
		else
			json_null(j, "hctx");
		json_i64(j, "queue", v->queue);
		json_str(j, "name", v->name);
		json_i64(j, "irq", v->irq);
		json_str(j, "mode", v->mode);
		json_str(j, "effective_affinity", v->effective);
		json_str(j, "numa_nodes", v->nodes);
		json_str(j, "cpu_list", v->cpu_list);
		json_bool(j, "verified", v->verified);
		json_arr(j, "interrupts");
		for (size_t c = 0; l && c < a->intr.ncpus; c++) {
			json_u64(j, NULL, l->counts[c]);
			total += l->counts[c];
		}
		json_end(j, ']');
		json_u64(j, "total", total);
		json_end(j, '}');
	}
	json_end(j, ']');
	json_end(j, '}');
}

static void affinity_json(FILE *f, const struct cli_dev *dev, const struct affinity *a,
		   double interval)
{
	struct json j;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "version", STACKBLK_VERSION);
	json_num(&j, "time", now_wall());
	json_str(&j, "device", dev->node);
	json_str(&j, "backing", dev->backing);
	if (interval > 0)
		json_num(&j, "interval", interval);
	else
		json_null(&j, "interval");
	json_bool(&j, "reset", a->reset);
	if (a->comp_err)
		json_null(&j, "completion");
	else
		json_completion(&j, &a->comp);
	json_msix(&j, a);
	json_end(&j, '}');
}

static void show(const struct cli_dev *dev, const struct affinity *a, const struct sample_opts *o)
{
	if (o->timestamp && !o->json)
		print_timestamp();
	if (o->json)
		affinity_json(stdout, dev, a, o->interval);
	else
		affinity_print(stdout, dev, a, o->interval);
	fflush(stdout);
}

/* I/O queue vectors whose effective affinity lies outside their hctx's CPUs. */
static size_t mismatches(const struct affinity *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->msix.n; i++)
		n += a->msix.vec[i].hctx >= 0 && !a->msix.vec[i].verified;
	return n;
}

/* Exit status after the reports: EXIT_MISMATCH, said once on stderr. */
static int verdict(size_t bad)
{
	if (!bad)
		return EXIT_OK;
	sb_err("affinity: %zu MSI-X vector%s interrupt%s CPUs outside %s hardware context's cpu_list (CHECK MISMATCH)",
	       bad, bad == 1 ? "" : "s", bad == 1 ? "s" : "", bad == 1 ? "its" : "their");
	return EXIT_MISMATCH;
}

int cmd_affinity(int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	struct affinity prev, cur, delta;
	struct cli_dev dev;
	size_t bad, n;
	int ret = parse_sample_opts(&argc, argv, "affinity", affinity_usage, &o, true);

	if (ret >= 0)
		return ret;
	if (optind != argc - 1)
		return usage_error("affinity", optind >= argc ? "missing DEV" : "too many arguments");
	ret = sb_dev_open(argv[optind], &dev);
	if (ret)
		return ret;
	sb_note_collect();
	affinity_take(&dev, &cur);
	if (cur.comp_err)
		sb_err("affinity: completion matrix unavailable: %s", sb_debugfs_why(cur.comp_err));
	bad = mismatches(&cur);
	if (o.interval <= 0) {
		show(&dev, &cur, &o);
		affinity_free(&cur);
		return verdict(bad);
	}
	for (long r = 1; o.count < 0 || r <= o.count; r++) {
		sleep_seconds(o.interval);
		prev = cur;
		affinity_take(&dev, &cur);
		if (cur.comp_err && !prev.comp_err) {
			/* removed meanwhile: an error, as depth and latency say */
			sb_err("affinity: %s: completion matrix gone: %s", dev.node,
			       sb_debugfs_why(cur.comp_err));
			affinity_free(&prev);
			affinity_free(&cur);
			return EXIT_RUNTIME;
		}
		n = mismatches(&cur);
		if (n > bad)
			bad = n;
		affinity_delta(&prev, &cur, &delta);
		if (r > 1 && !o.json)
			putchar('\n');
		show(&dev, &delta, &o);
		affinity_free(&delta);
		affinity_free(&prev);
	}
	affinity_free(&cur);
	return verdict(bad);
}
