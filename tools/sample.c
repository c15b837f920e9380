// SPDX-License-Identifier: GPL-2.0
/* sample.c - counter samples, interval metrics, and their table/JSON forms (stat, top). */
#include "sample.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static_assert(sizeof(struct sb_latency) % sizeof(uint64_t) == 0 &&
	      sizeof(struct sb_lat_hist) == (2 + SB_LAT_FINE_BUCKETS) * sizeof(uint64_t),
	      "struct sb_latency must be an array of u64");

#define MB 1e6

const double metrics_pcts[METRICS_NR_PCTS] = { 0.50, 0.99, 0.999 };
const char *const metrics_pct_keys[METRICS_NR_PCTS] = { "p50", "p99", "p999" };

int sample_take(const struct cli_dev *dev, struct sb_sample *s)
{
	char *text;
	int ret;

	memset(s, 0, sizeof(*s));
	s->t = now_mono();
	ret = sb_read_counters(dev, &s->cnt);
	if (ret)
		return ret;
	s->lat_err = sb_debugfs_read(dev, "latency_fine", &text);
	if (s->lat_err == -ENOENT)	/* a module from before latency_fine */
		s->lat_err = sb_debugfs_read(dev, "latency", &text);
	if (!s->lat_err) {
		s->lat_err = parse_latency(text, &s->lat);
		free(text);
	}
	s->comp_err = sb_debugfs_read(dev, "completion", &text);
	if (!s->comp_err) {
		s->comp_err = parse_completion(text, &s->comp);
		free(text);
		completion_free(&s->comp);	/* the totals are kept, not the matrix */
		if (!s->comp_err && !s->comp.have_node)
			s->comp_err = -ENOENT;	/* a module from before the node counters */
	}
	return 0;
}

void latency_path_sum(const struct sb_latency *lat, int path, uint64_t *b)
{
	memset(b, 0, SB_LAT_FINE_BUCKETS * sizeof(*b));
	for (int o = 0; o < SB_NR_OPS; o++)
		for (int i = 0; i < SB_LAT_FINE_BUCKETS; i++)
			b[i] += lat->h[path][o].b[i];
}

static double ratio(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : -1;
}

#define C(name) m->c[SB_STAT_##name]

void metrics_compute(const struct sb_sample *prev, const struct sb_sample *cur,
		     struct sb_metrics *m)
{
	static const struct sb_latency zero_lat;
	struct sb_latency lat;

	memset(m, 0, sizeof(*m));
	memcpy(m->g, cur->cnt.g, sizeof(m->g));
	if (prev) {
		m->interval = cur->t - prev->t;
		if (m->interval <= 0)
			m->interval = 1e-9;
		m->reset = u64_delta(prev->cnt.c, cur->cnt.c, m->c, SB_NR_STATS);
	} else {
		memcpy(m->c, cur->cnt.c, sizeof(m->c));
	}
	m->amp_bytes = ratio(C(physical_read_bytes) + C(physical_write_bytes),
			     C(logical_read_bytes) + C(logical_write_bytes));
	m->amp_ops = ratio(C(physical_read_ios) + C(physical_write_ios) + C(physical_flush_ios) +
			   C(physical_discard_ios) + C(physical_write_zeroes_ios),
			   C(logical_read_ios) + C(logical_write_ios) + C(logical_flush_ios) +
			   C(logical_discard_ios) + C(logical_write_zeroes_ios));

	/*
	 * A reset zeroes every count at once (the module's baseline), but an
	 * array whose counts since the reset all passed the previous sample's
	 * looks as if it had only grown: after a reset, take each as it is.
	 */
	m->node_valid = !cur->comp_err && (!prev || !prev->comp_err);
	if (m->node_valid) {
		m->node = cur->comp;
		if (prev && !m->reset) {
			u64_delta(prev->comp.backing_node, cur->comp.backing_node,
				  m->node.backing_node, SB_NR_NODE_LOCALITY);
			u64_delta(prev->comp.complete_node, cur->comp.complete_node,
				  m->node.complete_node, SB_NR_NODE_LOCALITY);
		}
	}
	m->lat_valid = !cur->lat_err && (!prev || !prev->lat_err);
	if (!m->lat_valid)
		return;
	/* ... and the histograms, with the counters or on their own */
	u64_delta((const uint64_t *)(prev && !m->reset ? &prev->lat : &zero_lat),
		  (const uint64_t *)&cur->lat,
		  (uint64_t *)&lat, sizeof(lat) / sizeof(uint64_t));
	for (int p = 0; p < SB_NR_PATHS; p++) {
		uint64_t b[SB_LAT_FINE_BUCKETS];

		latency_path_sum(&lat, p, b);
		m->have_pct[p] = lat_percentile(b, 0.50, &m->p50[p]);
		lat_percentile(b, 0.99, &m->p99[p]);
		for (int o = 0; o < SB_NR_OPS; o++)
			for (int i = 0; i < METRICS_NR_PCTS; i++)
				m->have_op_pct[p][o] = lat_percentile(lat.h[p][o].b, metrics_pcts[i],
								      &m->op_pct[p][o][i]);
	}
}

