# SPDX-License-Identifier: GPL-2.0
# Shared helpers for tests/kernel/*.sh and tests/kunit/*.sh (sourced, not run).
#
# Cache layout (outside the repo; built once per machine):
#   $SB_CACHE/src/linux-source-<srcver>/        extracted Debian linux-source-6.12
#   $SB_CACHE/kernel/<srcver>-<hash>/build/     O= tree: bzImage, modules_prepare'd
#   $SB_CACHE/kernel/<srcver>-<hash>/modroot/   modules_install output (modules.builtin ...)
#   $SB_CACHE/kernel/<srcver>-<hash>/kernelrelease, build-seconds, build.log
# <hash> covers the config fragment and the build recipe version, so changing
# tests/kernel/stackblk-debug.config triggers exactly one rebuild.

SB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SB_CACHE=${STACKBLK_CACHE:-${HOME:-/root}/.cache/stackblk}
SB_FRAGMENT=$SB_REPO/tests/kernel/stackblk-debug.config
SB_SRCPKG=linux-source-6.12
SB_RECIPE=4	# bump when build-kernel.sh changes what ends up in the cache

sb_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
sb_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# What the debug kernel's build needs: tests/setup.sh has the one list.
sb_build_deps() {
	"$SB_REPO/tests/setup.sh" kernel >&2 || sb_die "tests/setup.sh kernel failed"
}

sb_srcver() {
	dpkg-query -W -f='${Version}' "$SB_SRCPKG" 2>/dev/null | tr -c 'A-Za-z0-9.+\n-' '_'
}

# Cache key: source package version + hash of (fragment, recipe version).
sb_kernel_key() {
	local h
	h=$( { cat "$SB_FRAGMENT"; echo "recipe=$SB_RECIPE"; } | sha256sum | cut -c1-12)
	echo "$(sb_srcver)-$h"
}

sb_kernel_dir() { echo "$SB_CACHE/kernel/$(sb_kernel_key)"; }

# ---- KUnit bookkeeping ------------------------------------------------------
# Number of test cases compiled into stackblk_kunit.ko (KUNIT_CASE* entries).
sb_kunit_expected_cases() {
	grep -hcE '^\s*KUNIT_CASE(_PARAM|_SLOW|_ATTR|_PARAM_ATTR)?\(' "$SB_REPO"/tests/kunit/*.c |
		awk '{ n += $1 } END { print n + 0 }'
}
# Comma-separated suite names (the .name of each struct kunit_suite).
sb_kunit_suites() {
	grep -hoE '^\s*\.name = "[A-Za-z0-9_]+"' "$SB_REPO"/tests/kunit/*.c |
		sed -E 's/.*"(.*)"/\1/' | paste -sd, -
}

# sb_vm_times DIR: "boot=Xs kunit=Ys suite=Zs kmemleak=Ws" from DIR/times
sb_vm_times() {
	awk '{ t[$1] = $2 }
	END {
		printf "boot=%.1fs", t["start"]
		if ("kunit-end" in t) printf " kunit=%.1fs", t["kunit-end"] - t["kunit-start"]
		if ("suite-end" in t) printf " suite=%.1fs", t["suite-end"] - t["suite-start"]
		if ("kmemleak-end" in t) printf " kmemleak=%.1fs", t["kmemleak-end"] - t["kmemleak-start"]
		if ("end" in t) printf " guest-total=%.1fs", t["end"]
		printf "\n"
	}' "$1/times" 2>/dev/null || echo "boot=? (no $1/times)"
}
