# docs/interfaces.md, debugfs side: /sys/kernel/debug/stackblk/stackblkN/
# holds counters (one line per counter+gauge, header order), hctx (one line
# per hardware context, 14 buckets), latency (8 lines, 40 buckets),
# latency_fine (8 lines, 304 buckets headed by their lower bounds, which
# fold exactly into latency's) and completion; the files go away with the
# disk.  The sysfs, configfs and module parameter files the module made are
# exactly those of Documentation/ABI/testing/ (each has its entry, each
# entry its file).
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
sb_load
sb_create d nr_hw_queues=2
run dd if="$SB_DEV" of=/dev/null bs=4k count=256 iflag=direct status=none
G=/sys/kernel/debug/stackblk/stackblk$SB_IDX
[ -d "$G" ] || fail "no $G"
for f in counters hctx latency latency_fine completion; do
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
# latency_fine: the header names each bucket's lower bound (0..15 ns, then
# 8 per power of two), and summing each power of two gives latency's line.
hdr=$(head -n1 "$G/latency_fine" | awk '{print $2, $3, $4, $5, $6, $7, $22, $23, $24, $NF, NF}')
[ "$hdr" = "path op count sum_ns 0 1 16 18 20 1030792151040 309" ] ||
	fail "debugfs latency_fine header: '$hdr'"
bad=$(grep -v '^#' "$G/latency_fine" | awk 'NF != 4 + 304' | head -n1)
[ -z "$bad" ] || fail "debugfs latency_fine: line '$bad' does not have 4 + 304 fields"
folded=$(awk 'NR == 1 {for (i = 6; i <= NF; i++) lo[i - 1] = $i; next}
	!/^#/ {delete b; c = 0
		for (i = 5; i <= NF; i++) {l = 0; for (v = lo[i]; v >= 2; v = int(v / 2)) l++; b[l] += $i; c += $i}
		printf "%s %s %s %s", $1, $2, c, $4
		for (l = 0; l < 40; l++) printf " %d", b[l]
		print ""}' "$G/latency_fine")
[ "$folded" = "$(grep -v '^#' "$G/latency")" ] ||
	fail "debugfs latency_fine does not fold into latency: $(diff <(echo "$folded") <(grep -v '^#' "$G/latency") | head -n4)"
grep -q "^ncpus $SB_NR_CPU_IDS\$" "$G/completion" || grep -q "^ncpus $SB_NCPU\$" "$G/completion" ||
	fail "debugfs completion: no 'ncpus $SB_NCPU' line"
for k in group backing_same backing_shared backing_remote complete_same complete_shared complete_remote \
	backing_same_node backing_remote_node complete_same_node complete_remote_node matrix; do
	grep -q "^$k " "$G/completion" || fail "debugfs completion: no '$k' line"
done
# each completion is counted once by CPU and once by node
for k in backing complete; do
	c=$(awk -v k=$k '$1 ~ "^"k"_(same|shared|remote)$" {s += $2} END {print s + 0}' "$G/completion")
	n=$(awk -v k=$k '$1 ~ "^"k"_(same|remote)_node$" {s += $2} END {print s + 0}' "$G/completion")
	[ "$c" = "$n" ] || fail "debugfs completion: ${k} same+shared+remote $c, same_node+remote_node $n"
done
# the live attributes against Documentation/ABI/testing/, by their What: lines
abi_live=$( (cd "/sys/block/stackblk$SB_IDX/stackblk" && find . -type f) |
		sed "s|^\.|/sys/block/stackblk<N>/stackblk|"
	echo /sys/kernel/config/stackblk
	(cd /sys/kernel/config/stackblk/d && find . -maxdepth 1 -type f) |
		sed "s|^\.|/sys/kernel/config/stackblk/<name>|"
	(cd /sys/module/stackblk/parameters && find . -type f) | sed "s|^\.|/sys/module/stackblk/parameters|")
abi_doc=$(sed -n 's/^What:\t*//p' "$SB_REPO"/Documentation/ABI/testing/{sysfs-block,configfs,sysfs-module}-stackblk)
abi_diff=$(diff <(sort <<<"$abi_live") <(sort <<<"$abi_doc") | grep '^[<>]' | head -n4 | tr '\n' ' ')
[ -z "$abi_diff" ] || fail "sysfs/configfs vs Documentation/ABI (< no entry, > no such file): $abi_diff"
sb_destroy d
[ ! -e "$G" ] || fail "$G still there after the disk is gone"
sb_unload
