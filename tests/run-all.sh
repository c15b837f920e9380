#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-all.sh - everything `make check` runs.  Installs what it needs.
#
# Phases: setup, build (W=1, 6.1 + 6.12), sparse (C=2), checkpatch --strict,
# dkms, tools (make -C tools test), guest suite on 6.12 and on 6.1 (-smp 4),
# and tests/kernel/run.sh (debug kernel + KUnit) if it exists.  The two guest
# VMs and tests/kernel/run.sh start in the background right after the build
# and overlap with the host-only phases (TCG guests leave the host mostly idle).
# Each test prints one line "PASS <name>" or "FAIL <name>: <reason>" (SKIP
# lines are shown but not counted); the last line is "N passed, N failed".
# Exit status 1 if anything failed.  Artefacts: tests/results/.
#
# Env: STACKBLK_PHASES="setup build ..." to run a subset;
#      STACKBLK_GUEST_SMP (default 4), STACKBLK_GUEST_TIMEOUT (default 3600 s).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
RES=$REPO/tests/results
CACHE=${STACKBLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackblk}
PHASES=${STACKBLK_PHASES:-setup build sparse checkpatch dkms tools guest-6.12 guest-6.1 kernel}
SMP=${STACKBLK_GUEST_SMP:-4}
GUEST_TMO=${STACKBLK_GUEST_TIMEOUT:-3600}
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
trap 'for p in "${BGPIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done; exit 130' INT TERM

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
	printf '%-12s %5ds\n' "$PH" "$t" >>"$TIMES"
	echo "==== $PH: ${t}s" >&2
}
newest_kver() {	# PATTERN: newest /boot/vmlinuz-PATTERN* with headers
	local v
	for v in $(ls /boot/vmlinuz-$1* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		[ -e "/lib/modules/$v/build/Makefile" ] && { echo "$v"; return; }
	done
}

# --- setup ----------------------------------------------------------------------
if want setup; then
	phase_start setup
	if tests/setup.sh >"$RES/setup.log" 2>&1; then
		pass host/setup
	else
		fail host/setup "tests/setup.sh failed: $(tail -n1 "$RES/setup.log")"
	fi
	phase_end
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
		w=$(grep -E 'warning:' "build/$k/build.log" | sed "s|$REPO/build/$k/||")
		if [ -z "$w" ]; then
			pass "build-warnings/$k"
		else
			fail "build-warnings/$k" "$(echo "$w" | wc -l) warning(s), first: $(echo "$w" | head -n1)"
		fi
	done
	phase_end
else
	for k in "${KVERS[@]}"; do [ -f "build/$k/stackblk.ko" ] && BUILT[$k]=1; done
fi

# --- guest suites (started in the background right after the build) ----------
# TCG leaves the host cores mostly idle (I/O-bound emulation), so both guests
# run at the same time as each other and as the host-only phases below.
declare -A GPID=() GSTART=()
guest_start() {	# PHASE KVER
	local ph=$1 k=$2 o=$RES/guest-$2
	GSTART[$ph]=$(date +%s)
	if [ -z "$k" ] || [ -z "${BUILT[$k]:-}" ]; then
		return
	fi
	echo "==== $ph: guest $k started in the background (-smp $SMP)" >&2
	setsid tests/vm/run-vm.sh --kernel "$k" --smp "$SMP" --timeout "$GUEST_TMO" --out "$o" \
		-- tests/guest/suite.sh >"$RES/guest-$k.vm.log" 2>&1 </dev/null &
	GPID[$ph]=$!
	BGPIDS+=($!)
}
guest_finish() {	# PHASE KVER
	local ph=$1 k=$2 o=$RES/guest-$2 r=0
	echo "==== $ph" >&2
	if [ -z "$k" ]; then
		fail "$ph" "kernel not installed"
	elif [ -z "${GPID[$ph]:-}" ]; then
		fail "$k/guest-suite" "stackblk.ko not built for $k"
	else
		wait "${GPID[$ph]}" || r=$?
		fold "$o/output.log"
		case $r in
		0) ;;
		124) fail "$k/guest-vm" "timeout after ${GUEST_TMO}s (tests/results/guest-$k/console.log)" ;;
		125) fail "$k/guest-vm" "guest $(cat "$o/status" 2>/dev/null || echo failed) (tests/results/guest-$k/console.log: $(grep -m1 -E 'Kernel panic|BUG|Oops|FATAL' "$o/console.log"))" ;;
		*) grep -q '^FAIL ' "$o/output.log" || fail "$k/guest-suite" "suite.sh exited $r: $(tail -n1 "$o/output.log")" ;;
		esac
	fi
	local t=$(($(date +%s) - GSTART[$ph]))
	printf '%-12s %5ds  (in parallel)\n' "$ph" "$t" >>"$TIMES"
	echo "==== $ph: ${t}s (in parallel with the phases after build)" >&2
}
want guest-6.12 && guest_start guest-6.12 "$K612"
want guest-6.1 && guest_start guest-6.1 "$K61"
if want kernel && [ -x tests/kernel/run.sh ]; then
	echo "==== kernel: tests/kernel/run.sh started in the background" >&2
	KSTART=$(date +%s)
	setsid tests/kernel/run.sh >"$RES/kernel.log" 2>"$RES/kernel.err" </dev/null &
	KPID=$!
	BGPIDS+=($!)
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
		w=$(grep -E "^$o/$k/(module|include)/[^:]+:[0-9]+:([0-9]+:)? (warning|error):" "$log" |
			sed "s|$o/$k/||" | sort -u)
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

