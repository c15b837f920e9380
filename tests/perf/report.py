#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/perf/report.py - turn a guest-bench.sh run into the markdown report
and the gnuplot ratio chart.

    report.py RUNDIR OUT.md [PLOT.svg] [--wall SECONDS] [--cmd "make bench"]

RUNDIR holds runs.csv, meta.txt and json/ (see guest-bench.sh), and
insn.txt when the guest ran under tests/perf/insn's instruction counter.
Per scenario and contender: median IOPS, bandwidth, CPU per I/O and guest
instructions per I/O over the repetitions; then the ratios stackblk/peer of
the medians (and, paired, the median of the per-round ratios, which cancels
host drift common to adjacent runs) and the goals.  A contender X-base is
X on the --base module (bench.sh --base REV).
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
    "sbnowbt": "stackblk passthrough, its queue's wbt off",
    "dml": "dm-linear",
    "dmmp": "dm-multipath (request-based, 1 path)",
    "sbc": "stackblk crypt",
    "sbs": "stackblk split (64 KiB)",
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
    "rr4k-qd32b16": "4k randread QD32 x{n}j, 16 per submit",
    "rr4k-qd32u": "4k randread QD32 x{n}j, buffers 512 B off a page",
    "rw4k-qd32": "4k randwrite QD32 x1j",
    "rw4k-qd32b16": "4k randwrite QD32 x1j, 16 per submit",
    "sr128k-qd8": "128k seq read QD8 x1j",
    "sw128k-qd8": "128k seq write QD8 x1j",
}
# (A, B, label): ratio = A / B of the medians; B may be "best:x,y"
COMPARISONS = [
    ("sb", "sb-base", "passthrough: this / base"),
    ("sboff", "sboff-base", "passthrough collect=0: this / base"),
    ("sbc", "sbc-base", "crypt: this / base"),
    ("sbs", "sbs-base", "split: this / base"),
    ("sb", "raw", "passthrough / raw"),
    ("sb", "dml", "passthrough / dm-linear"),
    ("sb", "dmmp", "passthrough / dm-multipath (request-based)"),
    ("dmmp", "dml", "dm-multipath / dm-linear (no stackblk)"),
    ("sb", "sboff", "collect on / off"),
    ("sbnowbt", "sb", "wbt off / on (stackblk's queue)"),
    ("sbnowbt", "dml", "passthrough, wbt off / dm-linear"),
    ("sbs", "sb", "split / passthrough"),
    ("sbs", "dml", "split / dm-linear"),
    ("sbc", "dmc", "crypt / dm-crypt"),
    ("sbc", "dmcnq", "crypt / dm-crypt noWQ"),
    ("sbc", "best:dmc,dmcnq", "crypt / dm-crypt best"),
    ("sbbpf", "sbblk", "bpftrace / blktrace"),
    ("sbbpf", "sb", "bpftrace / untraced"),
    ("sbblk", "sb", "blktrace / untraced"),
]


def name(c):
    if c.endswith("-base"):
        return NAMES.get(c[:-5], c[:-5]) + " [base]"
    return NAMES.get(c, c)


def load_marks(rundir):
    """insn.txt: 'mark N KERNEL USER' lines -> {N: (kernel, user)}"""
    marks = {}
    try:
        with open(os.path.join(rundir, "insn.txt")) as f:
            for line in f:
                w = line.split()
                if len(w) == 4 and w[0] == "mark":
                    marks[int(w[1])] = (int(w[2]), int(w[3]))
    except OSError:
        pass
    return marks


