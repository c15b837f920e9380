/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stackblk - an instrumented blk-mq device stacked on a backing block device.
 *
 * Structures, named by role as in null_blk:
 *   struct sb_config  - one configfs item (or the insmod one-shot device):
 *                       what the user asked for
 *   struct sb_dev     - a live device, /dev/stackblkN
 *   struct sb_queue   - per hardware context state (queue depth)
 *   struct sb_cmd     - per request PDU
 *   struct sb_bio     - front pad of every bio sent to the backing device
 *   struct sb_stage_ops - what a data stage does (plain, crypt)
 *   struct sb_parity  - the parity stage under it (stage_parity.c)
 */
#ifndef _STACKBLK_H
#define _STACKBLK_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/configfs.h>
#include <linux/fault-inject.h>
#include <linux/jump_label.h>
#include <linux/llist.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "stackblk_stats.h"
#include "compat.h"
#include "sb_lib.h"

#define SB_NAME			"stackblk"

/* Where a completion ran relative to the submitting CPU. */
enum sb_locality { SB_LOC_SAME, SB_LOC_SHARED, SB_LOC_REMOTE, SB_NR_LOC };
/* Which completion: the backing device's, or stackblk's own. */
enum sb_loc_kind { SB_LOC_BACKING, SB_LOC_COMPLETE, SB_NR_LOC_KIND };
/* Where it ran relative to the submitting CPU's NUMA node. */
enum sb_node_locality { SB_NODE_SAME, SB_NODE_REMOTE, SB_NR_NODE_LOC };

/*
 * Per-CPU statistics.  Each CPU only ever writes its own copy (this_cpu_*),
 * readers sum over CPUs.  matrix[] holds 2 * aff_cols counters: first this
 * CPU's row as a *backing completion* CPU, indexed by the folded
 * submitting CPU; then, for requests whose backing completed on another
 * CPU and which this CPU finished as their *submitting* CPU (a crypt read
 * decrypted in crypt_wq), its row as a submitting CPU, indexed by the
 * folded backing CPU (sb_count_matrix()).
 */
struct sb_pcpu_stats {
	u64 ctr[SB_NR_STATS];
	u64 lat[SB_LAT_NR_PATHS][SB_LAT_NR_OPS][SB_LAT_FINE_BUCKETS];
	u64 lat_sum[SB_LAT_NR_PATHS][SB_LAT_NR_OPS];
	u64 loc[SB_NR_LOC_KIND][SB_NR_LOC];
	u64 node_loc[SB_NR_LOC_KIND][SB_NR_NODE_LOC];
	u64 matrix[];
};

/* A sum over CPUs (also the layout of the reset baseline). */
struct sb_stats_sum {
	u64 ctr[SB_NR_STATS];
	u64 lat[SB_LAT_NR_PATHS][SB_LAT_NR_OPS][SB_LAT_FINE_BUCKETS];
	u64 lat_sum[SB_LAT_NR_PATHS][SB_LAT_NR_OPS];
	u64 loc[SB_NR_LOC_KIND][SB_NR_LOC];
	u64 node_loc[SB_NR_LOC_KIND][SB_NR_NODE_LOC];
	u64 matrix[];	/* [row = submit group][col = backing group] */
};

/*
 * Queue depth of one hardware context.  blk-mq may run one hctx from more
 * than one CPU, and requests complete on other CPUs, so these are atomics;
 * they live on the hctx's own cache lines and are shared by nothing else.
 */
struct sb_queue {
	atomic_t inflight;
	atomic_t max;
	atomic_long_t hist[SB_DEPTH_BUCKETS];
	/* merge stage: requests of the dispatch batch not sent yet */
	spinlock_t batch_lock;
	struct sb_cmd *batch_head;
	struct sb_cmd *batch_tail;
} ____cacheline_aligned_in_smp;

