# Discard and write-zeroes pass through and read back as zeros: blkdiscard,
# blkdiscard -z, fallocate --zero-range and --punch-hole on the stackblk disk;
# the neighbouring data is untouched; the backing sees the discards.
# Then several disjoint discards under one plug (io_uring, 6.12+), which
# blk-mq merges into one request where max_discard_segments allows it:
# each range is discarded and the gaps between them keep their data, on
# passthrough and with the stages.  Before the fix the stages discarded
# one contiguous range from the request's start, as long as all of its
# ranges together: the first gap was lost and the last range kept.
# Write-zeroes keep REQ_NOUNMAP, seen where a backing acts on it: a loop
# device over a file on ext4 zeroes with FALLOC_FL_ZERO_RANGE when asked
# not to unmap (fallocate --zero-range: the file keeps its blocks) and
# with FALLOC_FL_PUNCH_HOLE otherwise (fallocate --punch-hole: they are
# freed).  Before the fix the stages dropped NOUNMAP, so the backing
# unmapped blocks the caller had asked to keep.
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

# plug_discards WHAT: 6 MiB of data at 320 MiB of $SB_DEV; its 1 MiB
# slices 0, 2 and 4 discarded in one io_uring_enter(); slices 1, 3 and 5
# must keep their data, 0, 2 and 4 read back zeros.  Returns 3 if the
# kernel has no io_uring discard (before 6.12).  Sets PD_LOGICAL and
# PD_PHYSICAL: the discard requests stackblk received and sent.
UD=$SB_REPO/build/guest/uring-discard
if [ ! "$UD" -nt "$SB_REPO/tests/guest/uring-discard.c" ]; then
	UD=$SB_ART/uring-discard
	run gcc -O2 -Wall -o "$UD" "$SB_REPO/tests/guest/uring-discard.c"
fi
plug_discards() {
	local what=$1 base=320 i l0 p0 rc
	run dd if=/tmp/pat32 of="$SB_DEV" bs=1M seek=$base count=6 oflag=direct conv=fsync status=none
	l0=$(sb_stat "$SB_IDX" logical_discard_ios)
	p0=$(sb_stat "$SB_IDX" physical_discard_ios)
	echo "+ uring-discard $SB_DEV at $base, $((base + 2)), $((base + 4)) MiB" >&2
	"$UD" "$SB_DEV" $((base * M)):$M $(((base + 2) * M)):$M $(((base + 4) * M)):$M >"$SB_ART/ud.out" 2>&1
	rc=$?
	sed 's/^/# /' "$SB_ART/ud.out" >&2
	[ $rc -eq 3 ] && return 3
	[ $rc -eq 0 ] || fail "$what: io_uring discards failed: $(tr '\n' ' ' <"$SB_ART/ud.out")"
	PD_LOGICAL=$(($(sb_stat "$SB_IDX" logical_discard_ios) - l0))
	PD_PHYSICAL=$(($(sb_stat "$SB_IDX" physical_discard_ios) - p0))
	info "$what: max_discard_segments $(rd "$Q/max_discard_segments"); discard requests received $PD_LOGICAL, sent $PD_PHYSICAL"
	for i in 0 1 2 3 4 5; do
		read_range "$SB_DEV" $((base + i)) 1 /tmp/slice
		if ((i % 2)); then
			dd if=/tmp/pat32 of=/tmp/want bs=1M skip=$i count=1 status=none
			cmp -s /tmp/slice /tmp/want ||
				fail "$what: the data at $((base + i)) MiB, between two discarded ranges, was lost"
		else
			is_zero /tmp/slice ||
				fail "$what: the discarded range at $((base + i)) MiB does not read back zeros"
		fi
	done
	return 0
}
plug_discards passthrough
rc=$?
if [ $rc -eq 3 ]; then
	info "no io_uring discard in $(uname -r): the plugged discards are not tested"
else
	# the passthrough device takes the backing's multi-range discards, so
	# this is the case the stages must handle: one request of three ranges
	[ "$PD_LOGICAL" -eq 1 ] && [ "$PD_PHYSICAL" -eq 3 ] ||
		fail "passthrough: the three discards were not merged into one request (received $PD_LOGICAL): this case no longer tests what it means to"
fi

sb_destroy d

