#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/perf/guest-bench.sh - the guest half of `make bench` (runs inside the
# QEMU guest started by tests/perf/bench.sh, cwd = repository root).
#
#   tests/perf/guest-bench.sh KO OUTDIR
#
# For every scenario (backing x workload x engine) of the plan, runs every
# contender of that scenario round-robin, BENCH_REPS times (A B C A B C ...:
# any two contenders alternate ABAB), each in a fresh device set up just for
# that run.  One CSV line per run in OUTDIR/runs.csv:
#
#   backing,workload,engine,contender,rep,json,busy_ticks,ios,hz,wall_s,mark
#
# busy_ticks = busy CPU time of the whole guest (user+nice+system+irq+
# softirq+steal of /proc/stat, all CPUs, so dm-crypt's kcryptd workers and
# completion softirqs count) over the fio run, ios = I/Os completed by the
# device under test in that window (its /sys/block/<dev>/stat); report.py
# divides one by the other (CPU per I/O).
#
# Environment: BENCH_PLAN=full|quick|crypt|collect|passthrough|split|stackers|wbt|batch|nvmecrypt|cryptbounce|peers (default
# full; peers = no stackblk), BENCH_REPS (3), BENCH_RUNTIME (3 s,
# time_based), BENCH_RAMP (1 s), BENCH_CRYPT_SS (4096: the crypt sector
# size of stackblk's crypt stage and dm-crypt alike).
#
# BENCH_KO_BASE=KO (bench.sh --base REV): a second build of stackblk.ko, the
# "before" of an A/B.  Every stackblk contender X then gets a twin X-base,
# run right after X in every round with that module loaded instead (the
# modules are swapped with rmmod/insmod between runs), so a module change
# is measured in one boot, ABAB.
#
# CPU, I/Os and instructions are counted over a window of BENCH_RUNTIME
# seconds inside each fio run, after fio's start-up and BENCH_RAMP; fio
# itself runs BENCH_RAMP + BENCH_RUNTIME + 3 s (its IOPS are its own, over
# its run after the ramp).
#
# BENCH_SBMARK=PATH (bench.sh with the insn-count TCG plugin): the marker
# program, run at both ends of that window, next to the CPU and I/O
# samples; the CSV's "mark" column is the number of the first of the two
# marks (tests/perf/insn/insn-count.c).
#
# BENCH_PROFILE=1 (bench.sh --profile, the plugin's prof=): the kernel's
# text symbols go to OUTDIR/kallsyms.txt once, and the modules' after each
# run to OUTDIR/ksyms/<run>.txt (a module swapped in lands elsewhere), for
# tests/perf/profile.py.
set -uo pipefail

KO=${1:?usage: guest-bench.sh KO OUTDIR}
OUT=${2:?usage: guest-bench.sh KO OUTDIR}
PLAN=${BENCH_PLAN:-full}
REPS=${BENCH_REPS:-3}
RUNTIME=${BENCH_RUNTIME:-3}
RAMP=${BENCH_RAMP:-1}
NCPU=$(nproc)
CFS=/sys/kernel/config/stackblk
COLLECT=/sys/module/stackblk/parameters/collect
# AES-256-XTS (512-bit key), the same for stackblk and dm-crypt
KEY=603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CRYPT_SS=${BENCH_CRYPT_SS:-4096}
CSV=$OUT/runs.csv
LOG=$OUT/guest-bench.log
mkdir -p "$OUT"
T0=$SECONDS

log() { echo "# [$((SECONDS - T0))s] $*" | tee -a "$LOG" >&2; }
die() { log "FATAL: $*"; exit 1; }

