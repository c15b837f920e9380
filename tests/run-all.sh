#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-all.sh - everything `make check` and `make check-full` run.
# Installs what it needs.
#
# Phases, in this order (tests/README.md has the measured times):
#   setup       tests/setup.sh (apt, idempotent): first `setup.sh kernel`, what
#               the debug kernel's build needs, then the rest
#   kernel      the debug kernel (tests/kernel/build-kernel.sh, cached), in the
#               background from then on, beside the rest of apt and the host
#               phases only
#   build sparse checkpatch dkms tools   host only (W=1, C=2, --strict, dkms
#               and packaging: tests/host/packaging.sh, the CLI's tests:
#               ASan/UBSan for check, valgrind for check-full)
#   guests      once the kernel is built: two lanes, each one guest at a time.
#               TCG runs a guest in one host thread (tests/vm/run-vm.sh), so
#               two lanes keep the 2 host cores busy and never oversubscribe them.
#                 check: lane 1 = 6.12, every case, light parameters,
#                        then clone-path (a clone under /tmp and one under
#                        $HOME, both with a space in the path);
#                        lane 2 = 6.1 (the compat.h cases), then the debug
#                        kernel (KUnit + lifecycle/teardown/fault cases)
#                 full:  lane 1 = 6.12 then 6.1, every case, full parameters;
#                        lane 2 = the debug kernel, every case
#               Which case runs where, and its time limit: the table in
#               tests/README.md (tests/lib/tiers.sh reads it).
# Each test prints one line "PASS <name>" or "FAIL <name>: <reason>" (SKIP
# lines are shown but not counted); the last line is "N passed, N failed".
# A failed guest case is followed by its time, dmesg excerpt and the command
# that reruns it alone (tests/run-case.sh).  Exit status 1 if anything
# failed.  Artefacts: tests/results/; per-phase and per-case wall times:
# tests/results/times.txt.
#
# Env: STACKBLK_TIER=check|full (make check-full sets full);
#      STACKBLK_PHASES="setup build ..." to run a subset (guest-6.12,
#      guest-6.1, kernel and clone-path name single guests);
#      STACKBLK_LANES (default: 2, or 1 on a 1-core host; under KVM one
#      per 2 host cores, at most 2).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
RES=$REPO/tests/results
CACHE=${STACKBLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackblk}
TIER=${STACKBLK_TIER:-check}
case $TIER in check|full) ;; *) echo "run-all: STACKBLK_TIER must be check or full" >&2; exit 2 ;; esac
PHASES=${STACKBLK_PHASES:-setup build sparse checkpatch dkms tools guest-6.12 guest-6.1 kernel clone-path}
[ "$TIER" = full ] && [ -z "${STACKBLK_PHASES:-}" ] && PHASES=${PHASES% clone-path}
LANES=${STACKBLK_LANES:-$(($(nproc) >= 2 ? 2 : 1))}
rm -rf "$RES"
mkdir -p "$RES"
SUMMARY=$RES/summary.txt
TIMES=$RES/times.txt
: >"$SUMMARY"
: >"$TIMES"
T_ALL=$(date +%s)
# Background jobs run in their own sessions (setsid): on interrupt, their
# whole process groups go, grandchildren (qemu, run-vm.sh) included.
BGPIDS=()
# The guest lanes are plain subshells: their descendants are found by parent.
kill_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
	kill -TERM "$1" 2>/dev/null
}
trap 'for p in "${BGPIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; kill_tree "$p"; done; exit 130' INT TERM

