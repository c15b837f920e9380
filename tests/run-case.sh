#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-case.sh - rerun guest cases on one kernel, nothing else.
#
#   tests/run-case.sh [--kernel KVER|6.12|6.1|debug] [--tier check|full]
#                     [--smp N] CASE...
#
# Builds stackblk.ko for that kernel (the debug kernel too, if not cached),
# boots one guest and runs tests/guest/suite.sh on the CASEs (names or name
# prefixes of tests/guest/cases/*.sh).  On the debug kernel this goes
# through tests/kernel/run.sh (KUnit is skipped unless CASE is "kunit").
# A failing case of `make check` prints this command ready to paste.
# A case whose first line is "# vm: OPTIONS" (tests/vm/run-vm.sh options,
# e.g. --numa 1) gets a guest booted with them; cases asking for different
# guests cannot share one run.
# Results: tests/results/case-<kernel>/.  Exit status 1 if a case failed.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
kernel=6.12 tier=check smp=2
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--tier) tier=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	-h|--help) sed -n '4,14p' "$0"; exit 0 ;;
	-*) echo "run-case: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "run-case: which case? (tests/guest/cases/)" >&2; exit 2; }
case $tier in check|full) ;; *) echo "run-case: --tier check or full" >&2; exit 2 ;; esac

if [ "$kernel" = debug ]; then
	cases=()
	for c in "$@"; do [ "$c" = kunit ] || cases+=("$c"); done
	SB_TIER=$tier SB_DEBUG_CASES="${cases[*]}" SB_DEBUG_SUITE=$([ ${#cases[@]} -gt 0 ] && echo 1 || echo 0) \
		SB_DEBUG_OUT="$REPO/tests/results/case-debug" exec tests/kernel/run.sh
fi
case $kernel in
6.12|6.1) kver=$(ls /boot/vmlinuz-"$kernel".* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1) ;;
*) kver=$kernel ;;
esac
[ -n "$kver" ] && [ -e "/lib/modules/$kver/build" ] ||
	{ echo "run-case: no kernel $kernel with headers (tests/setup.sh installs 6.1 and 6.12)" >&2; exit 1; }
out=$REPO/tests/results/case-$kver
mkdir -p "$REPO/tests/results"
tests/lib/build-modules.sh "$kver" >"$REPO/tests/results/case-build-$kver.log" 2>&1 ||
	{ echo "run-case: stackblk.ko did not build for $kver (tests/results/case-build-$kver.log)" >&2; exit 1; }
[ -x tools/stackblk ] || make -s -C tools >/dev/null
. tests/lib/tiers.sh
tmo=$(sb_vm_timeout 300 "$(sb_kernel_class "$kver")" "$tier" "$@")
vmopts=$(sb_vm_options "$@") || exit 2
rc=0
# shellcheck disable=SC2086
tests/vm/run-vm.sh --kernel "$kver" --smp "$smp" $vmopts --timeout "$tmo" --out "$out" --verbose -- \
	env SB_TIER="$tier" tests/guest/suite.sh "$@" || rc=$?
echo "run-case: exit $rc (logs: ${out#$REPO/}/)"
exit $rc
