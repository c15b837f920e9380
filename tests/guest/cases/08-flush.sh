# Flushes reach the backing: fsync on the stackblk disk increments the
# backing's flush counter (field 16 of /sys/block/<backing>/stat), and both
# the stackblk disk and the backing advertise a volatile write cache.
[ "$(rd "/sys/block/$SB_BK/queue/write_cache")" = "write back" ] ||
	skip "$SB_BK has no volatile write cache: the block layer drops flushes"
[ -n "$(bk_stat 16)" ] || skip "$SB_BK stat has no flush fields (kernel < 5.5)"
sb_load
sb_create d
wc=$(rd "/sys/block/stackblk$SB_IDX/queue/write_cache")
[ "$wc" = "write back" ] || fail "stackblk$SB_IDX queue/write_cache is '$wc': flushes would never be sent"
fsync_dev() {
	python3 - "$1" "$2" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
for i in range(int(sys.argv[2])):
    os.pwrite(fd, b"x" * 4096, 4096 * i)
    os.fsync(fd)
os.close(fd)
PY
}
f0=$(bk_stat 16)
l0=$(sb_stat "$SB_IDX" logical_flush_ios)
p0=$(sb_stat "$SB_IDX" physical_flush_ios)
run fsync_dev "$SB_DEV" 10
f1=$(bk_stat 16)
l1=$(sb_stat "$SB_IDX" logical_flush_ios)
p1=$(sb_stat "$SB_IDX" physical_flush_ios)
info "backing flushes $f0 -> $f1, stackblk logical $l0 -> $l1, physical $p0 -> $p1"
[ $((f1 - f0)) -ge 10 ] || fail "10 fsyncs on $SB_DEV: backing flush count went $f0 -> $f1"
[ $((l1 - l0)) -ge 10 ] || fail "10 fsyncs: stats/logical_flush_ios went $l0 -> $l1"
[ $((p1 - p0)) -ge 10 ] || fail "10 fsyncs: stats/physical_flush_ios went $p0 -> $p1"
# fio with fsync after every write, with verify
f0=$(bk_stat 16)
sb_fio fsync 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=1M --offset=64M --fsync=1 --iodepth=1 --verify=crc32c
f1=$(bk_stat 16)
[ $((f1 - f0)) -ge 255 ] || fail "fio fsync=1 (256 writes, 255+ fsyncs): backing flush count went $f0 -> $f1"
sb_destroy d
sb_unload