# --- environment -------------------------------------------------------------
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
modprobe -q dm-mod; modprobe -q dm-multipath; modprobe -q dm-round-robin; modprobe -q dm-crypt; modprobe -q xts; modprobe -q aesni_intel 2>/dev/null
# dm-rq (dmmp): a hardware queue per vCPU, as stackblk has (its default: one)
echo "$NCPU" >/sys/module/dm_mod/parameters/dm_mq_nr_hw_queues 2>/dev/null
KO_BASE=${BENCH_KO_BASE:-}
cp "$KO" /tmp/stackblk.ko || die "no module $KO"
[ -z "$KO_BASE" ] || cp "$KO_BASE" /tmp/stackblk-base.ko || die "no module $KO_BASE"
for d in $(modinfo -F depends /tmp/stackblk.ko 2>/dev/null | tr ',' ' '); do modprobe -q "$d"; done
insmod /tmp/stackblk.ko || die "insmod $KO failed: $(dmesg | tail -n 3)"
[ -d $CFS ] || die "no $CFS"
# use_module main|base: the stackblk.ko the next contender runs on
MODULE=main
use_module() {
	[ "$MODULE" = "$1" ] && return 0
	rmmod stackblk || die "rmmod stackblk failed"
	if [ "$1" = base ]; then
		insmod /tmp/stackblk-base.ko || die "insmod $KO_BASE failed: $(dmesg | tail -n 3)"
	else
		insmod /tmp/stackblk.ko || die "insmod $KO failed: $(dmesg | tail -n 3)"
	fi
	MODULE=$1
}
SBMARK=${BENCH_SBMARK:-}
PROFILE=${BENCH_PROFILE:-0}
MARKS=0
mark() {
	[ -n "$SBMARK" ] || return 0
	"$SBMARK" && MARKS=$((MARKS + 1))
}

{
	echo "kernel=$(uname -r)"
	echo "vcpus=$NCPU"
	echo "mem_mib=$(awk '/MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)"
	echo "accel=${STACKBLK_VM_ACCEL:-unknown}"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "aes_ni=$(grep -qw aes /proc/cpuinfo && echo yes || echo no)"
	echo "xts_driver=$(awk '/^name *: xts\(aes\)/ {getline; sub(/.*: /, ""); print; exit}' /proc/crypto)"
	echo "fio=$(fio --version)"
	echo "bpftrace=$(bpftrace --version 2>/dev/null | head -n1)"
	echo "blktrace=$(blktrace -v 2>&1 | head -n1)"
	echo "plan=$PLAN"
	echo "base=${KO_BASE:+yes}"
	echo "insn=${SBMARK:+yes}"
	echo "reps=$REPS"
	echo "runtime_s=$RUNTIME"
	echo "ramp_s=$RAMP"
	echo "crypt=aes-xts-plain64 key_bits=512 sector_size=$CRYPT_SS"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
} >"$OUT/meta.txt"
echo "backing,workload,engine,contender,rep,json,busy_ticks,ios,hz,wall_s,mark" >"$CSV"
[ "$PROFILE" != 1 ] || awk '$4 !~ /^\[/ && ($2 == "t" || $2 == "T")' /proc/kallsyms >"$OUT/kallsyms.txt"
mkdir -p "$OUT/json"
HZ=$(getconf CLK_TCK)

# --- backings ----------------------------------------------------------------
BK=""
backing_up() {	# null0 | null1 | nvme
	case $1 in
	null0|null1)
		modprobe -r null_blk 2>/dev/null
		# max_sectors=1024: 512 KiB per command, as QEMU's NVMe
		# (MDTS 7) and most real ones take.  null_blk's default,
		# BLK_SAFE_MAX_SECTORS (127.5 KiB), is below the 128 KiB
		# workloads: a blk-mq device stacked on it (stackblk) must
		# split each 128 KiB I/O, and a split of io_uring's
		# REQ_NOWAIT bio fails with -EAGAIN, so every one was
		# issued twice, the second time from io_uring's io-wq
		# (tests/perf/README.md, "Crypt at 128 KiB").
		modprobe null_blk nr_devices=1 memory_backed=0 irqmode=${1#null} gb=16 \
			submit_queues="$NCPU" hw_queue_depth=128 max_sectors=1024 ||
			die "modprobe null_blk failed"
		for _ in $(seq 100); do [ -b /dev/nullb0 ] && break; sleep 0.1; done
		BK=/dev/nullb0 ;;
	nvme) BK=/dev/nvme0n1 ;;
	esac
	[ -b "$BK" ] || die "no backing $BK"
	log "backing $1 = $BK ($(($(blockdev --getsz $BK) / 2048)) MiB, max_sectors_kb $(cat /sys/block/${BK#/dev/}/queue/max_sectors_kb), $(cat /sys/block/${BK#/dev/}/queue/scheduler))"
}
backing_down() { case $1 in null*) modprobe -r null_blk ;; esac; }

