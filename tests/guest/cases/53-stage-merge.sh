# The merge stage is not done (dispatch can sleep inside ->queue_rqs()
# while blk-mq flushes the plug list): it is refused with EOPNOTSUPP by
# configfs and by insmod, and nothing half-working is left behind.
sb_load
D=$SB_CFS/m
run mkdir "$D"
for st in merge merge,split merge,crypt merge,split,crypt; do
	expect_wr EOPNOTSUPP "$D/stages" "$st"
done
expect_rd "$D/stages" ""
run rmdir "$D"
sb_unload
if insmod "$SB_KO" backing="$SB_BACKING" stages=merge 2>/dev/null; then
	rmmod stackblk
	fail "insmod stages=merge accepted"
fi
sb_dev_gone 0 || fail "a disk appeared"
dmesg_clean