# result LINE...: record and show test lines (PASS/FAIL/SKIP ...)
result() {
	local l
	for l in "$@"; do
		echo "$l" | tee -a "$SUMMARY"
	done
}
pass() { result "PASS $1"; }
fail() { result "FAIL $1: $2"; }
# fold FILE [PREFIX]: copy the PASS/FAIL/SKIP lines of FILE into the results,
# PREFIX put before the test name
fold() {
	local l
	while IFS= read -r l; do
		result "${l%% *} ${2:-}${l#* }"
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$1")
}
want() { [[ " $PHASES " == *" $1 "* ]]; }
phase_start() {
	PH=$1
	PT=$(date +%s)
	echo "==== $PH" >&2
}
phase_end() {
	local t=$(($(date +%s) - PT))
	printf '%-14s %5ds\n' "$PH" "$t" >>"$TIMES"
	echo "==== $PH: ${t}s" >&2
}
newest_kver() {	# PATTERN: newest /boot/vmlinuz-PATTERN* with headers
	local v
	for v in $(ls /boot/vmlinuz-$1* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		[ -e "/lib/modules/$v/build/Makefile" ] && { echo "$v"; return; }
	done
}

# --- setup ----------------------------------------------------------------------
# First what the debug kernel's build needs, so that the build (the longest
# host job, on the critical path) starts at once; the rest of apt runs
# beside it.  The build runs beside the host phases and apt only, never
# beside a guest: the guests start once it is done.
start_kernel_build() {
	echo "==== kernel-build: tests/kernel/build-kernel.sh started in the background" >&2
	KBSTART=$(date +%s)
	setsid bash -c 't0=$(date +%s); tests/kernel/build-kernel.sh; r=$?
		echo $(($(date +%s) - t0)) >"$0/kernel-build.time"; exit $r' "$RES" \
		>"$RES/kernel-build.out" 2>"$RES/kernel-build.log" </dev/null &
	KBPID=$!
	BGPIDS+=($!)
}
if want setup; then
	phase_start setup
	ok=1
	if want kernel && [ -x tests/kernel/build-kernel.sh ]; then
		tests/setup.sh kernel >"$RES/setup-kernel.log" 2>&1 || ok=0
		printf '%-14s %5ds  (what the debug kernel build needs)\n' setup-kernel \
			"$(($(date +%s) - PT))" >>"$TIMES"
		[ $ok = 1 ] && export SB_APT_UPDATED=1 && start_kernel_build
	fi
	tests/setup.sh >"$RES/setup.log" 2>&1 || ok=0
	unset SB_APT_UPDATED
	if [ $ok = 1 ]; then
		pass host/setup
	else
		fail host/setup "tests/setup.sh failed: $(tail -qn1 "$RES"/setup*.log | tail -n1)"
	fi
	phase_end
fi
if want kernel && [ -x tests/kernel/build-kernel.sh ] && [ -z "${KBPID:-}" ]; then
	start_kernel_build
fi
K612=$(newest_kver 6.12)
K61=$(newest_kver 6.1.0-)
KVERS=()
[ -n "$K612" ] && KVERS+=("$K612")
[ -n "$K61" ] && KVERS+=("$K61")

# --- build (W=1) ---------------------------------------------------------------
declare -A BUILT=()
if want build; then
	phase_start build
	[ -n "$K612" ] || fail build/6.12 "no 6.12 kernel with headers installed"
	[ -n "$K61" ] || fail build/6.1 "no 6.1 kernel with headers installed"
	for k in "${KVERS[@]}"; do
		tests/lib/build-modules.sh "$k" >"$RES/build-$k.log" 2>&1
		if [ -f "build/$k/stackblk.ko" ]; then
			pass "build/$k"
			BUILT[$k]=1
		else
			fail "build/$k" "$(grep -m1 -E 'error:|Error' "$RES/build-$k.log" || tail -n1 "$RES/build-$k.log")"
			continue
		fi
		# no two files of module/ call each other (docs/stages.md)
		if python3 tests/lib/module-layers.py "build/$k"/module/*.o >"$RES/layers-$k.txt" 2>&1; then
			pass "build-layers/$k"
		else
			fail "build-layers/$k" "$(grep -m1 '^cycle' "$RES/layers-$k.txt")"
		fi
		w=$(grep -E 'warning:' "build/$k/build.log" | sed "s|$REPO/build/$k/||")
		if [ -z "$w" ]; then
			pass "build-warnings/$k"
		else
			fail "build-warnings/$k" "$(echo "$w" | wc -l) warning(s), first: $(echo "$w" | head -n1)"
		fi
	done
	# every attribute the module creates has its Documentation/ABI entry
	tests/host/abi.sh >"$RES/abi.log" 2>&1
	fold "$RES/abi.log"
	grep -qE '^(PASS|FAIL) ' "$RES/abi.log" || fail abi "tests/host/abi.sh: $(tail -n1 "$RES/abi.log")"
	phase_end
else
	for k in "${KVERS[@]}"; do [ -f "build/$k/stackblk.ko" ] && BUILT[$k]=1; done
fi

# --- sparse (C=2) -----------------------------------------------------------------
if want sparse; then
	phase_start sparse
	for k in "${KVERS[@]}"; do
		o=$REPO/build/sparse
		tests/lib/build-modules.sh -o "$o" "$k" -- C=2 >"$RES/sparse-$k.log" 2>&1
		log=$o/$k/build.log
		if ! grep -q ' CHECK ' "$log" 2>/dev/null; then
			fail "sparse/$k" "sparse did not run: $(grep -m1 -E 'error|Error' "$RES/sparse-$k.log")"
			continue
		fi
		# sparse names the files by the directory kbuild built in (a
		# fixed-string prefix: a release like 6.12.117+deb12 is no regex)
		bd=$(readlink -f "$o/$k")
		w=$(grep -E ':[0-9]+:([0-9]+:)? (warning|error):' "$log" |
			awk -v p="$bd/" 'index($0, p) == 1 { print substr($0, length(p) + 1) }' |
			grep -E '^(module|include)/' | sort -u)
		if [ -z "$w" ]; then
			pass "sparse/$k"
		else
			fail "sparse/$k" "$(echo "$w" | wc -l) warning(s), first: $(echo "$w" | head -n1)"
			echo "$w" >"$RES/sparse-$k.warnings"
		fi
	done
	phase_end
fi

# --- checkpatch --strict -----------------------------------------------------------
if want checkpatch; then
	phase_start checkpatch
	src=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n1)
	cp=$CACHE/checkpatch-$(basename "${src:-none}" .tar.xz)
	if [ -n "$src" ] && [ ! -f "$cp/checkpatch.pl" ]; then
		rm -rf "$cp.tmp" && mkdir -p "$cp.tmp"
		if tar -xJf "$src" -C "$cp.tmp" --wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'; then
			mkdir -p "$cp" && mv "$cp.tmp"/*/scripts/* "$cp/" && rm -rf "$cp.tmp"
		fi
	fi
	if [ ! -f "$cp/checkpatch.pl" ]; then
		fail checkpatch "cannot extract scripts/checkpatch.pl from ${src:-/usr/src/linux-source-6.12.tar.xz}"
	else
		for f in module/*.c module/*.h include/*.h; do
			[ -f "$f" ] || continue
			log=$RES/checkpatch-${f//\//_}.log
			perl "$cp/checkpatch.pl" --no-tree --strict --terse --show-types -f "$f" >"$log" 2>&1
			r=$?
			msgs=$(grep -E ': (ERROR|WARNING|CHECK):' "$log")
			if [ -z "$msgs" ] && [ $r -eq 0 ]; then
				pass "checkpatch/$f"
			elif [ -z "$msgs" ]; then
				fail "checkpatch/$f" "checkpatch.pl exited $r: $(tail -n1 "$log")"
			else
				fail "checkpatch/$f" "$(echo "$msgs" | wc -l) issue(s), first: $(echo "$msgs" | head -n1)"
			fi
		done
	fi
	phase_end
fi

# --- dkms and packaging --------------------------------------------------------------
# tests/host/packaging.sh: dkms install/remove/reinstall for each kernel in
# private trees (--dkmstree/--installtree), make install/uninstall into a
# DESTDIR, the version in one place, make without headers.  Nothing outside
# a temp directory is touched (it checks that).
if want dkms; then
	phase_start dkms
	tests/host/packaging.sh "${KVERS[@]}" >"$RES/packaging.log" 2>&1
	r=$?
	fold "$RES/packaging.log"
	grep -q '^FAIL ' "$RES/packaging.log" || [ $r -eq 0 ] ||
		fail packaging "tests/host/packaging.sh exited $r: $(tail -n1 "$RES/packaging.log")"
	phase_end
fi

# --- host CLI unit tests -----------------------------------------------------------
# check: ASan + UBSan builds (LeakSanitizer reports leaks); check-full:
# valgrind memcheck with a full leak check as well (~8 min here).
tools_test() {	# LOG [MAKEARGS]: one run of make -C tools test, folded
	local log=$1 r
	shift
	make -C tools clean >/dev/null 2>&1
	make -C tools "$@" test >"$log" 2>&1
	r=$?
	fold "$log" "tools/$([ $# -gt 0 ] && echo asan/)"
	if [ $r -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		fail tools/make-test "make -C tools $* test exited $r: $(grep -m1 -iE 'error' "$log")"
	fi
}
if want tools; then
	phase_start tools
	if [ -f tools/Makefile ] && grep -q '^test:' tools/Makefile; then
		tools_test "$RES/tools-test-asan.log" SANITIZE=1
		[ "$TIER" = full ] && tools_test "$RES/tools-test.log"
		# the plain CLI, as the guest cases run it
		make -C tools clean >/dev/null 2>&1
		make -C tools >"$RES/tools-build.log" 2>&1 || fail tools/build "make -C tools failed"
	else
		echo "(tools/Makefile has no test target)" >&2
	fi
	phase_end
fi

# --- guests ---------------------------------------------------------------------
# Wait for the debug kernel: no guest runs beside a kernel build.
if [ -n "${KBPID:-}" ]; then
	echo "==== kernel-build: waiting" >&2
	KWAIT=$(date +%s)
	r=0
	wait "$KBPID" || r=$?
	t=$(cat "$RES/kernel-build.time" 2>/dev/null || echo $(($(date +%s) - KBSTART)))
	printf '%-14s %5ds  (beside the host phases; waited %ds for it)\n' kernel-build "$t" \
		"$(($(date +%s) - KWAIT))" >>"$TIMES"
	if [ $r -eq 0 ]; then
		pass debug/kernel-build
	else
		fail debug/kernel-build "tests/kernel/build-kernel.sh exited $r: $(grep -m1 -E 'ERROR|error:' "$RES/kernel-build.log")"
	fi
	echo "==== kernel-build: ${t}s" >&2
fi
[ -f tools/stackblk ] || make -C tools >"$RES/tools-build.log" 2>&1
. tests/lib/tiers.sh
tier_check=$(sb_table_check tests/guest/cases)
if [ -z "$tier_check" ]; then
	pass host/case-table
else
	fail host/case-table "$(echo "$tier_check" | head -n1) ($(echo "$tier_check" | wc -l) problem(s))"
fi

# guest_diag DIR KID: why a guest died - the case that was running, the
# console's oops lines, and the command that reruns that case alone
guest_diag() {
	local o=$1 kid=$2 c
	c=$(grep -o 'stackblk-test: \(start\|end\) [^ ]*' "$o/console.log" 2>/dev/null | tail -n1)
	case $c in *start*) c=${c##* } ;; *) c="" ;; esac
	echo "    running case: ${c:-none (between cases)}"
	[ -n "$c" ] && echo "    rerun only this case: tests/run-case.sh --kernel $kid --tier $TIER $c"
	echo "    console (${o#$REPO/}/console.log):"
	grep -m1 -A 24 -E 'Oops|BUG:|Kernel panic|general protection|RIP:' "$o/console.log" 2>/dev/null |
		sed 's/^/      /'
}

# run_guest NAME KVER CASES...: one Debian-kernel guest running CASES, and
# after it one guest per case whose "# vm:" line asks for another guest
# (tests/lib/tiers.sh, sb_vm_case_options), in the same lane
run_guest() {
	local name=$1 k=$2 t0 c opts plain=()
	shift 2
	t0=$(date +%s)
	: >"$RES/$name.results"
	: >"$RES/$name.case-times"
	for c in "$@"; do [ -n "$(sb_vm_case_options "$c")" ] || plain+=("$c"); done
	[ ${#plain[@]} -eq 0 ] || run_guest_vm "$name" "$k" "$RES/guest-$k" "" "${plain[@]}"
	for c in "$@"; do
		opts=$(sb_vm_case_options "$c")
		[ -z "$opts" ] || run_guest_vm "$name" "$k" "$RES/guest-$k-$c" "$opts" "$c"
	done
	echo "$name $(($(date +%s) - t0))" >"$RES/$name.time"
}

# run_guest_vm NAME KVER OUT OPTS CASES...: one guest (run-vm.sh options
# OPTS) running CASES; its results appended to NAME's
run_guest_vm() {
	local name=$1 k=$2 o=$3 opts=$4 r=0 tmo c lines
	shift 4
	tmo=$(sb_vm_timeout 300 "$(sb_kernel_class "$k")" "$TIER" "$@")
	# shellcheck disable=SC2086
	tests/vm/run-vm.sh --kernel "$k" --smp 2 $opts --timeout "$tmo" --out "$o" \
		-- env SB_TIER="$TIER" tests/guest/suite.sh "$@" >>"$RES/$name.vm.log" 2>&1 </dev/null || r=$?
	{
		grep -E '^(PASS|FAIL|SKIP) |^    ' "$o/output.log" 2>/dev/null
		case $r in
		0|1) ;;
		*)
			if [ $r -eq 124 ]; then
				echo "FAIL $k/guest-vm: timeout after ${tmo}s (sum of the case limits)"
			else
				echo "FAIL $k/guest-vm: guest $(cat "$o/status" 2>/dev/null || echo failed), exit $r"
			fi
			guest_diag "$o" "$k"
			lines=$(grep -E '^(PASS|FAIL|SKIP) ' "$o/output.log" 2>/dev/null)
			for c in "$@"; do
				grep -q " $k/${c}[:]\?\( \|$\)" <<<"$lines" ||
					echo "FAIL $k/$c: not run: the guest died before it finished"
			done
			;;
		esac
	} >>"$RES/$name.results"
	sed "s|^|case  |" "$o/case-times.txt" 2>/dev/null >>"$RES/$name.case-times"
}

# run_debug PART CASES...: one debug-kernel guest (tests/kernel/run.sh: its
# cases, the whole-log checks, kmemleak; KUnit in part 1)
run_debug() {
	local part=$1 t0 r=0 o=$RES/debug n=kernel pre=debug/
	shift
	[ "$part" = 1 ] || { o=$RES/debug-$part; n=kernel-$part; pre=debug/part$part/; }
	t0=$(date +%s)
	SB_TIER=$TIER SB_DEBUG_CASES="$*" SB_DEBUG_OUT="$o" SB_DEBUG_PREFIX=$pre SB_DEBUG_PREBUILT=1 \
		SB_DEBUG_KUNIT=$([ "$part" = 1 ] && echo 1 || echo 0) SB_DEBUG_SUITE=$([ $# -gt 0 ] && echo 1 || echo 0) \
		tests/kernel/run.sh >"$RES/$n.log" 2>"$RES/$n.err" </dev/null || r=$?
	{
		grep -E '^(PASS|FAIL|SKIP) ' "$RES/$n.log"
		if [ $r -ne 0 ] && ! grep -q '^FAIL ' "$RES/$n.log"; then
			echo "FAIL $n/run: tests/kernel/run.sh exited $r: $(tail -n1 "$RES/$n.err")"
		fi
		if grep -q '^FAIL debug/guest' "$RES/$n.log"; then
			guest_diag "$o" debug
		fi
		# a failed case: the lines suite.sh wrote under it
		grep -E '^    ' "$o/suite.out" 2>/dev/null
	} >"$RES/$n.results"
	sed "s|^|case  |" "$o/case-times.txt" 2>/dev/null >"$RES/$n.case-times"
	echo "$n $(($(date +%s) - t0))" >"$RES/$n.time"
}

# run_clone_path: the suite from clones whose paths are hard for a guest:
# under /tmp (the guest mounts its own tmpfs there) and under $HOME, each
# with a space in a directory name; the one under $HOME is run through a
# symlink ("$HOME/stackblk link.XXXXXX"), as a clone reached by a link would be
run_clone_path() {
	local t0 base d n=0 k=$K612 r via
	t0=$(date +%s)
	: >"$RES/clone-path.results"
	for base in /tmp "$HOME"; do
		n=$((n + 1))
		d=$(mktemp -d "$base/stackblk clone.XXXXXX") || { echo "FAIL host/clone-path-$n: mktemp in $base" >>"$RES/clone-path.results"; continue; }
		mkdir -p "$d/repo dir"
		(git ls-files -co --exclude-standard -z | cpio -0 -pdm --quiet "$d/repo dir") 2>/dev/null ||
			tar -c --exclude=./build --exclude=./tests/results . | tar -x -C "$d/repo dir"
		mkdir -p "$d/repo dir/build/$k" && cp "build/$k/stackblk.ko" "$d/repo dir/build/$k/"
		via="$d/repo dir"
		if [ "$base" = "$HOME" ]; then
			via="$base/stackblk link.${d##*.}"
			ln -sfn "$d/repo dir" "$via"
		fi
		r=0
		"$via/tests/vm/run-vm.sh" --kernel "$k" --smp 2 --timeout 600 \
			--out "$d/repo dir/tests/results/clone" -- \
			bash -c 'pwd; SB_TIER=check tests/guest/suite.sh 01-load-unload' >"$RES/clone-path-$n.log" 2>&1 || r=$?
		if [ $r -eq 0 ] && grep -q "^PASS .*/01-load-unload" "$d/repo dir/tests/results/clone/output.log" &&
			grep -qxF "$(cd "$d/repo dir" && pwd -P)" "$d/repo dir/tests/results/clone/output.log"; then
			echo "PASS host/clone-path/${base#/}" >>"$RES/clone-path.results"
		else
			echo "FAIL host/clone-path/${base#/}: suite in '$d/repo dir' exited $r: $(tail -n 2 "$d/repo dir/tests/results/clone/output.log" 2>/dev/null | tr '\n' ' ')" >>"$RES/clone-path.results"
			cp -a "$d/repo dir/tests/results/clone" "$RES/clone-path-$n" 2>/dev/null
		fi
		[ "$via" = "$d/repo dir" ] || rm -f "$via"
		rm -rf "$d"
	done
	echo "clone-path $(($(date +%s) - t0))" >"$RES/clone-path.time"
}

