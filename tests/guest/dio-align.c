// SPDX-License-Identifier: GPL-2.0
/*
 * tests/guest/dio-align.c - direct I/O at every alignment the queue limits
 * allow, and refusal of what they forbid.
 *
 *   dio-align DEV [LIMITS_DEV]
 *
 * Reads the queue limits of LIMITS_DEV (default DEV) from sysfs:
 * dma_alignment, logical_block_size, max_segments, max_sectors_kb and
 * virt_boundary_mask.  From them it builds probes and runs each on DEV
 * with O_DIRECT, in the first 2 MiB of it (their data is overwritten):
 *
 *   allowed   buffer addresses aligned to dma_alignment + 1 but to nothing
 *             more, lengths of whole logical blocks that cross pages and
 *             64 KiB boundaries, device offsets in whole logical blocks,
 *             one to max_segments + 1 vectors (the block layer splits what
 *             is over the limits).  Each is written, read back into a page
 *             aligned buffer and into a buffer aligned like the write, and
 *             compared: it must succeed and return what was written.
 *   forbidden a buffer address off dma_alignment, a vector length that is
 *             not whole logical blocks, a device offset off a logical
 *             block: each must fail with EINVAL, as the block layer
 *             refuses them.
 *
 * Prints one line per probe, "<probe> <outcome>", with outcome "ok" or an
 * errno name, and "FAIL <probe>: ..." for each that did not do what the
 * limits promise.  Running it on a stacked device with the limits of its
 * backing (LIMITS_DEV) shows whether the stacked device takes all that the
 * backing takes; the outputs of both can then be compared line by line.
 * Exit status: 0 if no probe failed, 1 if one did, 2 on a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define REGION		(2u << 20)	/* bytes of DEV the probes use */
#define ARENA		(8u << 20)	/* user memory the vectors come from */
#define PG		4096u

struct limits {
	unsigned int dma;	/* dma_alignment: a mask */
	unsigned int lbs;
	unsigned int max_segs;
	unsigned int max_io;	/* max_sectors_kb in bytes */
	unsigned long vbound;	/* virt_boundary_mask */
};

static int fd;
static unsigned char *arena, *check;
static unsigned int failures, seq;

static unsigned long sysfs_ul(const char *dev, const char *attr)
{
	char path[PATH_MAX + 64], name[PATH_MAX];
	const char *base;
	unsigned long v;
	struct stat st;
	FILE *f;

	/* a partition has no queue/: use the whole disk's */
	if (stat(dev, &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "dio-align: %s is not a block device\n", dev);
		exit(2);
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(path, name)) {
		perror(path);
		exit(2);
	}
	base = name;
	snprintf(path, sizeof(path), "%s/queue/%s", base, attr);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/../queue/%s", base, attr);
		f = fopen(path, "r");
	}
	if (!f || fscanf(f, "%lu", &v) != 1) {
		fprintf(stderr, "dio-align: cannot read queue/%s of %s\n", attr,
			dev);
		exit(2);
	}
	fclose(f);
	return v;
}

static void read_limits(const char *dev, struct limits *l)
{
	l->dma = sysfs_ul(dev, "dma_alignment");
	l->lbs = sysfs_ul(dev, "logical_block_size");
	l->max_segs = sysfs_ul(dev, "max_segments");
	l->max_io = sysfs_ul(dev, "max_sectors_kb") * 1024;
	l->vbound = sysfs_ul(dev, "virt_boundary_mask");
}

/* the byte written at device offset @pos by write number @n */
static unsigned char pattern(unsigned int n, size_t pos)
{
	uint32_t x = (uint32_t)(pos * 2654435761u) ^ (n * 40503u);

	return (unsigned char)(x ^ (x >> 13) ^ (x >> 24));
}

static const char *outcome(ssize_t r, size_t want, int err)
{
	static char buf[32];

	if (r == (ssize_t)want)
		return "ok";
	if (r >= 0) {
		snprintf(buf, sizeof(buf), "short-%zd", r);
		return buf;
	}
	switch (err) {
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	default:
		snprintf(buf, sizeof(buf), "errno-%d", err);
		return buf;
	}
}

/* read [@pos, +@len) of DEV into @buf (page aligned) and compare */
static int verify(const char *probe, const unsigned char *buf, off_t pos,
		  size_t len, unsigned int n)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != pattern(n, pos + i)) {
			printf("FAIL %s: byte %zu of %zu at device offset %lld reads %#x, wrote %#x\n",
			       probe, i, len, (long long)pos, buf[i],
			       pattern(n, pos + i));
			failures++;
			return -1;
		}
	}
	return 0;
}

