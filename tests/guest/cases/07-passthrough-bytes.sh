# Passthrough is byte-identical: what is written through stackblk is what the
# backing holds, at the same offset, and vice versa (O_DIRECT both ways).
sb_load
sb_create d
head -c 8M /dev/urandom >/tmp/pat8
# through stackblk -> read from both
run dd if=/tmp/pat8 of="$SB_DEV" bs=1M seek=100 oflag=direct conv=fsync status=none
read_range "$SB_BACKING" 100 8 /tmp/from-backing
read_range "$SB_DEV" 100 8 /tmp/from-stackblk
cmp /tmp/pat8 /tmp/from-backing || fail "backing bytes differ from what was written through $SB_DEV"
cmp /tmp/pat8 /tmp/from-stackblk || fail "$SB_DEV reads back different bytes"
# directly to the backing -> read through stackblk
head -c 8M /dev/urandom >/tmp/pat8b
run dd if=/tmp/pat8b of="$SB_BACKING" bs=1M seek=200 oflag=direct conv=fsync status=none
read_range "$SB_DEV" 200 8 /tmp/from-stackblk
cmp /tmp/pat8b /tmp/from-stackblk || fail "$SB_DEV does not show what was written to the backing"
# odd sector counts at odd offsets
head -c $((3 * 512)) /dev/urandom >/tmp/pat3
run dd if=/tmp/pat3 of="$SB_DEV" bs=512 seek=123457 oflag=direct status=none
dd if="$SB_BACKING" of=/tmp/back3 bs=512 skip=123457 count=3 iflag=direct status=none
cmp /tmp/pat3 /tmp/back3 || fail "3 sectors at sector 123457 differ on the backing"
# the last 64 KiB of the device
sz=$(blockdev --getsz "$SB_DEV")
head -c 65536 /dev/urandom >/tmp/patend
run dd if=/tmp/patend of="$SB_DEV" bs=512 seek=$((sz - 128)) oflag=direct status=none
dd if="$SB_BACKING" of=/tmp/backend bs=512 skip=$((sz - 128)) count=128 iflag=direct status=none
cmp /tmp/patend /tmp/backend || fail "last 64 KiB differ on the backing"
# I/O past the end is refused, not forwarded
if dd if=/tmp/pat3 of="$SB_DEV" bs=512 seek="$sz" oflag=direct status=none 2>/dev/null; then
	[ "$(blockdev --getsz "$SB_BACKING")" = "$sz" ] || fail "write past the end changed the backing's size"
fi
# Same through the page cache (buffered write, then drop caches, read back)
head -c 4M /dev/urandom >/tmp/pat4
run dd if=/tmp/pat4 of="$SB_DEV" bs=1M seek=300 conv=fsync status=none
read_range "$SB_BACKING" 300 4 /tmp/back4
cmp /tmp/pat4 /tmp/back4 || fail "buffered write + fsync: backing bytes differ"
# blkcg: a forwarded clone is charged to the submitter's cgroup, once
# (io.stat of that cgroup counts the same bytes on both devices).  So are
# the backing bios a stage builds itself (not clones): crypt's bounce
# bios, here for 64 KiB writes encrypted in the device's io_wq, a kworker
# of no cgroup of the writer's.  Before the fix those were charged to the
# kworker's cgroup, the root, so the writer's io.max did not apply.
# (/sys/fs/cgroup exists exactly when the kernel has cgroups: cgroup_init()
# makes it; the debug kernel's config has none)
cg=/sys/fs/cgroup
if [ -d "$cg" ] && ! grep -q " $cg cgroup2 " /proc/mounts; then
	run mount -t cgroup2 none "$cg"
fi
# blkcg_check WHAT SEEK: 2 MiB written from cgroup sbt, as 32 O_DIRECT
# writes of 64 KiB at SEEK (in 64 KiB); both devices' wbytes in its io.stat
blkcg_check() {
	local d mm w
	mkdir -p "$cg/sbt"
	(echo "$BASHPID" >"$cg/sbt/cgroup.procs" &&
		dd if=/tmp/pat4 of="$SB_DEV" bs=64k count=32 seek="$2" oflag=direct status=none) ||
		fail "$1: O_DIRECT write inside cgroup sbt failed"
	for d in "$SB_DEV" "$SB_BACKING"; do
		mm=$(cat "/sys/class/block/${d##*/}/dev")
		w=$(awk -v mm="$mm" '$1 == mm { for (i = 2; i <= NF; i++) if ($i ~ /^wbytes=/) print substr($i, 8) }' "$cg/sbt/io.stat")
		[ "$w" = 2097152 ] || fail "$1: cgroup sbt io.stat wbytes for $d ($mm): '$w', want 2097152: $(cat "$cg/sbt/io.stat")"
	done
	info "$1: cgroup sbt was charged 2 MiB on both devices"
	rmdir "$cg/sbt"
}
if [ ! -d "$cg" ]; then
	info "kernel without cgroups (no $cg): blkcg check skipped"
elif ! grep -qw io "$cg/cgroup.controllers"; then
	info "no io cgroup controller: blkcg check skipped"
else
	echo +io >"$cg/cgroup.subtree_control" || fail "cannot enable the io controller"
	blkcg_check passthrough 8000
	sb_destroy d
	sb_create dc stages=crypt crypt_sector_size=4096 \
		crypt_key=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
	blkcg_check "stages=crypt" 8100
	sb_destroy dc
	sb_create d
fi
sb_destroy d
sb_unload