# Host cores per guest: one under TCG (one thread per guest), one per vCPU
# (2) under KVM, where tests/vm/accel.sh finds that a guest really boots.
ACCEL=$(tests/vm/accel.sh)
if [ "$ACCEL" = kvm ] && [ -z "${STACKBLK_LANES:-}" ]; then
	LANES=$(($(nproc) >= 4 ? $(nproc) / 2 : 1))
	LANES=$((LANES > 2 ? 2 : LANES))
fi
printf '%-14s %s, %d lane(s)\n' accel "$ACCEL" "$LANES" >>"$TIMES"
echo "==== guests: $ACCEL, $LANES lane(s)" >&2

# The plan: jobs per lane, each lane one host core (one TCG thread per
# guest).  The Debian guests go first; the debug kernel's cases are then
# dealt, longest first, to whichever lane has less work (by their limits,
# which are measured times x 4), in two debug guests (check-full; `make
# check` puts them all in one, see PLAN).
C612=$(sb_tier_cases "$TIER" 6.12 | tr '\n' ' ')
C61=$(sb_tier_cases "$TIER" 6.1 | tr '\n' ' ')
D1="" D2=""
if want kernel; then
	# shellcheck disable=SC2086
	if [ "$TIER" = full ]; then
		l1=$(($(sb_limits_sum 6.12 "$TIER" $C612) + $(sb_limits_sum 6.1 "$TIER" $C61))) l2=600
	else
		l1=$(sb_limits_sum 6.12 "$TIER" $C612) l2=$(($(sb_limits_sum 6.1 "$TIER" $C61) + 600))
	fi
	while read -r lim c; do
		if [ "$LANES" -lt 2 ] || [ "$l2" -le "$l1" ]; then
			D1="$D1 $c" l2=$((l2 + lim))
		else
			D2="$D2 $c" l1=$((l1 + lim))
		fi
	done < <(for c in $(sb_tier_cases "$TIER" debug); do
		echo "$(sb_case_limit "$c" debug "$TIER") $c"; done | sort -rn)
	# the debug kernel's modules, once for both debug guests
	KOUT=$(cat "$RES/kernel-build.out" 2>/dev/null | tail -n1)
	[ -d "$KOUT/build" ] || KOUT=$(tests/kernel/build-kernel.sh 2>>"$RES/kernel-build.log")
	tests/lib/build-modules.sh "$KOUT/build" >"$RES/build-debug.log" 2>&1 ||
		fail build/debug "stackblk.ko did not build against the debug kernel (tests/results/build-debug.log)"