/*
 * An allowed probe: write @nv vectors @iov at device offset @pos, read the
 * range back page aligned and through the same vectors, compare both.
 */
static void allowed(const char *probe, struct iovec *iov, int nv, off_t pos)
{
	size_t len = 0, done;
	unsigned int n = ++seq;
	const char *o;
	ssize_t r;
	int i;

	for (i = 0; i < nv; i++)
		len += iov[i].iov_len;
	for (done = 0, i = 0; i < nv; done += iov[i].iov_len, i++) {
		size_t k;

		for (k = 0; k < iov[i].iov_len; k++)
			((unsigned char *)iov[i].iov_base)[k] =
				pattern(n, pos + done + k);
	}
	r = pwritev(fd, iov, nv, pos);
	o = outcome(r, len, errno);
	printf("%s write %s\n", probe, o);
	if (strcmp(o, "ok")) {
		printf("FAIL %s: write of %zu bytes in %d vectors: %s, the limits allow it\n",
		       probe, len, nv, o);
		failures++;
		return;
	}
	r = pread(fd, check, len, pos);
	o = outcome(r, len, errno);
	printf("%s read-aligned %s\n", probe, o);
	if (strcmp(o, "ok")) {
		printf("FAIL %s: page aligned read back: %s\n", probe, o);
		failures++;
		return;
	}
	if (verify(probe, check, pos, len, n))
		return;
	for (i = 0; i < nv; i++)
		memset(iov[i].iov_base, 0, iov[i].iov_len);
	r = preadv(fd, iov, nv, pos);
	o = outcome(r, len, errno);
	printf("%s read-same %s\n", probe, o);
	if (strcmp(o, "ok")) {
		printf("FAIL %s: read through the same vectors: %s, the limits allow it\n",
		       probe, o);
		failures++;
		return;
	}
	for (done = 0, i = 0; i < nv; done += iov[i].iov_len, i++)
		memcpy(check + done, iov[i].iov_base, iov[i].iov_len);
	verify(probe, check, pos, len, n);
}

/* A forbidden probe: must fail with EINVAL and leave the data alone. */
static void forbidden(const char *probe, struct iovec *iov, int nv, off_t pos,
		      int write)
{
	size_t len = 0;
	const char *o;
	ssize_t r;
	int i;

	for (i = 0; i < nv; i++)
		len += iov[i].iov_len;
	r = write ? pwritev(fd, iov, nv, pos) : preadv(fd, iov, nv, pos);
	o = outcome(r, len, errno);
	printf("%s %s %s\n", probe, write ? "write" : "read", o);
	if (strcmp(o, "EINVAL")) {
		printf("FAIL %s: %s gave %s, the limits forbid it (EINVAL)\n",
		       probe, write ? "write" : "read", o);
		failures++;
	}
}

