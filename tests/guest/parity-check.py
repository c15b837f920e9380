#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the parity of a stackblk parity stage, straight from its backing.

    parity-check.py [--zero] BACKING MEMBERS CHUNK [OFFSET LENGTH]

BACKING is the device under stackblk; MEMBERS and CHUNK are the device's
parity_members and parity_chunk.  The backing holds MEMBERS equal regions of
whole chunks (module/sb_lib.c, sb_parity_member_size()); stripe s is chunk s
of every member, one of them parity (left-symmetric, as md).  A stripe is
consistent when the XOR of its MEMBERS chunks is zero, whichever holds the
parity, so the check needs no layout beyond the member size.

OFFSET and LENGTH (bytes of the stackblk device, default: all of it) choose
the stripes to check: those holding any of those bytes.  Prints one line per
inconsistent stripe ("bad STRIPE"), then "checked N stripes, M bad", and
exits 1 if any is bad.

--zero writes zeroes over those stripes on every member instead (direct
I/O), which makes them consistent: as a zeroed backing starts, whatever
the stackblk device above it shows of them.
"""
import mmap
import os
import sys


def main():
    args = sys.argv[1:]
    zero = bool(args) and args[0] == "--zero"
    if zero:
        args = args[1:]
    if len(args) not in (3, 5):
        sys.exit(__doc__)
    dev, members, chunk = args[0], int(args[1]), int(args[2])
    # O_DIRECT: stackblk writes below the backing's page cache, which may
    # hold what an earlier check read
    fd = os.open(dev, (os.O_RDWR if zero else os.O_RDONLY) | os.O_DIRECT)
    buf = mmap.mmap(-1, chunk)  # page-aligned, as O_DIRECT wants
    size = os.lseek(fd, 0, os.SEEK_END)
    member_size = (size // members) & ~(chunk - 1)
    nstripes = member_size // chunk
    width = chunk * (members - 1)
    first, last = 0, nstripes - 1
    if len(args) == 5:
        off, length = int(args[3]), int(args[4])
        first, last = off // width, (off + length - 1) // width
    if last >= nstripes:
        sys.exit("stripes %d..%d beyond the %d of %s" % (first, last, nstripes, dev))
    if zero:
        for m in range(members):
            for s in range(first, last + 1):
                os.pwritev(fd, [buf], m * member_size + s * chunk)
        os.fsync(fd)
        os.close(fd)
        print("zeroed %d stripes" % (last - first + 1))
        return
    bad = 0
    for s in range(first, last + 1):
        x = 0
        for m in range(members):
            if os.preadv(fd, [buf], m * member_size + s * chunk) != chunk:
                sys.exit("short read of member %d stripe %d" % (m, s))
            x ^= int.from_bytes(buf, "little")
        if x:
            print("bad %d" % s)
            bad += 1
    os.close(fd)
    print("checked %d stripes, %d bad" % (last - first + 1, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