# --- contenders ----------------------------------------------------------------
DEV="" AUX=""
CRYPT_OK=1
sb_up() {	# name ATTR=VALUE...
	local n=$1 a
	shift
	mkdir $CFS/$n || return 1
	for a in backing=$BK "$@" power=1; do
		if ! printf '%s\n' "${a#*=}" >"$CFS/$n/${a%%=*}" 2>/dev/null; then
			log "stackblk: ${a%%=*}=$( [ "${a%%=*}" = crypt_key ] && echo '<key>' || echo "${a#*=}") refused"
			rmdir $CFS/$n
			return 1
		fi
	done
	DEV=/dev/stackblk$(cat $CFS/$n/index)
	for _ in $(seq 100); do [ -b "$DEV" ] && break; sleep 0.05; done
	[ -b "$DEV" ]
}
sb_down() { echo 0 >$CFS/$1/power; rmdir $CFS/$1; }
dm_up() {	# name table
	dmsetup create --noudevsync "$1" --table "$2" || return 1
	dmsetup mknodes "$1" 2>/dev/null
	if [ ! -b /dev/mapper/$1 ]; then
		mkdir -p /dev/mapper
		mknod /dev/mapper/$1 b $(dmsetup info -c --noheadings -o major,minor "$1" | tr ':' ' ')
	fi
	DEV=/dev/mapper/$1
}
dm_down() { dmsetup remove --noudevsync "$1"; rm -f "/dev/mapper/$1"; }
crypt_table() {	# extra opt...
	local opts=(sector_size:$CRYPT_SS "$@")
	echo "0 $(blockdev --getsz "$BK") crypt aes-xts-plain64 $KEY 0 $BK 0 ${#opts[@]} ${opts[*]}"
}

# contender_up NAME: sets DEV; returns 2 if not available (crypt stage)
contender_up() {
	AUX=""
	case $1 in
	*-base) use_module base ;;
	*) use_module main ;;
	esac
	case ${1%-base} in
	raw) DEV=$BK ;;
	sb|sbbpf|sbblk) sb_up b ;;
	sboff) sb_up b && echo 0 >$COLLECT ;;
	# writeback throttling off on stackblk's own queue (the backing keeps
	# its own): what wbt costs a blk-mq stacker that dm-linear has not
	sbnowbt) sb_up b && echo 0 >"/sys/block/${DEV#/dev/}/queue/wbt_lat_usec" ;;
	# the split stage alone, at the default 64 KiB boundary: a 4 KiB
	# I/O is one piece, a 128 KiB one two
	sbs) sb_up b stages=split split_boundary=65536 ;;
	sbc)
		[ $CRYPT_OK = 1 ] || return 2
		if ! sb_up b stages=crypt crypt_sector_size=$CRYPT_SS crypt_key=$KEY; then
			CRYPT_OK=0
			: >"$OUT/crypt-na"
			log "crypt stage not available: stackblk crypt rows are n/a"
			return 2
		fi ;;
	dml) dm_up bl "0 $(blockdev --getsz "$BK") linear $BK 0" ;;
	# the kernel's own request-based stacking: dm-multipath on dm-rq
	# (blk-mq queue of its own, clones inserted with
	# blk_insert_cloned_request()), one path, no multipathd; set up as
	# stackblk is: a hardware queue per vCPU (dm_mq_nr_hw_queues, above)
	# and no I/O scheduler (dm-rq's default: mq-deadline)
	dmmp)
		dm_up bm "0 $(blockdev --getsz "$BK") multipath 2 queue_mode mq 0 1 1 round-robin 0 1 1 $BK 1" &&
		echo none >"/sys/dev/block/$(dmsetup info -c --noheadings -o major,minor bm)/queue/scheduler" ;;
	dmc) dm_up bc "$(crypt_table)" ;;
	dmcnq) dm_up bc "$(crypt_table no_read_workqueue no_write_workqueue)" ;;
	*) die "unknown contender $1" ;;
	esac || return 1
	case ${1%-base} in
	sbbpf)
		bpftrace tools/bpftrace/stackblk-lat.bt >/tmp/bt.out 2>&1 &
		AUX=$!
		for _ in $(seq 1200); do grep -q '^Tracing' /tmp/bt.out && break; kill -0 $AUX 2>/dev/null || break; sleep 0.1; done
		grep -q '^Tracing' /tmp/bt.out || { log "bpftrace did not attach: $(tail -n 3 /tmp/bt.out)"; return 1; } ;;
	sbblk)
		blktrace -d "$DEV" -o - >/dev/null 2>/tmp/blk.err &
		AUX=$!
		local k=${DEV#/dev/}
		for _ in $(seq 200); do [ -e /sys/kernel/debug/block/$k/trace0 ] && break; sleep 0.05; done
		[ -e /sys/kernel/debug/block/$k/trace0 ] || { log "blktrace did not start: $(cat /tmp/blk.err)"; return 1; }
		sleep 0.2 ;;
	esac
	return 0
}
contender_down() {
	if [ -n "$AUX" ]; then
		kill -INT "$AUX" 2>/dev/null
		for _ in $(seq 600); do kill -0 "$AUX" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$AUX" 2>/dev/null
		wait "$AUX" 2>/dev/null
		AUX=""
	fi
	case ${1%-base} in
	raw) ;;
	sboff) echo 1 >$COLLECT; sb_down b ;;
	sb|sbc|sbs|sbbpf|sbblk|sbnowbt) sb_down b ;;
	dml) dm_down bl ;;
	dmmp) dm_down bm ;;
	dmc|dmcnq) dm_down bc ;;
	esac
}

