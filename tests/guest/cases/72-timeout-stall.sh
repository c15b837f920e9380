# A backing that stalls: stackblk on dm-delay (7 s on every I/O) with its
# own request timeout at 1 s (queue/io_timeout).  stackblk's ->timeout
# re-arms while the backing owns the request (README, "What stackblk
# promises"), so:
#  - a write and a read each take the stall and complete once, successfully,
#    with the data intact; stats/timeouts counted the expiries (>= 2 per I/O:
#    the block layer rounds the timer up to whole seconds);
#    errors = 0, no double completion (dmesg clean);
#  - power=0 while a stalled write is in flight waits for it, and the write
#    still succeeds;
#  - the device works normally afterwards (on a fresh mapping without delay).
modprobe dm-mod 2>/dev/null
modprobe dm-delay 2>/dev/null
B=$SB_BACKING
sb_load
dm_create sbslow "0 65536 delay $B 0 7000"
sb_create t backing=/dev/mapper/sbslow
Q=/sys/block/stackblk$SB_IDX
echo 1000 >"$Q/queue/io_timeout" || fail "cannot set io_timeout"
echo 1 >"$Q/stackblk/reset"
head -c 4096 /dev/urandom >"$SB_ART/blk"
t0=$SECONDS
run dd if="$SB_ART/blk" of="$SB_DEV" bs=4096 seek=10 count=1 oflag=direct status=none
run dd if="$SB_DEV" of="$SB_ART/blk.back" bs=4096 skip=10 count=1 iflag=direct status=none
dt=$((SECONDS - t0))
cmp -s "$SB_ART/blk" "$SB_ART/blk.back" || fail "stalled write/read: data differs"
to=$(sb_stat "$SB_IDX" timeouts)
info "write + read took ${dt}s; timeouts = $to; errors = $(sb_stat "$SB_IDX" errors)"
[ "$dt" -ge 14 ] || fail "the I/O did not stall (${dt}s): dm-delay not in the path?"
[ "$to" -ge 4 ] || fail "stats/timeouts = $to after two 7 s stalls with a 1 s timeout"
[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "errors = $(sb_stat "$SB_IDX" errors)"
[ "$(sb_stat "$SB_IDX" logical_write_ios)" = 1 ] && [ "$(sb_stat "$SB_IDX" logical_read_ios)" = 1 ] ||
	fail "each I/O must be counted once"

# teardown with a stalled write in flight: waits, the write succeeds
head -c 4096 /dev/urandom >"$SB_ART/blk2"
dd if="$SB_ART/blk2" of="$SB_DEV" bs=4096 seek=20 count=1 oflag=direct status=none &
ddpid=$!
busy() { [ "$(sb_stat "$SB_IDX" inflight)" -ge 1 ]; }
must_wait 20 "the write to be in flight" busy
info "power=0 with $(sb_stat "$SB_IDX" inflight) request(s) in flight"
echo 0 >"$SB_CFS/t/power" || fail "power=0 failed with a stalled write in flight"
must_wait 60 "dd to finish" pid_gone $ddpid
wait $ddpid || fail "the stalled write failed across power=0"
run rmdir "$SB_CFS/t"
dm_remove sbslow
dd if="$B" of="$SB_ART/blk2.back" bs=4096 skip=20 count=1 iflag=direct status=none
cmp -s "$SB_ART/blk2" "$SB_ART/blk2.back" || fail "the write in flight at power=0 is not on the device"

# usable afterwards
sb_create u
sb_fio after 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k --size=4M \
	--iodepth=16 --verify=crc32c --verify_fatal=1
sb_destroy u
sb_unload
dmesg_clean
