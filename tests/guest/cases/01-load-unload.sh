# The module loads and unloads (twice), registers its configfs subsystem and
# the `collect` parameter, and creates no disk without backing=.
sb_load
[ -d "$SB_CFS" ] || fail "no $SB_CFS after insmod"
[ -z "$(sb_disks)" ] || fail "insmod without backing= created disks: $(sb_disks)"
expect_rd /sys/module/stackblk/parameters/collect 1
sb_unload
[ ! -d "$SB_CFS" ] || fail "$SB_CFS still there after rmmod"
sb_load
sb_unload
