#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/perf/bench.sh - `make bench`: stackblk against its peers, in ONE
# QEMU guest boot (Debian 6.12 kernel, -smp 2 by default).
#
#   tests/perf/bench.sh [--plan full|quick|crypt|collect|passthrough|split|stackers|wbt|batch|nvmecrypt|cryptbounce|flush|peers]
#                       [--reps N] [--runtime S] [--smp N] [--mem MiB] [--kernel KVER]
#                       [--src head|worktree|REV] [--base REV] [--no-insn]
#                       [--crypt-sector 512|4096] [--profile] [--results DIR]
#
# --base REV also builds the module at REV and runs every stackblk
# contender twice per round, on --src's module and on REV's, swapping the
# modules in the one guest boot: a before/after of a module change, ABAB.
# Under TCG the guest runs with tests/perf/insn's instruction-counting
# plugin, and the report gives guest instructions per I/O next to IOPS and
# CPU per I/O (--no-insn: without it).  --profile also has the plugin
# count every kernel block, and writes DIR/<report>-profile.md: guest
# kernel instructions per I/O by function, for each contender, and the
# difference between each stackblk contender and its peers
# (tests/perf/profile.py; the TCG analogue of callgrind).  --crypt-sector
# sets the crypt sector size of stackblk's crypt stage and dm-crypt alike
# (default 4096).
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
src=${BENCH_SRC:-head} base="" insn=1 profile=0 css=4096
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
	--base) base=$2; shift 2 ;;
	--no-insn) insn=0; shift ;;
	--profile) profile=1; shift ;;
	--crypt-sector) css=$2; shift 2 ;;
	-h|--help) sed -n '4,37p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
