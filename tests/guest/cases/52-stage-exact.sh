# Exact counters of the split and crypt stages:
#  - the classic amplification example: split,crypt with split_boundary
#    65536 and crypt_sector_size 4096, one direct 4096-byte write at byte
#    63488 -> 2 pieces, 2 RMW cycles, 8192 bytes read and written (4.0x);
#  - split only: a 128 KiB write at 32 KiB with a 64 KiB boundary -> 3
#    backing writes, split_ios=2.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
sb_load
sb_create a stages=split,crypt split_boundary=65536 crypt_sector_size=4096 crypt_key=$KEY
R=/sys/block/stackblk$SB_IDX/stackblk/reset
# first give the neighbourhood known content, then reset and do the write
head -c 131072 /dev/urandom >/tmp/e-old
run dd if=/tmp/e-old of="$SB_DEV" bs=65536 oflag=direct status=none
head -c 4096 /dev/urandom >/tmp/e-new
echo 1 >$R
run dd if=/tmp/e-new of="$SB_DEV" bs=4096 count=1 seek=63488 oflag=direct,seek_bytes status=none
sb_expect "$SB_IDX" logical_write_ios=1 logical_write_bytes=4096 split_ios=1 rmw_ios=2 \
	rmw_read_bytes=8192 physical_read_ios=2 physical_read_bytes=8192 \
	physical_write_ios=2 physical_write_bytes=8192 logical_read_ios=0 merged_ios=0 errors=0
# the neighbours survived the read-modify-write
python3 - /tmp/e-old /tmp/e-new <<'PY' >/tmp/e-want
import sys
old = bytearray(open(sys.argv[1], 'rb').read()); new = open(sys.argv[2], 'rb').read()
old[63488:63488 + 4096] = new
sys.stdout.buffer.write(old)
PY
dd if="$SB_DEV" of=/tmp/e-got bs=65536 count=2 iflag=direct status=none
cmp /tmp/e-want /tmp/e-got || fail "data around the RMW write differs"
sb_destroy a

sb_create b stages=split split_boundary=65536
echo 1 >/sys/block/stackblk$SB_IDX/stackblk/reset
w0=$(bk_stat 5)
head -c 131072 /dev/urandom >/tmp/e-128
run dd if=/tmp/e-128 of="$SB_DEV" bs=131072 count=1 seek=32768 oflag=direct,seek_bytes status=none
w1=$(bk_stat 5)
sb_expect "$SB_IDX" logical_write_ios=1 logical_write_bytes=131072 split_ios=2 \
	physical_write_ios=3 physical_write_bytes=131072 rmw_ios=0
[ $((w1 - w0)) = 3 ] || fail "the backing saw $((w1 - w0)) writes, expected 3"
dd if="$SB_BACKING" of=/tmp/e-128b bs=131072 count=1 skip=32768 iflag=direct,skip_bytes status=none
cmp /tmp/e-128 /tmp/e-128b || fail "split write: backing bytes differ"
sb_destroy b
sb_unload
dmesg_clean