struct sb_config {
	struct config_item item;
	struct mutex lock;		/* serializes attribute writes */
	char *backing;			/* path, kmalloc'ed */
	/* the settings of include/stackblk_settings.h (config.c) */
	u32 nr_hw_queues;		/* 0 = one per possible CPU */
	u32 queue_depth;
	struct sb_stage_cfg sc;		/* stage settings (stage.c) */
	u8 key[SB_CRYPT_KEY_MAX];	/* secret: never shown, wiped on free */
	unsigned int key_len;		/* 0: no key set */
	struct sb_dev *dev;		/* non-NULL while powered */
};

struct sb_dev {
	struct sb_config *cfg;
	int index;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct sb_backing backing;
	struct block_device *bdev;	/* the backing device */
	struct bio_set bs;
	struct sb_queue *queues;
	unsigned int nr_queues;

	struct sb_pcpu_stats __percpu *stats;
	unsigned int aff_group;		/* CPUs per matrix row/column */
	unsigned int aff_cols;
	struct mutex stats_lock;	/* serializes reset against summing */
	struct sb_stats_sum *base;	/* values at the last reset */

	/* Stage pipeline (stage.c); sc is fixed while powered. */
	struct sb_stage_cfg sc;
	const struct sb_stage_ops *ops;	/* the data stage: crypt or plain */
	unsigned int lbs;		/* backing logical block size */
	u64 merge_max;			/* bytes: merge_max_bytes and backing */
	unsigned int merge_max_segs;
	u32 discard_boundary;		/* split: where discards are cut */
	u32 discard_offset;		/* ... at multiples of it plus this */
	struct workqueue_struct *io_wq;	/* units of an in_work stage */
	/* crypt stage (stage_crypt.c) */
	struct crypto_skcipher *tfm;	/* may be async: task context only */
	mempool_t *req_pool;		/* its requests */
	mempool_t *read_pool;		/* bounce pages of crypt reads */
	mempool_t *write_pool;		/* bounce pages of crypt writes */
	struct mutex read_bounce_lock;	/* one blocking read_pool allocation */
	struct mutex write_bounce_lock;	/* one blocking write_pool allocation */
	struct workqueue_struct *crypt_wq; /* read decryption that may sleep */
	spinlock_t range_lock;		/* crypt-sector range lock */
	struct list_head ranges;
	wait_queue_head_t range_wait;
	struct sb_parity *parity;	/* parity stage (stage_parity.c) */

	struct kobject *sysfs_dir;	/* /sys/block/stackblkN/stackblk */
	struct kobject *sysfs_stats;	/* .../stackblk/stats */
	struct dentry *debugfs_dir;
};

/*
 * Front pad of each backing bio.  A data stage may put more in front of it
 * (struct sb_stage_ops.front_pad): the crypt stage's struct sb_crypt_bio.
 * A forwarded request's first backing bio is the one in its PDU
 * (struct sb_cmd.clone, backing.c).
 */
struct sb_bio {
	struct sb_cmd *cmd;
	u64 start_ns;			/* 0: not timed */
	sector_t sector;		/* as submitted: for the trace at */
	unsigned int nr_sector;		/* completion (bi_iter may be spent) */
	struct bio bio;
};

/* Per request PDU. */
struct sb_cmd {
	struct sb_dev *dev;
	atomic_t pending;		/* backing bios not completed yet */
	blk_status_t status;		/* first error */
	int submit_cpu;
	int backing_cpu;		/* where its last backing bio completed */
	u64 start_ns;			/* 0: not timed */
	/*
	 * Stage pipeline.  A unit is one backing I/O before splitting: a
	 * leader request and the requests the merge stage absorbed into it
	 * (chained by next).  Only the leader's pending, status, pos, end,
	 * range and work are used; every member completes with its status.
	 */
	struct sb_cmd *next;
	u64 pos;			/* bytes on the backing device */
	u64 end;
	struct list_head range;		/* in dev->ranges while locked */
	u64 range_start, range_end;
	struct work_struct work;
	struct llist_node done_node;	/* to end later (backing.c) */
	/* a forwarded request's first backing bio (no stage, or a flush) */
	struct sb_bio clone;		/* last: struct bio ends in an array */
	/* and past the end of the struct, the bio_vec sb_cmd_bvec() gives */
};

