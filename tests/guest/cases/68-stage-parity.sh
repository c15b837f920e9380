# The parity stage (RAID-5 under crypt, docs/stages.md):
#  - the seeds' whole stack, exactly: split,crypt,parity (split_boundary
#    64 KiB, crypt_sector_size 4096, 5 members of 16 KiB chunks); one
#    4 KiB write across the split boundary (tools/fio/parity-seeds.fio) is
#    6 reads and 4 writes, 24576 and 16384 bytes; split_ios + rmw_ios +
#    parity_read_ios + parity_write_ios (+ parity_split_ios - merged_ios,
#    here 0, and checked after every run below) = physical - logical
#    I/Os; the backing's diskstats agree; the bytes around it read back;
#  - the size, (members - 1) / members of the backing in whole stripes, and
#    md's I/O hints: minimum_io_size = chunk, optimal_io_size = stripe;
#  - FUA: both member writes of a FUA write, data and parity, carry FUA;
#  - full-stripe sequential writes read nothing: only reconstruct-writes,
#    every stripe once, physical_read_ios = 0;
#  - data integrity and parity: fio verify=crc32c, random sizes 512 B ..
#    1 MiB (most of them small and unaligned, so that many land in one
#    stripe at once) at QD64, libaio and io_uring, numjobs = vCPUs, through stage
#    subsets with parity, then every stripe of the region checked straight
#    from the backing (tests/guest/parity-check.py): XOR of its chunks = 0;
#  - backing errors (dm-error over two chunks of member 4): a write whose
#    parity read fails gets EIO and writes nothing (the backing is
#    unchanged); a full-stripe write whose parity write fails, and one whose
#    data write fails, fail with EIO; other stripes still work;
#  - degraded mode (parity_failed_member=2, whose region is a dm-error
#    target, so any access would fail): every byte reads back, rebuilt
#    from the other 4 members where member 2 held it; exact counts of a
#    rebuilt read, a write to the failed member's data (rebuilt into
#    parity, reads back) and a write whose parity is on it (no update);
#    fio verify in degraded mode; the attribution still adds up with
#    parity_degraded_ios.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
modprobe dm-mod 2>/dev/null
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PCHECK=$SB_REPO/tests/guest/parity-check.py
# attribution N WHAT: the stage counters explain every physical I/O:
# physical - logical = split + rmw + parity reads, writes and splits
# - merged - degraded (the failed member's reads rebuilt, writes left out)
attribution() {
	local n=$1 c v phys=0 log=0 att=0
	for c in physical_read_ios physical_write_ios; do phys=$((phys + $(sb_stat "$n" $c))); done
	for c in logical_read_ios logical_write_ios; do log=$((log + $(sb_stat "$n" $c))); done
	for c in split_ios rmw_ios parity_read_ios parity_write_ios parity_split_ios; do
		att=$((att + $(sb_stat "$n" $c)))
	done
	v=$(($(sb_stat "$n" merged_ios) + $(sb_stat "$n" parity_degraded_ios)))
	[ $((phys - log)) = $((att - v)) ] ||
		fail "$2: physical - logical I/Os = $((phys - log)), the stage counters say $((att - v))"
	info "$2: physical - logical I/Os = $((phys - log)) = the stage counters' sum"
}
SEEDS=(split_boundary=65536 crypt_sector_size=4096 parity_members=5 parity_chunk=16384)
sb_load

# --- the seeds' whole stack ------------------------------------------------------
sb_create a stages=split,crypt,parity "${SEEDS[@]}" crypt_key=$KEY
R=/sys/block/stackblk$SB_IDX/stackblk/reset
# the device: (members - 1) / members of the backing in whole stripes; I/O
# hints as md gives them (chunk, stripe)
bk=$(blockdev --getsize64 "$SB_BACKING")
[ "$(blockdev --getsize64 "$SB_DEV")" = $((bk / 5 / 16384 * 16384 * 4)) ] ||
	fail "size $(blockdev --getsize64 "$SB_DEV"), expected 4/5 of $bk in whole stripes"
expect_rd "/sys/block/stackblk$SB_IDX/queue/minimum_io_size" 16384
expect_rd "/sys/block/stackblk$SB_IDX/queue/optimal_io_size" 65536
# give stripes 0 and 1 known content with full-stripe writes (no reads)
head -c 131072 /dev/urandom >"$SB_ART/old"
echo 1 >"$R"
run dd if="$SB_ART/old" of="$SB_DEV" bs=65536 oflag=direct status=none
sb_expect "$SB_IDX" physical_read_ios=0 parity_rcw_ios=2 parity_rmw_ios=0 physical_write_ios=10 \
	parity_write_bytes=32768 physical_write_bytes=163840
