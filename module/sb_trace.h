/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stackblk tracepoints: tracepoint:stackblk:* in bpftrace.
 *
 * dev prints as "%d,%d" like the block: events; rwbs as in block:.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM stackblk

#if !defined(_TRACE_STACKBLK_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_STACKBLK_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/tracepoint.h>

#include "sb_lib.h"

/* Request events: one logical request of /dev/stackblkN. */
DECLARE_EVENT_CLASS(stackblk_rq,
		    TP_PROTO(struct request *rq, int error),
		    TP_ARGS(rq, error),

	TP_STRUCT__entry(__field(dev_t, dev)
		__field(sector_t, sector)
		__field(unsigned int, nr_sector)
		__array(char, rwbs, SB_RWBS_LEN)
		__field(int, cpu)
		__field(unsigned int, hctx)
		__field(int, tag)
		__field(int, error)
	),

	TP_fast_assign(__entry->dev = disk_devt(rq->q->disk);
		__entry->sector = blk_rq_pos(rq);
		__entry->nr_sector = blk_rq_sectors(rq);
		sb_fill_rwbs(__entry->rwbs, rq->cmd_flags);
		__entry->cpu = raw_smp_processor_id();
		__entry->hctx = rq->mq_hctx->queue_num;
		__entry->tag = rq->tag;
		__entry->error = error;
	),

	TP_printk("%d,%d %s %llu + %u cpu=%d hctx=%u tag=%d error=%d",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->rwbs,
		  (unsigned long long)__entry->sector, __entry->nr_sector,
		  __entry->cpu, __entry->hctx, __entry->tag, __entry->error)
);

DEFINE_EVENT(stackblk_rq, stackblk_rq_issue,
	     TP_PROTO(struct request *rq, int error),
	     TP_ARGS(rq, error));

DEFINE_EVENT(stackblk_rq, stackblk_rq_complete,
	     TP_PROTO(struct request *rq, int error),
	     TP_ARGS(rq, error));

DEFINE_EVENT(stackblk_rq, stackblk_split,
	     TP_PROTO(struct request *rq, int error),
	     TP_ARGS(rq, error));

DEFINE_EVENT(stackblk_rq, stackblk_merge,
	     TP_PROTO(struct request *rq, int error),
	     TP_ARGS(rq, error));

DEFINE_EVENT(stackblk_rq, stackblk_rmw,
	     TP_PROTO(struct request *rq, int error),
	     TP_ARGS(rq, error));

/* Backing bio events: one bio stackblk sent to the backing device. */
DECLARE_EVENT_CLASS(stackblk_bio,
		    TP_PROTO(struct request *rq, struct bio *bio),
		    TP_ARGS(rq, bio),

	TP_STRUCT__entry(__field(dev_t, dev)
		__field(dev_t, backing_dev)
		__field(sector_t, sector)
		__field(unsigned int, nr_sector)
		__array(char, rwbs, SB_RWBS_LEN)
		__field(int, cpu)
		__field(unsigned int, hctx)
		__field(int, tag)
		__field(int, error)
	),

	TP_fast_assign(__entry->dev = disk_devt(rq->q->disk);
		__entry->backing_dev = bio_dev(bio);
		__entry->sector = bio->bi_iter.bi_sector;
		__entry->nr_sector = bio_sectors(bio);
		sb_fill_rwbs(__entry->rwbs, bio->bi_opf);
		__entry->cpu = raw_smp_processor_id();
		__entry->hctx = rq->mq_hctx->queue_num;
		__entry->tag = rq->tag;
		__entry->error = blk_status_to_errno(bio->bi_status);
	),

	TP_printk("%d,%d -> %d,%d %s %llu + %u cpu=%d hctx=%u tag=%d error=%d",
		  MAJOR(__entry->dev), MINOR(__entry->dev),
		  MAJOR(__entry->backing_dev), MINOR(__entry->backing_dev),
		  __entry->rwbs, (unsigned long long)__entry->sector,
		  __entry->nr_sector, __entry->cpu, __entry->hctx,
		  __entry->tag, __entry->error)
);

DEFINE_EVENT(stackblk_bio, stackblk_bio_submit,
	     TP_PROTO(struct request *rq, struct bio *bio),
	     TP_ARGS(rq, bio));

DEFINE_EVENT(stackblk_bio, stackblk_bio_complete,
	     TP_PROTO(struct request *rq, struct bio *bio),
	     TP_ARGS(rq, bio));

#endif /* _TRACE_STACKBLK_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sb_trace
#include <trace/define_trace.h>
