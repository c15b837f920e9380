#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/accel.sh - print the accelerator the test guests use: "kvm" if a
# Linux guest really boots under KVM here, else "tcg".  STACKBLK_ACCEL
# overrides.  run-vm.sh starts its guests with it; run-all.sh plans host
# cores by it (a TCG guest, thread=single, costs one core; a KVM guest one
# per vCPU).
#
# /dev/kvm can exist, open and run a real-mode boot sector, and still fail
# a Linux guest: seen on a machine of this kind, where every kernel stopped
# in its decompressor with "KVM internal error. Suberror: 1 ... emulation
# failure" (nested virtualisation without the instruction emulation KVM
# needed).  QEMU then pauses the guest and waits forever, so the probe boots
# a real kernel, SMP, to its "no root" panic (panic=-1, -no-reboot: QEMU
# exits), and takes only that as proof.  A working KVM gets there in a few
# seconds; an internal error is seen at once.  The answer is cached per
# boot of the host (boot_id) and QEMU binary, under a lock, so parallel
# guests probe once.
set -uo pipefail

if [ -n "${STACKBLK_ACCEL:-}" ]; then
	echo "$STACKBLK_ACCEL"
	exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo tcg
	exit 0
fi
CACHE=${STACKBLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackblk}
mkdir -p "$CACHE"
qemu=$(command -v qemu-system-x86_64) || { echo tcg; exit 0; }
key=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)-$(stat -c %Y "$qemu")
cached=$CACHE/accel-$key
exec 8>"$CACHE/accel.lock"
flock 8
if [ -s "$cached" ]; then
	cat "$cached"
	exit 0
fi
rm -f "$CACHE"/accel-*

probe() {
	local kernel log pid t
	kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
	[ -r "$kernel" ] || return 1
	log=$(mktemp)
	timeout 60 "$qemu" -machine q35 -accel kvm -cpu host -smp 2 -m 512 -nodefaults \
		-display none -no-reboot -serial "file:$log" -monitor none \
		-kernel "$kernel" -append "console=ttyS0 panic=-1 root=/dev/stackblk-none" \
		>"$log.err" 2>&1 </dev/null &
	pid=$!
	for ((t = 0; t < 600; t++)); do	# 60 s at most, in 0.1 s steps
		kill -0 "$pid" 2>/dev/null || break
		grep -q 'KVM internal error\|emulation failure' "$log.err" && break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q 'Kernel panic' "$log"
	t=$?
	rm -f "$log" "$log.err"
	return $t
}
if probe; then a=kvm; else a=tcg; fi
echo "$a" >"$cached"
echo "$a"