fi
guest_job() {	# JOB: run one planned guest
	case $1 in
	guest-6.12|guest-6.1)
		local k=$K612 c=$C612
		[ "$1" = guest-6.1 ] && k=$K61 c=$C61
		if [ -z "$k" ] || [ -z "${BUILT[$k]:-}" ]; then
			echo "FAIL $1: kernel not installed or stackblk.ko not built for it" >"$RES/$1.results"
		else
			# shellcheck disable=SC2086
			run_guest "$1" "$k" $c
		fi ;;
	kernel) run_debug 1 $D1 ;;
	kernel-2) if [ -n "$D2" ]; then run_debug 2 $D2; else : >"$RES/$1.results"; fi ;;
	clone-path)
		if [ -z "$K612" ] || [ -z "${BUILT[$K612]:-}" ]; then
			echo "FAIL host/clone-path: stackblk.ko not built for 6.12" >"$RES/$1.results"
		else
			run_clone_path
		fi ;;
	esac
}
planned() { want "${1%-2}"; }	# kernel-2: the second debug guest
if [ "$TIER" = full ]; then
	PLAN=("guest-6.12 guest-6.1 kernel-2" "kernel")
else
	# Measured (fresh run 6): 6.12 849 s, clone-path 44 s | 6.1 217 s,
	# debug 685 + 193 s in two guests, of which ~110 s was the second
	# guest's boot, module builds and kmemleak scan: one debug guest.
	PLAN=("guest-6.12 clone-path" "guest-6.1 kernel")
	D1="$D1 $D2" D2=""
