#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""prom-check.py FILE [--root ROOT]: check what "stackblk export" wrote.

What promtool does not check of the Prometheus text format: every histogram's
buckets are cumulative in increasing le, end in le="+Inf", and the +Inf
bucket equals _count.  With --root (a fixture tree, or / in a guest): every
value equals what the CLI's sources hold (sysfs stats, debugfs latency,
hctx and completion), and a latency histogram's _count equals the completed
requests (logical_{read,write}_ios while nothing is in flight).
Prints one line of JSON with the values a test wants, exits 1 with the
reason on the first mismatch.
"""
import json
import os
import re
import sys
from decimal import Decimal

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def fail(msg):
    print("prom-check: " + msg, file=sys.stderr)
    sys.exit(1)


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}."""
    fams, order, cur = {}, [], None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            if name not in fams:
                if any(o == name for o in order):
                    fail("line %d: family %s comes twice" % (n, name))
                fams[name] = {"samples": []}
                order.append(name)
            cur = name
            fams[name][kind.lower()] = rest
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            fail("line %d: not a sample: %r" % (n, line))
        name, lab, val = m.groups()
        labels, pos = {}, 0
        while lab and pos < len(lab):
            lm = LABEL.match(lab, pos)
            if not lm:
                fail("line %d: bad labels %r" % (n, lab))
            labels[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
        fam = cur
        if fam is None or not (name == fam or (fams[fam].get("type") == "histogram" and
                                               name in (fam + "_bucket", fam + "_sum", fam + "_count"))):
            fail("line %d: %s outside its family (after # TYPE %s)" % (n, name, fam))
        fams[fam]["samples"].append((name, labels, Decimal(val) if val != "+Inf" else val))
    for name, f in fams.items():
        if "type" not in f or "help" not in f:
            fail("%s: no # HELP or # TYPE" % name)
    return fams


def key(labels, drop=("le",)):
    return tuple(sorted((k, v) for k, v in labels.items() if k not in drop))


def check_histograms(fams):
    for name, f in fams.items():
        if f["type"] != "histogram":
            continue
        series = {}
        for s, labels, v in f["samples"]:
            h = series.setdefault(key(labels), {"buckets": [], "sum": None, "count": None})
            if s.endswith("_bucket"):
                h["buckets"].append((labels["le"], v))
            else:
                h[s.rsplit("_", 1)[1]] = v
        for k, h in series.items():
            les = [le for le, _ in h["buckets"]]
            if not les or les[-1] != "+Inf":
                fail("%s%s: no le=\"+Inf\" bucket last" % (name, k))
            if [Decimal(x) for x in les[:-1]] != sorted(Decimal(x) for x in les[:-1]) or \
                    len(set(les)) != len(les):
                fail("%s%s: le not increasing: %s" % (name, k, les))
            counts = [v for _, v in h["buckets"]]
            if counts != sorted(counts):
                fail("%s%s: buckets not cumulative: %s" % (name, k, counts))
            if h["count"] is None or counts[-1] != h["count"]:
                fail("%s%s: +Inf bucket %s != _count %s" % (name, k, counts[-1], h["count"]))
            if h["sum"] is not None and h["sum"] < 0:
                fail("%s%s: negative _sum" % (name, k))
        f["series"] = series


def value(fams, name, **want):
    fam = fams.get(name) or fams.get(re.sub(r"_(bucket|sum|count)$", "", name)) or \
        fail("no family " + name)
    got = [v for s, labels, v in fam["samples"]
           if s == name and all(labels.get(k) == w for k, w in want.items())]
    if len(got) != 1:
        fail("%s%s: %d samples" % (name, want, len(got)))
    return got[0]


def read(path):
    with open(path) as f:
        return f.read()


def check_root(fams, root):
    devices = sorted({labels["device"] for _, labels, _ in fams["stackblk_debugfs_readable"]["samples"]})
    out = {}
    for dev in devices:
        stats_dir = os.path.join(root, "sys/block", dev, "stackblk/stats")
        stats = {n: int(read(os.path.join(stats_dir, n))) for n in os.listdir(stats_dir)}
        for n, v in stats.items():
            m = "stackblk_" + n + ("" if n in ("inflight", "inflight_max") else "_total")
            if value(fams, m, device=dev) != v:
                fail("%s %s: exported %s, sysfs %d" % (dev, m, value(fams, m, device=dev), v))
        o = out[dev] = {"stats": stats, "debugfs": int(value(fams, "stackblk_debugfs_readable", device=dev))}
        if not o["debugfs"]:
            for fam in ("stackblk_latency_seconds", "stackblk_dispatch_depth", "stackblk_completion_cpu_total",
                        "stackblk_completion_node_total"):
                if any(labels["device"] == dev for _, labels, _ in fams[fam]["samples"]):
                    fail("%s: %s exported without debugfs" % (dev, fam))
            continue
        dbg = os.path.join(root, "sys/kernel/debug/stackblk", dev)
        lat = os.path.join(dbg, "latency_fine")
        if not os.path.exists(lat):
            lat = os.path.join(dbg, "latency")
        o["latency_count"] = {}
        for line in read(lat).splitlines():
            if line.startswith("#") or not line.strip():
                continue
            path, op, count, sum_ns = line.split()[:4]
            c = value(fams, "stackblk_latency_seconds_count", device=dev, path=path, op=op)
            s = value(fams, "stackblk_latency_seconds_sum", device=dev, path=path, op=op)
            if c != int(count) or s != Decimal(sum_ns) / Decimal(10**9):
                fail("%s %s %s: _count %s _sum %s, debugfs %s %s" % (dev, path, op, c, s, count, sum_ns))
            o["latency_count"][path + "_" + op] = int(c)
        if stats["inflight"] == 0:	# quiet: every request received has completed
            for op in ("read", "write"):
                c = o["latency_count"]["logical_" + op]
                if c != stats["logical_%s_ios" % op]:
                    fail("%s: logical %s _count %d != logical_%s_ios %d" % (dev, op, c, op, stats["logical_%s_ios" % op]))
        bucket = [0] * 14
        for line in read(os.path.join(dbg, "hctx")).splitlines():
            if line.startswith("#") or not line.strip():
                continue
            for i, x in enumerate(line.split()[3:]):
                bucket[i] += int(x)
        cum, sum2 = 0, 0
        for i, b in enumerate(bucket):
            cum += b
            sum2 += b * ((3 << i) - 1)	# each dispatch at its bucket's midpoint
            if value(fams, "stackblk_dispatch_depth_bucket", device=dev, le=str((2 << i) - 1)) != cum:
                fail("%s: depth le=%d != %d" % (dev, (2 << i) - 1, cum))
        if value(fams, "stackblk_dispatch_depth_count", device=dev) != cum:
            fail("%s: depth _count != %d dispatches" % (dev, cum))
        if value(fams, "stackblk_dispatch_depth_sum", device=dev) != Decimal(sum2) / 2:
            fail("%s: depth _sum != %s (bucket midpoints)" % (dev, Decimal(sum2) / 2))
        o["dispatches"] = cum
        comp = dict(l.split() for l in read(os.path.join(dbg, "completion")).splitlines()
                    if l and l[0].isalpha() and not l.startswith("matrix"))
        o["locality"] = {}
        for side, label in (("backing", "backing"), ("complete", "stackblk")):
            for loc in ("same", "shared", "remote"):
                v = value(fams, "stackblk_completion_cpu_total", device=dev, completion=label, locality=loc)
                if v != int(comp[side + "_" + loc]):
                    fail("%s: %s_%s exported %s, debugfs %s" % (dev, side, loc, v, comp[side + "_" + loc]))
                o["locality"][label + "_" + loc] = int(v)
            # by NUMA node: only from a module that counts it
            for loc in ("same_node", "remote_node"):
                want = comp.get(side + "_" + loc)
                got = [x for n, lb, x in fams.get("stackblk_completion_node_total", {"samples": []})["samples"]
                       if lb.get("device") == dev and lb.get("completion") == label and lb.get("locality") == loc]
                if (want is None and got) or (want is not None and got != [int(want)]):
                    fail("%s: %s_%s exported %s, debugfs %s" % (dev, side, loc, got, want))
    return out


def main():
    args = sys.argv[1:]
    root = None
    if "--root" in args:
        i = args.index("--root")
        root = args[i + 1]
        del args[i:i + 2]
    fams = parse(read(args[0]))
    check_histograms(fams)
    res = {"families": len(fams)}
    if root is not None:
        res["devices"] = check_root(fams, root)
    print(json.dumps(res, sort_keys=True))


main()
