// SPDX-License-Identifier: GPL-2.0
/* cmd_list.c - "list": every device, from configfs and /sys/block/stackblk*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "fmt.h"
#include "json.h"

static const char list_usage[] =
"Usage: stackblk list [--json]\n"
"One line per device: name, node, backing, stages, size, hardware contexts, depth.\n"
"Devices created with 'insmod stackblk backing=' are listed under their node name.\n\n"
"  -j, --json   one JSON object: {\"devices\": [...]}\n"
"  -h, --help   this help\n";

/* One value of a column, typed for JSON; "null" where there is none. */
struct val {
	enum { V_STR, V_U64, V_I64, V_BOOL, V_NULL } kind;
	const char *s;
	uint64_t u;
	int64_t i;
};

#define VSTR(x)		((struct val){ .kind = V_STR, .s = (x) })
#define VU64(x)		((struct val){ .kind = V_U64, .u = (x) })
#define VI64(x)		((struct val){ .kind = V_I64, .i = (x) })
#define VBOOL(x)	((struct val){ .kind = V_BOOL, .i = !!(x) })
#define VNULL		((struct val){ .kind = V_NULL })

static bool on(const struct cli_dev *d) { return d->index >= 0; }

static struct val c_name(const struct cli_dev *d) { return VSTR(d->name); }
static struct val c_node(const struct cli_dev *d) { return on(d) ? VSTR(d->node) : VNULL; }
static struct val c_index(const struct cli_dev *d) { return VI64(d->index); }
static struct val c_configfs(const struct cli_dev *d) { return VBOOL(d->configfs); }
static struct val c_powered(const struct cli_dev *d) { return VBOOL(on(d)); }
static struct val c_backing(const struct cli_dev *d) { return VSTR(d->backing); }
static struct val c_stages(const struct cli_dev *d) { return VSTR(d->stages); }
static struct val c_size(const struct cli_dev *d) { return VU64(d->size); }
static struct val c_hctx(const struct cli_dev *d) { return VI64(d->nr_hctx); }
static struct val c_depth(const struct cli_dev *d) { return VI64(d->depth); }

/* The table's text where it is not the value itself. */
static const char *t_node(const struct cli_dev *d, char *buf)
{
	(void)buf;
	return on(d) ? d->node : "(off)";
}

static const char *t_size(const struct cli_dev *d, char *buf)
{
	return on(d) ? fmt_bytes(buf, d->size) : "-";
}

/*
 * The columns of "list", as lsblk keeps them: one row each drives the
 * table and the JSON, in this order.  No header: JSON only.
 */
static const struct list_col {
	const char *header;
	const char *key;
	char align;				/* 'l' or 'r' */
	struct val (*get)(const struct cli_dev *d);
	const char *(*text)(const struct cli_dev *d, char *buf);	/* NULL: the value; "-" if empty */
} cols[] = {
	{ "NAME",	"name",		'l', c_name,	 NULL },
	{ "NODE",	"device",	'l', c_node,	 t_node },
	{ NULL,		"index",	0,   c_index,	 NULL },
	{ NULL,		"configfs",	0,   c_configfs, NULL },
	{ NULL,		"powered",	0,   c_powered,	 NULL },
	{ "BACKING",	"backing",	'l', c_backing,	 NULL },
	{ "STAGES",	"stages",	'l', c_stages,	 NULL },
	{ "SIZE",	"size_bytes",	'r', c_size,	 t_size },
	{ "HCTX",	"hw_queues",	'r', c_hctx,	 NULL },
	{ "DEPTH",	"queue_depth",	'r', c_depth,	 NULL },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void list_json(const struct cli_dev *devs, size_t n)
{
	struct json j;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "version", STACKBLK_VERSION);
	json_arr(&j, "devices");
	for (size_t i = 0; i < n; i++) {
		json_obj(&j, NULL);
		for (size_t c = 0; c < NCOLS; c++) {
			struct val v = cols[c].get(&devs[i]);

			switch (v.kind) {
			case V_STR: json_str(&j, cols[c].key, v.s); break;
			case V_U64: json_u64(&j, cols[c].key, v.u); break;
			case V_I64: json_i64(&j, cols[c].key, v.i); break;
			case V_BOOL: json_bool(&j, cols[c].key, v.i); break;
			case V_NULL: json_null(&j, cols[c].key); break;
			}
		}
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_end(&j, '}');
}

static void list_table(const struct cli_dev *devs, size_t n)
{
	char align[NCOLS + 1], buf[FMT_LEN];
	struct table t;
	size_t c, k = 0;

	for (c = 0; c < NCOLS; c++)
		if (cols[c].header)
			align[k++] = cols[c].align;
	align[k] = '\0';
	table_init(&t, align);
	for (c = 0; c < NCOLS; c++)
		if (cols[c].header)
			table_cell(&t, "%s", cols[c].header);
	for (size_t i = 0; i < n; i++) {
		for (c = 0; c < NCOLS; c++) {
			struct val v;

			if (!cols[c].header)
				continue;
			if (cols[c].text) {
				table_cell(&t, "%s", cols[c].text(&devs[i], buf));
				continue;
			}
			v = cols[c].get(&devs[i]);
			if (v.kind == V_STR)
				table_cell(&t, "%s", v.s[0] ? v.s : "-");
			else if (v.kind == V_U64)
				table_cell(&t, "%llu", (unsigned long long)v.u);
			else
				table_cell(&t, "%lld", (long long)v.i);
		}
	}
	table_print(&t, stdout);
	table_free(&t);
}

int cmd_list(int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	struct cli_dev *devs;
	size_t n;
	int ret = parse_sample_opts(&argc, argv, "list", list_usage, &o, false);

	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("list", "unexpected argument '%s'", argv[optind]);
	if (!sb_require_module())
		return EXIT_RUNTIME;
	ret = sb_dev_list(&devs, &n);
	if (ret) {
		sb_err("list: cannot read %s/block: %s", sb_root(SB_SYSFS), strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (o.json)
		list_json(devs, n);
	else
		list_table(devs, n);
	free(devs);
	return EXIT_OK;
}
