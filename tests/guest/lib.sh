# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/guest/lib.sh - helpers for the guest test cases (sourced, bash).
#
# A case is a bash script in tests/guest/cases/, run by suite.sh in its own
# process with this file sourced first and cwd = the repository root.  It
# ends with exit 0 (PASS), `fail "reason"` or `skip "reason"`.  Never sleep
# and hope: poll with wait_until/must_wait and a bounded timeout.

# Sourcing this file runs no program: under TCG every fork+exec costs tens
# of milliseconds (hundreds on the debug kernel), and some cases source it
# once per probe.
read -r SB_KVER </proc/sys/kernel/osrelease
SB_REPO=${SB_REPO:-$PWD}
SB_KO=${STACKBLK_KO:-$SB_REPO/build/$SB_KVER/stackblk.ko}
SB_CFS=/sys/kernel/config/stackblk
SB_BACKING=${STACKBLK_BACKING:-/dev/nvme0n1}
SB_BK=${SB_BACKING##*/}
# online CPUs (what nproc prints here) from a cpulist like "0,2-3"
read -r _p </sys/devices/system/cpu/online
SB_NCPU=0
IFS=, read -ra _r <<<"$_p"
for _x in "${_r[@]}"; do
	SB_NCPU=$((SB_NCPU + ${_x#*-} - ${_x%-*} + 1))
done
read -r _p </sys/devices/system/cpu/possible
SB_NR_CPU_IDS=$((${_p##*[-,]} + 1))
unset _p _r _x
SB_REASON=${SB_REASON:-/tmp/stackblk-reason.$$}
SB_ART=${SB_ART:-/tmp/stackblk-art.$$}
[ -d "$SB_ART" ] || mkdir -p "$SB_ART"

# Tier (tests/README.md): `make check` runs every case once with these
# lighter parameters (SB_TIER=check); `make check-full` with the full ones.
# Each knob can still be set on its own.
SB_TIER=${SB_TIER:-full}
if [ "$SB_TIER" = check ]; then
	: "${SB_FIO_REGION:=4}"		# MiB per fio job region (05, 06; full: 16)
	: "${SB_STAGE_MB:=1}"		# stage matrix: MiB random, MiB/4 seq 512 B, MiB seq odd (full: 4)
	: "${SB_LOOP_CREATE:=10}"	# 73: create/remove cycles (full: 100)
	: "${SB_LOOP_INSMOD:=5}"	# 73: insmod/rmmod cycles (full: 50)
	: "${SB_RACE_KB:=128}"		# 55: KiB per racing job (full: 2048)
	: "${SB_CRYPT_IVS:=alt}"	# 56, 57: one IV kind per subset, both kinds in all (full: "0 1")
	: "${SB_PARITY_MB:=6}"		# 68: MiB per fio job (full: 16)
fi
# 68: the stage subsets with parity, as stages:members:chunk[:failed member]
# (check: two, and one degraded)
if [ "$SB_TIER" = full ]; then
	: "${SB_PARITY_SUBSETS:=parity:3:4096 merge,parity:5:16384 split,parity:4:65536 crypt,parity:5:16384 merge,split,parity:16:4096 merge,crypt,parity:3:65536 split,crypt,parity:5:16384 merge,split,crypt,parity:16:1048576 parity:3:4096:0 merge,split,crypt,parity:5:16384:4 crypt,parity:16:65536:9}"
fi

# Lines that must never show up in dmesg.
SB_BAD_RE='WARNING|(^|[^A-Za-z_])BUG([^A-Za-z_]|$)|lockdep|KASAN|UBSAN|kmemleak|ODEBUG|sleeping function called|Oops|general protection|INFO: task .* blocked|possible circular|hung_task|Call Trace|list_(add|del) corruption|refcount_t:'

# --- outcome -------------------------------------------------------------
fail() {
	printf '%s\n' "$*" >"$SB_REASON"
	echo "FAIL: $*" >&2
	exit 1
}
skip() {
	printf '%s\n' "$*" >"$SB_REASON"
	echo "SKIP: $*" >&2
	exit 77
}
info() { echo "# [${SECONDS}s] $*" >&2; }
# run CMD...: show it, run it, fail if it fails
run() {
	echo "+ [${SECONDS}s] $*" >&2
	"$@" || fail "command failed (exit $?): $*"
}

# --- polling -------------------------------------------------------------
# sb_sleep SECONDS: sleep without a fork+exec (a read that times out on a
# pipe nobody writes to); under TCG an exec costs tens of milliseconds.
exec {SB_SLEEP_FD}<> <(:)
sb_sleep() { read -r -t "$1" -u "$SB_SLEEP_FD" _ || :; }
# wait_until SECONDS CMD...: poll CMD every 0.1 s; 0 once it succeeds,
# 1 after SECONDS.
wait_until() {
	local t=$1 end
	shift
	end=$((${EPOCHREALTIME/./} + t * 1000000))
	while :; do
		"$@" 2>/dev/null && return 0
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sb_sleep 0.1
	done
}
# must_wait SECONDS "what" CMD...: wait_until or fail
must_wait() {
	local t=$1 what=$2
	shift 2
	wait_until "$t" "$@" || fail "timeout (${t}s) waiting for $what"
}
# pid_gone PID: true once PID has exited (reaped or zombie-free)
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# bt_stop PID WHAT: end a bpftrace run as a user does, with Ctrl-C
# (SIGINT), and wait for it to print its maps and exit.  bpftrace 0.17
# (Debian 12) loses a SIGINT that lands outside its epoll_wait(): the
# handler sets exitsig_recv, but poll_perf_events() only looks at it when
# epoll_wait() fails with EINTR, and with no events left it then waits in
# 100 ms timeouts for ever (seen once, in case 33 of a make check-full on
# a loaded host).  So the SIGINT is sent again every 5 s, as a user
# presses Ctrl-C again; bounded by 300 s in all.
bt_stop() {
	local pid=$1 what=$2 i
	for i in $(seq 60); do
		kill -INT "$pid" 2>/dev/null || return 0
		wait_until 5 pid_gone "$pid" && return 0
		info "$what: still running 5 s after SIGINT $i, sending another"
	done
	fail "timeout (300s) waiting for $what to exit"
}

# --- precise errno of a write ---------------------------------------------
# wr FILE VALUE: write VALUE+"\n" with one write(2), like `echo VALUE > FILE`;
# prints OK or the errno name (ENOENT, EINVAL, ...) of open(2) or write(2),
# mapped back from bash's strerror text (no fork+exec: fast under TCG).
wr() {
	local msg
	msg=$( { printf '%s\n' "$2" >"$1"; } 2>&1) && { echo OK; return; }
	case ${msg##*: } in
	"Invalid argument") echo EINVAL ;;
	"Device or resource busy") echo EBUSY ;;
	"No such file or directory") echo ENOENT ;;
	"Block device required") echo ENOTBLK ;;
	"File exists") echo EEXIST ;;
	"Permission denied") echo EACCES ;;
	"Operation not permitted") echo EPERM ;;
	"No such device") echo ENODEV ;;
	"No such device or address") echo ENXIO ;;
	"Numerical result out of range") echo ERANGE ;;
	"Cannot allocate memory") echo ENOMEM ;;
	"Operation not supported") echo EOPNOTSUPP ;;
	"Input/output error") echo EIO ;;
	"No space left on device") echo ENOSPC ;;
	"Not a directory") echo ENOTDIR ;;
	"Is a directory") echo EISDIR ;;
	"Read-only file system") echo EROFS ;;
	"File name too long") echo ENAMETOOLONG ;;
	*) echo "ERR(${msg##*: })" ;;
	esac
}
# expect_wr ERRNO|OK FILE VALUE
expect_wr() {
	local want=$1 f=$2 v=$3 got
	got=$(wr "$f" "$v")
	info "write '$v' > $f: $got"
	[ "$got" = "$want" ] || fail "write '$v' > ${f#$SB_CFS/}: expected $want, got $got"
}
# rd FILE: contents without trailing newline (empty if unreadable), read
# by bash itself, no cat(1)
rd() {
	local l out=""
	{ while IFS= read -r l; do out+=$l$'\n'; done; out+=$l; } 2>/dev/null <"$1" || :
	printf '%s' "${out%$'\n'}"
}
# expect_rd FILE VALUE
expect_rd() {
	local got
	got=$(rd "$1")
	[ "$got" = "$2" ] || fail "${1#$SB_CFS/} reads '$got', expected '$2'"
}