echo 1 >"$R"
T=/sys/kernel/tracing
[ -d $T/events/stackblk ] || T=/sys/kernel/debug/tracing
echo >$T/trace
echo 1 >$T/events/stackblk/stackblk_parity/enable
r0=$(bk_stat 1) rs0=$(bk_stat 3) w0=$(bk_stat 5) ws0=$(bk_stat 7)
(cd "$SB_ART" && STACKBLK_DEV=$SB_DEV timeout 120 fio --output=seeds.out \
	"$SB_REPO/tools/fio/parity-seeds.fio") || fail "tools/fio/parity-seeds.fio failed: $(tail -n3 "$SB_ART/seeds.out")"
r1=$(bk_stat 1) rs1=$(bk_stat 3) w1=$(bk_stat 5) ws1=$(bk_stat 7)
echo 0 >$T/events/stackblk/stackblk_parity/enable
# the tracepoint: stripe 0's last chunk (parity on member 4), stripe 1's
# first (parity on member 3), each a 4 KiB read-modify-write
ev=$(grep -o 'stripe=.*len=[0-9]*' $T/trace | sort | tr '\n' ';')
[ "$ev" = "stripe=0 rmw parity=4 off=12288 len=4096;stripe=1 rmw parity=3 off=0 len=4096;" ] ||
	fail "stackblk_parity events: '$ev'"
# and debugfs keeps the latest updates: the two above after the two
# full-stripe reconstruct-writes
up=$(grep '^update ' "/sys/kernel/debug/stackblk/stackblk$SB_IDX/parity" | tr '\n' ';')
[ "$up" = "update 0 rcw 4 0 16384;update 1 rcw 3 0 16384;update 0 rmw 4 12288 4096;update 1 rmw 3 0 4096;" ] ||
	fail "debugfs parity updates: '$up'"
sb_expect "$SB_IDX" logical_write_ios=1 logical_write_bytes=4096 logical_read_ios=0 \
	split_ios=1 rmw_ios=2 rmw_read_bytes=8192 \
	parity_rmw_ios=2 parity_rcw_ios=0 parity_read_ios=4 parity_read_bytes=16384 \
	parity_write_ios=2 parity_write_bytes=8192 parity_split_ios=0 \
	physical_read_ios=6 physical_read_bytes=24576 physical_write_ios=4 physical_write_bytes=16384 \
	errors=0
attribution "$SB_IDX" seeds
[ "$((r1 - r0)) $((w1 - w0)) $((rs1 - rs0)) $((ws1 - ws0))" = "6 4 48 32" ] ||
	fail "the backing saw $((r1 - r0)) reads ($((rs1 - rs0)) sectors), $((w1 - w0)) writes ($((ws1 - ws0)) sectors); expected 6 (48), 4 (32)"
python3 - "$SB_ART/old" <<'PY' >"$SB_ART/want"
import sys
old = bytearray(open(sys.argv[1], 'rb').read())
old[63488:63488 + 4096] = b'\x5a' * 4096
sys.stdout.buffer.write(old)
PY
dd if="$SB_DEV" of="$SB_ART/got" bs=65536 count=2 iflag=direct status=none
cmp "$SB_ART/want" "$SB_ART/got" || fail "seeds: data around the write differs"
python3 "$PCHECK" "$SB_BACKING" 5 16384 0 131072 >&2 || fail "seeds: parity of stripes 0-1 is wrong"
# FUA: an O_DSYNC 4 KiB write of whole crypt sectors in stripe 0 (a parity
# read-modify-write): both member writes, data and parity, carry FUA
echo >$T/trace
echo 1 >$T/events/stackblk/stackblk_bio_submit/enable
run dd if=/dev/urandom of="$SB_DEV" bs=4096 seek=3 count=1 oflag=direct,dsync status=none
echo 0 >$T/events/stackblk/stackblk_bio_submit/enable
# (bios with data: the O_DSYNC write's own flush that follows is not ours)
rw=$(grep stackblk_bio_submit $T/trace |
	awk '{for (i = 1; i < NF; i++) if ($i == "->" && $(i + 5) > 0) print $(i + 2)}' | sort | tr '\n' ' ')
