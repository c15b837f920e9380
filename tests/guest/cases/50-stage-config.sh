# Stage configuration: configfs attributes (stages, merge/split/crypt
# settings, write-only crypt_key), EINVAL for bad values, EBUSY while
# powered, the sysfs view of the active stages, the insmod one-shot path
# (stages= accepted, crypt refused: no key ever passes a module parameter),
# and the key's hex string absent from dmesg, debugfs, sysfs and the trace
# buffer after a run.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
KEY2=${KEY}f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdef0123456789abcdef
sb_load
D=$SB_CFS/c
run mkdir "$D"
expect_rd "$D/stages" ""
expect_rd "$D/crypt_cipher" aes-xts-plain64
expect_rd "$D/crypt_sector_size" 512
expect_rd "$D/crypt_iv_large_sectors" 0
expect_rd "$D/crypt_allow_discards" 0
# stages: any order, canonical output; unknown, duplicate, empty names refused
expect_wr OK "$D/stages" "crypt,split"
expect_rd "$D/stages" "split,crypt"
expect_wr OK "$D/stages" "crypt,merge,split"
expect_rd "$D/stages" "merge,split,crypt"
expect_wr OK "$D/stages" "crypt,split"
for bad in foo "merge,merge" "split,crypt,split" "merge," ",split" "merge,,split" "Merge" "merge split"; do
	expect_wr EINVAL "$D/stages" "$bad"
done
expect_rd "$D/stages" "split,crypt"
expect_wr OK "$D/stages" ""
expect_rd "$D/stages" ""
# numeric settings
expect_wr OK "$D/split_boundary" 65536
expect_wr EINVAL "$D/split_boundary" 1000
expect_wr EINVAL "$D/split_boundary" 0
expect_wr OK "$D/merge_max_bytes" 262144
expect_wr EINVAL "$D/merge_max_bytes" 100
expect_wr OK "$D/crypt_sector_size" 4096
expect_wr EINVAL "$D/crypt_sector_size" 1024
expect_wr EINVAL "$D/crypt_sector_size" 8192
expect_wr OK "$D/crypt_iv_large_sectors" 1
expect_wr EINVAL "$D/crypt_iv_large_sectors" 2
expect_wr OK "$D/crypt_allow_discards" 1
expect_wr EINVAL "$D/crypt_allow_discards" 2
expect_wr OK "$D/crypt_cipher" aes-xts-plain64
expect_wr EINVAL "$D/crypt_cipher" aes-cbc-essiv:sha256
expect_wr EINVAL "$D/crypt_cipher" aes-xts-plain
# crypt_key: write-only, 64 or 128 hex digits
m=$(stat -c %a "$D/crypt_key")
[ "$m" = 200 ] || fail "crypt_key has mode $m, expected 200"
if cat "$D/crypt_key" >/dev/null 2>&1; then fail "crypt_key can be read back"; fi
expect_wr EINVAL "$D/crypt_key" "${KEY:1}"
expect_wr EINVAL "$D/crypt_key" "${KEY}0"
expect_wr EINVAL "$D/crypt_key" "${KEY}${KEY:0:32}"
expect_wr EINVAL "$D/crypt_key" "${KEY:0:63}g"
expect_wr EINVAL "$D/crypt_key" "${KEY:0:62} 0"
expect_wr EINVAL "$D/crypt_key" ""
# crypt without a key cannot power on
expect_wr OK "$D/backing" "$SB_BACKING"
expect_wr OK "$D/stages" crypt
expect_wr EINVAL "$D/power" 1
expect_rd "$D/power" 0
# split boundary not a multiple of the crypt sector: refused at power-on
expect_wr OK "$D/crypt_key" "$KEY2"
expect_wr OK "$D/stages" split,crypt
expect_wr OK "$D/split_boundary" 2048
expect_wr EINVAL "$D/power" 1
expect_rd "$D/power" 0
expect_wr OK "$D/split_boundary" 65536
expect_wr OK "$D/crypt_key" "$KEY"
expect_wr OK "$D/stages" split,crypt
expect_wr OK "$D/power" 1
idx=$(rd "$D/index")
must_wait 20 "/dev/stackblk$idx" sb_dev_ready "$idx"
S=/sys/block/stackblk$idx/stackblk
expect_rd "$S/stages" split,crypt
expect_rd "$S/split_boundary" 65536
expect_rd "$S/merge_max_bytes" 262144
expect_rd "$S/crypt_cipher" aes-xts-plain64
expect_rd "$S/crypt_sector_size" 4096
expect_rd "$S/crypt_iv_large_sectors" 1
expect_rd "$S/crypt_allow_discards" 1
[ ! -e "$S/crypt_key" ] || fail "$S/crypt_key exists"
# everything but power refused while powered
for a in stages=split crypt_key=$KEY2 crypt_key=$KEY split_boundary=4096 merge_max_bytes=4096 \
	crypt_sector_size=512 crypt_iv_large_sectors=0 crypt_allow_discards=0 crypt_cipher=aes-xts-plain64; do
	expect_wr EBUSY "$D/${a%%=*}" "${a#*=}"
