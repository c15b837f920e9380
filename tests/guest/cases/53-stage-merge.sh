# The merge stage, counted exactly.  nomerges=2 on stackblk and on the
# backing (neither block layer coalesces), fio io_uring pinned to one CPU
# submits 4 KiB sequential I/O in batches of 8 (iodepth 8,
# iodepth_batch_submit 8, iodepth_batch_complete_min 8: one io_uring_enter
# = one plug = one ->queue_rqs() call of 8 contiguous requests).
# For writes, then reads (verify=crc32c), with merge_max_bytes 16 KiB and
# 128 KiB:
#  - logical ios = 1024 = stackblk's diskstats; bytes in = bytes out;
#  - physical ios + merged_ios = logical ios, exactly (every request is in
#    exactly one backing I/O), and the backing's diskstats saw exactly
#    physical ios;
#  - merged_ios is the ideal for unbroken batches (7 per 8 at 128 KiB, 6 per
#    8 at 16 KiB) give or take batches the kernel cut (a task migration or a
#    plug flushed by schedule()): at least 3/4 of it;
#  - the stackblk_merge tracepoint fired merged_ios times, and no backing
#    I/O was larger than merge_max_bytes;
#  - the data reads back; errors = 0; clean dmesg.
T=/sys/kernel/tracing
[ -d $T/events/stackblk ] || T=/sys/kernel/debug/tracing
sb_load
echo 2 >"/sys/block/$SB_BK/queue/nomerges"
N=1024