# --- workloads -----------------------------------------------------------------
wl_args() {	# workload[@tag] -> fio arguments
	case ${1%@*} in
	rr4k-qd1) echo "--rw=randread --bs=4k --iodepth=1 --numjobs=$NCPU" ;;
	rr4k-qd32) echo "--rw=randread --bs=4k --iodepth=32 --numjobs=$NCPU" ;;
	# 16 I/Os per io_uring_enter()/io_submit(): one plug, ->queue_rqs()
	rr4k-qd32b16) echo "--rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=16 --iodepth_batch_complete_min=1 --numjobs=$NCPU" ;;
	# buffers 512 bytes into a page: not whole 4096-byte crypt sectors
	rr4k-qd32u) echo "--rw=randread --bs=4k --iodepth=32 --iomem_align=512 --numjobs=$NCPU" ;;
	rw4k-qd32) echo "--rw=randwrite --bs=4k --iodepth=32 --numjobs=1" ;;
	rw4k-qd32b16) echo "--rw=randwrite --bs=4k --iodepth=32 --iodepth_batch_submit=16 --iodepth_batch_complete_min=1 --numjobs=1" ;;
	sr128k-qd8) echo "--rw=read --bs=128k --iodepth=8 --numjobs=1" ;;
	sw128k-qd8) echo "--rw=write --bs=128k --iodepth=8 --numjobs=1" ;;
	# a flush after every write (fsync), and O_DSYNC writes (FUA + flush):
	# every stackblk request of these is in a flush sequence
	fw4k-qd1) echo "--rw=randwrite --bs=4k --iodepth=1 --fsync=1 --numjobs=1" ;;
	dw16k-qd1) echo "--rw=write --bs=16k --iodepth=1 --sync=dsync --numjobs=1" ;;
	*) die "unknown workload $1" ;;
	esac
}
# The samples at the ends of a measurement window are bash builtins only:
# under TCG every process started costs a noticeable slice of the window.
# sample STATFILE: BUSY = busy ticks of all CPUs (user nice system irq
# softirq steal), IOS = reads + writes the device completed
BUSY=0 IOS=0
sample() {
	local a
	read -r -a a </proc/stat
	BUSY=$((a[1] + a[2] + a[3] + a[6] + a[7] + a[8]))
	read -r -a a <"$1"
	IOS=$((a[0] + a[4]))
}
# stat_file DEV: its /sys/dev/block/M:m/stat (/dev/mapper/X may be a plain
# node made by mknod, not a link to dm-N)
stat_file() {
	local mm
	mm=$(stat -L -c '%t %T' "$1")
	echo "/sys/dev/block/$((16#${mm% *})):$((16#${mm#* }))/stat"
}

