# Bad configfs input is refused with the documented errno and leaves nothing
# half-made: attributes read back unchanged, no stackblk disk appears.
sb_load
before=$(sb_disks)
[ -z "$before" ] || fail "disks present before the test: $before"
nothing_made() {	# DIR WHAT
	[ "$(sb_disks)" = "$before" ] || fail "$2: a disk appeared: $(sb_disks)"
	expect_rd "$1/power" 0
	expect_rd "$1/index" -1
}

# bad_backing ERRNO PATH: refused either when written to `backing` or, if the
# module defers the check, at power=1; both must give ERRNO.
bad_backing() {
	local want=$1 path=$2 d=$SB_CFS/bb r
	run mkdir "$d"
	r=$(wr "$d/backing" "$path")
	info "backing=$path: $r"
	if [ "$r" = OK ]; then
		r=$(wr "$d/power" 1)
		info "  power=1 with backing=$path: $r"
		[ "$r" = "$want" ] || fail "backing=$path: accepted, then power=1 gave $r, expected $want"
	else
		[ "$r" = "$want" ] || fail "backing=$path: got $r, expected $want"
		expect_rd "$d/backing" ""
	fi
	nothing_made "$d" "backing=$path"
	run rmdir "$d"
}
bad_backing ENOENT /dev/does-not-exist
bad_backing ENOENT /nonexistent/dir/nvme0n1
bad_backing ENOTBLK /dev/null
: >/tmp/regular-file
bad_backing ENOTBLK /tmp/regular-file

# power=1 without a backing is refused (any errno) and makes nothing.
D=$SB_CFS/nb
run mkdir "$D"
r=$(wr "$D/power" 1)
[ "$r" != OK ] || fail "power=1 without backing accepted"
nothing_made "$D" "power=1 without backing"
run rmdir "$D"

# Numbers out of range or malformed: EINVAL, value unchanged.
D=$SB_CFS/d
run mkdir "$D"
expect_wr OK "$D/backing" "$SB_BACKING"
for v in 0 4097 65536 -1 abc 1x ""; do
	expect_wr EINVAL "$D/queue_depth" "$v"
	expect_rd "$D/queue_depth" 128
done
for v in $((SB_NCPU + 1)) 100000 -1 abc; do
	expect_wr EINVAL "$D/nr_hw_queues" "$v"
	expect_rd "$D/nr_hw_queues" 0
done
expect_wr EINVAL "$D/power" abc
nothing_made "$D" "power=abc"
r=$(wr "$D/index" 5)
[ "$r" != OK ] || fail "index (read-only) accepted a write"
expect_rd "$D/index" -1
# Boundaries are accepted.
expect_wr OK "$D/queue_depth" 4096
expect_rd "$D/queue_depth" 4096
expect_wr OK "$D/queue_depth" 1
expect_rd "$D/queue_depth" 1
expect_wr OK "$D/queue_depth" 128
expect_wr OK "$D/nr_hw_queues" "$SB_NCPU"
expect_rd "$D/nr_hw_queues" "$SB_NCPU"
expect_wr OK "$D/nr_hw_queues" 0

# Powered: power=1 again is EEXIST, every other attribute EBUSY.
expect_wr OK "$D/power" 1
idx=$(rd "$D/index")
[[ $idx =~ ^[0-9]+$ ]] || fail "index '$idx' while powered"
must_wait 20 "/dev/stackblk$idx" sb_dev_ready "$idx"
disks=$(sb_disks)
expect_wr EEXIST "$D/power" 1
expect_rd "$D/index" "$idx"
expect_wr EBUSY "$D/backing" "$SB_BACKING"
expect_wr EBUSY "$D/backing" /dev/does-not-exist
expect_rd "$D/backing" "$SB_BACKING"
expect_wr EBUSY "$D/queue_depth" 64
expect_rd "$D/queue_depth" 128
expect_wr EBUSY "$D/nr_hw_queues" 1
expect_rd "$D/nr_hw_queues" 0
[ "$(sb_disks)" = "$disks" ] || fail "disks changed by refused writes: $disks -> $(sb_disks)"

# A second device over the same (held) backing: EBUSY, nothing made.
E=$SB_CFS/e
run mkdir "$E"
r=$(wr "$E/backing" "$SB_BACKING")
info "second device backing=$SB_BACKING: $r"
if [ "$r" = OK ]; then
	expect_wr EBUSY "$E/power" 1
else
	[ "$r" = EBUSY ] || fail "second device: backing write gave $r, expected OK or EBUSY"
fi
expect_rd "$E/power" 0
expect_rd "$E/index" -1
[ "$(sb_disks)" = "$disks" ] || fail "second device over a held backing made a disk: $(sb_disks)"
# Once the first lets go, the second can take the backing.
expect_wr OK "$D/power" 0
must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"
[ "$r" = OK ] || expect_wr OK "$E/backing" "$SB_BACKING"
expect_wr OK "$E/power" 1
idx=$(rd "$E/index")
must_wait 20 "/dev/stackblk$idx" sb_dev_ready "$idx"
expect_wr OK "$E/power" 0
must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"

# A backing claimed by someone else (an exclusive opener): EBUSY at power=1.
python3 -c 'import os, signal, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
print("held", flush=True)
signal.pause()' "$SB_BACKING" >/tmp/holder.out 2>&1 &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
must_wait 30 "the exclusive holder" grep -q held /tmp/holder.out
expect_wr EBUSY "$D/power" 1
nothing_made "$D" "power=1 over a backing held by another opener"
kill $holder
must_wait 10 "the holder to exit" pid_gone $holder
expect_wr OK "$D/power" 1
must_wait 20 "device after the holder left" test "$(rd "$D/index")" != -1
run rmdir "$D" "$E"
[ -z "$(sb_disks)" ] || fail "disks left: $(sb_disks)"
sb_unload
