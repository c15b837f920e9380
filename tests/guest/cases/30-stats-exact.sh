# Counters are exact: a known workload of reads, writes, flushes, discards
# and write-zeroes gives exactly the expected logical and physical counts,
# and they agree with the kernel's own accounting: /sys/block/stackblkN/stat
# for the logical side, the backing's stat deltas for the physical side
# (with nomerges=2 on the backing so it does not merge behind our back).
sb_load
sb_create s0
S=/sys/block/stackblk$SB_IDX
echo 2 >"/sys/block/$SB_BK/queue/nomerges" || fail "cannot set nomerges=2 on $SB_BK"
[ "$(rd "$S/queue/write_cache")" = "write back" ] || skip "backing has no volatile write cache"

# field N of a stat file (Documentation/block/stat.rst)
fld() { awk -v f="$2" '{print $f}' "$1"; }
snap() {	# snap PREFIX FILE: remember read/write/discard/flush ios and sectors
	local i
	for i in 1 3 5 7 12 14 16; do eval "$1_$i=$(fld "$2" $i)"; done
}
snap L0 "$S/stat"
snap P0 "/sys/block/$SB_BK/stat"
echo 1 >"$S/stackblk/reset" || fail "reset failed"

# 1000 direct 4 KiB writes at distinct offsets, then read them back.
sb_fio w1000 300 --filename="$SB_DEV" --ioengine=psync --rw=write --bs=4k \
	--size=4096000 --offset=1M
sb_fio r1000 300 --filename="$SB_DEV" --ioengine=psync --rw=read --bs=4k \
	--size=4096000 --offset=1M
# 10 flushes (fsync of the block device sends one empty PREFLUSH each)
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for _ in range(10):
    os.fsync(fd)
os.close(fd)' "$SB_DEV" || fail "fsync failed"
# 3 discards of 1 MiB, 2 write-zeroes of 256 KiB (below both limits)
for o in 8 10 12; do
	run blkdiscard -f -o $((o << 20)) -l $((1 << 20)) "$SB_DEV"
done
for o in 16 17; do
	run blkdiscard -f -z -o $((o << 20)) -l $((256 << 10)) "$SB_DEV"
done

expect() {	# expect COUNTER VALUE
	local v
	v=$(sb_stat "$SB_IDX" "$1")
	[ "$v" = "$2" ] || fail "stats/$1 = $v, expected $2"
}
for side in logical physical; do
	expect ${side}_write_ios 1000
	expect ${side}_write_bytes 4096000
	expect ${side}_read_ios 1000
	expect ${side}_read_bytes 4096000
	expect ${side}_flush_ios 10
	expect ${side}_discard_ios 3
	expect ${side}_discard_bytes 3145728
	expect ${side}_write_zeroes_ios 2
	expect ${side}_write_zeroes_bytes 524288
done
for c in merged_ios split_ios rmw_ios rmw_read_bytes errors inflight; do
	expect $c 0
done

# The kernel's accounting of stackblkN (write-zeroes count as writes).
snap L1 "$S/stat"
snap P1 "/sys/block/$SB_BK/stat"
d() { echo $(($2 - $1)); }
sum() { echo $(($(sb_stat "$SB_IDX" "$1") + $(sb_stat "$SB_IDX" "$2"))); }
for side in L P; do
	case $side in L) pre=logical ;; P) pre=physical ;; esac
	eval "rio=\$(d \$${side}0_1 \$${side}1_1) rsec=\$(d \$${side}0_3 \$${side}1_3)"
	eval "wio=\$(d \$${side}0_5 \$${side}1_5) wsec=\$(d \$${side}0_7 \$${side}1_7)"
	eval "dio=\$(d \$${side}0_12 \$${side}1_12) dsec=\$(d \$${side}0_14 \$${side}1_14)"
	eval "fio=\$(d \$${side}0_16 \$${side}1_16)"
	info "$pre: stat deltas r=$rio/$rsec w=$wio/$wsec d=$dio/$dsec f=$fio"
	[ "$rio" = "$(sb_stat "$SB_IDX" ${pre}_read_ios)" ] || fail "$pre read ios: stat says $rio"
	[ "$rsec" = $(($(sb_stat "$SB_IDX" ${pre}_read_bytes) / 512)) ] || fail "$pre read sectors: stat says $rsec"
	# diskstats also counts each empty PREFLUSH bio as a 0-sector write
	# on 6.12 (not on 6.1): the difference must be 0 or exactly the flushes
	extra=$((wio - $(sum ${pre}_write_ios ${pre}_write_zeroes_ios)))
	[ "$extra" = 0 ] || [ "$extra" = "$(sb_stat "$SB_IDX" ${pre}_flush_ios)" ] ||
		fail "$pre write ios: stat says $wio"
	[ -z "${extra0:-}" ] || [ "$extra0" = "$extra" ] || fail "flushes counted as writes on one side only"
	extra0=$extra
	[ "$wsec" = $(($(sum ${pre}_write_bytes ${pre}_write_zeroes_bytes) / 512)) ] || fail "$pre write sectors: stat says $wsec"
	[ "$dio" = "$(sb_stat "$SB_IDX" ${pre}_discard_ios)" ] || fail "$pre discard ios: stat says $dio"
	[ "$dsec" = $(($(sb_stat "$SB_IDX" ${pre}_discard_bytes) / 512)) ] || fail "$pre discard sectors: stat says $dsec"
	[ "$fio" = "$(sb_stat "$SB_IDX" ${pre}_flush_ios)" ] || fail "$pre flush ios: stat says $fio"
done
echo 0 >"/sys/block/$SB_BK/queue/nomerges"
sb_destroy s0
sb_unload
