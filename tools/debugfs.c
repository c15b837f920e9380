// SPDX-License-Identifier: GPL-2.0
/* debugfs.c - parsers for the stackblk debugfs text files (docs/interfaces.md). */
#include "debugfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const sb_path_names[SB_NR_PATHS] = SB_LAT_PATH_NAMES;
const char *const sb_op_names[SB_NR_OPS] = SB_LAT_OP_NAMES;
const char *const sb_locality_names[SB_NR_LOCALITY] = { "same", "shared", "remote" };
const char *const sb_node_locality_names[SB_NR_NODE_LOCALITY] = SB_NODE_LOC_NAMES;

/*
 * Split @line (modified in place) into at most @max space separated words.
 * Returns the number of words.
 */
static size_t split_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *save, *tok;

	for (tok = strtok_r(line, " \t", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	return n;
}

/* Parse words[0..n) as u64 into v[0..max), zero filling; false on junk. */
static bool words_u64(char **w, size_t n, uint64_t *v, size_t max)
{
	for (size_t i = 0; i < max; i++)
		if (i >= n)
			v[i] = 0;
		else if (!parse_u64(w[i], &v[i]))
			return false;
	return true;
}

/* Most words on a matrix line: row cpu + columns (generous: the module folds to 64). */
#define MAX_WORDS 4097

/* Iterate over the non-comment, non-empty lines of a copy of @text. */
struct lines {
	char *buf, *save;
};

static char *next_line(struct lines *l, const char *text)
{
	char *line, *start = NULL;

	if (!l->buf)
		start = l->buf = xstrdup(text);
	for (;;) {
		line = strtok_r(start, "\n", &l->save);
		start = NULL;
		if (!line)
			return NULL;
		if (line[0] != '#' && line[strspn(line, " \t\r")] != '\0')
			return line;
	}
}

int parse_hctx(const char *text, struct sb_hctx **out, size_t *n)
{
	struct lines l = { 0 };
	char *line, *w[2 + 1 + SB_DEPTH_BUCKETS];
	uint64_t v[3 + SB_DEPTH_BUCKETS];
	int ret = 0;

	*out = NULL;
	*n = 0;
	while ((line = next_line(&l, text))) {
		size_t nw = split_words(line, w, sizeof(w) / sizeof(w[0]));
		struct sb_hctx *h;

		if (nw < 3 || !words_u64(w, nw, v, 3 + SB_DEPTH_BUCKETS)) {
			ret = -EINVAL;
			break;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		h = &(*out)[(*n)++];
		h->id = (long)v[0];
		h->inflight = v[1];
		h->max = v[2];
		memcpy(h->b, v + 3, sizeof(h->b));
	}
	free(l.buf);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

/*
 * Is @text latency_fine?  Its header's bucket columns are the lower bounds
 * of the fine buckets, which must be this CLI's (include/stackblk_stats.h);
 * a header of b0, b1, ... (or none) is the log2 latency file.  -EINVAL for
 * a fine header with other bounds.
 */
static int latency_is_fine(const char *text)
{
	static const char prefix[] = "# path op count sum_ns ";
	const char *p = text;
	char *end;

	if (strncmp(text, prefix, sizeof(prefix) - 1) || text[sizeof(prefix) - 1] == 'b')
		return 0;
	p += sizeof(prefix) - 1;
	for (unsigned int b = 0; b < SB_LAT_FINE_BUCKETS; b++) {
		unsigned long long lo = strtoull(p, &end, 10);

		if (end == p || lo != sb_lat_fine_lo(b))
			return -EINVAL;
		p = end + strspn(end, " ");
	}
	return *p == '\n' || *p == '\0' ? 1 : -EINVAL;
}

int parse_latency(const char *text, struct sb_latency *out)
{
	struct lines l = { 0 };
	char *line, *w[4 + SB_LAT_FINE_BUCKETS];
	uint64_t v[2 + SB_LAT_FINE_BUCKETS];
	int fine = latency_is_fine(text), ret = 0;
	size_t nb = fine ? SB_LAT_FINE_BUCKETS : SB_LAT_BUCKETS;

	memset(out, 0, sizeof(*out));
	if (fine < 0)
		return fine;
	while ((line = next_line(&l, text))) {
		size_t nw = split_words(line, w, sizeof(w) / sizeof(w[0]));
		int p, o;
		struct sb_lat_hist *h;

		if (nw < 4 || nw > 4 + nb || !words_u64(w + 2, nw - 2, v, 2 + nb)) {
			ret = -EINVAL;
			break;
		}
		p = name_index(sb_path_names, SB_NR_PATHS, w[0]);
		o = name_index(sb_op_names, SB_NR_OPS, w[1]);
		if (p < 0 || o < 0)
			continue;	/* a path or op added later */
		h = &out->h[p][o];
		h->count = v[0];
		h->sum_ns = v[1];
		if (fine) {
			memcpy(h->b, v + 2, sizeof(h->b));
			continue;
		}
		for (unsigned int i = 0; i < SB_LAT_BUCKETS; i++)	/* [2^i, 2^(i+1)) */
			h->b[sb_lat_fine_bucket((2ULL << i) - 1)] += v[2 + i];
	}
	free(l.buf);
	return ret;
}

int parse_completion(const char *text, struct sb_completion *c)
{
	static const char *const keys[] = {
		"ncpus", "group",
		"backing_same", "backing_shared", "backing_remote",
		"complete_same", "complete_shared", "complete_remote",
		"backing_same_node", "backing_remote_node",
		"complete_same_node", "complete_remote_node",
	};
	uint64_t *fields[] = {
		&c->ncpus, &c->group,
		&c->backing[SB_SAME], &c->backing[SB_SHARED], &c->backing[SB_REMOTE],
		&c->complete[SB_SAME], &c->complete[SB_SHARED], &c->complete[SB_REMOTE],
		&c->backing_node[SB_SAME_NODE], &c->backing_node[SB_REMOTE_NODE],
		&c->complete_node[SB_SAME_NODE], &c->complete_node[SB_REMOTE_NODE],
	};
	struct lines l = { 0 };
	char **w = xcalloc(MAX_WORDS, sizeof(*w));
	char *line;
	size_t row = 0;
	uint64_t rows = 0, cols = 0;
	int ret = 0, k;

	memset(c, 0, sizeof(*c));
	while ((line = next_line(&l, text))) {
		size_t nw = split_words(line, w, MAX_WORDS);

		if (!strcmp(w[0], "matrix")) {
			if (nw != 3 || !parse_u64(w[1], &rows) || !parse_u64(w[2], &cols) ||
			    rows > MAX_WORDS || cols >= MAX_WORDS || c->m) {
				ret = -EINVAL;
				break;
			}
			c->rows = rows;
			c->cols = cols;
			c->row_cpu = xcalloc(rows, sizeof(*c->row_cpu));
			c->m = xcalloc(rows * cols, sizeof(*c->m));
			continue;
		}
		k = name_index(keys, sizeof(keys) / sizeof(keys[0]), w[0]);
		if (k >= 0) {
			if (nw != 2 || !parse_u64(w[1], fields[k]))
				ret = -EINVAL;
			c->have_node |= k >= 8;
		} else if (w[0][0] >= '0' && w[0][0] <= '9') {
			if (!c->m || row >= c->rows || nw != c->cols + 1 ||
			    !parse_u64(w[0], &c->row_cpu[row]) ||
			    !words_u64(w + 1, nw - 1, c->m + row * c->cols, c->cols))
				ret = -EINVAL;
			row++;
		}	/* else: a key added later */
		if (ret)
			break;
	}
	if (!ret && c->m && row != c->rows)
		ret = -EINVAL;
	free(l.buf);
	free(w);
	if (ret)
		completion_free(c);
	return ret;
}

void completion_free(struct sb_completion *c)
{
	free(c->row_cpu);
	free(c->m);
	c->row_cpu = c->m = NULL;
	c->rows = c->cols = 0;
}

uint64_t completion_matrix_total(const struct sb_completion *c)
{
	uint64_t t = 0;

	for (size_t i = 0; i < c->rows * c->cols; i++)
		t += c->m[i];
	return t;
}

static void completion_copy(const struct sb_completion *src, struct sb_completion *dst)
{
	*dst = *src;
	dst->row_cpu = xcalloc(src->rows, sizeof(*dst->row_cpu));
	dst->m = xcalloc(src->rows * src->cols, sizeof(*dst->m));
	if (src->rows)
		memcpy(dst->row_cpu, src->row_cpu, src->rows * sizeof(*dst->row_cpu));
	if (src->rows && src->cols)
		memcpy(dst->m, src->m, src->rows * src->cols * sizeof(*dst->m));
}

bool completion_delta(const struct sb_completion *prev, const struct sb_completion *cur,
		      struct sb_completion *out)
{
	bool reset = prev->rows != cur->rows || prev->cols != cur->cols;

	completion_copy(cur, out);
	if (reset)
		return true;
	reset |= u64_delta(prev->backing, cur->backing, out->backing, SB_NR_LOCALITY);
	reset |= u64_delta(prev->complete, cur->complete, out->complete, SB_NR_LOCALITY);
	reset |= u64_delta(prev->backing_node, cur->backing_node, out->backing_node,
			   SB_NR_NODE_LOCALITY);
	reset |= u64_delta(prev->complete_node, cur->complete_node, out->complete_node,
			   SB_NR_NODE_LOCALITY);
	reset |= u64_delta(prev->m, cur->m, out->m, cur->rows * cur->cols);
	if (reset) {		/* all of it is a fresh baseline */
		completion_free(out);
		completion_copy(cur, out);
	}
	return reset;
}
