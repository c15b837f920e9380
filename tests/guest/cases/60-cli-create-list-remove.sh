# stackblk CLI: create / list / remove round trip over configfs, rollback when
# the backing is busy, listing and refusing to remove an "insmod backing="
# device.  (tools/stackblk, see stackblk(8))
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
sb_load

# create prints the node; the device exists with the requested shape
out=$("$SB" create t1 --backing "$SB_BACKING" --queues 2 --depth 64) ||
	fail "stackblk create t1 failed: $out"
[[ $out =~ ^/dev/stackblk([0-9]+)$ ]] || fail "create printed '$out', expected /dev/stackblkN"
idx=${BASH_REMATCH[1]}
must_wait 20 "$out" sb_dev_ready "$idx"
expect_rd "$SB_CFS/t1/power" 1
has_stages=0
[ -e "$SB_CFS/t1/stages" ] && has_stages=1
[ "$(ls /sys/block/stackblk$idx/mq | wc -l)" -eq 2 ] || fail "stackblk$idx: not 2 hctx"

# list: the table row and the JSON object agree with configfs and sysfs
l=$("$SB" list) || fail "stackblk list failed"
info "$l"
grep -Eq "^t1 +stackblk$idx +$SB_BK +- +[0-9.]+[KMGT] +2 +64\$" <<<"$l" ||
	fail "list has no row 't1 stackblk$idx $SB_BK - SIZE 2 64'"
"$SB" list --json | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin)["devices"] if x["name"] == "t1"][0]
want = dict(device="stackblk'"$idx"'", configfs=True, powered=True, backing="'"$SB_BK"'",
            hw_queues=2, queue_depth=64, size_bytes='"$(($(rd /sys/block/$SB_BK/size) * 512))"')
bad = {k: (d[k], v) for k, v in want.items() if d[k] != v}
assert not bad, bad' || fail "list --json disagrees with sysfs/configfs"

# a second device over the same backing: EBUSY from power, rolled back
out=$("$SB" create t2 --backing "$SB_BACKING" 2>&1) && fail "create t2 over a held backing succeeded"
grep -q "is busy" <<<"$out" || fail "busy backing: message '$out'"
[ ! -e "$SB_CFS/t2" ] || fail "create t2 failed but left $SB_CFS/t2 behind"
# the same name twice
out=$("$SB" create t1 --backing "$SB_BACKING" 2>&1) && fail "create t1 twice succeeded"
grep -q "t1 already exists" <<<"$out" || fail "duplicate name: message '$out'"
# stage options without stage attributes: a clear refusal, nothing left behind
if [ $has_stages = 0 ]; then
	out=$("$SB" create t3 --backing /dev/null --stages merge 2>&1) && fail "--stages accepted"
	grep -q "does not support stages" <<<"$out" || fail "--stages: message '$out'"
	[ ! -e "$SB_CFS/t3" ] || fail "--stages failure left $SB_CFS/t3 behind"
fi

# remove by /dev path
run "$SB" remove "/dev/stackblk$idx"
must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"
[ ! -e "$SB_CFS/t1" ] || fail "remove left $SB_CFS/t1"
"$SB" list | grep -q "^t1 " && fail "t1 still listed after remove"

# stage options with a stage-capable module: written to configfs, listed,
# the key never shown; a bad value is refused with the errno and rolled back
if [ $has_stages = 1 ]; then
	modprobe xts 2>/dev/null
	modprobe aesni_intel 2>/dev/null
	KEY=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
	printf '%s\n' "$KEY" >"$SB_ART/key"
	out=$("$SB" create t3 --backing "$SB_BACKING" --stages merge,split,crypt \
		--split-boundary 64K --crypt-sector-size 4096 --key-file "$SB_ART/key" 2>&1) ||
		fail "create with stages failed: $out"
	idx=${out#/dev/stackblk}
	must_wait 20 "$out" sb_dev_ready "$idx"
	expect_rd "$SB_CFS/t3/split_boundary" 65536
	expect_rd "$SB_CFS/t3/crypt_sector_size" 4096
	l=$("$SB" list; "$SB" list --json; "$SB" stat t3 --json)
	info "$l"
	grep -q "$KEY" <<<"$out$l" && fail "the crypt key shows up in the CLI's output"
	grep -Eq "^t3 +stackblk$idx +$SB_BK +merge,split,crypt" <<<"$l" || fail "list: t3 without its stages"
	run "$SB" remove t3
	must_wait 20 "stackblk$idx to disappear" sb_dev_gone "$idx"
	out=$("$SB" create t4 --backing "$SB_BACKING" --stages split --split-boundary 1000 2>&1) &&
		fail "split boundary 1000 (not a multiple of 512) accepted"
	grep -q "cannot set split_boundary=1000: Invalid argument" <<<"$out" ||
		fail "bad split boundary: message '$out'"
	[ ! -e "$SB_CFS/t4" ] || fail "refused create left $SB_CFS/t4 behind"
fi
sb_unload

# insmod backing=: listed without a configfs item, cannot be removed by the CLI
sb_load backing="$SB_BACKING"
must_wait 20 /dev/stackblk0 sb_dev_ready 0
"$SB" list | grep -Eq "^stackblk0 +stackblk0 +$SB_BK " || fail "insmod backing= device not listed"
out=$("$SB" remove stackblk0 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "remove of a module-parameter device: exit $rc, expected 1"
grep -q "module parameter backing=" <<<"$out" || fail "remove stackblk0: message '$out'"
sb_unload
exit 0
