#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/perf/bench.sh - `make bench`: stackblk against its peers, in ONE
# QEMU guest boot (Debian 6.12 kernel, -smp 2 by default).
#
#   tests/perf/bench.sh [--plan full|quick|crypt|collect|peers] [--reps N] [--runtime S]
#                       [--smp N] [--mem MiB] [--kernel KVER]
#                       [--src head|worktree|REV] [--results DIR]
#
# Installs what is missing (tests/setup.sh, plus blktrace and gnuplot-nox,
# idempotently), builds stackblk.ko for the guest kernel into a private
# directory (from the committed HEAD by default, so a result names one
# commit; --src worktree builds the working tree as it is, --src REV that
# revision, for before/after comparisons), boots the guest running
# tests/perf/guest-bench.sh, and writes
#
#   DIR/<date>-<kernel>.md    the markdown tables (also printed)
#   DIR/<date>-<kernel>.svg   the ratio chart (gnuplot)
#
# DIR defaults to tests/perf/results.  Raw data (fio JSON, runs.csv, guest
# logs, module build) stay in tests/perf/out/ (gitignored; BENCH_RAW=DIR
# elsewhere).
# Environment: BENCH_PLAN, BENCH_REPS, BENCH_RUNTIME, BENCH_RAMP also work.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
START=$(date +%s)

plan=${BENCH_PLAN:-full} reps=${BENCH_REPS:-3} runtime=${BENCH_RUNTIME:-3}
ramp=${BENCH_RAMP:-1} smp=2 mem=2048 kver="" results=$REPO/tests/perf/results
src=${BENCH_SRC:-head}
while [ $# -gt 0 ]; do
	case $1 in
	--plan) plan=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--kernel) kver=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--src) src=$2; shift 2 ;;
	-h|--help) sed -n '4,20p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ "$reps" -ge 3 ] || { echo "bench: --reps must be at least 3" >&2; exit 2; }

# --- dependencies (idempotent) -------------------------------------------
tests/setup.sh
need=()
command -v blktrace >/dev/null || need+=(blktrace)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" ||
		{ $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"; }
fi

# --- module for the guest kernel ---------------------------------------------
[ -n "$kver" ] || kver=$(ls /boot/vmlinuz-6.12* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
RAW=${BENCH_RAW:-$REPO/tests/perf/out}
mkdir -p "$RAW"
SRC=$REPO
srcdesc="working tree"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
	srcdesc="$(git -C "$REPO" rev-parse --short=12 HEAD)"
	if [ "$src" != worktree ]; then
		# head, or any revision (an A/B of a module change: --src REV)
		rev=HEAD
		[ "$src" = head ] || rev=$src
		srcdesc="$(git -C "$REPO" rev-parse --short=12 "$rev")" ||
			{ echo "bench: --src $src: not a revision" >&2; exit 2; }
		SRC=$RAW/src
		rm -rf "$SRC"
		mkdir -p "$SRC"
		git -C "$REPO" archive "$rev" module include Kbuild Makefile | tar -x -C "$SRC"
		# today's build scripts (and what they source) build any revision
		mkdir -p "$SRC/tests"
		cp -r "$REPO/tests/lib" "$SRC/tests/"
	elif [ -n "$(git -C "$REPO" status --porcelain -- module include Kbuild)" ]; then
		srcdesc="$srcdesc + uncommitted changes in module/include"
	fi
fi
echo "bench: building stackblk.ko for $kver from $srcdesc"
"$SRC/tests/lib/build-modules.sh" -o "$RAW/build" "$kver" >/dev/null ||
	{ echo "bench: module build failed ($RAW/build/$kver/build.log)" >&2; exit 1; }
KO=$RAW/build/$kver/stackblk.ko
[ -f "$KO" ] || { echo "bench: no $KO" >&2; exit 1; }

# --- the guest -------------------------------------------------------------------
OUT=$RAW/run
rm -rf "$OUT"
mkdir -p "$OUT"
echo "bench: guest ($kver, -smp $smp, $mem MiB): plan=$plan reps=$reps runtime=${runtime}s ramp=${ramp}s"
rc=0
tests/vm/run-vm.sh --kernel "$kver" --smp "$smp" --mem "$mem" --disk-mb 2048 --timeout 2400 \
	--out "$OUT" -- env BENCH_PLAN="$plan" BENCH_REPS="$reps" BENCH_RUNTIME="$runtime" \
	BENCH_RAMP="$ramp" tests/perf/guest-bench.sh "$KO" /results || rc=$?
crash=0
if [ $rc -eq 3 ] && [ -s "$OUT/crash.txt" ]; then
	crash=1
	echo "bench: THE GUEST KERNEL OOPSED OR HUNG during the benchmark; partial results" >&2
	sed -n '1,40p' "$OUT/crash.txt" >&2
elif [ $rc -ne 0 ] || [ ! -s "$OUT/runs.csv" ]; then
	echo "bench: guest failed (exit $rc, status $(cat "$OUT/status" 2>/dev/null)); last lines:" >&2
	tail -n 20 "$OUT/output.log" >&2 || true
	exit 1
fi
if [ -s "$OUT/dmesg-bad.txt" ]; then
	echo "bench: warning: kernel complaints in the guest:" >&2
	cat "$OUT/dmesg-bad.txt" >&2
fi

# --- report ------------------------------------------------------------------------
date=$(date +%Y-%m-%d)
{
	echo "date=$date"
	echo "module_src=$srcdesc"
	echo "host=$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(uname -r)"
} >>"$OUT/meta.txt"
mkdir -p "$results"
base=$results/$date-$kver
[ "$plan" = full ] || base=$base-$plan
cmd="make bench"
[ "$plan" = full ] && [ "$reps" = 3 ] && [ "$runtime" = 3 ] || cmd="tests/perf/bench.sh --plan $plan --reps $reps --runtime $runtime"
python3 tests/perf/report.py "$OUT" "$base.md" "$base.svg" --wall $(($(date +%s) - START)) --cmd "$cmd"
echo
echo "bench: wrote ${base#$REPO/}.md and ${base#$REPO/}.svg in $(($(date +%s) - START)) s"
if [ $crash -eq 1 ]; then
	echo "bench: FAILED: the guest kernel oopsed or hung (see the report and $OUT/crash.txt)" >&2
	exit 1
fi
