#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/demo.sh - `make demo`: what stackblk is for, in under 3 minutes.
#
# Boots a 6.12 guest (-smp 2) whose emulated NVMe has an I/O queue (and an
# MSI-X vector) per vCPU, and stacks the seeds' example on it: stackblk0
# over nvme0n1 with the split stage (a 64 KiB "extent" boundary, as LVM
# would cut) and then the crypt stage (AES-XTS, 4 KiB sectors, as
# dm-crypt).  Then, with the real CLI:
#   1. tools/fio/amplification.fio: one 4 KiB write across the boundary;
#      `stackblk stat` shows it cost 4x its bytes on the backing, and
#      why: 1 split, 2 read-modify-writes of a crypt sector;
#   2. tools/fio/passthrough-qd32.fio (5 s, a job per CPU) while
#      `stackblk record` samples every second and draws the pictures;
#   3. `stackblk depth`, `stackblk latency`, `stackblk affinity`: the queue
#      depth per hardware context, the latency of each path, and which
#      MSI-X vector and CPU completed what each CPU submitted.
# The pictures land in tests/results/demo/ (their paths are printed); the
# transcript is tests/results/demo/output.log.  The README shows a trimmed
# copy.  tests/setup.sh runs first (it installs what is missing).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

if [ "${1:-}" = --guest ]; then
	# In the guest: the repository is read-only at $REPO, /results is
	# tests/results/demo on the host.
	SB=$REPO/tools/stackblk
	say() { printf '\n$ %s\n' "$*"; }
	run() { say "$*"; "$@"; }
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	cp "build/$(uname -r)/stackblk.ko" /tmp/stackblk.ko
	modprobe configfs 2>/dev/null || true
	run insmod /tmp/stackblk.ko
	head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' >/tmp/demo.key
	run "$SB" create demo --backing /dev/nvme0n1 --stages split,crypt \
		--split-boundary 65536 --crypt-sector-size 4096 --key-file /tmp/demo.key
	D=stackblk$(cat /sys/kernel/config/stackblk/demo/index)

	printf '\n# 1. One 4 KiB write across the 64 KiB boundary (bytes 63488-67583)\n'
	run "$SB" reset "$D"
	say "STACKBLK_DEV=/dev/$D fio tools/fio/amplification.fio"
	STACKBLK_DEV=/dev/$D fio --output-format=terse tools/fio/amplification.fio >/dev/null
	run "$SB" stat -o L_w,L_wsz,P_r,P_rsz,P_w,P_wsz,AMP_B,split,rmw "$D"

	printf '\n# 2. A deep random-read load, a job per CPU, sampled every second\n'
	sed 's/^runtime=.*/runtime=5/' tools/fio/passthrough-qd32.fio >/tmp/qd32.fio
	run "$SB" reset "$D"
	say "STACKBLK_DEV=/dev/$D fio --cpus_allowed=0-$(($(nproc) - 1)) tools/fio/passthrough-qd32.fio  # runtime cut to 5 s"
	say "$SB record -i 1 -c 6 --svg /results $D"
	"$SB" record -i 1 -c 6 --svg /results "$D" >/tmp/record.out &
	rec=$!
	STACKBLK_DEV=/dev/$D fio --cpus_allowed=0-$(($(nproc) - 1)) /tmp/qd32.fio --output-format=normal 2>&1 |
		grep -E '^ *(read|READ|lat|clat).*:|IOPS' | head -n 6 || true
	wait $rec
	sed 's|/results|tests/results/demo|' /tmp/record.out
	run "$SB" stat "$D"

	printf '\n# 3. Where the requests queued, how long they took, where they completed\n'
	run "$SB" depth "$D"
	run "$SB" latency "$D"
	run "$SB" affinity "$D"

	"$SB" remove demo >/dev/null
	rmmod stackblk
	exit 0
fi

tests/setup.sh
K=$(printf '%s\n' /boot/vmlinuz-6.12* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
tests/lib/build-modules.sh "$K" >/dev/null || { echo "demo: module build failed (build/$K/build.log)" >&2; exit 1; }
make -s -C tools stackblk
OUT=$REPO/tests/results/demo
rm -rf "$OUT"
mkdir -p "$OUT"
start=$SECONDS
rc=0
tests/vm/run-vm.sh --kernel "$K" --smp 2 --timeout 600 --verbose --out "$OUT" -- \
	tests/demo.sh --guest || rc=$?
echo "demo: exit $rc in $((SECONDS - start)) s; transcript and pictures in tests/results/demo/"
exit $rc
