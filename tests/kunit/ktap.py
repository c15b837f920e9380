#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
tests/kunit/ktap.py - turn KUnit KTAP output into one line per test case.

    ktap.py [--expect-cases N] [--expect-suites a,b,...] [--prefix kunit/] FILE...

FILEs are KTAP as printed by KUnit: /sys/kernel/debug/kunit/<suite>/results
files or a whole dmesg (a "[   1.234567] " timestamp prefix is stripped).
Prints, for every test case (the KUNIT_CASE/KUNIT_CASE_PARAM level):

    PASS kunit/<suite>.<case>
    FAIL kunit/<suite>.<case>: <first failure message>
    SKIP kunit/<suite>.<case>: <reason>

and FAIL lines for suites that are missing, crashed half-way, or ran fewer
cases than their plan ("1..N") or than --expect-cases says were built.  A
summary goes to stderr.  Exit status: 0 if every case passed or was skipped
and the counts match, 1 otherwise.
"""
import argparse
import re
import sys

TS_RE = re.compile(r'^\[[^\]]*\] ?')
RESULT_RE = re.compile(r'^(ok|not ok) (\d+) (.*?)(?: # (SKIP|TODO)\b ?(.*))?$')
SUBTEST_RE = re.compile(r'^# Subtest: (\S+)')
PLAN_RE = re.compile(r'^1\.\.(\d+)$')
DIAG_RE = re.compile(r'^# (\S+): (.*)$')
FAIL_DIAG_RE = re.compile(r'(FAILED at|try faulted|try timed out|crashed|failed to initialize)')


class Case:
    def __init__(self, name):
        self.name = name
        self.status = None
        self.comment = ''
        self.params = []          # (desc, status)
        self.diag = []


class Suite:
    def __init__(self, name):
        self.name = name
        self.plan = None
        self.cases = {}           # name -> Case, in order
        self.result = None
        self.diag = []

    def case(self, name):
        if name not in self.cases:
            self.cases[name] = Case(name)
        return self.cases[name]


def parse(lines):
    suites = {}
    headers = {}              # indent -> name of the "# Subtest:" at that indent
    last = None               # (suite, case) whose diagnostics follow
    expanded = []
    for raw in lines:      # /dev/kmsg escapes a record's inner newlines
        expanded.extend(TS_RE.sub('', raw.rstrip('\n'), count=1).split('\\x0a'))
    for line in expanded:
        if '\t' in line[:8]:
            line = line.replace('\t', '    ', 1)
        body = line.lstrip(' ')
        ind = len(line) - len(body)
        if not body:
            continue
        m = SUBTEST_RE.match(body)
        if m:
            headers = {k: v for k, v in headers.items() if k < ind}
            headers[ind] = m.group(1)
            if ind <= 4:      # suite header ("    # Subtest: suite")
                s = suites.setdefault(m.group(1), Suite(m.group(1)))
                # a re-run of the suite starts from scratch
                s.cases, s.result, s.plan = {}, None, None
            continue
        m = PLAN_RE.match(body)
        if m:
            if ind == 4 and 4 in headers and headers[4] in suites:
                suites[headers[4]].plan = int(m.group(1))
            continue
        m = RESULT_RE.match(body)
        if m:
            ok, _num, desc, directive, comment = m.groups()
            status = 'SKIP' if directive == 'SKIP' else ('PASS' if ok == 'ok' else 'FAIL')
            if ind == 0:
                if desc in suites:
                    suites[desc].result = status
                headers = {}
            elif ind == 4 and 4 in headers:
                s = suites.setdefault(headers[4], Suite(headers[4]))
                c = s.case(desc)
                c.status, c.comment = status, (comment or '').strip()
                last = (s, c)
                headers = {k: v for k, v in headers.items() if k <= 4}
            elif ind == 8 and 4 in headers and 8 in headers:
                s = suites.setdefault(headers[4], Suite(headers[4]))
                c = s.case(headers[8])
                c.params.append((desc, status))
                last = (s, c)
            continue
        m = DIAG_RE.match(body)
        if m and 4 in headers and headers[4] in suites:
            s = suites[headers[4]]
            who, text = m.groups()
            if who in s.cases or FAIL_DIAG_RE.search(text):
                c = s.case(who) if who != s.name else None
                if c is not None and FAIL_DIAG_RE.search(text):
                    # "FAILED at /long/build/dir/file.c:12" -> "file.c:12"
                    c.diag.append(re.sub(r'at \S*/([^/\s]+:\d+)', r'at \1', text))
                    last = (s, c)
                elif c is None:
                    s.diag.append(text)
            continue
        # free-form continuation of a failure message ("Expected x == y, but")
        if last is not None and last[1].diag and len(last[1].diag) < 6 and \
                not body.startswith('#') and not body.startswith('KTAP version'):
            last[1].diag.append(body.strip())
    return suites


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--expect-cases', type=int, default=None)
    ap.add_argument('--expect-suites', default='')
    ap.add_argument('--prefix', default='kunit/')
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()

    lines = []
    for f in a.files:
        with open(f, errors='replace') as fh:
            lines.extend(fh.readlines())
    suites = parse(lines)

    npass = nfail = nskip = nparams = 0
    bad = False
    out = []
    for sname in a.expect_suites.split(','):
        if sname and sname not in suites:
            out.append('FAIL %s%s: suite did not run (not in the KTAP output)' % (a.prefix, sname))
            nfail += 1
            bad = True
    ncases = 0
    for s in suites.values():
        for c in s.cases.values():
            ncases += 1
            nparams += len(c.params)
            tag = '%s%s.%s' % (a.prefix, s.name, c.name)
            if c.status is None:
                # params ran but the case never reported: crashed mid-way
                out.append('FAIL %s: no result line (crashed?)' % tag)
                nfail += 1
                bad = True
            elif c.status == 'PASS':
                out.append('PASS %s' % tag)
                npass += 1
            elif c.status == 'SKIP':
                out.append('SKIP %s: %s' % (tag, c.comment or 'skipped'))
                nskip += 1
            else:
                why = []
                failed_params = [d for d, st in c.params if st == 'FAIL']
                if failed_params:
                    why.append('params [%s]' % ', '.join(failed_params[:8]) +
                               (' +%d more' % (len(failed_params) - 8) if len(failed_params) > 8 else ''))
                if c.diag:
                    why.append(' | '.join(c.diag[:4]))
                out.append('FAIL %s: %s' % (tag, '; '.join(why) or 'failed'))
                nfail += 1
                bad = True
        if s.plan is not None and s.plan != len(s.cases):
            out.append('FAIL %s%s: ran %d cases, plan says %d' % (a.prefix, s.name, len(s.cases), s.plan))
            nfail += 1
            bad = True
        if s.result is None:
            out.append('FAIL %s%s: suite has no result line (crashed or log truncated)' % (a.prefix, s.name))
            nfail += 1
            bad = True
        elif s.result == 'FAIL' and not any(c.status == 'FAIL' for c in s.cases.values()):
            out.append('FAIL %s%s: suite failed: %s' % (a.prefix, s.name, ' | '.join(s.diag[:3]) or '?'))
            nfail += 1
            bad = True
    if a.expect_cases is not None and ncases < a.expect_cases:
        out.append('FAIL %scase-count: %d cases ran, %d were built' % (a.prefix, ncases, a.expect_cases))
        nfail += 1
        bad = True
    print('\n'.join(out))
    sys.stderr.write('ktap: %d suites, %d cases (%d parameter sub-cases): '
                     '%d passed, %d failed, %d skipped\n'
                     % (len(suites), ncases, nparams, npass, nfail, nskip))
    if not suites:
        bad = True
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