# A kernel oops (e.g. in the module under test) or a task that never
# finishes ends the benchmark at once: nothing measured after it would be
# trustworthy, and the device it hit cannot be torn down.  OUT/crash.txt
# says what happened; the report shows it.
OOPS_RE='BUG:|Oops|general protection fault|kernel BUG|Kernel panic'
OOPS0=$(dmesg | grep -cE "$OOPS_RE")
crashed() {
	[ "$(dmesg | grep -cE "$OOPS_RE")" -gt "$OOPS0" ] || return 0
	{
		echo "kernel oops $1"
		dmesg | awk -v re="$OOPS_RE" '$0 ~ re {p = 1} p' | head -n 80
	} >"$OUT/crash.txt"
	log "KERNEL OOPS $1: stopping (see crash.txt)"
	exit 3
}
# watch_pid PID SECONDS WHAT: wait for PID; a hang or an oops ends everything
watch_pid() {
	local p=$1 end=$((SECONDS + $2))
	while kill -0 "$p" 2>/dev/null; do
		crashed "during $3"
		if [ $SECONDS -ge $end ]; then
			# what each task in D state (and the watched one's
			# children) waits on: the kernel's blocked-task dump
			echo w >/proc/sysrq-trigger 2>/dev/null
			{
				echo "hang: $3 did not finish in $2 s"
				ps -eo pid,ppid,stat,wchan:32,args | awk 'NR == 1 || $3 ~ /D/ || $2 == '"$p"' || $1 == '"$p"
				dmesg | tail -n 150
			} >"$OUT/crash.txt"
			log "HANG: $3 did not finish in $2 s: stopping"
			exit 3
		fi
		sleep 0.5
	done
}

# run_one BACKING WORKLOAD ENGINE CONTENDER REP
run_one() {
	local b=$1 w=$2 e=$3 c=$4 r=$5 rc c0 c1 i0 i1 m0 f sf inside j=/tmp/fio.json t=$SECONDS
	contender_up "$c"
	rc=$?
	if [ $rc -ne 0 ]; then
		[ $rc -eq 2 ] || { log "$c: setup failed on $b"; contender_down "$c" 2>/dev/null; }
		echo "$b,$w,$e,$c,$r,,,,,,"
		return
	fi
	sf=$(stat_file "$DEV")
	# shellcheck disable=SC2046
	fio --name=bench --filename="$DEV" --direct=1 \
		--ioengine="$e" $(wl_args "$w") --time_based --runtime="$((RUNTIME + 3))" \
		--ramp_time="$RAMP" --group_reporting --norandommap --randrepeat=0 --lat_percentiles=1 \
		--output-format=json --output=$j >/tmp/fio.err 2>&1 &
	f=$!
	# The measurement window: RUNTIME seconds of fio's steady state, after
	# its start-up and its ramp.  fio's start-up costs every contender the
	# same CPU and instructions; counted, it would be spread over however
	# many I/Os the run did, and flatten and blur every ratio.
	sample "$sf"
	i0=$IOS
	for _ in $(seq 600); do		# until I/O flows (60 s at most)
		sample "$sf"
		[ "$IOS" != "$i0" ] && break
		kill -0 $f 2>/dev/null || break
		sleep 0.1
	done
	sleep "$RAMP"
	mark
	m0=${SBMARK:+$MARKS}
	sample "$sf"
	c0=$BUSY i0=$IOS
	sleep "$RUNTIME"
	sample "$sf"
	c1=$BUSY i1=$IOS
	mark
	inside=1
	kill -0 $f 2>/dev/null || inside=0
	# after the check: reading /proc/kallsyms takes seconds under TCG
	if [ "$PROFILE" = 1 ]; then
		mkdir -p "$OUT/ksyms"
		awk '$4 ~ /^\[/ && ($2 == "t" || $2 == "T")' /proc/kallsyms >"$OUT/ksyms/$b.$w.$e.$c.$r.txt"
	fi
	watch_pid $f $((RUNTIME + RAMP + 90)) "fio on $c ($b $w $e)"
	wait $f
	rc=$?
	[ $rc -ne 0 ] || [ $inside = 1 ] || { rc=1; echo "fio ended inside the measurement window" >>/tmp/fio.err; }
	contender_down "$c" &
	watch_pid $! 90 "teardown of $c ($b $w $e)"
	crashed "after $c ($b $w $e)"
	if [ $rc -ne 0 ]; then
		log "fio $b/$w/$e/$c exited $rc: $(tail -n 2 /tmp/fio.err)"
		echo "$b,$w,$e,$c,$r,,,,,,"
		return
	fi
	cp $j "$OUT/json/$b.$w.$e.$c.$r.json"
	echo "$b,$w,$e,$c,$r,json/$b.$w.$e.$c.$r.json,$((c1 - c0)),$((i1 - i0)),$HZ,$((SECONDS - t)),$m0"
}