# --- dkms ------------------------------------------------------------------------
# In private trees (--sourcetree/--dkmstree): nothing outside a temp directory
# is touched, so it is idempotent and leaves no state behind.
if want dkms; then
	phase_start dkms
	name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' dkms.conf)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	sysstate() { ls -d /var/lib/dkms/"$name" /usr/src/"$name"-* /lib/modules/*/updates/dkms/"$name".ko* 2>/dev/null; }
	before=$(sysstate)
	T=$(mktemp -d)
	D=(--sourcetree "$T/src" --dkmstree "$T/dkms")
	mkdir -p "$T/src/$name-$ver" "$T/dkms"
	cp -a dkms.conf Kbuild module include "$T/src/$name-$ver/"
	if dkms add "${D[@]}" "$name/$ver" >"$RES/dkms.log" 2>&1; then
		pass dkms/add
		for k in "${KVERS[@]}"; do
			if dkms build "${D[@]}" "$name/$ver" -k "$k" >>"$RES/dkms.log" 2>&1 &&
				ls "$T/dkms/$name/$ver/$k"/*/module/"$name".ko* >/dev/null 2>&1; then
				pass "dkms/build/$k"
			else
				cp -a "$T/dkms/$name/$ver/build/make.log" "$RES/dkms-make-$k.log" 2>/dev/null
				fail "dkms/build/$k" "dkms build failed (tests/results/dkms.log, dkms-make-$k.log)"
			fi
		done
		if dkms remove "${D[@]}" "$name/$ver" --all >>"$RES/dkms.log" 2>&1 &&
			[ ! -e "$T/dkms/$name" ]; then
			pass dkms/remove
		else
			fail dkms/remove "dkms remove --all failed or left $T/dkms/$name"
		fi
	else
		fail dkms/add "$(tail -n1 "$RES/dkms.log")"
	fi
	rm -rf "$T"
	after=$(sysstate)
	if [ "$before" = "$after" ]; then
		pass dkms/no-state-left
	else
		fail dkms/no-state-left "system DKMS state changed: '$before' -> '$after'"
	fi
	phase_end
fi

# --- host CLI unit tests -----------------------------------------------------------
if want tools; then
	phase_start tools
	if [ -f tools/Makefile ] && grep -q '^test:' tools/Makefile; then
		make -C tools test >"$RES/tools-test.log" 2>&1
		r=$?
		fold "$RES/tools-test.log" tools/
		if [ $r -ne 0 ] && ! grep -q '^FAIL ' "$RES/tools-test.log"; then
			fail tools/make-test "make -C tools test exited $r: $(grep -m1 -iE 'error' "$RES/tools-test.log")"
		fi
	else
		echo "(tools/Makefile has no test target)" >&2
	fi
	phase_end
fi

want guest-6.12 && guest_finish guest-6.12 "$K612"
want guest-6.1 && guest_finish guest-6.1 "$K61"

# --- debug kernel + KUnit (tests/kernel/run.sh, if provided; background) ----------
if want kernel && [ -n "${KPID:-}" ]; then
	echo "==== kernel" >&2
	r=0
	wait "$KPID" || r=$?
	fold "$RES/kernel.log"
	if [ $r -ne 0 ] && ! grep -q '^FAIL ' "$RES/kernel.log"; then
		fail kernel/run "tests/kernel/run.sh exited $r: $(tail -n1 "$RES/kernel.err")"
	fi
	t=$(($(date +%s) - KSTART))
	printf '%-12s %5ds  (in parallel)\n' kernel "$t" >>"$TIMES"
	echo "==== kernel: ${t}s (in parallel)" >&2
fi

# --- summary ----------------------------------------------------------------------------
printf '%-12s %5ds\n' total "$(($(date +%s) - T_ALL))" >>"$TIMES"
echo "==== wall time per phase" >&2
cat "$TIMES" >&2
np=$(grep -c '^PASS ' "$SUMMARY")
nf=$(grep -c '^FAIL ' "$SUMMARY")
ns=$(grep -c '^SKIP ' "$SUMMARY")
[ "$ns" -eq 0 ] || echo "($ns skipped)"
echo "$np passed, $nf failed"
[ "$nf" -eq 0 ]
