#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/int3-repro.sh - does the emulator run stale kernel text?
#
#   tests/vm/int3-repro.sh [--thread single|multi] [--smp N] [--toggles N]
#                          [--kernel KVER] [--out DIR]
#
# Boots a Debian guest WITHOUT stackblk and flips the sched_switch
# tracepoint on and off --toggles times (each flip is a text_poke_bp() of
# every trace_sched_switch() site, __schedule() among them) while every vCPU
# context-switches as fast as it can (pipes between busy processes).  On
# hardware, and under KVM, this never oopses.  Under QEMU < 8.1 with
# multi-threaded TCG a vCPU can execute a translation of __schedule() made
# while the int3 was there, after the kernel already put the final bytes
# back; poke_int3_handler() no longer claims it and the guest dies with
# "Oops: int3" in __schedule() - the oops seen during 53-stage-merge, which
# enables trace events and so registers the sched_switch probes (cmdline
# recording).  Prints one line: thread=... smp=... toggles=... result=oops|clean
# and exits 1 on an oops.  The ABAB evidence is in docs/testing.md.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
thread=multi smp=4 toggles=400 kernel="" out=""
while [ $# -gt 0 ]; do
	case $1 in
	--thread) thread=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--toggles) toggles=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) sed -n '4,21p' "$0" >&2; exit 2 ;;
	esac
done
out=${out:-$REPO/tests/results/int3-repro-$thread-$smp}
args=(--smp "$smp" --timeout 1800 --out "$out")
[ -n "$kernel" ] && args+=(--kernel "$kernel")
start=$(date +%s)
STACKBLK_TCG_THREAD=$thread "$REPO/tests/vm/run-vm.sh" "${args[@]}" -- bash -c '
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
n=$(nproc)
pids=()
for i in $(seq $((2 * n))); do	# context-switch storms on every vCPU
	( while :; do head -c 65536 /dev/zero | cat >/dev/null; done ) &
	pids+=($!)
done
for i in $(seq '"$toggles"'); do
	echo 1 >$T/events/sched/sched_switch/enable
	echo 0 >$T/events/sched/sched_switch/enable
done
echo "toggled '"$toggles"' times"
kill "${pids[@]}" 2>/dev/null
' >/dev/null 2>&1
rc=$?
t=$(($(date +%s) - start))
if grep -q 'Oops: int3' "$out/console.log" 2>/dev/null; then
	echo "thread=$thread smp=$smp toggles=$toggles result=oops ${t}s: $(grep -m1 -A3 'Oops: int3' "$out/console.log" | grep -m1 RIP)"
	exit 1
fi
echo "thread=$thread smp=$smp toggles=$toggles result=$([ $rc = 0 ] && echo clean || echo "rc=$rc") ${t}s"
[ $rc = 0 ]