for st in split merge,split; do
	sb_create ds stages=$st split_boundary=65536
	Q=/sys/block/stackblk$SB_IDX/queue
	# a request of the stages is one range: no multi-range discards
	expect_rd "$Q/max_discard_segments" 1
	if [ $rc -ne 3 ]; then
		plug_discards "stages=$st"
		[ "$PD_LOGICAL" -eq 3 ] ||
			fail "stages=$st: $PD_LOGICAL discard requests for 3 disjoint ranges"
	fi
	sb_destroy ds
done

# The split stage cuts a discard only where a backing discard granule
# begins: scsi_debug with a 1 MiB unmap granularity unmaps (and reads back
# as zeros, lbprz=1) only whole granules, as dm-thin drops a discard of
# part of a block.  Its discard_max_bytes is 4 MiB, so blk-mq cuts an
# 8 MiB discard into requests of at most 4 MiB on stackblk's queue, where
# stackblk's own discard_alignment says granules begin.  stages=split at
# the default 64 KiB: an 8 MiB blkdiscard reads back zeros, and is 2
# requests and 8 backing discards of 1 MiB, not 128 of 64 KiB that the
# backing ignores (before that fix: the data stayed).  Then granules that
# begin 4 KiB into the disk (unmap_alignment, the backing's
# discard_alignment): requests cut at 11 MiB + 4 KiB and 15 MiB + 4 KiB,
# backing discards 4 KiB past each MiB, 9 of them, and the 7 whole
# granules inside read back zeros; and a partition that starts 4 KiB past
# a granule (its discard_alignment is 1 MiB - 4 KiB): 3 requests, 9
# backing discards, 7 granules of zeros.  Before, the cuts fell on each
# MiB, no piece held a whole granule, and nothing was discarded.  And on 6.1 stackblk's queue took the whole
# disk's discard_alignment, not the partition's (compat.h stacked the
# limits from sector 0): blk-mq cut the discard at 12 MiB, inside a
# granule, which was then not discarded.  (The disks' discard_alignment
# files in sysfs cannot tell: since 5.19 they show alignment_offset.)
# (blkdiscard's signature probe reads too, so split_ios is not exact here.)
mbr() {		# mbr DEV START_LBA: one Linux partition from START_LBA to the end
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
dev, start = sys.argv[1], int(sys.argv[2])
fd = os.open(dev, os.O_RDWR)
size = os.lseek(fd, 0, os.SEEK_END) // 512 - start
entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", start, size)
os.pwrite(fd, entry + bytes(48) + b"\x55\xaa", 446)
os.fsync(fd)
os.close(fd)
PY
}
# granules ALIGN_LBAS PART_START_LBAS WANT_REQUESTS WANT_BACKING_DISCARDS \
#	ZERO_FROM_KIB ZERO_KIB
granules() {
	local align=$1 part=$2 wantr=$3 want=$4 zfrom=$5 zlen=$6 SD= BK s0 l0 p0 s1 l1 p1
	modprobe scsi_debug dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=2048 \
		unmap_alignment="$align" unmap_max_blocks=8192 unmap_max_desc=1 ||
		fail "modprobe scsi_debug unmap_alignment=$align failed"
	wait_until 20 eval 'SD=$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block 2>/dev/null | head -n1); [ -n "$SD" ] && [ -b "/dev/$SD" ] && blockdev --getsz "/dev/$SD"' >/dev/null ||
		fail "scsi_debug gave no block device"
	BK=/dev/$SD
	if [ "$part" -gt 0 ]; then
		run mbr "$BK" "$part"
		run blockdev --rereadpt "$BK"
		must_wait 20 "${BK}1" test -b "${BK}1"
		BK=${BK}1
	fi
	info "scsi_debug: $BK, discard_granularity $(rd "/sys/block/$SD/queue/discard_granularity"), unmap_alignment $align LBAs, partition from LBA $part"
	sb_create dg backing="$BK" stages=split
	run dd if=/tmp/pat32 of="$SB_DEV" bs=1M count=8 seek=8 oflag=direct status=none
	s0=$(sb_stat "$SB_IDX" split_ios)
	l0=$(sb_stat "$SB_IDX" logical_discard_ios)
	p0=$(sb_stat "$SB_IDX" physical_discard_ios)
	run blkdiscard -o $((8 * M)) -l $((8 * M)) "$SB_DEV"
	s1=$(($(sb_stat "$SB_IDX" split_ios) - s0))
	l1=$(($(sb_stat "$SB_IDX" logical_discard_ios) - l0))
	p1=$(($(sb_stat "$SB_IDX" physical_discard_ios) - p0))
	info "unmap_alignment $align, partition from LBA $part: an 8 MiB discard: $l1 requests, $p1 backing discards, split_ios +$s1; max_discard_segments $(rd "/sys/block/stackblk$SB_IDX/queue/max_discard_segments"), discard_max_bytes $(rd "/sys/block/stackblk$SB_IDX/queue/discard_max_bytes")"
	run dd if="$SB_DEV" of=/tmp/z bs=1M skip=$((zfrom * 1024)) count=$((zlen * 1024)) \
		iflag=direct,skip_bytes,count_bytes status=none
	is_zero /tmp/z ||
		fail "stages=split on $BK (1 MiB discard granules, unmap_alignment $align, partition from LBA $part): the whole granules of an 8 MiB discard kept their data"
	[ "$l1 $p1" = "$wantr $want" ] ||
		fail "an 8 MiB discard on $BK (1 MiB granules, unmap_alignment $align, partition from LBA $part, at most 4 MiB each): $l1 requests, $p1 backing discards; want $wantr, $want"
	sb_destroy dg
	modprobe -r scsi_debug || fail "modprobe -r scsi_debug failed"
}
modprobe sd_mod 2>/dev/null
if modinfo scsi_debug >/dev/null 2>&1; then
	granules 0 0 2 8 $((8 * 1024)) $((8 * 1024))
	granules 8 0 3 9 $((8 * 1024 + 4)) $((7 * 1024))
	granules 0 2056 3 9 $((8 * 1024 + 1020)) $((7 * 1024))