done
case $css in
512|1024|2048|4096) ;;
*) echo "bench: --crypt-sector must be 512, 1024, 2048 or 4096" >&2; exit 2 ;;
esac
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
kver_given=$kver
[ -n "$kver" ] || kver=$(ls /boot/vmlinuz-6.12* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
RAW=${BENCH_RAW:-$REPO/tests/perf/out}
mkdir -p "$RAW"

# build_ko SRC NAME: stackblk.ko for $kver from SRC (worktree, head or a
# revision) into $RAW/NAME/$kver/; sets KO and srcdesc
build_ko() {
	local s=$1 name=$2 rev dir=$REPO
	srcdesc="working tree"
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		srcdesc="$(git -C "$REPO" rev-parse --short=12 HEAD)"
		if [ "$s" != worktree ]; then
			# head, or any revision (an A/B of a module change)
			rev=HEAD
			[ "$s" = head ] || rev=$s
			srcdesc="$(git -C "$REPO" rev-parse --short=12 "$rev")" ||
				{ echo "bench: $s: not a revision" >&2; exit 2; }
			dir=$RAW/src-$name
			rm -rf "$dir"
			mkdir -p "$dir/tests"
			git -C "$REPO" archive "$rev" module include Kbuild Makefile dkms.conf | tar -x -C "$dir"
			# today's build scripts (and what they source) build any revision
			cp -r "$REPO/tests/lib" "$dir/tests/"
		elif [ -n "$(git -C "$REPO" status --porcelain -- module include Kbuild)" ]; then
			srcdesc="$srcdesc + uncommitted changes in module/include"
		fi
	fi
	echo "bench: building stackblk.ko for $kver from $srcdesc"
	"$dir/tests/lib/build-modules.sh" -o "$RAW/$name" "$kver" >/dev/null ||
		{ echo "bench: module build failed ($RAW/$name/$kver/build.log)" >&2; exit 1; }
	KO=$RAW/$name/$kver/stackblk.ko
	[ -f "$KO" ] || { echo "bench: no $KO" >&2; exit 1; }
}
KO_BASE="" basedesc=""
if [ -n "$base" ]; then
	build_ko "$base" build-base
	KO_BASE=$KO basedesc=$srcdesc
fi
build_ko "$src" build

# --- the instruction counter (TCG only: a plugin sees translated code) -------
plugin_args=() sbmark=""
if [ "$insn" = 1 ] && [ "$(tests/vm/accel.sh)" = tcg ]; then
	tests/perf/insn/build.sh "$RAW/insn" >/dev/null ||
		{ echo "bench: tests/perf/insn/build.sh failed" >&2; exit 1; }
	sbmark=$RAW/insn/sbmark
fi

# --- the guest -------------------------------------------------------------------
OUT=$RAW/run
rm -rf "$OUT"
mkdir -p "$OUT"
echo "bench: guest ($kver, -smp $smp, $mem MiB): plan=$plan reps=$reps runtime=${runtime}s ramp=${ramp}s"
rc=0
if [ -n "$sbmark" ]; then
	p="${RAW//,/,,}/insn/insn-count.so,out=${OUT//,/,,}/insn.txt"
	[ "$profile" = 0 ] || p="$p,prof=${OUT//,/,,}/prof.txt"
	plugin_args=(--plugin "$p")
elif [ "$profile" = 1 ]; then
	echo "bench: --profile needs the instruction counter (TCG, no --no-insn)" >&2
	exit 2
fi
tests/vm/run-vm.sh --kernel "$kver" --smp "$smp" --mem "$mem" --disk-mb 2048 --timeout 2400 \
	"${plugin_args[@]}" --out "$OUT" -- env BENCH_PLAN="$plan" BENCH_REPS="$reps" \
	BENCH_RUNTIME="$runtime" BENCH_RAMP="$ramp" BENCH_KO_BASE="$KO_BASE" BENCH_SBMARK="$sbmark" \
	BENCH_PROFILE="$profile" BENCH_CRYPT_SS="$css" \
	tests/perf/guest-bench.sh "$KO" /results || rc=$?
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
	[ -z "$basedesc" ] || echo "module_base=$basedesc"
	echo "host=$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(uname -r)"
} >>"$OUT/meta.txt"
mkdir -p "$results"
report=$results/$date-$kver
[ "$plan" = full ] || report=$report-$plan
[ "$smp" = 2 ] || report=$report-smp$smp
[ "$css" = 4096 ] || report=$report-cs$css
[ -z "$base" ] || report=$report-ab
# TCG's threading changes what a CPU second is (tests/perf/README.md)
tcg=${STACKBLK_TCG_THREAD:-single}
[ "$tcg" = single ] || report=$report-tcg$tcg
cmd="make bench"
[ "$plan" = full ] && [ "$reps" = 3 ] && [ "$runtime" = 3 ] && [ -z "$base" ] && [ "$smp" = 2 ] &&
	[ "$css" = 4096 ] && [ -z "$kver_given" ] ||
	cmd="tests/perf/bench.sh --plan $plan --reps $reps --runtime $runtime${base:+ --src $srcdesc --base $basedesc}"
[ "$smp" = 2 ] || cmd="$cmd --smp $smp"
[ "$css" = 4096 ] || cmd="$cmd --crypt-sector $css"
# the report's kernel is in its name; the command must name it too
[ -z "$kver_given" ] || cmd="$cmd --kernel $kver_given"
[ "$tcg" = single ] || cmd="STACKBLK_TCG_THREAD=$tcg $cmd"
python3 tests/perf/report.py "$OUT" "$report.md" "$report.svg" --wall $(($(date +%s) - START)) --cmd "$cmd"
if [ "$profile" = 1 ]; then
	python3 tests/perf/profile.py "$OUT" --cmd "$cmd --profile" >"$report-profile.md"
	echo "bench: wrote ${report#"$REPO"/}-profile.md"
fi
echo
echo "bench: wrote ${report#"$REPO"/}.md and ${report#"$REPO"/}.svg in $(($(date +%s) - START)) s"
if [ $crash -eq 1 ]; then
	echo "bench: FAILED: the guest kernel oopsed or hung (see the report and $OUT/crash.txt)" >&2
	exit 1
fi
