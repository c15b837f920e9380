// SPDX-License-Identifier: GPL-2.0
/* cmd_config.c - "create" and "remove": drive /sys/kernel/config/stackblk/. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"

static const char create_usage[] =
"Usage: stackblk create NAME --backing DEV [OPTIONS]\n"
"Create configfs item NAME, configure it, power it on and print /dev/stackblkN.\n"
"On any failure the item is removed again.\n\n"
"  -b, --backing DEV            backing block device (required)\n"
"  -q, --queues N               hardware contexts (0 = one per CPU)\n"
"  -d, --depth N                tags per hardware context (1..4096)\n"
"  -s, --stages LIST            stages, comma separated: merge,split,crypt,parity\n"
"      --split-boundary SIZE    split boundary in bytes (K/M/G suffixes)\n"
"      --crypt-sector-size N    crypt stage sector size in bytes\n"
"      --parity-members N       parity stage members, parity included (3..16)\n"
"      --parity-chunk SIZE      parity stage chunk, a power of two (4K..1M)\n"
"      --parity-failed N        degraded parity: member N has failed (16: none)\n"
"      --key-file FILE          crypt key, hex, read from FILE (never printed)\n"
"  -h, --help                   this help\n";

static const char remove_usage[] =
"Usage: stackblk remove NAME|stackblkN|/dev/stackblkN\n"
"Remove the configfs item of a device (powering it off).\n\n"
"  -h, --help   this help\n";

/* The module's settings (include/stackblk_settings.h): names and bounds. */
enum {
#define SB_SETTING(name, ...) SET_##name,
#include "stackblk_settings.h"
	NR_SETTINGS
};

static const struct setting {
	const char *name;
	unsigned long long min, max;	/* of a number; max 0: CPUs */
	bool stage;			/* a stage setting (STAGE, SECRET) */
} settings[NR_SETTINGS] = {
#define SB_CLI_STAGE_DEVICE false
#define SB_CLI_STAGE_STAGE true
#define SB_CLI_STAGE_SECRET true
#define SB_SETTING(name, where, kind, def, min, max, ...) \
	[SET_##name] = { #name, min, max, SB_CLI_STAGE_##where },
#include "stackblk_settings.h"
};

/* One configfs attribute to write, in order. */
struct attr {
	const char *name;
	const char *value;	/* NULL: not requested */
	bool stage;		/* only present in modules with stage support */
	bool secret;		/* never print the value */
};

static char item_path[SB_PATH_MAX];

static const char *attr_path(char *buf, const char *attr)
{
	if (snprintf(buf, SB_PATH_MAX, "%s/%s", item_path, attr) >= SB_PATH_MAX)
		buf[0] = '\0';	/* fails to open: reported by the caller */
	return buf;
}

static void rollback(bool powered)
{
	char p[SB_PATH_MAX];

	if (powered)
		write_text(attr_path(p, "power"), "0");
	if (rmdir(item_path))
		sb_err("rollback: cannot remove %s: %s", item_path, strerror(errno));
}

/* Read a hex key from @file into @key (NUL terminated); false after reporting. */
static bool read_key(const char *file, char *key, size_t n)
{
	char *text, *p;
	size_t len = 0;
	int ret = read_text(file, &text);

	if (ret) {
		sb_err("create: key file %s: %s", file, strerror(-ret));
		return false;
	}
	for (p = text; *p; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (!isxdigit((unsigned char)*p) || len + 1 >= n) {
			len = 0;
			break;
		}
		key[len++] = *p;
	}
	key[len] = '\0';
	explicit_bzero(text, strlen(text));
	free(text);
	if (!len || len % 2) {
		sb_err("create: key file %s: expected an even number of hex digits", file);
		return false;
	}
	return true;
}

static bool valid_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strlen(name) < 100;
}

static const char *power_error(int err, const char *backing)
{
	static char msg[SB_PATH_MAX + 64];

	if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "backing %s is busy (held by another user or device)",
			 backing);
	else
		snprintf(msg, sizeof(msg), "%s%s", strerror(-err), errno_hint(-err));
	return msg;
}

