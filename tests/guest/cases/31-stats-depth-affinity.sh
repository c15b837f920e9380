# Depth and affinity: inflight_max is exactly the depth a batch held in
# flight reached, capped by queue_depth; the per-hctx maxima in debugfs
# agree; the affinity matrix sums to the completed requests, and so do the
# same/shared/remote totals; the latency histograms count every request
# once per path.  Reads held in a suspended dm device and resumed from a
# chosen CPU complete at the backing on that CPU: the matrix says exactly
# where, passthrough and crypt alike.
S=/sys/block/stackblk
G=/sys/kernel/debug/stackblk/stackblk
sb_load

# Exact depths: 32 reads held in flight by a suspended backing (lib.sh,
# sb_hold_batch), on a queue 64 deep and on one 16 deep.
sb_hold_create
for qd in 64 16; do
	sb_create h backing=$SB_HOLD queue_depth=$qd
	echo 2 >"$S$SB_IDX/queue/nomerges"
	held=$((qd < 32 ? qd : 32))
	sb_hold_batch "$SB_IDX" 32 $held
	m=$(sb_stat "$SB_IDX" inflight_max)
	[ "$m" = $held ] || fail "queue_depth $qd, 32 reads held: inflight_max $m, expected $held"
	dmax=$(grep -v '^#' "$G$SB_IDX/hctx" | awk '$3 > m {m = $3} END {print m + 0}')
	[ "$dmax" = $held ] || fail "queue_depth $qd: debugfs hctx max $dmax, expected $held"
	[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] || fail "inflight $(sb_stat "$SB_IDX" inflight) after the batch"
	sb_destroy h
done
dm_remove sbhold

sb_create q0 queue_depth=64
echo 1 >"$S$SB_IDX/stackblk/reset" || fail "reset failed"
sb_fio qd32 300 --filename="$SB_DEV" --ioengine=libaio --rw=randread --bs=4k \
	--size=32M --iodepth=32 --iodepth_batch_submit=32
# fio never has more than 32 outstanding; how many of them are in the
# driver at once depends on the machine's speed, so only the bound is exact
m=$(sb_stat "$SB_IDX" inflight_max)
info "inflight_max=$m under fio iodepth 32"
[ "$m" -ge 1 ] && [ "$m" -le 32 ] || fail "inflight_max $m outside 1..32 under fio iodepth 32"
dmax=$(grep -v '^#' "$G$SB_IDX/hctx" | awk '$3 > m {m = $3} END {print m + 0}')
[ "$dmax" = "$m" ] || fail "debugfs hctx max $dmax != inflight_max $m"
[ "$(sb_stat "$SB_IDX" inflight)" = 0 ] || fail "inflight $(sb_stat "$SB_IDX" inflight) after fio ended"
# depth histogram: one sample per dispatch
hsum=$(grep -v '^#' "$G$SB_IDX/hctx" | awk '{for (i = 4; i <= NF; i++) s += $i} END {print s + 0}')
reqs=$(sb_stat "$SB_IDX" logical_read_ios)
[ "$hsum" = "$reqs" ] || fail "depth histogram holds $hsum samples for $reqs requests"

msum=$(awk '/^matrix/ {on = 1; next} on && !/^#/ {for (i = 2; i <= NF; i++) s += $i} END {print s + 0}' "$G$SB_IDX/completion")
[ "$msum" = "$reqs" ] || fail "affinity matrix sums to $msum, $reqs requests completed"
for k in backing complete; do
	t=$(awk -v k=$k '$1 ~ "^"k"_(same|shared|remote)$" {s += $2} END {print s + 0}' "$G$SB_IDX/completion")
	[ "$t" = "$reqs" ] || fail "${k}_same+shared+remote = $t, $reqs requests completed"
done
for p in logical physical; do
	c=$(awk -v p=$p '$1 == p && $2 == "read" {print $3}' "$G$SB_IDX/latency")
	b=$(awk -v p=$p '$1 == p && $2 == "read" {for (i = 5; i <= NF; i++) s += $i; print s}' "$G$SB_IDX/latency")
	[ "$c" = "$reqs" ] && [ "$b" = "$reqs" ] || fail "latency $p read: count $c, buckets $b, expected $reqs"
done

# collect=0: counters still count, timing and matrix stop
P=/sys/module/stackblk/parameters/collect
expect_rd "$P" 1
echo 0 >"$P" || fail "cannot write collect=0"
run dd if="$SB_DEV" of=/dev/null bs=4k count=100 iflag=direct status=none
echo 1 >"$P"
[ "$(sb_stat "$SB_IDX" logical_read_ios)" = $((reqs + 100)) ] || fail "counters stopped with collect=0"
c=$(awk '$1 == "logical" && $2 == "read" {print $3}' "$G$SB_IDX/latency")
[ "$c" = "$reqs" ] || fail "latency kept counting with collect=0 ($c)"
sb_destroy q0

