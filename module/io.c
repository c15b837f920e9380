// SPDX-License-Identifier: GPL-2.0
/*
 * The data path: each request is forwarded to the backing device as clones
 * of its bios (or, for a flush, one empty PREFLUSH bio) allocated from the
 * device's bio_set.  The request completes once, through
 * blk_mq_complete_request(), when its last backing bio has completed, and
 * carries the first error any of them saw.
 *
 * Why BLK_MQ_F_BLOCKING: submitting to the backing device may sleep (for a
 * backing tag, when stackblk's queue_depth exceeds the backing's, or for a
 * bio from the mempool under memory pressure).  The tag set says so, so
 * blk-mq only calls ->queue_rq() where sleeping is allowed and never
 * deadlocks or fails I/O when the backing runs out of tags.  While
 * ->queue_rq() runs inside submit_bio() the clones go to current->bio_list
 * and are issued after it returns; the bio_set has a rescuer so a mempool
 * wait can never wait on bios parked there.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>

#include "stackblk.h"
#include "sb_trace.h"

static void sb_count_logical(struct request *rq)
{
	unsigned int bytes = blk_rq_bytes(rq);
	enum stackblk_stat ios, b;
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct sb_pcpu_stats __percpu *st = cmd->dev->stats;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		ios = SB_STAT_logical_read_ios;
		b = SB_STAT_logical_read_bytes;
		break;
	case REQ_OP_WRITE:
		ios = SB_STAT_logical_write_ios;
		b = SB_STAT_logical_write_bytes;
		break;
	case REQ_OP_FLUSH:
		this_cpu_inc(st->ctr[SB_STAT_logical_flush_ios]);
		return;
	case REQ_OP_DISCARD:
		ios = SB_STAT_logical_discard_ios;
		b = SB_STAT_logical_discard_bytes;
		break;
	case REQ_OP_WRITE_ZEROES:
		ios = SB_STAT_logical_write_zeroes_ios;
		b = SB_STAT_logical_write_zeroes_bytes;
		break;
	default:
		return;
	}
	this_cpu_inc(st->ctr[ios]);
	this_cpu_add(st->ctr[b], bytes);
}

void sb_count_physical(struct sb_dev *dev, struct bio *bio)
{
	struct sb_pcpu_stats __percpu *st = dev->stats;
	unsigned int bytes = bio->bi_iter.bi_size;
	enum stackblk_stat ios, b;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		ios = SB_STAT_physical_read_ios;
		b = SB_STAT_physical_read_bytes;
		break;
	case REQ_OP_WRITE:
		if (!bytes) {	/* empty PREFLUSH */
			this_cpu_inc(st->ctr[SB_STAT_physical_flush_ios]);
			return;
		}
		ios = SB_STAT_physical_write_ios;
		b = SB_STAT_physical_write_bytes;
		break;
	case REQ_OP_DISCARD:
		ios = SB_STAT_physical_discard_ios;
		b = SB_STAT_physical_discard_bytes;
		break;
	case REQ_OP_WRITE_ZEROES:
		ios = SB_STAT_physical_write_zeroes_ios;
		b = SB_STAT_physical_write_zeroes_bytes;
		break;
	default:
		return;
	}
	this_cpu_inc(st->ctr[ios]);
	this_cpu_add(st->ctr[b], bytes);
}

static void sb_record_latency(struct sb_dev *dev, enum sb_lat_path path,
			      blk_opf_t opf, u64 start_ns)
{
	struct sb_pcpu_stats __percpu *st = dev->stats;
	enum sb_lat_op op = sb_lat_op(opf);
	u64 ns = ktime_get_ns() - start_ns;

	this_cpu_inc(st->lat[path][op][sb_log2_bucket(ns, SB_LAT_BUCKETS)]);
	this_cpu_add(st->lat_sum[path][op], ns);
}

static inline u64 sb_now_if_collecting(void)
{
	return static_branch_likely(&sb_collect) ? ktime_get_ns() : 0;
}

/* The last backing bio of a request has completed, on this CPU. */
void sb_cmd_backing_done(struct sb_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct sb_dev *dev = cmd->dev;
	int cpu = raw_smp_processor_id();

	if (static_branch_likely(&sb_collect)) {
		struct sb_pcpu_stats __percpu *st = dev->stats;
		unsigned int col = (unsigned int)cmd->submit_cpu / dev->aff_group;

		this_cpu_inc(st->matrix[col]);
		this_cpu_inc(st->loc[SB_LOC_BACKING]
				   [sb_cpu_locality(cmd->submit_cpu, cpu)]);
	}
	blk_mq_complete_request(rq);
}

void sb_cmd_put(struct sb_cmd *cmd)
{
	if (!atomic_dec_and_test(&cmd->pending))
		return;
	if (cmd->dev->sc.stages)
		sb_stage_unit_done(cmd);
	else
		sb_cmd_backing_done(cmd);
}

