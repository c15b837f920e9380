// SPDX-License-Identifier: GPL-2.0
/*
 * tests/guest/uring-discard.c - several discards of a block device in one
 * io_uring_enter(), so the block layer sees them under one plug.
 *
 *   uring-discard DEV OFFSET:LENGTH [OFFSET:LENGTH...]
 *
 * Each range (bytes) is one IORING_OP_URING_CMD BLOCK_URING_CMD_DISCARD
 * (Linux 6.12+).  io_uring plugs a submission of three or more requests,
 * so discard bios of disjoint ranges can be merged into one request when
 * the queue's max_discard_segments is above 1 (bio_attempt_discard_merge()):
 * a driver must then discard each of the request's bios, not the range
 * from blk_rq_pos() over blk_rq_bytes().  This is how XFS's fstrim and
 * online discard reach a device, in a form a test can repeat exactly.
 *
 * Prints "OFFSET:LENGTH RESULT" per range (0 or an errno name).  Exit
 * status: 0 if every discard succeeded, 1 if one failed, 2 on a setup
 * error, 3 if the kernel has no block discard command (EINVAL or
 * EOPNOTSUPP on every range: before 6.12).
 *
 * Example: uring-discard /dev/stackblk0 1048576:1048576 3145728:1048576 \
 *          5242880:1048576
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD	_IO(0x12, 0)
#endif
#define MAX_RANGES	32

int main(int argc, char **argv)
{
	struct io_uring_params p = { 0 };
	uint64_t off[MAX_RANGES], len[MAX_RANGES];
	int res[MAX_RANGES], n = argc - 2, fd, ring, i, got = 0, unsupported = 0;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	size_t sq_len, cq_len;
	char *sq, *cq;

	if (n < 1 || n > MAX_RANGES) {
		fprintf(stderr, "usage: %s DEV OFFSET:LENGTH... (1 to %d)\n",
			argv[0], MAX_RANGES);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if (sscanf(argv[i + 2], "%" SCNu64 ":%" SCNu64, &off[i],
			   &len[i]) != 2) {
			fprintf(stderr, "bad range '%s'\n", argv[i + 2]);
			return 2;
		}
		res[i] = 1;	/* no completion seen */
	}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	ring = syscall(__NR_io_uring_setup, MAX_RANGES, &p);
	if (ring < 0) {
		perror("io_uring_setup");
		return 2;
	}
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	sq_array = (unsigned int *)(sq + p.sq_off.array);
	cq_head = (unsigned int *)(cq + p.cq_off.head);
	cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	cq_mask = *(unsigned int *)(cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = &sqes[i];

		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = BLOCK_URING_CMD_DISCARD;
		sqe->addr = off[i];
		sqe->addr3 = len[i];
		sqe->user_data = i;
		sq_array[i] = i;
	}
	__atomic_store_n(sq_tail, n, __ATOMIC_RELEASE);
	/* all of them in one call: one plug around their submission */
	if (syscall(__NR_io_uring_enter, ring, n, n, IORING_ENTER_GETEVENTS,
		    NULL, 0) != n) {
		perror("io_uring_enter");
		return 2;
	}
	while (got < n) {
		unsigned int head = *cq_head;

		while (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
			if (syscall(__NR_io_uring_enter, ring, 0, 1,
				    IORING_ENTER_GETEVENTS, NULL, 0) < 0 &&
			    errno != EINTR) {
				perror("io_uring_enter (wait)");
				return 2;
			}
		}
		for (; head != *cq_tail; head++, got++) {
			struct io_uring_cqe *cqe = &cqes[head & cq_mask];

			if (cqe->user_data < (uint64_t)n)
				res[cqe->user_data] = cqe->res;
		}
		__atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
	}
	for (i = 0; i < n; i++) {
		const char *r = res[i] ? strerrorname_np(-res[i]) : "0";

		printf("%" PRIu64 ":%" PRIu64 " %s\n", off[i], len[i],
		       r ? r : "?");
		if (res[i] == -EINVAL || res[i] == -EOPNOTSUPP)
			unsupported++;
	}
	if (unsupported == n)
		return 3;
	for (i = 0; i < n; i++)
		if (res[i])
			return 1;
	return 0;
}
