# Lifecycle under load: while fio (randwrite, verify=crc32c inline) runs on
# one stackblk device over the NVMe namespace, another device over null_blk
# is created, used (one read) and removed 100 times through configfs.  Then
# the module is loaded with insmod backing= (a one-shot device), used and
# unloaded 50 times.  Afterwards: fio verified every block, no stackblk disk,
# holder link or configfs item is left, the backing is free, dmesg clean.
N_CREATE=${SB_LOOP_CREATE:-100}
N_INSMOD=${SB_LOOP_INSMOD:-50}
modprobe null_blk nr_devices=0 2>/dev/null
NB=/sys/kernel/config/nullb
[ -d $NB ] || skip "null_blk has no configfs"
run mkdir $NB/sblc
for a in size=256 memory_backed=0 power=1; do
	echo "${a#*=}" >"$NB/sblc/${a%%=*}" || fail "null_blk $a refused"
done
must_wait 20 /dev/sblc test -b /dev/sblc
sb_load
sb_create a
A=$SB_DEV
rm -f "$SB_ART/stop"
(
	i=0
	while [ ! -e "$SB_ART/stop" ]; do
		sb_fio "bg$i" 600 --filename="$A" --ioengine=libaio --rw=randwrite --bs=4k \
			--size=8M --offset=$(((i % 16) * 8))M --iodepth=16 --verify=crc32c \
			--verify_backlog=32 --verify_fatal=1 >/dev/null 2>&1
		i=$((i + 1))
	done
	echo "$i" >"$SB_ART/bg.runs"
) &
bg=$!
for i in $(seq "$N_CREATE"); do
	sb_create "l$i" backing=/dev/sblc 2>/dev/null
	dd if="$SB_DEV" of=/dev/null bs=4k count=1 iflag=direct status=none ||
		fail "iteration $i: read from $SB_DEV failed"
	sb_destroy "l$i" 2>/dev/null
	kill -0 $bg 2>/dev/null || break
done
info "$i create/use/remove cycles done"
touch "$SB_ART/stop"
wait $bg || fail "fio on $A failed during the create/remove loop: $(cat "$SB_ART"/bg*.fio 2>/dev/null | grep -m1 -Ei 'error|verify')"
[ "$i" = "$N_CREATE" ] || fail "only $i cycles"
info "fio ran $(cat "$SB_ART/bg.runs") verified passes meanwhile"
sb_destroy a
[ -z "$(sb_disks)" ] || fail "disks left: $(sb_disks)"
[ -z "$(ls "$SB_CFS")" ] || fail "configfs items left: $(ls "$SB_CFS")"
[ -z "$(ls /sys/block/sblc/holders)" ] || fail "holder left on null_blk: $(ls /sys/block/sblc/holders)"
sb_unload

for i in $(seq "$N_INSMOD"); do
	insmod "$SB_KO" backing=/dev/sblc || fail "insmod #$i failed"
	must_wait 20 /dev/stackblk0 sb_dev_ready 0
	dd if=/dev/stackblk0 of=/dev/null bs=4k count=1 iflag=direct status=none ||
		fail "insmod #$i: read failed"
	rmmod stackblk || fail "rmmod #$i failed"
	sb_loaded && fail "module still loaded after rmmod #$i"
done
info "$N_INSMOD insmod/rmmod cycles done"
sb_dev_gone 0 || fail "stackblk0 left after the last rmmod"
[ -z "$(ls /sys/block/sblc/holders)" ] || fail "holder left on null_blk: $(ls /sys/block/sblc/holders)"
# the backing is free again: an exclusive open works
[ "$(excl_open /dev/sblc)" = OK ] || fail "null_blk still claimed: $(excl_open /dev/sblc)"
echo 0 >$NB/sblc/power
run rmdir $NB/sblc
dmesg_clean
