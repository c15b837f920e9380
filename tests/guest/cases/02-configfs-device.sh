# A device made through configfs: defaults, capacity = backing's, one hctx
# per CPU with queue_depth tags, sysfs attributes, power off/on, rmdir while
# powered; then nr_hw_queues/queue_depth honoured, and no I/O scheduler of
# its own by default.
sb_load
D=$SB_CFS/d0
run mkdir "$D"
expect_rd "$D/nr_hw_queues" 0
expect_rd "$D/queue_depth" 128
expect_rd "$D/power" 0
expect_rd "$D/index" -1
[ -z "$(sb_disks)" ] || fail "mkdir alone created a disk: $(sb_disks)"
expect_wr OK "$D/backing" "$SB_BACKING"
expect_rd "$D/backing" "$SB_BACKING"
expect_wr OK "$D/power" 1
expect_rd "$D/power" 1
idx=$(rd "$D/index")
[[ $idx =~ ^[0-9]+$ ]] || fail "index reads '$idx' while powered"
must_wait 20 "/dev/stackblk$idx" sb_dev_ready "$idx"
S=/sys/block/stackblk$idx
info "device stackblk$idx"

# Capacity and geometry equal the backing's.
expect_rd "$S/size" "$(rd "/sys/block/$SB_BK/size")"
[ "$(blockdev --getsize64 "/dev/stackblk$idx")" = "$(blockdev --getsize64 "$SB_BACKING")" ] ||
	fail "getsize64 differs from the backing's"
expect_rd "$S/queue/logical_block_size" "$(rd "/sys/block/$SB_BK/queue/logical_block_size")"

# One hardware context per CPU, queue_depth tags each.
nhw=$(ls "$S/mq" | wc -l)
[ "$nhw" -eq "$SB_NCPU" ] || fail "$nhw hardware contexts, expected $SB_NCPU (nproc)"
for t in "$S"/mq/*/nr_tags; do
	[ "$(rd "$t")" = 128 ] || fail "${t#/sys/block/} = $(rd "$t"), expected 128"
done

# sysfs: backing, stages, every counter of the stats header.
expect_rd "$S/stackblk/backing" "$SB_BK"
[ -e "$S/stackblk/stages" ] || fail "no $S/stackblk/stages"
expect_rd "$S/stackblk/stages" ""
names=$(sb_counter_names)
[ -n "$names" ] || fail "cannot parse the counter names from include/"
for n in $names; do
	v=$(rd "$S/stackblk/stats/$n")
	[[ $v =~ ^[0-9]+$ ]] || fail "stats/$n reads '$v' (missing or not a decimal)"
done
run dd if="/dev/stackblk$idx" of=/dev/null bs=64k count=16 iflag=direct status=none
[ "$(sb_stat "$idx" logical_read_ios)" -gt 0 ] || fail "stats/logical_read_ios stays 0 after reads"
echo 1 >"$S/stackblk/reset" || fail "write to stackblk/reset failed"
expect_rd "$S/stackblk/stats/logical_read_ios" 0

# power=0 removes the disk, power=1 brings it back.
expect_wr OK "$D/power" 0
must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"
expect_rd "$D/index" -1
expect_rd "$D/power" 0
expect_wr OK "$D/power" 1
idx=$(rd "$D/index")
[[ $idx =~ ^[0-9]+$ ]] || fail "index reads '$idx' after re-power"
must_wait 20 "/dev/stackblk$idx after re-power" sb_dev_ready "$idx"
expect_rd "/sys/block/stackblk$idx/size" "$(rd "/sys/block/$SB_BK/size")"

# rmdir of a powered device tears it down.
run rmdir "$D"
must_wait 20 "stackblk$idx to disappear after rmdir" sb_dev_gone "$idx"
[ -z "$(sb_disks)" ] || fail "disks left after rmdir: $(sb_disks)"

# nr_hw_queues and queue_depth are honoured.
for cfg in "1 1" "2 64" "$SB_NCPU 4096"; do
	set -- $cfg
	[ "$1" -le "$SB_NCPU" ] || continue
	sb_create "h$1" nr_hw_queues="$1" queue_depth="$2"
	S=/sys/block/stackblk$SB_IDX
	nhw=$(ls "$S/mq" | wc -l)
	[ "$nhw" -eq "$1" ] || fail "nr_hw_queues=$1: $nhw hardware contexts"
	for t in "$S"/mq/*/nr_tags; do
		[ "$(rd "$t")" = "$2" ] || fail "queue_depth=$2: ${t#/sys/block/} = $(rd "$t")"
	done
	# no I/O scheduler of its own by default, even with one context: the
	# backing schedules (BLK_MQ_F_NO_SCHED_BY_DEFAULT, as loop)
	case $(rd "$S/queue/scheduler") in
	"[none]"*) ;;
	*) fail "nr_hw_queues=$1: scheduler $(rd "$S/queue/scheduler"), not none" ;;
	esac
	run dd if="$SB_DEV" of=/dev/null bs=4k count=64 iflag=direct status=none
	sb_destroy "h$1"
done
sb_unload