else
	info "no scsi_debug module: discard granules not checked"
fi

# the loop backing: 16 MiB of data in a file on a 64 MiB ext4
run modprobe loop
run modprobe ext4
mkdir -p /tmp/wzfs
run truncate -s 64M /tmp/wzfs.img
FSDEV=$(losetup -f --show /tmp/wzfs.img) || fail "losetup /tmp/wzfs.img failed"
trap 'umount /tmp/wzfs 2>/dev/null; losetup -D' EXIT
run mkfs.ext4 -q "$FSDEV"
run mount "$FSDEV" /tmp/wzfs
run dd if=/dev/urandom of=/tmp/wzfs/back bs=1M count=16 conv=fsync status=none
LB=$(losetup -f --show /tmp/wzfs/back) || fail "losetup /tmp/wzfs/back failed"
# blocks WHAT: the file's allocated 512-byte blocks, after a sync
blocks() { sync -f /tmp/wzfs/back; stat -c %b /tmp/wzfs/back; }
for st in "" split merge,split; do
	what=${st:-passthrough}
	a=(backing="$LB")
	[ -z "$st" ] || a+=(stages=$st split_boundary=65536)
	sb_create dz "${a[@]}"
	b0=$(blocks)
	run fallocate -z -o $((2 * M)) -l $M "$SB_DEV"
	b1=$(blocks)
	run fallocate -p -o $((4 * M)) -l $M "$SB_DEV"
	b2=$(blocks)
	info "$what over a loop file: allocated 512-byte blocks $b0, after fallocate -z $b1, after fallocate -p $b2"
	# (ext4 may add a block for the unwritten extent; it frees none)
	[ "$b1" -ge "$b0" ] ||
		fail "$what: fallocate -z freed $((b0 - b1)) blocks of the backing file (REQ_NOUNMAP lost)"
	[ "$b2" -le $((b1 - 2048)) ] ||
		fail "$what: fallocate -p freed $((b1 - b2)) blocks of the backing file, not 1 MiB"
	for o in 2 4; do
		read_range "$SB_DEV" $o 1 /tmp/z
		is_zero /tmp/z || fail "$what: the zeroed MiB at $o MiB does not read back zeros"
	done
	# allocate the punched MiB again for the next device
	run dd if=/dev/urandom of="$SB_DEV" bs=1M seek=4 count=1 oflag=direct conv=fsync status=none
	sb_destroy dz
done
run losetup -d "$LB"
run umount /tmp/wzfs
run losetup -d "$FSDEV"
trap - EXIT
sb_unload
