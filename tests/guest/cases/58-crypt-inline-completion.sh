# Crypt reads over a backing that completes inside its own dispatch:
# null_blk irqmode=0 ends each request in its ->queue_rq(), under blk-mq's
# rcu_read_lock() (no BLK_MQ_F_BLOCKING), so the read's completion may
# decrypt there only without sleeping (a cipher request that comes at once,
# no wait for an async cipher), else it hands the rest to crypt_wq.  The
# data read back, through the direct and the bounce read, with single bios
# (dd) and plugged batches (fio io_uring and libaio), and on the debug
# kernel no "sleeping function called from invalid context" or "Illegal
# context switch in RCU read-side critical section" (dmesg_clean).
KEY=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
NB=/sys/kernel/config/nullb
modprobe null_blk nr_devices=0 2>/dev/null
[ -d $NB ] || skip "null_blk has no configfs"
run mkdir $NB/sbinline
# two hardware queues: no I/O scheduler, so requests are issued directly
for a in size=64 queue_mode=2 irqmode=0 submit_queues=2 memory_backed=1 power=1; do
	echo "${a#*=}" >"$NB/sbinline/${a%%=*}" || fail "null_blk $a refused"
done
must_wait 20 /dev/sbinline test -b /dev/sbinline
sb_load
sb_create inl backing=/dev/sbinline stages=crypt crypt_key=$KEY crypt_sector_size=4096
src=/tmp/58.src
run dd if=/dev/urandom of=$src bs=1M count=8 status=none
run dd if=$src of="$SB_DEV" bs=64k oflag=direct status=none
for bs in 4k 128k; do
	run dd if="$SB_DEV" of=/tmp/58.out bs=$bs count=$((8 * 1024 * 1024 / $(numfmt --from=iec ${bs^^}))) iflag=direct status=none
	cmp -s $src /tmp/58.out || fail "read back with bs=$bs differs from what was written"
done
# buffers 512 bytes into a page: the bounce read
run fio --name=u --filename="$SB_DEV" --direct=1 --rw=read --bs=4k --iomem_align=512 \
	--size=8m --ioengine=psync --output=/tmp/58.fio --verify=0
for e in io_uring libaio; do
	run fio --name=r --filename="$SB_DEV" --direct=1 --rw=randread --bs=4k --iodepth=32 \
		--numjobs=2 --ioengine=$e --size=8m --runtime=2 --time_based --output=/tmp/58.fio
done
run dd if="$SB_DEV" of=/tmp/58.out bs=1M count=8 iflag=direct status=none
cmp -s $src /tmp/58.out || fail "read back after the fio runs differs from what was written"
sb_destroy inl
sb_unload
echo 0 >$NB/sbinline/power
rmdir $NB/sbinline
rm -f $src /tmp/58.out /tmp/58.fio
dmesg_clean