int main(int argc, char **argv)
{
	unsigned int step, offs[8], lens[6], i, j, k, nofs = 0, nlen = 0;
	off_t poss[3];
	struct iovec iov[1100];
	struct limits l;
	char probe[160];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dio-align DEV [LIMITS_DEV]\n");
		return 2;
	}
	read_limits(argc == 3 ? argv[2] : argv[1], &l);
	printf("# limits of %s: dma_alignment %u logical_block_size %u max_segments %u max_sectors_kb %u virt_boundary_mask %#lx\n",
	       argc == 3 ? argv[2] : argv[1], l.dma, l.lbs, l.max_segs,
	       l.max_io / 1024, l.vbound);
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || check == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	step = l.dma + 1;	/* the finest address the limits allow */

	/* one vector: addresses aligned to exactly step, and coarser ones */
	offs[nofs++] = 0;
	offs[nofs++] = step;
	if (3 * step < PG)
		offs[nofs++] = 3 * step;
	if (step < 512)
		offs[nofs++] = 512;
	offs[nofs++] = PG - step;	/* the first bytes end the page */
	lens[nlen++] = l.lbs;
	lens[nlen++] = 2 * l.lbs;
	lens[nlen++] = 9 * l.lbs;	/* across pages */
	lens[nlen++] = 65536;
	/* the largest single request, and one block more (split above) */
	if (l.max_io <= (512u << 10)) {
		lens[nlen++] = l.max_io;
		lens[nlen++] = l.max_io + l.lbs;
	} else {
		lens[nlen++] = 512u << 10;
	}
	poss[0] = 0;
	poss[1] = l.lbs;
	poss[2] = 65536 - l.lbs;	/* across a 64 KiB boundary */
	for (i = 0; i < nofs; i++)
		for (j = 0; j < nlen; j++)
			for (k = 0; k < 3; k++) {
				if (poss[k] + lens[j] > REGION)
					continue;
				/* the largest: two addresses are enough */
				if (lens[j] > 65536 && offs[i] != step &&
				    offs[i] != PG - step)
					continue;
				snprintf(probe, sizeof(probe),
					 "one addr+%u len %u at %lld", offs[i],
					 lens[j], (long long)poss[k]);
				iov[0].iov_base = arena + PG + offs[i];
				iov[0].iov_len = lens[j];
				allowed(probe, iov, 1, poss[k]);
			}

	/* many vectors, each one logical block at a step-aligned address */
	{
		unsigned int counts[] = { 2, 3, 16, l.max_segs, l.max_segs + 1,
					  1024 };

		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			unsigned int nv = counts[i];

			if (nv > 1024 || (size_t)nv * l.lbs > REGION ||
			    (size_t)nv * 2 * PG > ARENA)
				continue;
			for (k = 0; k < 2; k++) {
				/* k=0: a page per vector; k=1: packed */
				for (j = 0; j < nv; j++) {
					size_t a = k ? PG + step +
						(size_t)j * (l.lbs + step) :
						(size_t)j * 2 * PG + PG + step;

					a = (a + l.dma) & ~(size_t)l.dma;
					iov[j].iov_base = arena + a;
					iov[j].iov_len = l.lbs;
				}
				snprintf(probe, sizeof(probe),
					 "%u vectors %s addr+%u len %u at %u",
					 nv, k ? "packed" : "paged", step,
					 l.lbs, l.lbs);
				allowed(probe, iov, nv, l.lbs);
			}
		}
	}

	/* vectors of mixed lengths at mixed allowed addresses */
	for (k = 0; k < 4; k++) {
		size_t a = PG;
		int nv = 7;

		for (j = 0; j < (unsigned int)nv; j++) {
			a = (a + (j + k) * step + l.dma) & ~(size_t)l.dma;
			iov[j].iov_base = arena + a;
			iov[j].iov_len = l.lbs * (1 + (j * 3 + k) % 5);
			a += iov[j].iov_len + PG;
		}
		snprintf(probe, sizeof(probe), "mixed #%u at %u", k,
			 65536 - 2 * l.lbs);
		allowed(probe, iov, nv, 65536 - 2 * l.lbs);
	}

	/* what the limits forbid */
	if (step > 1) {
		for (i = 0; i < 2; i++) {
			snprintf(probe, sizeof(probe), "one addr+%u len %u at 0",
				 step / 2, l.lbs);
			iov[0].iov_base = arena + PG + step / 2;
			iov[0].iov_len = l.lbs;
			forbidden(probe, iov, 1, 0, i);
		}
		for (i = 0; i < 2; i++) {
			snprintf(probe, sizeof(probe),
				 "3 vectors, the second addr+%u, at 0",
				 step / 2);
			for (j = 0; j < 3; j++) {
				iov[j].iov_base = arena + (j + 1) * PG +
						  (j == 1 ? step / 2 : 0);
				iov[j].iov_len = l.lbs;
			}
			forbidden(probe, iov, 3, 0, i);
		}
	}
	if (l.lbs > step) {
		for (i = 0; i < 2; i++) {
			snprintf(probe, sizeof(probe),
				 "2 vectors of %u and %u bytes at 0",
				 l.lbs - step, l.lbs + step);
			iov[0].iov_base = arena + PG;
			iov[0].iov_len = l.lbs - step;
			iov[1].iov_base = arena + 3 * PG;
			iov[1].iov_len = l.lbs + step;
			forbidden(probe, iov, 2, 0, i);
		}
	}
	for (i = 0; i < 2; i++) {
		snprintf(probe, sizeof(probe), "one len %u at device offset %u",
			 l.lbs, l.lbs / 2);
		iov[0].iov_base = arena + PG;
		iov[0].iov_len = l.lbs;
		forbidden(probe, iov, 1, l.lbs / 2, i);
	}
	printf("# %u probes written, %u failed\n", seq, failures);
	close(fd);
	return failures ? 1 : 0;
}
