# Every bpftrace script of tools/bpftrace/ attaches to the stackblk
# tracepoints of a live device and prints plausible output.
command -v bpftrace >/dev/null || skip "bpftrace not installed"
sb_load
sb_create b0
mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing
l=$(bpftrace -l 'tracepoint:stackblk:*' | sort | tr '\n' ' ')
for e in rq_issue rq_complete bio_submit bio_complete split merge rmw; do
	case " $l " in *" tracepoint:stackblk:stackblk_$e "*) ;; *) fail "no tracepoint stackblk_$e in: $l" ;; esac
done
for s in tools/bpftrace/*.bt; do
	n=$(basename "$s" .bt)
	out=$SB_ART/$n.out
	bpftrace "$s" >"$out" 2>&1 &
	bp=$!
	# BEGIN runs once every probe is attached; it prints the first line
	must_wait 120 "$n to attach" grep -Eq '^(Tracing|TIME)' "$out"
	sb_fio "$n" 300 --filename="$SB_DEV" --ioengine=libaio --rw=randrw --bs=4k --size=8M --iodepth=8
	[ "$n" != stackblk-amp ] || must_wait 10 "$n to print a second" grep -q 'x *$' "$out"
	bt_stop $bp "$n"
	wait $bp || fail "$n exited $?: $(tail -n3 "$out")"
	sed 's/^/#   /' "$out" >&2
	case $n in
	stackblk-lat)
		grep -q '^@logical_us:' "$out" && grep -q '^@physical_us:' "$out" ||
			fail "$n: no histograms"
		grep -Eq '^\[[0-9]+[KM]?, [0-9]+[KM]?\) +[1-9]' "$out" || fail "$n: empty histograms" ;;
	stackblk-amp)
		grep -Eq ' 1\.00x +1\.00x$' "$out" || fail "$n: no 1.00x second for passthrough" ;;
	stackblk-cpu)
		t=$(sed -n 's/^@complete\[[0-9]*, [0-9]*\]: \([0-9]*\)$/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
		seen=$(sed -n 's/^@seen: \([0-9]*\)$/\1/p' "$out")
		lost=$(sed -n 's/^@lost: \([0-9]*\)$/\1/p' "$out")
		left=$(sed -n 's/^@left: \([0-9]*\)$/\1/p' "$out")
		info "$n: $t completions in the matrix, @seen $seen, @lost $lost, @left $left"
		[ -n "$seen" ] && [ -n "$lost" ] && [ -n "$left" ] || fail "$n: no @seen/@lost/@left lines"
		[ "$t" = "$seen" ] || fail "$n: the matrix holds $t completions, @seen says $seen"
		# fio has finished: every one of its 2048 requests is either in
		# the matrix or accounted as lost, exactly
		[ $((seen + lost + left)) = 2048 ] ||
			fail "$n: @seen $seen + @lost $lost + @left $left != 2048 requests" ;;
	esac
done
sb_destroy b0

# stackblk-cpu.bt over the merge stage: a request merged into another's
# backing I/O has no backing bio of its own; it shows as backing_cpu -2
# (merged), not -1 (unseen), and their number is merged_ios exactly
sb_create m0 stages=merge
echo 2 >"/sys/block/stackblk$SB_IDX/queue/nomerges"
out=$SB_ART/stackblk-cpu-merge.out
bpftrace tools/bpftrace/stackblk-cpu.bt >"$out" 2>&1 &
bp=$!
must_wait 120 "stackblk-cpu to attach" grep -q '^Tracing' "$out"
(cd "$SB_ART" && STACKBLK_DEV=$SB_DEV timeout 120 fio --output=merge.fio.out \
	"$SB_REPO/tools/fio/merge-batch.fio") || fail "merge-batch.fio failed: $(tail -n3 "$SB_ART/merge.fio.out")"
bt_stop $bp stackblk-cpu
wait $bp || fail "stackblk-cpu exited $?: $(tail -n3 "$out")"
sed 's/^/#   /' "$out" >&2
merged=$(sb_stat "$SB_IDX" merged_ios)
m2=$(sed -n 's/^@backing\[[0-9]*, -2\]: \([0-9]*\)$/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
lost=$(sed -n 's/^@lost: \([0-9]*\)$/\1/p' "$out")
info "merge: merged_ios $merged, backing_cpu -2 in $m2 requests, @lost $lost"
[ "$merged" -gt 0 ] || fail "merge-batch.fio merged nothing"
# a merged request whose own completion went unseen is in @lost instead
[ "$m2" -le "$merged" ] && [ $((m2 + lost)) -ge "$merged" ] ||
	fail "stackblk-cpu: $m2 requests as merged (-2), @lost $lost; merged_ios $merged"
sb_destroy m0
sb_unload
