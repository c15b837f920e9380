// SPDX-License-Identifier: GPL-2.0
/*
 * Device settings: struct sb_config (one per configfs item, or the insmod
 * one-shot device), its allocation and backing path, and the one settings
 * table, generated from include/stackblk_settings.h.  configfs.c makes one
 * attribute per row, sysfs.c shows the STAGE rows of a powered device,
 * and the rows that seed the defaults of new devices are also module
 * parameters of the same name.
 *
 * Adding a setting is one row in include/stackblk_settings.h and its u32
 * field in struct sb_config or struct sb_stage_cfg; its validator is its
 * kind (sb_setting_check_u32()), and a new kind adds its case to
 * sb_setting_set() and sb_setting_emit().  A module parameter for it is
 * one SB_PARAM() line below.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "stackblk.h"

#define SB_BACKING_MAX	256	/* longest accepted backing path */

/* --- the table ------------------------------------------------------------ */

/* Where a row's value lives: a u32 in struct sb_config or sb_stage_cfg. */
#define SB_OFF_DEVICE(n)	offsetof(struct sb_config, n)
#define SB_OFF_STAGE(n)		offsetof(struct sb_stage_cfg, n)
#define SB_OFF_U32(w, n)	SB_OFF_##w(n)
#define SB_OFF_BYTES(w, n)	SB_OFF_##w(n)
#define SB_OFF_POW2(w, n)	SB_OFF_##w(n)
#define SB_OFF_SECTOR(w, n)	SB_OFF_##w(n)
#define SB_OFF_BOOL(w, n)	SB_OFF_##w(n)
#define SB_OFF_STAGES(w, n)	SB_OFF_##w(n)
#define SB_OFF_CIPHER(...)	0
#define SB_OFF_PATH(...)	0
#define SB_OFF_KEY(...)		0

#define SB_SETTING(_name, _where, _kind, _def, _min, _max, ...)	\
	[SB_SET_##_name] = {						\
		.name	= #_name,					\
		.kind	= SB_KIND_##_kind,				\
		.where	= SB_WHERE_##_where,				\
		.def	= _def,						\
		.min	= _min,						\
		.max	= _max,						\
		.offset	= SB_OFF_##_kind(_where, _name),		\
	},
const struct sb_setting sb_settings[SB_NR_SETTINGS] = {
#include "stackblk_settings.h"
};

/*
 * Defaults of new devices: the table's, or the module parameter of the
 * same name.  The "backing" parameter is not one of them: it creates the
 * one-shot device (main.c).  No key is ever a module parameter.
 */
