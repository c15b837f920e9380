// SPDX-License-Identifier: GPL-2.0
/* sample.c - counter samples, interval metrics, and their table/JSON forms (stat, top). */
#include "sample.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static_assert(sizeof(struct sb_latency) % sizeof(uint64_t) == 0 &&
	      sizeof(struct sb_lat_hist) == (2 + SB_LAT_BUCKETS) * sizeof(uint64_t),
	      "struct sb_latency must be an array of u64");

#define MB 1e6

int sample_take(const struct sb_dev *dev, struct sb_sample *s)
{
	char *text;
	int ret;

	memset(s, 0, sizeof(*s));
	s->t = now_mono();
	ret = sb_read_counters(dev, &s->cnt);
	if (ret)
		return ret;
	s->lat_err = sb_debugfs_read(dev, "latency", &text);
	if (!s->lat_err) {
		s->lat_err = parse_latency(text, &s->lat);
		free(text);
	}
	return 0;
}

void latency_path_sum(const struct sb_latency *lat, int path, uint64_t *b)
{
	memset(b, 0, SB_LAT_BUCKETS * sizeof(*b));
	for (int o = 0; o < SB_NR_OPS; o++)
		for (int i = 0; i < SB_LAT_BUCKETS; i++)
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
		uint64_t b[SB_LAT_BUCKETS];

		latency_path_sum(&lat, p, b);
		m->have_pct[p] = hist_percentile(b, SB_LAT_BUCKETS, 0.50, &m->p50[p]);
		hist_percentile(b, SB_LAT_BUCKETS, 0.99, &m->p99[p]);
	}
}

double metrics_rate(const struct sb_metrics *m, enum stackblk_stat s)
{
	return m->interval > 0 ? (double)m->c[s] / m->interval : (double)m->c[s];
}

void metrics_header(struct table *t, bool interval)
{
	static const char *const cols[2][20] = {
		{ "DEVICE", "L_r", "L_w", "L_rMB", "L_wMB", "P_r", "P_w", "P_rMB", "P_wMB",
		  "AMP_B", "AMP_OPS", "merged", "split", "rmw",
		  "L_p50", "L_p99", "P_p50", "P_p99", "inflight", "maxdepth" },
		{ "DEVICE", "L_r/s", "L_w/s", "L_rMB/s", "L_wMB/s", "P_r/s", "P_w/s", "P_rMB/s",
		  "P_wMB/s", "AMP_B", "AMP_OPS", "merged/s", "split/s", "rmw/s",
		  "L_p50", "L_p99", "P_p50", "P_p99", "inflight", "maxdepth" },
	};

	for (int i = 0; i < 20; i++)
		table_cell(t, "%s", cols[interval][i]);
}

void metrics_row(struct table *t, const struct sb_dev *dev, const struct sb_metrics *m)
{
	static const enum stackblk_stat rate_cols[] = {
		SB_STAT_logical_read_ios, SB_STAT_logical_write_ios,
		SB_STAT_logical_read_bytes, SB_STAT_logical_write_bytes,
		SB_STAT_physical_read_ios, SB_STAT_physical_write_ios,
		SB_STAT_physical_read_bytes, SB_STAT_physical_write_bytes,
	};
	static const enum stackblk_stat attrib_cols[] = {
		SB_STAT_merged_ios, SB_STAT_split_ios, SB_STAT_rmw_ios,
	};
	char buf[FMT_LEN];

	table_cell(t, "%s", dev->node);
	for (size_t i = 0; i < sizeof(rate_cols) / sizeof(rate_cols[0]); i++) {
		double v = metrics_rate(m, rate_cols[i]);

		if (i % 4 >= 2)		/* bytes columns */
			table_cell(t, "%.2f", v / MB);
		else
			table_cell(t, "%s", fmt_num(buf, v));
	}
	table_cell(t, "%s", fmt_ratio(buf, m->amp_bytes));
	table_cell(t, "%s", fmt_ratio(buf, m->amp_ops));
	for (size_t i = 0; i < sizeof(attrib_cols) / sizeof(attrib_cols[0]); i++)
		table_cell(t, "%s", fmt_num(buf, metrics_rate(m, attrib_cols[i])));
	for (int p = 0; p < SB_NR_PATHS; p++) {
		table_cell(t, "%s", m->have_pct[p] ? fmt_ns(buf, m->p50[p]) : "-");
		table_cell(t, "%s", m->have_pct[p] ? fmt_ns(buf, m->p99[p]) : "-");
	}
	table_cell(t, "%llu", (unsigned long long)m->g[SB_GAUGE_inflight]);
	table_cell(t, "%llu", (unsigned long long)m->g[SB_GAUGE_inflight_max]);
}

static void json_ratio(struct json *j, const char *key, double v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_num(j, key, v);
}

void metrics_json(struct json *j, const struct sb_dev *dev, const struct sb_metrics *m)
{
	static const struct {
		const char *key;
		enum stackblk_stat stat;
		double div;
	} rates[] = {
		{ "logical_read_iops", SB_STAT_logical_read_ios, 1 },
		{ "logical_write_iops", SB_STAT_logical_write_ios, 1 },
		{ "logical_read_mbps", SB_STAT_logical_read_bytes, MB },
		{ "logical_write_mbps", SB_STAT_logical_write_bytes, MB },
		{ "physical_read_iops", SB_STAT_physical_read_ios, 1 },
		{ "physical_write_iops", SB_STAT_physical_write_ios, 1 },
		{ "physical_read_mbps", SB_STAT_physical_read_bytes, MB },
		{ "physical_write_mbps", SB_STAT_physical_write_bytes, MB },
		{ "merged_per_s", SB_STAT_merged_ios, 1 },
		{ "split_per_s", SB_STAT_split_ios, 1 },
		{ "rmw_per_s", SB_STAT_rmw_ios, 1 },
	};

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
		for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
			json_num(j, rates[i].key, metrics_rate(m, rates[i].stat) / rates[i].div);
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