double metrics_rate(const struct sb_metrics *m, enum stackblk_stat s)
{
	return m->interval > 0 ? (double)m->c[s] / m->interval : (double)m->c[s];
}

/*
 * The columns of stat and top, as lsblk keeps them: one row each drives
 * the table's heading (totals, or per second in interval mode), its fixed
 * width, whether the default view shows it, its cell, and for rates the
 * key in the JSON "rates" object.  The default view is 99 characters wide;
 * -x shows every column in this order.  top drops columns of the highest
 * drop rank first to fit its terminal (0: never dropped).
 */
enum mcol_kind {
	MC_DEVICE, MC_OPS, MC_MB, MC_AVG_KIB, MC_AMP_B, MC_AMP_OPS, MC_P50, MC_P99, MC_OP_PCT,
	MC_GAUGE, MC_RNODE, MC_CWQ,
};

static const struct metrics_col {
	const char *head;	/* totals */
	const char *head_rate;	/* interval mode; NULL: the same */
	char align;		/* 'l' or 'r' */
	int width;		/* characters */
	bool dflt;		/* in the default view */
	int drop;		/* top drops the highest rank first; 0: never */
	enum mcol_kind kind;
	int arg, arg2;		/* counter(s), latency path or op, percentile, gauge */
	const char *rate_key;	/* in JSON "rates"; NULL: not a rate */
} mcols[] = {
	{ "DEVICE", NULL, 'l', 10, true, 0, MC_DEVICE, 0, 0, NULL },
	{ "L_r", "L_r/s", 'r', 7, true, 0, MC_OPS, SB_STAT_logical_read_ios, 0,
	  "logical_read_iops" },
	{ "L_w", "L_w/s", 'r', 7, true, 0, MC_OPS, SB_STAT_logical_write_ios, 0,
	  "logical_write_iops" },
	{ "L_rMB", "L_rMB/s", 'r', 7, true, 5, MC_MB, SB_STAT_logical_read_bytes, 0,
	  "logical_read_mbps" },
	{ "L_wMB", "L_wMB/s", 'r', 7, true, 5, MC_MB, SB_STAT_logical_write_bytes, 0,
	  "logical_write_mbps" },
	{ "L_rsz", NULL, 'r', 6, false, 20, MC_AVG_KIB, SB_STAT_logical_read_bytes,
	  SB_STAT_logical_read_ios, NULL },
	{ "L_wsz", NULL, 'r', 6, false, 20, MC_AVG_KIB, SB_STAT_logical_write_bytes,
	  SB_STAT_logical_write_ios, NULL },
	{ "P_r", "P_r/s", 'r', 7, false, 30, MC_OPS, SB_STAT_physical_read_ios, 0,
	  "physical_read_iops" },
	{ "P_w", "P_w/s", 'r', 7, false, 30, MC_OPS, SB_STAT_physical_write_ios, 0,
	  "physical_write_iops" },
	{ "P_rMB", "P_rMB/s", 'r', 7, false, 31, MC_MB, SB_STAT_physical_read_bytes, 0,
	  "physical_read_mbps" },
	{ "P_wMB", "P_wMB/s", 'r', 7, false, 31, MC_MB, SB_STAT_physical_write_bytes, 0,
	  "physical_write_mbps" },
	{ "P_rsz", NULL, 'r', 6, false, 40, MC_AVG_KIB, SB_STAT_physical_read_bytes,
	  SB_STAT_physical_read_ios, NULL },
	{ "P_wsz", NULL, 'r', 6, false, 40, MC_AVG_KIB, SB_STAT_physical_write_bytes,
	  SB_STAT_physical_write_ios, NULL },
	{ "AMP_B", NULL, 'r', 5, true, 0, MC_AMP_B, 0, 0, NULL },
	{ "AMP_OPS", NULL, 'r', 7, true, 3, MC_AMP_OPS, 0, 0, NULL },
	{ "merged", "merged/s", 'r', 8, false, 25, MC_OPS, SB_STAT_merged_ios, 0, "merged_per_s" },
	{ "split", "split/s", 'r', 7, false, 25, MC_OPS, SB_STAT_split_ios, 0, "split_per_s" },
	{ "rmw", "rmw/s", 'r', 5, false, 25, MC_OPS, SB_STAT_rmw_ios, 0, "rmw_per_s" },
	{ "err", "err/s", 'r', 5, true, 4, MC_OPS, SB_STAT_errors, 0, "errors_per_s" },
	{ "tmout", "tmout/s", 'r', 7, false, 26, MC_OPS, SB_STAT_timeouts, 0, "timeouts_per_s" },
	{ "L_rp50", NULL, 'r', 8, false, 35, MC_OP_PCT, SB_LAT_OP_read, 0, NULL },
	{ "L_rp99", NULL, 'r', 8, true, 2, MC_OP_PCT, SB_LAT_OP_read, 1, NULL },
	{ "L_rp999", NULL, 'r', 8, false, 36, MC_OP_PCT, SB_LAT_OP_read, 2, NULL },
	{ "L_wp50", NULL, 'r', 8, false, 35, MC_OP_PCT, SB_LAT_OP_write, 0, NULL },
	{ "L_wp99", NULL, 'r', 8, true, 2, MC_OP_PCT, SB_LAT_OP_write, 1, NULL },
	{ "L_wp999", NULL, 'r', 8, false, 36, MC_OP_PCT, SB_LAT_OP_write, 2, NULL },
	{ "L_p50", NULL, 'r', 8, false, 45, MC_P50, SB_LAT_logical, 0, NULL },
	{ "L_p99", NULL, 'r', 8, false, 45, MC_P99, SB_LAT_logical, 0, NULL },
	{ "P_p50", NULL, 'r', 8, false, 46, MC_P50, SB_LAT_physical, 0, NULL },
	{ "P_p99", NULL, 'r', 8, false, 46, MC_P99, SB_LAT_physical, 0, NULL },
	{ "inflight", NULL, 'r', 8, true, 1, MC_GAUGE, SB_GAUGE_inflight, 0, NULL },
	{ "maxdepth", NULL, 'r', 8, false, 10, MC_GAUGE, SB_GAUGE_inflight_max, 0, NULL },
	/* backing completions on another node than the submitting CPU's */
	{ "rnode%", NULL, 'r', 6, false, 27, MC_RNODE, 0, 0, NULL },
	/*
	 * parity stripe updates, read-modify-write and reconstruct-write:
	 * after the older columns, so that -x keeps their positions
	 */
	{ "prmw", "prmw/s", 'r', 6, false, 25, MC_OPS, SB_STAT_parity_rmw_ios, 0,
	  "parity_rmw_per_s" },
	{ "prcw", "prcw/s", 'r', 6, false, 25, MC_OPS, SB_STAT_parity_rcw_ios, 0,
	  "parity_rcw_per_s" },
	/* crypt reads decrypted in crypt_wq (a workqueue hop), of all crypt reads */
	{ "cwq%", NULL, 'r', 5, false, 27, MC_CWQ, 0, 0, NULL },
};
#define NMCOLS (sizeof(mcols) / sizeof(mcols[0]))
static_assert(NMCOLS <= METRICS_MAX_COLS, "raise METRICS_MAX_COLS");