# --- module ------------------------------------------------------------------
sb_loaded() { [ -d /sys/module/stackblk ]; }
# sb_load [PARAM=VALUE...]: insmod the freshly built module (after its deps)
sb_load() {
	local d
	[ -f "$SB_KO" ] || fail "module not built: ${SB_KO#$SB_REPO/}"
	sb_loaded && fail "stackblk already loaded"
	for d in $(modinfo -F depends "$SB_KO" 2>/dev/null | tr ',' ' '); do
		modprobe "$d" || fail "modprobe $d (dependency of stackblk) failed"
	done
	echo "+ insmod ${SB_KO#$SB_REPO/} $*" >&2
	if ! insmod "$SB_KO" "$@"; then
		dmesg | tail -n 5 | sed 's/^/# dmesg: /' >&2
		ls -la "$SB_KO" >&2
		strace -f insmod "$SB_KO" "$@" 2>&1 | grep -v '^mmap\|^mprotect\|^brk' | tail -n 15 | sed 's/^/# strace: /' >&2
		sb_loaded && rmmod stackblk
		fail "insmod stackblk.ko $* failed: $(dmesg | grep -m1 -i stackblk)"
	fi
	if ! mountpoint -q /sys/kernel/config; then
		mount -t configfs configfs /sys/kernel/config || fail "cannot mount configfs"
	fi
	must_wait 10 "$SB_CFS" test -d "$SB_CFS"
}
sb_unload() {
	echo "+ rmmod stackblk" >&2
	rmmod stackblk || fail "rmmod stackblk failed"
	must_wait 30 "stackblk to unload" eval '! sb_loaded'
}

