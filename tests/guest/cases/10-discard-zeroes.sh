# Discard and write-zeroes pass through and read back as zeros: blkdiscard,
# blkdiscard -z, fallocate --zero-range and --punch-hole on the stackblk disk;
# the neighbouring data is untouched; the backing sees the discards.
bd=$(rd "/sys/block/$SB_BK/queue/discard_max_bytes")
bz=$(rd "/sys/block/$SB_BK/queue/write_zeroes_max_bytes")
info "$SB_BK discard_max_bytes=$bd write_zeroes_max_bytes=$bz"
sb_load
sb_create d
Q=/sys/block/stackblk$SB_IDX/queue
sd=$(rd "$Q/discard_max_bytes")
sz=$(rd "$Q/write_zeroes_max_bytes")
info "stackblk$SB_IDX discard_max_bytes=$sd write_zeroes_max_bytes=$sz"
[ "${bd:-0}" -eq 0 ] || [ "$sd" -gt 0 ] || fail "$SB_BK supports discard but stackblk$SB_IDX discard_max_bytes=0"
[ "${bz:-0}" -eq 0 ] || [ "$sz" -gt 0 ] || fail "$SB_BK supports write-zeroes but stackblk$SB_IDX write_zeroes_max_bytes=0"
[ "${bd:-0}" -gt 0 ] || skip "$SB_BK does not support discard"

# Region 256..288 MiB: random data, then operations on 4 MiB slices
# (256+4k..), leaving a 4 MiB slice of data between them.
head -c 32M /dev/urandom >/tmp/pat32
run dd if=/tmp/pat32 of="$SB_DEV" bs=1M seek=256 oflag=direct conv=fsync status=none
M=$((1024 * 1024))
ops=(
	"discard:blkdiscard -o $((256 * M)) -l $((4 * M)) $SB_DEV"
	"zeroout:blkdiscard -z -o $((264 * M)) -l $((4 * M)) $SB_DEV"
	"zero-range:fallocate -z -o $((272 * M)) -l $((4 * M)) $SB_DEV"
	"punch-hole:fallocate -p -o $((280 * M)) -l $((4 * M)) $SB_DEV"
)
dio0=$(bk_stat 12)
pd0=$(sb_stat "$SB_IDX" physical_discard_ios)
pz0=$(sb_stat "$SB_IDX" physical_write_zeroes_ios)
for op in "${ops[@]}"; do
	echo "+ ${op#*:}" >&2
	${op#*:} || fail "${op%%:*}: '${op#*:}' failed"
done
dio1=$(bk_stat 12)
pd1=$(sb_stat "$SB_IDX" physical_discard_ios)
pz1=$(sb_stat "$SB_IDX" physical_write_zeroes_ios)
info "backing discard ios $dio0 -> $dio1; stats physical_discard_ios $pd0 -> $pd1, physical_write_zeroes_ios $pz0 -> $pz1"
i=0
for op in "${ops[@]}"; do
	off=$((256 + i * 8))
	for dev in "$SB_DEV" "$SB_BACKING"; do
		read_range "$dev" $off 4 /tmp/z
		is_zero /tmp/z || fail "${op%%:*} at ${off} MiB: $dev does not read back zeros"
	done
	# the 4 MiB of data after it is untouched
	read_range "$SB_DEV" $((off + 4)) 4 /tmp/keep
	dd if=/tmp/pat32 of=/tmp/want bs=1M skip=$((i * 8 + 4)) count=4 status=none
	cmp -s /tmp/keep /tmp/want || fail "${op%%:*} at ${off} MiB damaged the data after the range"
	i=$((i + 1))
done
[ "$dio1" -gt "$dio0" ] || fail "blkdiscard on $SB_DEV: backing discard counter did not move ($dio0)"
[ "$pd1" -gt "$pd0" ] || fail "blkdiscard: stats/physical_discard_ios did not move ($pd0)"
if [ "${bz:-0}" -gt 0 ]; then
	[ "$pz1" -gt "$pz0" ] || fail "blkdiscard -z / fallocate: stats/physical_write_zeroes_ios did not move ($pz0)"
fi
sb_destroy d
sb_unload
