// SPDX-License-Identifier: GPL-2.0
/*
 * sbmark - execute the insn-count plugin's marker instruction once
 * (tests/perf/insn/insn-count.c).  Without the plugin it is a no-op.
 * Run by tests/perf/guest-bench.sh right before and right after each fio
 * run; the plugin's file then holds the guest's instruction totals at both.
 */
int main(void)
{
	/* nopl 0x53424d4b(%rax): 0f 1f 80 4b 4d 42 53 */
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x4b, 0x4d, 0x42, 0x53" ::: "memory");
	return 0;
}
