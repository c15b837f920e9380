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
# Readers racing reset: a counter read never goes below the baseline (a
# value near 2^64, 20 digits).  Writes keep the counter growing; one task
# resets in a loop, another reads, on different CPUs where there are two.
# Without stats_lock in sb_stat_read() a reset between the per-CPU sum and
# the baseline read gives such a value; how often depends on the emulator's
# interleaving (rare under TCG thread=single), so this bounds the loop
# and checks every value, it cannot prove absence.
# The two loops overlap by construction: the reader starts only after the
# first reset, and the resetter runs until the reader has done its reads.
# (Bounding the reader by the resetter's lifetime instead let 3000 fast
# resets finish before the reader's first read: 0 reads, a failed run.)
last=$(($(nproc) - 1))
w0=$(sb_stat "$SB_IDX" logical_write_ios)
(exec timeout 120 fio --name=bg --filename="$SB_DEV" --direct=1 --rw=randwrite --bs=4k \
	--size=4M --ioengine=psync --time_based --runtime=60 >/dev/null 2>&1) &
bg=$!
writing() { [ "$(sb_stat "$SB_IDX" logical_write_ios)" -gt "$w0" ]; }
must_wait 60 "background writes" writing
RACE=/tmp/reset-race
rm -rf "$RACE" && mkdir "$RACE"
(
	taskset -p -c "$last" $BASHPID >/dev/null 2>&1
	i=0
	while [ ! -e "$RACE/stop" ]; do
		echo 1 >"$S/stackblk/reset" || exit 1
		i=$((i + 1))
		[ $i -eq 1 ] && : >"$RACE/started"
	done
	echo $i >"$RACE/resets"
) &
rs=$!
started() { [ -e "$RACE/started" ]; }
must_wait 60 "the first reset" started
taskset -p -c 0 $BASHPID >/dev/null 2>&1
bad= n=0 reads=${SB_RESET_RACE:-3000}
while [ $n -lt "$reads" ]; do
	read -r v <"$S/stackblk/stats/logical_write_ios"
	n=$((n + 1))
	[ ${#v} -le 15 ] || { bad=$v; break; }
done
: >"$RACE/stop"
taskset -p -c "0-$last" $BASHPID >/dev/null 2>&1
wait $rs || fail "reset failed while readers ran"
kill $bg 2>/dev/null
wait $bg 2>/dev/null
resets=$(cat "$RACE/resets")
info "reset race: $n reads beside $resets resets"
[ -z "$bad" ] || fail "logical_write_ios read as $bad while reset ran (baseline above the sum)"
[ "$resets" -gt 1 ] || fail "only $resets reset while $n reads ran"
echo 1 >"$S/stackblk/reset" || fail "root cannot write reset"
# counting resumes from zero
run dd if="$SB_DEV" of=/dev/null bs=4k count=10 iflag=direct status=none
[ "$(sb_stat "$SB_IDX" logical_read_ios)" = 10 ] || fail "logical_read_ios $(sb_stat "$SB_IDX" logical_read_ios) after 10 reads"
sb_destroy r0
sb_unload
