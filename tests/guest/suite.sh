#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite.sh [PATTERN...] - run the guest test cases (in the VM).
#
# Runs every tests/guest/cases/*.sh (sorted; only those whose name starts with
# one of PATTERNs if given), each in its own process with lib.sh sourced,
# under its time limit, with `dmesg -C` before and a dmesg check after.  The
# limit is the case's row in the table of tests/README.md (tests/lib/tiers.sh:
# measured time with a 4x margin; x4 again for SB_TIER=full);
# SB_CASE_TIMEOUT overrides it for every case.  Prints exactly one line per case:
#   PASS <kver>/<case> | FAIL <kver>/<case>: <reason> | SKIP <kver>/<case>: <reason>
# A failing case is followed, indented, by the time it took, the command that
# reruns only that case on this kernel, its dmesg lines that broke the rules
# and its log tail.  After a case that oopsed the kernel, the remaining cases
# are reported as FAIL (not run).  Logs and per-case dmesg go to
# $STACKBLK_RESULTS/guest-<kver>/; "<kver>/<case> <seconds>" lines to
# $STACKBLK_RESULTS/case-times.txt.  Exit status 1 if any case failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SB_REPO=${SB_REPO:-$(cd "$HERE/../.." && pwd)}
cd "$SB_REPO" || exit 1
KVER=$(uname -r)
ART=${STACKBLK_RESULTS:-/tmp/stackblk-results}/guest-$KVER
TIMES=${STACKBLK_RESULTS:-/tmp/stackblk-results}/case-times.txt
mkdir -p "$ART"
# shellcheck source=../lib/tiers.sh
. "$SB_REPO/tests/lib/tiers.sh"
KCLASS=$(sb_kernel_class "$KVER")
# the one command that reruns a case here (tests/run-case.sh)
rerun() {
	local k=$KCLASS
	[ "$k" = debug ] || k=$KVER
	printf 'tests/run-case.sh --kernel %s --tier %s %s' "$k" "${SB_TIER:-full}" "$1"
}
export SB_ART=$ART SB_REASON=$ART/.suite.reason
# Load a private copy of the module: the host may rebuild build/ (9p) meanwhile.
if [ -z "${STACKBLK_KO:-}" ] && [ -f "build/$KVER/stackblk.ko" ]; then
	mkdir -p /tmp/stackblk-ko
	cp "build/$KVER/stackblk.ko" /tmp/stackblk-ko/stackblk.ko &&
		export STACKBLK_KO=/tmp/stackblk-ko/stackblk.ko
fi
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "FAIL $KVER/suite: must run as root (in the guest)"; exit 1; }

# wait_bounded PID SECONDS: wait for a child, but give up after SECONDS (a
# task stuck in D state after a kernel bug cannot be killed); 124 then.
# One sleeping watchdog instead of a polling loop: under TCG a fork+exec
# per poll took CPU from the case itself (docs/testing.md, "Guest CPU").
wait_bounded() {
	local w fin rc
	sleep "$2" &
	w=$!
	wait -n -p fin "$1" "$w"
	rc=$?
	if [ "${fin:-}" = "$1" ]; then
		kill "$w" 2>/dev/null
		wait "$w" 2>/dev/null
		return $rc
	fi
	return 124
}

kmsg() { echo "stackblk-test: $*" >/dev/kmsg 2>/dev/null || true; }