# scenario BACKING WORKLOAD ENGINE CONTENDER...: REPS rounds, round-robin
scenario() {
	local b=$1 w=$2 e=$3 r c l cs=()
	shift 3
	# with a base module, each stackblk contender's twin runs right after it
	for c in "$@"; do
		cs+=("$c")
		[ -z "$KO_BASE" ] || [[ $c != sb* ]] || cs+=("$c-base")
	done
	set -- "${cs[@]}"
	log "scenario $b $w $e: $* x $REPS"
	for r in $(seq "$REPS"); do
		for c in "$@"; do
			run_one "$b" "$w" "$e" "$c" "$r" >/tmp/line
			l=$(cat /tmp/line)
			echo "$l" >>"$CSV"
			echo "#   $l" >&2
		done
	done
}

CRYPT=(sbc dmc dmcnq)
PASS=(raw sb dml)
case $PLAN in
full)	# every backing at QD32 and QD1, io_uring and libaio; crypt; tracing
	for b in null0 null1 nvme; do
		backing_up $b
		# request-based dm-multipath beside them on null_blk irqmode=0
		rq=()
		[ $b = null0 ] && rq=(dmmp)
		scenario $b rr4k-qd32 io_uring "${PASS[@]}" "${rq[@]}" $([ $b = null0 ] && echo sboff)
		scenario $b rr4k-qd1 io_uring "${PASS[@]}" "${rq[@]}"
		scenario $b rr4k-qd32 libaio "${PASS[@]}" "${rq[@]}"
		scenario $b rr4k-qd1 libaio "${PASS[@]}" "${rq[@]}"
		case $b in
		null0)
			scenario null0 rw4k-qd32 io_uring sb dml "${CRYPT[@]}"
			scenario null0 sw128k-qd8 io_uring sb dml "${CRYPT[@]}"
			scenario null0 sr128k-qd8 io_uring sb dml "${CRYPT[@]}"
			scenario null0 rr4k-qd32@trace io_uring sb sbbpf sbblk
			;;
		nvme)
			scenario nvme rr4k-qd32b16 io_uring "${PASS[@]}"
			scenario nvme rw4k-qd32 io_uring "${CRYPT[@]}"
			;;
		esac
		backing_down $b
	done
	;;
quick)
	backing_up null0
	scenario null0 rr4k-qd32 io_uring "${PASS[@]}" sboff
	scenario null0 rw4k-qd32 io_uring "${CRYPT[@]}"
	scenario null0 rr4k-qd32@trace io_uring sb sbbpf sbblk
	backing_down null0
	;;
crypt)	# the crypt goals only (before/after a crypt change)
	backing_up null0
	scenario null0 rw4k-qd32 io_uring "${CRYPT[@]}"
	scenario null0 sw128k-qd8 io_uring "${CRYPT[@]}"
	scenario null0 sr128k-qd8 io_uring "${CRYPT[@]}"
	backing_down null0
	;;