int metrics_cols_width(const struct metrics_cols *cols)
{
	int w = 0;

	for (int i = 0; i < cols->n; i++)
		w += mcols[cols->idx[i]].width + (i ? 2 : 0);
	return w;
}

void metrics_cols_pick(struct metrics_cols *cols, bool wide, int max_width)
{
	cols->n = 0;
	for (size_t c = 0; c < NMCOLS; c++)
		if (wide || mcols[c].dflt)
			cols->idx[cols->n++] = c;
	while (max_width > 0 && metrics_cols_width(cols) > max_width) {
		int worst = -1;

		for (int i = 0; i < cols->n; i++)
			if (mcols[cols->idx[i]].drop &&
			    (worst < 0 || mcols[cols->idx[i]].drop >= mcols[cols->idx[worst]].drop))
				worst = i;
		if (worst < 0)
			break;
		memmove(&cols->idx[worst], &cols->idx[worst + 1], cols->n - worst - 1);
		cols->n--;
	}
}

const char *metrics_cols_parse(struct metrics_cols *cols, const char *list)
{
	static char bad[32];
	const char *p = list;

	cols->n = 1;
	cols->idx[0] = 0;	/* DEVICE */
	while (*p) {
		size_t len = strcspn(p, ","), c;

		for (c = 0; c < NMCOLS; c++)
			if ((strlen(mcols[c].head) == len && !strncmp(mcols[c].head, p, len)) ||
			    (mcols[c].head_rate && strlen(mcols[c].head_rate) == len &&
			     !strncmp(mcols[c].head_rate, p, len)))
				break;
		if (c == NMCOLS || (c && cols->n >= METRICS_MAX_COLS)) {
			snprintf(bad, sizeof(bad), "%.*s", (int)len, p);
			return bad;
		}
		if (c)
			cols->idx[cols->n++] = c;
		p += len + (p[len] == ',');
	}
	return NULL;
}

