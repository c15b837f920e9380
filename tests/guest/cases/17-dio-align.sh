# Direct I/O at every alignment the queue limits allow (tests/guest/dio-align.c).
# stackblk takes, on passthrough and on every stage subset, each direct
# I/O the backing takes (buffer addresses aligned only to the backing's
# dma_alignment, vectors up to and past max_segments, lengths across pages,
# 64 KiB boundaries and crypt sectors), returns the bytes written, and
# refuses what the backing refuses with the same errno: the probes come
# from the backing's limits and the two outputs must be identical.  Its
# own advertised limits hold too: every probe they allow succeeds.
# Before the fix stackblk advertised dma_alignment 511 over an NVMe that
# takes 3, and refused 4-byte aligned buffers the namespace accepts.
KEY=00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f
# built on the host by tests/lib/build-modules.sh; compiled here only if
# the case runs without it
DA=$SB_REPO/build/guest/dio-align
if [ ! "$DA" -nt "$SB_REPO/tests/guest/dio-align.c" ]; then
	DA=$SB_ART/dio-align
	run gcc -O2 -Wall -o "$DA" "$SB_REPO/tests/guest/dio-align.c"
fi
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
"$DA" "$SB_BACKING" >"$SB_ART/backing.out" 2>&1
[ $? -le 1 ] || fail "dio-align on $SB_BACKING: $(tail -n1 "$SB_ART/backing.out")"
info "backing: $(head -n1 "$SB_ART/backing.out")"
grep '^FAIL' "$SB_ART/backing.out" | head -n 3 | sed 's/^/# backing itself: /' >&2
sb_load
n=0
# every stage subset; the check tier takes passthrough and the two fullest
subsets=("" merge split crypt merge,split split,crypt merge,split,crypt crypt/4096 split,crypt/4096)
[ "${SB_TIER:-full}" = check ] && subsets=("" merge,split,crypt split,crypt/4096)
for st in "${subsets[@]}"; do
	n=$((n + 1))
	a=(stages="${st%/*}")
	[ -n "$st" ] || a=()
	[[ $st = *split* ]] && a+=(split_boundary=65536)
	[[ $st = *crypt* ]] && a+=(crypt_key=$KEY)
	[[ $st = */4096 ]] && a+=(crypt_sector_size=4096)
	sb_create "d$n" "${a[@]}"
	out=$SB_ART/d$n.out
	"$DA" "$SB_DEV" "$SB_BACKING" >"$out" 2>&1
	[ $? -le 1 ] || fail "dio-align on $SB_DEV: $(tail -n1 "$out")"
	if ! d=$(diff <(grep -v '^#' "$SB_ART/backing.out") <(grep -v '^#' "$out")); then
		fail "stages '${st:-none}': $SB_DEV differs from $SB_BACKING on the backing's limits: $(echo "$d" | grep -m2 '^[<>]' | tr '\n' ' ')"
	fi
	# its own limits, where they differ from the backing's (check tier:
	# passthrough only, whose limits are the backing's but for the start
	# values of stacking that the fix is about)
	if [ "${SB_TIER:-full}" != check ] || [ -z "$st" ]; then
		"$DA" "$SB_DEV" >"$out.own" 2>&1
		if grep -q '^FAIL.*the limits allow it\|^FAIL.*reads' "$out.own"; then
			fail "stages '${st:-none}': its own limits ($(head -n1 "$out.own" | cut -d: -f2-)): $(grep -m1 '^FAIL' "$out.own")"
		fi
		info "stages '${st:-none}': $(tail -n1 "$out.own" | tr -d '#') on its own limits"
	fi
	info "stages '${st:-none}': $(tail -n1 "$out" | tr -d '#') on the backing's limits"
	sb_destroy "d$n"
done
sb_unload
dmesg_clean