collect)	# instrumentation cost: collect on vs off (use --reps 9 or more)
	backing_up null0
	scenario null0 rr4k-qd32 io_uring sb sboff
	scenario null0 rr4k-qd1 io_uring sb sboff
	backing_down null0
	;;
passthrough)	# the passthrough goals only (before/after a data path change)
	backing_up null0
	scenario null0 rr4k-qd32 io_uring "${PASS[@]}"
	scenario null0 rr4k-qd1 io_uring "${PASS[@]}"
	backing_down null0
	;;
split)	# the split stage beside passthrough and dm-linear (a split step)
	backing_up null0
	scenario null0 rr4k-qd32 io_uring sb sbs dml
	scenario null0 sw128k-qd8 io_uring sb sbs dml
	scenario null0 sr128k-qd8 io_uring sb sbs dml
	backing_down null0
	;;
stackers)	# stackblk beside both kinds of in-tree stacking: bio-based
	# dm-linear and request-based dm-multipath.  dm-rq does not take
	# REQ_NOWAIT, so io_uring hands its I/O to io-wq workers; libaio
	# shows the request-based path without that hop
	backing_up null0
	scenario null0 rr4k-qd32 io_uring "${PASS[@]}" dmmp
	scenario null0 rr4k-qd32 libaio "${PASS[@]}" dmmp
	scenario null0 rr4k-qd1 libaio "${PASS[@]}" dmmp
	backing_down null0
	;;
wbt)	# writeback throttling on stackblk's queue: on (default) and off
	backing_up null0
	scenario null0 rr4k-qd32 io_uring "${PASS[@]}" sbnowbt
	scenario null0 rr4k-qd1 io_uring "${PASS[@]}" sbnowbt
	scenario null0 rw4k-qd32 io_uring sb sbnowbt dml
	backing_down null0
	;;
batch)	# submission batches (->queue_rqs()): the NVMe backing and null_blk
	for b in nvme null0; do
		backing_up $b
		scenario $b rr4k-qd32b16 io_uring "${PASS[@]}"
		scenario $b rr4k-qd32 io_uring "${PASS[@]}"
		backing_down $b
	done
	;;
nvmecrypt)	# crypt on the NVMe backing, one I/O per io_uring_enter() (fio's
	# default) and 16: where dm-crypt's write thread submits in batches
	backing_up nvme
	scenario nvme rw4k-qd32 io_uring "${CRYPT[@]}"
	scenario nvme rw4k-qd32b16 io_uring "${CRYPT[@]}"
	backing_down nvme
	;;
cryptbounce)	# crypt reads whose buffers do not hold whole crypt sectors
	# (bounced) beside aligned ones (direct); dm-crypt refuses the former
	backing_up null0
	scenario null0 rr4k-qd32u io_uring sbc
	scenario null0 rr4k-qd32 io_uring sbc
	backing_down null0
	;;
flush)	# flush sequences (fsync, O_DSYNC) on the NVMe backing: null_blk
	# has no volatile write cache, so the block layer drops its flushes
	backing_up nvme
	scenario nvme fw4k-qd1 io_uring "${PASS[@]}"
	scenario nvme dw16k-qd1 psync "${PASS[@]}"
	backing_down nvme
	;;
peers)	# harness check without stackblk: the peers only
	backing_up null0
	scenario null0 rr4k-qd32 io_uring raw dml
	scenario null0 rw4k-qd32 io_uring dmc dmcnq
	backing_down null0
	;;
*) die "unknown BENCH_PLAN=$PLAN" ;;
esac
rmmod stackblk
# the cipher driver stackblk's crypt stage ran (it says so at power-on)
echo "sb_cipher=$(dmesg | sed -n 's/.*: cipher //p' | sort -u | tr '\n' ' ')" >>"$OUT/meta.txt"
log "done"
dmesg | grep -E 'WARNING|BUG|Oops|Call Trace' | head -n 5 >"$OUT/dmesg-bad.txt"
exit 0
