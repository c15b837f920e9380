# stackblk CLI: "export --once" after fio wrote 1000 and read 500 direct 4 KiB
# blocks writes one .prom file that promtool accepts, and each histogram's
# _count is the number of requests fio issued (its "issued rwts" line): the
# logical and physical latency of reads and writes, the dispatch depth and
# the completion locality totals; every value equals sysfs and debugfs
# (tools/tests/prom-check.py --root /).  The file stays in the results.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
command -v promtool >/dev/null || fail "promtool missing (tests/setup.sh installs prometheus)"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
sb_load
sb_create e
Q=/sys/block/stackblk$SB_IDX
echo 2 >"$Q/queue/nomerges"	# every fio request is one stackblk request
echo 1 >"$Q/stackblk/reset"
sb_fio ew 300 --filename="$SB_DEV" --ioengine=libaio --rw=randwrite --bs=4k --size=4000k --iodepth=16
sb_fio er 300 --filename="$SB_DEV" --ioengine=libaio --rw=randread --bs=4k --size=2000k --iodepth=8
# issued NAME FIELD: fio's "issued rwts: total=R,W,T,X" count (1 read, 2 write)
issued() { sed -n 's/.*issued rwts: total=\([0-9,]*\).*/\1/p' "$SB_ART/$1.fio" | cut -d, -f"$2"; }
w=$(issued ew 2) r=$(issued er 1)
info "fio issued $w writes, $r reads"
[ "$w" = 1000 ] && [ "$r" = 500 ] || fail "fio issued $w writes and $r reads, not 1000 and 500"
out=$SB_ART/export
mkdir -p "$out"
"$SB" export --once -o "$out/stackblk.prom" 2>"$SB_ART/export.err" ||
	fail "stackblk export --once failed: $(head -c 300 "$SB_ART/export.err")"
[ ! -s "$SB_ART/export.err" ] || fail "export said: $(head -c 300 "$SB_ART/export.err")"
[ "$(ls -A "$out")" = stackblk.prom ] || fail "export left more than its file: $(ls -A "$out")"
promtool check metrics <"$out/stackblk.prom" >"$SB_ART/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(head -c 300 "$SB_ART/promtool.out")"
[ ! -s "$SB_ART/promtool.out" ] || fail "promtool lint: $(head -c 300 "$SB_ART/promtool.out")"
python3 "$SB_REPO/tools/tests/prom-check.py" "$out/stackblk.prom" --root / >"$SB_ART/prom-check.json" ||
	fail "export disagrees with sysfs/debugfs: $(cat "$SB_ART/prom-check.json")"
info "$(cut -c1-400 "$SB_ART/prom-check.json")"
python3 - "$SB_ART/prom-check.json" "stackblk$SB_IDX" "$w" "$r" <<'PY' || fail "export's counts are not fio's (see log)"
import json, sys
d = json.load(open(sys.argv[1]))["devices"][sys.argv[2]]
w, r = int(sys.argv[3]), int(sys.argv[4])
lc = d["latency_count"]
assert d["debugfs"] == 1, d
assert lc["logical_write"] == lc["physical_write"] == w, lc
assert lc["logical_read"] == lc["physical_read"] == r, lc
assert lc["logical_flush"] == lc["logical_other"] == 0, lc
assert d["dispatches"] == w + r, d["dispatches"]
for side in ("backing", "stackblk"):
    t = sum(v for k, v in d["locality"].items() if k.startswith(side + "_"))
    assert t == w + r, (side, d["locality"])
PY
grep -q "^stackblk_latency_seconds_count{device=\"stackblk$SB_IDX\",backing=\"$SB_BK\",stages=\"\",path=\"logical\",op=\"write\"} $w\$" \
	"$out/stackblk.prom" || fail "no logical write _count $w line labelled device, backing and stages"
sb_destroy e
sb_unload
exit 0
