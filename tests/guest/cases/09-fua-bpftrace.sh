# FUA and flush reach the backing, seen with bpftrace on block:block_rq_issue
# for the backing's dev: O_DIRECT|O_DSYNC writes through stackblk show up as
# FUA writes (rwbs W..F) on the backing when both queues support FUA, and
# fsync as flushes (rwbs F without data op).
[ "$(rd "/sys/block/$SB_BK/queue/write_cache")" = "write back" ] ||
	skip "$SB_BK has no volatile write cache"
command -v bpftrace >/dev/null || skip "bpftrace not installed"
sb_load
sb_create d
bfua=$(rd "/sys/block/$SB_BK/queue/fua")
sfua=$(rd "/sys/block/stackblk$SB_IDX/queue/fua")
info "queue/fua: $SB_BK=$bfua stackblk$SB_IDX=$sfua"
[ "$sfua" = "$bfua" ] || fail "stackblk$SB_IDX queue/fua=$sfua but $SB_BK has fua=$bfua (FUA not passed through)"

dev=$(dev_t "$SB_BACKING")
out=$SB_ART/bpftrace.out
bpftrace -e "
BEGIN { printf(\"READY\n\"); }
tracepoint:block:block_rq_issue /args->dev == $dev/ { @rwbs[args->rwbs] = count(); }
" >"$out" 2>&1 &
bt=$!
trap 'kill -INT $bt 2>/dev/null' EXIT
bt_state() { grep -q READY "$out" || pid_gone $bt; }
wait_until 180 bt_state || fail "bpftrace did not attach within 180 s"
if ! grep -q READY "$out"; then
	cat "$out" >&2
	fail "bpftrace failed: $(grep -m1 ERROR "$out")"
fi
run dd if=/dev/urandom of="$SB_DEV" bs=4k count=32 seek=1000 oflag=direct,dsync status=none
python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
for i in range(8):
    os.pwrite(fd, b"y" * 4096, 4096 * i)
    os.fsync(fd)' "$SB_DEV" || fail "fsync loop failed"
bt_stop $bt bpftrace
trap - EXIT
cat "$out" >&2
# lines like "@rwbs[WFS]: 32"
fua=$(awk -F'[][]|: ' '/^@rwbs\[/ && $2 ~ /W.*F/ {n += $NF} END {print n + 0}' "$out")
flush=$(awk -F'[][]|: ' '/^@rwbs\[/ && $2 ~ /^F+[^WRD]*$/ {n += $NF} END {print n + 0}' "$out")
info "backing saw $fua FUA writes, $flush flushes"
if [ "$bfua" = 1 ]; then
	[ "$fua" -ge 32 ] || fail "32 O_DSYNC direct writes through stackblk: backing saw $fua FUA writes"
fi
[ "$flush" -ge 8 ] || fail "8 fsyncs through stackblk: backing saw $flush flush requests"
sb_destroy d
sb_unload
