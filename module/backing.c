// SPDX-License-Identifier: GPL-2.0
/*
 * The backing device: building, submitting and completing the bios sent to
 * it, and the physical counters.
 *
 * Every backing bio comes from the device's bio_set, with a struct sb_bio
 * (and whatever more the data stage wants, struct sb_stage_ops.front_pad)
 * in front of it.  Its submitter chooses its bi_end_io: sb_forward()'s own
 * for a request forwarded as it is, the stage's for a piece of a unit
 * (stage.c, stage_crypt.c).  Each begins with sb_backing_bio_end().
 *
 * A request forwarded as it is (no stage, or a flush) goes as clones of its
 * bios, or for a flush as one empty PREFLUSH bio.  The first of them lives
 * in the request's PDU (bio_init_clone(), as nvmet and loop do; for data
 * in one piece of one page, a bio of its own: sb_forward_one_vec()), so
 * the common request of one bio takes nothing from the bio_set; any
 * further bios come from it.  The request completes once, through
 * blk_mq_complete_request(), when its last backing bio has completed, and
 * carries the first error any of them saw.
 */
#include <linux/bio.h>
#include <linux/blk-crypto.h>
#include <linux/blk-integrity.h>
#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/irq_work.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include "stackblk.h"
#include "sb_trace.h"

/*
 * With the parity stage, a bio with data is in the data space of the
 * device: it goes through parity, which may sleep (task context only:
 * every unit of a parity device runs in io_wq, stage.c).  An empty flush
 * goes to the backing as it is.
 */
static bool sb_via_parity(const struct sb_dev *dev, const struct bio *bio)
{
	return dev->parity && bio->bi_iter.bi_size;
}

/**
 * sb_backing_submit - send a bio of @cmd's to the backing device
 * @cmd: the request (or unit leader) it belongs to
 * @bio: from dev->bs, target and data set up
 * @end_io: its completion; begins with sb_backing_bio_end()
 *
 * Counts it as physical I/O, or with the parity stage hands it to parity,
 * whose member bios are the physical I/O.  The bio, and @cmd, may complete
 * before this returns.
 */
void sb_backing_submit(struct sb_cmd *cmd, struct bio *bio,
		       bio_end_io_t *end_io)
{
	struct sb_bio *sbio = container_of(bio, struct sb_bio, bio);

	sbio->cmd = cmd;
	bio->bi_end_io = end_io;
	if (sb_via_parity(cmd->dev, bio)) {
		/* its member I/O is the physical I/O (stage_parity.c) */
		sbio->start_ns = 0;
		sb_parity_submit(cmd, bio);
		return;
	}
	sbio->start_ns = sb_now_if_collecting();
	sbio->sector = bio->bi_iter.bi_sector;
	sbio->nr_sector = bio_sectors(bio);
	sb_count_physical(cmd->dev, bio);
	trace_stackblk_bio_submit(blk_mq_rq_from_pdu(cmd), bio, 0);
	submit_bio_noacct(bio);
}

/**
 * sb_backing_bio_end - what every backing completion does first
 * @bio: the completed bio
 * @now: if not NULL, set to the clock read for its latency (0: not timed)
 *
 * Keeps the bio's error in its command (the first error wins: later ones
 * only confirm the failure), records the physical latency and traces the
 * completion.  Returns the command; the bio is the caller's to put.
 */
struct sb_cmd *sb_backing_bio_end(struct bio *bio, u64 *now)
{
	struct sb_bio *sbio = container_of(bio, struct sb_bio, bio);
	struct sb_cmd *cmd = sbio->cmd;
	u64 t = 0;

	if (unlikely(bio->bi_status))
		cmpxchg(&cmd->status, BLK_STS_OK, bio->bi_status);
	/*
	 * Where the backing completed it.  Of a request (or unit) of several
	 * bios completing at once on different CPUs, any one may be the
	 * last to store here: the matrix counts one of its completions.
	 */
	WRITE_ONCE(cmd->backing_cpu, raw_smp_processor_id());
	if (sbio->start_ns) {
		t = ktime_get_ns();
		sb_record_latency(cmd->dev, SB_LAT_physical, bio->bi_opf,
				  t - sbio->start_ns);
	}
	if (now)
		*now = t;
	if (!sb_via_parity(cmd->dev, bio))
		trace_stackblk_bio_complete(blk_mq_rq_from_pdu(cmd), bio,
					    sbio->sector, sbio->nr_sector);
	return cmd;
}

