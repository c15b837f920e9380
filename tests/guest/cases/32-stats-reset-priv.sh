# reset: zeroes every counter, histogram and maximum; non-root cannot write
# it (and the refused attempt changes nothing); counters are world-readable.
sb_load
sb_create r0
S=/sys/block/stackblk$SB_IDX
G=/sys/kernel/debug/stackblk/stackblk$SB_IDX
sb_fio rw 300 --filename="$SB_DEV" --ioengine=libaio --rw=randrw --bs=4k --size=8M --iodepth=8
before=$(sb_stat "$SB_IDX" logical_write_ios)
[ "$before" -gt 0 ] || fail "no writes counted"
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
"${NOBODY[@]}" cat "$S/stackblk/stats/logical_write_ios" >/dev/null || fail "nobody cannot read a counter"
if "${NOBODY[@]}" sh -c "echo 1 > $S/stackblk/reset" 2>/dev/null; then
	fail "nobody could write reset"
fi
[ "$(sb_stat "$SB_IDX" logical_write_ios)" = "$before" ] || fail "refused reset changed counters"
if "${NOBODY[@]}" cat "$G/counters" >/dev/null 2>&1; then
	fail "nobody could read debugfs"
fi
echo 1 >"$S/stackblk/reset" || fail "root cannot write reset"
for n in $(sb_counter_names); do
	v=$(sb_stat "$SB_IDX" "$n")
	[ "$v" = 0 ] || fail "stats/$n = $v after reset"
done
nz=$(grep -v '^#' "$G/counters" | awk '$2 != 0' | head -n1)
[ -z "$nz" ] || fail "debugfs counters after reset: $nz"
nz=$(grep -v '^#' "$G/latency" | awk '{for (i = 3; i <= NF; i++) if ($i != 0) {print; exit}}')
[ -z "$nz" ] || fail "debugfs latency after reset: $nz"
nz=$(grep -v '^#' "$G/hctx" | awk '{for (i = 2; i <= NF; i++) if ($i != 0) {print; exit}}')
[ -z "$nz" ] || fail "debugfs hctx after reset: $nz"
nz=$(awk '/^matrix/ {on = 1; next} on {for (i = 2; i <= NF; i++) if ($i != 0) {print; exit}} !on && $2 != 0 && $1 ~ /_/ {print; exit}' "$G/completion")
[ -z "$nz" ] || fail "debugfs completion after reset: $nz"
# counting resumes from zero
run dd if="$SB_DEV" of=/dev/null bs=4k count=10 iflag=direct status=none
[ "$(sb_stat "$SB_IDX" logical_read_ios)" = 10 ] || fail "logical_read_ios $(sb_stat "$SB_IDX" logical_read_ios) after 10 reads"
sb_destroy r0
sb_unload
