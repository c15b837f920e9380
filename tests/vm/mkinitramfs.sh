#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/mkinitramfs.sh KVER|none OUT.cpio.gz
#
# Build the guest initramfs: busybox-static, tests/vm/init and, for a Debian
# kernel KVER, the modules needed to mount the host root (virtio-pci, 9p,
# overlayfs) with their dependencies from modules.dep, decompressed, in load
# order (/modules.list).  Built-in modules (modules.builtin) are skipped.
# With "none" (custom kernel with everything built in) only busybox goes in.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kver=$1
out=$2
WANT=(virtio_pci 9pnet_virtio 9p overlay)

BUSYBOX=/bin/busybox	# busybox-static's; busybox (dynamic) would not run
[ -x "$BUSYBOX" ] || { echo "mkinitramfs: busybox-static not installed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,lib/modules,lower,rw,newroot,etc}
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$HERE/init" "$root/init"
chmod 755 "$root/init"
: >"$root/modules.list"

if [ "$kver" != none ]; then
	md=/lib/modules/$kver
	[ -r "$md/modules.dep" ] || { echo "mkinitramfs: $md/modules.dep missing" >&2; exit 1; }
	declare -A done_=()
	# path of module NAME in modules.dep ("" if built in / absent)
	modpath() {
		local n=$1 alt=${1//_/-}
		awk -F: -v a="$n" -v b="$alt" '{p=$1; sub(/.*\//,"",p); sub(/\.ko(\..*)?$/,"",p);
			gsub(/-/,"_",p); q=a; gsub(/-/,"_",q); if (p==q) {print $1; exit}}' "$md/modules.dep"
	}
	deps_of() {	# relative path -> its deps (relative paths)
		awk -F: -v m="$1" '$1==m {print $2; exit}' "$md/modules.dep"
	}
	add() {	# relative path, dependencies first
		local rel=$1 d name
		[ -n "${done_[$rel]:-}" ] && return
		done_[$rel]=1
		for d in $(deps_of "$rel"); do add "$d"; done
		name=$(basename "$rel"); name=${name%%.ko*}
		case $rel in
		*.ko) cp "$md/$rel" "$root/lib/modules/$name.ko" ;;
		*.ko.xz) xz -dc "$md/$rel" >"$root/lib/modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$md/$rel" >"$root/lib/modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$md/$rel" >"$root/lib/modules/$name.ko" ;;
		*) echo "mkinitramfs: unknown module format $rel" >&2; exit 1 ;;
		esac
		echo "$name" >>"$root/modules.list"
	}
	for m in "${WANT[@]}"; do
		p=$(modpath "$m")
		if [ -n "$p" ]; then
			add "$p"
		elif ! grep -Eq "/${m//_/[-_]}\.ko" "$md/modules.builtin"; then
			echo "mkinitramfs: module $m neither in modules.dep nor built in for $kver" >&2
			exit 1
		fi
	done
fi

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner 0:0) | gzip -1 >"$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