static void sb_backing_wait_end_io(struct bio *bio)
{
	complete(bio->bi_private);
}

/**
 * sb_backing_submit_wait - send a bio of @cmd's and wait for it
 * @cmd: the request (or unit leader) it belongs to
 * @bio: from dev->bs, target and data set up
 *
 * Task context.  As sb_backing_submit(), but not timed, and the error is
 * the caller's: @cmd's status is left alone.  Returns 0 or an errno; the
 * bio is the caller's to put.
 */
int sb_backing_submit_wait(struct sb_cmd *cmd, struct bio *bio)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	DECLARE_COMPLETION_ONSTACK(done);
	sector_t sector = bio->bi_iter.bi_sector;
	unsigned int nr_sector = bio_sectors(bio);
	int err;

	if (sb_via_parity(cmd->dev, bio)) {
		struct sb_bio *sbio = container_of(bio, struct sb_bio, bio);

		sbio->cmd = cmd;
		sbio->start_ns = 0;
		bio->bi_private = &done;
		bio->bi_end_io = sb_backing_wait_end_io;
		sb_parity_submit(cmd, bio);
		wait_for_completion_io(&done);
		return blk_status_to_errno(bio->bi_status);
	}
	sb_count_physical(cmd->dev, bio);
	trace_stackblk_bio_submit(rq, bio, 0);
	err = submit_bio_wait(bio);
	trace_stackblk_bio_complete(rq, bio, sector, nr_sector);
	return err;
}

/**
 * sb_complete - complete a request, on the CPU blk-mq chose
 * @rq: the request, its backing I/O done
 * @now: the clock, read just before on this CPU; 0 to read it here
 *
 * The logical latency runs from rq->start_time_ns, which blk-mq stamps when
 * it allocates the request if the queue keeps I/O statistics (the default,
 * /sys/block/stackblkN/queue/iostats): the start iostat's await and fio's
 * clat see too, queueing in stackblk's own queue included.  With iostats
 * off it runs from ->queue_rq().
 */
void sb_complete(struct request *rq, u64 now)
{
	struct sb_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct sb_dev *dev = cmd->dev;
	struct sb_queue *sq = rq->mq_hctx->driver_data;
	blk_status_t status = cmd->status;

	if (cmd->start_ns) {
		sb_record_latency(dev, SB_LAT_logical, rq->cmd_flags,
				  (now ?: ktime_get_ns()) - cmd->start_ns);
		sb_count_locality(dev, SB_LOC_COMPLETE, cmd->submit_cpu,
				  raw_smp_processor_id());
	}
	if (unlikely(status))
		this_cpu_inc(dev->stats->ctr[SB_STAT_errors]);
	atomic_dec(&sq->inflight);
	trace_stackblk_rq_complete(rq, NULL, blk_status_to_errno(status));
	blk_mq_end_request(rq, status);
}

/*
 * Whether @rq must end outside the backing's flush completion: on a kernel
 * with lockdep only.  blk-mq's flush request and the data requests of a
 * flush sequence (RQF_FLUSH_SEQ) end through ->end_io, flush_end_io() or
 * mq_flush_data_end_io(), which take our flush queue lock; so does a clone
 * of request-based dm (dm-multipath on stackblk), whose ->end_io ends dm's
 * request.  When such a request is a flush (or FUA, to a backing that
 * emulates FUA with flushes), its backing bio went through the backing's
 * flush sequence if the backing has one (a stackblk, NVMe; under dm or md
 * too), and completes from the backing's flush completion with the
 * backing's flush queue lock held: two locks of one lockdep class nested,
 * which lockdep reports as possible recursive locking, and then turns
 * itself off (case 36).  (A lock class per stacking depth covered only a
 * stackblk right on a stackblk.)
 *
 * The nesting itself is safe: the locks are distinct, always taken lower
 * first, and no one takes a lower device's under an upper one's (blk-mq
 * issues nothing with a flush queue lock held; it kicks the requeue work).
 * So only with lockdep do these requests go to an irq_work on this CPU,
 * which runs once interrupts are enabled again, with none of the backing's
 * locks held.  Without it they end here and now: the irq_work measured
 * +1.1 % instructions per fsync'ed 4 KiB write and +1.2 % per O_DSYNC
 * 16 KiB write on the NVMe backing (tests/perf/bench.sh --plan flush).
 *
 * Not covered: on PREEMPT_RT the irq_work runs in this CPU's irq_work
 * thread, and a flush completing on a CPU after that thread is parked for
 * CPU hot-unplug, before its interrupts move away, waits until the CPU
 * comes back.  A CPU already offline (its dying callbacks run our irq_work:
 * a stackblk on a stackblk defers again from it) ends the request at once.
 */
