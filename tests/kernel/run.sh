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
#   SB_DEBUG_KUNIT=0      skip KUnit (run-all.sh splits the cases over two
#                         guests; KUnit runs in one of them)
#   SB_DEBUG_PREFIX=debug/  prefix of the whole-log check names
#   SB_DEBUG_PREBUILT=1   use build/<release>/stackblk.ko as it is
#   SB_DEBUG_CASES="a b"  the guest cases to run (default: the debug-kernel
#                         column of the table in tests/README.md for
#                         SB_TIER=check, every case for SB_TIER=full)
#   SB_TIER=check|full    light or full case parameters (tests/guest/lib.sh)
#   SB_LOOP_CREATE=6 SB_LOOP_INSMOD=4  create/remove and insmod/rmmod
#                         cycles of 73-lifecycle-loops (KASAN + lockdep
#                         under TCG: ~28 s per create/remove cycle; 3 and 2
#                         for SB_TIER=check)
#   SB_DEBUG_TIMEOUT      limit for the whole VM (default: the cases' limits
#                         + 600 s for boot, KUnit and kmemleak)
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

. tests/lib/tiers.sh
TIER=${SB_TIER:-check}
CASES=${SB_DEBUG_CASES:-$(sb_tier_cases "$TIER" debug | tr '\n' ' ')}
# shellcheck disable=SC2086
vm_tmo=$(sb_vm_timeout 600 debug "$TIER" $CASES)

guest_args=(--modroot "$KOUT/modroot" --kmemleak)
KO=""
if [ "${SB_DEBUG_KUNIT:-1}" = 0 ]; then
	:
elif KO=$(tests/kunit/build.sh "$KOUT/build"); then
	guest_args+=(--kunit "$KO")
else
	say "FAIL kunit/build: stackblk_kunit.ko did not build"
	KO=""
fi
suite=0
if [ -x tests/guest/suite.sh ] && [ "${SB_DEBUG_SUITE:-1}" != 0 ]; then
	if [ "${SB_DEBUG_PREBUILT:-0}" = 1 ] && [ -f "build/$KREL/stackblk.ko" ]; then
		:	# run-all.sh built it once for every debug guest
	elif [ -x tests/lib/build-modules.sh ]; then
		tests/lib/build-modules.sh "$KOUT/build" >"$OUT/build-module.log" 2>&1
	else	# same approach: a private copy of the sources per kernel
		b=$SB_REPO/build/$KREL && rm -rf "$b" && mkdir -p "$b" &&
			cp -a Kbuild dkms.conf module include "$b/" &&
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
# One socket per vCPU: this kernel has no ACPI (a tenth of its build), so it
# finds the CPUs in SeaBIOS's MP table, which lists one CPU per package
# only; with QEMU's default of one socket and 2 cores it booted on 1 CPU.
tests/vm/run-vm.sh --kernel "$KOUT/build/arch/x86/boot/bzImage" --smp 2,sockets=2 --mem 2048 \
	--timeout "${SB_DEBUG_TIMEOUT:-$vm_tmo}" --out "$OUT" -- \
	env SB_TIER="$TIER" SB_DEBUG_CASES="$CASES" \
	${SB_CASE_TIMEOUT:+SB_CASE_TIMEOUT="$SB_CASE_TIMEOUT"} \
	SB_LOOP_CREATE="${SB_LOOP_CREATE:-$([ "$TIER" = full ] && echo 6 || echo 3)}" \
	SB_LOOP_INSMOD="${SB_LOOP_INSMOD:-$([ "$TIER" = full ] && echo 4 || echo 2)}" \
	tests/kernel/guest.sh "${guest_args[@]}" >"$OUT/run-vm.log" 2>&1 || vmrc=$?
T3=$(date +%s)
[ $vmrc -eq 0 ] || say "FAIL debug/guest: run-vm.sh exit $vmrc, status $(cat "$OUT/status" 2>/dev/null): $(tail -n 3 "$OUT/run-vm.log" | tr '\n' ' ')"
# every per-CPU path needs a second CPU: say so if the guest had one only
ncpu=$(grep -m1 -o 'smp: Brought up [0-9]* nodes\?, [0-9]* CPUs\?' "$OUT/console.log" | grep -o '[0-9]* CPU' | cut -d' ' -f1)
if [ "${ncpu:-0}" = 2 ]; then
	say "PASS ${SB_DEBUG_PREFIX:-debug/}guest-2-cpus"
else
	say "FAIL ${SB_DEBUG_PREFIX:-debug/}guest-2-cpus: the debug guest brought up ${ncpu:-no} CPU(s), not 2 (console.log)"
fi

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
python3 tests/kernel/debug-scan.py --prefix "${SB_DEBUG_PREFIX:-debug/}" --kmemleak "$OUT/kmemleak.txt" \
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
