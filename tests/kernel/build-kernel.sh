#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kernel/build-kernel.sh - build (once, cached) the stackblk debug test
# kernel from Debian's linux-source-6.12 with tests/kernel/stackblk-debug.config
# on top of allnoconfig.  Prints the cache directory on stdout (last line);
# everything else goes to stderr.
#
#   KOUT=$(tests/kernel/build-kernel.sh)
#   $KOUT/build/arch/x86/boot/bzImage      the kernel
#   make -C $KOUT/build M=/some/dir modules  out-of-tree modules
#   cat $KOUT/kernelrelease                  uname -r of the guest
#
# An unchanged key (source version + fragment hash) means no rebuild.  The
# build runs in <key>.tmp.<pid> and is renamed into place only when complete,
# so an interrupted build is never taken as cached.  Env: STACKBLK_CACHE,
# JOBS (default nproc + 1), SB_FORCE_REBUILD=1.
set -euo pipefail
. "$(dirname "$0")/common.sh"

sb_build_deps
SRCVER=$(sb_srcver)
[ -n "$SRCVER" ] || sb_die "$SB_SRCPKG not installed"
KOUT=$(sb_kernel_dir)
mkdir -p "$SB_CACHE/kernel" "$SB_CACHE/src"

exec 9>"$SB_CACHE/kernel.lock"
flock 9 || sb_die "cannot lock $SB_CACHE/kernel.lock"

if [ "${SB_FORCE_REBUILD:-0}" = 1 ] && [ -d "$KOUT" ]; then
	rm -rf "$KOUT.old" && mv "$KOUT" "$KOUT.old" && rm -rf "$KOUT.old"
fi
if [ -f "$KOUT/build/arch/x86/boot/bzImage" ] && [ -f "$KOUT/kernelrelease" ]; then
	sb_log "debug kernel cached: $KOUT ($(cat "$KOUT/kernelrelease"))"
	echo "$KOUT"
	exit 0
fi

# ---- source tree (extracted once per source version, atomically) ----------
SRC=$SB_CACHE/src/linux-source-$SRCVER
if [ ! -f "$SRC/Makefile" ]; then
	TAR=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
	[ -n "$TAR" ] || sb_die "no /usr/src/linux-source-6.12.tar.* (package $SB_SRCPKG)"
	sb_log "extracting $TAR"
	rm -rf "$SRC.tmp.$$" && mkdir -p "$SRC.tmp.$$"
	tar -xf "$TAR" -C "$SRC.tmp.$$" --strip-components=1
	rm -rf "$SRC" && mv "$SRC.tmp.$$" "$SRC"
fi

# ---- configure + build in a temp dir --------------------------------------
# one more job than cores: the build runs beside apt (network, disk waits)
# and the host phases, and make has serial steps of its own
JOBS=${JOBS:-$(($(nproc) + 1))}
# A fixed temporary name (the lock above keeps builds apart): the compiler
# sees the same paths every time, so ccache hits after an interrupted build
# or a recipe change that left the config alone.
TMP=$KOUT.tmp
rm -rf "$SB_CACHE/kernel/$(basename "$KOUT")".tmp*
mkdir -p "$TMP/build"
trap 'rm -rf "$TMP"' EXIT
B=$TMP/build
LOG=$TMP/build.log
CC_ARG=()
# ccache in depend mode: it hashes the sources and the compiler's -MMD
# dependencies and never runs the preprocessor, so a cold cache (a fresh
# machine) costs next to nothing; a miss in the default mode preprocesses
# every file a second time.  Hits: an interrupted or repeated build with
# the same config (a config change misses, as autoconf.h changes).
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$SB_CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}
	export CCACHE_DEPEND=1
	CC_ARG=(CC="ccache gcc")
fi
mk() { make -C "$SRC" O="$B" ARCH=x86_64 "${CC_ARG[@]}" "$@"; }

sb_log "configuring (allnoconfig + $(basename "$SB_FRAGMENT"))"
mk allnoconfig >>"$LOG" 2>&1
# merge_config.sh takes no path with whitespace: merge a copy
cp "$SB_FRAGMENT" "$TMP/fragment.config"
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" "$TMP/fragment.config" >>"$LOG" 2>&1
mk olddefconfig >>"$LOG" 2>&1

# Every option of the fragment must have ended up as written.
bad=0
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		grep -qxF -- "$line" "$B/.config" || {
			echo "CONFIG MISMATCH: want '$line', got '$(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$B/.config" || echo unset)'" >&2
			bad=1; }
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		! grep -qE "^${BASH_REMATCH[1]}=" "$B/.config" || {
			echo "CONFIG MISMATCH: want ${BASH_REMATCH[1]} unset, got '$(grep -E "^${BASH_REMATCH[1]}=" "$B/.config")'" >&2
			bad=1; }
	fi
done <"$SB_FRAGMENT"
[ $bad = 0 ] || sb_die "config fragment not fully applied (dependency missing?); see above and $LOG"
sb_log "config verified: every option of the fragment is set"

T0=$(date +%s)
sb_log "building kernel with -j$JOBS${CC_ARG:+ (ccache)} (log: $LOG)"
if ! mk -j"$JOBS" bzImage modules >>"$LOG" 2>&1; then
	tail -n 40 "$LOG" >&2
	sb_die "kernel build failed; full log was $LOG"
fi
mk -j"$JOBS" modules_prepare >>"$LOG" 2>&1
mk INSTALL_MOD_PATH="$TMP/modroot" modules_install >>"$LOG" 2>&1 ||
	sb_die "modules_install failed (see $LOG)"
T1=$(date +%s)
cp "$B/include/config/kernel.release" "$TMP/kernelrelease"
echo $((T1 - T0)) >"$TMP/build-seconds"
cp "$SB_FRAGMENT" "$TMP/stackblk-debug.config"
# drop the big object files not needed for external modules / booting
find "$B" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/objtool/*' -delete 2>/dev/null || true
rm -f "$B/vmlinux.o"

trap - EXIT
rm -rf "$KOUT" && mv "$TMP" "$KOUT"
sb_log "debug kernel $(cat "$KOUT/kernelrelease") built in $((T1 - T0))s: $KOUT"
echo "$KOUT"