def clat_pcts(j):
    """fio's latency percentiles of a job, in µs: {"50": .., "99": ..}.

    Total latency (lat_ns: submission to completion, with lat_percentiles=1)
    where fio gives it: with a backing that completes inside the submit
    call (null_blk irqmode=0), clat is only the few µs from the end of the
    submission to the reaping, and the driver's cost is in slat."""
    out = {}
    for d in ("read", "write"):
        dd = j.get(d, {})
        pc = dd.get("lat_ns", {}).get("percentile") or dd.get("clat_ns", {}).get("percentile", {})
        if j.get(d, {}).get("total_ios", 0) and pc:
            for k in ("50", "99"):
                v = pc.get("%s.000000" % k)
                if v is not None:
                    out[k] = max(out.get(k, 0), v / 1e3)
    return out


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
    marks = load_marks(rundir)
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
            insn = kinsn = None
            m = int(row["mark"]) if row.get("mark") else None
            if m in marks and m + 1 in marks and ios > 0:
                k0, u0 = marks[m]
                k1, u1 = marks[m + 1]
                kinsn = (k1 - k0) / ios
                insn = (k1 - k0 + u1 - u0) / ios
            r.append({"iops": iops, "bw": bw, "cpu": cpu, "rep": int(row["rep"]),
                      "insn": insn, "kinsn": kinsn, "clat": clat_pcts(j)})
    return meta, runs, order


