# A stackblk on a stackblk: stackblk L on the backing, stackblk U on
# /dev/stackblkL, then on a dm-linear device over /dev/stackblkL.  U's flush
# requests end once L's bios have completed, and L's inside its backing's
# flush completion, with L's flush queue lock held: if U ended them there,
# blk-mq would take U's flush queue lock under L's, two locks of one
# lockdep class, which lockdep reports as possible recursive locking (and
# then turns itself off for the rest of the boot).  A dm or md device in
# between changes nothing of that.  So on a kernel with lockdep stackblk
# ends a flush or FUA request that blk-mq ends through ->end_io outside
# the backing's completion (module/backing.c).
# fio with an fsync after every write (255 fsyncs: none after the last)
# and with O_DSYNC writes (a FUA write and a flush each, 64), data
# verified, through both: U receives 319 flushes and sends as many, L
# receives exactly those and the backing sees them; lockdep stays on and
# dmesg clean (debug kernel).  Then L is powered off while U holds it
# open: U's I/O fails; L powered on again and U stacked on it again
# passes a verified fio.
[ "$(rd "/sys/block/$SB_BK/queue/write_cache")" = "write back" ] ||
	skip "$SB_BK has no volatile write cache: the block layer drops flushes"
lockdep0=
[ -r /proc/lockdep_stats ] && lockdep0=$(awk '/debug_locks:/ {print $2}' /proc/lockdep_stats)
[ "$lockdep0" != 0 ] || info "lockdep was off before this case: it cannot check the flush queue locks"
[ "$lockdep0" = 0 ] && lockdep0=

# flushes_through WHAT: fsync and O_DSYNC fio through upper (stackblk$UI)
# to lower (stackblk$LI); every flush counted at each level
flushes_through() {
	local fl0 fu0 pu0 fb0 fl1 fu1 pu1 fb1 lockdep1 wc
	wc=$(rd "/sys/block/stackblk$UI/queue/write_cache")
	[ "$wc" = "write back" ] || fail "$1: stackblk$UI's queue/write_cache is '$wc'"
	fl0=$(sb_stat "$LI" logical_flush_ios)
	fu0=$(sb_stat "$UI" logical_flush_ios)
	pu0=$(sb_stat "$UI" physical_flush_ios)
	fb0=$(bk_stat 16)
	sb_fio "fsync-$1" 300 --filename="/dev/stackblk$UI" --ioengine=libaio \
		--rw=randwrite --bs=4k --size=1M --offset=64M --fsync=1 --iodepth=1 \
		--verify=crc32c
	sb_fio "dsync-$1" 300 --filename="/dev/stackblk$UI" --ioengine=psync \
		--rw=write --bs=16k --size=1M --offset=128M --sync=dsync --verify=crc32c
	fl1=$(($(sb_stat "$LI" logical_flush_ios) - fl0))
	fu1=$(($(sb_stat "$UI" logical_flush_ios) - fu0))
	pu1=$(($(sb_stat "$UI" physical_flush_ios) - pu0))
	fb1=$(($(bk_stat 16) - fb0))
	info "$1: flushes: upper logical $fu1, physical $pu1; lower logical $fl1; backing $fb1"
	# (more than 319 if the backing had no FUA: the flush machinery adds some)
	[ "$fu1" -ge 319 ] || fail "$1: 255 fsyncs and 64 O_DSYNC writes, upper logical_flush_ios +$fu1"
	[ "$pu1" -eq "$fu1" ] || fail "$1: upper: $fu1 flushes received, $pu1 sent"
	[ "$fl1" -eq "$pu1" ] || fail "$1: lower received $fl1 flushes, the upper sent $pu1"
	[ "$fb1" -eq "$fl1" ] || fail "$1: the backing saw $fb1 flushes, the lower received $fl1"
	if [ -n "$lockdep0" ]; then
		lockdep1=$(awk '/debug_locks:/ {print $2}' /proc/lockdep_stats)
		[ "$lockdep1" = 1 ] || fail "$1: lockdep turned itself off (debug_locks $lockdep0 -> $lockdep1)"
	fi
}

sb_load
sb_create lower
LI=$SB_IDX
sb_create upper backing="/dev/stackblk$LI"
UI=$SB_IDX
flushes_through direct

# L goes while U holds it open: U's I/O fails; then both again
sb_set lower power 0
dd if="/dev/stackblk$UI" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
	fail "a read from stackblk$UI succeeded after stackblk$LI, its backing, was powered off"
sb_set upper power 0
sb_set lower power 1
LI=$(rd "$SB_CFS/lower/index")
must_wait 20 "/dev/stackblk$LI" sb_dev_ready "$LI"
sb_set upper backing "/dev/stackblk$LI"
sb_set upper power 1
UI=$(rd "$SB_CFS/upper/index")
must_wait 20 "/dev/stackblk$UI" sb_dev_ready "$UI"
sb_fio again 300 --filename="/dev/stackblk$UI" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=1M --offset=64M --fsync=16 --iodepth=4 --verify=crc32c

# U on a dm-linear device on L
if ! command -v dmsetup >/dev/null; then
	info "dmsetup not installed: no dm-linear between them"
	sb_destroy upper
	sb_destroy lower
	sb_unload
	exit 0
fi
sb_set upper power 0
dm_create sbmid "0 $(blockdev --getsz "/dev/stackblk$LI") linear /dev/stackblk$LI 0"
sb_set upper backing /dev/mapper/sbmid
sb_set upper power 1
UI=$(rd "$SB_CFS/upper/index")
must_wait 20 "/dev/stackblk$UI" sb_dev_ready "$UI"
flushes_through dm-between
sb_destroy upper
dm_remove sbmid
sb_destroy lower
sb_unload
