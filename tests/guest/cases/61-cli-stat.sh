# stackblk CLI: "stat --json" after a known fio workload (1000 direct 4 KiB
# writes at distinct offsets) reports the counts sysfs has and an
# amplification of 1.00 for a passthrough device; interval rates never go
# negative, also across a counter reset between two samples.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
sb_load
sb_create s
Q=/sys/block/stackblk$SB_IDX
echo 2 >"$Q/queue/nomerges"	# every fio write is one request
echo 1 >"$Q/stackblk/reset"
sb_fio w1000 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=4000k --iodepth=16
"$SB" stat "stackblk$SB_IDX" --json >"$SB_ART/stat.json" || fail "stackblk stat --json failed"
info "$(cat "$SB_ART/stat.json")"
python3 - "$SB_ART/stat.json" "$Q/stackblk/stats" <<'PY' || fail "stat --json disagrees with sysfs (see log)"
import json, os, sys
d = json.load(open(sys.argv[1]))["devices"][0]
sysfs = {n: int(open(os.path.join(sys.argv[2], n)).read()) for n in os.listdir(sys.argv[2])}
c = d["counters"]
bad = {n: (c.get(n, d.get(n)), v) for n, v in sysfs.items()
       if n not in ("inflight", "inflight_max") and c.get(n) != v}
assert not bad, ("json vs sysfs", bad)
assert c["logical_write_ios"] == 1000 and c["physical_write_ios"] == 1000, c
assert c["logical_write_bytes"] == 4096000 == c["physical_write_bytes"], c
assert d["amplification"] == {"bytes": 1.0, "ops": 1.0}, d["amplification"]
assert d["inflight_max"] == sysfs["inflight_max"] >= 1, d["inflight_max"]
# Every guest reads the TSC (tsc=reliable, docs/testing.md), so even a
# 4 KiB write's median is above 0 ns; on a clock of jiffies it would not be.
lat = d["latency_ns"]
cs = open("/sys/devices/system/clocksource/clocksource0/current_clocksource").read().strip()
assert lat["logical"]["p50"] > 0 and lat["physical"]["p99"] > 0, (cs, lat)
PY
out=$("$SB" stat "stackblk$SB_IDX") || fail "stackblk stat failed"
info "$out"
grep -Eq "^stackblk$SB_IDX +0 +1000 " <<<"$out" || fail "human stat: no '0 reads, 1000 writes' row"

# intervals with I/O and a reset in the middle: rates >= 0, the reset flagged,
# and the per-interval write counts add up to what fio wrote on either side
IJ=$SB_ART/interval.json
# writes_seen BEFORE AFTER: the samples so far hold BEFORE writes before the
# first reset and AFTER from it on
writes_seen() {
	python3 - "$IJ" "$1" "$2" <<'PY'
import json, sys
before = after = 0
seen_reset = False
for l in open(sys.argv[1]):
    if not l.endswith("\n"):
        break
    d = json.loads(l)["devices"][0]
    seen_reset = seen_reset or d["reset"]
    n = d["counters"]["logical_write_ios"]
    if seen_reset:
        after += n
    else:
        before += n
sys.exit(0 if (before, after) == (int(sys.argv[2]), int(sys.argv[3])) else 1)
PY
}
"$SB" stat "stackblk$SB_IDX" -i 0.3 --json >"$IJ" &
statpid=$!
must_wait 60 "the first stat sample" test -s "$IJ"
sb_fio w2 120 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k --size=8M \
	--iodepth=4 --offset=16M
must_wait 30 "stat to count fio's 2048 writes" writes_seen 2048 0
"$SB" reset "stackblk$SB_IDX" || fail "stackblk reset failed"
sb_fio w3 120 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k --size=1M \
	--iodepth=4 --offset=32M
must_wait 30 "stat to flag the reset and count 256 writes after it" writes_seen 2048 256
kill "$statpid"
wait "$statpid" 2>/dev/null
info "$(cut -c1-160 "$IJ")"
python3 - "$IJ" <<'PY' || fail "interval samples wrong (see log)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
resets = 0
for s in lines:
    d = s["devices"][0]
    assert all(v >= 0 for v in d["rates"].values()), d["rates"]
    assert all(v >= 0 for v in d["counters"].values()), d["counters"]
    resets += d["reset"]
assert resets == 1, ("reset samples", resets)
PY
sb_destroy s
sb_unload
exit 0