# check NAME OP MAXB: counters and trace after one phase
check() {
	local name=$1 op=$2 maxb=$3 li lb pi pb m bk tm big ideal sio per
	li=$(sb_stat "$SB_IDX" logical_${op}_ios)
	lb=$(sb_stat "$SB_IDX" logical_${op}_bytes)
	pi=$(sb_stat "$SB_IDX" physical_${op}_ios)
	pb=$(sb_stat "$SB_IDX" physical_${op}_bytes)
	m=$(sb_stat "$SB_IDX" merged_ios)
	if [ "$op" = read ]; then bk=$(($(bk_stat 1) - bk0)); sio=$(awk '{print $1}' "$Q/stat"); else
		bk=$(($(bk_stat 5) - bk0)); sio=$(awk '{print $5}' "$Q/stat"); fi
	sio=$((sio - sio0))
	tm=$(grep -c "stackblk_merge:" $T/trace)
	big=$(grep "stackblk_bio_submit:" $T/trace | sed -n 's/.* + \([0-9]*\) cpu=.*/\1/p' | sort -n | tail -1)
	per=$((maxb / 4096 < 8 ? maxb / 4096 : 8))	# requests per merged I/O
	ideal=$((N / 8 * (8 - 8 / per)))
	info "$name: logical $li ios $lb B, physical $pi ios $pb B, merged $m (ideal $ideal), backing saw $bk, trace: $tm merges, largest bio $big sectors"
	[ "$li" = $N ] || fail "$name: logical_${op}_ios = $li, expected $N"
	[ "$sio" = $N ] || fail "$name: stackblk diskstats saw $sio ${op}s, expected $N"
	[ "$lb" = $((N * 4096)) ] && [ "$pb" = "$lb" ] || fail "$name: bytes logical $lb physical $pb"
	[ $((pi + m)) = "$li" ] || fail "$name: physical $pi + merged $m != logical $li"
	[ "$bk" = "$pi" ] || fail "$name: backing diskstats saw $bk ${op}s, physical_${op}_ios = $pi"
	[ "$m" -ge $((ideal * 3 / 4)) ] || fail "$name: merged_ios $m, less than 3/4 of the ideal $ideal"
	[ "$tm" = "$m" ] || fail "$name: $tm stackblk_merge events, merged_ios = $m"
	[ "$big" -le $((maxb / 512)) ] || fail "$name: a backing bio of $big sectors > merge_max_bytes $maxb"
	[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "$name: errors = $(sb_stat "$SB_IDX" errors)"
}
# phase NAME OP MAXB FIO-ARGS...: reset, trace on, fio, trace off, check
phase() {
	local name=$1 op=$2 maxb=$3
	shift 3
	echo 1 >"$Q/stackblk/reset"
	echo >$T/trace
	if [ "$op" = read ]; then bk0=$(bk_stat 1); sio0=$(awk '{print $1}' "$Q/stat"); else
		bk0=$(bk_stat 5); sio0=$(awk '{print $5}' "$Q/stat"); fi
	echo 1 >$T/events/stackblk/stackblk_merge/enable
	echo 1 >$T/events/stackblk/stackblk_bio_submit/enable
	sb_fio "$name" 300 --filename="$SB_DEV" --ioengine=io_uring --cpus_allowed=0 \
		--bs=4k --size=$((N * 4))k --iodepth=8 --iodepth_batch_submit=8 \
		--iodepth_batch_complete_min=8 --verify=crc32c "$@"
	echo 0 >$T/events/stackblk/enable
	check "$name" "$op" "$maxb"
}
echo 16384 >$T/buffer_size_kb
for maxb in 131072 16384; do
	sb_create "m$maxb" stages=merge merge_max_bytes=$maxb
	Q=/sys/block/stackblk$SB_IDX
	echo 2 >"$Q/queue/nomerges"
	phase "w$maxb" write "$maxb" --rw=write --do_verify=0
	phase "r$maxb" read "$maxb" --rw=read --verify_fatal=1
	sb_destroy "m$maxb"
done
# flushes between merge batches (fio fsync after every 4 writes): nothing is
# left behind in a batch that a flush ended, the counts stay exact
sb_create mf stages=merge
Q=/sys/block/stackblk$SB_IDX
echo 2 >"$Q/queue/nomerges"
echo 1 >"$Q/stackblk/reset"
bw0=$(bk_stat 5) sw0=$(awk '{print $5}' "$Q/stat")
sb_fio wfsync 300 --filename="$SB_DEV" --ioengine=io_uring --bs=4k --size=1M --offset=16M \
	--iodepth=8 --iodepth_batch_submit=8 --rw=write --fsync=4 --verify=crc32c --verify_fatal=1
lw=$(sb_stat "$SB_IDX" logical_write_ios) pw=$(sb_stat "$SB_IDX" physical_write_ios)
lr=$(sb_stat "$SB_IDX" logical_read_ios) pr=$(sb_stat "$SB_IDX" physical_read_ios)
m=$(sb_stat "$SB_IDX" merged_ios) fl=$(sb_stat "$SB_IDX" logical_flush_ios)
info "fsync run: logical writes $lw ($(sb_stat "$SB_IDX" logical_write_bytes) B, diskstats $(($(awk '{print $5}' "$Q/stat") - sw0))), physical $pw ($(sb_stat "$SB_IDX" physical_write_bytes) B, backing saw $(($(bk_stat 5) - bw0))); reads (fio's verify) logical $lr physical $pr; merged $m; flushes $fl (physical $(sb_stat "$SB_IDX" physical_flush_ios))"
[ "$lw" = 256 ] || fail "fsync run: logical_write_ios = $lw, expected 256"
# merged_ios counts reads and writes alike: fio's verify pass reads back
[ $((pw + pr + m)) = $((lw + lr)) ] || fail "fsync run: physical $pw + $pr + merged $m != logical $lw + $lr"
[ "$fl" -ge 1 ] || fail "fsync run: no flush reached stackblk"
[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] && [ "$(sb_stat "$SB_IDX" errors)" = 0 ] ||
	fail "fsync run: inflight $(sb_stat "$SB_IDX" inflight), errors $(sb_stat "$SB_IDX" errors)"
sb_destroy mf
echo 1408 >$T/buffer_size_kb
echo 0 >"/sys/block/$SB_BK/queue/nomerges"
sb_unload
dmesg_clean
