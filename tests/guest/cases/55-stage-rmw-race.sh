# RMW race: with 4 KiB crypt sectors on a 512 B device, 8 fio jobs each
# write their own 512-byte slot of every crypt sector at the same time
# (offset_increment=512, rw=write:3584, bs=512): every write is a
# read-modify-write of a crypt sector the other jobs are modifying too.
# Each job then verifies its own slots: no update may be lost.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KB=${SB_RACE_KB:-2048}	# each job's region: KB / 4 read-modify-writes per job
N=$((8 * KB / 4))	# writes of the 8 jobs, each a read-modify-write
KEY=2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c
sb_load
for st in crypt split,crypt; do
	sb_create r stages=$st split_boundary=8192 crypt_sector_size=4096 crypt_key=$KEY
	[ "$(rd /sys/block/stackblk$SB_IDX/queue/logical_block_size)" = 512 ] ||
		fail "logical_block_size is not 512 with crypt_sector_size 4096"
	for eng in libaio io_uring; do
		echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
		sb_fio "race-${st/,/-}-$eng" 600 --filename="$SB_DEV" --ioengine=$eng --numjobs=8 \
			--offset=4M --offset_increment=512 --size=${KB}k --rw=write:3584 --bs=512 \
			--iodepth=16 --verify=crc32c --do_verify=1 --verify_fatal=1
		r=$(sb_stat "$SB_IDX" rmw_ios)
		info "$st $eng: rmw_ios=$r rmw_read_bytes=$(sb_stat "$SB_IDX" rmw_read_bytes)"
		[ "$r" -ge $N ] || fail "rmw_ios = $r, expected one per 512 B write (>= $N)"
		[ "$(sb_stat "$SB_IDX" rmw_read_bytes)" = $((r * 4096)) ] || fail "rmw_read_bytes != rmw_ios * 4096"
		# verify every job's slots again, all at once
		sb_fio "race-${st/,/-}-$eng-reverify" 600 --filename="$SB_DEV" --ioengine=$eng --numjobs=8 \
			--offset=4M --offset_increment=512 --size=${KB}k --rw=write:3584 --bs=512 \
			--iodepth=16 --verify=crc32c --verify_only
		[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "errors"
	done
	sb_destroy r
done
sb_unload
dmesg_clean
