# vm: --smp 2 --numa 1
# NUMA locality: in a guest of two nodes (CPU 0 on node 0, CPU 1 on node
# 1) whose NVMe sits on node 1 with one I/O queue, fio pinned to each CPU in
# turn.  With the NVMe's rq_affinity 0 the backing completions all run on
# the CPU of its one MSI-X vector's effective affinity, so each run's
# same/remote node split is exact; with rq_affinity 1 (the default) blk-mq
# moves them to the submitting CPU (the nodes share no cache): all on the
# same node.  stackblk's own completion, moved back to the submitting CPU
# (its rq_affinity 1), is always on the submitting node: with one hardware
# queue for both CPUs, as 6.1 completes the request of a hardware queue of
# one CPU where it ends (blk_mq_complete_request_remote(), nr_ctx == 1).  The CLI shows the
# backing's node, the vector's node and the share that crossed nodes.
G=/sys/kernel/debug/stackblk/stackblk
CLI=$SB_REPO/tools/stackblk
N=200

node_of_cpu() {	# the node whose cpulist holds CPU $1
	local f
	for f in /sys/devices/system/node/node*/cpulist; do
		awk -v c="$1" -F, '{for (i = 1; i <= NF; i++) {n = split($i, r, "-");
			if (c >= r[1] && c <= r[n]) f = 1}} END {exit !f}' "$f" &&
			{ basename "$(dirname "$f")" | sed 's/^node//'; return; }
	done
	echo "?"
}
key() { awk -v k="$1" '$1 == k {print $2}' "$G$SB_IDX/completion"; }

[ -d /sys/devices/system/node/node1 ] ||
	skip "needs a guest of two NUMA nodes (tests/run-case.sh reads this case's '# vm:' line)"
[ "$(node_of_cpu 0)" = 0 ] && [ "$(node_of_cpu 1)" = 1 ] ||
	fail "CPU 0 on node $(node_of_cpu 0), CPU 1 on node $(node_of_cpu 1): expected 0 and 1"
bknode=$(rd "/sys/block/$SB_BK/device/numa_node")
[ "$bknode" = 1 ] || fail "$SB_BK on NUMA node '$bknode', expected 1 (pxb-pcie numa_node=1)"
irqs=$(awk '/nvme0q[1-9]/ {sub(":", "", $1); print $1}' /proc/interrupts)
[ "$(echo "$irqs" | wc -w)" = 1 ] || fail "expected one NVMe I/O queue vector, found: $irqs"
eff=$(rd "/proc/irq/$irqs/effective_affinity_list")
[[ $eff =~ ^[0-9]+$ ]] || fail "irq $irqs effective affinity '$eff', expected one CPU"
effnode=$(node_of_cpu "$eff")
info "NVMe on node $bknode; irq $irqs (nvme0q1) effective on CPU $eff, node $effnode"

sb_load
sb_create numa nr_hw_queues=1
echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
BRQ=/sys/block/$SB_BK/queue/rq_affinity
for rq in 0 1; do
for cpu in 0 1; do
	echo $rq >"$BRQ" || fail "cannot write $rq to $BRQ"
	echo 1 >"/sys/block/stackblk$SB_IDX/stackblk/reset" || fail "reset failed"
	sb_fio "numa-cpu$cpu" 120 --filename="$SB_DEV" --ioengine=libaio --rw=randread \
		--bs=4k --iodepth=8 --number_ios=$N --size=32M --norandommap \
		--cpus_allowed="$cpu" --cpus_allowed_policy=shared
	reqs=$(sb_stat "$SB_IDX" logical_read_ios)
	[ "$reqs" = $N ] || fail "CPU $cpu: $reqs reads counted, fio issued $N"
	# every request was submitted on $cpu: its matrix row holds them all
	row=$(awk -v c="$cpu" '/^matrix/ {on = 1; next} on && $1 == c {for (i = 2; i <= NF; i++) s += $i} END {print s + 0}' "$G$SB_IDX/completion")
	[ "$row" = $N ] || fail "CPU $cpu: matrix row $cpu sums to $row, expected $N"
	if [ $rq = 1 ] || [ "$(node_of_cpu "$cpu")" = "$effnode" ]; then
		want_same=$N want_remote=0
	else
		want_same=0 want_remote=$N
	fi
	for k in backing_same_node:$want_same backing_remote_node:$want_remote \
		 complete_same_node:$N complete_remote_node:0; do
		v=$(key "${k%%:*}")
		[ "$v" = "${k#*:}" ] || fail "CPU $cpu (node $(node_of_cpu "$cpu")), vector on node $effnode, $SB_BK rq_affinity $rq: ${k%%:*} $v, expected ${k#*:}"
	done
	info "CPU $cpu, rq_affinity $rq: backing same/remote node $want_same/$want_remote, complete $N/0"

	# the CLI: backing node, vector node, share crossed
	out=$("$CLI" affinity "$SB_DEV" --json) || fail "stackblk affinity --json failed"
	python3 - "$out" "$effnode" "$want_same" "$want_remote" "$N" <<'PY' || fail "CPU $cpu: affinity --json: $out"
import json, sys
d = json.loads(sys.argv[1])
effnode, same, remote, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
assert d["msix"]["numa_node"] == 1, d["msix"]["numa_node"]
assert [v["numa_nodes"] for v in d["msix"]["vectors"]] == [effnode], d["msix"]["vectors"]
nl = d["completion"]["node_locality"]
assert nl == {"backing": {"same_node": same, "remote_node": remote},
              "complete": {"same_node": n, "remote_node": 0}}, nl
PY
	pct=$( [ $want_remote = 0 ] && echo "0.0%" || echo "100.0%")
	out=$("$CLI" affinity "$SB_DEV") || fail "stackblk affinity failed"
	grep -Eq "^backing completion .* $pct\$" <<<"$out" ||
		fail "CPU $cpu: affinity: no 'backing completion ... $pct': $out"
	grep -q "^backing $SB_BK: NUMA node 1\$" <<<"$out" || fail "affinity: backing node not shown: $out"
	out=$("$CLI" stat -o rnode% "$SB_DEV") || fail "stackblk stat -o rnode% failed"
	grep -Eq "stackblk$SB_IDX +$pct\$" <<<"$out" || fail "CPU $cpu: stat rnode% not $pct: $out"
done
done
echo 1 >"$BRQ"
sb_destroy numa
