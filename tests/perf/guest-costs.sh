#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/perf/guest-costs.sh - what a program costs in a guest: the cost model
# behind the test harness's "no fork in a loop" rules (docs/testing.md,
# "Guest CPU").  Run it in a guest, from the repository root:
#
#   tests/vm/run-vm.sh --kernel 6.12.117+deb12-amd64 --smp 2 --out /var/tmp/costs \
#       -- tests/perf/guest-costs.sh
#   cat /var/tmp/costs/output.log
#
# One line per operation: milliseconds per call, and the number of calls.
# The last three lines are one piece of exec-heavy work, alone and beside
# the polling loop suite.sh used to run (date + sleep 0.2).  Absolute
# numbers mean little under TCG; compare lines of one run.
set -u
cd "$(dirname "$0")/../.." || exit 1
t() {
	local what=$1 n=$2 a b i
	shift 2
	a=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	b=$EPOCHREALTIME
	awk -v a="$a" -v b="$b" -v n="$n" -v w="$what" \
		'BEGIN { printf "%-28s %8.1f ms/op (n=%d)\n", w, (b - a) * 1000 / n, n }'
}
f=/sys/block/nvme0n1/size
rdcat() { : "$(cat $f)"; }
rdbi() { : "$(<$f)"; }
rdread() { read -r _ <$f; }
subshell() { (:); }
ld() { insmod "$KO" && rmmod stackblk; }
work() { local i; for ((i = 0; i < 30; i++)); do /bin/true; done; }
KO=build/$(uname -r)/stackblk.ko
t exec-true 40 /bin/true
t fork-subshell 40 subshell
t cat-subst 40 rdcat
t redirect-subst 40 rdbi
t read-builtin 40 rdread
t date 20 date +%s%N
t sleep0.1 10 sleep 0.1
t bash-c 10 bash -c :
t source-lib 5 bash -c '. tests/guest/lib.sh'
t python3 5 python3 -c pass
t python3-blkio 3 python3 tests/guest/blkio.py
t fio-version 5 fio --version
t dmsetup-version 5 dmsetup version
t setpriv 5 setpriv --reuid=nobody --regid=nogroup --clear-groups true
[ -f "$KO" ] && t insmod-rmmod 3 ld
t fio-1MiB-randwrite 3 fio --name=x --filename=/dev/nvme0n1 --direct=1 --ioengine=libaio \
	--rw=randwrite --bs=4k --size=1m --iodepth=8
t work-alone 1 work
(while :; do date +%s >/dev/null; sleep 0.2; done) &
p=$!
t work-beside-old-poller 1 work
kill $p
t work-alone-again 1 work