# Exact completion CPUs: 32 reads submitted on CPU 0 and held in sbhold;
# dm resubmits them from kdmflush on the CPU that resumes it, so the
# backing completes all 32 there (its queue for that CPU).  Resumed from
# CPU 0, then from CPU 1: the matrix's row 0 holds 32 in column 0, then
# in column 1, and backing_same counts 32, then 0 (dm's work item, queued
# on CPU 0 by each held bio, has run and found dm suspended by then: it
# runs at once, and the fork and exec of dmsetup take far longer).
# The same with the crypt stage, whose reads the backing completes in hard
# irq and crypt_wq decrypts on the submitting CPU (0): the backing's CPU
# still counts, not the one that ran the last of the request
# (stage_crypt.c, stage.c).  With rq_affinity=2 on stackblk's queue every
# request completes on its submitting CPU (blk-mq's IPI for passthrough,
# crypt_wq for crypt): complete_same counts all 32 each time.  Except on
# kernels before 6.5 (Debian's 6.1): there blk-mq completes a request of a
# hardware context with one CPU (stackblk's) where it is, whatever
# rq_affinity says (fixed by "blk-mq: check on cpu id when there is only
# one ctx mapping"), so passthrough resumed on CPU 1 completes there.
bk_hctx() { # CPU: the backing's hardware context for it (cpu_list: "0, 1")
	local f
	for f in /sys/block/"$SB_BK"/mq/*/cpu_list; do
		tr -d ' ' <"$f" | tr ',' '\n' | grep -qx "$1" && { echo "$f"; return; }
	done
}
# Exact only where CPUs 0 and 1 each have a backing queue of their own
# (QEMU's NVMe: a queue per vCPU up to 64), whose interrupt is theirs.
h0=$(bk_hctx 0) h1=$(bk_hctx 1)
if [ "$SB_NCPU" -lt 2 ] || [ -z "$h0" ] || [ -z "$h1" ] ||
	[ "$(tr -d ' \n' <"$h0")" != 0 ] || [ "$(tr -d ' \n' <"$h1")" != 1 ]; then
	info "CPUs 0 and 1 have no backing queue each of their own: completion CPUs not exact here"
else
	sb_hold_create
	KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
	IFS=.- read -r kmaj kmin _ <<<"$SB_KVER"
	local_1ctx=0
	[ $((kmaj * 100 + kmin)) -lt 605 ] && local_1ctx=1
	for st in none crypt; do
		for rc in 0 1; do
			if [ $st = crypt ]; then
				sb_create h backing=$SB_HOLD queue_depth=64 stages=crypt crypt_key=$KEY
			else
				sb_create h backing=$SB_HOLD queue_depth=64
			fi
			echo 2 >"$S$SB_IDX/queue/nomerges"
			echo 2 >"$S$SB_IDX/queue/rq_affinity"
			sb_hold_batch "$SB_IDX" 32 32 $rc
			read -ra row <<<"$(awk '/^matrix/ {on = 1; next} on && $1 == 0 {$1 = ""; print; exit}' "$G$SB_IDX/completion")"
			rest=0
			for x in "${row[@]:2}"; do rest=$((rest + x)); done
			want=$([ $rc = 0 ] && echo "32 0 0" || echo "0 32 0")
			[ "${row[0]} ${row[1]} $rest" = "$want" ] ||
				fail "$st, resumed on CPU $rc: matrix row 0 is '${row[*]}', expected $want"
			bs=$(awk '$1 == "backing_same" {print $2}' "$G$SB_IDX/completion")
			[ "$bs" = $([ $rc = 0 ] && echo 32 || echo 0) ] ||
				fail "$st, resumed on CPU $rc: backing_same $bs"
			cs=$(awk '$1 == "complete_same" {print $2}' "$G$SB_IDX/completion")
			want=32
			[ $st = none ] && [ $rc = 1 ] && [ $local_1ctx = 1 ] && want=0
			[ "$cs" = $want ] ||
				fail "$st, resumed on CPU $rc, rq_affinity 2 ($SB_KVER): complete_same $cs, not $want"
			info "$st, resumed on CPU $rc: matrix row 0: ${row[*]}; backing_same $bs; complete_same $cs"
			sb_destroy h
		done
	done
	dm_remove sbhold
fi
sb_unload
