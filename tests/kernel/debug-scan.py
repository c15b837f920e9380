#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
tests/kernel/debug-scan.py - judge a debug-kernel guest run by its kernel log.

    debug-scan.py [--prefix debug/] [--kmemleak FILE] DMESG

Prints one PASS/FAIL line per check over the WHOLE kernel log of the boot
(DMESG = run-vm.sh's dmesg.txt, not affected by `dmesg -C`):

    kasan          BUG: KASAN ...
    lockdep        lockdep reports (circular/recursive locking, bad unlock, RCU ...)
    debug_objects  ODEBUG: ...
    atomic_sleep   sleeping function called from invalid context, scheduling while atomic
    oops           Oops, BUG at, WARN splats, UBSAN, list corruption, hung tasks, RCU stalls
    kmemleak       (with --kmemleak) a leak report whose backtrace involves
                   stackblk (symbol or [stackblk*] module tag) or an
                   unsymbolised module address (all else is built in)

Exit status 1 if any check failed.
"""
import argparse
import re
import sys

CHECKS = [
    ('kasan', r'BUG: KASAN|KASAN: .*(out-of-bounds|use-after-free|double-free|invalid-free|wild-memory)'),
    ('lockdep', r'WARNING: (possible circular locking|possible recursive locking|inconsistent lock state|'
                r'bad unlock balance|held lock freed|lock held when returning|suspicious RCU usage|'
                r'possible irq lock inversion|Nested lock was not taken|chain_key collision|'
                r'lock held at task exit|HARDIRQ-safe|SOFTIRQ-safe)|'
                r'BUG: (held lock freed|MAX_LOCKDEP|looking up invalid subclass|key .* has not been registered)|'
                r'DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key|'
                r'WARNING: .*lockdep'),
    ('debug_objects', r'ODEBUG:'),
    ('atomic_sleep', r'BUG: sleeping function called from invalid context|BUG: scheduling while atomic|'
                     r'BUG: using smp_processor_id\(\) in preemptible|BUG: workqueue leaked lock|'
                     r'BUG: using __this_cpu_\w+\(\) in preemptible'),
    ('oops', r'Oops:|general protection fault|kernel BUG at|BUG: unable to handle|Kernel panic|'
             r'------------\[ cut here \]------------|WARNING: CPU: \d+ PID: \d+ at|UBSAN:|'
             r'list_(add|del) corruption|refcount_t:|INFO: task .* blocked for more than|'
             r'BUG: (Bad page|KFENCE|soft lockup|workqueue lockup)|detected stalls on CPUs|'
             r'watchdog: BUG'),
]

MODULE_ADDR_RE = re.compile(r'\[<(ffffffff[a-f][0-9a-f]{7})>\] (0x[0-9a-f]+|ffffffff[0-9a-f]+)\s*$')
OURS_RE = re.compile(r'stackblk|\bsb_\w+\+0x')


def ts_strip(line):
    return re.sub(r'^\[[^\]]*\] ?', '', line)


def scan_dmesg(path):
    try:
        with open(path, errors='replace') as fh:
            lines = [ts_strip(x.rstrip('\n')) for x in fh]
    except OSError as e:
        return {name: ['cannot read %s: %s' % (path, e)] for name, _ in CHECKS}
    hits = {}
    for name, pat in CHECKS:
        rx = re.compile(pat)
        found = []
        for i, ln in enumerate(lines):
            if rx.search(ln):
                # the line that names the problem, plus the next one for context
                ctx = ln.strip()
                if name == 'oops' and 'cut here' in ln and i + 1 < len(lines):
                    ctx = lines[i + 1].strip()
                found.append(ctx)
        if found:
            hits[name] = found
    return hits


def scan_kmemleak(path):
    """Return (ours, others): lists of leak reports (first lines + frames)."""
    try:
        text = open(path, errors='replace').read()
    except OSError as e:
        return (['cannot read %s: %s' % (path, e)], [])
    if text.startswith('NO-KMEMLEAK'):
        return (['kmemleak not usable in the guest: ' + text.strip()[:300]], [])
    reports = re.split(r'(?m)^(?=unreferenced object )', text)
    ours, others = [], []
    for r in reports:
        if not r.startswith('unreferenced object'):
            continue
        lines = r.strip().split('\n')
        frames = [ln.strip() for ln in lines if ln.strip().startswith('[<')]
        summary = lines[0] + ' ' + ' <- '.join(f.split('] ', 1)[-1] for f in frames[:6])
        if OURS_RE.search(r) or any(MODULE_ADDR_RE.search(ln) for ln in lines):
            ours.append(summary)
        else:
            others.append(summary)
    return ours, others


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--prefix', default='debug/')
    ap.add_argument('--kmemleak', default=None)
    ap.add_argument('dmesg')
    a = ap.parse_args()

    bad = False
    hits = scan_dmesg(a.dmesg)
    for name, _ in CHECKS:
        if name in hits:
            h = hits[name]
            print('FAIL %sdmesg-%s: %s%s' % (a.prefix, name, h[0][:300],
                                             ' (+%d more)' % (len(h) - 1) if len(h) > 1 else ''))
            bad = True
        else:
            print('PASS %sdmesg-%s' % (a.prefix, name))
    if a.kmemleak is not None:
        ours, others = scan_kmemleak(a.kmemleak)
        if ours and not ours[0].startswith('unreferenced'):
            print('FAIL %skmemleak: %s' % (a.prefix, ours[0][:400]))
            bad = True
        elif ours:
            print('FAIL %skmemleak: %d leak(s) involving stackblk: %s' % (a.prefix, len(ours), ours[0][:400]))
            bad = True
        else:
            print('PASS %skmemleak' % a.prefix)
        if others:
            sys.stderr.write('debug-scan: %d kmemleak report(s) not involving stackblk (ignored), first: %s\n'
                             % (len(others), others[0][:300]))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