/* The PDU is one bio_vec longer than struct sb_cmd (sb_init_tag_set()). */
#define SB_CMD_SIZE	(sizeof(struct sb_cmd) + sizeof(struct bio_vec))

/* that bio_vec: the data of a forwarded bio of one page (backing.c) */
static inline struct bio_vec *sb_cmd_bvec(struct sb_cmd *cmd)
{
	return (struct bio_vec *)(cmd + 1);
}

/**
 * struct sb_stage_ops - what a data stage does to a unit (stage.c)
 * @name: for messages
 * @front_pad: bytes in front of each backing bio, struct sb_bio included
 * @in_work: units run in a work item of dev->io_wq, where they may sleep
 * @setup: set up what the stage needs and fill in its limits; 0 or a
 *	negative errno, with nothing left behind
 * @teardown: undo @setup, also a partial one
 * @unit_begin: before the first piece of a read or write unit (may sleep
 *	if @in_work): the crypt range lock
 * @unit_try: with @in_work, run a read or write unit of one split piece at
 *	once, where it was dispatched (->queue_rq(), ->queue_rqs() or
 *	->commit_rqs(), whose bios may wait on current->bio_list until they
 *	return), if that needs no wait that could depend on I/O: true if it
 *	did (the unit is the stage's, and may have completed), false with
 *	nothing done, and the unit goes to io_wq
 * @piece: read or write the unit's bytes [@p, @pe), one split piece: put
 *	the unit once for each backing bio it adds beyond one, and once if
 *	it fails before submitting
 * @nodata: trim a discard or write-zeroes unit [*@pos, *@end) to what the
 *	stage can do; BLK_STS_OK, or the status it fails with
 * @unit_done: the unit's last backing bio has completed, before its
 *	requests do
 */
struct sb_stage_ops {
	const char *name;
	unsigned int front_pad;
	bool in_work;
	int (*setup)(struct sb_dev *dev, struct sb_stage_limits *sl);
	void (*teardown)(struct sb_dev *dev);
	void (*unit_begin)(struct sb_cmd *leader);
	bool (*unit_try)(struct sb_cmd *leader);
	void (*piece)(struct sb_cmd *leader, u64 p, u64 pe);
	blk_status_t (*nodata)(struct sb_dev *dev, blk_opf_t opf, u64 *pos,
			       u64 *end);
	void (*unit_done)(struct sb_cmd *leader);
};

DECLARE_STATIC_KEY_TRUE(sb_collect);

/* config.c: the settings of include/stackblk_settings.h */
#define SB_SETTING(name, ...) SB_SET_##name,
enum sb_setting_id {
#include "stackblk_settings.h"
	SB_NR_SETTINGS
};

/* The number kinds come first (see sb_kind_is_number()). */
enum sb_setting_kind {
	SB_KIND_U32, SB_KIND_BYTES, SB_KIND_POW2, SB_KIND_SECTOR, SB_KIND_BOOL,
	SB_KIND_STAGES, SB_KIND_CIPHER, SB_KIND_PATH, SB_KIND_KEY,
};

enum sb_setting_where { SB_WHERE_DEVICE, SB_WHERE_STAGE, SB_WHERE_SECRET };

/**
 * struct sb_setting - one row of include/stackblk_settings.h
 * @name: configfs attribute, module parameter and sysfs file name
 * @kind: how it is parsed and shown
 * @where: struct sb_config (DEVICE) or struct sb_stage_cfg (STAGE)
 * @def: default of a number (module parameters may change it)
 * @min: smallest value of a number
 * @max: largest value of a number; 0 = the number of possible CPUs
 * @offset: of its u32 in the struct of @where (numbers and stages)
 */
struct sb_setting {
	const char *name;
	enum sb_setting_kind kind;
	enum sb_setting_where where;
	u32 def;
	u32 min;
	u32 max;
	size_t offset;
};

extern const struct sb_setting sb_settings[SB_NR_SETTINGS];
struct sb_config *sb_config_alloc(void);
void sb_config_free(struct sb_config *cfg);
int sb_config_set_backing(struct sb_config *cfg, const char *page,
			  size_t count);
