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

/*
 * One class for both kinds of event.  Request events (bio == NULL) describe
 * one logical request of /dev/stackblkN and print without a backing device
 * (backing_dev is 0); bio events describe one bio stackblk sent to the
 * backing device.  The record layout is the same, so one fast_assign
 * serves both and only the print format differs (DEFINE_EVENT_PRINT).
 */
#define SB_IO_ENTRY							\
	TP_STRUCT__entry(__field(dev_t, dev)				\
		__field(dev_t, backing_dev)				\
		__field(sector_t, sector)				\
		__field(unsigned int, nr_sector)			\
		__array(char, rwbs, SB_RWBS_LEN)			\
		__field(int, cpu)					\
		__field(unsigned int, hctx)				\
		__field(int, tag)					\
		__field(int, error)					\
	)

#define SB_IO_ASSIGN_COMMON(rq, opf)					\
	do {								\
		const struct request *__rq = (rq);			\
									\
		__entry->dev = disk_devt(__rq->q->disk);		\
		sb_fill_rwbs(__entry->rwbs, opf);			\
		__entry->cpu = raw_smp_processor_id();			\
		__entry->hctx = __rq->mq_hctx->queue_num;		\
		__entry->tag = __rq->tag;				\
	} while (0)

#define SB_BIO_PRINTK							\
	TP_printk("%d,%d -> %d,%d %s %llu + %u cpu=%d hctx=%u tag=%d error=%d", \
		  MAJOR(__entry->dev), MINOR(__entry->dev),		\
		  MAJOR(__entry->backing_dev), MINOR(__entry->backing_dev), \
		  __entry->rwbs, (unsigned long long)__entry->sector,	\
		  __entry->nr_sector, __entry->cpu, __entry->hctx,	\
		  __entry->tag, __entry->error)

DECLARE_EVENT_CLASS(stackblk_io,
		    TP_PROTO(struct request *rq, struct bio *bio, int error),
		    TP_ARGS(rq, bio, error),

	SB_IO_ENTRY,

	TP_fast_assign(SB_IO_ASSIGN_COMMON(rq, bio ? bio->bi_opf : rq->cmd_flags);
		__entry->backing_dev = bio ? bio_dev(bio) : 0;
		__entry->sector = bio ? bio->bi_iter.bi_sector : blk_rq_pos(rq);
		__entry->nr_sector = bio ? bio_sectors(bio) : blk_rq_sectors(rq);
		__entry->error = bio ? blk_status_to_errno(bio->bi_status) : error;
	),

	SB_BIO_PRINTK
);

#define SB_RQ_EVENT(name)						\
	DEFINE_EVENT_PRINT(stackblk_io, name,				\
		TP_PROTO(struct request *rq, struct bio *bio, int error),	\
		TP_ARGS(rq, bio, error),				\
		TP_printk("%d,%d %s %llu + %u cpu=%d hctx=%u tag=%d error=%d", \
			  MAJOR(__entry->dev), MINOR(__entry->dev),	\
			  __entry->rwbs,				\
			  (unsigned long long)__entry->sector,		\
			  __entry->nr_sector, __entry->cpu,		\
			  __entry->hctx, __entry->tag, __entry->error))

/* Request events: trace_stackblk_rq_issue(rq, NULL, error) and so on. */
SB_RQ_EVENT(stackblk_rq_issue);
SB_RQ_EVENT(stackblk_rq_complete);
SB_RQ_EVENT(stackblk_split);
SB_RQ_EVENT(stackblk_merge);
SB_RQ_EVENT(stackblk_rmw);

/* Backing bio events: trace_stackblk_bio_submit(rq, bio, 0). */
DEFINE_EVENT(stackblk_io, stackblk_bio_submit,
	     TP_PROTO(struct request *rq, struct bio *bio, int error),
	     TP_ARGS(rq, bio, error));

/*
 * A backing bio's completion, with the sector and size it was submitted
 * with: by its bi_end_io the backing may have advanced bi_iter to its end
 * (blk_update_request() does, a batched completion does not).  The same
 * record and format as stackblk_bio_submit, so a script can match the two.
 */
TRACE_EVENT(stackblk_bio_complete,
	    TP_PROTO(struct request *rq, struct bio *bio, sector_t sector,
		     unsigned int nr_sector),
	    TP_ARGS(rq, bio, sector, nr_sector),

	SB_IO_ENTRY,

	TP_fast_assign(SB_IO_ASSIGN_COMMON(rq, bio->bi_opf);
		__entry->backing_dev = bio_dev(bio);
		__entry->sector = sector;
		__entry->nr_sector = nr_sector;
		__entry->error = blk_status_to_errno(bio->bi_status);
	),

	SB_BIO_PRINTK
);

/*
 * One parity update of one stripe (stage_parity.c): its parity member,
 * read-modify-write, reconstruct-write, or in degraded mode rebuild (the
 * write covers the failed member's data) or none (the failed member
 * holds the parity), and the in-chunk byte range of parity it rewrites.
 */
TRACE_EVENT(stackblk_parity,
	    TP_PROTO(struct request *rq, u64 stripe, unsigned int parity,
		     int kind, u32 off, u32 len),
	    TP_ARGS(rq, stripe, parity, kind, off, len),

	TP_STRUCT__entry(__field(dev_t, dev)
		__field(u64, stripe)
		__field(unsigned int, parity)
		__field(int, kind)
		__field(u32, off)
		__field(u32, len)
		__field(int, cpu)
		__field(int, tag)
	),

	TP_fast_assign(__entry->dev = disk_devt(rq->q->disk);
		__entry->stripe = stripe;
		__entry->parity = parity;
		__entry->kind = kind;
		__entry->off = off;
		__entry->len = len;
		__entry->cpu = raw_smp_processor_id();
		__entry->tag = rq->tag;
	),

	TP_printk("%d,%d stripe=%llu %s parity=%u off=%u len=%u cpu=%d tag=%d",
		  MAJOR(__entry->dev), MINOR(__entry->dev),
		  (unsigned long long)__entry->stripe,
		  __print_symbolic(__entry->kind,
				   { SB_PARITY_RMW, "rmw" },
				   { SB_PARITY_RCW, "rcw" },
				   { SB_PARITY_REBUILD, "rebuild" },
				   { SB_PARITY_NONE, "none" }),
		  __entry->parity,
		  __entry->off, __entry->len, __entry->cpu, __entry->tag)
);

#endif /* _TRACE_STACKBLK_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sb_trace
#include <trace/define_trace.h>
