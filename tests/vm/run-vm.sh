#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/run-vm.sh - run one command in a throw-away QEMU guest.
#
# tests/vm/run-vm.sh [--kernel KVER|/path/to/bzImage] [--smp N] [--mem MiB]
#                    [--disk-mb MiB] [--timeout SEC] [--numa NODE] [--extra-qemu "ARGS"]
#                    [--plugin SO,ARG=VAL...] [--verbose] --out DIR -- COMMAND [ARGS...]
#
#   --kernel   Debian kernel version with /boot/vmlinuz-KVER (default: the
#              newest 6.12), or a bzImage of a custom kernel with virtio-pci,
#              9p and overlayfs built in.
#   --smp      vCPUs, or a QEMU -smp value such as 2,sockets=2 (default 2)
#   --mem      MiB of RAM (default 2048)
#   --disk-mb  size of the emulated NVMe namespace nvme0n1 (default 1024),
#              backed by a sparse raw file that is deleted afterwards
#   --timeout  seconds before qemu is killed (default 3600)
#   --numa     two NUMA nodes, the vCPUs and the memory split between them
#              (vCPU i on node i % 2), and the NVMe on node NODE (0 or 1)
#              behind a pxb-pcie expander bus with that numa_node, with one
#              I/O queue (one MSI-X vector for all CPUs: one node's
#              completions cross to the other)
#   --extra-qemu  extra qemu arguments (word-split)
#   --plugin   a TCG plugin and its arguments, as one -plugin value (not
#              word-split; a comma in a path must be doubled)
#   --verbose  also stream COMMAND's output to stdout while it runs
#   --out DIR  results directory, mounted writable at /results in the guest
#
# The guest sees the host's / read-only (9p) under a tmpfs overlay and runs
# COMMAND chrooted into it, with cwd = the repository root (same path as on
# the host) and STACKBLK_RESULTS=/results.  configfs, debugfs, tracefs are
# mounted and the nvme driver is loaded (nvme0n1 present) before COMMAND.
#
# Results in DIR: output.log (COMMAND's stdout+stderr), rc (its exit code),
# dmesg.txt (the guest's whole kernel log, not affected by dmesg -C),
# console.log (serial console), status (done|timeout|noboot|crashed).
#
# Exit code: COMMAND's exit code; 124 on timeout (qemu killed); 125 if the
# guest failed to boot, or died (panic) before COMMAND finished.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The physical path: the guest mounts the repository at this path over the
# host's root, where a symlink on the way ("/root/ci -> /srv/ci") is only a
# link, and mkdir of the mount point through it fails.
REPO=$(cd "$HERE/../.." && pwd -P)
CACHE=${STACKBLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackblk}

usage() { sed -n '4,33p' "$0" >&2; exit 2; }

kernel="" smp=2 mem=2048 disk_mb=1024 tmo=3600 extra="" plugin="" out="" verbose=0 numa=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--disk-mb) disk_mb=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--numa) numa=$2; shift 2 ;;
	--extra-qemu) extra=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--verbose|-v) verbose=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run-vm: unknown argument $1" >&2; usage ;;
	esac