static void sb_bio_end_io(struct bio *bio)
{
	struct sb_bio *sbio = container_of(bio, struct sb_bio, bio);
	struct sb_cmd *cmd = sbio->cmd;
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	/* Keep the first error; later ones only confirm the failure. */
	if (unlikely(bio->bi_status))
		cmpxchg(&cmd->status, BLK_STS_OK, bio->bi_status);
	if (sbio->start_ns)
		sb_record_latency(cmd->dev, SB_LAT_physical, bio->bi_opf,
				  sbio->start_ns);
	trace_stackblk_bio_complete(rq, bio);
	if (sbio->bounce) {
		sb_crypt_bio_done(sbio);	/* puts bio and cmd */
		return;
	}
	bio_put(bio);
	sb_cmd_put(cmd);
}

static void __sb_submit(struct sb_cmd *cmd, struct bio *bio, bool bounce)
{
	struct sb_bio *sbio = container_of(bio, struct sb_bio, bio);
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	sbio->cmd = cmd;
	sbio->bounce = bounce;
	sbio->start_ns = sb_now_if_collecting();
	bio->bi_end_io = sb_bio_end_io;
	sb_count_physical(cmd->dev, bio);
	trace_stackblk_bio_submit(rq, bio);
	submit_bio_noacct(bio);
}

void sb_submit(struct sb_cmd *cmd, struct bio *bio)
{
	__sb_submit(cmd, bio, false);
}

/* A bio of crypt bounce pages: its completion goes to sb_crypt_bio_done(). */
void sb_submit_bounce(struct sb_cmd *cmd, struct bio *bio)
{
	__sb_submit(cmd, bio, true);
}

/*
 * Flags of a logical bio that a backing clone keeps.  PREFLUSH and FUA come
 * from the request instead: the flush state machine has already turned a
 * PREFLUSH into a separate flush request and cleared FUA if unsupported,
 * in rq->cmd_flags only.  NOWAIT must not reach the backing device: an
 * EAGAIN there would fail a request that blk-mq already accepted.
 */
#define SB_CLONE_CLEAR	(REQ_PREFLUSH | REQ_FUA | REQ_NOWAIT | REQ_POLLED)

/*
 * Send the request to the backing device.  pending is set to the number of
 * backing bios before the first is submitted, so the last completion seen is
 * always a real backing completion (its CPU is the one the affinity matrix
 * wants).  Nothing of the request may be touched after the last submit: it
 * can complete, and its bios be freed, at once.
 */
void sb_forward(struct sb_cmd *cmd, struct request *rq)
{
	struct sb_dev *dev = cmd->dev;
	struct bio *bio, *next, *clone;
	blk_opf_t fua = rq->cmd_flags & REQ_FUA;
	unsigned int n = 0;

	if (req_op(rq) == REQ_OP_FLUSH) {
		atomic_set(&cmd->pending, 1);
		clone = bio_alloc_bioset(dev->bdev, 0,
					 REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC,
					 GFP_NOIO, &dev->bs);
		sb_submit(cmd, clone);
		return;
	}

	__rq_for_each_bio(bio, rq)
		n++;
	atomic_set(&cmd->pending, n);

	for (bio = rq->bio; bio; bio = next) {
		next = bio->bi_next;
		clone = bio_alloc_clone(dev->bdev, bio, GFP_NOIO, &dev->bs);
		clone->bi_opf &= ~SB_CLONE_CLEAR;
		clone->bi_opf |= fua;
		sb_submit(cmd, clone);
	}
}

static bool sb_op_supported(enum req_op op)
{
	switch (op) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
	case REQ_OP_FLUSH:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		return true;
	default:
		return false;
	}
}

static void sb_depth_inc(struct sb_queue *sq)
{
	int depth = atomic_inc_return(&sq->inflight);
	int max = atomic_read(&sq->max);

	atomic_long_inc(&sq->hist[sb_log2_bucket(depth, SB_DEPTH_BUCKETS)]);
	while (depth > max) {
		int old = atomic_cmpxchg(&sq->max, max, depth);

		if (old == max)
			break;
		max = old;
	}
}

/* Start a request: counts, trace, depth.  False if its op is refused. */
static bool sb_start(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct sb_dev *dev = hctx->queue->queuedata;

	if (unlikely(!sb_op_supported(req_op(rq)))) {
		this_cpu_inc(dev->stats->ctr[SB_STAT_errors]);
		return false;
	}

	cmd->dev = dev;
	cmd->next = NULL;
	cmd->range_end = 0;		/* no range lock held */
	cmd->status = BLK_STS_OK;
	cmd->submit_cpu = raw_smp_processor_id();
	cmd->start_ns = sb_now_if_collecting();

	blk_mq_start_request(rq);
	trace_stackblk_rq_issue(rq, 0);
	sb_count_logical(rq);
	sb_depth_inc(hctx->driver_data);
	return true;
}

