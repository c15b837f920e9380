# Crypt reads over a backing that completes inside its own dispatch:
# null_blk irqmode=0 ends each request in its ->queue_rq(), and without
# memory_backed (6.12 makes a memory-backed null_blk BLK_MQ_F_BLOCKING)
# under blk-mq's rcu_read_lock(), so the read's completion may decrypt
# there only without sleeping (a cipher request that comes at once, no
# wait for an async cipher), else it hands the rest to crypt_wq.  Such a
# device keeps no data: its reads, direct and bounced, single bios (dd) and
# plugged batches (fio io_uring and libaio), must complete, and on the
# debug kernel without "sleeping function called from invalid context" or
# "Illegal context switch in RCU read-side critical section"
# (dmesg_clean).  The data is checked over a memory-backed null_blk, which
# completes in the submitting task: read back after a write (cmp, fio
# crc32c for the bounce read), and with fail_crypt_defer (the debug
# kernel's fault injection) the same reads decrypted as if they could not
# sleep there, stopped part way and resumed in crypt_wq.  The counters
# say where each read was decrypted (crypt_read_{task,atomic,wq}_ios): with
# the reads under rcu_read_lock() never in the sleeping path, and every
# backing read counted in exactly one of them.  On a test kernel, the same
# over a cipher that always goes async (crypt_test_cipher).
KEY=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
NB=/sys/kernel/config/nullb
# crypt_where N: stackblkN's crypt_read_{task,atomic,wq}_ios into T, A and
# W, after checking that they and the read-modify-write reads add up to
# the physical reads
crypt_where() {
	local r p
	T=$(sb_stat "$1" crypt_read_task_ios)
	A=$(sb_stat "$1" crypt_read_atomic_ios)
	W=$(sb_stat "$1" crypt_read_wq_ios)
	r=$(sb_stat "$1" rmw_ios)
	p=$(sb_stat "$1" physical_read_ios)
	[ $((T + A + W + r)) = "$p" ] ||
		fail "stackblk$1: crypt reads task $T + atomic $A + wq $W + rmw $r != physical_read_ios $p"
	info "stackblk$1: crypt reads decrypted: task $T, atomic $A, wq $W (physical $p)"
}
modprobe null_blk nr_devices=0 2>/dev/null
[ -d $NB ] || skip "null_blk has no configfs"
# --- no data, completion under rcu_read_lock(): the context ---------------
nullb_create sbctx size=64 queue_mode=2 irqmode=0 submit_queues=2 memory_backed=0
sb_load
sb_create ctx backing=/dev/sbctx stages=crypt crypt_key=$KEY crypt_sector_size=4096
for bs in 4k 128k; do
	run dd if="$SB_DEV" of=/dev/null bs=$bs count=$((8 * 1024 * 1024 / $(numfmt --from=iec ${bs^^}))) iflag=direct status=none
done
run fio --name=u --filename="$SB_DEV" --direct=1 --rw=read --bs=4k --iomem_align=512 \
	--size=8m --ioengine=psync --output=/tmp/58.fio
for e in io_uring libaio; do
	run fio --name=r --filename="$SB_DEV" --direct=1 --rw=randread --bs=4k --iodepth=32 \
		--numjobs=2 --ioengine=$e --size=8m --runtime=2 --time_based --output=/tmp/58.fio
done
# every read completed inside null_blk's dispatch, under rcu_read_lock():
# none may have been decrypted where it may sleep, and the no-sleep path ran
crypt_where "$SB_IDX"
[ "$T" = 0 ] || fail "$T reads completed under rcu_read_lock() took the sleeping path"
[ "$A" -gt 0 ] || fail "no read was decrypted without sleeping inside null_blk's dispatch"
sb_destroy ctx
echo 0 >$NB/sbctx/power
rmdir $NB/sbctx

# --- data: a memory-backed null_blk -----------------------------------------
# two hardware queues: no I/O scheduler, so requests are issued directly
nullb_create sbinline size=64 queue_mode=2 irqmode=0 submit_queues=2 memory_backed=1
sb_create inl backing=/dev/sbinline stages=crypt crypt_key=$KEY crypt_sector_size=4096
src=/tmp/58.src
# read_back WHAT: the 8 MiB read back in 128 KiB and in 4 KiB reads, each
# compared with what was written
read_back() {
	local bs
	for bs in 128k 4k; do
		run dd if="$SB_DEV" of=/tmp/58.out bs=$bs count=$((8 * 1024 * 1024 / $(numfmt --from=iec ${bs^^}))) \
			iflag=direct status=none
		cmp -s $src /tmp/58.out || fail "$1: read back with bs=$bs differs from what was written"
	done
}
run dd if=/dev/urandom of=$src bs=1M count=8 status=none
run dd if=$src of="$SB_DEV" bs=64k oflag=direct status=none
read_back "memory-backed"
# buffers 512 bytes into a page: the bounce read, its data checked by fio
bounce_read() {
	run fio --name=u --filename="$SB_DEV" --direct=1 --rw=write --bs=4k --size=8m \
		--ioengine=psync --verify=crc32c --do_verify=0 --output=/tmp/58.fio
	run fio --name=u --filename="$SB_DEV" --direct=1 --rw=write --bs=4k --size=8m \
		--ioengine=psync --verify=crc32c --verify_only=1 --iomem_align=512 \
		--output=/tmp/58.fio
	run dd if=$src of="$SB_DEV" bs=64k oflag=direct status=none
}
bounce_read
for e in io_uring libaio; do
	run fio --name=r --filename="$SB_DEV" --direct=1 --rw=randread --bs=4k --iodepth=32 \
		--numjobs=2 --ioengine=$e --size=8m --runtime=2 --time_based --output=/tmp/58.fio
