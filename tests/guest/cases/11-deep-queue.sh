# A stackblk queue deeper than the backing's: backing nr_requests lowered to
# 4, stackblk queue_depth 512, fio at iodepth 256 with verify completes
# without errors (the stackblk side really had more in flight than 4).
N=/sys/block/$SB_BK/queue/nr_requests
orig=$(rd "$N")
trap 'echo "$orig" >"$N" 2>/dev/null' EXIT
low=""
for v in 4 8 16; do
	if [ "$(wr "$N" $v)" = OK ]; then low=$v; break; fi
done
[ -n "$low" ] || skip "cannot lower $N (was $orig)"
info "$SB_BK nr_requests $orig -> $(rd "$N")"
sb_load
sb_create d queue_depth=512
for t in /sys/block/stackblk$SB_IDX/mq/*/nr_tags; do
	[ "$(rd "$t")" = 512 ] || fail "queue_depth=512 but ${t#/sys/block/} = $(rd "$t")"
done
sb_fio deep-1job 600 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=16M --iodepth=256 --iodepth_batch_submit=32 --verify=crc32c --verify_fatal=1
sb_fio deep-njobs 600 --filename="$SB_DEV" --ioengine=io_uring --rw=randwrite \
	--bsrange=4k-32k --size=8M --offset=64M --offset_increment=8M --numjobs="$SB_NCPU" \
	--iodepth=256 --verify=crc32c --verify_fatal=1
e=$(sb_stat "$SB_IDX" errors)
[ "$e" = 0 ] || fail "stats/errors = $e"
m=$(sb_stat "$SB_IDX" inflight_max)
info "stats/inflight_max = $m (backing nr_requests $low)"
[ "${m:-0}" -gt "$low" ] || fail "stats/inflight_max = $m: never more in flight than the backing's $low"
sb_destroy d
sb_unload
echo "$orig" >"$N" || fail "cannot restore $N to $orig"
trap - EXIT
