// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/stats.c: per-CPU counters summed on read, "reset"
 * as a baseline that readers subtract, and sb_stat_read() serialised with
 * a reset by stats_lock.  Unlocked, a reset landing between a reader's
 * per-CPU sum and its baseline read made the counter read as a value near
 * 2^64; the window is a few instructions, too narrow for a guest test to
 * hit reliably, so the lock itself is what is tested here: while a reset
 * (the test) holds stats_lock, no reader may finish.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "stackblk.h"

static struct sb_dev *sb_test_dev(struct kunit *test)
{
	struct sb_dev *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, sb_stats_alloc(dev), 0);
	return dev;
}

/* @n more writes counted on the current CPU, as the data path counts */
static void sb_test_count(struct sb_dev *dev, u64 n)
{
	this_cpu_add(dev->stats->ctr[SB_STAT_logical_write_ios], n);
}

static void sb_stats_reset_is_a_baseline(struct kunit *test)
{
	struct sb_dev *dev = sb_test_dev(test);

	sb_test_count(dev, 5);
	KUNIT_EXPECT_EQ(test, sb_stat_read(dev, SB_STAT_logical_write_ios), 5);
	KUNIT_EXPECT_EQ(test, sb_stats_reset(dev), 0);
	KUNIT_EXPECT_EQ(test, sb_stat_read(dev, SB_STAT_logical_write_ios), 0);
	sb_test_count(dev, 3);
	KUNIT_EXPECT_EQ(test, sb_stat_read(dev, SB_STAT_logical_write_ios), 3);
	KUNIT_EXPECT_EQ(test, sb_stat_read(dev, SB_STAT_logical_read_ios), 0);
	sb_stats_free(dev);
}

struct sb_test_reader {
	struct sb_dev *dev;
	struct completion done;
	u64 value;
};

static int sb_test_reader_fn(void *data)
{
	struct sb_test_reader *r = data;

	r->value = sb_stat_read(r->dev, SB_STAT_logical_write_ios);
	complete(&r->done);
	return 0;
}

static void sb_stat_read_waits_for_reset(struct kunit *test)
{
	struct sb_dev *dev = sb_test_dev(test);
	struct sb_test_reader *r;
	struct task_struct *t;
	unsigned long early;

	/* not on the stack: a reader that never finished must not outlive it */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->dev = dev;
	init_completion(&r->done);
	sb_test_count(dev, 7);
	/* a reset in progress: it holds stats_lock */
	mutex_lock(&dev->stats_lock);
	t = kthread_run(sb_test_reader_fn, r, "sb_kunit_reader");
	if (IS_ERR(t)) {
		mutex_unlock(&dev->stats_lock);
		kfree(r);
		sb_stats_free(dev);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		return;
	}
	/* bounded: the reader must still be waiting after a second */
	early = wait_for_completion_timeout(&r->done, HZ);
	KUNIT_EXPECT_EQ_MSG(test, early, 0,
			    "sb_stat_read() finished while a reset held stats_lock");
	sb_test_count(dev, 1);	/* counted meanwhile */
	mutex_unlock(&dev->stats_lock);
	if (!early && !wait_for_completion_timeout(&r->done, 60 * HZ)) {
		/* leak r and dev rather than free them under the reader */
		KUNIT_FAIL(test, "sb_stat_read() still blocked 60 s after the unlock");
		return;
	}
	KUNIT_EXPECT_EQ(test, r->value, early ? 7 : 8);
	kfree(r);
	sb_stats_free(dev);
}

/*
 * sb_count_matrix(): one request counted on this CPU, on a matrix reset
 * just before, lands in exactly one cell.  CPUs are given as offsets from
 * this one (0: this CPU, 1 and 2: the next ones); @col_here: the column
 * expected is this CPU's, not the backing CPU's.
 */
static void sb_test_place(struct kunit *test, struct sb_dev *dev,
			  unsigned int submit_off, unsigned int backing_off,
			  bool col_here)
{
	unsigned int n = dev->aff_cols, g = dev->aff_group, i;
	unsigned int here, sub, bk, cell;
	struct sb_stats_sum *sum;
	u64 total = 0;

	KUNIT_ASSERT_EQ(test, sb_stats_reset(dev), 0);
	preempt_disable();
	here = smp_processor_id();
	sub = (here + submit_off) % nr_cpu_ids;
	bk = (here + backing_off) % nr_cpu_ids;
	sb_count_matrix(dev, sub, bk);
	preempt_enable();
	sum = sb_stats_snapshot(dev);
	KUNIT_ASSERT_NOT_NULL(test, sum);
	cell = (sub / g) * n + (col_here ? here : bk) / g;
	for (i = 0; i < n * n; i++)
		total += sum->matrix[i];
	KUNIT_EXPECT_EQ_MSG(test, sum->matrix[cell], 1,
			    "submit %u backing %u on CPU %u, group %u: not in [%u][%u]",
			    sub, bk, here, g, cell / n, cell % n);
	KUNIT_EXPECT_EQ(test, total, 1);
	kvfree(sum);
}

/*
 * A request is counted under [submitting CPU][backing CPU] whether this CPU
 * is its backing CPU (nearly every request) or its submitting CPU (a crypt
 * read decrypted in crypt_wq); on a third CPU it counts as if that one
 * were the backing CPU.  Also with two CPUs folded into each row/column.
 */
static void sb_stats_matrix_placement(struct kunit *test)
{
	struct sb_dev *dev = sb_test_dev(test);
	unsigned int group;

	for (group = 1; group <= 2; group++) {
		/* fewer, wider columns fit in what sb_stats_alloc() sized */
		dev->aff_group = max(group, dev->aff_group);
		dev->aff_cols = DIV_ROUND_UP(nr_cpu_ids, dev->aff_group);
		sb_test_place(test, dev, 0, 0, false);
		if (nr_cpu_ids < 2)
			continue;
		sb_test_place(test, dev, 1, 0, false);
		sb_test_place(test, dev, 0, 1, false);
		/* folded, a third CPU may share the submitting one's group */
		if (nr_cpu_ids < 3 || dev->aff_group > 1)
			continue;
		sb_test_place(test, dev, 1, 2, true);
	}
	sb_stats_free(dev);
}

static struct kunit_case sb_stats_cases[] = {
	KUNIT_CASE(sb_stats_reset_is_a_baseline),
	KUNIT_CASE(sb_stat_read_waits_for_reset),
	KUNIT_CASE(sb_stats_matrix_placement),
	{}
};

static struct kunit_suite sb_stats_suite = {
	.name = "stackblk_stats",
	.test_cases = sb_stats_cases,
};

kunit_test_suite(sb_stats_suite);