# --- devices -------------------------------------------------------------------
# sb_disks: the stackblk disks that exist now, sorted (sysfs and /dev)
sb_disks() { (cd /sys/block && ls -d stackblk* 2>/dev/null; ls /dev/stackblk* 2>/dev/null) | sort | tr '\n' ' '; }
sb_dev_ready() { [ -b "/dev/stackblk$1" ] && [ -e "/sys/block/stackblk$1/size" ]; }
sb_dev_gone() { [ ! -e "/dev/stackblk$1" ] && [ ! -e "/sys/block/stackblk$1" ]; }

# sb_set NAME ATTR VALUE: a configfs write that must succeed
sb_set() {
	local r
	r=$(wr "$SB_CFS/$1/$2" "$3")
	echo "+ echo $3 > $1/$2: $r" >&2
	[ "$r" = OK ] || fail "configfs $1: $2=$3 refused with $r"
}
# sb_create NAME [ATTR=VALUE...]: configure (backing=$SB_BACKING unless
# given) and power on; sets SB_IDX and SB_DEV (/dev/stackblkN) and waits for it.
sb_create() {
	local name=$1 a has_backing=0
	shift
	echo "+ mkdir $SB_CFS/$name" >&2
	mkdir "$SB_CFS/$name" || fail "mkdir $SB_CFS/$name failed"
	for a in "$@"; do
		[ "${a%%=*}" = backing ] && has_backing=1
	done
	[ $has_backing -eq 1 ] || set -- "backing=$SB_BACKING" "$@"
	for a in "$@" power=1; do
		sb_set "$name" "${a%%=*}" "${a#*=}"
	done
	SB_IDX=$(rd "$SB_CFS/$name/index")
	[[ $SB_IDX =~ ^[0-9]+$ ]] || fail "$name/index reads '$SB_IDX' after power=1"
	SB_DEV=/dev/stackblk$SB_IDX
	must_wait 20 "$SB_DEV" sb_dev_ready "$SB_IDX"
	info "$name -> $SB_DEV"
}
# sb_destroy NAME: power off (if on) and rmdir; waits for the disk to vanish
sb_destroy() {
	local name=$1 idx
	idx=$(rd "$SB_CFS/$name/index")
	if [ "$(rd "$SB_CFS/$name/power")" = 1 ]; then
		echo "+ echo 0 > $name/power" >&2
		echo 0 >"$SB_CFS/$name/power" || fail "power=0 on $name failed"
	fi
	echo "+ rmdir $SB_CFS/$name" >&2
	rmdir "$SB_CFS/$name" || fail "rmdir $SB_CFS/$name failed"
	if [[ $idx =~ ^[0-9]+$ ]]; then
		must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"
	fi
}
# sb_cleanup_all: best effort, used by suite.sh between cases
sb_cleanup_all() {
	local d
	# first resume the case's dm devices: I/O parked in a suspended one
	# (sb_hold_batch) would make power=0 below wait for ever
	for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^sb/ {print $1}'); do
		dmsetup resume --noudevsync "$d" 2>/dev/null
	done
	if [ -d "$SB_CFS" ]; then
		for d in "$SB_CFS"/*/; do
			[ -d "$d" ] || continue
			[ "$(rd "$d/power")" = 1 ] && echo 0 >"$d/power"
			rmdir "$d"
		done
	fi
	# what the cases stack under stackblk, or between two (case 36): dm
	# devices "sb*", gone before rmmod (one on a stackblk holds the module)
	for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^sb/ {print $1}'); do
		dmsetup remove --noudevsync "$d" && rm -f "/dev/mapper/$d"
	done
	if sb_loaded; then
		rmmod stackblk || return 1
	fi
	# and null_blk items "sb*"
	for d in /sys/kernel/config/nullb/sb*/; do
		[ -d "$d" ] || continue
		echo 0 >"$d/power"
		rmdir "$d"
	done
	! sb_loaded
}

