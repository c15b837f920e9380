# Hostile input.  Every writable configfs attribute of a configured device
# (backing, stages=crypt, a key) is fed a corpus: empty, whitespace, 4096+
# bytes, negative numbers, 2^32, 2^64 and above, non-numeric, embedded NUL,
# unknown and duplicate stage names, keys of every wrong length, odd-length
# and non-hex keys, paths to a character device, a regular file, a
# directory and nothing.  Each write(2) fails with an errno (EINVAL, ERANGE,
# ENOENT, ENOTBLK, ENOTDIR or ENAMETOOLONG; configfs itself fails a
# zero-length write with EFAULT),
# every readable attribute reads back unchanged, and afterwards the device
# powers on and decrypts with the original key a block written before: the
# write-only key did not change either.  Then insmod with each bad parameter
# fails and leaves no module and no disk.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
sb_load
sb_create hi stages=crypt crypt_sector_size=4096 crypt_key=$KEY
head -c 4096 /dev/urandom >"$SB_ART/blk"
run dd if="$SB_ART/blk" of="$SB_DEV" bs=4096 seek=7 count=1 oflag=direct status=none
run sh -c "echo 0 > $SB_CFS/hi/power"
python3 - "$SB_CFS/hi" >"$SB_ART/corpus.log" 2>&1 <<'PY' || fail "corpus: $(tail -n 3 "$SB_ART/corpus.log")"
import errno, os, sys
d = sys.argv[1]
attrs = sorted(a for a in os.listdir(d) if a != "index")
readable = [a for a in attrs if a != "crypt_key"]
def snap():
    return {a: open(os.path.join(d, a), "rb").read() for a in readable}
ok_errnos = {errno.EINVAL, errno.ERANGE, errno.ENOENT, errno.ENOTBLK, errno.ENOTDIR, errno.ENAMETOOLONG}
corpus = [b"", b"\n", b" ", b"\t\n", b" 1", b"1 ", b"1\n\n", b"1" * 4097, b"/" + b"a" * 5000,
          b"-1", b"-0", b"-4096", b"4294967296", b"18446744073709551615", b"18446744073709551616",
          b"99999999999999999999999999", b"abc", b"0x1000", b"1e3", b"4096.0", b"4k",
          b"\x00", b"1\x002", b"4096\x00", b"merge\x00split", b"\xff\xfe",
          b"foo", b"merge,merge", b"split,crypt,split", b"merge,,split", b"merge,", b",split", b"MERGE", b"merge split",
          b"/dev/null", b"/etc/passwd", b"/dev", b"/nonexistent", b"/etc/passwd/x", b"nvme0n1", b"aes-cbc-plain64",
          b"aes-xts-plain64 ", b"AES-XTS-PLAIN64"]
corpus += [b"ff"] + [b"0" * n for n in (62, 63, 65, 66, 96, 127, 129, 130, 256)]
# valid by definition, so not hostile: "" + newline is passthrough for stages
valid = {("stages", b"\n")}
corpus += [b"zz" * 32, b"0g" * 32, b"00 " * 21 + b"0", b"0x" + b"00" * 31, b"00" * 31 + b"\x00\x00", b"00" * 64 + b"00"]
before = snap()
bad = 0
for a in attrs:
    for v in corpus:
        if (a, v) in valid:
            continue
        fd = os.open(os.path.join(d, a), os.O_WRONLY)
        try:
            n = os.write(fd, v)
            res = "returned %d" % n
            good = (v == b"" and n == 0)
        except OSError as e:
            res = errno.errorcode.get(e.errno, str(e.errno))
            # configfs itself answers a zero-length write with EFAULT
            good = e.errno in ok_errnos or v == b""
        finally:
            os.close(fd)
        now = snap()
        if now != before:
            good = False
            res += "; state changed: %r" % {k: now[k] for k in now if now[k] != before[k]}
            before = now
        print("%-3s %s <- %r: %s" % ("ok" if good else "BAD", a, v[:40], res))
        bad += not good
print("%d attributes x %d values, %d bad" % (len(attrs), len(corpus), bad))
sys.exit(1 if bad else 0)
PY
info "$(tail -n 1 "$SB_ART/corpus.log")"
expect_wr OK "$SB_CFS/hi/power" 1
SB_IDX=$(rd "$SB_CFS/hi/index")
must_wait 20 "/dev/stackblk$SB_IDX" sb_dev_ready "$SB_IDX"
dd if="/dev/stackblk$SB_IDX" of="$SB_ART/blk.back" bs=4096 skip=7 count=1 iflag=direct status=none
cmp -s "$SB_ART/blk" "$SB_ART/blk.back" || fail "after the corpus the block no longer decrypts: settings or key changed"
sb_destroy hi
sb_unload

# insmod: each bad parameter fails cleanly
: >/tmp/regular-file
for bad in backing=/dev/null backing=/tmp/regular-file backing=/dev backing=/nonexistent \
	"backing=$(printf '/%.0s' $(seq 300))x" queue_depth=0 queue_depth=-1 queue_depth=abc \
	queue_depth=4294967296 queue_depth=99999999999999999999 nr_hw_queues=-1 nr_hw_queues=100000 \
	stages=bogus stages=merge,merge stages=crypt 'stages="merge split"' \
	"stages=split split_boundary=1000" "stages=split split_boundary=0" "stages=merge merge_max_bytes=100" \
	crypt_cipher=aes-cbc-plain64 crypt_sector_size=1024 crypt_iv_large_sectors=2 crypt_allow_discards=7 \
	collect=maybe; do
	# shellcheck disable=SC2086
	if insmod "$SB_KO" backing="$SB_BACKING" $bad 2>"$SB_ART/insmod.err"; then
		rmmod stackblk
		fail "insmod $bad accepted"
	fi
	sb_loaded && fail "insmod $bad: module left loaded"
	[ -z "$(sb_disks)" ] || fail "insmod $bad: disks left: $(sb_disks)"
	info "insmod $bad: $(tail -n 1 "$SB_ART/insmod.err")"
done
[ "$(excl_open "$SB_BACKING")" = OK ] || fail "the backing is still claimed after the refused insmods"
dmesg_clean
