# The backing is held while stacked: mounting it fails with EBUSY (and an
# exclusive open too); the filesystem is usable through the stackblk disk;
# after teardown the backing mounts again.
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 not installed"
modprobe ext4 || fail "modprobe ext4 failed"
sb_load
run mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$SB_BACKING"
mnt=$(mktemp -d)
trap 'umount "$mnt" 2>/dev/null' EXIT
sb_create d
r=$(mount_errno "$SB_BACKING" "$mnt" ext4)
[ "$r" = EBUSY ] || fail "mount of $SB_BACKING while stacked: $r, expected EBUSY"
mountpoint -q "$mnt" && fail "$SB_BACKING got mounted while stacked"
r=$(excl_open "$SB_BACKING")
[ "$r" = EBUSY ] || fail "O_EXCL open of $SB_BACKING while stacked: $r, expected EBUSY"
# The same filesystem through stackblk: mount, write, unmount, fsck clean.
r=$(mount_errno "$SB_DEV" "$mnt" ext4)
[ "$r" = OK ] || fail "mount of $SB_DEV (ext4 made on the backing): $r"
head -c 3M /dev/urandom >/tmp/f
run cp /tmp/f "$mnt/f"
run sync -f "$mnt/f"
cmp /tmp/f "$mnt/f" || fail "file on $SB_DEV reads back differently"
run umount "$mnt"
run e2fsck -fn "$SB_DEV"
sb_destroy d
# Released: the backing mounts and holds the file.
r=$(mount_errno "$SB_BACKING" "$mnt" ext4)
[ "$r" = OK ] || fail "mount of $SB_BACKING after teardown: $r"
cmp /tmp/f "$mnt/f" || fail "file written through stackblk differs on the backing"
run umount "$mnt"
trap - EXIT
sb_unload
