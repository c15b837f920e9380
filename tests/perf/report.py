#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/perf/report.py - turn a guest-bench.sh run into the markdown report
and the gnuplot ratio chart.

    report.py RUNDIR OUT.md [PLOT.svg] [--wall SECONDS] [--cmd "make bench"]

RUNDIR holds runs.csv, meta.txt and json/ (see guest-bench.sh).  Per scenario
and contender: median IOPS, bandwidth and CPU per I/O over the repetitions;
then the ratios stackblk/peer of the medians (and, paired, the median of
the per-round ratios, which cancels host drift common to adjacent runs) and
the goals.
"""
import csv
import json
import os
import re
import statistics
import subprocess
import sys

NAMES = {
    "raw": "raw backing",
    "sb": "stackblk passthrough (collect=1)",
    "sboff": "stackblk passthrough, collect=0",
    "dml": "dm-linear",
    "sbc": "stackblk crypt",
    "dmc": "dm-crypt (default)",
    "dmcnq": "dm-crypt no_read/write_workqueue",
    "sbbpf": "stackblk + stackblk-lat.bt",
    "sbblk": "stackblk + blktrace",
}
BACKINGS = {
    "null0": "null_blk irqmode=0",
    "null1": "null_blk irqmode=1 (softirq)",
    "nvme": "QEMU NVMe nvme0n1",
}
WORKLOADS = {
    "rr4k-qd1": "4k randread QD1 x{n}j",
    "rr4k-qd32": "4k randread QD32 x{n}j",
    "rw4k-qd32": "4k randwrite QD32 x1j",
    "sr128k-qd8": "128k seq read QD8 x1j",
    "sw128k-qd8": "128k seq write QD8 x1j",
}
# (A, B, label): ratio = A / B of the medians; B may be "best:x,y"
COMPARISONS = [
    ("sb", "raw", "passthrough / raw"),
    ("sb", "dml", "passthrough / dm-linear"),
    ("sb", "sboff", "collect on / off"),
    ("sbc", "dmc", "crypt / dm-crypt"),
    ("sbc", "dmcnq", "crypt / dm-crypt noWQ"),
    ("sbc", "best:dmc,dmcnq", "crypt / dm-crypt best"),
    ("sbbpf", "sbblk", "bpftrace / blktrace"),
    ("sbbpf", "sb", "bpftrace / untraced"),
    ("sbblk", "sb", "blktrace / untraced"),
]


def med(xs):
    return statistics.median(xs) if xs else None


def load(rundir):
    meta = {}
    with open(os.path.join(rundir, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    runs = {}
    order = []
    with open(os.path.join(rundir, "runs.csv")) as f:
        for row in csv.DictReader(f):
            scen = (row["backing"], row["workload"], row["engine"])
            if scen not in runs:
                runs[scen] = {}
                order.append(scen)
            r = runs[scen].setdefault(row["contender"], [])
            if not row["json"]:
                continue
            with open(os.path.join(rundir, row["json"])) as jf:
                txt = jf.read()
            d = json.loads(txt[txt.index("{"):])
            j = d["jobs"][0]
            if j.get("error", 0):
                continue
            iops = j["read"]["iops"] + j["write"]["iops"]
            bw = j["read"]["bw_bytes"] + j["write"]["bw_bytes"]
            ios, ticks, hz = int(row["ios"]), int(row["busy_ticks"]), int(row["hz"])
            cpu = ticks * 1e6 / hz / ios if ios > 0 else None
            fcpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0
            r.append({"iops": iops, "bw": bw, "cpu": cpu, "rep": int(row["rep"])})
    return meta, runs, order


def stat(runs, scen, c):
    rs = runs.get(scen, {}).get(c)
    if not rs:
        return None
    cpus = [x["cpu"] for x in rs if x["cpu"] is not None]
    return {
        "iops": med([x["iops"] for x in rs]),
        "bw": med([x["bw"] for x in rs]),
        "cpu": med(cpus),
        "n": len(rs),
        "min": min(x["iops"] for x in rs),
        "max": max(x["iops"] for x in rs),
    }


def ratio(runs, scen, a, b):
    sa = stat(runs, scen, a)
    if b.startswith("best:"):
        cands = [(stat(runs, scen, x), x) for x in b[5:].split(",")]
        cands = [(s, x) for s, x in cands if s]
        if not cands:
            return None
        sb_, bname = max(cands, key=lambda t: t[0]["iops"])
    else:
        sb_, bname = stat(runs, scen, b), b
    if not sa or not sb_:
        return None
    cpu = sa["cpu"] / sb_["cpu"] if sa["cpu"] and sb_["cpu"] else None
    # paired: A/B within each round (adjacent runs), which cancels drifts
    # of the host that hit both alike; the median of those, and its range
    ra = {x["rep"]: x["iops"] for x in runs[scen][a]}
    rb = {x["rep"]: x["iops"] for x in runs[scen][bname]}
    pr = sorted(ra[k] / rb[k] for k in ra if k in rb and rb[k])
    return {"iops": sa["iops"] / sb_["iops"], "cpu": cpu, "peer": bname,
            "paired": med(pr), "pmin": pr[0] if pr else None, "pmax": pr[-1] if pr else None}


def scen_label(scen, ncpu):
    b, w, e = scen
    wl = WORKLOADS.get(w.split("@")[0], w).format(n=ncpu)
    tag = " (tracing)" if "@trace" in w else ""
    return b, wl + tag, e


def main():
    args = sys.argv[1:]
    wall, cmd = None, "make bench"
    if "--wall" in args:
        i = args.index("--wall")
        wall = int(args[i + 1])
        del args[i:i + 2]
    if "--cmd" in args:
        i = args.index("--cmd")
        cmd = args[i + 1]
        del args[i:i + 2]
    rundir, outmd = args[0], args[1]
    plot = args[2] if len(args) > 2 else None
    meta, runs, order = load(rundir)
    ncpu = meta.get("vcpus", "?")
    crypt_na = os.path.exists(os.path.join(rundir, "crypt-na"))
    out = []
    p = out.append
    p("# stackblk benchmark: %s, %s" % (meta.get("date", "?"), meta.get("kernel", "?")))
    p("")
    p("- command: `%s`%s" % (cmd, " (wall time %dm%02ds, build + guest boot + all runs)" % (wall // 60, wall % 60) if wall else ""))
    p("- kernel: %s; guest: %s vCPUs, %s MiB, accel **%s** (%s; AES-NI in guest: %s, xts(aes) driver %s)"
      % (meta.get("kernel"), ncpu, meta.get("mem_mib"), meta.get("accel", "?").upper(),
         meta.get("cpu_model", "?"), meta.get("aes_ni", "?"), meta.get("xts_driver", "?")))
    p("- stackblk built from: %s" % meta.get("module_src", "?"))
    p("- host: %s" % meta.get("host", "?"))
    p("- %s, %s, %s, %s" % (meta.get("fio"), meta.get("bpftrace"), meta.get("blktrace"), meta.get("crypt")))
    p("- method: one guest boot; per scenario every contender in a fresh device, round-robin "
      "(A B C … A B C …, so any two alternate ABAB), %s reps each; fio direct=1, time_based %s s after "
      "%s s ramp, norandommap; numbers are **medians** of the reps. CPU/IO = busy CPU time of the whole guest "
      "(/proc/stat user+nice+sys+irq+softirq, so kcryptd workers and completion softirqs count) over the "
      "fio run / I/Os the device completed (diskstats).  Ratios are stackblk / peer of the medians."
      % (meta.get("reps", "3"), meta.get("runtime_s", "?"), meta.get("ramp_s", "?")))
    if meta.get("accel", "") != "kvm":
        p("- **TCG**: every instruction is emulated, so absolute numbers are 10-100x below real hardware "
          "and CPU-heavy paths (crypto) are penalised more than I/O-bound ones; only the ratios within "
          "this boot mean anything.")
    p("- what ran: %s" % "; ".join(
        "%s %s %s [%s]" % (b, w, e, " ".join(runs[(b, w, e)].keys())) for b, w, e in order))
    if crypt_na:
        p("- crypt stage: **n/a (crypt stage not available)** (`echo crypt > stages` refused)")
    crash = None
    cf = os.path.join(rundir, "crash.txt")
    if os.path.exists(cf):
        with open(cf) as f:
            crash = f.read().splitlines()
    if crash:
        p("")
        p("## The run did not finish: %s" % crash[0])
        p("")
        p("Nothing after this point was measured (the device under test could not be torn down).  "
          "Kernel log from the first oops line:")
        p("")
        p("```")
        keep = [l for l in crash[1:] if not re.search(r"\] (R[A-Z0-9]{1,2}|Code|FS|CS|CR2|PKRU|EFLAGS|RSP|RAX|RDX|RBP|R10|R13):", l)]
        for l in keep[:45]:
            p(l)
        p("```")
    p("")
    p("## Medians per contender")
    p("")
    p("| backing | workload | engine | contender | IOPS | MB/s | CPU µs/IO | n | IOPS min–max |")
    p("|---|---|---|---|---:|---:|---:|---:|---|")
    for scen in order:
        b, wl, e = scen_label(scen, ncpu)
        for c in runs[scen]:
            s = stat(runs, scen, c)
            if s is None:
                na = "n/a (crypt stage not available)" if c == "sbc" and crypt_na else "n/a (failed or not reached)"
                p("| %s | %s | %s | %s | %s | | | 0 | |" % (BACKINGS.get(b, b), wl, e, NAMES.get(c, c), na))
                continue
            p("| %s | %s | %s | %s | %.0f | %.1f | %s | %d | %.0f–%.0f |" % (
                BACKINGS.get(b, b), wl, e, NAMES.get(c, c), s["iops"], s["bw"] / 1e6,
                "%.1f" % s["cpu"] if s["cpu"] else "-", s["n"], s["min"], s["max"]))
    p("")
    p("## Ratios (stackblk / peer, medians; CPU ratio < 1 = stackblk uses less CPU per I/O)")
    p("")
    p("| backing | workload | engine | comparison | IOPS ratio | paired IOPS ratio: median (min–max) | CPU/IO ratio |")
    p("|---|---|---|---|---:|---:|---:|")
    bars = []
    for scen in order:
        b, wl, e = scen_label(scen, ncpu)
        for a, bb, label in COMPARISONS:
            if a not in runs[scen] or bb.split(":")[-1].split(",")[0] not in runs[scen]:
                continue
            r = ratio(runs, scen, a, bb)
            if r is None:
                v = "n/a (crypt stage not available)" if a == "sbc" and crypt_na else "n/a"
                p("| %s | %s | %s | %s | %s | | |" % (BACKINGS.get(b, b), wl, e, label, v))
                continue
            lab = label + (" (%s)" % NAMES[r["peer"]] if bb.startswith("best:") else "")
            pair = "%.3f (%.3f–%.3f)" % (r["paired"], r["pmin"], r["pmax"]) if r["paired"] else "-"
            p("| %s | %s | %s | %s | %.3f | %s | %s |" % (BACKINGS.get(b, b), wl, e, lab, r["iops"], pair,
                                                        "%.3f" % r["cpu"] if r["cpu"] else "-"))
            if not bb.startswith("best:") and (a, bb) not in (("sbbpf", "sb"), ("sbblk", "sb")):
                bars.append((("%s %s %s: %s" % (b, scen[1].replace("@trace", ""), e[:2] if e == "libaio" else "", label)).replace("  ", " "), r["iops"]))
    p("")
    # goals
    p("## Goals (reported, not asserted)")
    p("")
    p("| goal | scenario | measured | status |")
    p("|---|---|---:|---|")

    def goal(name, scen, a, b, thr, cmp="ge"):
        if scen not in runs:
            p("| %s | %s | not run%s | – |" % (name, " ".join(scen), " (run stopped by the kernel oops)" if crash else ""))
            return
        r = ratio(runs, scen, a, b)
        if r is None:
            why = " (crypt stage not available)" if a == "sbc" and crypt_na else (" (kernel oops)" if crash else "")
            p("| %s | %s | n/a%s | n/a |" % (name, " ".join(scen), why))
            return
        v = r["iops"]
        ok = v >= thr if cmp == "ge" else abs(v - 1) <= thr
        pair = " (paired %.3f×, %.3f–%.3f)" % (r["paired"], r["pmin"], r["pmax"]) if r["paired"] else ""
        p("| %s | %s | %.3f×%s | %s |" % (name, " ".join(scen), v, pair, "**met**" if ok else "**not met**"))
    rr32 = ("null0", "rr4k-qd32", "io_uring")
    goal("passthrough ≥ 0.95× dm-linear IOPS", rr32, "sb", "dml", 0.95)
    goal("passthrough ≥ 0.90× raw IOPS", rr32, "sb", "raw", 0.90)
    for w in ("rw4k-qd32", "sw128k-qd8", "sr128k-qd8"):
        goal("crypt ≥ 1.0× dm-crypt's best", ("null0", w, "io_uring"), "sbc", "best:dmc,dmcnq", 1.0)
    goal("collect on vs off within 3%", rr32, "sb", "sboff", 0.03, "within")
    p("")
    if plot:
        p("![ratios](%s)" % os.path.basename(plot))
        p("")
        mkplot(bars, plot, meta)
    with open(outmd, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))


def mkplot(bars, plot, meta):
    if not bars:
        bars = [("no ratio measured (see the report)", 0.0)]
    dat = plot + ".dat"
    with open(dat, "w") as f:
        for i, (lab, v) in enumerate(bars):
            f.write('%d %.4f "%s"\n' % (i, v, lab))
    n = len(bars)
    h = max(400, 22 * n + 120)
    gp = """
set terminal svg size 900,%d dynamic font "sans,11" background rgb "white"
set output "%s"
set title "stackblk / peer IOPS ratio (medians, %s, %s vCPU %s)"
set style fill solid 0.8 border -1
set yrange [-0.7:%d-0.3]
set ytics nomirror
set xrange [0:*]
set grid x
set xlabel "ratio (1.0 = parity)"
unset key
set arrow from 1,-0.7 to 1,%d-0.3 nohead lc rgb "red" dt 2 lw 2
plot "%s" using ($2*0.5):1:($2*0.5):(0.35):yticlabels(3) with boxxyerror lc rgb "#4477aa", \\
     "%s" using ($2+0.02):1:(sprintf("%%.2f",$2)) with labels left font "sans,9"
""" % (h, plot, meta.get("kernel", "?"), meta.get("vcpus", "?"), meta.get("accel", "?").upper(),
       n, n, dat, dat)
    gpf = plot + ".gp"
    with open(gpf, "w") as f:
        f.write(gp)
    try:
        subprocess.run(["gnuplot", gpf], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: gnuplot failed: %s" % e, file=sys.stderr)
    finally:
        os.unlink(dat)
        os.unlink(gpf)


if __name__ == "__main__":
    main()
