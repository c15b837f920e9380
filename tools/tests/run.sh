#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/tests/run.sh - the CLI's host-side tests (make -C tools test).
# Runs the unit tests (run-tests) and the command-level tests (cli.sh) against
# the fixture trees, both under $VALGRIND when set (the Makefile sets it to
# valgrind if installed; otherwise the binaries are ASan builds), then renders
# the SVGs of "record" in headless Chromium (svg-render.sh).  Prints one
# "PASS name" / "FAIL name: reason" line per test and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

VG=()
if [ -n "${VALGRIND:-}" ]; then
	VG=("$VALGRIND" -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all
	    --show-leak-kinds=all --track-fds=no)
fi
export VG_CMD="${VG[*]}"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"${VG[@]}" ./tests/run-tests >"$out" 2>&1
rc=$?
grep -E '^(PASS|FAIL) ' "$out"
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
	echo "FAIL unit/run-tests: exit $rc (memory errors?): $(grep -v '^PASS' "$out" | head -n 5 | tr '\n' ' ')"
fi
unit_pass=$(grep -c '^PASS ' "$out")
unit_fail=$(grep -c '^FAIL ' "$out")
[ $rc -ne 0 ] && [ "$unit_fail" -eq 0 ] && unit_fail=1

tests/cli.sh >"$out" 2>&1
grep -E '^(PASS|FAIL) ' "$out"
cli_pass=$(grep -c '^PASS ' "$out")
cli_fail=$(grep -c '^FAIL ' "$out")

# the pictures of "record" in headless Chromium (SKIP when it is not installed)
tests/svg-render.sh >"$out" 2>&1
grep -E '^(PASS|FAIL|SKIP)' "$out"
svg_pass=$(grep -c '^PASS ' "$out")
svg_fail=$(grep -c '^FAIL ' "$out")

pass=$((unit_pass + cli_pass + svg_pass)) fail=$((unit_fail + cli_fail + svg_fail))
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