# --- device-mapper (the guest has no udev) -------------------------------
# dm_create NAME TABLE: dmsetup create, then /dev/mapper/NAME made by hand
dm_create() {
	local name=$1 table=$2
	echo "+ dmsetup create $name: $(echo "$table" | tr '\n' ';')" >&2
	dmsetup create --noudevsync "$name" --table "$table" || fail "dmsetup create $name failed"
	dmsetup mknodes "$name" 2>/dev/null
	if [ ! -b "/dev/mapper/$name" ]; then
		mkdir -p /dev/mapper
		# shellcheck disable=SC2046
		mknod "/dev/mapper/$name" b $(dmsetup info -c --noheadings -o major,minor "$name" | tr ':' ' ')
	fi
	must_wait 10 "/dev/mapper/$name" test -b "/dev/mapper/$name"
}
# dm_remove NAME
dm_remove() { run dmsetup remove --noudevsync "$1"; rm -f "/dev/mapper/$1"; }

# --- a backing that holds I/O: exact queue depths --------------------------
# A suspended dm device queues every bio it is sent until it is resumed, so
# a batch submitted to a stackblk device on top of it stays in flight there
# as a whole, however slow the machine: the depth it reaches is exact, not
# a race between submission and completion (on the debug kernel under TCG
# the first requests of a batch used to complete before the last started).
# sb_hold_create: dm-linear "sbhold" over $SB_BACKING; sets SB_HOLD (the
# stackblk backing to use); dm_remove sbhold when done.
sb_hold_create() {
	dm_create sbhold "0 $(blockdev --getsz "$SB_BACKING") linear $SB_BACKING 0"
	SB_HOLD=/dev/mapper/sbhold
}
# sb_hold_batch IDX N [HELD [CPU]]: on stackblkIDX (backing $SB_HOLD,
# nomerges=2), N 4 KiB random reads submitted at once from CPU 0, so one
# hardware context; waits until HELD (default N: fewer if the queue is
# shallower) are in flight in stackblk, then resumes the backing (from CPU:
# dm resubmits what it held from a work item on the resuming CPU, so the
# backing completes them there) and checks that fio read all N.
# Never leaves sbhold suspended: I/O parked there would make the teardown
# after the case block for good.  The poll (30 s: well inside the cases'
# limits, so the case itself resumes) also ends if fio exits first.
sb_hold_batch() {
	local idx=$1 n=$2 held=${3:-$2} rcpu=${4:-} fpid r=0 got p0
	p0=$(sb_stat "$idx" physical_read_ios)
	dmsetup suspend --noudevsync --nolockfs sbhold || fail "dmsetup suspend sbhold failed"
	trap 'dmsetup resume --noudevsync sbhold' EXIT
	timeout -k 10 300 fio --name=hold --filename="/dev/stackblk$idx" --direct=1 \
		--ioengine=libaio --rw=randread --bs=4k --size=32M --iodepth="$n" \
		--iodepth_batch_submit="$n" --number_ios="$n" --cpus_allowed=0 \
		--output-format=json >"$SB_ART/hold.json" 2>"$SB_ART/hold.err" &
	fpid=$!
	# in flight in stackblk, and each one's bio sent on to dm (counted
	# just before submit_bio_noacct(), which parks it in dm there and then)
	wait_until 30 eval '! kill -0 $fpid || { [ "$(sb_stat "$idx" inflight)" -ge "$held" ] &&
		[ $(($(sb_stat "$idx" physical_read_ios) - p0)) -ge "$held" ]; }'
	got=$(sb_stat "$idx" inflight)
	${rcpu:+taskset -c "$rcpu"} dmsetup resume --noudevsync sbhold ||
		fail "dmsetup resume sbhold${rcpu:+ on CPU $rcpu} failed"
	trap - EXIT
	[ "$got" = "$held" ] || r=1
	wait "$fpid" || fail "fio hold exited $?: $(head -c 300 "$SB_ART/hold.err")"
	[ $r = 0 ] || fail "$n reads submitted at once: $got in flight, not $held"
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))["jobs"][0]["read"]
n = int(sys.argv[2])
assert j["total_ios"] == n and j["io_kbytes"] == 4 * n, (j["total_ios"], j["io_kbytes"])' \
		"$SB_ART/hold.json" "$n" || fail "fio hold did not read $n blocks"
	info "stackblk$idx: $held of $n requests held in flight at once"
}