ssize_t sb_setting_show(struct sb_config *cfg, enum sb_setting_id id,
			char *page);
ssize_t sb_setting_store(struct sb_config *cfg, enum sb_setting_id id,
			 const char *page, size_t count);
ssize_t sb_setting_show_stage(const struct sb_stage_cfg *sc,
			      enum sb_setting_id id, char *page);
int sb_settings_check_params(void);

/* dev.c */
int sb_dev_init(void);
void sb_dev_exit(void);
int sb_dev_create(struct sb_config *cfg);
void sb_dev_destroy(struct sb_config *cfg);

/* mq.c */
extern const struct blk_mq_ops sb_mq_ops;

/* configfs.c */
int sb_configfs_init(void);
void sb_configfs_exit(void);

/* backing.c */
void sb_backing_submit(struct sb_cmd *cmd, struct bio *bio,
		       bio_end_io_t *end_io);
int sb_backing_submit_wait(struct sb_cmd *cmd, struct bio *bio);

/**
 * sb_backing_bio_alloc - a backing bio that is not a clone, charged as one
 * @dev: the device
 * @src: the bio whose I/O it carries (of the unit's first request, or
 *	the upper bio of a parity member I/O)
 * @nr_vecs: pages it will hold
 * @opf: its op and flags
 * @bs: the bio_set to take it from
 *
 * Made with no block device, then given the backing one and associated
 * once with @src's cgroup (sb_bio_clone_blkg()), and given @src's I/O
 * priority and write hint, as a clone would be: the backing's io.max,
 * io.cost and io.latency, and its scheduler's priorities, apply to the
 * task that submitted @src, not to the worker that builds the bio.
 * Inline: backing.c calls the parity stage, which uses this too.
 */
static inline struct bio *
sb_backing_bio_alloc(struct sb_dev *dev, struct bio *src,
		     unsigned short nr_vecs, blk_opf_t opf, struct bio_set *bs)
{
	struct bio *bio = bio_alloc_bioset(NULL, nr_vecs, opf, GFP_NOIO, bs);

	bio->bi_bdev = dev->bdev;
	sb_bio_clone_blkg(bio, src);
	bio->bi_ioprio = src->bi_ioprio;
	sb_bio_copy_write_hint(bio, src);
	return bio;
}

struct sb_cmd *sb_backing_bio_end(struct bio *bio, u64 *now);
void sb_cmd_backing_done(struct sb_cmd *cmd, u64 now);
void sb_flush_done_init(void);
void sb_flush_done_exit(void);
void sb_complete(struct request *rq, u64 now);
void sb_forward(struct sb_cmd *cmd, struct request *rq);

/* stage.c */
extern const struct sb_stage_ops sb_plain_ops;
int sb_stage_setup(struct sb_dev *dev, const struct sb_stage_ops *ops,
		   struct sb_stage_limits *sl);
void sb_stage_teardown(struct sb_dev *dev);
sector_t sb_stage_capacity(const struct sb_dev *dev);
void sb_stage_prepare(struct sb_cmd *cmd);
void sb_stage_queue(struct sb_cmd *cmd);
void sb_unit_dispatch(struct sb_cmd *leader);

/* stage_merge.c */
void sb_merge_queue(struct sb_cmd *cmd, bool last);
void sb_merge_commit(struct sb_queue *sq);

/* stage_crypt.c */
extern const struct sb_stage_ops sb_crypt_ops;

/* stage_parity.c */
struct seq_file;
int sb_parity_setup(struct sb_dev *dev, struct sb_stage_limits *sl);
void sb_parity_teardown(struct sb_dev *dev);
u64 sb_parity_capacity_bytes(const struct sb_dev *dev);
void sb_parity_submit(struct sb_cmd *cmd, struct bio *upper);
int sb_parity_show(struct seq_file *m, struct sb_dev *dev);

/* stats.c */
void sb_count_io(struct sb_dev *dev, bool physical, enum req_op op,
		 unsigned int bytes);
