#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/setup.sh [kernel] - install everything `make check` / `make demo`
# need; with "kernel", only what building the debug kernel needs
# (tests/kernel/build-kernel.sh), so that build can start while the rest
# is installed (tests/run-all.sh does so).
# Idempotent: a fast no-op when every package is already installed.
# Runs `apt-get update` at most once, and only if something is missing
# (not at all with SB_APT_UPDATED=1: the caller just did).
set -euo pipefail

# the debug kernel's build (and KUnit's): one list, used by build-kernel.sh
KBUILD_PKGS=(
	linux-source-6.12 build-essential make gcc perl flex bison bc
	libelf-dev libssl-dev python3 xz-utils kmod cpio ccache
)
PKGS=(
	"${KBUILD_PKGS[@]}"
	qemu-system-x86 qemu-utils busybox-static
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	fio bpftrace dmsetup dkms sparse cryptsetup-bin util-linux
	e2fsprogs coreutils mount diffutils procps
)
case ${1:-} in
"") ;;
kernel) PKGS=("${KBUILD_PKGS[@]}") ;;
*) echo "usage: tests/setup.sh [kernel]" >&2; exit 2 ;;
esac

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
[ "${SB_APT_UPDATED:-0}" = 1 ] || $SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# A fresh kernel image must have its vmlinuz readable for qemu -kernel.
for v in /boot/vmlinuz-*; do
	[ -e "$v" ] || continue	# none yet ("setup.sh kernel" installs none)
	[ -r "$v" ] || $SUDO chmod a+r "$v"
done
echo "setup: done"
