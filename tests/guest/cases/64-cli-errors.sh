# stackblk CLI error paths: module not loaded, unknown device, bad options,
# not root (configfs writes, debugfs reads) give the documented exit status
# (1 runtime, 2 usage) and message.
SB=$SB_REPO/tools/stackblk
[ -x "$SB" ] || make -s -C "$SB_REPO/tools" stackblk >/dev/null || fail "cannot build tools/stackblk"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
# expect_cli STATUS TEXT ARGS...: run the CLI, check exit status and stderr
expect_cli() {
	local want=$1 text=$2 err rc
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	info "$* -> $rc: $err"
	[ $rc -eq "$want" ] || fail "$*: exit $rc, expected $want ($err)"
	grep -qF -- "$text" <<<"$err" || fail "$*: stderr '$err' lacks '$text'"
}

sb_loaded && sb_unload
for c in list stat "depth stackblk0" "create x --backing $SB_BACKING" "remove x"; do
	# shellcheck disable=SC2086
	expect_cli 1 "stackblk: module not loaded (try: modprobe stackblk)" "$SB" $c
done
sb_load
sb_create e
expect_cli 1 "nope: no such stackblk device" "$SB" stat nope
expect_cli 1 "nope: no such stackblk device" "$SB" affinity /dev/nope
expect_cli 1 "no such stackblk device" "$SB" remove nope
expect_cli 2 "invalid option '--bogus'" "$SB" stat --bogus
expect_cli 2 "Try 'stackblk depth --help'" "$SB" depth
expect_cli 2 "-c/--count needs -i/--interval" "$SB" stat -c 2
expect_cli 2 "unknown command 'frob'" "$SB" frob
expect_cli 2 "bad --depth" "$SB" create x --backing "$SB_BACKING" --depth 5000

# not root: configfs writes, debugfs reads and reset say so; stat still works
cp "$SB" /tmp/stackblk-cli && chmod 755 /tmp/stackblk-cli
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/stackblk-cli)
expect_cli 1 "must be root" "${nobody[@]}" create x --backing "$SB_BACKING"
expect_cli 1 "debugfs is readable by root only" "${nobody[@]}" depth "stackblk$SB_IDX"
expect_cli 1 "debugfs is readable by root only" "${nobody[@]}" latency "stackblk$SB_IDX"
out=$("${nobody[@]}" stat "stackblk$SB_IDX" -i 0.2 -c 3 2>"$SB_ART/err") ||
	fail "stat as non-root failed: $(cat "$SB_ART/err")"
[ "$(grep -c 'latency percentiles unavailable: debugfs is readable by root only' "$SB_ART/err")" -eq 1 ] ||
	fail "non-root stat: expected the latency note once on stderr: $(cat "$SB_ART/err")"
# the default view ends with L_rp99, L_wp99, inflight
grep -Eq "^stackblk$SB_IDX .* - +- +[0-9]+$" <<<"$out" || fail "non-root stat: no '-' latency columns"
expect_cli 1 "must be root" "${nobody[@]}" reset "stackblk$SB_IDX"
expect_cli 2 "missing DEV" "$SB" reset
sb_destroy e
sb_unload
exit 0
