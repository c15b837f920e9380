# rmmod fails while a stackblk disk is open, and works once it is closed
# (for the backing= parameter device and for a configfs device).
sb_load backing="$SB_BACKING"
must_wait 20 /dev/stackblk0 sb_dev_ready 0
exec 3</dev/stackblk0
echo "+ rmmod stackblk (stackblk0 open)" >&2
if rmmod stackblk; then
	exec 3<&-
	fail "rmmod succeeded while /dev/stackblk0 was open"
fi
sb_loaded || fail "module gone although rmmod failed"
sb_dev_ready 0 || fail "stackblk0 gone after a failed rmmod"
dd if=/dev/stackblk0 of=/dev/null bs=64k count=4 iflag=direct status=none ||
	fail "stackblk0 unusable after a failed rmmod"
exec 3<&-
sb_unload
sb_dev_gone 0 || fail "stackblk0 still there after rmmod"
[ "$(excl_open "$SB_BACKING")" = OK ] || fail "$SB_BACKING still held after rmmod"

sb_load
sb_create d
exec 3<"$SB_DEV"
echo "+ rmmod stackblk ($SB_DEV open)" >&2
if rmmod stackblk; then
	exec 3<&-
	fail "rmmod succeeded while $SB_DEV was open"
fi
sb_loaded || fail "module gone although rmmod failed"
exec 3<&-
sb_destroy d
sb_unload
[ "$(excl_open "$SB_BACKING")" = OK ] || fail "$SB_BACKING still held after rmmod"
