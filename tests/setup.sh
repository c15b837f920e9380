#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/setup.sh - install everything `make check` / `make demo` need.
# Idempotent: a fast no-op when every package is already installed.
# Runs `apt-get update` at most once, and only if something is missing.
set -euo pipefail

PKGS=(
	qemu-system-x86 qemu-utils busybox-static
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	fio bpftrace dmsetup dkms sparse kmod cryptsetup-bin util-linux
	xz-utils bc flex bison libelf-dev libssl-dev python3 e2fsprogs ccache
	make gcc perl cpio coreutils mount diffutils procps
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "setup: installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# A fresh kernel image must have its vmlinuz readable for qemu -kernel.
for v in /boot/vmlinuz-*; do
	[ -r "$v" ] || $SUDO chmod a+r "$v"
done
echo "setup: done"
