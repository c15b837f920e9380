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
# QEMU 8.1 or later, from Debian's backports on Debian 12: 7.2 (bookworm)
# drops guest memory barriers under single-threaded TCG, which loses NVMe
# shadow doorbells (a 60 s stall and a controller reset in most runs), and
# runs stale code under multi-threaded TCG (docs/testing.md).
QEMU_MIN=1:8.1
QEMU_PKGS=(qemu-system-x86)
PKGS=(
	"${KBUILD_PKGS[@]}"
	"${QEMU_PKGS[@]}" busybox-static
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	fio bpftrace dmsetup dkms sparse cryptsetup-bin util-linux
	e2fsprogs coreutils mount diffutils procps
	tmux
	chromium fonts-dejavu-core	# tools/tests/svg-render.sh: record's SVGs, rendered
	prometheus	# promtool: tools/tests/cli.sh and 66-cli-export check "stackblk export"
	prometheus-node-exporter	# tools/tests/cli.sh: its textfile collector reads export's file
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
# an installed QEMU older than QEMU_MIN counts as missing
old_qemu=0
if [ -z "${1:-}" ]; then
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	if [ -n "$v" ] && dpkg --compare-versions "$v" lt "$QEMU_MIN"; then
		old_qemu=1
	fi
fi

if [ ${#missing[@]} -eq 0 ] && [ $old_qemu = 0 ]; then
	echo "setup: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "setup: installing: ${missing[*]}$([ $old_qemu = 1 ] && echo " (QEMU $v < $QEMU_MIN: from backports)")"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Debian 12's own QEMU is 7.2: take QEMU from the release's backports
# suite.  apt never takes a package from backports unasked; -t asks for
# QEMU, and for the newer versions of its own dependencies that it needs
# (qemu-system-common, -data, seabios, a library or two): nothing else.
qemu_from=()
codename=
[ -r /etc/os-release ] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "${SB_APT_UPDATED:-0}" = 1 ] || $SUDO apt-get update -q
if [ -z "${1:-}" ] && [ "$codename" = bookworm ]; then
	# configured and enabled (a commented-out or disabled entry is not)
	if ! apt-cache policy | grep -q "n=$codename-backports,"; then
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
			"Suites: $codename-backports" 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			$SUDO tee "/etc/apt/sources.list.d/stackblk-$codename-backports.sources" >/dev/null
		$SUDO apt-get update -q
	fi
	qemu_from=(-t "$codename-backports")
fi
rest=()
for p in "${missing[@]}"; do
	[[ " ${QEMU_PKGS[*]} " == *" $p "* ]] || rest+=("$p")
done
[ ${#rest[@]} -eq 0 ] || $SUDO apt-get install -y -q --no-install-recommends "${rest[@]}"
if [ ${#missing[@]} -ne ${#rest[@]} ] || [ $old_qemu = 1 ]; then
	$SUDO apt-get install -y -q --no-install-recommends "${qemu_from[@]}" "${QEMU_PKGS[@]}"
fi
if [ -z "${1:-}" ]; then
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	dpkg --compare-versions "$v" ge "$QEMU_MIN" || {
		echo "setup: qemu-system-x86 $v is older than $QEMU_MIN (docs/testing.md)" >&2; exit 1; }
fi

# A fresh kernel image must have its vmlinuz readable for qemu -kernel.
for v in /boot/vmlinuz-*; do
	[ -e "$v" ] || continue	# none yet ("setup.sh kernel" installs none)
	[ -r "$v" ] || $SUDO chmod a+r "$v"
done
echo "setup: done"