fi
[ "$LANES" -ge 2 ] || PLAN=("${PLAN[*]}")
JOBS_ORDER=()
LPIDS=()
GT0=$(date +%s)
for lane in "${PLAN[@]}"; do
	jobs_here=()
	for j in $lane; do planned "$j" && jobs_here+=("$j") && JOBS_ORDER+=("$j"); done
	[ ${#jobs_here[@]} -gt 0 ] || continue
	echo "==== guests: lane ${#LPIDS[@]}: ${jobs_here[*]}" >&2
	( for j in "${jobs_here[@]}"; do guest_job "$j"; done ) </dev/null &
	LPIDS+=($!)
	BGPIDS+=($!)
done
for p in "${LPIDS[@]}"; do wait "$p"; done
for j in "${JOBS_ORDER[@]}"; do
	echo "==== $j" >&2
	[ -f "$RES/$j.results" ] || { fail "$j" "produced no results"; continue; }
	while IFS= read -r l; do
		case $l in
		PASS\ *|FAIL\ *|SKIP\ *) result "$l" ;;
		*) echo "$l" ;;
		esac
	done <"$RES/$j.results"
	[ -f "$RES/$j.time" ] && printf '%-14s %5ds  (guest lane)\n' $(cat "$RES/$j.time") >>"$TIMES"
done
printf '%-14s %5ds  (both lanes)\n' guests "$(($(date +%s) - GT0))" >>"$TIMES"
for j in "${JOBS_ORDER[@]}"; do cat "$RES/$j.case-times" 2>/dev/null; done >>"$TIMES"

# --- summary ----------------------------------------------------------------------------
printf '%-14s %5ds\n' total "$(($(date +%s) - T_ALL))" >>"$TIMES"
echo "==== wall time per phase" >&2
cat "$TIMES" >&2
np=$(grep -c '^PASS ' "$SUMMARY")
nf=$(grep -c '^FAIL ' "$SUMMARY")
ns=$(grep -c '^SKIP ' "$SUMMARY")
[ "$ns" -eq 0 ] || echo "($ns skipped)"
echo "$np passed, $nf failed"
[ "$nf" -eq 0 ]
