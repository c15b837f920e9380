#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit/build.sh KDIR [OUTDIR] - build stackblk_kunit.ko against the
# kernel build tree KDIR (must have CONFIG_KUNIT; normally the cached debug
# kernel: $(tests/kernel/build-kernel.sh)/build).  Sources are copied into
# OUTDIR (default build/kunit/<kernelrelease>) first.  Prints the .ko path.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
KDIR=${1:?usage: build.sh KDIR [OUTDIR]}
[ -f "$KDIR/include/config/auto.conf" ] || { echo "build.sh: $KDIR is not a configured kernel tree" >&2; exit 1; }
grep -qx 'CONFIG_KUNIT=[ym]' "$KDIR/include/config/auto.conf" ||
	{ echo "build.sh: $KDIR has no CONFIG_KUNIT" >&2; exit 1; }
KREL=$(cat "$KDIR/include/config/kernel.release")
OUT=${2:-$REPO/build/kunit/$KREL}

. "$REPO/tests/lib/kbuild-dir.sh"
B=$(sb_kbuild_dir "$OUT")
cp -a "$REPO"/tests/kunit/Kbuild "$REPO"/tests/kunit/*.c "$REPO"/tests/kunit/*.h "$B/"
cp -a "$REPO/module" "$REPO/include" "$B/"
if ! make -C "$KDIR" M="$B" W=1 modules >"$B/build.log" 2>&1; then
	sed "s|$B/||g" "$B/build.log" >&2
	echo "build.sh: stackblk_kunit.ko build FAILED" >&2
	exit 1
fi
if grep -q 'warning:' "$OUT/build.log"; then
	grep -B2 -A3 'warning:' "$B/build.log" | sed "s|$B/||g" >&2
fi
echo "$OUT/stackblk_kunit.ko"