void sb_count_physical(struct sb_dev *dev, struct bio *bio);
int sb_stats_alloc(struct sb_dev *dev);
void sb_stats_free(struct sb_dev *dev);
u64 sb_stat_read(struct sb_dev *dev, enum stackblk_stat idx);
struct sb_stats_sum *sb_stats_snapshot(struct sb_dev *dev);
size_t sb_stats_sum_size(const struct sb_dev *dev);
int sb_stats_reset(struct sb_dev *dev);
unsigned int sb_inflight(struct sb_dev *dev);
unsigned int sb_inflight_max(struct sb_dev *dev);
enum sb_locality sb_cpu_locality(int a, int b);
void sb_count_locality(struct sb_dev *dev, enum sb_loc_kind kind, int submit,
		       int cpu);

/**
 * sb_count_matrix - count a request in the affinity matrix, on this CPU
 * @dev: its device
 * @submit: the CPU that dispatched it
 * @backing: the CPU on which its (last) backing bio completed
 *
 * This CPU is the backing CPU for nearly every request: it counts it in
 * its row as the backing CPU.  A crypt read that crypt_wq decrypted
 * finishes on its submitting CPU, which counts it in its row as the
 * submitting CPU, under @backing (struct sb_pcpu_stats).  Finished on a
 * third CPU, it counts as if that one were the backing CPU: the row stays
 * right and the column is where it finished.  That is exact for a request
 * of several backing bios whose last two complete at once on different
 * CPUs (@backing is either's, this CPU ran the last), and off for a crypt
 * read that decrypts in a task that sleeps and moves to another CPU
 * (crypt_read_task_ios), or a request that fails in io_wq or after
 * sleeping in ->queue_rq().
 */
static inline void sb_count_matrix(struct sb_dev *dev, int submit,
				   int backing)
{
	unsigned int g = dev->aff_group, sub = submit, bk = backing;
	unsigned int here = get_cpu();

	if (unlikely(here != bk) && here / g == sub / g && here / g != bk / g)
		this_cpu_inc(dev->stats->matrix[dev->aff_cols + bk / g]);
	else
		this_cpu_inc(dev->stats->matrix[sub / g]);
	put_cpu();
}

static inline enum sb_lat_op sb_lat_op(blk_opf_t opf)
{
	switch (opf & REQ_OP_MASK) {
	case REQ_OP_READ:
		return SB_LAT_OP_read;
	case REQ_OP_WRITE:
		return (opf & REQ_PREFLUSH) ? SB_LAT_OP_flush : SB_LAT_OP_write;
	case REQ_OP_FLUSH:
		return SB_LAT_OP_flush;
	default:
		return SB_LAT_OP_other;
	}
}

static inline u64 sb_now_if_collecting(void)
{
	return static_branch_likely(&sb_collect) ? ktime_get_ns() : 0;
}

/* One latency sample of @ns nanoseconds, into this CPU's histogram. */
static inline void sb_record_latency(struct sb_dev *dev,
				     enum sb_lat_path path, blk_opf_t opf,
				     u64 ns)
{
	struct sb_pcpu_stats __percpu *st = dev->stats;
	enum sb_lat_op op = sb_lat_op(opf);

	this_cpu_inc(st->lat[path][op][sb_lat_fine_bucket(ns)]);
	this_cpu_add(st->lat_sum[path][op], ns);
}

/* sysfs.c */
int sb_sysfs_add(struct sb_dev *dev);
void sb_sysfs_del(struct sb_dev *dev);

/* debugfs.c */
#ifdef CONFIG_FAULT_INJECTION
extern struct fault_attr sb_fail_crypt_defer;

static inline bool sb_should_fail_crypt_defer(void)
{
	return should_fail(&sb_fail_crypt_defer, 1);
}
#else
static inline bool sb_should_fail_crypt_defer(void)
{
	return false;
}
#endif
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void sb_crypt_test_cipher(char *name, size_t len);
#else
static inline void sb_crypt_test_cipher(char *name, size_t len)
{
}
#endif
void sb_debugfs_init(void);
void sb_debugfs_exit(void);
void sb_debugfs_add(struct sb_dev *dev);
void sb_debugfs_del(struct sb_dev *dev);

#endif /* _STACKBLK_H */
