# stackblk CLI: "depth" shows, for one hardware context, a maximum equal to
# the depth a batch held in flight reached (32 reads kept in stackblk by a
# suspended backing: exact on any machine), equal to the inflight_max
# gauge, and dispatch counts that add up to the requests.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
sb_load
sb_hold_create
sb_create q backing=$SB_HOLD nr_hw_queues=1 queue_depth=64
echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
sb_hold_batch "$SB_IDX" 32
"$SB" depth "stackblk$SB_IDX" >&2 || fail "stackblk depth failed"
"$SB" depth "stackblk$SB_IDX" --json >"$SB_ART/depth.json" || fail "depth --json failed"
python3 - "$SB_ART/depth.json" 32 "$(sb_stat "$SB_IDX" inflight_max)" \
	"$(sb_stat "$SB_IDX" logical_read_ios)" <<'PY' || fail "depth disagrees (see log)"
import json, sys
d = json.load(open(sys.argv[1]))
held, gauge, reads = map(int, sys.argv[2:])
assert len(d["hctx"]) == 1, d["hctx"]
h = d["hctx"][0]
assert h["max"] == held, ("max", h["max"], "held in flight", held)
assert d["max"] == h["max"] == gauge, (d["max"], gauge)
assert reads == held, ("reads", reads)
assert sum(h["buckets"]) == reads, (sum(h["buckets"]), reads)
PY
sb_destroy q
dm_remove sbhold
sb_unload
exit 0
