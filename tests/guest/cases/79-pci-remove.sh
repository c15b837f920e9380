# Surprise removal of the backing NVMe controller under load
# (echo 1 > /sys/bus/pci/devices/<bdf>/remove while fio runs on stackblk):
#  - fio ends within 120 s, with I/O errors: every pending and later I/O
#    fails, none hangs; stats/errors > 0 and nothing is left in flight;
#  - the stackblk device can then be torn down (power=0, rmdir) and the
#    module unloaded;
#  - a PCI rescan brings the namespace back, and a new stackblk device on
#    it passes fio verify.
# Last in the suite: the namespace is back afterwards, but the controller
# may be renumbered, so it runs after every case that uses $SB_BACKING.
BK=$(basename "$SB_BACKING")
bdf=$(basename "$(readlink -f "/sys/block/$BK/device/device")")
[[ $bdf =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] || skip "$BK is not a PCI NVMe namespace ($bdf)"
serial=$(cat "/sys/block/$BK/device/serial")
sb_load
sb_create r
Q=/sys/block/stackblk$SB_IDX
(cd "$SB_ART" && exec fio --name=pull --filename="$SB_DEV" --direct=1 --ioengine=io_uring \
	--rw=randwrite --bs=4k --iodepth=32 --numjobs=2 --time_based --runtime=600 \
	--size=256M) >"$SB_ART/pull.fio" 2>&1 &
fiopid=$!
busy() { [ "$(sb_stat "$SB_IDX" logical_write_ios)" -ge 2000 ]; }
must_wait 120 "fio to get going" busy
info "removing PCI device $bdf (serial $serial) with $(sb_stat "$SB_IDX" inflight) requests in flight"
echo 1 >"/sys/bus/pci/devices/$bdf/remove" || fail "PCI remove failed"
t0=$SECONDS
wait_until 120 pid_gone $fiopid || fail "fio still running 120 s after the controller was removed"
wait $fiopid && fail "fio reported success after its device's backing was removed"
info "fio ended $((SECONDS - t0)) s after the removal: $(grep -m1 -E 'error|err=' "$SB_ART/pull.fio")"
[ "$(sb_stat "$SB_IDX" errors)" -gt 0 ] || fail "stats/errors = 0 after the removal"
[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] || fail "inflight = $(sb_stat "$SB_IDX" inflight) after fio ended"
# I/O now fails at once
dd if="$SB_DEV" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
	fail "a read succeeded with the backing gone"
sb_destroy r
sb_unload

echo 1 >/sys/bus/pci/rescan || fail "PCI rescan failed"
back() {
	local s
	for s in /sys/block/nvme*n1/device/serial; do
		[ "$(cat "$s" 2>/dev/null)" = "$serial" ] && { NEW=/dev/$(basename "$(dirname "$(dirname "$s")")"); return 0; }
	done
	return 1
}
must_wait 60 "the namespace with serial $serial to come back" back
must_wait 20 "$NEW" test -b "$NEW"
info "namespace back as $NEW"
sb_load
sb_create r2 backing="$NEW"
sb_fio after 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k --size=8M \
	--iodepth=16 --verify=crc32c --verify_fatal=1
sb_destroy r2
sb_unload
dmesg_clean
