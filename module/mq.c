// SPDX-License-Identifier: GPL-2.0
/*
 * blk-mq: the driver's struct blk_mq_ops.  A request is started here
 * (logical counters, queue depth, trace) and handed to the stage pipeline
 * (stage.c, stage_merge.c) or, with no stage, forwarded to the backing
 * device as it is (backing.c); it completes in sb_complete() (backing.c).
 * A batch (->queue_rqs()) reaches the backing device as a batch, under a
 * plug of our own.
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

#include "stackblk.h"
#include "sb_trace.h"

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
	cmd->status = BLK_STS_OK;
	cmd->submit_cpu = raw_smp_processor_id();
	cmd->start_ns = 0;
	if (static_branch_likely(&sb_collect))
		cmd->start_ns = rq->start_time_ns ?: ktime_get_ns();

	blk_mq_start_request(rq);
	trace_stackblk_rq_issue(rq, NULL, 0);
	sb_count_io(dev, false, req_op(rq), blk_rq_bytes(rq));
	sb_depth_inc(hctx->driver_data);
	return true;
}

/* Hand a started request to its stages, or to the backing as it is. */
static void sb_dispatch(struct sb_cmd *cmd, bool last)
{
	unsigned int stages = cmd->dev->sc.stages;

	if (stages & SB_STAGE_MERGE)
		sb_merge_queue(cmd, last);
	else if (stages)
		sb_stage_queue(cmd);
	else
		sb_forward(cmd, blk_mq_rq_from_pdu(cmd));
}

static blk_status_t sb_queue_rq(struct blk_mq_hw_ctx *hctx,
				const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct blk_plug *plug;

	if (unlikely(!sb_start(hctx, rq)))
		return BLK_STS_NOTSUPP;
	plug = sb_unplug();
	sb_dispatch(blk_mq_rq_to_pdu(rq), bd->last);
	sb_replug(plug);
	return BLK_STS_OK;
}

/* The end of a dispatch batch: the merge stage cuts it into units. */
static void sb_batch_end(struct blk_mq_hw_ctx *hctx)
{
	struct sb_dev *dev = hctx->queue->queuedata;

	if (dev->sc.stages & SB_STAGE_MERGE)
		sb_merge_commit(hctx->driver_data);
}

/* A dispatch batch ended without a request marked last. */
static void sb_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct blk_plug *plug = sb_unplug();

	sb_batch_end(hctx);
	sb_replug(plug);
}

/*
 * A plug's worth of requests at once (possibly for several hctxs): what
 * io_uring and libaio submit in one go arrives here.  Every request is
 * taken off the plug list first, in submission order; for the merge stage
 * runs of one hctx are one batch.  Their backing bios go out under a plug
 * of our own, so the backing device sees them as one batch too (its
 * ->queue_rqs(), one doorbell) instead of one ->queue_rq() each.  It is a
 * new plug, not the submitter's, which blk-mq is walking right now.
 */
static void sb_queue_rqs(SB_QUEUE_RQS_LIST rqlist)
{
	struct request *rq, *next = sb_rq_list_take(rqlist);
	struct blk_plug *saved = sb_unplug();
	struct blk_mq_hw_ctx *batch = NULL;
	struct blk_plug plug;

	blk_start_plug(&plug);
	while ((rq = next)) {
		struct blk_mq_hw_ctx *hctx = rq->mq_hctx;

		next = rq->rq_next;
		rq->rq_next = NULL;
		if (batch && batch != hctx)
			sb_batch_end(batch);
		batch = hctx;
		if (unlikely(!sb_start(hctx, rq))) {
			blk_mq_start_request(rq);
			blk_mq_end_request(rq, BLK_STS_NOTSUPP);
			continue;
		}
		sb_dispatch(blk_mq_rq_to_pdu(rq), false);
	}
	if (batch)
		sb_batch_end(batch);
	blk_finish_plug(&plug);
	sb_replug(saved);
}

/* ->complete(): blk-mq moved the completion here (sb_cmd_backing_done()). */
static void sb_complete_rq(struct request *rq)
{
	sb_complete(rq, 0);
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

static int sb_init_hctx(struct blk_mq_hw_ctx *hctx, void *driver_data,
			unsigned int hctx_idx)
{
	struct sb_dev *dev = driver_data;

	if (WARN_ON_ONCE(hctx_idx >= dev->nr_queues))
		return -EINVAL;
	hctx->driver_data = &dev->queues[hctx_idx];
	spin_lock_init(&dev->queues[hctx_idx].batch_lock);
	return 0;
}

const struct blk_mq_ops sb_mq_ops = {
	.queue_rq	= sb_queue_rq,
	.commit_rqs	= sb_commit_rqs,
	.queue_rqs	= sb_queue_rqs,
	.complete	= sb_complete_rq,
	.timeout	= sb_timeout_rq,
	.init_hctx	= sb_init_hctx,
};
