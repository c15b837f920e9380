# docs/interfaces.md, debugfs side: /sys/kernel/debug/stackblk/stackblkN/
# holds counters (one line per counter+gauge, header order), hctx (one line
# per hardware context, 14 buckets), latency (8 lines, 40 buckets) and
# completion; the files go away with the disk.
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
sb_load
sb_create d nr_hw_queues=2
run dd if="$SB_DEV" of=/dev/null bs=4k count=256 iflag=direct status=none
G=/sys/kernel/debug/stackblk/stackblk$SB_IDX
[ -d "$G" ] || fail "no $G"
for f in counters hctx latency completion; do
	[ -r "$G/$f" ] || fail "no $G/$f"
done
want=$(sb_counter_names | tr '\n' ' ')
got=$(grep -v '^#' "$G/counters" | awk '{print $1}' | tr '\n' ' ')
[ "$got" = "$want" ] || fail "debugfs counters names/order: '$got', expected '$want'"
bad=$(grep -v '^#' "$G/counters" | awk 'NF != 2 || $2 !~ /^[0-9]+$/' | head -n1)
[ -z "$bad" ] || fail "debugfs counters: malformed line '$bad'"
n=$(grep -vc '^#' "$G/hctx")
[ "$n" -eq 2 ] || fail "debugfs hctx: $n lines for 2 hardware contexts"
bad=$(grep -v '^#' "$G/hctx" | awk 'NF != 3 + 14' | head -n1)
[ -z "$bad" ] || fail "debugfs hctx: line '$bad' does not have 3 + 14 fields"
n=$(grep -vc '^#' "$G/latency")
[ "$n" -eq 8 ] || fail "debugfs latency: $n lines, expected 8"
bad=$(grep -v '^#' "$G/latency" | awk 'NF != 4 + 40 || $1 !~ /^(logical|physical)$/ || $2 !~ /^(read|write|flush|other)$/' | head -n1)
[ -z "$bad" ] || fail "debugfs latency: malformed line '$bad'"
r=$(awk '$1 == "logical" && $2 == "read" {print $3}' "$G/latency")
[ "${r:-0}" -gt 0 ] || fail "debugfs latency: logical read count is '${r}' after 256 reads"
grep -q "^ncpus $SB_NR_CPU_IDS\$" "$G/completion" || grep -q "^ncpus $SB_NCPU\$" "$G/completion" ||
	fail "debugfs completion: no 'ncpus $SB_NCPU' line"
for k in group backing_same backing_shared backing_remote complete_same complete_shared complete_remote matrix; do
	grep -q "^$k " "$G/completion" || fail "debugfs completion: no '$k' line"
done
sb_destroy d
[ ! -e "$G" ] || fail "$G still there after the disk is gone"
sb_unload
