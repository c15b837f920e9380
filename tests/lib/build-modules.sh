#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/build-modules.sh - build stackblk.ko out of tree for one or more
# kernels, each in its own copy of the sources: build/<kver>/stackblk.ko;
# and the guest's test programs (tests/guest/*.c) into build/guest/.
#
#   tests/lib/build-modules.sh [-o OUTROOT] [KDIR|KVER ...] [-- MAKEARGS...]
#
# Without KDIR/KVER: every installed kernel with headers (/lib/modules/*/build).
# KDIR is a kernel build tree (e.g. a custom kernel's O= directory); KVER a
# version with /lib/modules/KVER/build.  OUTROOT defaults to <repo>/build.
# MAKEARGS are appended (e.g. C=2 for sparse).  W=1 is always passed.
# Every build starts from a clean copy so that all warnings show every time.
# The log of each build is OUTROOT/<kver>/build.log.  Exits non-zero if any
# build fails or no kernel was found.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUTROOT=$REPO/build
targets=()
makeargs=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUTROOT=$2; shift 2 ;;
	-h|--help) sed -n '4,16p' "$0"; exit 0 ;;
	--) shift; makeargs=("$@"); break ;;
	*) targets+=("$1"); shift ;;
	esac
done
# shellcheck source=kbuild-dir.sh
. "$REPO/tests/lib/kbuild-dir.sh"
mkdir -p "$OUTROOT"
OUTROOT=$(cd "$OUTROOT" && pwd)

if [ ${#targets[@]} -eq 0 ]; then
	for b in /lib/modules/*/build; do
		[ -e "$b/Makefile" ] && targets+=("$b")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "build-modules: no kernel headers found (/lib/modules/*/build)" >&2
	exit 1
fi

kver_of() {	# KDIR -> kernel release
	local kdir=$1 r
	if [ -r "$kdir/include/config/kernel.release" ]; then
		cat "$kdir/include/config/kernel.release"
		return
	fi
	r=$(make -s -C "$kdir" kernelrelease 2>/dev/null | tail -n1 || true)
	[ -n "$r" ] || r=$(basename "$(dirname "$(readlink -f "$kdir")")")
	echo "$r"
}

rc=0
for t in "${targets[@]}"; do
	kver=""
	if [[ $t =~ ^/lib/modules/([^/]+)/build/?$ ]] && [ -d "$t" ]; then
		kver=${BASH_REMATCH[1]}	# what `uname -r` says in that kernel
		kdir=$t
	elif [ -d "$t" ]; then
		kdir=$(readlink -f "$t")
	elif [ -d "/lib/modules/$t/build" ]; then
		kver=$t
		kdir=/lib/modules/$t/build
	else
		echo "build-modules: $t: neither a kernel build tree nor an installed kernel version" >&2
		rc=1
		continue
	fi
	# A custom tree: its kernel.release (Debian's headers say e.g. 6.1.192
	# there for 6.1.0-56-amd64, hence the /lib/modules name above).
	[ -n "$kver" ] || kver=$(kver_of "$kdir")
	out=$OUTROOT/$kver
	# Serialize builds of the same output (make check, make demo and the
	# debug-kernel hook may run at the same time).
	exec 9>"$OUTROOT/.lock-$kver"
	flock 9
	bdir=$(sb_kbuild_dir "$out")
	cp -a "$REPO/Kbuild" "$REPO/dkms.conf" "$REPO/module" "$REPO/include" "$bdir/"
	echo "build-modules: $kver (KDIR=$kdir) -> ${out#$REPO/}/stackblk.ko"
	set +e
	make -C "$kdir" M="$bdir" W=1 "${makeargs[@]}" modules >"$bdir/build.log" 2>&1
	r=$?
	set -e
	# Show paths relative to the repo, not to the copy.
	sed "s|$bdir/||g" "$bdir/build.log"
	if [ $r -ne 0 ] || [ ! -f "$out/stackblk.ko" ]; then
		echo "build-modules: $kver: BUILD FAILED (make exit $r)" >&2
		rc=1
	fi
	exec 9>&-
done
# The guest's own test programs, compiled here: gcc in a TCG guest takes
# 13 s for what the host does in a fraction of one (tests/guest/*.c).
mkdir -p "$REPO/build/guest"
for src in "$REPO"/tests/guest/*.c; do
	[ -f "$src" ] || continue
	bin=$REPO/build/guest/$(basename "$src" .c)
	[ "$bin" -nt "$src" ] && continue
	gcc -O2 -Wall -Werror -o "$bin.tmp.$$" "$src" && mv "$bin.tmp.$$" "$bin" || {
		echo "build-modules: $src: BUILD FAILED" >&2
		rm -f "$bin.tmp.$$"
		rc=1
	}
done
exit $rc
