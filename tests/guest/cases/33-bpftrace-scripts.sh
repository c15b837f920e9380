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
sb_unload
