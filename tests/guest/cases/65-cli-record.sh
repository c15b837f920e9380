# stackblk CLI: "record -i 1 -c 3 --svg DIR" while fio runs writes the three
# pictures and prints their paths: each is well-formed XML, the latency
# heatmap has non-zero cells on both paths, the affinity heatmap one cell per
# matrix entry with the NVMe's MSI-X vectors marked, the depth chart bars;
# no temporary file is left.  The SVGs stay in the results (guest-*/record/).
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
sb_load
sb_create r
echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset"
out=$SB_ART/record
rm -rf "$out"
"$SB" record "stackblk$SB_IDX" -i 1 -c 3 --svg "$out" >"$SB_ART/record.out" 2>"$SB_ART/record.err" &
rpid=$!
# I/O for longer than the recording: every interval sees some
sb_fio rec 120 --filename="$SB_DEV" --ioengine=libaio --rw=randrw --bs=4k --size=16M \
	--iodepth=8 --numjobs="$SB_NCPU" --offset_increment=16M --time_based --runtime=5
must_wait 30 "stackblk record to finish" pid_gone "$rpid"
wait "$rpid"
rc=$?
cat "$SB_ART/record.out" "$SB_ART/record.err" >&2
[ $rc -eq 0 ] || fail "stackblk record exited $rc: $(head -c 300 "$SB_ART/record.err")"
nvme=0
[ -d "$(readlink -f "/sys/block/$SB_BK/device/device")/msi_irqs" ] && nvme=1
python3 - "$out" "$SB_ART/record.out" "$nvme" <<'PY' || fail "record's pictures are wrong (see log)"
import os, sys, xml.dom.minidom
out, printed, nvme = sys.argv[1], open(sys.argv[2]).read().split(), sys.argv[3] == "1"
want = [os.path.join(out, n + ".svg") for n in ("latency", "affinity", "depth")]
assert printed == want, ("printed", printed, want)
assert sorted(os.listdir(out)) == sorted(os.path.basename(w) for w in want), os.listdir(out)
docs = {}
for w in want:
    d = xml.dom.minidom.parse(w)
    assert d.documentElement.tagName == "svg", w
    docs[os.path.basename(w)[:-4]] = d
def rects(name, cls):
    return [r for r in docs[name].getElementsByTagName("rect") if r.getAttribute("class") == cls]
lat = rects("latency", "cell")
tips = [r.getElementsByTagName("title")[0].firstChild.data for r in lat]
for path in ("logical", "physical"):
    n = [t for t in tips if t.startswith(path + ",")]
    assert n, ("no latency cells on the %s path" % path, tips[:5])
    assert any(int(t.rsplit(": ", 1)[1]) > 0 for t in n), (path, n[:5])
print("# latency cells: %d, e.g. %s" % (len(lat), tips[0]), file=sys.stderr)
aff = rects("affinity", "cell")
assert len(aff) >= 1, "no affinity cells"
if nvme:
    assert rects("affinity", "vector"), "no MSI-X vector marked"
assert rects("depth", "bar"), "no depth bars"
PY
sb_destroy r
sb_unload
exit 0