done
[ -n "$out" ] || { echo "run-vm: --out DIR is required" >&2; usage; }
[ $# -gt 0 ] || { echo "run-vm: no COMMAND after --" >&2; usage; }

# --- kernel -----------------------------------------------------------------
if [ -z "$kernel" ]; then
	kernel=$(ls /boot/vmlinuz-6.12* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
	[ -n "$kernel" ] || { echo "run-vm: no /boot/vmlinuz-6.12* installed (tests/setup.sh)" >&2; exit 125; }
fi
if [ -f "$kernel" ] && [[ $kernel == */* ]]; then
	vmlinuz=$(readlink -f "$kernel")
	kver=none
else
	vmlinuz=/boot/vmlinuz-$kernel
	kver=$kernel
	[ -r "$vmlinuz" ] || { echo "run-vm: $vmlinuz not found/readable" >&2; exit 125; }
fi

# --- initramfs (cached by kernel version + script hash) ----------------------
hash=$(cat "$HERE/mkinitramfs.sh" "$HERE/init" | sha256sum | cut -c1-12)
initrd=$CACHE/initramfs-$kver-$hash.cpio.gz
if [ ! -s "$initrd" ]; then
	mkdir -p "$CACHE"
	"$HERE/mkinitramfs.sh" "$kver" "$initrd" || { echo "run-vm: initramfs build failed" >&2; exit 125; }
fi

# --- accelerator: KVM if a Linux guest really boots under it, else TCG ------
accel=$("$HERE/accel.sh")
# TCG runs all vCPUs of a guest in one host thread (thread=single) unless
# STACKBLK_TCG_THREAD=multi: one thread per guest is what lets run-all.sh
# plan host cores (a guest costs one core, whatever its -smp).  QEMU must be
# 8.1 or later (tests/setup.sh): 7.2, Debian 12's own, runs stale kernel
# text under thread=multi ("Oops: int3") and drops guest memory barriers
# under thread=single (lost NVMe doorbells); docs/testing.md.
tcg_thread=${STACKBLK_TCG_THREAD:-single}
if [ "$accel" = kvm ]; then
	accel_args=(-accel kvm -cpu host)
else
	accel_args=(-accel "tcg,thread=$tcg_thread" -cpu max)
fi

# --- work area --------------------------------------------------------------
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{output.log,rc,dmesg.txt,console.log,status,.kmsg.raw}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/stackblk-vm.XXXXXX")
qpid=""
tailpid=""
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/job"
# The repository is also shared on its own and mounted at its host path
# (after the guest's /tmp tmpfs), so a clone under /tmp works as well.
printf '%s\n' "$REPO" >"$tmp/job/repo-path"
truncate -s "${disk_mb}M" "$tmp/disk.img"

cmd=$(printf '%q ' "$@")
cat >"$tmp/job/run.sh" <<EOS
# generated by run-vm.sh; runs chrooted in the guest (bash)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb STACKBLK_RESULTS=/results
export STACKBLK_VM=1 STACKBLK_VM_ACCEL=$accel
if ! grep -qw configfs /proc/filesystems; then modprobe -q configfs; fi
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config 2>/dev/null
[ -d /sys/module/nvme ] || modprobe -q nvme 2>/dev/null
for i in \$(seq 300); do [ -b /dev/nvme0n1 ] && break; sleep 0.1; done
[ -b /dev/nvme0n1 ] || echo "run-vm: warning: /dev/nvme0n1 did not appear" >&2
cd $(printf '%q' "$REPO") || exit 125
: >/results/output.log
($cmd) >/results/output.log 2>&1 </dev/null
echo \$? >/results/rc
EOS

# nvme_core.multipath=N: QEMU 10.0 to 10.0.3 mark every controller as one
# of a multi-controller subsystem (CMIC), and Linux would make nvme0n1 a
# multipath head over a hidden nvme0c0n1 (6.1's head keeps no I/O
# statistics); without multipath nvme0n1 is the namespace, as under 7.2.
# tsc=reliable: TCG's TSC is one virtual clock for every vCPU, yet 6.1 (any
# guest with more than one CPU) and 6.12 (more than one socket, as the
# debug guest has) take a non-Intel CPU without constant TSC for
# unsynchronized and fall to HPET MMIO reads or to jiffies (docs/testing.md,
# "Which clock").  It also turns off the clocksource watchdog.
append="console=ttyS0 panic=-1 rdinit=/init printk.devkmsg=on mitigations=off nvme_core.multipath=N tsc=reliable"
# shellcheck disable=SC2206
extra_args=($extra)
[ -z "$plugin" ] || extra_args+=(-plugin "$plugin")
nvme_args=(-device "nvme,serial=stackblk0,drive=nvm0")
if [ -n "$numa" ]; then
	case $numa in 0|1) ;; *) echo "run-vm: --numa takes node 0 or 1" >&2; exit 2 ;; esac
	case $smp in *[!0-9]*) echo "run-vm: --numa needs a plain --smp N" >&2; exit 2 ;; esac
	[ "$smp" -ge 2 ] || { echo "run-vm: --numa needs --smp 2 or more" >&2; exit 2; }
	for n in 0 1; do
		cpus=""
		for ((c = n; c < smp; c += 2)); do cpus+=",cpus=$c"; done
		extra_args+=(-object "memory-backend-ram,id=mem$n,size=$((mem / 2))M"
			     -numa "node,nodeid=$n,memdev=mem$n$cpus")
	done
	# bus_nr leaves pcie.0 buses 0-127; the root port carries the NVMe
	nvme_args=(-device "pxb-pcie,id=pxb0,bus_nr=128,numa_node=$numa,bus=pcie.0"
		   -device pcie-root-port,id=rp0,bus=pxb0,chassis=1,slot=0
		   -device nvme,serial=stackblk0,drive=nvm0,bus=rp0,max_ioqpairs=1)
fi
qemu=(qemu-system-x86_64 -machine q35 "${accel_args[@]}" -smp "$smp" -m "$mem"
	-nodefaults -display none -no-reboot -monitor none
	-serial "file:$out/console.log"
	-kernel "$vmlinuz" -initrd "$initrd" -append "$append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=${out//,/,,},mount_tag=results,security_model=none,multidevs=remap"
	-virtfs "local,path=$tmp/job,mount_tag=job,security_model=none,readonly=on"
	-virtfs "local,path=${REPO//,/,,},mount_tag=repo,security_model=none,readonly=on,multidevs=remap"
	-drive "file=$tmp/disk.img,if=none,id=nvm0,format=raw,cache=writeback,discard=unmap"
	"${nvme_args[@]}"
	"${extra_args[@]}")
echo "${qemu[*]}" >"$tmp/qemu.cmd"

start=$(date +%s)
"${qemu[@]}" >"$tmp/qemu.out" 2>&1 &
qpid=$!
if [ $verbose -eq 1 ]; then
	touch "$out/output.log"
	tail -n +1 -F --pid="$qpid" "$out/output.log" 2>/dev/null &
	tailpid=$!
fi

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $(( $(date +%s) - start )) -ge "$tmo" ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.5
done
qrc=0
wait "$qpid" 2>/dev/null || qrc=$?
qpid=""
if [ -n "$tailpid" ]; then
	wait "$tailpid" 2>/dev/null || true
	tailpid=""
fi

# dmesg.txt from the raw /dev/kmsg stream ("prio,seq,usec,flags;text"),
# falling back to the serial console if the stream is missing.
if [ -s "$out/.kmsg.raw" ]; then
	awk '/^[0-9]+,[0-9]+,[0-9]+,/ { i = index($0, ";"); split(substr($0, 1, i - 1), h, ",");
		printf "[%5d.%06d] %s\n", h[3] / 1000000, h[3] % 1000000, substr($0, i + 1); next }
		/^ / { next }	# dictionary (KEY=value) lines
		{ print }' "$out/.kmsg.raw" >"$out/dmesg.txt"
	# If the guest died, the console may hold the last lines the stream lost.
	if [ ! -s "$out/rc" ]; then
		{ echo "---- serial console (guest did not finish) ----"; cat "$out/console.log"; } >>"$out/dmesg.txt"
	fi
else
	cp "$out/console.log" "$out/dmesg.txt" 2>/dev/null || : >"$out/dmesg.txt"
fi
rm -f "$out/.kmsg.raw"

elapsed=$(( $(date +%s) - start ))
if [ -s "$out/rc" ]; then
	rc=$(cat "$out/rc")
	status=done
	[ $timed_out -eq 1 ] && echo "run-vm: warning: guest did not power off after COMMAND (killed)" >&2
elif [ $timed_out -eq 1 ]; then
	rc=124 status=timeout
	echo "run-vm: timeout after ${tmo}s, qemu killed" >&2
elif [ -e "$out/output.log" ]; then
	rc=125 status=crashed
	echo "run-vm: guest died before COMMAND finished (see $out/console.log)" >&2
else
	rc=125 status=noboot
	echo "run-vm: guest failed to boot (qemu exit $qrc); qemu said:" >&2
	sed 's/^/  /' "$tmp/qemu.out" >&2
	echo "run-vm: last console lines:" >&2
	tail -n 20 "$out/console.log" 2>/dev/null | sed 's/^/  /' >&2
fi
echo "$status" >"$out/status"
[ $verbose -eq 1 ] && echo "run-vm: kernel=${kver/none/$vmlinuz} accel=$accel smp=$smp status=$status rc=$rc ${elapsed}s" >&2
exit "$rc"
