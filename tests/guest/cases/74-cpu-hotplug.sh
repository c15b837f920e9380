# CPU hotplug with one hctx per CPU (as blktests block/008 does): while fio
# writes and verifies (crc32c) through stackblk with jobs on every CPU, the
# CPUs other than cpu0 are taken offline and brought back, one after
# another, until fio ends.  fio verifies every block; the per-CPU counters
# (summed over possible CPUs, so an offline CPU's counts stay) equal
# stackblk's own diskstats (nomerges=2); nothing is left in flight; errors 0.
[ -e /sys/devices/system/cpu/cpu1/online ] || skip "no CPU hotplug (needs -smp >= 2 and CONFIG_HOTPLUG_CPU)"
sb_load
sb_create h
Q=/sys/block/stackblk$SB_IDX
echo 2 >"$Q/queue/nomerges"
echo 1 >"$Q/stackblk/reset"
s0=$(cat "$Q/stat")
(sb_fio hotplug 900 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=$((16 / SB_NCPU))M --offset_increment=16M --numjobs="$SB_NCPU" --iodepth=16 \
	--verify=crc32c --verify_fatal=1 --verify_backlog=64) &
fiopid=$!
cycles=0
while kill -0 $fiopid 2>/dev/null; do
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		echo 0 >"$c" || fail "cannot offline ${c%/online}"
		echo 1 >"$c" || fail "cannot online ${c%/online}"
		cycles=$((cycles + 1))
		kill -0 $fiopid 2>/dev/null || break
	done
done
wait $fiopid || fail "fio failed across CPU hotplug"
info "$cycles offline/online cycles during fio"
[ $cycles -ge 2 ] || fail "only $cycles hotplug cycles ran during fio"
s1=$(cat "$Q/stat")
read -r r0 _ _ _ w0 _ <<<"$s0"
read -r r1 _ _ _ w1 _ <<<"$s1"
lw=$(sb_stat "$SB_IDX" logical_write_ios)
lr=$(sb_stat "$SB_IDX" logical_read_ios)
info "diskstats: $((w1 - w0)) writes, $((r1 - r0)) reads; counters: $lw writes, $lr reads"
[ "$lw" = $((w1 - w0)) ] || fail "logical_write_ios $lw != diskstats writes $((w1 - w0))"
[ "$lr" = $((r1 - r0)) ] || fail "logical_read_ios $lr != diskstats reads $((r1 - r0))"
[ "$lw" = "$(sb_stat "$SB_IDX" physical_write_ios)" ] || fail "physical_write_ios != logical"
[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] || fail "inflight = $(sb_stat "$SB_IDX" inflight) after fio"
[ "$(sb_stat "$SB_IDX" errors)" = 0 ] || fail "errors = $(sb_stat "$SB_IDX" errors)"
for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
	[ "$(cat "$c")" = 1 ] || fail "${c%/online} left offline"
done
sb_destroy h
sb_unload
dmesg_clean