static bool sb_ends_under_flush_lock(const struct request *rq)
{
	return IS_ENABLED(CONFIG_LOCKDEP) && rq->end_io &&
	       (req_op(rq) == REQ_OP_FLUSH || (rq->cmd_flags & REQ_FUA));
}

struct sb_flush_done {
	struct llist_head cmds;
	struct irq_work work;
};

static void sb_flush_done_fn(struct irq_work *work)
{
	struct sb_flush_done *fd = container_of(work, struct sb_flush_done,
						work);
	struct llist_node *list = llist_reverse_order(llist_del_all(&fd->cmds));
	struct sb_cmd *cmd, *next;

	llist_for_each_entry_safe(cmd, next, list, done_node)
		sb_complete(blk_mq_rq_from_pdu(cmd), 0);
}

/*
 * Set up at module init: the module loader does not relocate a module's
 * per-CPU section, so a static IRQ_WORK_INIT() would leave ->func NULL.
 */
static DEFINE_PER_CPU(struct sb_flush_done, sb_flush_done);

static void sb_complete_later(struct sb_cmd *cmd)
{
	struct sb_flush_done *fd = get_cpu_ptr(&sb_flush_done);

	if (unlikely(!cpu_online(smp_processor_id())))
		sb_complete(blk_mq_rq_from_pdu(cmd), 0);
	else if (llist_add(&cmd->done_node, &fd->cmds))
		irq_work_queue(&fd->work);
	put_cpu_ptr(&sb_flush_done);
}

void __init sb_flush_done_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sb_flush_done *fd = per_cpu_ptr(&sb_flush_done, cpu);

		init_llist_head(&fd->cmds);
		init_irq_work(&fd->work, sb_flush_done_fn);
	}
}

/* Module exit: no request is left, but an irq_work may still be running. */
void sb_flush_done_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&sb_flush_done, cpu)->work);
}

/**
 * sb_cmd_backing_done - the last backing bio of a request has completed
 * @cmd: the request's PDU
 * @now: the clock as that bio completed (sb_backing_bio_end()), or 0
 *
 * Counts where that completion ran (cmd->backing_cpu, set by
 * sb_backing_bio_end(): a crypt read finishes on its submitting CPU's
 * crypt_wq, not where the backing completed it) against the submitting
 * CPU, then completes the request.  blk-mq may move the completion to the
 * submitting CPU (an IPI, or a softirq); if it does not, the request
 * completes here and now, and @now is its logical end too: one clock read
 * serves both histograms.  With lockdep, a flush or FUA request that
 * blk-mq or dm ends through ->end_io completes in an irq_work on this CPU
 * instead (sb_ends_under_flush_lock()).
 */
void sb_cmd_backing_done(struct sb_cmd *cmd, u64 now)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct sb_dev *dev = cmd->dev;
	int cpu = READ_ONCE(cmd->backing_cpu);

	if (static_branch_likely(&sb_collect)) {
		sb_count_matrix(dev, cmd->submit_cpu, cpu);
		sb_count_locality(dev, SB_LOC_BACKING, cmd->submit_cpu, cpu);
	}
	if (blk_mq_complete_request_remote(rq))
		return;
	if (unlikely(sb_ends_under_flush_lock(rq)))
		sb_complete_later(cmd);
	else
		sb_complete(rq, now);
}

static void sb_forward_end_io(struct bio *bio)
{
	u64 now;
	struct sb_cmd *cmd = sb_backing_bio_end(bio, &now);

	bio_put(bio);
	if (atomic_dec_and_test(&cmd->pending))
		sb_cmd_backing_done(cmd, now);
}

/* The PDU's bio: uninit it before the request, and the PDU, can be reused. */
static void sb_forward_pdu_end_io(struct bio *bio)
{
	u64 now;
	struct sb_cmd *cmd = sb_backing_bio_end(bio, &now);

	bio_uninit(bio);
	if (atomic_dec_and_test(&cmd->pending))
		sb_cmd_backing_done(cmd, now);
}

