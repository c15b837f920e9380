// SPDX-License-Identifier: GPL-2.0
/*
 * insn-count.c - a QEMU TCG plugin that counts the instructions a guest
 * executes, per vCPU, split into kernel and user mode, and writes the
 * running totals each time the guest executes the marker instruction.
 * It is the deterministic cost figure of `make bench` (tests/perf/README.md):
 * under TCG, IOPS swing by +-10 % between runs, but the instructions the
 * guest executes for one I/O hardly change.
 *
 *   qemu-system-x86_64 ... -plugin FILE.so,out=PATH
 *
 * Each translated block adds its instruction count to its vCPU's counter
 * when it starts to execute.  That is a callback, not QEMU's cheaper inline
 * add: with QEMU 10.0.2 (Debian 12 backports) any inline op, per block or
 * per instruction, makes the x86_64 guest kernel die in early boot (a
 * spurious page fault in sync_regs), while callbacks boot and count.  A
 * block that leaves early (an exception or interrupt in its middle) is
 * counted whole; under TCG that is rare and the same for every contender.
 *
 * The marker is the 7-byte no-op "nopl 0x53424d4b(%rax)" (0f 1f 80 'K' 'M'
 * 'B' 'S'), executed by tests/perf/insn/sbmark.c; no compiler emits that
 * displacement by chance.  At each marker the plugin appends one line to
 * PATH:
 *
 *   mark <n> <kernel insns> <user insns>
 *
 * with n counting from 1 and the totals summed over all vCPUs.  The guest
 * counts its marks the same way, so the difference between two marks is the
 * cost of what ran between them (tests/perf/guest-bench.sh: one fio run).
 *
 * With prof=PROFPATH too, it is a flat profile of the guest kernel, the
 * TCG analogue of callgrind's: at each marker it appends to PROFPATH
 *
 *   mark <n>
 *   <block address> <instructions in the block> <executions>
 *   ...
 *
 * one line per kernel block executed since the previous marker (a block
 * translated twice may have two lines), and starts counting afresh.
 * tests/perf/profile.py maps the addresses to the guest's symbols.
 * Under single-threaded TCG (what run-vm.sh uses) every vCPU is stopped
 * while the marker runs, so the sums are exact.
 *
 * Built by tests/perf/insn/build.sh against the qemu-plugin.h of the
 * installed QEMU's Debian source package (never committed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct insn_count {
	uint64_t kernel;
	uint64_t user;
};

static const uint8_t sb_marker[] = { 0x0f, 0x1f, 0x80, 'K', 'M', 'B', 'S' };

static struct qemu_plugin_scoreboard *counts;
static qemu_plugin_u64 count_kernel;
static qemu_plugin_u64 count_user;
static FILE *out;
static uint64_t marks;

/* prof=: one record per translated kernel block */
struct tb_rec {
	uint64_t vaddr;
	uint64_t n;			/* instructions */
	uint64_t execs;			/* since the last marker */
	struct tb_rec *next;
};

static FILE *prof;
static struct tb_rec *recs;

/* x86-64: the kernel's half of the canonical address space */
static bool vaddr_is_kernel(uint64_t vaddr)
{
	return vaddr >> 63;
}

/* userdata of a block: its instruction count, and bit 0 set for kernel */
static void on_tb_exec(unsigned int vcpu_index, void *udata)
{
	uintptr_t v = (uintptr_t)udata;
	qemu_plugin_u64 c = (v & 1) ? count_kernel : count_user;

	qemu_plugin_u64_set(c, vcpu_index,
			    qemu_plugin_u64_get(c, vcpu_index) + (v >> 1));
}

/* prof=: userdata of a kernel block is its record */
static void on_tb_exec_prof(unsigned int vcpu_index, void *udata)
{
	struct tb_rec *r = udata;

	r->execs++;
	qemu_plugin_u64_set(count_kernel, vcpu_index,
			    qemu_plugin_u64_get(count_kernel, vcpu_index) +
			    r->n);
}

static void on_marker(unsigned int vcpu_index, void *udata)
{
	struct tb_rec *r;

	fprintf(out, "mark %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", ++marks,
		qemu_plugin_u64_sum(count_kernel),
		qemu_plugin_u64_sum(count_user));
	fflush(out);
	if (!prof)
		return;
	fprintf(prof, "mark %" PRIu64 "\n", marks);
	for (r = recs; r; r = r->next) {
		if (!r->execs)
			continue;
		fprintf(prof, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
			r->vaddr, r->n, r->execs);
		r->execs = 0;
	}
	fflush(prof);
}

static bool insn_is_marker(const struct qemu_plugin_insn *insn)
{
	uint8_t buf[sizeof(sb_marker)];

	if (qemu_plugin_insn_size(insn) != sizeof(sb_marker))
		return false;
	if (qemu_plugin_insn_data(insn, buf, sizeof(buf)) != sizeof(buf))
		return false;
	return !memcmp(buf, sb_marker, sizeof(buf));
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	uintptr_t v = (n << 1) | vaddr_is_kernel(vaddr);
	struct tb_rec *r;

	if (prof && vaddr_is_kernel(vaddr) && (r = calloc(1, sizeof(*r)))) {
		r->vaddr = vaddr;
		r->n = n;
		r->next = recs;
		recs = r;
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec_prof,
						     QEMU_PLUGIN_CB_NO_REGS, r);
	} else {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)v);
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (insn_is_marker(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_plugin_exit(qemu_plugin_id_t id, void *udata)
{
	fprintf(out, "exit %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", marks,
		qemu_plugin_u64_sum(count_kernel),
		qemu_plugin_u64_sum(count_user));
	fclose(out);
	if (prof)
		fclose(prof);
	qemu_plugin_scoreboard_free(counts);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL, *prof_path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "prof=", 5))
			prof_path = argv[i] + 5;
		else {
			fprintf(stderr, "insn-count: unknown argument %s\n",
				argv[i]);
			return -1;
		}
	}
	if (!path) {
		fprintf(stderr, "insn-count: usage: -plugin insn-count.so,out=PATH[,prof=PATH]\n");
		return -1;
	}
	if (strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "insn-count: x86_64 guests only, not %s\n",
			info->target_name);
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "insn-count: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (prof_path) {
		prof = fopen(prof_path, "w");
		if (!prof) {
			fprintf(stderr, "insn-count: %s: %s\n", prof_path,
				strerror(errno));
			return -1;
		}
	}
	counts = qemu_plugin_scoreboard_new(sizeof(struct insn_count));
	count_kernel = qemu_plugin_scoreboard_u64_in_struct(
		counts, struct insn_count, kernel);
	count_user = qemu_plugin_scoreboard_u64_in_struct(
		counts, struct insn_count, user);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
	return 0;
}
