#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/demo.sh - `make demo`: boot a 6.12 guest (-smp 2) with an emulated
# NVMe namespace, stack stackblk0 on nvme0n1 through configfs, run a short
# fio (randrw, verify=crc32c, 10 s or 64 MiB) and show the sysfs view.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
tests/setup.sh
K=$(ls /boot/vmlinuz-6.12* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
tests/lib/build-modules.sh "$K" >/dev/null || { echo "demo: module build failed (build/$K/build.log)" >&2; exit 1; }
OUT=$REPO/tests/results/demo
mkdir -p "$OUT"
rc=0
tests/vm/run-vm.sh --kernel "$K" --smp 2 --timeout 900 --verbose --out "$OUT" -- bash -c '
set -e
cp "build/$(uname -r)/stackblk.ko" /tmp/stackblk.ko
modprobe configfs
insmod /tmp/stackblk.ko
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
C=/sys/kernel/config/stackblk/demo
echo "$ mkdir $C; echo /dev/nvme0n1 > $C/backing; echo 1 > $C/power"
mkdir "$C"
echo /dev/nvme0n1 >"$C/backing"
echo 1 >"$C/power"
echo "index: $(cat "$C/index")"
for i in $(seq 100); do [ -b /dev/stackblk0 ] && break; sleep 0.1; done
echo
echo "$ fio --name=demo --filename=/dev/stackblk0 --rw=randrw --bs=4k --iodepth=16 --verify=crc32c --size=64M --runtime=10"
fio --name=demo --filename=/dev/stackblk0 --direct=1 --ioengine=libaio --rw=randrw \
	--bs=4k --iodepth=16 --verify=crc32c --size=64M --runtime=10 --group_reporting
echo
echo "$ ls -l /sys/block/stackblk0/stackblk/"
ls -l /sys/block/stackblk0/stackblk/
echo
echo "$ grep . /sys/block/stackblk0/stackblk/* /sys/block/stackblk0/stackblk/stats/*"
grep . /sys/block/stackblk0/stackblk/* /sys/block/stackblk0/stackblk/stats/* 2>/dev/null || true
echo 0 >"$C/power"
rmdir "$C"
rmmod stackblk
' || rc=$?
echo "demo: exit $rc (guest log: tests/results/demo/)"
exit $rc