/* A backing bio that could not be made: it fails, and counts as done. */
static void sb_forward_fail_one(struct sb_cmd *cmd)
{
	cmpxchg(&cmd->status, BLK_STS_OK, BLK_STS_RESOURCE);
	WRITE_ONCE(cmd->backing_cpu, raw_smp_processor_id());
	if (atomic_dec_and_test(&cmd->pending))
		sb_cmd_backing_done(cmd, 0);
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
 * A bio whose data is one piece of one page (a 4 KiB I/O, the common case)
 * goes to the backing as a bio of its own holding that one bio_vec, in the
 * PDU right after the bio (sb_init_tag_set() sizes it so), instead of as a
 * clone.  Unless it sets chunk_sectors, a blk-mq backing's
 * blk_mq_submit_bio() skips bio_split_rw() for a bio of one bio_vec within
 * a page (bio_may_need_split(), 6.1's bio_may_exceed_limits(): every queue
 * takes such a bio as it is); a clone has no bio_vecs of its own (bi_vcnt
 * 0), so it would walk it, as dm-linear's clone does.  Measured: 96
 * instructions fewer of every 4 KiB I/O's 12k (tests/perf/README.md).
 * That bio is exactly what a direct I/O of that page to the backing would
 * be.  An integrity or inline-crypt context needs a clone, which carries
 * it.  Returns false to clone instead.
 */
static bool sb_forward_one_vec(struct sb_cmd *cmd, struct bio *bio)
{
	struct bio *one = &cmd->clone.bio;
	struct bio_vec bv;

	if (!bio_has_data(bio) || bio_integrity(bio) || bio_has_crypt_ctx(bio))
		return false;
	bv = bio_iovec(bio);
	if (bv.bv_len != bio->bi_iter.bi_size)
		return false;
	bio_init(one, NULL, sb_cmd_bvec(cmd), 1, bio->bi_opf);
	__bio_add_page(one, bv.bv_page, bv.bv_len, bv.bv_offset);
	one->bi_iter.bi_sector = bio->bi_iter.bi_sector;
	one->bi_ioprio = bio->bi_ioprio;
	sb_bio_copy_write_hint(one, bio);
	return true;
}

/**
 * sb_forward - send a request to the backing device as it is
 * @cmd: its PDU, started
 * @rq: the request
 *
 * pending is set to the number of backing bios before the first is
 * submitted, so the last completion seen is a real backing completion
 * (its CPU is the one the affinity matrix wants), unless a clone cannot
 * be made (BLK_STS_RESOURCE).  Nothing of the request may be touched after
 * the last submit: it can complete, and its PDU be reused, at once.
 */
void sb_forward(struct sb_cmd *cmd, struct request *rq)
{
	struct sb_dev *dev = cmd->dev;
	struct bio *bio, *next, *clone = &cmd->clone.bio;
	blk_opf_t fua = rq->cmd_flags & REQ_FUA;
	bio_end_io_t *end_io = sb_forward_pdu_end_io;
	unsigned int n = 0;

	if (req_op(rq) == REQ_OP_FLUSH) {
		atomic_set(&cmd->pending, 1);
		bio_init(clone, dev->bdev, NULL, 0,
			 REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC);
		sb_backing_submit(cmd, clone, end_io);
		return;
	}

	__rq_for_each_bio(bio, rq)
		n++;
	atomic_set(&cmd->pending, n);

	/* the first clone in the PDU, the others from the bio_set */
	for (bio = rq->bio; bio; bio = next) {
		next = bio->bi_next;
		if (end_io == sb_forward_pdu_end_io) {
			if (!sb_forward_one_vec(cmd, bio) &&
			    bio_init_clone(NULL, clone, bio, GFP_NOIO))
				clone = NULL;
		} else {
			clone = bio_alloc_clone(NULL, bio, GFP_NOIO, &dev->bs);
		}
		/* only an integrity or crypt context can fail to clone */
		if (unlikely(!clone)) {
			sb_forward_fail_one(cmd);
		} else {
			/* cloned with no bdev: one blkcg association, here */
			clone->bi_bdev = dev->bdev;
			sb_bio_clone_blkg(clone, bio);
			clone->bi_opf &= ~SB_CLONE_CLEAR;
			clone->bi_opf |= fua;
			sb_backing_submit(cmd, clone, end_io);
		}
		end_io = sb_forward_end_io;
	}
}
