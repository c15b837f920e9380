# Data integrity through the subsets of {merge, split} with crypt, crypt_sector_size 4096: fio
# write + verify (crc32c) with libaio and io_uring, 512 B blocks and sizes
# not aligned to the split boundary or the crypt sector, iodepth up to 64.
# Where crypt is on: crypt_sector_size 512 and 4096, iv_large_sectors 0 and
# 1.  SB_STAGE_MB (default 4) MiB per run.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=fedcba98765432100123456789abcdeffedcba98765432100123456789abcdef00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
MB=${SB_STAGE_MB:-4}
sb_load
n=0
# run_matrix NAME ATTR=VALUE...: one device, both engines
run_matrix() {
	local name=$1 eng base e
	shift
	sb_create "$name" "$@"
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
	base=$(((n % 8) * 64 + 3))
	for eng in libaio io_uring; do
		# random, mixed sizes incl. 512, 1536, 3584, 12800, 65536+512, qd 64
		sb_fio "$name-$eng-rand" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=${base}M --size=${MB}M --rw=randwrite \
			--bssplit=512/20:1536/10:3584/15:4k/20:12800/15:66048/10:128k/10 \
			--iodepth=64 --iodepth_batch_submit=16 --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_backlog=32
		# sequential 512 B at an odd offset, then sequential 100 KiB + 512
		[ $eng = libaio ] && sb_fio "$name-$eng-seq512" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=$((base * 1048576 + 8 * 1048576 + 1536)) --size=1M --rw=write \
			--bs=512 --iodepth=32 --iodepth_batch_submit=32 --verify=crc32c \
			--do_verify=1 --verify_fatal=1
		sb_fio "$name-$eng-seqodd" 600 --filename="$SB_DEV" --ioengine="$eng" \
			--offset=$((base * 1048576 + 10 * 1048576 + 512)) --size=4M --rw=write \
			--bs=$((100 * 1024 + 512)) --iodepth=8 --verify=crc32c \
			--do_verify=1 --verify_fatal=1
	done
	e=$(sb_stat "$SB_IDX" errors)
	[ "$e" = 0 ] || fail "$name: stats/errors = $e"
	info "$name: split_ios=$(sb_stat "$SB_IDX" split_ios) merged_ios=$(sb_stat "$SB_IDX" merged_ios) rmw_ios=$(sb_stat "$SB_IDX" rmw_ios)"
	case ",$(rd "/sys/block/stackblk$SB_IDX/stackblk/stages")," in
	*,split,*) [ "$(sb_stat "$SB_IDX" split_ios)" -gt 0 ] || fail "$name: split on but split_ios = 0" ;;
	esac
	sb_destroy "$name"
	n=$((n + 1))
}
for st in crypt split,crypt; do  # merge: refused (not done)
	for iv in 0 1; do
		run_matrix "c${st//,/-}-4096-$iv" stages="$st" split_boundary=65536 \
			merge_max_bytes=262144 crypt_sector_size=4096 crypt_iv_large_sectors=$iv \
			crypt_key=$KEY
	done
done
sb_unload
dmesg_clean