selected() {
	local n=$1 p
	[ $# -gt 1 ] || return 0
	shift
	for p in "$@"; do
		[[ $n == "$p"* ]] && return 0
	done
	return 1
}

npass=0 nfail=0 nskip=0
oopsed=""	# after an oops the kernel is unreliable: the rest is not run
for c in "$HERE"/cases/*.sh; do	# glob: sorted, and safe with spaces in the path
	[ -f "$c" ] || continue
	name=$(basename "$c" .sh)
	selected "$name" "$@" || continue
	if [ -n "$oopsed" ]; then
		echo "FAIL $KVER/$name: not run: the kernel oopsed in $oopsed"
		nfail=$((nfail + 1))
		continue
	fi
	CASE_TMO=${SB_CASE_TIMEOUT:-$(sb_case_limit "$name" "$KCLASS" "${SB_TIER:-full}")}
	log=$ART/$name.log
	reason=$ART/$name.reason
	rm -f "$reason"
	mkdir -p "$ART/$name"
	(sb_cleanup_all >/dev/null 2>&1) &
	wait_bounded $! 60
	dmesg -C
	kmsg "start $name"
	start=$(date +%s)
	# timeout makes its own process group: leftovers are killed below.
	SB_REASON=$reason SB_ART=$ART/$name timeout -k 10 "$CASE_TMO" \
		bash -c '. "$1"; . "$2"' case "$HERE/lib.sh" "$c" >"$log" 2>&1 </dev/null &
	pg=$!
	wait_bounded $pg $((CASE_TMO + 30))
	rc=$?
	kill -KILL -- -$pg 2>/dev/null
	kmsg "end $name rc=$rc"
	why=""
	[ -s "$reason" ] && why=$(head -n1 "$reason")
	# Teardown that the case left undone is part of the case.
	timeout 120 bash -c '. "$1"; sb_cleanup_all' x "$HERE/lib.sh" >>"$log" 2>&1 &
	if ! wait_bounded $! 130; then
		[ $rc -eq 0 ] && rc=1 && why="cleanup after the case failed or hung (configfs rmdir / rmmod)"
	fi
	dmesg >"$ART/$name.dmesg"
	bad=$(grep -E -m1 "$SB_BAD_RE" "$ART/$name.dmesg")
	dur=$(($(date +%s) - start))
	echo "# $name: exit $rc, ${dur}s (limit ${CASE_TMO}s)" >>"$log"
	echo "$KVER/$name $dur" >>"$TIMES"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		rc=1
		why="timeout after ${CASE_TMO}s${why:+ ($why)}"
	fi
	if grep -Eq 'Oops|BUG: (kernel|unable)|general protection|Kernel panic' "$ART/$name.dmesg"; then
		oopsed=$name
	fi
	if [ -n "$bad" ]; then
		[ $rc -eq 77 ] && rc=1
		[ $rc -eq 0 ] && rc=1 && why=""
		why="${why:+$why; }dmesg: $bad"
	fi
	case $rc in
	0)
		echo "PASS $KVER/$name"
		npass=$((npass + 1))
		;;
	77)
		echo "SKIP $KVER/$name: ${why:-no reason given}"
		nskip=$((nskip + 1))
		;;
	*)
		[ -n "$why" ] || why="exit $rc: $(grep -v '^[#+]' "$log" | tail -n1)"
		echo "FAIL $KVER/$name: $why"
		{
			echo "took ${dur}s (limit ${CASE_TMO}s); rerun only this case: $(rerun "$name")"
			if [ -n "$bad" ]; then
				echo "dmesg:"
				grep -E -m1 -A 14 "$SB_BAD_RE" "$ART/$name.dmesg"
			fi
			# A command the emulated NVMe never completed, and never
			# posted a completion for: QEMU 7.2's shadow doorbell race
			# under single-threaded TCG (docs/testing.md).
			if grep -q 'nvme.*timeout, abort' "$ART/$name.dmesg" &&
				! grep -q 'completion polled' "$ART/$name.dmesg"; then
				echo "the emulated NVMe timed out a command it never fetched (docs/testing.md, \"emulated-NVMe command timeout\"):"
				grep -m4 'nvme.*timeout' "$ART/$name.dmesg"
			fi
			echo "log tail ($ART/$name.log):"
			tail -n 25 "$log"
		} | sed 's/^/    /'
		nfail=$((nfail + 1))
		;;
	esac
done
echo "# guest suite $KVER: $npass passed, $nfail failed, $nskip skipped" >&2
[ $nfail -eq 0 ]
