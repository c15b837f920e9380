# dm-crypt interoperability and ciphertext properties of the crypt stage:
# for crypt_sector_size 512 and 4096, with and without iv_large_sectors,
# what stackblk writes (aligned and partial-crypt-sector writes) reads the
# same through dm-crypt's aes-xts-plain64 with the same key on the same
# backing, and the reverse.  Zeros written through crypt are not zeros on
# the backing, and equal plaintext sectors differ on disk.  Over NVMe,
# whose completions run in interrupt context, every read is decrypted in crypt_wq
# (crypt_read_wq_ios, exact).
command -v dmsetup >/dev/null || skip "dmsetup not installed"
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
modprobe dm-crypt 2>/dev/null || skip "no dm-crypt"
KEY=603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SECTORS=$(blockdev --getsz "$SB_BACKING")
sb_load
DM=sbx
trap 'dmsetup remove --noudevsync $DM 2>/dev/null' EXIT
dm_up() {	# CS IV
	local opts=""
	[ "$1" = 4096 ] && opts="sector_size:4096"
	[ "$2" = 1 ] && opts="$opts iv_large_sectors"
	set -- $opts
	local table="0 $SECTORS crypt aes-xts-plain64 $KEY 0 $SB_BACKING 0"
	[ $# -gt 0 ] && table="$table $# $*"
	info "dm-crypt options: $opts"
	dm_create $DM "$table"
}
dm_down() { dm_remove $DM; }
v=0
for cs in 512 4096; do
	for iv in 0 1; do
		base=$((v * 32 + 8))	# MiB
		v=$((v + 1))
		info "=== crypt_sector_size=$cs iv_large_sectors=$iv"
		# stackblk -> dm-crypt
		head -c 4M /dev/urandom >/tmp/d-a
		head -c 3584 /dev/urandom >/tmp/d-small
		sb_create x stages=crypt crypt_sector_size=$cs crypt_iv_large_sectors=$iv crypt_key=$KEY
		run dd if=/tmp/d-a of="$SB_DEV" bs=1M seek=$base oflag=direct status=none
		# partial crypt sectors: 3584 bytes at +512 inside the region
		run dd if=/tmp/d-small of="$SB_DEV" bs=512 seek=$((base * 2048 + 1)) oflag=direct status=none
		sb_destroy x
		python3 - /tmp/d-a /tmp/d-small <<'PY' >/tmp/d-want
import sys
a = bytearray(open(sys.argv[1], 'rb').read()); s = open(sys.argv[2], 'rb').read()
a[512:512 + len(s)] = s
sys.stdout.buffer.write(a)
PY
		dm_up $cs $iv
		dd if=/dev/mapper/$DM of=/tmp/d-got bs=1M skip=$base count=4 iflag=direct status=none
		cmp /tmp/d-want /tmp/d-got || fail "cs=$cs iv=$iv: dm-crypt reads different data than stackblk wrote"
		# dm-crypt -> stackblk
		head -c 4M /dev/urandom >/tmp/d-b
		run dd if=/tmp/d-b of=/dev/mapper/$DM bs=1M seek=$((base + 8)) oflag=direct status=none
		dm_down
		sb_create x stages=crypt crypt_sector_size=$cs crypt_iv_large_sectors=$iv crypt_key=$KEY
		read_range "$SB_DEV" $((base + 8)) 4 /tmp/d-got
		cmp /tmp/d-b /tmp/d-got || fail "cs=$cs iv=$iv: stackblk reads different data than dm-crypt wrote"
		# partial read of a crypt sector (1536 bytes at +2560)
		dd if="$SB_DEV" of=/tmp/d-p bs=512 skip=$(((base + 8) * 2048 + 5)) count=3 iflag=direct status=none
		cmp <(dd if=/tmp/d-b bs=512 skip=5 count=3 status=none) /tmp/d-p || fail "cs=$cs iv=$iv: partial read differs"
		# NVMe completes in interrupt context: every read is decrypted in crypt_wq
		if [[ $SB_BACKING == /dev/nvme* ]]; then
			sb_expect "$SB_IDX" crypt_read_task_ios=0 crypt_read_atomic_ios=0 \
				crypt_read_wq_ios=$(($(sb_stat "$SB_IDX" physical_read_ios) - $(sb_stat "$SB_IDX" rmw_ios)))
			out=$("$SB_REPO/tools/stackblk" stat -o cwq% "$SB_DEV") || fail "stackblk stat -o cwq% failed"
			grep -Eq "stackblk$SB_IDX +100\.0%\$" <<<"$out" || fail "stat cwq% is not 100.0%: $out"
		fi
		# ciphertext: zeros are not zeros on disk, equal sectors differ
		run dd if=/dev/zero of="$SB_DEV" bs=64k count=1 seek=$(((base + 16) * 16)) oflag=direct status=none
		dd if="$SB_DEV" of=/tmp/d-z bs=64k count=1 skip=$(((base + 16) * 16)) iflag=direct status=none
		is_zero /tmp/d-z || fail "cs=$cs iv=$iv: zeros do not read back as zeros"
		sb_destroy x
		dd if="$SB_BACKING" of=/tmp/d-c bs=64k count=1 skip=$(((base + 16) * 16)) iflag=direct status=none
		is_zero /tmp/d-c && fail "cs=$cs iv=$iv: zeros written through crypt are zeros on the backing"
		python3 - /tmp/d-c $cs <<'PY' || fail "cs=$cs iv=$iv: two crypt sectors of equal plaintext are equal on disk"
import sys
d = open(sys.argv[1], 'rb').read(); cs = int(sys.argv[2])
secs = [d[i:i + cs] for i in range(0, len(d), cs)]
sys.exit(0 if len(set(secs)) == len(secs) and not any(s == bytes(cs) for s in secs) else 1)
PY
	done
done
sb_unload
dmesg_clean
