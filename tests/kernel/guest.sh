#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kernel/guest.sh - runs INSIDE the debug-kernel guest (run-vm.sh
# COMMAND, cwd = repo, /results writable).  Not for the host.
#
#   guest.sh [--modroot DIR] [--kunit KO] [--suite] [--kmemleak]
#
#   --modroot DIR  copy DIR/lib/modules/<uname -r> (modules_install output of
#                  the debug kernel: modules.builtin ...) into the guest's
#                  /lib/modules so `modprobe <built-in>` succeeds, with build
#                  and source links to DIR/../build and its kernel source
#   --kunit KO     insmod the KUnit module (tests run during insmod), save
#                  /sys/kernel/debug/kunit/<suite>/results to
#                  /results/kunit/<suite>.ktap, rmmod it
#   --suite        run tests/guest/suite.sh > /results/suite.out on the
#                  cases of SB_DEBUG_CASES (all if empty)
#   --kmemleak     at the end: echo scan > .../kmemleak twice, save the
#                  report to /results/kmemleak.txt
# Timestamps (guest uptime) go to /results/times.
set -u
R=${STACKBLK_RESULTS:-/results}
modroot="" ko="" suite=0 leak=0
while [ $# -gt 0 ]; do
	case $1 in
	--modroot) modroot=$2; shift 2 ;;
	--kunit) ko=$2; shift 2 ;;
	--suite) suite=1; shift ;;
	--kmemleak) leak=1; shift ;;
	*) echo "guest.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
up() { cut -d' ' -f1 /proc/uptime; }
stamp() { echo "$1 $(up)" >>"$R/times"; }
: >"$R/times"
stamp start
rc=0

KREL=$(uname -r)
if [ -n "$modroot" ] && [ ! -e "/lib/modules/$KREL/modules.builtin" ]; then
	if [ -d "$modroot/lib/modules/$KREL" ]; then
		mkdir -p /lib/modules && cp -a "$modroot/lib/modules/$KREL" /lib/modules/
		# build/source as for an installed linux-headers package: bpftrace
		# (no BTF in this kernel) takes the kernel headers from there
		kb=$(cd "$modroot/../build" && pwd)
		ln -sfn "$kb" "/lib/modules/$KREL/build"
		ln -sfn "$(readlink -f "$kb/source")" "/lib/modules/$KREL/source"
	else
		echo "guest.sh: $modroot/lib/modules/$KREL missing" >&2
	fi
fi
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

if [ -n "$ko" ]; then
	mkdir -p "$R/kunit"
	rm -f "$R"/kunit/*.ktap
	stamp kunit-start
	insmod "$ko" >"$R/kunit/insmod.log" 2>&1
	echo $? >"$R/kunit/insmod.rc"
	stamp kunit-end
	for d in /sys/kernel/debug/kunit/*/; do
		s=$(basename "$d")
		[ -r "$d/results" ] && cat "$d/results" >"$R/kunit/$s.ktap"
	done
	rmmod stackblk_kunit >>"$R/kunit/insmod.log" 2>&1 || echo "rmmod stackblk_kunit failed" >>"$R/kunit/insmod.log"
fi

# The guest suite: the cases of SB_DEBUG_CASES (space- or comma-separated
# names, in that order; empty = every case), each under its own limit
# (suite.sh, tests/README.md).  No budget cuts a case off.
if [ $suite = 1 ]; then
	stamp suite-start
	: >"$R/suite.out"
	: >"$R/suite.err"
	# shellcheck disable=SC2086
	tests/guest/suite.sh ${SB_DEBUG_CASES//,/ } >>"$R/suite.out" 2>>"$R/suite.err"
	echo $? >"$R/suite.rc"
	stamp suite-end
fi

if [ $leak = 1 ]; then
	stamp kmemleak-start
	if [ -w /sys/kernel/debug/kmemleak ]; then
		# two scans: objects seen unreferenced twice are reported
		if echo scan >/sys/kernel/debug/kmemleak 2>"$R/kmemleak.err" && sleep 1 &&
			echo scan >/sys/kernel/debug/kmemleak 2>>"$R/kmemleak.err"; then
			cat /sys/kernel/debug/kmemleak >"$R/kmemleak.txt"
		else	# disabled itself (e.g. object pool exhausted): say why
			echo "NO-KMEMLEAK: scan failed: $(cat "$R/kmemleak.err")" \
				"$(dmesg | grep -m1 'kmemleak:')" >"$R/kmemleak.txt"
		fi
	else
		echo "NO-KMEMLEAK" >"$R/kmemleak.txt"
	fi
	stamp kmemleak-end
fi
stamp end
exit $rc
