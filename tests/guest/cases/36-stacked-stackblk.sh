# A stackblk on a stackblk: stackblk L on the backing, stackblk U on
# /dev/stackblkL.  U's flush request completes inside L's flush
# completion, with L's flush queue lock held, and blk-mq then takes U's:
# two locks of one lockdep class if every stackblk device shared one,
# which lockdep reports as possible recursive locking (and then turns
# itself off for the rest of the boot).  Each stacking depth has a class
# of its own (not across a dm or md device in between: module/mq.c).
# fio with an fsync after every write (255 fsyncs: none after the last)
# and with O_DSYNC writes (a FUA write and a flush each, 64), data
# verified, through both: U receives 319 flushes and sends as many, L
# receives exactly those and the backing sees them; lockdep stays on and
# dmesg clean (debug kernel).  Then L is powered off while U holds it
# open: U's I/O fails; L powered on again and U stacked on it again
# (its depth read anew) passes a verified fio.
[ "$(rd "/sys/block/$SB_BK/queue/write_cache")" = "write back" ] ||
	skip "$SB_BK has no volatile write cache: the block layer drops flushes"
# set_attr NAME ATTR VALUE: a configfs write that must succeed
set_attr() {
	local r
	r=$(wr "$SB_CFS/$1/$2" "$3")
	echo "+ echo $3 > $1/$2: $r" >&2
	[ "$r" = OK ] || fail "configfs $1: $2=$3 refused with $r"
}
lockdep0=
[ -r /proc/lockdep_stats ] && lockdep0=$(awk '/debug_locks:/ {print $2}' /proc/lockdep_stats)
[ "$lockdep0" != 0 ] || info "lockdep was off before this case: it cannot check the lock classes"
[ "$lockdep0" = 0 ] && lockdep0=
sb_load
sb_create lower
LI=$SB_IDX
sb_create upper backing="/dev/stackblk$LI"
UI=$SB_IDX
wc=$(rd "/sys/block/stackblk$UI/queue/write_cache")
[ "$wc" = "write back" ] || fail "stackblk$UI on stackblk$LI: queue/write_cache is '$wc'"
fl0=$(sb_stat "$LI" logical_flush_ios)
fu0=$(sb_stat "$UI" logical_flush_ios)
pu0=$(sb_stat "$UI" physical_flush_ios)
fb0=$(bk_stat 16)
sb_fio fsync 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=1M --offset=64M --fsync=1 --iodepth=1 --verify=crc32c
sb_fio dsync 300 --filename="$SB_DEV" --ioengine=psync --rw=write --bs=16k \
	--size=1M --offset=128M --sync=dsync --verify=crc32c
fl1=$(($(sb_stat "$LI" logical_flush_ios) - fl0))
fu1=$(($(sb_stat "$UI" logical_flush_ios) - fu0))
pu1=$(($(sb_stat "$UI" physical_flush_ios) - pu0))
fb1=$(($(bk_stat 16) - fb0))
info "flushes: upper logical $fu1, physical $pu1; lower logical $fl1; backing $fb1"
# (more than 319 if the backing had no FUA: the flush machinery adds some)
[ "$fu1" -ge 319 ] || fail "fio: 255 fsyncs and 64 O_DSYNC writes, upper logical_flush_ios +$fu1"
[ "$pu1" -eq "$fu1" ] || fail "upper: $fu1 flushes received, $pu1 sent"
[ "$fl1" -eq "$pu1" ] || fail "lower received $fl1 flushes, the upper sent $pu1"
[ "$fb1" -eq "$fl1" ] || fail "the backing saw $fb1 flushes, the lower received $fl1"
if [ -n "$lockdep0" ]; then
	lockdep1=$(awk '/debug_locks:/ {print $2}' /proc/lockdep_stats)
	[ "$lockdep1" = 1 ] || fail "lockdep turned itself off (debug_locks $lockdep0 -> $lockdep1)"
fi

# L goes while U holds it open: U's I/O fails; then both again
set_attr lower power 0
dd if="$SB_DEV" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
	fail "a read from stackblk$UI succeeded after stackblk$LI, its backing, was powered off"
set_attr upper power 0
set_attr lower power 1
LI=$(rd "$SB_CFS/lower/index")
must_wait 20 "/dev/stackblk$LI" sb_dev_ready "$LI"
set_attr upper backing "/dev/stackblk$LI"
set_attr upper power 1
UI=$(rd "$SB_CFS/upper/index")
must_wait 20 "/dev/stackblk$UI" sb_dev_ready "$UI"
sb_fio again 300 --filename="/dev/stackblk$UI" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=1M --offset=64M --fsync=16 --iodepth=4 --verify=crc32c
sb_destroy upper
sb_destroy lower
sb_unload
