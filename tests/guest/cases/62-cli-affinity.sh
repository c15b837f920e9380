# stackblk CLI: "affinity" lists exactly the backing NVMe's I/O queue vectors
# (nvmeXqN, N >= 1, among the PCI device's msi_irqs, as /proc/interrupts names
# them), maps hctx N-1 to nvmeXqN with an effective affinity inside its
# cpu_list, and its matrix sums to the completed requests.  A null_blk backing
# has no MSI-X vectors (not an error).
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
sb_load
sb_create a
Q=/sys/block/stackblk$SB_IDX
echo 1 >"$Q/stackblk/reset"
sb_fio aff 300 --filename="$SB_DEV" --ioengine=libaio --rw=randrw --bs=4k --size=16M \
	--iodepth=8 --numjobs="$SB_NCPU" --offset_increment=16M --number_ios=300
pci=$(readlink -f "/sys/block/$SB_BK/device/device")
[ -d "$pci/msi_irqs" ] || skip "$SB_BK has no PCI msi_irqs ($pci)"
# the I/O queue vectors according to the kernel: "irq name" sorted by name
want=$(for i in $(ls "$pci/msi_irqs"); do
	awk -v i="$i:" '$1 == i { print substr(i, 1, length(i) - 1), $NF }' /proc/interrupts
done | grep -E ' nvme[0-9]+q[1-9][0-9]*$' | sort -k2 -V | tr '\n' ';')
info "vectors in /proc/interrupts: $want"
"$SB" affinity "stackblk$SB_IDX" --json >"$SB_ART/aff.json" || fail "affinity --json failed"
"$SB" affinity "stackblk$SB_IDX" >&2 || fail "affinity failed"
completed=0
for c in logical_read_ios logical_write_ios logical_flush_ios logical_discard_ios \
	 logical_write_zeroes_ios; do
	completed=$((completed + $(sb_stat "$SB_IDX" $c)))
done
python3 - "$SB_ART/aff.json" "$want" "$completed" "$(ls /sys/block/$SB_BK/mq | wc -l)" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
want, completed, nhctx = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
v = d["msix"]["vectors"]
got = "".join(f"{x['irq']} {x['name']};" for x in sorted(v, key=lambda x: x["queue"]))
assert got == want, ("vectors", got, want)
assert len(v) == nhctx == d["msix"]["hw_queues"], (len(v), nhctx)
for x in v:
    assert x["hctx"] == x["queue"] - 1 and x["verified"], x
m = d["completion"]["matrix"]
assert m["total"] == sum(map(sum, m["rows"])) == completed, (m["total"], completed)
b = d["completion"]["backing"]
assert b["same"] + b["shared"] + b["remote"] == completed, (b, completed)
PY
	fail "affinity disagrees with /proc/interrupts or the counters (see log)"

# interval mode: deltas of an idle device are 0
"$SB" affinity "stackblk$SB_IDX" -i 0.3 -c 2 --json >"$SB_ART/aff-i.json" || fail "affinity -i failed"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    assert d["completion"]["matrix"]["total"] == 0, d["completion"]["matrix"]["total"]
' "$SB_ART/aff-i.json" || fail "idle interval shows completions"
sb_destroy a

# a backing that is not PCI NVMe
if modprobe null_blk nr_devices=1 queue_mode=2 2>/dev/null && wait_until 10 test -b /dev/nullb0; then
	sb_create n backing=/dev/nullb0
	out=$("$SB" affinity "stackblk$SB_IDX") || fail "affinity over null_blk: exit $?"
	grep -q "nullb0 is not a PCI device: it has no MSI-X vectors" <<<"$out" ||
		fail "null_blk: no 'has no MSI-X vectors' message"
	sb_destroy n
	rmmod null_blk
else
	info "null_blk not available: skipping the non-PCI part"
fi
sb_unload
exit 0