#define SB_DEF_U32(d, ...)	(d)
#define SB_DEF_BYTES(d, ...)	(d)
#define SB_DEF_POW2(d, ...)	(d)
#define SB_DEF_SECTOR(d, ...)	(d)
#define SB_DEF_BOOL(d, ...)	(d)
#define SB_DEF_STAGES(...)	0
#define SB_DEF_CIPHER(...)	0
#define SB_DEF_PATH(...)	0
#define SB_DEF_KEY(...)		0
#define SB_SETTING(_name, _where, _kind, _def, ...)			\
	[SB_SET_##_name] = SB_DEF_##_kind(_def, _where),

static unsigned int sb_def_u32[SB_NR_SETTINGS] = {
#include "stackblk_settings.h"
};

static char *sb_def_str[SB_NR_SETTINGS];	/* stages, crypt_cipher */

/*
 * One module parameter: @_arr[SB_SET_##_name], the default of the setting
 * of the same name.  Its initial value is the table's (no number is
 * repeated here); /sys/module/stackblk/parameters/<name> shows it.
 * MODULE_PARM_DESC() is spelled out as __MODULE_INFO()
 * so that the macro names @_name once.
 */
#define SB_PARAM(_name, _type, _arr, _desc)				\
	module_param_named(_name, _arr[SB_SET_##_name], _type, 0444);	\
	__MODULE_INFO(parm, sb_parm_##_name, #_name ":" _desc)

SB_PARAM(nr_hw_queues, uint, sb_def_u32, "Default hardware contexts; 0 = one per possible CPU");
SB_PARAM(queue_depth, uint, sb_def_u32, "Default tags per hardware context (1-4096)");
SB_PARAM(stages, charp, sb_def_str, "Default stages (crypt is configfs only: it needs a key)");
SB_PARAM(merge_max_bytes, uint, sb_def_u32, "Default largest merged backing I/O in bytes");
SB_PARAM(split_boundary, uint, sb_def_u32, "Default split boundary in bytes");
SB_PARAM(crypt_cipher, charp, sb_def_str, "Default cipher: only " SB_CRYPT_CIPHER);
SB_PARAM(crypt_sector_size, uint, sb_def_u32, "Default crypt sector size: 512 or 4096");
SB_PARAM(crypt_iv_large_sectors, uint, sb_def_u32, "Default IV in crypt sectors (1) or 512s (0)");
SB_PARAM(crypt_allow_discards, uint, sb_def_u32, "Default: discards through crypt (1) or not (0)");
SB_PARAM(parity_members, uint, sb_def_u32, "Default parity members, parity included (3-16)");
SB_PARAM(parity_chunk, uint, sb_def_u32, "Default parity chunk in bytes (power of two)");
SB_PARAM(parity_failed_member, uint, sb_def_u32, "Default failed parity member; 16: none");

static u32 sb_def_stage_bits;	/* the stages parameter, parsed */

static bool sb_kind_is_number(enum sb_setting_kind kind)
{
	return kind <= SB_KIND_BOOL;
}

static u32 *sb_setting_field(void *cfg_or_sc, const struct sb_setting *s)
{
	return (u32 *)((char *)cfg_or_sc + s->offset);
}

/* The u32 of a row in a configfs item. */
static u32 *sb_config_field(struct sb_config *cfg, const struct sb_setting *s)
{
	return sb_setting_field(s->where == SB_WHERE_STAGE ? (void *)&cfg->sc :
				(void *)cfg, s);
}

/* --- one value ------------------------------------------------------------ */

/* Is @v allowed for the number row @s?  0 or -EINVAL. */
static int sb_setting_check_u32(const struct sb_setting *s, u32 v)
{
	u32 max = s->max ?: nr_cpu_ids;

	switch (s->kind) {
	case SB_KIND_SECTOR:
		return v == 512 || v == 4096 ? 0 : -EINVAL;
	case SB_KIND_POW2:
		if (!is_power_of_2(v))
			return -EINVAL;
		fallthrough;
	case SB_KIND_BYTES:
		if (v % SECTOR_SIZE)
			return -EINVAL;
		fallthrough;
	default:
		return v < s->min || v > max ? -EINVAL : 0;
	}
}

static int sb_check_cipher(const char *page, size_t count)
{
	if (count && page[count - 1] == '\n')
		count--;
	if (count != strlen(SB_CRYPT_CIPHER) ||
	    memcmp(page, SB_CRYPT_CIPHER, count))
		return -EINVAL;
	return 0;
}

/**
 * sb_config_set_backing - check and remember the backing device path
 * @cfg: the configuration (its lock held, or not yet visible to anyone)
 * @page: the path, optionally followed by one newline
 * @count: its length
 *
 * The path must name an existing block device: ENOENT if it does not
 * exist, ENOTBLK if it is not a block device.  Whether it is free is only
 * known when power=1 opens it exclusively (EBUSY).
 */
int sb_config_set_backing(struct sb_config *cfg, const char *page,
			  size_t count)
{
	char *path;
	dev_t devt;
	int ret;

	if (count && page[count - 1] == '\n')
		count--;
	if (!count)
		return -EINVAL;
	if (count >= SB_BACKING_MAX)
		return -ENAMETOOLONG;
	if (strnlen(page, count) != count)	/* embedded NUL */
		return -EINVAL;

	path = kmemdup_nul(page, count, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = lookup_bdev(path, &devt);
	if (ret) {
		kfree(path);
		return ret;
	}
	kfree(cfg->backing);
	cfg->backing = path;
	return 0;
}

static int sb_config_set_key(struct sb_config *cfg, const char *page,
			     size_t count)
{
	u8 key[SB_CRYPT_KEY_MAX];
	unsigned int len;
	int ret;

	ret = sb_parse_hex_key(page, count, key, &len);
	if (!ret) {
		memzero_explicit(cfg->key, sizeof(cfg->key));
		memcpy(cfg->key, key, len);
		cfg->key_len = len;
	}
	memzero_explicit(key, sizeof(key));
	return ret;
}

/* Parse and set one row; cfg->lock held, not powered.  Whole or nothing. */
static int sb_setting_set(struct sb_config *cfg, const struct sb_setting *s,
			  const char *page, size_t count)
{
	u32 v;
	int ret;

	switch (s->kind) {
	case SB_KIND_PATH:
		return sb_config_set_backing(cfg, page, count);
	case SB_KIND_KEY:
		return sb_config_set_key(cfg, page, count);
	case SB_KIND_CIPHER:
		return sb_check_cipher(page, count);
	case SB_KIND_STAGES:
		return sb_parse_stages(page, count, sb_config_field(cfg, s));
	default:
		ret = sb_parse_u32(page, count, 0, U32_MAX, &v) ?:
		      sb_setting_check_u32(s, v);
		if (!ret)
			*sb_config_field(cfg, s) = v;
		return ret;
	}
}

/**
 * sb_setting_store - a write to the configfs attribute of a setting
 * @cfg: the configuration
 * @id: the setting
 * @page: what was written
 * @count: its length
 *
 * EPERM without CAP_SYS_ADMIN, before anything is parsed; EBUSY while
 * powered; else the row's own errors.  Takes effect whole or not at all.
 * A key's buffer is wiped in every case: configfs frees its copy of the
 * write without doing so.
 */
ssize_t sb_setting_store(struct sb_config *cfg, enum sb_setting_id id,
			 const char *page, size_t count)
{
	const struct sb_setting *s = &sb_settings[id];
	int ret = -EPERM;

	if (capable(CAP_SYS_ADMIN)) {
		mutex_lock(&cfg->lock);
		ret = cfg->dev ? -EBUSY : sb_setting_set(cfg, s, page, count);
		mutex_unlock(&cfg->lock);
	}
	if (s->kind == SB_KIND_KEY)
		memzero_explicit((void *)page, count);
	return ret ?: count;
}

/*
 * The text of a row whose u32 (numbers, stages) is at @field; @backing
 * for the path.  Never the key.
 */
static ssize_t sb_setting_emit(const struct sb_setting *s, const u32 *field,
			       const char *backing, char *page)
{
	char names[SB_STAGES_LEN];

	switch (s->kind) {
	case SB_KIND_PATH:
		return sysfs_emit(page, "%s\n", backing ?: "");
	case SB_KIND_CIPHER:
		return sysfs_emit(page, "%s\n", SB_CRYPT_CIPHER);
	case SB_KIND_STAGES:
		sb_format_stages(names, sizeof(names), *field);
		return sysfs_emit(page, "%s\n", names);
	case SB_KIND_KEY:
		return -EACCES;
	default:
		return sysfs_emit(page, "%u\n", *field);
	}
}

/* A read of the configfs attribute of a setting. */
ssize_t sb_setting_show(struct sb_config *cfg, enum sb_setting_id id,
			char *page)
{
	const struct sb_setting *s = &sb_settings[id];
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = sb_setting_emit(s, sb_config_field(cfg, s), cfg->backing, page);
	mutex_unlock(&cfg->lock);
	return ret;
}

/* A stage setting of a powered device (fixed while powered), for sysfs. */
ssize_t sb_setting_show_stage(const struct sb_stage_cfg *sc,
			      enum sb_setting_id id, char *page)
{
	const struct sb_setting *s = &sb_settings[id];

	if (WARN_ON_ONCE(s->where != SB_WHERE_STAGE))
		return -EINVAL;
	return sb_setting_emit(s, sb_setting_field((void *)sc, s), NULL, page);
}

/* --- defaults ------------------------------------------------------------- */

/**
 * sb_settings_check_params - validate the module parameters (at load)
 *
 * Each with the rule of its configfs attribute; "stages" may not hold
 * crypt, whose key is never a parameter.  Returns 0 or -EINVAL, with the
 * reason in the kernel log.
 */
int __init sb_settings_check_params(void)
{
	unsigned int id;

	for (id = 0; id < SB_NR_SETTINGS; id++) {
		const struct sb_setting *s = &sb_settings[id];
		const char *str;
		u32 v;

		if (sb_kind_is_number(s->kind)) {
			v = sb_def_u32[id];
			if (!sb_setting_check_u32(s, v))
				continue;
			if (s->kind == SB_KIND_SECTOR)
				pr_err("%s=%u: must be 512 or 4096\n", s->name, v);
			else
				pr_err("%s=%u: must be %s%u to %u\n", s->name, v,
				       s->kind == SB_KIND_POW2 ?
				       "a power of two from " :
				       s->kind == SB_KIND_BYTES ?
				       "a multiple of 512 from " : "",
				       s->min, s->max ?: nr_cpu_ids);
			return -EINVAL;
		}
		str = sb_def_str[id];
		if (!str)
			continue;
		if (s->kind == SB_KIND_CIPHER && sb_check_cipher(str, strlen(str))) {
			pr_err("%s=%s: only %s is supported\n", s->name, str,
			       SB_CRYPT_CIPHER);
			return -EINVAL;
		}
		if (s->kind != SB_KIND_STAGES)
			continue;
		if (sb_parse_stages(str, strlen(str), &sb_def_stage_bits)) {
			pr_err("%s=%s: a comma-separated subset of merge,split,crypt,parity\n",
			       s->name, str);
			return -EINVAL;
		}
		if (sb_def_stage_bits & SB_STAGE_CRYPT) {
			pr_err("%s=%s: crypt needs a key, and keys are never module parameters: use configfs (crypt_key)\n",
			       s->name, str);
			return -EINVAL;
		}
	}
	return 0;
}

struct sb_config *sb_config_alloc(void)
{
	struct sb_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	unsigned int id;

	if (!cfg)
		return NULL;
	mutex_init(&cfg->lock);
	for (id = 0; id < SB_NR_SETTINGS; id++) {
		const struct sb_setting *s = &sb_settings[id];

		if (sb_kind_is_number(s->kind))
			*sb_config_field(cfg, s) = sb_def_u32[id];
		else if (s->kind == SB_KIND_STAGES)
			*sb_config_field(cfg, s) = sb_def_stage_bits;
	}
	return cfg;
}

/* kfree_sensitive(): the key goes with the rest of the config. */
void sb_config_free(struct sb_config *cfg)
{
	kfree(cfg->backing);
	mutex_destroy(&cfg->lock);
	kfree_sensitive(cfg);
}
