// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs tables: /sys/kernel/debug/stackblk/stackblkN/{counters,hctx,
 * latency,latency_fine,completion}.  Formats are documented in docs/interfaces.md and
 * parsed by the stackblk CLI; lines starting with '#' are headers.
 * debugfs itself is root only; the files are 0400 as well, and opening
 * one needs CAP_SYS_ADMIN (EPERM), like the other control files.
 *
 * With CONFIG_FAULT_INJECTION_DEBUG_FS (a test kernel), the module-wide
 * fault attribute fail_crypt_defer (Documentation/fault-injection) sits
 * beside the devices' directories.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/crypto.h>
#include <linux/fault-inject.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>

#include "stackblk.h"

static struct dentry *sb_debugfs_root;

#define SB_COUNTER(name, ...) \
	[SB_STAT_##name] = #name,
static const char * const sb_stat_names[] = {
#include "stackblk_counters.h"
};

/* SB_DEFINE_SHOW(), with the CAP_SYS_ADMIN check on open. */
#define SB_DEFINE_SHOW(__name)						\
static int __name##_open(struct inode *inode, struct file *file)	\
{									\
	if (!capable(CAP_SYS_ADMIN))					\
		return -EPERM;						\
	return single_open(file, __name##_show, inode->i_private);	\
}									\
									\
static const struct file_operations __name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= __name##_open,				\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

static const char * const sb_lat_path_names[] = SB_LAT_PATH_NAMES;
static const char * const sb_lat_op_names[] = SB_LAT_OP_NAMES;

static int counters_show(struct seq_file *m, void *v)
{
	struct sb_dev *dev = m->private;
	struct sb_stats_sum *sum = sb_stats_snapshot(dev);
	unsigned int i;

	if (!sum)
		return -ENOMEM;
	for (i = 0; i < SB_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", sb_stat_names[i], sum->ctr[i]);
	seq_printf(m, "inflight %u\n", sb_inflight(dev));
	seq_printf(m, "inflight_max %u\n", sb_inflight_max(dev));
	kvfree(sum);
	return 0;
}

SB_DEFINE_SHOW(counters);

static int hctx_show(struct seq_file *m, void *v)
{
	struct sb_dev *dev = m->private;
	unsigned int i, b;

	seq_puts(m, "# hctx inflight max");
	for (b = 0; b < SB_DEPTH_BUCKETS; b++)
		seq_printf(m, " b%u", b);
	seq_putc(m, '\n');
	for (i = 0; i < dev->nr_queues; i++) {
		struct sb_queue *sq = &dev->queues[i];

		seq_printf(m, "%u %d %d", i, atomic_read(&sq->inflight),
			   atomic_read(&sq->max));
		for (b = 0; b < SB_DEPTH_BUCKETS; b++)
			seq_printf(m, " %ld", atomic_long_read(&sq->hist[b]));
		seq_putc(m, '\n');
	}
	return 0;
}

SB_DEFINE_SHOW(hctx);

/*
 * latency folds the fine buckets into log2 ones (its format predates them);
 * latency_fine gives them as they are, headed by each bucket's lower bound.
 */
static int latency_print(struct seq_file *m, bool fine)
{
	struct sb_stats_sum *sum = sb_stats_snapshot(m->private);
	unsigned int p, o, b;

	if (!sum)
		return -ENOMEM;
	seq_puts(m, "# path op count sum_ns");
	for (b = 0; b < SB_LAT_FINE_BUCKETS; b++) {
		if (fine)
			seq_printf(m, " %llu", sb_lat_fine_lo(b));
		else if (b < SB_LAT_BUCKETS)
			seq_printf(m, " b%u", b);
	}
	seq_putc(m, '\n');
	for (p = 0; p < SB_LAT_NR_PATHS; p++) {
		for (o = 0; o < SB_LAT_NR_OPS; o++) {
			const u64 *lat = sum->lat[p][o];
			u64 count = 0, log2[SB_LAT_BUCKETS] = { 0 };

			for (b = 0; b < SB_LAT_FINE_BUCKETS; b++) {
				count += lat[b];
				log2[sb_lat_fine_log2(b)] += lat[b];
			}
			seq_printf(m, "%s %s %llu %llu", sb_lat_path_names[p],
				   sb_lat_op_names[o], count,
				   sum->lat_sum[p][o]);
			if (fine) {
				for (b = 0; b < SB_LAT_FINE_BUCKETS; b++)
					seq_printf(m, " %llu", lat[b]);
			} else {
				for (b = 0; b < SB_LAT_BUCKETS; b++)
					seq_printf(m, " %llu", log2[b]);
			}
			seq_putc(m, '\n');
		}
	}
	kvfree(sum);
	return 0;
}

static int latency_show(struct seq_file *m, void *v)
{
	return latency_print(m, false);
}

SB_DEFINE_SHOW(latency);

static int latency_fine_show(struct seq_file *m, void *v)
{
	return latency_print(m, true);
}

SB_DEFINE_SHOW(latency_fine);

static int completion_show(struct seq_file *m, void *v)
{
	struct sb_dev *dev = m->private;
	struct sb_stats_sum *sum = sb_stats_snapshot(dev);
	static const char * const kinds[] = { "backing", "complete" };
	static const char * const locs[] = { "same", "shared", "remote" };
	static const char * const nlocs[] = SB_NODE_LOC_NAMES;
	unsigned int n = dev->aff_cols, r, c, k, l;

	if (!sum)
		return -ENOMEM;
	seq_printf(m, "ncpus %u\n", nr_cpu_ids);
	seq_printf(m, "group %u\n", dev->aff_group);
	for (k = 0; k < SB_NR_LOC_KIND; k++)
		for (l = 0; l < SB_NR_LOC; l++)
			seq_printf(m, "%s_%s %llu\n", kinds[k], locs[l],
				   sum->loc[k][l]);
	for (k = 0; k < SB_NR_LOC_KIND; k++)
		for (l = 0; l < SB_NR_NODE_LOC; l++)
			seq_printf(m, "%s_%s %llu\n", kinds[k], nlocs[l],
				   sum->node_loc[k][l]);
	seq_puts(m, "# matrix rows=submit cpu, cols=backing completion cpu, first field = row cpu\n");
	seq_printf(m, "matrix %u %u\n", n, n);
	for (r = 0; r < n; r++) {
		seq_printf(m, "%u", r * dev->aff_group);
		for (c = 0; c < n; c++)
			seq_printf(m, " %llu", sum->matrix[r * n + c]);
		seq_putc(m, '\n');
	}
	kvfree(sum);
	return 0;
}

SB_DEFINE_SHOW(completion);

static int parity_show(struct seq_file *m, void *v)
{
	return sb_parity_show(m, m->private);
}

SB_DEFINE_SHOW(parity);

void sb_debugfs_add(struct sb_dev *dev)
{
	struct dentry *dir;

	dir = debugfs_create_dir(dev->disk->disk_name, sb_debugfs_root);
	dev->debugfs_dir = dir;
	debugfs_create_file("counters", 0400, dir, dev, &counters_fops);
	debugfs_create_file("hctx", 0400, dir, dev, &hctx_fops);
	debugfs_create_file("latency", 0400, dir, dev, &latency_fops);
	debugfs_create_file("latency_fine", 0400, dir, dev, &latency_fine_fops);
	debugfs_create_file("completion", 0400, dir, dev, &completion_fops);
	if (dev->parity)
		debugfs_create_file("parity", 0400, dir, dev, &parity_fops);
}

/* debugfs_remove() waits for readers inside the files' operations. */
void sb_debugfs_del(struct sb_dev *dev)
{
	debugfs_remove(dev->debugfs_dir);
	dev->debugfs_dir = NULL;
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * A crypt read decrypted where it completes is decrypted as if it could
 * not sleep there, then finds no cipher request at once (as if GFP_NOWAIT
 * had failed) or stops before a crypt sector as if the cipher had gone
 * async, so that crypt_wq decrypts the read or the rest of it
 * (stage_crypt.c): the no-sleep path over a backing whose data can be
 * checked, and both ways of resuming it, which a PREEMPT_RCU kernel's SIMD
 * cipher and an unexhausted request pool never take on their own.
 */
DECLARE_FAULT_ATTR(sb_fail_crypt_defer);
#endif

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * crypt_test_cipher: the crypto API name that a crypt device powered on
 * from now on allocates instead of "xts(aes)" (stage_crypt.c); empty: xts(aes).
 * A test kernel's, for a cipher that always completes asynchronously,
 * cryptd(xts(ecb(aes-generic))): the -EINPROGRESS paths that the SIMD XTS
 * drivers take only when the FPU is not usable where they are called.
 */
static char sb_crypt_test_name[CRYPTO_MAX_ALG_NAME];
static DEFINE_MUTEX(sb_crypt_test_lock);

void sb_crypt_test_cipher(char *name, size_t len)
{
	mutex_lock(&sb_crypt_test_lock);
	if (sb_crypt_test_name[0])
		strscpy(name, sb_crypt_test_name, len);
	mutex_unlock(&sb_crypt_test_lock);
}

static ssize_t sb_crypt_test_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char buf[CRYPTO_MAX_ALG_NAME + 1];
	int len;

	mutex_lock(&sb_crypt_test_lock);
	len = scnprintf(buf, sizeof(buf), "%s\n", sb_crypt_test_name);
	mutex_unlock(&sb_crypt_test_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t sb_crypt_test_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[CRYPTO_MAX_ALG_NAME + 1];	/* a longest name and a newline */

	if (*ppos || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mutex_lock(&sb_crypt_test_lock);
	strscpy(sb_crypt_test_name, strim(buf), sizeof(sb_crypt_test_name));
	mutex_unlock(&sb_crypt_test_lock);
	return count;
}

static const struct file_operations sb_crypt_test_fops = {
	.owner	= THIS_MODULE,
	.read	= sb_crypt_test_read,
	.write	= sb_crypt_test_write,
	.llseek	= default_llseek,
};
#endif

void sb_debugfs_init(void)
{
	sb_debugfs_root = debugfs_create_dir(SB_NAME, NULL);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_crypt_defer", sb_debugfs_root,
				  &sb_fail_crypt_defer);
	debugfs_create_file("crypt_test_cipher", 0600, sb_debugfs_root, NULL,
			    &sb_crypt_test_fops);
#endif
}

void sb_debugfs_exit(void)
{
	debugfs_remove(sb_debugfs_root);
}