void metrics_cols_list(FILE *f)
{
	for (size_t c = 0; c < NMCOLS; c++)
		fprintf(f, "%s%s", c ? "," : "", mcols[c].head);
	fputc('\n', f);
}

void metrics_table_init(struct table *t, const struct metrics_cols *cols, bool interval)
{
	char align[METRICS_MAX_COLS + 1];
	int width[METRICS_MAX_COLS];
	int i;

	for (i = 0; i < cols->n; i++) {
		align[i] = mcols[cols->idx[i]].align;
		width[i] = mcols[cols->idx[i]].width;
	}
	align[i] = '\0';
	table_init(t, align);
	table_widths(t, width);
	for (i = 0; i < cols->n; i++) {
		const struct metrics_col *mc = &mcols[cols->idx[i]];

		table_cell(t, "%s", interval && mc->head_rate ? mc->head_rate : mc->head);
	}
}

/* Average request size in KiB of bytes counter @bytes over ios counter @ios; -1: none. */
static double avg_kib(const struct sb_metrics *m, int bytes, int ios)
{
	return m->c[ios] ? (double)m->c[bytes] / (double)m->c[ios] / 1024 : -1;
}

void metrics_row(struct table *t, const struct metrics_cols *cols, const struct cli_dev *dev,
		 const struct sb_metrics *m)
{
	char buf[FMT_LEN];

	for (int i = 0; i < cols->n; i++) {
		const struct metrics_col *mc = &mcols[cols->idx[i]];
		double v;

		switch (mc->kind) {
		case MC_DEVICE:	/* "*": reset meanwhile, see metrics_reset_note() */
			table_cell(t, "%s%s", dev->node, m->reset ? "*" : "");
			break;
		case MC_OPS:
			table_cell(t, "%s", fmt_num(buf, metrics_rate(m, mc->arg)));
			break;
		case MC_MB:
			table_cell(t, "%.2f", metrics_rate(m, mc->arg) / MB);
			break;
		case MC_AVG_KIB:
			v = avg_kib(m, mc->arg, mc->arg2);
			table_cell(t, v < 0 ? "-" : "%.1f", v);
			break;
		case MC_AMP_B:
			table_cell(t, "%s", fmt_ratio(buf, m->amp_bytes));
			break;
		case MC_AMP_OPS:
			table_cell(t, "%s", fmt_ratio(buf, m->amp_ops));
			break;
		case MC_P50:
		case MC_P99:
			table_cell(t, "%s", !m->have_pct[mc->arg] ? "-" :
				   fmt_ns(buf, mc->kind == MC_P50 ? m->p50[mc->arg] : m->p99[mc->arg]));
			break;
		case MC_OP_PCT:
			table_cell(t, "%s", !m->have_op_pct[SB_LAT_logical][mc->arg] ? "-" :
				   fmt_ns(buf, m->op_pct[SB_LAT_logical][mc->arg][mc->arg2]));
			break;
		case MC_GAUGE:
			table_cell(t, "%llu", (unsigned long long)m->g[mc->arg]);
			break;
		case MC_RNODE:	/* backing completions off the submitting CPU's node */
			v = m->node.backing_node[SB_SAME_NODE] + m->node.backing_node[SB_REMOTE_NODE];
			table_cell(t, "%s", !m->node_valid || !v ? "-" :
				   fmt_pct(buf, m->node.backing_node[SB_REMOTE_NODE], (uint64_t)v));
			break;
		case MC_CWQ:	/* crypt reads decrypted in crypt_wq, not where they completed */
			v = m->c[SB_STAT_crypt_read_task_ios] + m->c[SB_STAT_crypt_read_atomic_ios] +
			    m->c[SB_STAT_crypt_read_wq_ios];
			table_cell(t, "%s", !v ? "-" :
				   fmt_pct(buf, m->c[SB_STAT_crypt_read_wq_ios], (uint64_t)v));
			break;
		}
	}
}

