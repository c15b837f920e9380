# The backing-bio trace events name a bio as it was submitted at both ends.
# A backing that completes through blk_update_request() (null_blk ends its
# requests with blk_mq_end_request()) has advanced bi_iter to the end of
# the bio by its bi_end_io, so stackblk_bio_complete used to print the
# sector after the bio and a size of 0, and tools/bpftrace/stackblk-lat.bt,
# which pairs the two events by sector, saw no physical latency at all.
# Now every completion matches a submission (sector + size), on
# passthrough, split and parity (whose member bios have their own events).
NB=/sys/kernel/config/nullb
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs none $T 2>/dev/null
[ -d $T/events/stackblk ] || T=/sys/kernel/debug/tracing
modprobe null_blk nr_devices=0 2>/dev/null
[ -d $NB ] || skip "null_blk has no configfs"
nullb_create sbtr size=256 queue_mode=2 irqmode=0 submit_queues=2 memory_backed=1
sb_load
# events NAME: "sector + size" of every backing bio event NAME, sorted
events() {
	grep "stackblk_bio_$1:" $T/trace | grep -o '[0-9]* + [0-9]*' | sort
}
for st in "" split parity; do
	what=${st:-passthrough}
	a=(backing=/dev/sbtr)
	[ -z "$st" ] || a+=(stages=$st)
	[ "$st" = split ] && a+=(split_boundary=65536)
	[ "$st" = parity ] && a+=(parity_members=4 parity_chunk=65536)
	sb_create tr "${a[@]}"
	echo >$T/trace
	echo 1 >$T/events/stackblk/stackblk_bio_submit/enable
	echo 1 >$T/events/stackblk/stackblk_bio_complete/enable
	run dd if=/dev/urandom of="$SB_DEV" bs=192k count=8 oflag=direct status=none
	run dd if="$SB_DEV" of=/dev/null bs=192k count=8 iflag=direct status=none
	echo 0 >$T/events/stackblk/enable
	events submit >"$SB_ART/submit.$what"
	events complete >"$SB_ART/complete.$what"
	n=$(wc -l <"$SB_ART/submit.$what")
	info "$what: $n backing bios traced; first completion: $(head -n1 "$SB_ART/complete.$what")"
	[ "$n" -ge 16 ] || fail "$what: $n backing bio submissions traced, want at least 16"
	grep -q ' + 0$' "$SB_ART/complete.$what" && fail "$what: a completion traced with size 0"
	cmp -s "$SB_ART/submit.$what" "$SB_ART/complete.$what" ||
		fail "$what: completions do not match submissions: $(diff "$SB_ART/submit.$what" "$SB_ART/complete.$what" | head -n 4 | tr '\n' ' ')"
	sb_destroy tr
done
sb_unload
echo 0 >$NB/sbtr/power
rmdir $NB/sbtr
dmesg_clean
