#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kernel/run.sh - the debug-kernel part of `make check`.
#
#  1. builds (once per machine, cached in ~/.cache/stackblk) the debug test
#     kernel: tests/kernel/build-kernel.sh (KUnit, lockdep, KASAN, kmemleak,
#     DEBUG_OBJECTS, fault injection; version <x.y.z>-stackblk-debug)
#  2. builds stackblk_kunit.ko (tests/kunit/build.sh) and, if
#     tests/guest/suite.sh exists, stackblk.ko (tests/lib/build-modules.sh)
#     into build/<debug kernel release>/ where tests/guest/lib.sh loads it
#  3. boots it once under QEMU (tests/vm/run-vm.sh) and in the guest:
#     loads the KUnit module, runs tests/guest/suite.sh, then triggers two
#     kmemleak scans
#  4. prints one line per result:
#       PASS|FAIL|SKIP kunit/<suite>.<case>      the KUnit cases
#       PASS|FAIL|SKIP debug/<guest case>        tests/guest/cases/* on the debug kernel
#       PASS|FAIL debug/dmesg-<check>            kasan, lockdep, debug_objects,
#                                                atomic_sleep, oops over the whole log
#       PASS|FAIL debug/kmemleak                 leaks involving stackblk
#
# Exit 1 if anything failed.  Progress and timings go to stderr; artefacts to
# tests/results/debug/ (or $SB_DEBUG_OUT).  Env:
#   SB_DEBUG_SUITE=0      skip the guest suite (KUnit + checks only)
#   SB_DEBUG_BUDGET=1800  seconds for guest cases on the debug kernel (KASAN +
#                         lockdep under TCG is slow); cases not started by
#                         then are SKIP lines; 0 = run them all
#   SB_DEBUG_FIRST=a,b    case-name substrings to run first (default below)
#   SB_DEBUG_ONLY=1       run only the SB_DEBUG_FIRST cases (0 = then the rest)
#   SB_CASE_TIMEOUT=600   limit per guest case (under KASAN+TCG, with the
#                         Debian guests running beside it, one insmod takes
#                         ~9 s and one create/remove cycle ~28 s)
#   SB_LOOP_CREATE=6 SB_LOOP_INSMOD=4  create/remove and insmod/rmmod
#                         cycles of 73-lifecycle-loops (100 and 50 on the
#                         Debian kernels)
#   SB_DEBUG_TIMEOUT      limit for the whole VM (default budget + 1200 s)
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$SB_REPO"
T0=$(date +%s)
OUT=${SB_DEBUG_OUT:-$SB_REPO/tests/results/debug}
rm -rf "$OUT" && mkdir -p "$OUT"
res=$OUT/results.txt
: >"$res"
say() { echo "$*" | tee -a "$res"; }

KOUT=$(tests/kernel/build-kernel.sh) || {
	say "FAIL debug/kernel-build: tests/kernel/build-kernel.sh failed (see stderr)"
	exit 1
}
T1=$(date +%s)
KREL=$(cat "$KOUT/kernelrelease")

# Guest cases that the debug instrumentation has most to say about (teardown
# races, error paths, every I/O type, stages) run first; the time budget may
# cut off the rest (they run on the Debian kernels anyway).
# The reliability cases (70-79) come first: backing errors, stalls, removal
# and lifecycle are where lockdep, KASAN and kmemleak find most.  pci-remove
# brings the namespace back as nvme0n1 (stackblk lets go of the controller
# before the rescan), so the cases after it still find their backing.
DEBUG_FIRST=load-unload,fault-backing,fault-stages,timeout-stall,lifecycle-loops,pci-remove,hostile-input,privilege,cpu-hotplug,rmmod-busy,rmdir-under-io,power0-under-io,stage-merge,passthrough-bytes,flush,discard,stats-exact,stage-exact,stage-config,bad-input

guest_args=(--modroot "$KOUT/modroot" --kmemleak)
if KO=$(tests/kunit/build.sh "$KOUT/build"); then
	guest_args+=(--kunit "$KO")
else
	say "FAIL kunit/build: stackblk_kunit.ko did not build"
	KO=""
