# Privilege.  As nobody (setpriv --reuid=nobody --regid=nogroup
# --clear-groups) every privileged action is refused and changes nothing:
# creating, configuring, powering and removing devices in configfs, writing
# the crypt key, writing reset, reading debugfs, changing the collect
# parameter, loading and unloading the module, and the CLI's create/remove.
# As root without CAP_SYS_ADMIN (setpriv --inh-caps/--bounding-set
# -sys_admin) the same is refused with EPERM, except rmdir: configfs gives
# drivers no veto on it, so removal is guarded by the root-only mode alone.  Counters stay world-readable
# (as diskstats are); the key is readable by nobody, root included.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
# nobody may not reach the repository (a clone under /root, mode 0700):
# run world-readable copies of the CLI and of lib.sh
cp "$SB" /tmp/stackblk-cli-76 && chmod 755 /tmp/stackblk-cli-76 && SB=/tmp/stackblk-cli-76
cp "$SB_REPO/tests/guest/lib.sh" /tmp/stackblk-lib-76.sh && chmod 644 /tmp/stackblk-lib-76.sh
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
NOADMIN=(setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin)
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
sb_load
sb_create p stages=crypt crypt_key=$KEY
D=$SB_CFS/p
S=/sys/block/stackblk$SB_IDX/stackblk
run dd if=/dev/zero of="$SB_DEV" bs=4k count=16 oflag=direct status=none
snap() { for f in "$D"/* "$S"/stats/*; do [ "${f##*/}" = crypt_key ] || printf '%s=%s\n' "${f##*/}" "$(rd "$f")"; done; }
before=$(snap)
# as USER-PREFIX...: run a shell command; fail if it succeeds
refused() {
	local what=$1
	shift
	if "$@" 2>"$SB_ART/priv.err"; then
		fail "$what succeeded without privilege"
	fi
	info "refused: $what ($(tail -n 1 "$SB_ART/priv.err"))"
}
for who in NOBODY NOADMIN; do
	declare -n P=$who
	refused "$who: mkdir in configfs" "${P[@]}" mkdir "$SB_CFS/evil"
	[ ! -e "$SB_CFS/evil" ] || fail "$who: $SB_CFS/evil exists"
	# powered: power off is the only thing root could do; refused here
	refused "$who: power=0" "${P[@]}" sh -c "echo 0 > $D/power"
	refused "$who: crypt_key" "${P[@]}" sh -c "echo $KEY > $D/crypt_key"
	refused "$who: write reset" "${P[@]}" sh -c "echo 1 > $S/reset"
	if [ "$who" = NOBODY ]; then
		# removal (rmdir) is guarded by the root-only directory mode:
		# configfs gives a driver no way to veto an rmdir
		refused "$who: rmdir the item" "${P[@]}" rmdir "$D"
		refused "$who: stackblk remove" "${P[@]}" "$SB" remove p
		refused "$who: rmmod" "${P[@]}" rmmod stackblk
		refused "$who: insmod" "${P[@]}" insmod "$SB_KO"
	fi
	refused "$who: read debugfs" "${P[@]}" cat "/sys/kernel/debug/stackblk/stackblk$SB_IDX/counters"
	refused "$who: write collect" "${P[@]}" sh -c "echo 0 > /sys/module/stackblk/parameters/collect"
	refused "$who: stackblk create" "${P[@]}" "$SB" create evil2 --backing /dev/null
	[ "$(snap)" = "$before" ] || fail "$who: state changed: $(diff <(echo "$before") <(snap))"
	unset -n P
done
# unpowered item: every attribute refused (EPERM without CAP_SYS_ADMIN)
run sh -c "echo 0 > $D/power"
for f in "$D"/*; do
	[ "${f##*/}" = index ] && continue
	v=$(rd "$f")
	[ "${f##*/}" = crypt_key ] && v=$KEY
	r=$("${NOADMIN[@]}" bash -c '. "$1"; wr "$2" "$3"' _ /tmp/stackblk-lib-76.sh "$f" "$v")
	[ "$r" = EPERM ] || fail "no CAP_SYS_ADMIN: ${f##*/}=$v gave $r, expected EPERM"
	# the capability is checked before the value is parsed
	r=$("${NOADMIN[@]}" bash -c '. "$1"; wr "$2" "$3"' _ /tmp/stackblk-lib-76.sh "$f" bogus)
	[ "$r" = EPERM ] || fail "no CAP_SYS_ADMIN: ${f##*/}=bogus gave $r, expected EPERM"
	r=$("${NOBODY[@]}" bash -c '. "$1"; wr "$2" "$3"' _ /tmp/stackblk-lib-76.sh "$f" "$v")
	[ "$r" = EACCES ] || fail "nobody: ${f##*/}=$v gave $r, expected EACCES"
done
# world-readable counters, unreadable key
expect_wr OK "$D/power" 1
SB_IDX=$(rd "$D/index")
must_wait 20 "/dev/stackblk$SB_IDX" sb_dev_ready "$SB_IDX"
for f in /sys/block/stackblk"$SB_IDX"/stackblk/stats/*; do
	"${NOBODY[@]}" cat "$f" >/dev/null || fail "nobody cannot read ${f##*/}"
done
"${NOBODY[@]}" "$SB" stat "stackblk$SB_IDX" >/dev/null || fail "nobody cannot run stackblk stat"
cat "$D/crypt_key" >/dev/null 2>&1 && fail "crypt_key is readable"
[ "$(stat -c %a "$D/crypt_key")" = 200 ] || fail "crypt_key mode $(stat -c %a "$D/crypt_key"), expected 200"
sb_destroy p
sb_unload
dmesg_clean
