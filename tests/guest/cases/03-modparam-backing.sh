# insmod backing=/dev/nvme0n1 creates stackblk0 with the backing's capacity
# and one hctx per CPU; rmmod removes it and releases the backing.
sb_load backing="$SB_BACKING"
must_wait 20 /dev/stackblk0 sb_dev_ready 0
S=/sys/block/stackblk0
expect_rd "$S/size" "$(rd "/sys/block/$SB_BK/size")"
nhw=$(ls "$S/mq" | wc -l)
[ "$nhw" -eq "$SB_NCPU" ] || fail "$nhw hardware contexts, expected $SB_NCPU"
expect_rd "$S/stackblk/backing" "$SB_BK"
r=$(excl_open "$SB_BACKING")
[ "$r" = EBUSY ] || fail "exclusive open of $SB_BACKING while stacked: $r, expected EBUSY"
head -c 1M /dev/urandom >/tmp/pat
run dd if=/tmp/pat of=/dev/stackblk0 bs=1M seek=3 oflag=direct status=none
read_range /dev/stackblk0 3 1 /tmp/back
cmp /tmp/pat /tmp/back || fail "data read back through stackblk0 differs"
sb_unload
sb_dev_gone 0 || fail "stackblk0 still present after rmmod"
r=$(excl_open "$SB_BACKING")
[ "$r" = OK ] || fail "$SB_BACKING still held after rmmod ($r)"