# sb_counter_names: the counter and gauge names of the stats header, in order
sb_counter_names() {
	if [ -f "$SB_REPO/include/stackblk_counters.h" ]; then
		sed -n 's/^SB_\(COUNTER\|GAUGE\)(\([a-z_0-9]*\),.*/\2/p' "$SB_REPO/include/stackblk_counters.h"
	else
		sed -n 's/^[[:space:]]*X(\([a-z_0-9]*\),.*/\1/p' "$SB_REPO/include/stackblk_stats.h"
	fi
}
# sb_stat N COUNTER: /sys/block/stackblkN/stackblk/stats/COUNTER
sb_stat() { rd "/sys/block/stackblk$1/stackblk/stats/$2"; }
# sb_expect N COUNTER=VALUE...: each counter of stackblkN has exactly VALUE
sb_expect() {
	local n=$1 a v
	shift
	for a in "$@"; do
		v=$(sb_stat "$n" "${a%%=*}")
		[ "$v" = "${a#*=}" ] || fail "stackblk$n: ${a%%=*} = $v, expected ${a#*=}"
	done
	info "stackblk$n: $*"
}
# bk_stat FIELD: field of /sys/block/<backing>/stat (1-based, see
# Documentation/block/stat.rst: 1 read ios, 5 write ios, 7 write ticks,
# 12 discard ios, 14 discard sectors, 16 flush ios)
bk_stat() { awk -v f="$1" '{print $f}' "/sys/block/$SB_BK/stat"; }

# --- null_blk ------------------------------------------------------------------
# nullb_create NAME ATTR=VALUE...: a null_blk device made through its configfs
# (modprobe null_blk nr_devices=0 first) and powered on; waits for /dev/NAME.
# Name it sb*: sb_cleanup_all removes those a failed case leaves.
nullb_create() {
	local name=$1 a
	shift
	run mkdir "/sys/kernel/config/nullb/$name"
	for a in "$@" power=1; do
		echo "${a#*=}" >"/sys/kernel/config/nullb/$name/${a%%=*}" ||
			fail "null_blk $name: $a refused"
	done
	must_wait 20 "/dev/$name" test -b "/dev/$name"
}

# --- data helpers --------------------------------------------------------------
# read_range DEV OFFSET_MIB LEN_MIB OUT: O_DIRECT read of a range into a file
read_range() {
	dd if="$1" of="$4" bs=1M skip="$2" count="$3" iflag=direct status=none ||
		fail "dd read from $1 failed"
}
# is_zero FILE: the file holds only zero bytes
is_zero() { cmp -s -n "$(stat -c %s "$1")" "$1" /dev/zero; }