[ "$rw" = "RS RS WFS WFS " ] || fail "FUA write through parity: backing bios '$rw', expected 'RS RS WFS WFS '"
grep -q '^stripes ' "/sys/kernel/debug/stackblk/stackblk$SB_IDX/parity" ||
	fail "debugfs parity file: $(head -c 200 "/sys/kernel/debug/stackblk/stackblk$SB_IDX/parity")"
sb_destroy a
# the check sees a stale chunk: one byte of stripe 1 on member 0 (whose
# region starts at byte 0), changed under stackblk's feet
python3 - "$SB_BACKING" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
b = os.pread(fd, 1, 16384 + 100)
os.pwrite(fd, bytes([b[0] ^ 0xff]), 16384 + 100)
os.fsync(fd)
os.close(fd)
PY
python3 "$PCHECK" "$SB_BACKING" 5 16384 0 131072 >"$SB_ART/pcheck.bad" &&
	fail "parity-check.py missed a changed byte of stripe 1"
grep -qx 'bad 1' "$SB_ART/pcheck.bad" || fail "parity-check.py: '$(tr '\n' ' ' <"$SB_ART/pcheck.bad")', expected 'bad 1'"

# --- full stripes: no reads ---------------------------------------------------------
sb_create f stages=parity parity_members=4 parity_chunk=65536
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
# 16 stripes of 192 KiB, 2 per write
run dd if=/dev/urandom of="$SB_DEV" bs=$((2 * 196608)) count=8 seek=2 oflag=direct status=none
sb_expect "$SB_IDX" physical_read_ios=0 parity_read_ios=0 parity_rmw_ios=0 parity_rcw_ios=16 \
	parity_write_ios=16 parity_write_bytes=1048576 physical_write_ios=64 \
	physical_write_bytes=$((16 * 262144)) logical_write_bytes=$((16 * 196608)) errors=0 \
	parity_split_ios=40
attribution "$SB_IDX" "full stripes"
python3 "$PCHECK" "$SB_BACKING" 4 65536 $((2 * 2 * 196608)) $((16 * 196608)) >&2 ||
	fail "full stripes: parity is wrong"
sb_destroy f

# --- pages that change while they are written back ----------------------------------------
# Without crypt the data is written from the caller's pages, and parity
# computed from them: the device asks for stable writes (the page cache
# waits for writeback before a page changes again), as md's raid5 does
# when it skips its stripe cache copy.  Crypt writes from bounce pages of
# its own, so with crypt it does not.  Before the fix a page could change
# between the parity computation and the data write (found in review;
# not reproduced here: the race below gave a consistent stripe 0 without
# the fix too, in 939 write-backs under TCG).  What the race shows is that
# stable writes work through the parity stage: one process keeps changing
# a shared mapping of stripe 0 (each write fault now waits for that
# page's writeback) while another writes the mapping back in a loop;
# nothing hangs, and afterwards stripe 0's parity matches its data.
python3 "$PCHECK" --zero "$SB_BACKING" 5 16384 0 65536 >&2 || fail "zeroing stripe 0 failed"
sb_create m stages=parity parity_members=5 parity_chunk=16384
expect_rd "/sys/block/stackblk$SB_IDX/queue/stable_writes" 1
python3 - "$SB_DEV" 3 <<'PY' >&2 || fail "the mapping race did not run"
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 65536, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
end = time.monotonic() + float(sys.argv[2])
pid = os.fork()
if pid == 0:
    i = 0
    while time.monotonic() < end:
        i += 1
        m[(i * 4099) % 65536] = i & 0xff
    os._exit(0)
n = 0
while time.monotonic() < end:
    os.fsync(fd)
    n += 1
os.waitpid(pid, 0)
m.flush()
os.fsync(fd)
print(f"# {n} write-backs of a mapping changed meanwhile")
PY
writes=$(sb_stat "$SB_IDX" logical_write_ios)
info "the device got $writes writes"
[ "$writes" -gt 0 ] || fail "the mapping race wrote nothing"
sb_destroy m
python3 "$PCHECK" "$SB_BACKING" 5 16384 0 65536 >&2 ||
	fail "stripe 0's parity does not match its data after writes of changing pages"
sb_create mc stages=crypt,parity parity_members=5 parity_chunk=16384 crypt_key=$KEY
expect_rd "/sys/block/stackblk$SB_IDX/queue/stable_writes" 0
sb_destroy mc

