# Faults of the backing device reach the application for exactly the I/Os
# that failed, and for no other.  Each block is written and read on its own
# with O_DIRECT (tests/guest/blkio.py), so every outcome is known:
#  - dm-error: a 4 KiB hole at 1 MiB in a linear map of the NVMe namespace.
#    Over the first 2 MiB, the hole's block fails with EIO on write and on
#    read; every other block writes and reads back; errors = 2 exactly.
#  - dm-flakey error_writes, 1 s up / 1 s down, writes for 4 s: each write
#    either failed with EIO or its bytes are on the NVMe namespace (read
#    around dm-flakey); errors = the failed writes; both outcomes happened.
#  - dm-flakey drop_writes: the backing reports success and drops the data.
#    stackblk passes the success on (it cannot know better); errors = 0.
#  - null_blk badblocks (memory backed): a write and a read over a bad
#    sector fail with EIO, their neighbours work; errors = 2.
modprobe dm-mod 2>/dev/null
modprobe dm-flakey 2>/dev/null
B=$SB_BACKING
# a function, not a string: the repository path may hold spaces
bio() { python3 "$SB_REPO/tests/guest/blkio.py" "$@"; }
sb_load
# teardown NAME ITEM: the stackblk device, then the dm device under it
teardown() { sb_destroy "$2"; dm_remove "$1"; }
# count LINES-FILE KIND: blocks with that outcome
count() { grep -c "^$2 " "$1"; }

# --- dm-error: a hole ------------------------------------------------------
dm_create sbhole "0 2048 linear $B 0
2048 8 error
2056 6136 linear $B 2056"
sb_create h backing=/dev/mapper/sbhole
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
bio write "$SB_DEV" 0 2097152 4096 hole >"$SB_ART/hole.w" || fail "blkio write failed to run"
bio read "$SB_DEV" 0 2097152 4096 hole >"$SB_ART/hole.r" || fail "blkio read failed to run"
info "write: $(count "$SB_ART/hole.w" ok) ok, $(grep '^err' "$SB_ART/hole.w" | tr '\n' ' '); read: $(count "$SB_ART/hole.r" ok) ok, $(grep -v '^ok' "$SB_ART/hole.r" | tr '\n' ' ')"
[ "$(grep '^err' "$SB_ART/hole.w")" = "err 1048576 EIO 0" ] || fail "writes: the hole alone must fail with EIO"
[ "$(grep -v '^ok' "$SB_ART/hole.r")" = "err 1048576 EIO" ] || fail "reads: the hole alone must fail with EIO, the rest read back"
[ "$(count "$SB_ART/hole.r" ok)" = 511 ] || fail "reads: $(count "$SB_ART/hole.r" ok) blocks ok, expected 511"
[ "$(sb_stat "$SB_IDX" errors)" = 2 ] || fail "errors = $(sb_stat "$SB_IDX" errors), expected 2"
[ "$(sb_stat "$SB_IDX" logical_write_ios)" = 512 ] || fail "logical_write_ios = $(sb_stat "$SB_IDX" logical_write_ios)"
teardown sbhole h

# --- dm-flakey error_writes, up 1 s / down 1 s ------------------------------
dm_create sbflaky "0 16384 flakey $B 0 1 1 1 error_writes"
sb_create f backing=/dev/mapper/sbflaky
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
bio write "$SB_DEV" 0 1048576 4096 flaky 4 >"$SB_ART/flaky.w" || fail "blkio write failed to run"
read -r _ writes failed < <(grep '^total' "$SB_ART/flaky.w")
info "flakey: $writes writes, $failed failed with EIO ($(grep -c ' EIO ' "$SB_ART/flaky.w") blocks last failed)"
[ "$failed" -gt 0 ] && [ "$failed" -lt "$writes" ] || fail "flakey: $failed of $writes writes failed; expected some of each"
[ "$(grep '^err' "$SB_ART/flaky.w" | grep -vc ' EIO ')" = 0 ] || fail "flakey: an error other than EIO"
[ "$(sb_stat "$SB_IDX" errors)" = "$failed" ] || fail "errors = $(sb_stat "$SB_IDX" errors), $failed writes failed"
[ "$(sb_stat "$SB_IDX" logical_write_ios)" = "$writes" ] || fail "logical_write_ios = $(sb_stat "$SB_IDX" logical_write_ios), $writes writes"
# every write reported successful is on the namespace, read around dm-flakey
bio check "$B" 4096 flaky <"$SB_ART/flaky.w" >"$SB_ART/flaky.c"
[ "$(grep -vc '^ok' "$SB_ART/flaky.c")" = 0 ] || fail "a write reported successful is not on the device: $(grep -v -m3 '^ok' "$SB_ART/flaky.c" | tr '\n' ' ')"
teardown sbflaky f

# --- dm-flakey drop_writes: success reported, data dropped -------------------
bio write "$B" 0 65536 4096 before >/dev/null
dm_create sbdrop "0 16384 flakey $B 0 0 3600 1 drop_writes"
sb_create d backing=/dev/mapper/sbdrop
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
bio write "$SB_DEV" 0 65536 4096 dropped >"$SB_ART/drop.w"
[ "$(grep '^total' "$SB_ART/drop.w")" = "total 16 0" ] || fail "drop_writes: $(grep '^total' "$SB_ART/drop.w")"
[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "drop_writes: errors = $(sb_stat "$SB_IDX" errors)"
bio read "$B" 0 65536 4096 before | grep -vq '^ok' && fail "drop_writes: the namespace changed"
teardown sbdrop d

# --- null_blk badblocks ------------------------------------------------------
modprobe null_blk nr_devices=0 2>/dev/null
NB=/sys/kernel/config/nullb
[ -d $NB ] || skip "null_blk has no configfs"
run mkdir $NB/sbbad
for a in size=64 memory_backed=1 blocksize=512 badblocks=+4096-4096 power=1; do
	echo "${a#*=}" >"$NB/sbbad/${a%%=*}" || fail "null_blk $a refused"
done
must_wait 20 /dev/sbbad test -b /dev/sbbad
sb_create n backing=/dev/sbbad
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
bio write "$SB_DEV" 2093056 12288 4096 nb >"$SB_ART/nb.w"	# blocks at 511, 512, 513 KiB x4
bio read "$SB_DEV" 2093056 12288 4096 nb >"$SB_ART/nb.r"
info "null_blk: $(tr '\n' ' ' <"$SB_ART/nb.w") / $(tr '\n' ' ' <"$SB_ART/nb.r")"
[ "$(grep -c '^err .* EIO' "$SB_ART/nb.w")" = 1 ] && grep -q '^err 2097152 EIO' "$SB_ART/nb.w" ||
	fail "null_blk: the write over the bad sector alone must fail"
[ "$(grep -v '^ok' "$SB_ART/nb.r")" = "err 2097152 EIO" ] || fail "null_blk: reads: $(tr '\n' ' ' <"$SB_ART/nb.r")"
[ "$(sb_stat "$SB_IDX" errors)" = 2 ] || fail "null_blk: errors = $(sb_stat "$SB_IDX" errors), expected 2"
sb_destroy n
echo 0 >$NB/sbbad/power
run rmdir $NB/sbbad
sb_unload
dmesg_clean
