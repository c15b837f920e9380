# Merge exactness: with nomerges=2 on the stackblk disk (the block layer
# merges nothing), batches of contiguous 4 KiB writes submitted together
# (iodepth_batch_submit) reach the backing as fewer writes, and
# merged_ios = logical - physical write ios; the data verifies.  Then the
# same with crypt (one unit = one bounce bio) and with split.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000
sb_load
check_merge() {	# NAME ATTR=VALUE...
	local name=$1 lw pw m
	shift
	sb_create "$name" "$@"
	echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
	sb_fio "$name-w" 300 --filename="$SB_DEV" --ioengine=libaio --rw=write --bs=4k \
		--offset=16M --size=8M --iodepth=32 --iodepth_batch_submit=32 \
		--iodepth_batch_complete_min=32 --verify=crc32c --do_verify=0
	lw=$(sb_stat "$SB_IDX" logical_write_ios)
	pw=$(sb_stat "$SB_IDX" physical_write_ios)
	m=$(sb_stat "$SB_IDX" merged_ios)
	info "$name: logical_write_ios=$lw physical_write_ios=$pw merged_ios=$m split_ios=$(sb_stat "$SB_IDX" split_ios)"
	[ "$lw" -eq 2048 ] || fail "$name: logical_write_ios = $lw, expected 2048"
	[ "$pw" -lt "$lw" ] || fail "$name: no merging: $pw physical for $lw logical writes"
	[ "$m" -eq $((lw - pw + $(sb_stat "$SB_IDX" split_ios))) ] ||
		fail "$name: merged_ios = $m, expected logical - physical + split = $((lw - pw + $(sb_stat "$SB_IDX" split_ios)))"
	sb_fio "$name-v" 300 --filename="$SB_DEV" --ioengine=libaio --rw=write --bs=4k \
		--offset=16M --size=8M --iodepth=32 --verify=crc32c --verify_only
	# io_uring batches too, data verifies
	sb_fio "$name-u" 300 --filename="$SB_DEV" --ioengine=io_uring --rw=write --bs=4k \
		--offset=32M --size=4M --iodepth=64 --iodepth_batch_submit=64 \
		--verify=crc32c --do_verify=1 --verify_fatal=1
	[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "$name: errors"
	sb_destroy "$name"
}
check_merge m stages=merge merge_max_bytes=131072
check_merge mc stages=merge,crypt merge_max_bytes=65536 crypt_sector_size=4096 crypt_key=$KEY
check_merge ms stages=merge,split merge_max_bytes=131072 split_boundary=16384
sb_unload
dmesg_clean
