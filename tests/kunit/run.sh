#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit/run.sh - `make kunit`: build (cached) the debug test kernel,
# build stackblk_kunit.ko against it, boot it under QEMU (tests/vm/run-vm.sh),
# load the module (KUnit runs the suites during insmod), collect the KTAP
# results from /sys/kernel/debug/kunit/*/results and judge them.
#
# Prints PASS/FAIL/SKIP kunit/<suite>.<case> per case, PASS/FAIL
# kunit/dmesg-<check> for the debug checks over the kernel log, and ends
# with "kunit: N passed, N failed".  Exit 1 if any case failed, a suite
# crashed, or fewer cases ran than tests/kunit/*.c define.
# Results: tests/results/kunit/ (or $SB_KUNIT_OUT).
set -euo pipefail
. "$(dirname "$0")/../kernel/common.sh"
cd "$SB_REPO"
T0=$(date +%s)
OUT=${SB_KUNIT_OUT:-$SB_REPO/tests/results/kunit}

KOUT=$(tests/kernel/build-kernel.sh)
T1=$(date +%s)
KO=$(tests/kunit/build.sh "$KOUT/build")
T2=$(date +%s)

rm -rf "$OUT" && mkdir -p "$OUT"
sb_log "booting $(cat "$KOUT/kernelrelease") under QEMU for KUnit"
vmrc=0
tests/vm/run-vm.sh --kernel "$KOUT/build/arch/x86/boot/bzImage" --smp 2 --mem 2048 \
	--timeout "${SB_KUNIT_TIMEOUT:-900}" --out "$OUT" -- \
	tests/kernel/guest.sh --modroot "$KOUT/modroot" --kunit "$KO" --kmemleak >&2 || vmrc=$?
T3=$(date +%s)

res=$OUT/results.txt
: >"$res"
if [ $vmrc -ne 0 ]; then
	echo "FAIL kunit/guest: run-vm.sh exit $vmrc (status $(cat "$OUT/status" 2>/dev/null)); see $OUT/console.log" >>"$res"
fi
if [ "$(cat "$OUT/kunit/insmod.rc" 2>/dev/null)" != 0 ]; then
	echo "FAIL kunit/insmod: $(head -c 300 "$OUT/kunit/insmod.log" 2>/dev/null || echo 'did not run')" >>"$res"
fi
ktap=("$OUT"/kunit/*.ktap)
[ -e "${ktap[0]}" ] || ktap=("$OUT/dmesg.txt")
python3 tests/kunit/ktap.py --expect-cases "$(sb_kunit_expected_cases)" \
	--expect-suites "$(sb_kunit_suites)" "${ktap[@]}" >>"$res" || true
python3 tests/kernel/debug-scan.py --prefix kunit/ --kmemleak "$OUT/kmemleak.txt" \
	"$OUT/dmesg.txt" >>"$res" || true
cat "$res"

np=$(grep -c '^PASS ' "$res" || true)
nf=$(grep -c '^FAIL ' "$res" || true)
ns=$(grep -c '^SKIP ' "$res" || true)
{
	echo "kernel: $(cat "$KOUT/kernelrelease") ($([ $((T1 - T0)) -gt 60 ] && echo "built in $((T1 - T0))s" || echo "cached; built in $(cat "$KOUT/build-seconds")s"))"
	echo "kunit module build: $((T2 - T1))s; VM run: $((T3 - T2))s ($(sb_vm_times "$OUT")); total: $((T3 - T0))s"
} | tee "$OUT/timings.txt" >&2
if [ "$ns" -gt 0 ]; then
	echo "kunit: $np passed, $nf failed, $ns skipped"
else
	echo "kunit: $np passed, $nf failed"
fi
[ "$nf" -eq 0 ]