# --- data integrity, then parity, through stage subsets ---------------------------------
# stages:members:chunk[:failed member]; SB_PARITY_MB MiB per fio job; each
# subset writes its own region, whose
# stripes are zeroed on the backing first: consistent, as a zeroed backing
# starts (a read-modify-write keeps a stripe as consistent as it was).
# Where whole stripes reach the parity stage whole (no split, or stripes
# that split does not cut, and no larger than a request), zeroing them
# through stackblk reads nothing.
MB=${SB_PARITY_MB:-16}
n=0
for spec in ${SB_PARITY_SUBSETS:-parity:3:4096 merge,split,crypt,parity:5:16384 split,crypt,parity:4:16384:1}; do
	IFS=: read -r st members chunk failed <<<"$spec"
	failed=${failed:-16}
	name=p${st//,/-}-$members
	[ "$failed" -lt "$members" ] && name=$name-f$failed
	width=$((chunk * (members - 1)))
	len=$((SB_NCPU * MB * 1048576))
	len=$(((len + width - 1) / width * width))
	off=$(((16 + n * 4 * MB) * 1048576 / width * width))
	python3 "$PCHECK" --zero "$SB_BACKING" "$members" "$chunk" "$off" "$len" >&2 ||
		fail "$name: cannot zero the region's stripes"
	sb_create "$name" stages="$st" split_boundary=65536 merge_max_bytes=262144 \
		crypt_sector_size=4096 crypt_key=$KEY parity_members="$members" parity_chunk="$chunk" \
		parity_failed_member="$failed"
	[[ ,$st, = *,merge,* ]] && echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
	maxio=$(($(rd "/sys/block/stackblk$SB_IDX/queue/max_sectors_kb") * 1024))
	if { [[ ,$st, != *,split,* ]] || [ $((65536 % width)) = 0 ]; } && [ "$width" -le "$maxio" ]; then
		run dd if=/dev/zero of="$SB_DEV" bs="$width" seek=$((off / width)) count=$((len / width)) \
			oflag=direct status=none
		sb_expect "$SB_IDX" physical_read_ios=0 parity_rmw_ios=0
		# (degraded: no update of the stripes whose parity has failed)
		[ "$failed" -lt "$members" ] ||
			sb_expect "$SB_IDX" parity_rcw_ios=$((len / width))
	fi
	for eng in libaio io_uring; do
		sb_fio "$name-$eng" 600 --filename="$SB_DEV" --ioengine="$eng" --numjobs="$SB_NCPU" \
			--offset="$off" --size=$((MB - 1))M --offset_increment=${MB}M \
			--rw=randwrite --bssplit=512/15:1536/10:3584/15:4k/20:12800/15:66048/10:300k/5:1m/10 \
			--iodepth=64 --iodepth_batch_submit=16 \
			--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_backlog=16
	done
	info "$name: parity_rmw_ios=$(sb_stat "$SB_IDX" parity_rmw_ios) parity_rcw_ios=$(sb_stat "$SB_IDX" parity_rcw_ios) parity_read_ios=$(sb_stat "$SB_IDX" parity_read_ios)"
	[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "$name: errors = $(sb_stat "$SB_IDX" errors)"
	attribution "$SB_IDX" "$name"
	[ "$(sb_stat "$SB_IDX" parity_rmw_ios)" -gt 0 ] || [ "$members" -le 4 ] ||
		fail "$name: random small writes and no read-modify-write"
	# degraded: the failed member's chunks are stale by design; fio read
	# back through the rebuilt data instead
	if [ "$failed" -ge "$members" ]; then
		python3 "$PCHECK" "$SB_BACKING" "$members" "$chunk" "$off" "$len" >&2 ||
			fail "$name: parity of the region is wrong"
	else
		[ "$(sb_stat "$SB_IDX" parity_degraded_ios)" -gt 0 ] ||
			fail "$name: degraded, and no I/O of the failed member rebuilt or left out"
	fi
	sb_destroy "$name"
	n=$((n + 1))
done

# --- backing errors ----------------------------------------------------------------------
# An 8 MiB dm device: members of 1671168 bytes (3264 sectors); member 4 at
# sector 13056.  Its chunks 0 and 1 fail: stripe 0's parity, and stripe 1's
# data chunk 0 (parity of stripe 1 is member 3, its first data member 4).
run dd if=/dev/urandom of="$SB_BACKING" bs=1M count=8 oflag=direct status=none
dm_create sbphole "0 13056 linear $SB_BACKING 0
13056 64 error
13120 3264 linear $SB_BACKING 13120"
sb_create e backing=/dev/mapper/sbphole stages=parity parity_members=5 parity_chunk=16384
R=/sys/block/stackblk$SB_IDX/stackblk/reset
dd if="$SB_BACKING" of="$SB_ART/bk.before" bs=1M count=8 iflag=direct status=none
echo 1 >"$R"
err=$(dd if=/dev/urandom of="$SB_DEV" bs=4096 count=1 oflag=direct status=none 2>&1) &&
	fail "a write whose parity read fails succeeded"
grep -q "Input/output error" <<<"$err" || fail "parity read failure: dd said '$err', expected EIO"
sb_expect "$SB_IDX" errors=1 parity_rmw_ios=1 parity_read_ios=1 physical_read_ios=1 physical_write_ios=0
dd if="$SB_BACKING" of="$SB_ART/bk.after" bs=1M count=8 iflag=direct status=none
cmp -s "$SB_ART/bk.before" "$SB_ART/bk.after" || fail "a write whose parity read failed changed the backing"
# full stripe 0: its parity write fails; full stripe 1: a data write fails
for s in 0 1; do
	err=$(dd if=/dev/urandom of="$SB_DEV" bs=65536 count=1 seek=$s oflag=direct status=none 2>&1) &&
		fail "full stripe $s: a write with a failing member write succeeded"
	grep -q "Input/output error" <<<"$err" || fail "full stripe $s: dd said '$err', expected EIO"
done
sb_expect "$SB_IDX" errors=3 parity_rcw_ios=2 parity_read_ios=1
# stripe 2 is whole: a partial write and the read back work
head -c 4096 /dev/urandom >"$SB_ART/s2"
run dd if="$SB_ART/s2" of="$SB_DEV" bs=4096 seek=$((2 * 16 + 5)) count=1 oflag=direct status=none
dd if="$SB_DEV" of="$SB_ART/s2.back" bs=4096 skip=$((2 * 16 + 5)) count=1 iflag=direct status=none
cmp -s "$SB_ART/s2" "$SB_ART/s2.back" || fail "stripe 2: a write beside the failing chunks did not read back"
sb_expect "$SB_IDX" errors=3
sb_destroy e
dm_remove sbphole

# --- degraded mode: member 2 of 5 has failed ----------------------------------------------
# a failed member beyond the members (not 16, none) is refused at power on
mkdir "$SB_CFS/x" || fail "mkdir $SB_CFS/x"
expect_wr OK "$SB_CFS/x/backing" "$SB_BACKING"
expect_wr OK "$SB_CFS/x/stages" parity
expect_wr OK "$SB_CFS/x/parity_failed_member" 5
expect_wr EINVAL "$SB_CFS/x/power" 1
expect_wr EINVAL "$SB_CFS/x/parity_failed_member" 17
rmdir "$SB_CFS/x"
# Known data on a consistent array (an 8 MiB dm-linear, stripes zeroed,
# then 32 full stripes written), then the same 8 MiB with member 2's
# region (sectors 6528-9791) an error target: any access to it would fail.
dm_create sbpgood "0 16384 linear $SB_BACKING 0"
python3 "$PCHECK" --zero /dev/mapper/sbpgood 5 16384 >&2 || fail "cannot zero the array"
sb_create g backing=/dev/mapper/sbpgood stages=parity parity_members=5 parity_chunk=16384
head -c 2097152 /dev/urandom >"$SB_ART/deg"
run dd if="$SB_ART/deg" of="$SB_DEV" bs=65536 oflag=direct status=none
sb_destroy g
dm_remove sbpgood
dm_create sbpfail "0 6528 linear $SB_BACKING 0
6528 3264 error
9792 6592 linear $SB_BACKING 9792"
sb_create d backing=/dev/mapper/sbpfail stages=parity parity_members=5 parity_chunk=16384 \
	parity_failed_member=2
R=/sys/block/stackblk$SB_IDX/stackblk/reset
expect_rd "/sys/block/stackblk$SB_IDX/stackblk/parity_failed_member" 2
grep -qx 'failed 2' "/sys/kernel/debug/stackblk/stackblk$SB_IDX/parity" || fail "debugfs parity: no 'failed 2'"
# every byte reads back: 26 of the 32 stripes have data on member 2 (the
# other 6 have their parity there), rebuilt from the 4 others
echo 1 >"$R"
dd if="$SB_DEV" of="$SB_ART/deg.back" bs=65536 count=32 iflag=direct status=none ||
	fail "degraded: reading the array failed"
cmp -s "$SB_ART/deg" "$SB_ART/deg.back" || fail "degraded: the data read back differs"
sb_expect "$SB_IDX" errors=0 parity_degraded_ios=26 parity_read_ios=104 physical_read_ios=206
attribution "$SB_IDX" "degraded read"
# exactly: 4 KiB of member 2 (stripe 0, data chunk 2: bytes 32 KiB..48 KiB)
echo 1 >"$R"
run dd if="$SB_DEV" of=/dev/null bs=4096 skip=8 count=1 iflag=direct status=none
sb_expect "$SB_IDX" physical_read_ios=4 parity_read_ios=4 parity_read_bytes=16384 parity_degraded_ios=1
# a write within member 2's data: a reconstruct-write from the 3 other
# data chunks, only the parity written; it reads back (rebuilt)
echo 1 >"$R"
head -c 4096 /dev/urandom >"$SB_ART/d4"
run dd if="$SB_ART/d4" of="$SB_DEV" bs=4096 seek=9 count=1 oflag=direct status=none
sb_expect "$SB_IDX" parity_rcw_ios=1 parity_rmw_ios=0 parity_read_ios=3 physical_read_ios=3 \
	physical_write_ios=1 parity_write_ios=1 parity_degraded_ios=1 errors=0
attribution "$SB_IDX" "degraded write"
# 8 KiB across chunks 1 and 2 of stripe 0 (bytes 28-36 KiB): the hull is
# the whole chunk, member 2's part of it is partly written, so its old
# bytes are rebuilt: old parity and 3 data chunks read (16 KiB each), the
# data of member 1 and the parity written
echo 1 >"$R"
head -c 8192 /dev/urandom >"$SB_ART/d8"
run dd if="$SB_ART/d8" of="$SB_DEV" bs=8192 seek=28672 count=1 oflag=direct,seek_bytes status=none
sb_expect "$SB_IDX" parity_rcw_ios=1 parity_read_ios=4 parity_read_bytes=65536 physical_read_ios=4 \
	physical_write_ios=2 parity_write_ios=1 parity_split_ios=1 parity_degraded_ios=1 errors=0
attribution "$SB_IDX" "degraded rebuild"
grep -qx 'update 0 rebuild 4 0 16384' "/sys/kernel/debug/stackblk/stackblk$SB_IDX/parity" ||
	fail "debugfs parity: no 'update 0 rebuild 4 0 16384'"
dd if="$SB_DEV" of="$SB_ART/d4.back" bs=4096 skip=9 count=1 iflag=direct status=none
cmp -s "$SB_ART/d4" "$SB_ART/d4.back" || fail "degraded: a write to the failed member does not read back"
# a write to stripe 2, whose parity is on member 2: the data only
echo 1 >"$R"
run dd if="$SB_ART/d4" of="$SB_DEV" bs=4096 seek=32 count=1 oflag=direct status=none
sb_expect "$SB_IDX" physical_read_ios=0 physical_write_ios=1 parity_write_ios=0 parity_rcw_ios=0 \
	parity_rmw_ios=0 errors=0
# data integrity in degraded mode, beside the 2 MiB: fio's writes and reads
# of member 2's chunks all go through parity
sb_fio degraded-libaio 600 --filename="$SB_DEV" --ioengine=libaio --offset=2M --size=1M \
	--rw=randwrite --bssplit=512/20:4k/30:12800/20:66048/20:300k/10 --iodepth=16 \
	--verify=crc32c --do_verify=1 --verify_fatal=1
[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "degraded: errors = $(sb_stat "$SB_IDX" errors)"
[ "$(sb_stat "$SB_IDX" parity_degraded_ios)" -gt 0 ] || fail "degraded: fio never touched member 2"
attribution "$SB_IDX" "degraded fio"
# the first 2 MiB still read back as they were (the 4 KiB writes aside)
python3 - "$SB_ART/deg" "$SB_ART/d4" "$SB_ART/d8" <<'PY' >"$SB_ART/deg.want"
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); w = open(sys.argv[2], 'rb').read()
d[7 * 4096:9 * 4096] = open(sys.argv[3], 'rb').read()
d[9 * 4096:10 * 4096] = w
d[32 * 4096:33 * 4096] = w
sys.stdout.buffer.write(d)
PY
dd if="$SB_DEV" of="$SB_ART/deg.back" bs=65536 count=32 iflag=direct status=none
cmp -s "$SB_ART/deg.want" "$SB_ART/deg.back" || fail "degraded: the array changed beside the writes"
sb_destroy d
dm_remove sbpfail
sb_unload
dmesg_clean
