# Backing faults with stages on (dm-error hole of 4 KiB at 1 MiB):
#  - split (4 KiB boundary): a 16 KiB write with one failing piece fails as a
#    whole with EIO, so does its read; the next 16 KiB works; errors = 2.
#  - crypt 4096 over dm-flakey error_reads (6.5+): a 512-byte write needs a
#    read-modify-write; its read fails, so the write fails with EIO and
#    nothing is written (physical_write_ios = 0, namespace unchanged); a
#    whole-crypt-sector write (no RMW) still works.
#  - merge (nomerges=2, fio io_uring, 8 contiguous 4 KiB writes in one
#    batch over the hole): the one merged backing write fails, and every
#    request it absorbed fails: errors = 8, fio saw 8 EIO.
modprobe dm-mod 2>/dev/null
modprobe dm-flakey 2>/dev/null
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
B=$SB_BACKING
# a function, not a string: the repository path may hold spaces
bio() { python3 "$SB_REPO/tests/guest/blkio.py" "$@"; }
hole() {
	dm_create sbhole "0 2048 linear $B 0
2048 8 error
2056 6136 linear $B 2056"
}
unhole() { dm_remove sbhole; }
sb_load

# --- split ---------------------------------------------------------------
hole
sb_create s backing=/dev/mapper/sbhole stages=split split_boundary=4096
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
bio write "$SB_DEV" 1040384 32768 16384 sp >"$SB_ART/split.w"
bio read "$SB_DEV" 1040384 32768 16384 sp >"$SB_ART/split.r"
info "split: $(tr '\n' ' ' <"$SB_ART/split.w") / $(tr '\n' ' ' <"$SB_ART/split.r")"
[ "$(head -2 "$SB_ART/split.w" | tr '\n' ' ')" = "err 1040384 EIO 0 ok 1056768 0 " ] || fail "split: writes $(tr '\n' ' ' <"$SB_ART/split.w")"
[ "$(tr '\n' ' ' <"$SB_ART/split.r")" = "err 1040384 EIO ok 1056768 " ] || fail "split: reads $(tr '\n' ' ' <"$SB_ART/split.r")"
sb_expect "$SB_IDX" errors=2 logical_write_ios=2 physical_write_ios=8 split_ios=12 logical_read_ios=2 physical_read_ios=8
sb_destroy s
unhole

# --- crypt: a failed RMW read writes nothing ----------------------------------
if dmsetup create --noudevsync sbrderr --table "0 16384 flakey $B 0 0 3600 1 error_reads" 2>"$SB_ART/flakey.err"; then
	dmsetup remove --noudevsync sbrderr
	dm_create sbrderr "0 16384 flakey $B 0 0 3600 1 error_reads"
	head -c 65536 /dev/urandom >"$SB_ART/ns.before"
	run dd if="$SB_ART/ns.before" of="$B" bs=65536 count=1 oflag=direct status=none
	sb_create c backing=/dev/mapper/sbrderr stages=crypt crypt_sector_size=4096 crypt_key=$KEY
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
	head -c 512 /dev/urandom >"$SB_ART/512"
	err=$(dd if="$SB_ART/512" of="$SB_DEV" bs=512 seek=2 count=1 oflag=direct status=none 2>&1) &&
		fail "rmw: a 512-byte write whose RMW read fails succeeded"
	grep -q "Input/output error" <<<"$err" || fail "rmw: dd said '$err', expected EIO"
	sb_expect "$SB_IDX" errors=1 logical_write_ios=1 physical_write_ios=0 physical_read_ios=1 rmw_ios=1
	dd if="$B" of="$SB_ART/ns.after" bs=65536 count=1 iflag=direct status=none
	cmp -s "$SB_ART/ns.before" "$SB_ART/ns.after" || fail "rmw: the namespace changed after a failed RMW"
	# a whole crypt sector needs no read: it is written
	head -c 4096 /dev/urandom >"$SB_ART/4k"
	run dd if="$SB_ART/4k" of="$SB_DEV" bs=4096 seek=4 count=1 oflag=direct status=none
	sb_expect "$SB_IDX" errors=1 physical_write_ios=1 physical_read_ios=1
	dd if="$B" of="$SB_ART/ns.after" bs=65536 count=1 iflag=direct status=none
	cmp -s "$SB_ART/ns.before" "$SB_ART/ns.after" && fail "rmw: a whole-sector write did not reach the namespace"
	cmp -l "$SB_ART/ns.before" "$SB_ART/ns.after" | awk '$1 <= 16384 || $1 > 20480 {bad = 1} END {exit !bad}' &&
		fail "rmw: bytes outside the written crypt sector changed"
	sb_destroy c
	dm_remove sbrderr
else
	# error_reads came with Linux 6.5: only older kernels may lack it
	v=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
	[ "$v" -lt 6005 ] || fail "dm-flakey error_reads refused: $(cat "$SB_ART/flakey.err")"
	info "dm-flakey has no error_reads on $(uname -r): RMW read failure not tested here"
fi

# --- merge: one failed merged write fails all of its requests -------------------
hole
sb_create m backing=/dev/mapper/sbhole stages=merge
echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
(cd "$SB_ART" && timeout 120 fio --name=mfail --filename="$SB_DEV" --direct=1 --ioengine=io_uring \
	--cpus_allowed=0 --rw=write --bs=4k --offset=$((1048576 - 16384)) --size=32k \
	--iodepth=8 --iodepth_batch_submit=8 --iodepth_batch_complete_min=8 \
	--continue_on_error=all) >"$SB_ART/mfail.fio" 2>&1
# fio's summary line: "errors    : total=8, first_error=5/<Input/output error>"
n=$(sed -n 's/.*errors *: total=\([0-9]*\), first_error=5\/.*/\1/p' "$SB_ART/mfail.fio")
info "merge: fio saw $n EIO; merged_ios=$(sb_stat "$SB_IDX" merged_ios) physical_write_ios=$(sb_stat "$SB_IDX" physical_write_ios) errors=$(sb_stat "$SB_IDX" errors)"
sb_expect "$SB_IDX" logical_write_ios=8 merged_ios=7 physical_write_ios=1 errors=8
[ "$n" = 8 ] || fail "merge: fio saw '$n' errors (EIO first), expected 8: $(grep errors "$SB_ART/mfail.fio")"
sb_destroy m
unhole
sb_unload
dmesg_clean
