# stackblk CLI: "depth" shows, for one hardware context, a maximum of at least
# the queue depth fio reached (fio's own IO depths histogram), equal to the
# inflight_max gauge, and dispatch counts that add up to the requests.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
sb_load
sb_create q nr_hw_queues=1 queue_depth=64
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
echo "+ fio depth32" >&2
timeout 300 fio --name=depth32 --filename="$SB_DEV" --direct=1 --ioengine=libaio \
	--rw=randread --bs=4k --size=64M --iodepth=32 --iodepth_batch_submit=32 \
	--iodepth_batch_complete_min=32 --number_ios=2048 --output-format=json \
	>"$SB_ART/fio.json" || fail "fio failed"
# the lowest bucket bound of fio's deepest non-empty "IO depths" level
reached=$(python3 -c '
import json, sys
lv = json.load(open(sys.argv[1]))["jobs"][0]["iodepth_level"]
print(max(int(k.lstrip(">=")) for k, v in lv.items() if v > 0))' "$SB_ART/fio.json") ||
	fail "cannot read fio iodepth_level"
info "fio reached an iodepth of at least $reached"
"$SB" depth "stackblk$SB_IDX" >&2 || fail "stackblk depth failed"
"$SB" depth "stackblk$SB_IDX" --json >"$SB_ART/depth.json" || fail "depth --json failed"
python3 - "$SB_ART/depth.json" "$reached" "$(sb_stat "$SB_IDX" inflight_max)" \
	"$(sb_stat "$SB_IDX" logical_read_ios)" <<'PY' || fail "depth disagrees (see log)"
import json, sys
d = json.load(open(sys.argv[1]))
reached, gauge, reads = map(int, sys.argv[2:])
assert len(d["hctx"]) == 1, d["hctx"]
h = d["hctx"][0]
assert h["max"] >= reached, ("max", h["max"], "fio reached", reached)
assert d["max"] == h["max"] == gauge, (d["max"], gauge)
assert sum(h["buckets"]) == reads, (sum(h["buckets"]), reads)
PY
sb_destroy q
sb_unload
exit 0
