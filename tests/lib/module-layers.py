#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/lib/module-layers.py - the module's files call in one direction.

    tests/lib/module-layers.py OBJ...      (build/<kver>/module/*.o)

Reads each object's global symbols with nm(1): file A depends on file B
when A uses a symbol B defines.  Prints the dependencies, one line per file
("mq: backing stage stage_merge stats"), and exits 1 with the files of each
cycle if any two files depend on each other, directly or through others
(docs/stages.md: mq -> stage_merge -> stage -> backing).
"""
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            used.add(f[1])
        elif len(f) == 3 and f[1] in "TDRBGS":
            defined.add(f[2])
    return defined, used


def sccs(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(objs):
    if not objs:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    names = [os.path.basename(o)[:-2] for o in objs]
    syms = {n: symbols(o) for n, o in zip(names, objs)}
    owner = {}
    for n, (defined, _) in syms.items():
        for s in defined:
            owner[s] = n
    graph = {n: sorted({owner[s] for s in used if s in owner} - {n})
             for n, (_, used) in syms.items()}
    for n in sorted(graph):
        print(f"{n}: {' '.join(graph[n])}")
    bad = [c for c in sccs(graph) if len(c) > 1]
    for c in bad:
        print(f"cycle: {' <-> '.join(c)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