void metrics_reset_note(FILE *f, bool any_reset)
{
	if (any_reset)
		fputs("* counters were reset in this interval: the row counts from the reset\n", f);
}

/* "logical_read" of the bytes counter "logical_read_bytes". */
static const char *avg_key(int bytes)
{
	static char key[64];
	const char *name = sb_counter_names[bytes];

	snprintf(key, sizeof(key), "%.*s", (int)(strlen(name) - strlen("_bytes")), name);
	return key;
}

static void json_ratio(struct json *j, const char *key, double v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_num(j, key, v);
}

/* "node_locality": {"backing": {"same_node": N, "remote_node": N}, "complete": ...} */
void json_node_locality(struct json *j, const struct sb_completion *c)
{
	const uint64_t *v[] = { c->backing_node, c->complete_node };
	const char *kinds[] = { "backing", "complete" };

	if (!c->have_node) {
		json_null(j, "node_locality");
		return;
	}
	json_obj(j, "node_locality");
	for (int k = 0; k < 2; k++) {
		json_obj(j, kinds[k]);
		for (int n = 0; n < SB_NR_NODE_LOCALITY; n++)
			json_u64(j, sb_node_locality_names[n], v[k][n]);
		json_end(j, '}');
	}
	json_end(j, '}');
}

void metrics_json(struct json *j, const struct cli_dev *dev, const struct sb_metrics *m)
{
	json_obj(j, NULL);
	json_str(j, "device", dev->node);
	json_str(j, "name", dev->name);
	json_str(j, "backing", dev->backing);
	json_str(j, "stages", dev->stages);
	if (m->interval > 0)
		json_num(j, "interval", m->interval);
	else
		json_null(j, "interval");
	json_bool(j, "reset", m->reset);
	json_obj(j, "counters");
	for (int i = 0; i < SB_NR_STATS; i++)
		json_u64(j, sb_counter_names[i], m->c[i]);
	json_end(j, '}');
	for (int i = 0; i < SB_NR_GAUGES; i++)
		json_u64(j, sb_gauge_names[i], m->g[i]);
	if (m->interval > 0) {
		json_obj(j, "rates");
		for (size_t c = 0; c < NMCOLS; c++)
			if (mcols[c].rate_key)
				json_num(j, mcols[c].rate_key, metrics_rate(m, mcols[c].arg) /
					 (mcols[c].kind == MC_MB ? MB : 1));
		json_end(j, '}');
	} else {
		json_null(j, "rates");
	}
	json_obj(j, "amplification");
	json_ratio(j, "bytes", m->amp_bytes);
	json_ratio(j, "ops", m->amp_ops);
	json_end(j, '}');
	if (!m->lat_valid) {
		json_null(j, "latency_ns");
	} else {
		json_obj(j, "latency_ns");
		for (int p = 0; p < SB_NR_PATHS; p++) {
			json_obj(j, sb_path_names[p]);
			if (m->have_pct[p]) {
				json_u64(j, "p50", m->p50[p]);
				json_u64(j, "p99", m->p99[p]);
			} else {
				json_null(j, "p50");
				json_null(j, "p99");
			}
			json_obj(j, "ops");
			for (int o = 0; o < SB_NR_OPS; o++) {
				json_obj(j, sb_op_names[o]);
				for (int i = 0; i < METRICS_NR_PCTS; i++)
					if (m->have_op_pct[p][o])
						json_u64(j, metrics_pct_keys[i], m->op_pct[p][o][i]);
					else
						json_null(j, metrics_pct_keys[i]);
				json_end(j, '}');
			}
			json_end(j, '}');
			json_end(j, '}');
		}
		json_end(j, '}');
	}
	if (m->node_valid)
		json_node_locality(j, &m->node);
	else
		json_null(j, "node_locality");
	json_obj(j, "avg_request_kib");
	for (size_t c = 0; c < NMCOLS; c++)
		if (mcols[c].kind == MC_AVG_KIB)
			json_ratio(j, avg_key(mcols[c].arg), avg_kib(m, mcols[c].arg, mcols[c].arg2));
	json_end(j, '}');
	json_end(j, '}');
}