done
expect_rd "$S/stages" split,crypt
# a run with the stage tracepoints on, then look for the key everywhere
T=/sys/kernel/tracing
[ -d $T/events/stackblk ] || T=/sys/kernel/debug/tracing
echo 1 >$T/events/stackblk/enable
head -c 1M /dev/urandom >/tmp/k1
run dd if=/tmp/k1 of="/dev/stackblk$idx" bs=64k seek=3 oflag=direct status=none
run dd if=/tmp/k1 of="/dev/stackblk$idx" bs=1536 seek=1001 count=7 oflag=direct status=none
dd if="/dev/stackblk$idx" of=/dev/null bs=1536 skip=1001 count=7 iflag=direct status=none
echo 0 >$T/events/stackblk/enable
grep -q stackblk_rmw $T/trace || fail "no stackblk_rmw event in the trace buffer"
for k in "$KEY" "$KEY2" "${KEY:0:16}" "${KEY:32:16}"; do
	for K in "$k" "${k^^}"; do
		dmesg | grep -qi "$K" && fail "key material in dmesg"
		grep -qi "$K" $T/trace && fail "key material in the trace buffer"
		grep -rqis "$K" /sys/kernel/debug/stackblk/ && fail "key material in debugfs"
		grep -rqis "$K" "/sys/block/stackblk$idx/stackblk/" && fail "key material in sysfs"
		grep -rqis "$K" /sys/module/stackblk/parameters/ && fail "key material in module parameters"
		for f in "$D"/*; do
			[ "$(basename "$f")" = crypt_key ] && continue
			grep -qis "$K" "$f" && fail "key material in configfs $(basename "$f")"
		done
	done
done
echo >$T/trace
run sb_destroy c

# A backing of 2049 sectors (1 MiB + 512 bytes): crypt_sector_size 4096
# is refused at power-on, as dm-crypt refuses a table whose length is not
# a multiple of its sector_size; before, the device had a last 512 bytes
# that always failed with EIO (its crypt sector runs past the backing).
# With 512 the last sector is written and read back.
dm_create sbodd "0 2049 linear $SB_BACKING 0"
O=$SB_CFS/odd
run mkdir "$O"
for a in backing=/dev/mapper/sbodd stages=crypt crypt_key=$KEY crypt_sector_size=4096; do
	expect_wr OK "$O/${a%%=*}" "${a#*=}"
done
expect_wr EINVAL "$O/power" 1
expect_rd "$O/power" 0
[ -z "$(sb_disks)" ] || fail "a refused power-on left $(sb_disks)"
dmesg | grep -q "2049 sectors, not a whole number of crypt_sector_size 4096" ||
	fail "no clear message for a backing that is not whole crypt sectors"
expect_wr OK "$O/crypt_sector_size" 512
expect_wr OK "$O/power" 1
idx=$(rd "$O/index")
must_wait 20 "/dev/stackblk$idx" sb_dev_ready "$idx"
expect_rd "/sys/block/stackblk$idx/size" 2049
head -c 512 /dev/urandom >/tmp/t512
run dd if=/tmp/t512 of="/dev/stackblk$idx" bs=512 seek=2048 oflag=direct status=none
run dd if="/dev/stackblk$idx" of=/tmp/t512b bs=512 skip=2048 count=1 iflag=direct status=none
cmp -s /tmp/t512 /tmp/t512b || fail "crypt 512 on 2049 sectors: the last sector does not read back"
run sb_destroy odd
dm_remove sbodd
sb_unload

# insmod: stages and non-secret settings as parameters; crypt refused
sb_load backing="$SB_BACKING" stages=merge,split split_boundary=131072 merge_max_bytes=65536
must_wait 20 /dev/stackblk0 sb_dev_ready 0
expect_rd /sys/block/stackblk0/stackblk/stages merge,split
expect_rd /sys/block/stackblk0/stackblk/split_boundary 131072
expect_rd /sys/block/stackblk0/stackblk/merge_max_bytes 65536
head -c 1M /dev/urandom >/tmp/k2
run dd if=/tmp/k2 of=/dev/stackblk0 bs=1M seek=5 oflag=direct status=none
read_range /dev/stackblk0 5 1 /tmp/k2b
cmp /tmp/k2 /tmp/k2b || fail "one-shot split device: data differs"
[ "$(sb_stat 0 split_ios)" -ge 7 ] || fail "split_ios=$(sb_stat 0 split_ios) after a 1 MiB write with a 128 KiB boundary"
sb_unload
for bad in "stages=crypt" "stages=split,crypt" "stages=bogus" "stages=split crypt_cipher=aes-cbc-plain" \
	"stages=split crypt_sector_size=1024"; do
	# shellcheck disable=SC2086
	if insmod "$SB_KO" backing="$SB_BACKING" $bad 2>/dev/null; then
		rmmod stackblk
		fail "insmod $bad accepted"
	fi
	info "insmod $bad: refused"
done
dmesg | grep -q "keys are never module parameters" || fail "no clear message for insmod stages=crypt"
dmesg_clean