static blk_status_t sb_queue_rq(struct blk_mq_hw_ctx *hctx,
				const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct blk_plug *plug;

	if (unlikely(!sb_start(hctx, rq)))
		return BLK_STS_NOTSUPP;
	plug = sb_unplug();
	if (cmd->dev->sc.stages)
		sb_stage_queue(cmd, bd->last);
	else
		sb_forward(cmd, rq);
	sb_replug(plug);
	return BLK_STS_OK;
}

/* Merge stage: the end of a dispatch batch that did not end with last. */
static void sb_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct blk_plug *plug = sb_unplug();

	sb_stage_commit(hctx->driver_data);
	sb_replug(plug);
}

/*
 * Merge stage: a plug's worth of requests at once (possibly for several
 * hctxs).  Every request is taken off the plug list first, in submission
 * order; runs of one hctx are one batch.
 */
static void sb_queue_rqs(SB_QUEUE_RQS_LIST rqlist)
{
	struct request *rq, *next = sb_rq_list_take(rqlist);
	struct blk_plug *plug = sb_unplug();
	struct blk_mq_hw_ctx *batch = NULL;

	while ((rq = next)) {
		struct blk_mq_hw_ctx *hctx = rq->mq_hctx;

		next = rq->rq_next;
		rq->rq_next = NULL;
		if (batch && batch != hctx)
			sb_stage_commit(batch->driver_data);
		batch = hctx;
		if (unlikely(!sb_start(hctx, rq))) {
			blk_mq_start_request(rq);
			blk_mq_end_request(rq, BLK_STS_NOTSUPP);
			continue;
		}
		sb_stage_queue(blk_mq_rq_to_pdu(rq), false);
	}
	if (batch)
		sb_stage_commit(batch->driver_data);
	sb_replug(plug);
}

static void sb_complete_rq(struct request *rq)
{
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct sb_dev *dev = cmd->dev;
	struct sb_queue *sq = rq->mq_hctx->driver_data;
	blk_status_t status = cmd->status;

	if (cmd->start_ns) {
		struct sb_pcpu_stats __percpu *st = dev->stats;
		int cpu = raw_smp_processor_id();

		sb_record_latency(dev, SB_LAT_logical, rq->cmd_flags,
				  cmd->start_ns);
		this_cpu_inc(st->loc[SB_LOC_COMPLETE]
				   [sb_cpu_locality(cmd->submit_cpu, cpu)]);
	}
	if (unlikely(status))
		this_cpu_inc(dev->stats->ctr[SB_STAT_errors]);
	atomic_dec(&sq->inflight);
	trace_stackblk_rq_complete(rq, blk_status_to_errno(status));
	blk_mq_end_request(rq, status);
}

/*
 * The backing device owns every started request until its bios complete,
 * and has its own timeout handling (NVMe aborts and resets the controller;
 * dm-delay or a stalled path simply holds the bio).  Completing here would
 * complete the request a second time when the backing bio ends, so the
 * timer is only re-armed, as loop and dm-rq (no ->timeout) do: a stalled
 * request waits for its backing, however long that takes, and completes
 * once.  Each expiry is counted in stats/timeouts.
 */
static enum blk_eh_timer_return sb_timeout_rq(struct request *rq)
{
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);

	this_cpu_inc(cmd->dev->stats->ctr[SB_STAT_timeouts]);
	return BLK_EH_RESET_TIMER;
}

/*
 * Our flush request completes inside the backing's flush completion, with
 * the backing's flush queue lock held; blk-mq then takes ours.  A class of
 * its own tells lockdep these are different locks (as nvme-loop does).
 */
static struct lock_class_key sb_fq_lock_key;

static int sb_init_hctx(struct blk_mq_hw_ctx *hctx, void *driver_data,
			unsigned int hctx_idx)
{
	struct sb_dev *dev = driver_data;

	blk_mq_hctx_set_fq_lock_class(hctx, &sb_fq_lock_key);
	if (WARN_ON_ONCE(hctx_idx >= dev->nr_queues))
		return -EINVAL;
	hctx->driver_data = &dev->queues[hctx_idx];
	spin_lock_init(&dev->queues[hctx_idx].batch_lock);
	return 0;
}

const struct blk_mq_ops sb_mq_ops = {
	.queue_rq	= sb_queue_rq,
	.complete	= sb_complete_rq,
	.timeout	= sb_timeout_rq,
	.init_hctx	= sb_init_hctx,
};

/* With the merge stage: see the whole dispatch batch. */
const struct blk_mq_ops sb_mq_merge_ops = {
	.queue_rq	= sb_queue_rq,
	.commit_rqs	= sb_commit_rqs,
	.queue_rqs	= sb_queue_rqs,
	.complete	= sb_complete_rq,
	.timeout	= sb_timeout_rq,
	.init_hctx	= sb_init_hctx,
};
