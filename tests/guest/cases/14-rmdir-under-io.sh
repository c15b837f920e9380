# rmdir of the configfs item while fio runs (and while another process merely holds the
# disk open): it returns within a bounded time, fio ends (errors or success)
# within a bounded time, no oops/hang, the disk is gone, the backing is
# released and can be stacked again.
sb_load
sb_create d
idx=$SB_IDX
exec 3<"$SB_DEV"			# an idle opener too
fio --name=busy --filename="$SB_DEV" --direct=1 --ioengine=libaio --rw=randrw \
	--bs=4k --iodepth=32 --numjobs=2 --time_based --runtime=600 \
	--size=256M >"$SB_ART/busy.fio" 2>&1 &
fpid=$!
trap 'kill -KILL $fpid 2>/dev/null' EXIT
n0=$(sb_stat $idx logical_write_ios)
must_wait 120 "fio to get going" eval '[ "$(sb_stat $idx logical_write_ios)" -gt $((n0 + 200)) ]'
info "rmdir while fio runs"
( rmdir "$SB_CFS/d" ) 2>"$SB_ART/teardown.err" &
tpid=$!
wait_until 60 pid_gone $tpid || fail "rmdir of the configfs item did not return within 60 s with fio running"
wait $tpid || fail "rmdir of the configfs item failed while fio ran: $(cat "$SB_ART/teardown.err")"
wait_until 60 pid_gone $fpid || fail "fio still running 60 s after rmdir of the configfs item (hung I/O?)"
wait $fpid
info "fio exit $? after rmdir of the configfs item: $(grep -m1 -E 'err=|error' "$SB_ART/busy.fio")"
trap - EXIT
must_wait 20 "stackblk$idx to disappear" sb_dev_gone $idx
dd if=/dev/fd/3 of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
	info "note: read from the stale fd succeeded"
exec 3<&-
must_wait 20 "$SB_BACKING to be released" eval '[ "$(excl_open "$SB_BACKING")" = OK ]'
# A process is stuck if it stays in D state: short D sleeps (a binary
# paged in over 9p under load) are not.  Poll until none is left.
no_d_state() { ! ps -eo stat | grep -q '^D'; }
wait_until 60 no_d_state ||
	fail "processes stuck in D state after rmdir of the configfs item: $(ps -eo stat,pid,comm | awk '$1 ~ /^D/' | tr '\n' ' ')"
[ -d "$SB_CFS/d" ] || mkdir "$SB_CFS/d"
[ "$(rd "$SB_CFS/d/backing")" = "$SB_BACKING" ] || expect_wr OK "$SB_CFS/d/backing" "$SB_BACKING"
expect_wr OK "$SB_CFS/d/power" 1
idx=$(rd "$SB_CFS/d/index")
must_wait 20 "/dev/stackblk$idx again" sb_dev_ready "$idx"
sb_fio again 300 --filename="/dev/stackblk$idx" --ioengine=libaio --rw=randwrite --bs=4k \
	--size=4M --iodepth=8 --verify=crc32c
sb_destroy d
sb_unload