# --- fio -------------------------------------------------------------------------
# sb_fio NAME TIMEOUT ARGS...: run fio (direct=1) with ARGS; fail on a non-zero
# exit, an error in any job, a verify failure or a timeout.  Output in
# $SB_ART/NAME.fio.
sb_fio() {
	local name=$1 tmo=$2 out r
	shift 2
	out=$SB_ART/$name.fio
	echo "+ fio --name=$name $*" >&2
	r=0
	(cd "$SB_ART" && exec timeout -k 10 "$tmo" fio --name="$name" --direct=1 --group_reporting \
		--exitall_on_error "$@") >"$out" 2>&1 || r=$?
	grep -E '^ *(read|write|trim) *:|^ *READ:|^ *WRITE:' "$out" | sed 's/^ */#   /' >&2
	[ $r -ne 124 ] || fail "fio $name timed out after ${tmo}s"
	if grep -Eqi 'verify.*(fail|bad)|bad magic|mismatch' "$out"; then
		fail "fio $name: verify error: $(grep -Ei -m1 'verify.*(fail|bad)|bad magic|mismatch' "$out")"
	fi
	if grep -Eq 'err= *[1-9]' "$out"; then
		fail "fio $name: I/O error: $(grep -E -m1 'err= *[1-9]|error' "$out")"
	fi
	[ $r -eq 0 ] || fail "fio $name exited $r: $(grep -Ei -m1 'error|fail' "$out")"
}

# sb_fio_integrity_case ENGINE: cases 05 and 06: sb_fio_integrity on a
# passthrough device, then no error counted and the writes counted.
sb_fio_integrity_case() {
	local e
	sb_load
	sb_create d
	sb_fio_integrity "$1" "$SB_DEV"
	e=$(sb_stat "$SB_IDX" errors)
	[ "$e" = 0 ] || fail "stats/errors = $e after error-free fio runs"
	[ "$(sb_stat "$SB_IDX" logical_write_ios)" -gt 0 ] || fail "stats/logical_write_ios stays 0"
	sb_destroy d
	sb_unload
}

# sb_teardown_under_io WHAT CMD...: tear device "d" down with CMD while fio
# runs on it and another process merely holds it open.  CMD returns within
# a bounded time, fio ends (errors or success) within a bounded time, no
# oops or hang, the disk is gone, the backing is released and can be
# stacked again (verified data).  Cases 14 (rmdir) and 15 (power=0).
sb_teardown_under_io() {
	local what=$1 idx tpid n0
	shift
	sb_load
	sb_create d
	idx=$SB_IDX
	exec 3<"$SB_DEV"			# an idle opener too
	fio --name=busy --filename="$SB_DEV" --direct=1 --ioengine=libaio --rw=randrw \
		--bs=4k --iodepth=32 --numjobs=2 --time_based --runtime=600 \
		--size=256M >"$SB_ART/busy.fio" 2>&1 &
	fpid=$!	# global: the EXIT trap may run after a fail here
	trap 'kill -KILL $fpid 2>/dev/null' EXIT
	n0=$(sb_stat $idx logical_write_ios)
	must_wait 120 "fio to get going" eval '[ "$(sb_stat $idx logical_write_ios)" -gt $((n0 + 200)) ]'
	info "$what while fio runs"
	( "$@" ) 2>"$SB_ART/teardown.err" &
	tpid=$!
	wait_until 60 pid_gone $tpid || fail "$what did not return within 60 s with fio running"
	wait $tpid || fail "$what failed while fio ran: $(cat "$SB_ART/teardown.err")"
	wait_until 60 pid_gone $fpid || fail "fio still running 60 s after $what (hung I/O?)"
	wait $fpid
	info "fio exit $? after $what: $(grep -m1 -E 'err=|error' "$SB_ART/busy.fio")"
	trap - EXIT
	must_wait 20 "stackblk$idx to disappear" sb_dev_gone $idx
	dd if=/dev/fd/3 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
		info "note: read from the stale fd succeeded"
	exec 3<&-
	must_wait 20 "$SB_BACKING to be released" eval '[ "$(excl_open "$SB_BACKING")" = OK ]'
	# A process is stuck if it stays in D state: short D sleeps (a binary
	# paged in over 9p under load) are not.  Poll until none is left.
	no_d_state() { ! ps -eo stat | grep -q '^D'; }
	wait_until 60 no_d_state ||
		fail "processes stuck in D state after $what: $(ps -eo stat,pid,comm | awk '$1 ~ /^D/' | tr '\n' ' ')"
	[ -d "$SB_CFS/d" ] || mkdir "$SB_CFS/d"
	[ "$(rd "$SB_CFS/d/backing")" = "$SB_BACKING" ] || expect_wr OK "$SB_CFS/d/backing" "$SB_BACKING"
	expect_wr OK "$SB_CFS/d/power" 1
	idx=$(rd "$SB_CFS/d/index")
	must_wait 20 "/dev/stackblk$idx again" sb_dev_ready "$idx"
	sb_fio again 300 --filename="/dev/stackblk$idx" --ioengine=libaio --rw=randwrite --bs=4k \
		--size=4M --iodepth=8 --verify=crc32c
	sb_destroy d
	sb_unload
}

