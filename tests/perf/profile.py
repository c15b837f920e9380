#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/perf/profile.py - guest kernel instructions per I/O, by function.

    tests/perf/profile.py RUNDIR [--top N] [--cmd CMD] >PROFILE.md

RUNDIR is the raw output of `tests/perf/bench.sh --profile` (its
tests/perf/out/run/): runs.csv, the plugin's prof.txt (kernel blocks
executed between two markers, tests/perf/insn/insn-count.c), the guest's
kallsyms.txt and ksyms/<run>.txt (module symbols as they were during that
run).  Each run's measurement window is the block list written at its
second marker.  A block is charged to the symbol it starts in.

For each scenario it prints, for every contender, the functions that cost
the most instructions per I/O (over all its reps: instructions / I/Os),
then, for each stackblk contender against each peer, its base and (for a
variant such as sboff) plain sb, the functions whose cost differs most:
where the extra instructions of one against the other go.  The TCG
analogue of callgrind's inclusive-free flat profile, and as repeatable:
two runs of one contender agree to a few instructions per I/O on the
functions that matter.
"""
import argparse
import bisect
import collections
import csv
import os
import sys


def read_syms(path, syms):
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 3:
                continue
            name = p[2] + (" " + p[3] if len(p) > 3 else "")
            syms.append((int(p[0], 16), name))


def read_prof(path):
    """{mark: [(vaddr, insns, execs)]}"""
    dumps, cur = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("mark "):
                cur = dumps.setdefault(int(line.split()[1]), [])
                continue
            a, n, e = line.split()
            cur.append((int(a, 16), int(n), int(e)))
    return dumps


def compared(c, o):
    """Is stackblk contender @c's difference from @o printed?  Against every
    peer, its own base, and a variant (sboff, sbnowbt...) against plain sb."""
    if o == c:
        return False
    if not o.startswith("sb"):
        return True
    return o == c + "-base" or (o == "sb" and not c.endswith("-base"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--cmd", default="tests/perf/bench.sh --profile")
    a = ap.parse_args()

    base_syms = []
    read_syms(os.path.join(a.rundir, "kallsyms.txt"), base_syms)
    dumps = read_prof(os.path.join(a.rundir, "prof.txt"))

    # (backing, workload, engine) -> contender -> [Counter by symbol, ios]
    prof = collections.OrderedDict()
    with open(os.path.join(a.rundir, "runs.csv")) as f:
        for r in csv.DictReader(f):
            if not r["mark"] or not r["ios"] or int(r["ios"]) <= 0:
                continue
            key = "%s.%s.%s.%s.%s" % (r["backing"], r["workload"], r["engine"],
                                      r["contender"], r["rep"])
            syms = list(base_syms)
            kp = os.path.join(a.rundir, "ksyms", key + ".txt")
            if os.path.exists(kp):
                read_syms(kp, syms)
            syms.sort()
            addrs = [s[0] for s in syms]
            blocks = dumps.get(int(r["mark"]) + 1, [])
            cnt = collections.Counter()
            for va, n, e in blocks:
                i = bisect.bisect_right(addrs, va) - 1
                cnt[syms[i][1] if i >= 0 else "?"] += n * e
            scen = (r["backing"], r["workload"], r["engine"])
            c = prof.setdefault(scen, collections.OrderedDict()).setdefault(
                r["contender"], [collections.Counter(), 0, 0])
            c[0].update(cnt)
            c[1] += int(r["ios"])
            c[2] += 1

    print("# Guest kernel instructions per I/O, by function\n")
    print("`%s`, from %s.  Per contender: instructions of all its reps' "
          "measurement windows divided by their I/Os; a block of "
          "instructions is charged to the function it starts in "
          "(tests/perf/profile.py).\n" % (a.cmd, a.rundir))
    for scen, conts in prof.items():
        print("## %s %s %s\n" % scen)
        per_io = {}
        for c, (cnt, ios, reps) in conts.items():
            per_io[c] = {s: v / ios for s, v in cnt.items()}
        total = {c: sum(v.values()) for c, v in per_io.items()}
        print("| contender | reps | kernel insn/IO |")
        print("|---|---:|---:|")
        for c in conts:
            print("| %s | %d | %.0f |" % (c, conts[c][2], total[c]))
        print()
        for c in conts:
            print("### %s: top %d functions\n" % (c, a.top))
            print("| function | insn/IO | share |")
            print("|---|---:|---:|")
            for s, v in sorted(per_io[c].items(), key=lambda x: -x[1])[:a.top]:
                print("| `%s` | %.0f | %.1f %% |" % (s, v, 100 * v / total[c]))
            print()
        for c in conts:
            if not c.startswith("sb"):
                continue
            for o in conts:
                if not compared(c, o):
                    continue
                d = collections.Counter()
                for s in set(per_io[c]) | set(per_io[o]):
                    d[s] = per_io[c].get(s, 0) - per_io[o].get(s, 0)
                print("### %s minus %s: %+.0f insn/IO\n" %
                      (c, o, total[c] - total[o]))
                print("| function | %s | %s | difference |" % (c, o))
                print("|---|---:|---:|---:|")
                for s, v in sorted(d.items(), key=lambda x: -abs(x[1]))[:a.top]:
                    print("| `%s` | %.0f | %.0f | %+.0f |" %
                          (s, per_io[c].get(s, 0), per_io[o].get(s, 0), v))
                print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