done
run dd if="$SB_DEV" of=/tmp/58.out bs=1M count=8 iflag=direct status=none
cmp -s $src /tmp/58.out || fail "read back after the fio runs differs from what was written"
# With fault injection (the debug kernel): reads decrypted where they
# complete act as if they could not sleep there, then find no cipher
# request at once or stop before a crypt sector, as if the cipher had gone
# async, and crypt_wq decrypts the read or the rest of it; 128 KiB reads
# hold 32 crypt sectors, so most stop part way.  The data must still read
# back, the fault must have fired and crypt_wq must have had reads.
F=/sys/kernel/debug/stackblk/fail_crypt_defer
crypt_where "$SB_IDX"
w0=$W
if [ -d $F ]; then
	# a failure below must not leave the fault on for the cases after
	trap 'echo 0 >$F/probability' EXIT
	echo 0 >$F/verbose
	echo 1 >$F/interval
	echo 30 >$F/probability
	echo 100000 >$F/times
	read_back "fail_crypt_defer"
	bounce_read
	run fio --name=r --filename="$SB_DEV" --direct=1 --rw=randread --bs=128k --iodepth=8 \
		--numjobs=2 --ioengine=io_uring --size=8m --runtime=2 --time_based --output=/tmp/58.fio
	left=$(cat $F/times)
	echo 0 >$F/probability
	trap - EXIT
	info "fail_crypt_defer fired $((100000 - left)) times"
	[ "$left" -lt 100000 ] || fail "fail_crypt_defer never fired: the resume path was not taken"
	crypt_where "$SB_IDX"
	[ "$W" -gt "$w0" ] || fail "fail_crypt_defer fired, yet no read went on in crypt_wq"
	run dd if="$SB_DEV" of=/tmp/58.out bs=1M count=8 iflag=direct status=none
	cmp -s $src /tmp/58.out || fail "read back after fail_crypt_defer differs from what was written"
fi
sb_destroy inl

# --- an asynchronous cipher (test kernels) ----------------------------------
# crypt_test_cipher makes the next device allocate cryptd(xts(ecb(aes-generic))),
# which answers every request with -EINPROGRESS and completes it from its
# own worker: a read decrypted where it may sleep waits for it there; one
# begun without sleeping (fail_crypt_defer) leaves the sector in flight to
# crypt_wq, which waits for it and goes on.  The same data must read back,
# and what the async cipher writes must read back too.  The cryptd instance
# stays registered (as xts(aes), priority 150) until the guest reboots: on a
# CPU without AES-NI later devices of the same boot would get it.
C=/sys/kernel/debug/stackblk/crypt_test_cipher
if [ -f $C ] && [ -d $F ]; then
	trap 'echo >$C; echo 0 >$F/probability' EXIT
	# not a driver of xts(aes): power-on refuses it and leaves no disk
	echo "cbc(aes)" >$C || fail "crypt_test_cipher refused cbc(aes)"
	run mkdir $SB_CFS/bad
	for a in backing=/dev/sbinline stages=crypt crypt_key=$KEY; do
		[ "$(wr "$SB_CFS/bad/${a%%=*}" "${a#*=}")" = OK ] || fail "bad: ${a%%=*} refused"
	done
	r=$(wr $SB_CFS/bad/power 1)
	[ "$r" = EINVAL ] || fail "power=1 with crypt_test_cipher cbc(aes): $r, expected EINVAL"
	dmesg | grep -q "cbc(aes): not xts(aes) but cbc(aes)" || fail "power-on did not say why"
	[ -z "$(sb_disks)" ] || fail "a refused power-on left $(sb_disks)"
	run rmdir $SB_CFS/bad
	echo "cryptd(xts(ecb(aes-generic)))" >$C || fail "crypt_test_cipher refused cryptd(xts(ecb(aes-generic)))"
	[ "$(cat $C)" = "cryptd(xts(ecb(aes-generic)))" ] || fail "crypt_test_cipher reads '$(cat $C)'"
	sb_create asy backing=/dev/sbinline stages=crypt crypt_key=$KEY crypt_sector_size=4096
	echo >$C
	dmesg | grep -q "sbinline: cipher cryptd(xts(ecb(aes-generic)))" || fail "the device did not allocate the cryptd cipher: $(dmesg | grep cipher | tail -n 2)"
	read_back "async cipher"
	bounce_read
	crypt_where "$SB_IDX"
	w0=$W
	echo 30 >$F/probability
	echo 100000 >$F/times
	read_back "async cipher, fail_crypt_defer"
	echo 0 >$F/probability
	trap - EXIT
	crypt_where "$SB_IDX"
	[ "$W" -gt "$w0" ] || fail "async cipher: no read went on in crypt_wq"
	# every read begun without sleeping met -EINPROGRESS (or the fault)
	[ "$A" = 0 ] || fail "async cipher: $A reads finished without sleeping"
	sb_destroy asy
fi
sb_unload
echo 0 >$NB/sbinline/power
rmdir $NB/sbinline
rm -f $src /tmp/58.out /tmp/58.fio
dmesg_clean