int cmd_create(int argc, char **argv)
{
	enum { OPT_SPLIT = 256, OPT_CSS, OPT_KEY, OPT_PMEMBERS, OPT_PCHUNK, OPT_PFAILED };
	static const struct option longopts[] = {
		{ "backing", required_argument, NULL, 'b' },
		{ "queues", required_argument, NULL, 'q' },
		{ "depth", required_argument, NULL, 'd' },
		{ "stages", required_argument, NULL, 's' },
		{ "split-boundary", required_argument, NULL, OPT_SPLIT },
		{ "crypt-sector-size", required_argument, NULL, OPT_CSS },
		{ "key-file", required_argument, NULL, OPT_KEY },
		{ "parity-members", required_argument, NULL, OPT_PMEMBERS },
		{ "parity-chunk", required_argument, NULL, OPT_PCHUNK },
		{ "parity-failed", required_argument, NULL, OPT_PFAILED },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char queues[24], depth[24], boundary[24], css[24], pmembers[24], pchunk[24], pfailed[24];
	char key[1024], p[SB_PATH_MAX];
	const char *name, *key_file = NULL;
	static const int ids[] = {
		SET_backing, SET_nr_hw_queues, SET_queue_depth, SET_stages,
		SET_split_boundary, SET_crypt_sector_size, SET_crypt_key,
		SET_parity_members, SET_parity_chunk, SET_parity_failed_member,
	};
	enum {
		A_BACKING, A_QUEUES, A_DEPTH, A_STAGES, A_SPLIT, A_CSS, A_KEY, A_PMEMBERS,
		A_PCHUNK, A_PFAILED, NR_ATTRS
	};
	const struct setting *spm = &settings[SET_parity_members];
	const struct setting *spc = &settings[SET_parity_chunk];
	const struct setting *spf = &settings[SET_parity_failed_member];
	const struct setting *sdepth = &settings[SET_queue_depth];
	struct attr attrs[NR_ATTRS];
	uint64_t v;
	long index;
	int c, ret;

	for (c = 0; c < NR_ATTRS; c++)
		attrs[c] = (struct attr){
			.name = settings[ids[c]].name,
			.stage = settings[ids[c]].stage,
			.secret = ids[c] == SET_crypt_key,
		};
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":b:q:d:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			attrs[A_BACKING].value = optarg;
			break;
		case 'q':
			if (!parse_u64(optarg, &v) || v > 65536)
				return usage_error("create", "bad --queues '%s'", optarg);
			snprintf(queues, sizeof(queues), "%llu", (unsigned long long)v);
			attrs[A_QUEUES].value = queues;
			break;
		case 'd':
			if (!parse_u64(optarg, &v) || v < sdepth->min || v > sdepth->max)
				return usage_error("create", "bad --depth '%s' (%llu..%llu)", optarg,
						   sdepth->min, sdepth->max);
			snprintf(depth, sizeof(depth), "%llu", (unsigned long long)v);
			attrs[A_DEPTH].value = depth;
			break;
		case 's':
			if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyz_,") != strlen(optarg))
				return usage_error("create", "bad --stages '%s' (e.g. merge,split,crypt,parity)",
						   optarg);
			attrs[A_STAGES].value = optarg;
			break;
		case OPT_SPLIT:
			if (!parse_size(optarg, &v) || !v)
				return usage_error("create", "bad --split-boundary '%s'", optarg);
			snprintf(boundary, sizeof(boundary), "%llu", (unsigned long long)v);
			attrs[A_SPLIT].value = boundary;
			break;
		case OPT_CSS:
			if (!parse_u64(optarg, &v) || !v)
				return usage_error("create", "bad --crypt-sector-size '%s'", optarg);
			snprintf(css, sizeof(css), "%llu", (unsigned long long)v);
			attrs[A_CSS].value = css;
			break;
		case OPT_KEY:
			key_file = optarg;
			break;
		case OPT_PMEMBERS:
			if (!parse_u64(optarg, &v) || v < spm->min || v > spm->max)
				return usage_error("create", "bad --parity-members '%s' (%llu..%llu)",
						   optarg, spm->min, spm->max);
			snprintf(pmembers, sizeof(pmembers), "%llu", (unsigned long long)v);
			attrs[A_PMEMBERS].value = pmembers;
			break;
		case OPT_PCHUNK:
			if (!parse_size(optarg, &v) || v < spc->min || v > spc->max || (v & (v - 1)))
				return usage_error("create",
						   "bad --parity-chunk '%s' (a power of two, %llu..%llu)",
						   optarg, spc->min, spc->max);
			snprintf(pchunk, sizeof(pchunk), "%llu", (unsigned long long)v);
			attrs[A_PCHUNK].value = pchunk;
			break;
		case OPT_PFAILED:
			if (!parse_u64(optarg, &v) || v > spf->max)
				return usage_error("create", "bad --parity-failed '%s' (0..%llu)",
						   optarg, spf->max);
			snprintf(pfailed, sizeof(pfailed), "%llu", (unsigned long long)v);
			attrs[A_PFAILED].value = pfailed;
			break;
		case 'h':
			return show_help(create_usage);
		default:
			return bad_option("create", argv, c);
		}
	}
	if (optind != argc - 1)
		return usage_error("create", optind >= argc ? "missing NAME" : "too many arguments");
	name = argv[optind];
	if (!valid_name(name))
		return usage_error("create", "bad NAME '%s'", name);
	if (!attrs[A_BACKING].value)
		return usage_error("create", "--backing DEV is required");
	if (!sb_require_module())
		return EXIT_RUNTIME;
	if (key_file) {
		if (!read_key(key_file, key, sizeof(key)))
			return EXIT_RUNTIME;
		attrs[A_KEY].value = key;
	}

	sb_path(p, SB_CONFIGFS, "stackblk");
	if (!is_dir(p)) {
		sb_err("create: %s missing: is configfs mounted? "
		       "(mount -t configfs none /sys/kernel/config)", p);
		goto fail_key;
	}
	if (snprintf(item_path, sizeof(item_path), "%s/%s", p, name) >= (int)sizeof(item_path)) {
		sb_err("create: path %s/%s too long", p, name);
		goto fail_key;
	}
	if (mkdir(item_path, 0755)) {
		ret = errno;
		if (ret == EEXIST)
			sb_err("create: %s already exists", name);
		else
			sb_err("create: mkdir %s: %s%s", item_path, strerror(ret), errno_hint(ret));
		goto fail_key;
	}
	for (int i = 0; i < NR_ATTRS; i++) {
		if (attrs[i].value && attrs[i].stage && !path_exists(attr_path(p, attrs[i].name))) {
			sb_err("create: this stackblk module does not support stages (no %s attribute)",
			       attrs[i].name);
			goto fail_rmdir;
		}
	}
	for (int i = 0; i < NR_ATTRS; i++) {
		if (!attrs[i].value)
			continue;
		ret = write_text(attr_path(p, attrs[i].name), attrs[i].value);
		if (ret) {
			sb_err("create: cannot set %s%s%s: %s%s", attrs[i].name,
			       attrs[i].secret ? "" : "=", attrs[i].secret ? "" : attrs[i].value,
			       strerror(-ret), errno_hint(-ret));
			goto fail_rmdir;
		}
	}
	explicit_bzero(key, sizeof(key));
	ret = write_text(attr_path(p, "power"), "1");
	if (ret) {
		sb_err("create: cannot power on %s: %s", name,
		       power_error(ret, attrs[A_BACKING].value));
		rollback(false);
		return EXIT_RUNTIME;
	}
	ret = read_int(attr_path(p, "index"), &index);
	if (ret || index < 0) {
		sb_err("create: %s: cannot read index: %s", name, ret ? strerror(-ret) : "-1");
		rollback(true);
		return EXIT_RUNTIME;
	}
	printf("/dev/stackblk%ld\n", index);
	return EXIT_OK;

fail_rmdir:
	rollback(false);
fail_key:
	explicit_bzero(key, sizeof(key));
	return EXIT_RUNTIME;
}

int cmd_remove(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char p[SB_PATH_MAX];
	struct cli_dev dev;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h')
			return show_help(remove_usage);
		return bad_option("remove", argv, c);
	}
	if (optind != argc - 1)
		return usage_error("remove", optind >= argc ? "missing NAME" : "too many arguments");
	if (!sb_require_module())
		return EXIT_RUNTIME;
	if (sb_dev_find(argv[optind], &dev)) {
		sb_err("remove: %s: no such stackblk device", argv[optind]);
		return EXIT_RUNTIME;
	}
	if (!dev.configfs) {
		sb_err("remove: %s was created by the module parameter backing=; "
		       "it goes away with 'rmmod stackblk'", dev.node);
		return EXIT_RUNTIME;
	}
	if (rmdir(sb_path(p, SB_CONFIGFS, "stackblk/%s", dev.name))) {
		int err = errno;

		sb_err("remove: %s: %s%s", dev.name, strerror(err),
		       err == EBUSY ? " (is the device open or mounted?)" : errno_hint(err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
