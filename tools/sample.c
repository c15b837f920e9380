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

	m->lat_valid = !cur->lat_err && (!prev || !prev->lat_err);
	if (!m->lat_valid)
		return;
	/* Histograms reset with the counters; judge them on their own. */
	u64_delta((const uint64_t *)(prev ? &prev->lat : &zero_lat), (const uint64_t *)&cur->lat,
		  (uint64_t *)&lat, sizeof(lat) / sizeof(uint64_t));
	for (int p = 0; p < SB_NR_PATHS; p++) {
		uint64_t b[SB_LAT_FINE_BUCKETS];

		latency_path_sum(&lat, p, b);
		m->have_pct[p] = lat_percentile(b, 0.50, &m->p50[p]);
		lat_percentile(b, 0.99, &m->p99[p]);
	}
}

double metrics_rate(const struct sb_metrics *m, enum stackblk_stat s)
{
	return m->interval > 0 ? (double)m->c[s] / m->interval : (double)m->c[s];
}

/*
 * The columns of stat and top, as lsblk keeps them: one row each drives
 * the table's heading (totals, or per second in interval mode), its cell,
 * and for rates the key in the JSON "rates" object.
 */
enum mcol_kind { MC_DEVICE, MC_OPS, MC_MB, MC_AMP_B, MC_AMP_OPS, MC_P50, MC_P99, MC_GAUGE };

static const struct metrics_col {
	const char *head;	/* totals */
	const char *head_rate;	/* interval mode; NULL: the same */
	char align;		/* 'l' or 'r' */
	enum mcol_kind kind;
	int arg;		/* the counter, latency path or gauge */
	const char *rate_key;	/* in JSON "rates"; NULL: not a rate */
} mcols[] = {
	{ "DEVICE", NULL, 'l', MC_DEVICE, 0, NULL },
	{ "L_r", "L_r/s", 'r', MC_OPS, SB_STAT_logical_read_ios, "logical_read_iops" },
	{ "L_w", "L_w/s", 'r', MC_OPS, SB_STAT_logical_write_ios, "logical_write_iops" },
	{ "L_rMB", "L_rMB/s", 'r', MC_MB, SB_STAT_logical_read_bytes, "logical_read_mbps" },
	{ "L_wMB", "L_wMB/s", 'r', MC_MB, SB_STAT_logical_write_bytes, "logical_write_mbps" },
	{ "P_r", "P_r/s", 'r', MC_OPS, SB_STAT_physical_read_ios, "physical_read_iops" },
	{ "P_w", "P_w/s", 'r', MC_OPS, SB_STAT_physical_write_ios, "physical_write_iops" },
	{ "P_rMB", "P_rMB/s", 'r', MC_MB, SB_STAT_physical_read_bytes, "physical_read_mbps" },
	{ "P_wMB", "P_wMB/s", 'r', MC_MB, SB_STAT_physical_write_bytes, "physical_write_mbps" },
	{ "AMP_B", NULL, 'r', MC_AMP_B, 0, NULL },
	{ "AMP_OPS", NULL, 'r', MC_AMP_OPS, 0, NULL },
	{ "merged", "merged/s", 'r', MC_OPS, SB_STAT_merged_ios, "merged_per_s" },
	{ "split", "split/s", 'r', MC_OPS, SB_STAT_split_ios, "split_per_s" },
	{ "rmw", "rmw/s", 'r', MC_OPS, SB_STAT_rmw_ios, "rmw_per_s" },
	{ "L_p50", NULL, 'r', MC_P50, 0, NULL },
	{ "L_p99", NULL, 'r', MC_P99, 0, NULL },
	{ "P_p50", NULL, 'r', MC_P50, 1, NULL },
	{ "P_p99", NULL, 'r', MC_P99, 1, NULL },
	{ "inflight", NULL, 'r', MC_GAUGE, SB_GAUGE_inflight, NULL },
	{ "maxdepth", NULL, 'r', MC_GAUGE, SB_GAUGE_inflight_max, NULL },
};
#define NMCOLS (sizeof(mcols) / sizeof(mcols[0]))

void metrics_table_init(struct table *t, bool interval)
{
	static char align[NMCOLS + 1];	/* the table keeps a pointer to it */
	size_t c;

	for (c = 0; c < NMCOLS; c++)
		align[c] = mcols[c].align;
	align[c] = '\0';
	table_init(t, align);
	for (c = 0; c < NMCOLS; c++)
		table_cell(t, "%s", interval && mcols[c].head_rate ? mcols[c].head_rate :
			   mcols[c].head);
}

void metrics_row(struct table *t, const struct cli_dev *dev, const struct sb_metrics *m)
{
	char buf[FMT_LEN];

	for (size_t c = 0; c < NMCOLS; c++) {
		const struct metrics_col *mc = &mcols[c];

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
		case MC_GAUGE:
			table_cell(t, "%llu", (unsigned long long)m->g[mc->arg]);
			break;
		}
	}
}

void metrics_reset_note(FILE *f, bool any_reset)
{
	if (any_reset)
		fputs("* counters were reset in this interval: the row counts from the reset\n", f);
}

static void json_ratio(struct json *j, const char *key, double v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_num(j, key, v);
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
			json_end(j, '}');
		}
		json_end(j, '}');
	}
	json_end(j, '}');
}
