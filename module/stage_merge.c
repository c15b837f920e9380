// SPDX-License-Identifier: GPL-2.0
/*
 * The merge stage: the batcher.  Requests of one dispatch batch
 * (->queue_rqs(), or ->queue_rq() until bd->last / ->commit_rqs()) wait in
 * their hctx's batch and are cut into units of contiguous requests with
 * the same op, flags, cgroup, priority and write hint, up to
 * merge_max_bytes and the backing's max_sectors and max_segments
 * (docs/stages.md).  Each unit then goes
 * through the rest of the pipeline as one (stage.c).
 */
#include <linux/blk-mq.h>
#include <linux/spinlock.h>

#include "stage.h"
#include "sb_trace.h"

static bool sb_can_merge(struct sb_dev *dev, struct sb_cmd *unit,
			 struct sb_cmd *tail, struct sb_cmd *c, u64 bytes,
			 unsigned int segs)
{
	struct request *a = blk_mq_rq_from_pdu(tail);
	struct request *b = blk_mq_rq_from_pdu(c);

	if ((a->cmd_flags ^ b->cmd_flags) & SB_PIECE_FLAGS)
		return false;
	/* a unit's backing bios are charged as its first bio (sb_unit_bio()) */
	if (a->bio->bi_ioprio != b->bio->bi_ioprio ||
	    !sb_bio_same_blkg(a->bio, b->bio) ||
	    !sb_bio_same_write_hint(a->bio, b->bio))
		return false;
	if (segs + b->nr_phys_segments > dev->merge_max_segs)
		return false;
	return sb_merge_fits(unit->end, c->pos, bytes, blk_rq_bytes(b),
			     dev->merge_max);
}

/**
 * sb_merge_commit - send the requests of an hctx's dispatch batch
 * @sq: the hctx's state
 *
 * Cuts the batch, in arrival order, into units of contiguous requests of
 * the same op and flags, and dispatches each unit.
 */
void sb_merge_commit(struct sb_queue *sq)
{
	struct sb_cmd *head, *leader, *tail, *c;

	spin_lock(&sq->batch_lock);
	head = sq->batch_head;
	sq->batch_head = NULL;
	sq->batch_tail = NULL;
	spin_unlock(&sq->batch_lock);

	while (head) {
		struct sb_dev *dev = head->dev;
		u64 bytes = head->end - head->pos;
		unsigned int segs = blk_mq_rq_from_pdu(head)->nr_phys_segments;

		leader = head;
		tail = head;
		for (c = head->next; c; c = c->next) {
			if (!sb_can_merge(dev, leader, tail, c, bytes, segs))
				break;
			bytes += c->end - c->pos;
			segs += blk_mq_rq_from_pdu(c)->nr_phys_segments;
			leader->end = c->end;
			this_cpu_inc(dev->stats->ctr[SB_STAT_merged_ios]);
			trace_stackblk_merge(blk_mq_rq_from_pdu(c), NULL, 0);
			tail = c;
		}
		head = tail->next;
		tail->next = NULL;
		sb_unit_dispatch(leader);
	}
}

/**
 * sb_merge_queue - a started request enters the pipeline (merge stage on)
 * @cmd: its PDU
 * @last: the last request of this dispatch batch
 *
 * Reads and writes wait in the hctx's batch; anything else goes on as
 * without merging (sb_stage_queue()).  However the request is sent, @last
 * ends the batch.
 */
void sb_merge_queue(struct sb_cmd *cmd, bool last)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct sb_queue *sq = rq->mq_hctx->driver_data;
	enum req_op op = req_op(rq);

	/* Either branch may complete cmd at once: only sq after it. */
	if (op == REQ_OP_READ || op == REQ_OP_WRITE) {
		sb_stage_prepare(cmd);
		spin_lock(&sq->batch_lock);
		if (sq->batch_tail)
			sq->batch_tail->next = cmd;
		else
			sq->batch_head = cmd;
		sq->batch_tail = cmd;
		spin_unlock(&sq->batch_lock);
	} else {
		sb_stage_queue(cmd);
	}
	if (last)
		sb_merge_commit(sq);
}
