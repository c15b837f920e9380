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

static void list_json(const struct sb_dev *devs, size_t n)
{
	struct json j;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_arr(&j, "devices");
	for (size_t i = 0; i < n; i++) {
		const struct sb_dev *d = &devs[i];

		json_obj(&j, NULL);
		json_str(&j, "name", d->name);
		if (d->index >= 0)
			json_str(&j, "device", d->node);
		else
			json_null(&j, "device");
		json_i64(&j, "index", d->index);
		json_bool(&j, "configfs", d->configfs);
		json_bool(&j, "powered", d->index >= 0);
		json_str(&j, "backing", d->backing);
		json_str(&j, "stages", d->stages);
		json_u64(&j, "size_bytes", d->size);
		json_i64(&j, "hw_queues", d->nr_hctx);
		json_i64(&j, "queue_depth", d->depth);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_end(&j, '}');
}

static void list_table(const struct sb_dev *devs, size_t n)
{
	struct table t;
	char buf[FMT_LEN];

	table_init(&t, "llllrrr");
	table_cell(&t, "NAME");
	table_cell(&t, "NODE");
	table_cell(&t, "BACKING");
	table_cell(&t, "STAGES");
	table_cell(&t, "SIZE");
	table_cell(&t, "HCTX");
	table_cell(&t, "DEPTH");
	for (size_t i = 0; i < n; i++) {
		const struct sb_dev *d = &devs[i];
		bool on = d->index >= 0;

		table_cell(&t, "%s", d->name);
		table_cell(&t, "%s", on ? d->node : "(off)");
		table_cell(&t, "%s", d->backing[0] ? d->backing : "-");
		table_cell(&t, "%s", d->stages[0] ? d->stages : "-");
		table_cell(&t, "%s", on ? fmt_bytes(buf, d->size) : "-");
		table_cell(&t, "%ld", d->nr_hctx);
		table_cell(&t, "%ld", d->depth);
	}
	table_print(&t, stdout);
	table_free(&t);
}

int cmd_list(int argc, char **argv)
{
	struct sample_opts o = { .count = -1 };
	struct sb_dev *devs;
	size_t n;
	int ret = parse_sample_opts(argc, argv, "list", list_usage, &o, false);

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