fi
suite=0
if [ -x tests/guest/suite.sh ] && [ "${SB_DEBUG_SUITE:-1}" != 0 ]; then
	if [ -x tests/lib/build-modules.sh ]; then
		tests/lib/build-modules.sh "$KOUT/build" >"$OUT/build-module.log" 2>&1
	else	# same approach: a private copy of the sources per kernel
		b=$SB_REPO/build/$KREL && rm -rf "$b" && mkdir -p "$b" &&
			cp -a Kbuild module include "$b/" &&
			make -C "$KOUT/build" M="$b" modules >"$OUT/build-module.log" 2>&1
	fi
	if [ -f "build/$KREL/stackblk.ko" ]; then
		suite=1
		guest_args+=(--suite)
	else
		say "FAIL debug/build-module: stackblk.ko did not build against $KREL: $(grep -m1 -E 'error|Error' "$OUT/build-module.log")"
	fi
fi
T2=$(date +%s)

echo "debug: booting $KREL (TCG) for KUnit$([ $suite = 1 ] && echo " + guest suite") ..." >&2
vmrc=0
budget=${SB_DEBUG_BUDGET:-1800}
case_tmo=${SB_CASE_TIMEOUT:-600}
tests/vm/run-vm.sh --kernel "$KOUT/build/arch/x86/boot/bzImage" --smp 2 --mem 2048 \
	--timeout "${SB_DEBUG_TIMEOUT:-$((budget + case_tmo + 900))}" --out "$OUT" -- \
	env SB_CASE_TIMEOUT="$case_tmo" SB_DEBUG_BUDGET="$budget" \
	SB_LOOP_CREATE="${SB_LOOP_CREATE:-6}" SB_LOOP_INSMOD="${SB_LOOP_INSMOD:-4}" \
	SB_DEBUG_FIRST="${SB_DEBUG_FIRST:-$DEBUG_FIRST}" SB_DEBUG_ONLY="${SB_DEBUG_ONLY:-1}" \
	tests/kernel/guest.sh "${guest_args[@]}" >"$OUT/run-vm.log" 2>&1 || vmrc=$?
T3=$(date +%s)
[ $vmrc -eq 0 ] || say "FAIL debug/guest: run-vm.sh exit $vmrc, status $(cat "$OUT/status" 2>/dev/null): $(tail -n 3 "$OUT/run-vm.log" | tr '\n' ' ')"

# KUnit
if [ -n "$KO" ]; then
	if [ "$(cat "$OUT/kunit/insmod.rc" 2>/dev/null)" != 0 ]; then
		say "FAIL kunit/insmod: $(head -c 300 "$OUT/kunit/insmod.log" 2>/dev/null || echo 'did not run')"
	fi
	ktap=("$OUT"/kunit/*.ktap)
	[ -e "${ktap[0]}" ] || ktap=("$OUT/dmesg.txt")
	python3 tests/kunit/ktap.py --expect-cases "$(sb_kunit_expected_cases)" \
		--expect-suites "$(sb_kunit_suites)" "${ktap[@]}" 2>>"$OUT/summary.txt" | tee -a "$res"
fi

# guest suite on the debug kernel: "<kver>/<case>" -> "debug/<case>"
if [ $suite = 1 ]; then
	if [ -s "$OUT/suite.out" ]; then
		sed -E "s#^(PASS|FAIL|SKIP) $KREL/#\\1 debug/#" "$OUT/suite.out" | tee -a "$res"
	else
		say "FAIL debug/suite: tests/guest/suite.sh printed nothing (rc $(cat "$OUT/suite.rc" 2>/dev/null || echo none)): $(tail -n 2 "$OUT/suite.err" 2>/dev/null | tr '\n' ' ')"
	fi
	[ -s "$OUT/suite.err" ] && cat "$OUT/suite.err" >&2
fi

# whole-boot debug checks + kmemleak
python3 tests/kernel/debug-scan.py --prefix debug/ --kmemleak "$OUT/kmemleak.txt" \
	"$OUT/dmesg.txt" 2>>"$OUT/summary.txt" | tee -a "$res"

np=$(grep -c '^PASS ' "$res")
nf=$(grep -c '^FAIL ' "$res")
ns=$(grep -c '^SKIP ' "$res")
{
	cat "$OUT/summary.txt" 2>/dev/null
	echo "debug: kernel $KREL: $([ $((T1 - T0)) -gt 60 ] && echo "built now in $((T1 - T0))s" || echo "cached (built in $(cat "$KOUT/build-seconds")s)")"
	echo "debug: module builds $((T2 - T1))s; VM $((T3 - T2))s: $(sb_vm_times "$OUT"); total $((T3 - T0))s"
	echo "debug: $np passed, $nf failed, $ns skipped"
} | tee "$OUT/timings.txt" >&2
[ "$nf" -eq 0 ]