def stat(runs, scen, c):
    rs = runs.get(scen, {}).get(c)
    if not rs:
        return None
    cpus = [x["cpu"] for x in rs if x["cpu"] is not None]
    insns = [x["insn"] for x in rs if x.get("insn")]
    kinsns = [x["kinsn"] for x in rs if x.get("kinsn")]
    return {
        "insn": med(insns),
        "kinsn": med(kinsns),
        "insn_spread": (max(insns) - min(insns)) / med(insns) if insns else None,
        "iops": med([x["iops"] for x in rs]),
        "p50": med([x["clat"]["50"] for x in rs if "50" in x["clat"]]),
        "p99": med([x["clat"]["99"] for x in rs if "99" in x["clat"]]),
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
    insn = sa["insn"] / sb_["insn"] if sa["insn"] and sb_["insn"] else None
    return {"iops": sa["iops"] / sb_["iops"], "cpu": cpu, "insn": insn, "peer": bname,
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
    if meta.get("clocksource"):
        p("- guest clocksource: %s" % meta["clocksource"])
    if meta.get("sb_cipher", "").strip():
        p("- cipher driver: stackblk's crypt stage ran **%s** (its power-on message); dm-crypt allocates "
          "`xts(aes)` the same way (`crypto_alloc_skcipher()`, async allowed), so it gets the same "
          "highest-priority driver" % meta["sb_cipher"].strip())
    if meta.get("module_base"):
        p("- base (contenders marked [base]): stackblk built from %s, swapped in by rmmod/insmod "
          "in the same boot; each [base] run follows its twin's in every round (ABAB)" % meta["module_base"])
    has_insn = any(x.get("insn") for sc in runs.values() for rs in sc.values() for x in rs)
    if has_insn:
        p("- insn/IO: guest instructions (kernel + user, all vCPUs) per I/O, counted by the TCG plugin "
          "tests/perf/insn/insn-count.c between two markers around each fio run (the same window as CPU/IO); "
          "under TCG it is the deterministic figure: spread = (max − min) / median over the reps")
    p("- host: %s" % meta.get("host", "?"))
    p("- %s, %s, %s, %s" % (meta.get("fio"), meta.get("bpftrace"), meta.get("blktrace"), meta.get("crypt")))
    p("- method: one guest boot; per scenario every contender in a fresh device, round-robin "
      "(A B C … A B C …, so any two alternate ABAB), %s reps each; fio direct=1, time_based %s s after "
      "%s s ramp, norandommap; numbers are **medians** of the reps. CPU/IO = busy CPU time of the whole guest "
      "(/proc/stat user+nice+sys+irq+softirq, so kcryptd workers and completion softirqs count) / I/Os the "
      "device completed (diskstats), both over a window of the runtime's length inside fio's steady state "
      "(after its start-up and ramp).  Ratios are stackblk / peer of the medians."
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
    ih = " kinsn/IO | kernel kinsn/IO | insn spread |" if has_insn else ""
    p("| backing | workload | engine | contender | IOPS | MB/s | CPU µs/IO | n | IOPS min–max |" + ih)
    p("|---|---|---|---|---:|---:|---:|---:|---|" + ("---:|---:|---:|" if has_insn else ""))
    for scen in order:
        b, wl, e = scen_label(scen, ncpu)
        for c in runs[scen]:
            s = stat(runs, scen, c)
            if s is None:
                na = "n/a (crypt stage not available)" if c == "sbc" and crypt_na else "n/a (failed or not reached)"
                p("| %s | %s | %s | %s | %s | | | 0 | |%s" % (BACKINGS.get(b, b), wl, e, name(c), na,
                                                            " | | |" if has_insn else ""))
                continue
            iv = ""
            if has_insn:
                iv = " %s | %s | %s |" % ("%.2f" % (s["insn"] / 1e3) if s["insn"] else "-",
                                          "%.2f" % (s["kinsn"] / 1e3) if s["kinsn"] else "-",
                                          "%.1f %%" % (100 * s["insn_spread"]) if s["insn_spread"] is not None else "-")
            p("| %s | %s | %s | %s | %.0f | %.1f | %s | %d | %.0f–%.0f |%s" % (
                BACKINGS.get(b, b), wl, e, name(c), s["iops"], s["bw"] / 1e6,
                "%.1f" % s["cpu"] if s["cpu"] else "-", s["n"], s["min"], s["max"], iv))
    p("")
    p("## Ratios (stackblk / peer, medians; CPU ratio < 1 = stackblk uses less CPU per I/O)")
    p("")
    p("| backing | workload | engine | comparison | IOPS ratio | paired IOPS ratio: median (min–max) | CPU/IO ratio |"
      + (" insn/IO ratio |" if has_insn else ""))
    p("|---|---|---|---|---:|---:|---:|" + ("---:|" if has_insn else ""))
    bars = []
    for scen in order:
        b, wl, e = scen_label(scen, ncpu)
        for a, bb, label in COMPARISONS:
            if a not in runs[scen] or bb.split(":")[-1].split(",")[0] not in runs[scen]:
                continue
            r = ratio(runs, scen, a, bb)
            if r is None:
                v = "n/a (crypt stage not available)" if a == "sbc" and crypt_na else "n/a"
                p("| %s | %s | %s | %s | %s | | |%s" % (BACKINGS.get(b, b), wl, e, label, v, " |" if has_insn else ""))
                continue
            lab = label + (" (%s)" % name(r["peer"]) if bb.startswith("best:") else "")
            pair = "%.3f (%.3f–%.3f)" % (r["paired"], r["pmin"], r["pmax"]) if r["paired"] else "-"
            iv = (" %s |" % ("%.3f" % r["insn"] if r["insn"] else "-")) if has_insn else ""
            p("| %s | %s | %s | %s | %.3f | %s | %s |%s" % (BACKINGS.get(b, b), wl, e, lab, r["iops"], pair,
                                                          "%.3f" % r["cpu"] if r["cpu"] else "-", iv))
            if not bb.startswith("best:") and (a, bb) not in (("sbbpf", "sb"), ("sbblk", "sb")):
                bars.append((("%s %s %s: %s" % (b, scen[1].replace("@trace", ""), e[:2] if e == "libaio" else "", label)).replace("  ", " "), r["iops"]))
    p("")
    qd1 = [sc for sc in order if sc[1].split("@")[0] == "rr4k-qd1"]
    if qd1:
        p("## QD1 latency: fio's total latency (submission to completion; clat in runs before 2026-12-05), µs, medians of the reps")
        p("")
        p("Added = this contender's percentile minus dm-linear's (and the raw backing's) in the same scenario.")
        p("")
        p("| backing | engine | contender | p50 | p99 | added over dm-linear p50 / p99 | added over raw p50 / p99 |")
        p("|---|---|---|---:|---:|---:|---:|")
        for scen in qd1:
            b, wl, e = scen_label(scen, ncpu)
            peers = {x: stat(runs, scen, x) for x in ("dml", "raw")}
            for c in runs[scen]:
                s = stat(runs, scen, c)
                if not s or s["p50"] is None:
                    continue
                add = []
                for x in ("dml", "raw"):
                    q = peers[x]
                    if c == x or not q or q["p50"] is None:
                        add.append("")
                    else:
                        add.append("%+.1f / %+.1f" % (s["p50"] - q["p50"], s["p99"] - q["p99"]))
                p("| %s | %s | %s | %.1f | %.1f | %s | %s |" % (BACKINGS.get(b, b), e, name(c),
                                                             s["p50"], s["p99"], add[0], add[1]))
        p("")
    # goals
    p("## Goals (reported, not asserted)")
    p("")
    p("| goal | scenario | measured | status | on insn/IO |")
    p("|---|---|---:|---|---:|")

    # IOPS goals: A/B IOPS >= thr; on the instruction count the same goal
    # reads B's instructions per I/O / A's >= thr.  "cpu": A's CPU per I/O
    # at most thr above B's (and the same on instructions).
    def goal(what, scen, a, b, thr, kind="iops"):
        if scen not in runs:
            p("| %s | %s | not run%s | – | |" % (what, " ".join(scen), " (run stopped by the kernel oops)" if crash else ""))
            return
        r = ratio(runs, scen, a, b)
        if r is None:
            why = " (crypt stage not available)" if a == "sbc" and crypt_na else (" (kernel oops)" if crash else "")
            p("| %s | %s | n/a%s | n/a | |" % (what, " ".join(scen), why))
            return
        if kind == "cpu":
            v = r["cpu"]
            ok = v is not None and v - 1 <= thr
            meas = "CPU/IO %+.1f %% (IOPS %.3f×)" % (100 * (v - 1), r["iops"]) if v else "-"
            iv = "%+.1f %%" % (100 * (r["insn"] - 1)) if r["insn"] else "-"
            iok = r["insn"] is not None and r["insn"] - 1 <= thr
        else:
            v = r["iops"]
            ok = v >= thr
            pair = " (paired %.3f×, %.3f–%.3f)" % (r["paired"], r["pmin"], r["pmax"]) if r["paired"] else ""
            meas = "%.3f×%s" % (v, pair)
            iv = "%.3f×" % (1 / r["insn"]) if r["insn"] else "-"
            iok = r["insn"] is not None and 1 / r["insn"] >= thr
        if r["insn"]:
            iv += " **met**" if iok else " **not met**"
        p("| %s | %s | %s | %s | %s |" % (what, " ".join(scen), meas, "**met**" if ok else "**not met**", iv))
    rr32 = ("null0", "rr4k-qd32", "io_uring")
    # the three passthrough goals (reported as "not run" if the
    # plan lacks them), then the same goals on every other passthrough
    # scenario the plan ran (full: each backing, QD1 and QD32, both engines)
    pt = [rr32, ("null1", "rr4k-qd32", "io_uring")]
    pt += [sc for sc in order if sc not in pt and sc[1] in ("rr4k-qd32", "rr4k-qd1", "rr4k-qd32b16")
           and "sb" in runs[sc] and "dml" in runs[sc]]
    for sc in pt:
        if sc[0] == "null1":
            goal("passthrough ≥ 0.95× dm-linear IOPS, softirq backing", sc, "sb", "dml", 0.95)
        else:
            goal("passthrough ≥ 0.97× dm-linear IOPS", sc, "sb", "dml", 0.97)
        if sc[0] == "null0":
            goal("passthrough ≥ 0.88× raw IOPS", sc, "sb", "raw", 0.88)
    for w in ("rw4k-qd32", "sw128k-qd8", "sr128k-qd8"):
        goal("crypt ≥ 1.0× dm-crypt's best", ("null0", w, "io_uring"), "sbc", "best:dmc,dmcnq", 1.0)
    goal("collect on costs ≤ 3 % CPU per I/O", rr32, "sb", "sboff", 0.03, "cpu")
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