# dmesg_clean [WHAT]: fail on any kernel warning, BUG, lockdep report...
dmesg_clean() {
	local l
	l=$(dmesg | grep -E -m1 "$SB_BAD_RE") || return 0
	fail "dmesg${1:+ ($1)}: $l"
}

# excl_open PATH: try an exclusive open (O_EXCL on a block device = claim
# it, like mount does); prints OK or the errno name.
excl_open() {
	python3 - "$1" <<'PY'
import errno, os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL))
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}
# mount_errno DEV DIR FSTYPE: mount(2) directly; prints OK or the errno name
mount_errno() {
	python3 - "$1" "$2" "$3" <<'PY'
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.mount(sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3].encode(), 0, None)
print("OK" if r == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
PY
}
# dev_t DEV: kernel-internal dev_t (major << 20 | minor) as in block: tracepoints
dev_t() {
	local mm
	mm=$(cat "/sys/class/block/$(basename "$1")/dev")
	echo $(((${mm%%:*} << 20) | ${mm##*:}))
}

# sb_fio_integrity ENGINE DEV: the data-integrity matrix (write + verify with
# crc32c): sequential and random, 512 B .. 1 MiB incl. sizes that are not
# powers of two, iodepth 1 .. 128, numjobs = vCPUs each on its own region.
# Every job region is REGION MiB; the matrix uses ~4 x nproc x REGION MiB.
sb_fio_integrity() {
	local eng=$1 dev=$2 n=$SB_NCPU r=${SB_FIO_REGION:-16}
	# size < offset_increment: a job's last block may run past its size
	# (bs not dividing it), it must not reach into the next job's region.
	local common=(--filename="$dev" --ioengine="$eng" --numjobs="$n"
		--size="$((r - 2))M" --offset_increment="${r}M" --verify=crc32c
		--do_verify=1 --verify_fatal=1 --verify_dump=1)
	local base=0
	# sequential, 1 MiB and 128 KiB + 512 B, deep-ish
	sb_fio "$eng-seq-1m" 600 "${common[@]}" --offset=$((base))M \
		--rw=write --bs=1M --iodepth=8
	base=$((base + n * r))
	sb_fio "$eng-seq-odd" 600 "${common[@]}" --offset=$((base))M \
		--rw=write --bs=$((128 * 1024 + 512)) --iodepth=4
	base=$((base + n * r))
	# random, mixed sizes incl. 1536, 3584, 12k+512, iodepth 32, reads
	# interleaved with the writes (verify_backlog)
	sb_fio "$eng-rand-bssplit" 600 "${common[@]}" --offset=$((base))M \
		--rw=randwrite --bssplit=512/10:1536/10:3584/15:4k/20:12800/15:64k/20:1m/10 \
		--iodepth=32 --verify_backlog=64
	base=$((base + n * r))
	# random, any multiple of 512 B up to 1 MiB, queue depth 1
	sb_fio "$eng-rand-qd1" 600 "${common[@]}" --offset=$((base))M --size=$((r / 4))M \
		--rw=randwrite --bsrange=512-1M --iodepth=1
	base=$((base + n * r))
	# random 4k..64k at iodepth 128 with batched submission/completion
	sb_fio "$eng-rand-qd128" 600 "${common[@]}" --offset=$((base))M \
		--rw=randwrite --bsrange=4k-64k --iodepth=128 \
		--iodepth_batch_submit=16 --iodepth_batch_complete_min=1
	# a second pass over a region: random reads of what the first wrote
	sb_fio "$eng-reread" 600 "${common[@]}" --offset=$((base))M \
		--rw=randwrite --bsrange=4k-64k --verify_only --iodepth=16
}

# --- stages ----------------------------------------------------------------
SB_MATRIX_N=0
# sb_stage_matrix NAME ATTR=VALUE...: the stage integrity matrix on one
# device: fio write + verify (crc32c), libaio and io_uring, random mixed
# sizes (512 B .. 128 KiB, unaligned to boundaries and crypt sectors) at
# QD64 in batches of 16, sequential 512 B, sequential 100.5 KiB.  Each call
# uses its own region ($SB_MATRIX_N).  Fails on errors != 0, on split on
# with split_ios = 0, and on merge on with merged_ios = 0.
sb_stage_matrix() {
	local name=$1 eng base e st MB=${SB_STAGE_MB:-4}
	shift
	sb_create "$name" "$@"
	st=",$(rd "/sys/block/stackblk$SB_IDX/stackblk/stages"),"
	# the block layer's own merging would leave the merge stage nothing
	[[ $st = *,merge,* ]] && echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
	base=$(((SB_MATRIX_N % 8) * 64 + 3))
	for eng in libaio io_uring; do
		# random, mixed sizes incl. 512, 1536, 3584, 12800, 65536+512, qd 64
		sb_fio "$name-$eng-rand" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=${base}M --size=${MB}M --rw=randwrite \
			--bssplit=512/20:1536/10:3584/15:4k/20:12800/15:66048/10:128k/10 \
			--iodepth=64 --iodepth_batch_submit=16 --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_backlog=32
		# sequential 512 B at an odd offset, then sequential 100 KiB + 512
		[ $eng = libaio ] && sb_fio "$name-$eng-seq512" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=$((base * 1048576 + 8 * 1048576 + 1536)) --size=$((MB * 256))k --rw=write \
			--bs=512 --iodepth=32 --iodepth_batch_submit=32 --verify=crc32c \
			--do_verify=1 --verify_fatal=1
		sb_fio "$name-$eng-seqodd" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=$((base * 1048576 + 10 * 1048576 + 512)) --size=${MB}M --rw=write \
			--bs=$((100 * 1024 + 512)) --iodepth=8 --verify=crc32c \
			--do_verify=1 --verify_fatal=1
	done
	e=$(sb_stat "$SB_IDX" errors)
	[ "$e" = 0 ] || fail "$name: stats/errors = $e"
	info "$name: split_ios=$(sb_stat "$SB_IDX" split_ios) merged_ios=$(sb_stat "$SB_IDX" merged_ios) rmw_ios=$(sb_stat "$SB_IDX" rmw_ios)"
	if [[ $st = *,split,* ]] && [ "$(sb_stat "$SB_IDX" split_ios)" = 0 ]; then
		fail "$name: split on but split_ios = 0"
	fi
	if [[ $st = *,merge,* ]] && [ "$(sb_stat "$SB_IDX" merged_ios)" = 0 ]; then
		fail "$name: merge on but merged_ios = 0"
	fi
	sb_destroy "$name"
	SB_MATRIX_N=$((SB_MATRIX_N + 1))
}
# sb_crypt_matrix CS: sb_stage_matrix for every stage subset with crypt,
# crypt_sector_size CS, each with iv_large_sectors 0 and 1 (SB_CRYPT_IVS;
# "alt": 0 and 1 by turns, so each subset runs once and each IV kind twice)
sb_crypt_matrix() {
	local cs=$1 st iv
	local key=fedcba98765432100123456789abcdeffedcba98765432100123456789abcdef00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
	modprobe xts 2>/dev/null
	modprobe aesni_intel 2>/dev/null
	local n=0 ivs
	for st in crypt split,crypt merge,crypt merge,split,crypt; do
		ivs=${SB_CRYPT_IVS:-0 1}
		[ "$ivs" = alt ] && ivs=$((n++ % 2))
		for iv in $ivs; do
			sb_stage_matrix "c${st//,/-}-$cs-$iv" stages="$st" split_boundary=65536 \
				merge_max_bytes=262144 crypt_sector_size="$cs" crypt_iv_large_sectors=$iv \
				crypt_key=$key
		done
	done
}
