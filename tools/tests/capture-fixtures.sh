#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/tests/capture-fixtures.sh - capture real sysfs/debugfs/procfs fixture
# trees for the CLI unit tests from QEMU guests (tests/vm/run-vm.sh).
#
#   tools/tests/capture-fixtures.sh [KVER:SMP ...]
#
# Default: 6.12 and 6.1 Debian kernels with 2 and 4 vCPUs.  Each run writes
# tools/tests/fixtures/real-<kver>-<smp>cpu/ holding a tree rooted like / (use
# it with STACKBLK_ROOT=...) plus expected/ with the CLI's output taken live in
# the guest right after the copy (the unit tests replay the tree and compare).
#
# In the guest (STACKBLK_VM=1, internal): load the module, create stackblk0
# over nvme0n1 (via configfs for 6.12, via insmod backing= for 6.1) and
# stackblk1 over null_blk, run fio, copy the files the CLI reads.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CLI=$REPO/tools/stackblk

# copy SRC DST-ROOT: copy one file (dereferenced) to DST-ROOT/SRC
copy() { mkdir -p "$2$(dirname "$1")" && cat "$1" >"$2$1" 2>/dev/null || true; }

guest() {
	local out=$1 kver ko k irq f pci pcirel n
	kver=$(uname -r)
	for k in "$REPO"/build/*/stackblk.ko; do
		[ -f "$k" ] || continue
		[ "$(modinfo -F vermagic "$k" | cut -d' ' -f1)" = "$kver" ] && ko=$k
	done
	[ -n "${ko:-}" ] || { echo "no stackblk.ko for $kver under build/" >&2; exit 1; }
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	modprobe null_blk nr_devices=1 queue_mode=2 submit_queues=2 || true
	case $kver in
	6.1.*)	# module-parameter device: no configfs item
		insmod "$ko" backing=/dev/nvme0n1 ;;
	*)	insmod "$ko"
		"$CLI" create fast --backing /dev/nvme0n1 --depth 64 ;;
	esac
	for _ in $(seq 100); do [ -b /dev/stackblk0 ] && break; sleep 0.1; done
	[ -b /dev/nullb0 ] && "$CLI" create slow --backing /dev/nullb0 --queues 1 --depth 32
	fio --name=w --filename=/dev/stackblk0 --direct=1 --ioengine=libaio --rw=randwrite \
		--bs=4k --iodepth=8 --number_ios=1000 --size=64M --norandommap --randrepeat=0 \
		>/dev/null
	fio --name=r --filename=/dev/stackblk0 --direct=1 --ioengine=libaio --rw=randread \
		--bs=16k --iodepth=4 --numjobs="$(nproc)" --number_ios=200 --size=64M \
		--group_reporting >/dev/null
	[ -b /dev/stackblk1 ] && dd if=/dev/zero of=/dev/stackblk1 bs=64k count=100 \
		oflag=direct status=none
	sync

	rm -rf "$out"
	mkdir -p "$out/tree/sys/module/stackblk/parameters" "$out/expected"
	copy /sys/module/stackblk/parameters/collect "$out/tree"
	copy /proc/interrupts "$out/tree"
	for d in /sys/kernel/config/stackblk/*/; do
		[ -d "$d" ] || continue
		for f in backing nr_hw_queues queue_depth power index; do copy "$d$f" "$out/tree"; done
	done
	for b in /sys/block/stackblk*; do
		n=$(basename "$b")
		copy "$b/size" "$out/tree"
		for f in "$b"/mq/*/cpu_list "$b"/mq/*/nr_tags "$b"/stackblk/backing "$b"/stackblk/stages \
			 "$b"/stackblk/stats/*; do copy "$f" "$out/tree"; done
		for f in counters hctx latency latency_fine completion; do
			copy "/sys/kernel/debug/stackblk/$n/$f" "$out/tree"
		done
	done
	for b in nvme0n1 nullb0; do
		[ -d "/sys/block/$b" ] || continue
		copy "/sys/block/$b/size" "$out/tree"
		for f in /sys/block/$b/mq/*/cpu_list /sys/block/$b/mq/*/nr_tags; do
			copy "$f" "$out/tree"
		done
	done
	# nvme0n1 -> controller -> PCI device, kept as a symlink so the PCI name survives
	pci=$(readlink -f /sys/block/nvme0n1/device/device)
	pcirel=devices/pci/$(basename "$pci")
	mkdir -p "$out/tree/sys/block/nvme0n1/device" "$out/tree/sys/$pcirel/msi_irqs"
	ln -sfn "../../../$pcirel" "$out/tree/sys/block/nvme0n1/device/device"
	for f in "$pci"/msi_irqs/*; do
		irq=$(basename "$f")
		cat "$f" >"$out/tree/sys/$pcirel/msi_irqs/$irq"
		copy "/proc/irq/$irq/effective_affinity_list" "$out/tree"
		copy "/proc/irq/$irq/smp_affinity_list" "$out/tree"
	done
	# NUMA nodes: each node's CPUs, the backing's node (controller or PCI device)
	for f in /sys/devices/system/node/node*/cpulist; do copy "$f" "$out/tree"; done
	copy /sys/block/nvme0n1/device/numa_node "$out/tree"
	[ -f "$pci/numa_node" ] && cat "$pci/numa_node" >"$out/tree/sys/$pcirel/numa_node"
	# the live CLI output on exactly this state
	for c in list "stat" "depth stackblk0" "latency stackblk0" "affinity stackblk0" \
		 "affinity stackblk1"; do
		f=$out/expected/$(echo "$c" | tr ' ' '-').txt
		# shellcheck disable=SC2086
		"$CLI" $c >"$f" 2>&1 || echo "exit $?" >>"$f"
	done
	uname -r >"$out/kernel"
	nproc >"$out/ncpus"
}

if [ "${STACKBLK_VM:-}" = 1 ] && [ "${1:-}" = --guest ]; then
	guest "$2"
	exit 0
fi

[ -x "$CLI" ] || make -C "$REPO/tools" stackblk >/dev/null
k612=$(ls /boot/vmlinuz-6.12* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
k61=$(ls /boot/vmlinuz-6.1.* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
[ $# -gt 0 ] || set -- "$k612:2" "$k612:4" "$k61:2" "$k61:4"
rc=0
for spec in "$@"; do
	kver=${spec%:*} smp=${spec##*:}
	res=$(mktemp -d)
	name=real-${kver%%-*}-${smp}cpu
	echo "capture: $kver, $smp vCPUs -> fixtures/$name" >&2
	if "$REPO/tests/vm/run-vm.sh" --kernel "$kver" --smp "$smp" --timeout 600 --out "$res" -- \
		tools/tests/capture-fixtures.sh --guest "/results/$name"; then
		rm -rf "$HERE/fixtures/$name"
		cp -a "$res/$name" "$HERE/fixtures/$name"
	else
		echo "capture: $spec failed; see $res/output.log" >&2
		tail -n 20 "$res/output.log" >&2 || true
		rc=1
		continue
	fi
	rm -rf "$res"
done
exit $rc
