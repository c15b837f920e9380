# A stackblk on a stackblk: stackblk L on the backing, stackblk U on
# /dev/stackblkL.  U's flush request completes inside L's flush
# completion, with L's flush queue lock held, and blk-mq then takes U's:
# two locks of one lockdep class if every stackblk device shared one,
# which lockdep reports as possible recursive locking (and then turns
# itself off for the rest of the boot).  Each stacking depth has a class
# of its own.  fsyncs, and fio with an fsync after every write and with
# O_DSYNC (FUA) writes, data verified, through both; both devices count
# the flushes (U's physical flushes are L's logical ones) and the backing
# sees them; dmesg stays clean (the debug kernel's lockdep).
[ "$(rd "/sys/block/$SB_BK/queue/write_cache")" = "write back" ] ||
	skip "$SB_BK has no volatile write cache: the block layer drops flushes"
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
[ "$fu1" -ge 255 ] || fail "fio fsync=1 (256 writes): upper logical_flush_ios +$fu1"
[ "$pu1" -eq "$fu1" ] || fail "upper: $fu1 flushes received, $pu1 sent"
[ "$fl1" -ge "$pu1" ] || fail "lower received $fl1 flushes, the upper sent $pu1"
[ "$fb1" -ge "$pu1" ] || fail "the backing saw $fb1 flushes, the upper sent $pu1"
sb_destroy upper
sb_destroy lower
sb_unload
