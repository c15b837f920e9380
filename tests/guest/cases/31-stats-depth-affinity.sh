# Depth and affinity: inflight_max is at least the iodepth fio reached and
# at most queue_depth; the per-hctx maxima in debugfs agree; the affinity
# matrix sums to the completed requests, and so do the same/shared/remote
# totals; the latency histograms count every request once per path.
sb_load
sb_create q0 queue_depth=64
S=/sys/block/stackblk$SB_IDX
G=/sys/kernel/debug/stackblk/stackblk$SB_IDX
echo 1 >"$S/stackblk/reset" || fail "reset failed"
sb_fio qd32 300 --filename="$SB_DEV" --ioengine=libaio --rw=randread --bs=4k \
	--size=32M --iodepth=32 --iodepth_batch_submit=32 --output-format=normal,json
# the deepest fio iodepth bucket with any share of the I/O ("32", ">=64", ...)
reached=$(python3 - "$SB_ART/qd32.fio" <<'PY'
import json, sys
txt = open(sys.argv[1]).read()
j = json.loads(txt[txt.index('{'):txt.rindex('}') + 1])
lv = j["jobs"][0]["iodepth_level"]
print(max([int(k.lstrip(">=")) for k, v in lv.items() if float(v) > 0] or [0]))
PY
) || fail "cannot parse fio json"
m=$(sb_stat "$SB_IDX" inflight_max)
info "fio reached iodepth $reached, inflight_max=$m"
[ "$m" -ge "$reached" ] || fail "inflight_max $m < fio's reached iodepth $reached"
[ "$m" -le 64 ] || fail "inflight_max $m > queue_depth 64"
dmax=$(grep -v '^#' "$G/hctx" | awk '$3 > m {m = $3} END {print m + 0}')
[ "$dmax" = "$m" ] || fail "debugfs hctx max $dmax != inflight_max $m"
[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] || fail "inflight $(sb_stat "$SB_IDX" inflight) after fio ended"
# depth histogram: one sample per dispatch
hsum=$(grep -v '^#' "$G/hctx" | awk '{for (i = 4; i <= NF; i++) s += $i} END {print s + 0}')
reqs=$(sb_stat "$SB_IDX" logical_read_ios)
[ "$hsum" = "$reqs" ] || fail "depth histogram holds $hsum samples for $reqs requests"

msum=$(awk '/^matrix/ {on = 1; next} on && !/^#/ {for (i = 2; i <= NF; i++) s += $i} END {print s + 0}' "$G/completion")
[ "$msum" = "$reqs" ] || fail "affinity matrix sums to $msum, $reqs requests completed"
for k in backing complete; do
	t=$(awk -v k=$k '$1 ~ "^"k"_(same|shared|remote)$" {s += $2} END {print s + 0}' "$G/completion")
	[ "$t" = "$reqs" ] || fail "${k}_same+shared+remote = $t, $reqs requests completed"
done
for p in logical physical; do
	c=$(awk -v p=$p '$1 == p && $2 == "read" {print $3}' "$G/latency")
	b=$(awk -v p=$p '$1 == p && $2 == "read" {for (i = 5; i <= NF; i++) s += $i; print s}' "$G/latency")
	[ "$c" = "$reqs" ] && [ "$b" = "$reqs" ] || fail "latency $p read: count $c, buckets $b, expected $reqs"
done

# collect=0: counters still count, timing and matrix stop
P=/sys/module/stackblk/parameters/collect
expect_rd "$P" 1
echo 0 >"$P" || fail "cannot write collect=0"
run dd if="$SB_DEV" of=/dev/null bs=4k count=100 iflag=direct status=none
echo 1 >"$P"
[ "$(sb_stat "$SB_IDX" logical_read_ios)" = $((reqs + 100)) ] || fail "counters stopped with collect=0"
c=$(awk '$1 == "logical" && $2 == "read" {print $3}' "$G/latency")
[ "$c" = "$reqs" ] || fail "latency kept counting with collect=0 ($c)"
sb_destroy q0
sb_unload
