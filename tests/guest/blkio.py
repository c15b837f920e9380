#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-block O_DIRECT I/O with exact per-block outcomes (guest helper).

    blkio.py write DEV OFFSET LENGTH BS SEED [SECONDS]
    blkio.py read  DEV OFFSET LENGTH BS SEED
    blkio.py check DEV BS SEED <WRITE-OUTPUT

OFFSET, LENGTH and BS are bytes.  The block at offset o written in pass p
holds a pattern derived from (SEED, p, o), so it can be checked later on any
device that maps the same bytes.

write: one pass over the range (or passes until SECONDS have passed, for
devices that fail on a timer such as dm-flakey).  One line per block with
its last pass, then totals over all passes:
    ok OFFSET PASS | err OFFSET ERRNO PASS
    total WRITES FAILED
read: one line per block, expecting pass 0's pattern:
    ok OFFSET | bad OFFSET (wrong bytes) | err OFFSET ERRNO
check: reads back every "ok" block of a write's output and prints, as read
does, whether it holds what that pass wrote.

The exit status is 0 unless the arguments are wrong: the lines are the result.
"""
import errno
import hashlib
import mmap
import os
import sys
import time


def pattern(seed, pas, off, bs):
    block = hashlib.sha256(f"{seed}:{pas}:{off}".encode()).digest()
    return (block * (bs // len(block) + 1))[:bs]


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def read_block(fd, buf, off, want):
    try:
        n = os.preadv(fd, [buf], off)
    except OSError as e:
        return f"err {off} {errname(e)}"
    return f"ok {off}" if n == len(buf) and buf[:] == want else f"bad {off}"


def do_write(dev, off, length, bs, seed, secs):
    buf = mmap.mmap(-1, bs)  # page aligned, as O_DIRECT wants
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    last, writes, failed, pas = {}, 0, 0, 0
    end = time.monotonic() + secs
    while True:
        for o in range(off, off + length, bs):
            buf[:] = pattern(seed, pas, o, bs)
            writes += 1
            try:
                os.pwrite(fd, buf, o)
                last[o] = f"ok {o} {pas}"
            except OSError as e:
                failed += 1
                last[o] = f"err {o} {errname(e)} {pas}"
        pas += 1
        if time.monotonic() >= end:
            break
    os.close(fd)
    for o in sorted(last):
        print(last[o])
    print("total", writes, failed)


def main(argv):
    if len(argv) < 4 or argv[0] not in ("write", "read", "check"):
        sys.stderr.write(__doc__)
        return 2
    op, dev = argv[0], argv[1]
    if op == "check":
        bs, seed = int(argv[2], 0), argv[3]
        buf = mmap.mmap(-1, bs)
        fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
        for line in sys.stdin:
            f = line.split()
            if f and f[0] == "ok":
                o, pas = int(f[1]), int(f[2])
                print(read_block(fd, buf, o, pattern(seed, pas, o, bs)))
        os.close(fd)
        return 0
    off, length, bs = (int(x, 0) for x in argv[2:5])
    seed = argv[5]
    if op == "write":
        do_write(dev, off, length, bs, seed, float(argv[6]) if len(argv) > 6 else 0)
        return 0
    buf = mmap.mmap(-1, bs)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    for o in range(off, off + length, bs):
        print(read_block(fd, buf, o, pattern(seed, 0, o, bs)))
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
