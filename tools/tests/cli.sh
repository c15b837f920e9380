#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/tests/cli.sh - command-level tests: run ./stackblk (under $VG_CMD, e.g.
# valgrind) against the fixture trees and check output, JSON and exit codes.
# One "PASS cli/<name>" or "FAIL cli/<name>: reason" line per test.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

FX=$PWD/tests/fixtures
read -r -a VG <<<"${VG_CMD:-}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# sb ROOT ARGS...: run the CLI with STACKBLK_ROOT=ROOT; sets OUT, ERR, RC
sb() {
	local root=$1
	shift
	OUT=$(STACKBLK_ROOT=$root "${VG[@]}" ./stackblk "$@" 2>"$TMP/err")
	RC=$?
	ERR=$(cat "$TMP/err")
}
# json_check PYEXPR: every line of $OUT is JSON and PYEXPR (with d) holds for it
json_check() {
	printf '%s\n' "$OUT" | python3 -m json.tool --json-lines >/dev/null 2>&1 || return 1
	printf '%s\n' "$OUT" | SB_CHECK=$1 python3 -c '
import json, os, sys
for l in sys.stdin:
    d = json.loads(l)
    assert eval(os.environ["SB_CHECK"]), l' >/dev/null 2>&1
}

WHY=""
# expect COND-DESCRIPTION CMD...: record the first failing check
expect() {
	local what=$1
	shift
	"$@" || { [ -n "$WHY" ] || WHY="$what (rc=$RC, stdout: $(head -c 300 <<<"$OUT"), stderr: $(head -c 300 <<<"$ERR"))"; }
}
has() { grep -qF -- "$1" <<<"$2"; }
t() {
	local name=$1
	WHY=""
	"t_$name"
	if [ -z "$WHY" ]; then echo "PASS cli/$name"; else echo "FAIL cli/$name: $WHY"; fi
}

N4=$FX/nvme-4cpu-612
N2=$FX/nvme-2cpu-61

t_help() {
	sb "$N4" --help
	expect "--help" [ $RC -eq 0 ]
	expect "--help lists commands" has "affinity" "$OUT"
	for c in create remove list stat top depth latency affinity reset record export; do
		sb "$N4" $c --help
		expect "$c --help" [ $RC -eq 0 ]
		expect "$c --help usage" has "Usage: stackblk $c" "$OUT"
	done
}

# stackblk --complete (the bash completion's source): the command table, and
# for each command the options of its help text, every one of which its
# parser takes (no "invalid option")
t_complete() {
	local cmds c o
	sb "$N4" --complete
	expect "--complete rc" [ $RC -eq 0 ]
	cmds=$(grep -v '^-' <<<"$OUT")
	sb "$N4" --help
	for c in $cmds; do
		expect "--help lists $c" grep -qE "^  $c " <<<"$OUT"
	done
	expect "all commands" [ "$(wc -w <<<"$cmds")" -eq "$(grep -cE '^  [a-z]+ ' <<<"$OUT")" ]
	for c in $cmds; do
		sb "$N4" --complete "$c"
		expect "--complete $c rc" [ $RC -eq 0 ]
		expect "--complete $c has --help" has "--help" "$OUT"
		local opts=$OUT
		while read -r o _; do
			[ "$o" = --help ] || [ "$o" = -h ] && continue
			sb "$N4" "$c" "$o" --help
			expect "$c accepts $o" eval '! grep -q "invalid option" <<<"$ERR"'
		done <<<"$opts"
	done
	sb "$N4" --complete create
	expect "create --backing DEV" has "--backing DEV" "$OUT"
	sb "$N4" --complete nosuch
	expect "--complete nosuch rc 2" [ $RC -eq 2 ]
}

t_usage_errors() {
	sb "$N4"
	expect "no command -> 2" [ $RC -eq 2 ]
	sb "$N4" frobnicate
	expect "unknown command -> 2" [ $RC -eq 2 ]
	expect "unknown command message" has "unknown command 'frobnicate'" "$ERR"
	sb "$N4" stat --bogus
	expect "bad long option -> 2" [ $RC -eq 2 ]
	expect "bad option message" has "stat: invalid option '--bogus'" "$ERR"
	expect "hint" has "Try 'stackblk stat --help'" "$ERR"
	sb "$N4" stat -z
	expect "bad short option" has "invalid option '-z'" "$ERR"
	sb "$N4" depth fast -x
	expect "depth -x -> 2" [ $RC -eq 2 ]
	sb "$N4" stat -c 3
	expect "-c without -i -> 2" [ $RC -eq 2 ]
	sb "$N4" stat -i 0
	expect "-i 0 -> 2" [ $RC -eq 2 ]
	sb "$N4" affinity fast -i
	expect "missing argument -> 2" [ $RC -eq 2 ]
	expect "missing argument message" has "needs an argument" "$ERR"
	sb "$N4" depth
	expect "depth without DEV -> 2" [ $RC -eq 2 ]
	sb "$N4" depth fast -c 2
	expect "depth -c without -i -> 2" [ $RC -eq 2 ]
	sb "$N4" list -t
	expect "list -t -> 2" [ $RC -eq 2 ]
	sb "$N4" reset
	expect "reset without DEV -> 2" [ $RC -eq 2 ]
	sb "$N4" reset fast extra
	expect "reset extra arg -> 2" [ $RC -eq 2 ]
	sb "$N4" create x
	expect "create without --backing -> 2" [ $RC -eq 2 ]
	sb "$N4" create x --backing /dev/x --depth 0
	expect "create --depth 0 -> 2" [ $RC -eq 2 ]
	sb "$N4" create x --backing /dev/x --split-boundary 4Q
	expect "bad size -> 2" [ $RC -eq 2 ]
	sb "$N4" create a/b --backing /dev/x
	expect "bad name -> 2" [ $RC -eq 2 ]
	sb "$N4" remove
	expect "remove without NAME -> 2" [ $RC -eq 2 ]
	sb "$N4" list extra
	expect "list extra arg -> 2" [ $RC -eq 2 ]
}

t_no_module() {
	mkdir -p "$TMP/empty"
	for c in list "stat" "depth fast" "affinity fast" "top -c 1" "remove fast" \
		 "create x --backing /dev/x"; do
		# shellcheck disable=SC2086
		sb "$TMP/empty" $c
		expect "$c: exit 1" [ $RC -eq 1 ]
		expect "$c: message" [ "$ERR" = "stackblk: module not loaded (try: modprobe stackblk)" ]
	done
}

t_unknown_device() {
	for c in stat depth latency affinity reset; do
		sb "$N4" $c nope
		expect "$c nope: exit 1" [ $RC -eq 1 ]
		expect "$c nope: message" has "nope: no such stackblk device" "$ERR"
	done
	sb "$N4" stat spare
	expect "unpowered: exit 1" [ $RC -eq 1 ]
	expect "unpowered: message" has "not powered" "$ERR"
}

t_list() {
	sb "$N4" list
	expect "rc" [ $RC -eq 0 ]
	expect "header" has "NAME   NODE       BACKING  STAGES  SIZE  HCTX  DEPTH" "$OUT"
	expect "fast" has "fast   stackblk0  nvme0n1  -       1.0G     4    128" "$OUT"
	expect "spare" has "spare  (off)" "$OUT"
	sb "$N2" list
	expect "param device" has "stackblk0  stackblk0  nvme0n1  -" "$OUT"
	expect "slow" has "slow       stackblk1  nullb0   merge,split  256.0M     1     32" "$OUT"
	sb "$N2" list --json
	expect "json" json_check "[x['name'] for x in d['devices']] == ['stackblk0', 'slow'] and \
d['devices'][0]['configfs'] is False and d['devices'][1]['size_bytes'] == 268435456"
}

t_stat_json_matches_sysfs() {
	local f n v
	sb "$N4" stat fast --json
	expect "rc" [ $RC -eq 0 ]
	expect "valid" json_check "d['interval'] is None and len(d['devices']) == 1"
	for f in "$N4"/sys/block/stackblk0/stackblk/stats/*; do
		n=$(basename "$f") v=$(cat "$f")
		case $n in inflight|inflight_max)
			expect "$n" json_check "d['devices'][0]['$n'] == $v" ;;
		*)	expect "$n" json_check "d['devices'][0]['counters']['$n'] == $v" ;;
		esac
	done
	expect "amplification 1.00" json_check \
		"d['devices'][0]['amplification'] == {'bytes': 1.0, 'ops': 1.0}"
	sb "$N2" stat stackblk1 --json
	expect "split amplification" json_check \
		"d['devices'][0]['amplification'] == {'bytes': 1.0, 'ops': 2.0}"
}

t_stat_human() {
	sb "$N2" stat
	expect "rc" [ $RC -eq 0 ]
	expect "header" has "DEVICE          L_r      L_w    L_rMB    L_wMB  AMP_B  AMP_OPS    err    L_rp99    L_wp99  inflight" "$OUT"
	expect "stackblk1 row" has "stackblk1         0      100     0.00     6.55   1.00     2.00      0         -     7.9us         1" "$OUT"
	expect "fits 100 columns" [ "$(awk '{ if (length > m) m = length } END { print m }' <<<"$OUT")" -le 100 ]
	expect "no stderr" [ -z "$ERR" ]
	sb "$N2" stat -x
	expect "-x: rc" [ $RC -eq 0 ]
	expect "-x: every column" has "P_rMB    P_wMB   P_rsz   P_wsz  AMP_B  AMP_OPS    merged    split    rmw    err    tmout    L_rp50" "$OUT"
	expect "-x: split row" has "    6.55       -    32.0   1.00     2.00         0      100      0      0        0         -" "$OUT"
}

# -o: chosen columns in the given order, DEVICE first; a bad name lists them
t_stat_columns() {
	sb "$N2" stat -o L_w,L_wsz,P_r,P_w/s,P_wsz,AMP_B,split,rmw
	expect "rc" [ $RC -eq 0 ]
	expect "heading" [ "$(head -n1 <<<"$OUT")" = "DEVICE          L_w   L_wsz      P_r      P_w   P_wsz  AMP_B    split    rmw" ]
	expect "split row" has "stackblk1       100    64.0        0      200    32.0   1.00      100      0" "$OUT"
	sb "$N2" stat -o L_w,bogus
	expect "bad: rc 2" [ $RC -eq 2 ]
	expect "bad: named" has "unknown column 'bogus'" "$ERR"
	expect "bad: lists the columns" has "DEVICE,L_r,L_w," "$ERR"
	expect "bad: nothing on stdout" [ -z "$OUT" ]
	sb "$N2" depth stackblk0 -o L_w
	expect "depth has no -o" [ $RC -eq 2 ]
}

# cwq%: the crypt reads decrypted in crypt_wq, of all crypt reads; "-" without
t_stat_crypt_wq() {
	local d=$TMP/cwq/sys/block/stackblk1/stackblk/stats
	mkdir -p "$TMP/cwq"
	cp -a "$N2/." "$TMP/cwq"
	sb "$TMP/cwq" stat stackblk1 -o cwq%
	expect "no crypt reads: rc" [ $RC -eq 0 ]
	expect "no crypt reads: -" has "stackblk1       -" "$OUT"
	echo 600 >"$d/crypt_read_task_ios"
	echo 150 >"$d/crypt_read_atomic_ios"
	echo 250 >"$d/crypt_read_wq_ios"
	sb "$TMP/cwq" stat stackblk1 -o cwq%
	expect "heading" [ "$(head -n1 <<<"$OUT")" = "DEVICE       cwq%" ]
	expect "250 of 1000" has "stackblk1   25.0%" "$OUT"
	sb "$TMP/cwq" stat stackblk1 --json
	expect "json counters" json_check "d['devices'][0]['counters']['crypt_read_wq_ios'] == 250"
}

# fixed widths: every report of an interval run has the same column positions
t_stat_fixed_widths() {
	local a
	cp -a "$N2" "$TMP/fw"
	echo 123456789 >"$TMP/fw/sys/block/stackblk1/stackblk/stats/logical_write_ios"
	sb "$TMP/fw" stat -i 0.05 -c 2 -t
	expect "rc" [ $RC -eq 0 ]
	expect "2 timestamps" [ "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{4}$' <<<"$OUT")" -eq 2 ]
	a=$(grep -v '^[0-9]' <<<"$OUT" | awk 'NF { print length }' | sort -u)
	expect "one line length in every report (got $a)" [ "$(wc -l <<<"$a")" -eq 1 ]
	sb "$TMP/fw" stat
	expect "a wide total still the same heading" has "DEVICE          L_r      L_w    L_rMB" "$OUT"
}

t_stat_without_debugfs() {
	local n
	OUT=$(STACKBLK_ROOT=$N4 STACKBLK_DEBUGFS=$TMP/nodebugfs "${VG[@]}" ./stackblk stat -i 0.05 -c 3 2>"$TMP/err")
	RC=$? ERR=$(cat "$TMP/err")
	expect "rc" [ $RC -eq 0 ]
	expect "dash for latency" has "         -         -  " "$OUT"
	n=$(grep -c "latency percentiles unavailable" <<<"$ERR")
	expect "said once on stderr (got $n)" [ "$n" -eq 1 ]
	expect "why" has "debugfs not mounted" "$ERR"
	chmod 000 "$N4/sys/kernel/debug/stackblk/stackblk0/latency" 2>/dev/null
	if [ "$(id -u)" -ne 0 ]; then
		sb "$N4" stat --json
		expect "EACCES: root" has "readable by root only" "$ERR"
	fi
	chmod 644 "$N4/sys/kernel/debug/stackblk/stackblk0/latency"
}

t_stat_interval() {
	sb "$N4" stat -i 0.05 -c 3 --json
	expect "rc" [ $RC -eq 0 ]
	expect "3 lines" [ "$(wc -l <<<"$OUT")" -eq 3 ]
	expect "rates" json_check "d['interval'] == 0.05 and \
all(v == 0 for v in d['devices'][0]['rates'].values()) and d['devices'][0]['reset'] is False and \
d['devices'][0]['latency_ns']['logical']['p50'] is None"
	sb "$N4" stat -i 0.05 -c 2
	expect "human: 2 tables" [ "$(grep -c '^DEVICE' <<<"$OUT")" -eq 2 ]
	expect "per second header" has "L_r/s" "$OUT"
}

t_depth() {
	sb "$N4" depth fast
	expect "rc" [ $RC -eq 0 ]
	expect "summary" has "4 hardware contexts, 128 tags each; in flight 0, max depth 8" "$OUT"
	expect "bars" has "[8, 16)       50 |@@@@@@@@@@@@@" "$OUT"
	sb "$N4" depth /dev/stackblk0 --json
	expect "json" json_check "d['max'] == 8 and len(d['hctx']) == 4 and \
d['hctx'][0]['buckets'][:4] == [100, 200, 150, 50] and len(d['hctx'][0]['buckets']) == 14"
	OUT=$(STACKBLK_ROOT=$N4 STACKBLK_DEBUGFS=$TMP/nodebugfs ./stackblk depth fast 2>&1)
	RC=$?
	expect "no debugfs: exit 1" [ $RC -eq 1 ]
	expect "no debugfs: why" has "cannot read $TMP/nodebugfs/stackblk/stackblk0/hctx" "$OUT"
}

t_latency() {
	sb "$N4" latency fast
	expect "rc" [ $RC -eq 0 ]
	# the fixture has only the log2 latency of a module from before latency_fine:
	# a count sits in the last fine bucket of its power of two
	expect "write line" has "stackblk0 logical write: 1000 requests, avg 73.2us, p50 63.5us, p99 254.0us, p99.9 2.0ms" "$OUT"
	expect "bars" has "[32K, 64K)        600 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$OUT"
	sb "$N4" latency fast --json
	expect "json" json_check "len(d['latency']) == 8 and d['latency'][1]['op'] == 'write' and \
d['latency'][1]['p999'] == 2031616 and d['latency'][3]['p50'] is None"
}

# the nvmeXqN (N >= 1) names in a fixture's /proc/interrupts, sorted
io_vectors() { grep -oE 'nvme[0-9]+q[1-9][0-9]*' "$1/proc/interrupts" | sort | tr '\n' ' '; }

t_affinity_nvme() {
	local want
	sb "$N4" affinity fast
	expect "rc" [ $RC -eq 0 ]
	expect "locality" has "backing completion   96.8%    0.0%    3.2%      1802" "$OUT"
	expect "matrix total" has "total 1802:" "$OUT"
	expect "vector row" has "   3  nvme0q4   28  3          1     3         msix  ok            452  3:452" "$OUT"
	expect "remote node share" has "backing completion   96.8%    0.0%    3.2%      1802         1.5%" "$OUT"
	expect "backing node" has "backing nvme0n1: NUMA node 0" "$OUT"
	expect "admin noted" has "admin queue on irq 24 is not an I/O queue" "$OUT"
	sb "$N4" affinity fast --json
	want=$(io_vectors "$N4")
	expect "exactly the I/O queue vectors" json_check \
		"' '.join(sorted(v['name'] for v in d['msix']['vectors'])) + ' ' == '$want'"
	expect "matrix sums to completed" json_check "d['completion']['matrix']['total'] == \
sum(map(sum, d['completion']['matrix']['rows'])) == 800 + 1000 + 2"
	expect "hctx mapping" json_check "[(v['hctx'], v['irq'], v['verified']) for v in d['msix']['vectors']] \
== [(0, 25, True), (1, 26, True), (2, 27, True), (3, 28, True)] and d['msix']['pci'] == '0000:00:04.0'"
	expect "NUMA nodes" json_check "d['msix']['numa_node'] == 0 and \
[v['numa_nodes'] for v in d['msix']['vectors']] == ['0', '0', '1', '1'] and \
d['completion']['node_locality'] == {'backing': {'same_node': 1775, 'remote_node': 27}, \
'complete': {'same_node': 1790, 'remote_node': 12}} and d['completion']['backing']['remote'] == 57"
	sb "$N4" stat -x
	expect "-x: rnode% of 1802" has "         0         8    1.5%" "$OUT"
	sb "$N4" stat --json
	expect "stat --json node_locality" json_check \
"d['devices'][0]['node_locality']['backing'] == {'same_node': 1775, 'remote_node': 27}"
	sb "$N2" affinity stackblk0 --json
	expect "older module: no node counters" json_check "d['completion']['node_locality'] is None \
and d['msix']['numa_node'] is None"
	expect "6.1 vectors" json_check "[v['name'] for v in d['msix']['vectors']] == ['nvme0q1', 'nvme0q2'] \
and d['msix']['cpus'] == [0, 1] and d['msix']['vectors'][1]['interrupts'] == [900, 0]"
	sb "$N2" affinity stackblk0
	expect "mismatch shown" has "MISMATCH" "$OUT"
	expect "mismatch: exit 3" [ $RC -eq 3 ]
	expect "mismatch: said" has "affinity: 1 MSI-X vector interrupts CPUs outside its hardware context's cpu_list" "$ERR"
	sb "$N2" affinity stackblk0 -i 0.05 -c 2 --json
	expect "mismatch, interval: exit 3" [ $RC -eq 3 ]
}

t_affinity_not_pci() {
	sb "$N2" affinity slow
	expect "rc 0" [ $RC -eq 0 ]
	expect "message" has "MSI-X vectors: backing nullb0 is not a PCI device: it has no MSI-X vectors" "$OUT"
	sb "$N2" affinity slow --json
	expect "json" json_check "d['msix']['vectors'] == [] and d['msix']['pci'] is None and \
'no MSI-X' in d['msix']['reason'] and d['completion']['matrix']['total'] == 100"
}

t_affinity_interval() {
	sb "$N4" affinity fast -i 0.05 -c 2 --json
	expect "rc" [ $RC -eq 0 ]
	expect "2 reports of deltas" json_check "d['interval'] == 0.05 and \
d['completion']['matrix']['total'] == 0 and all(v['total'] == 0 for v in d['msix']['vectors'])"
	expect "2 lines" [ "$(wc -l <<<"$OUT")" -eq 2 ]
}

# the device removed during an interval run: exit 1 and say so, as depth
# and latency do (before: "unavailable" in every later report, exit 0)
t_affinity_gone() {
	local pid i
	rw_copy "$N4"
	STACKBLK_ROOT=$TMP/rw "${VG[@]}" ./stackblk affinity fast -i 0.05 -c 400 --json \
		>"$TMP/ag.out" 2>"$TMP/err" &
	pid=$!
	i=0
	while [ ! -s "$TMP/ag.out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	rm -rf "$TMP/rw/sys/kernel/debug/stackblk/stackblk0"
	wait $pid
	RC=$? OUT=$(cat "$TMP/ag.out") ERR=$(cat "$TMP/err")
	expect "exit 1" [ $RC -eq 1 ]
	expect "message" has "affinity: stackblk0: completion matrix gone" "$ERR"
}

# iostat's manners: "[DEV...] interval [count]" as trailing operands
t_positional_interval() {
	sb "$N4" stat 0.05 3 --json
	expect "stat 0.05 3: rc" [ $RC -eq 0 ]
	expect "stat 0.05 3: 3 reports" [ "$(wc -l <<<"$OUT")" -eq 3 ]
	expect "stat 0.05 3: interval" json_check "d['interval'] == 0.05"
	sb "$N4" stat fast 0.05 2
	expect "stat DEV 0.05 2: 2 tables" [ "$(grep -c '^DEVICE' <<<"$OUT")" -eq 2 ]
	sb "$N4" stat -c 2 fast 0.05
	expect "stat -c 2 DEV 0.05: 2 tables" [ "$(grep -c '^DEVICE' <<<"$OUT")" -eq 2 ]
	sb "$N4" stat 0.05 0
	expect "count 0 -> 2" [ $RC -eq 2 ]
	expect "count 0 message" has "bad count '0'" "$ERR"
	sb "$N4" stat -i 1 0.05
	expect "interval twice -> 2" [ $RC -eq 2 ]
	sb "$N4" top 0.05 2
	expect "top 0.05 2: rc" [ $RC -eq 0 ]
	expect "top 0.05 2: 2 frames" [ "$(grep -c '^stackblk top' <<<"$OUT")" -eq 2 ]
	sb "$N4" affinity fast 0.05 2 --json
	expect "affinity DEV 0.05 2: 2 reports" [ "$(wc -l <<<"$OUT")" -eq 2 ]
	sb "$N4" depth fast 0.05 2
	expect "depth DEV 0.05 2: rc" [ $RC -eq 0 ]
	expect "depth DEV 0.05 2: 2 reports" [ "$(grep -c '^stackblk0: interval 0.05s' <<<"$OUT")" -eq 2 ]
	sb "$N4" latency fast 0.05 2 --json
	expect "latency DEV 0.05 2: 2 reports" [ "$(wc -l <<<"$OUT")" -eq 2 ]
}

# depth and latency in interval mode: each report holds that interval's deltas
t_hist_interval() {
	local i
	sb "$N4" depth fast -i 0.05 -c 2 --json
	expect "depth: rc" [ $RC -eq 0 ]
	expect "depth: zero dispatches, gauges as sampled" json_check "d['interval'] == 0.05 and \
d['reset'] is False and all(sum(h['buckets']) == 0 for h in d['hctx']) and d['max'] == 8"
	sb "$N4" latency fast -i 0.05 -c 1
	expect "latency: nothing in the interval" has "stackblk0: no completed requests in this interval" "$OUT"
	# a reset between two samples: the report counts from the reset and says so
	cp -a "$N4" "$TMP/lr"
	STACKBLK_ROOT=$TMP/lr "${VG[@]}" ./stackblk latency fast 0.5 2 --json >"$TMP/lr.out" 2>"$TMP/lr.err" &
	i=0
	while [ ! -s "$TMP/lr.out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	sed -i 's/^\(logical write\) .*/\1 5 500 0 0 0 5/' "$TMP/lr/sys/kernel/debug/stackblk/stackblk0/latency"
	wait $!
	RC=$? OUT=$(cat "$TMP/lr.out") ERR=$(cat "$TMP/lr.err")
	expect "latency reset: rc" [ $RC -eq 0 ]
	expect "latency reset: 2 reports" [ "$(wc -l <<<"$OUT")" -eq 2 ]
	OUT=$(head -n 1 "$TMP/lr.out")
	expect "latency reset: first report" json_check "d['reset'] is False and d['latency'][1]['count'] == 0"
	OUT=$(tail -n 1 "$TMP/lr.out")
	expect "latency reset: second report" json_check "d['reset'] is True and d['latency'][1]['count'] == 5"
}

t_collect_off() {
	local n
	cp -a "$N4" "$TMP/c0"
	echo 0 >"$TMP/c0/sys/module/stackblk/parameters/collect"
	sb "$TMP/c0" stat -i 0.05 -c 2
	expect "stat, collect=0: rc" [ $RC -eq 0 ]
	n=$(grep -c "collect=0" <<<"$ERR")
	expect "stat, collect=0: said once (got $n)" [ "$n" -eq 1 ]
	sb "$TMP/c0" latency fast
	expect "latency, collect=0: said" has "note: collect=0" "$ERR"
	sb "$N4" stat
	expect "collect=1: nothing said" [ -z "$ERR" ]
}

t_top() {
	sb "$N4" top -i 0.05 -c 2
	expect "rc" [ $RC -eq 0 ]
	expect "2 frames" [ "$(grep -c '^stackblk top - ' <<<"$OUT")" -eq 2 ]
	expect "no escape codes when not a tty" [ "$(grep -c $'\033' <<<"$OUT")" -eq 0 ]
	expect "device row" has "stackblk0" "$OUT"
	sb "$N2" top -i 0.05 -c 2 --json
	expect "json frames" json_check "len(d['devices']) == 2"
	expect "2 json lines" [ "$(wc -l <<<"$OUT")" -eq 2 ]
}

# top as a user sees it: in a terminal 100 (and 70) columns wide, under tmux
# (its own server socket); q must end it, with the terminal's modes restored.
# wait_for SECONDS CMD...: poll CMD every 0.05 s, at most SECONDS
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}
pane_has() { tmux -S "$TMP/tmux.sock" capture-pane -p -J -t top | grep -q -- "$1"; }
top_in_tmux() {
	local width=$1 opts=$2 screen widest
	rm -f "$TMP/top.rc" "$TMP/top.stty"
	tmux -S "$TMP/tmux.sock" kill-server 2>/dev/null
	# The pane's shell parses this line: quote every path, the clone may
	# sit in a directory with spaces ("/root/ci run 16").
	local vg="" q_tmp
	q_tmp=$(printf %q "$TMP")
	[ -z "${VG_CMD:-}" ] || vg="${VG_CMD} --log-file=$q_tmp/vg-top.log"
	tmux -S "$TMP/tmux.sock" new-session -d -s top -x "$width" -y 30 -c "$PWD" \
		"STACKBLK_ROOT=$(printf %q "$N4") $vg ./stackblk top -i 0.2 $opts; \
echo \$? >$q_tmp/top.rc.tmp; stty -a >$q_tmp/top.stty; mv $q_tmp/top.rc.tmp $q_tmp/top.rc; sleep 30"
	expect "$width cols: top draws its frame" wait_for 20 pane_has "^stackblk0 "
	screen=$(tmux -S "$TMP/tmux.sock" capture-pane -p -J -t top)
	widest=$(awk '{ sub(/ +$/, ""); if (length > m) m = length } END { print m }' <<<"$screen")
	OUT=$screen RC=- ERR=""
	expect "$width cols: no line wider than the terminal (widest $widest)" [ "$widest" -le "$width" ]
	expect "$width cols: heading" grep -q "^stackblk top - .*(q quits)" <<<"$screen"
	expect "$width cols: column heading" grep -q "^DEVICE  *L_r/s  *L_w/s" <<<"$screen"
	tmux -S "$TMP/tmux.sock" send-keys -t top q
	expect "$width cols: q ends top within 5 s" wait_for 5 test -e "$TMP/top.rc"
	expect "$width cols: exit 0 (got $(cat "$TMP/top.rc" 2>/dev/null))" [ "$(cat "$TMP/top.rc" 2>/dev/null)" = 0 ]
	expect "$width cols: echo and icanon restored" grep -qE '(^| )icanon .*(^| )echo ' "$TMP/top.stty"
	tmux -S "$TMP/tmux.sock" kill-server 2>/dev/null
}

t_top_tmux() {
	if ! command -v tmux >/dev/null; then
		echo "# top_tmux skipped: tmux is not installed (tests/setup.sh installs it)" >&2
		return
	fi
	top_in_tmux 100 ""
	top_in_tmux 70 "-x"
	OUT=$(cat "$TMP/vg-top.log" 2>/dev/null) RC=-
	expect "valgrind quiet in the terminal" [ -z "$OUT" ]
}

t_reset() {
	rw_copy "$N4"
	echo 0 >"$TMP/rw/sys/block/stackblk0/stackblk/reset"
	sb "$TMP/rw" reset fast
	expect "rc" [ $RC -eq 0 ]
	expect "wrote 1" [ "$(cat "$TMP/rw/sys/block/stackblk0/stackblk/reset")" = 1 ]
	expect "silent" [ -z "$OUT$ERR" ]
	rm "$TMP/rw/sys/block/stackblk0/stackblk/reset"
	sb "$TMP/rw" reset /dev/stackblk0
	expect "no reset file: exit 1" [ $RC -eq 1 ]
	expect "no reset file: message" has "reset: stackblk0: cannot write $TMP/rw/sys/block/stackblk0/stackblk/reset: No such file" "$ERR"
	if [ "$(id -u)" -ne 0 ]; then
		echo 0 >"$TMP/rw/sys/block/stackblk0/stackblk/reset"
		chmod 444 "$TMP/rw/sys/block/stackblk0/stackblk/reset"
		sb "$TMP/rw" reset fast
		expect "EACCES: root" has "(must be root)" "$ERR"
	fi
	sb "$N4" reset spare
	expect "unpowered: exit 1" [ $RC -eq 1 ]
	sb "$TMP/empty" reset fast
	expect "no module: exit 1" [ $RC -eq 1 ]
}

# every --json output carries the CLI's version
t_json_version() {
	local v c
	v=$(./stackblk --version | cut -d' ' -f2)
	for c in "list" "stat" "stat fast -i 0.05 -c 1" "top -i 0.05 -c 1" "depth fast" \
		 "depth fast 0.05 1" "latency fast" "affinity fast" "affinity fast 0.05 1"; do
		# shellcheck disable=SC2086
		sb "$N4" $c --json
		expect "$c: version $v" json_check "d['version'] == '$v'"
	done
}

# -t: a local ISO 8601 time before each report, never inside JSON lines
t_timestamps() {
	local c re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$'
	for c in "stat fast" "depth fast" "latency fast" "affinity fast"; do
		# shellcheck disable=SC2086
		sb "$N4" $c -t 0.05 2
		expect "$c -t: rc" [ $RC -eq 0 ]
		expect "$c -t: 2 timestamps" [ "$(grep -cE "$re" <<<"$OUT")" -eq 2 ]
		# shellcheck disable=SC2086
		sb "$N4" $c -t
		expect "$c -t: first line" grep -qE "$re" <<<"$(head -n 1 <<<"$OUT")"
	done
	sb "$N4" stat -t 0.05 1 --json
	expect "json: no timestamp line" json_check "d['version']"
}

# a writable copy of fixture $1 in $TMP/rw
rw_copy() { rm -rf "$TMP/rw" && cp -a "$1" "$TMP/rw"; }

t_create_errors() {
	rw_copy "$N4"
	sb "$TMP/rw" create newdev --backing /dev/nonexistent --queues 2
	expect "rollback: exit 1" [ $RC -eq 1 ]
	expect "rollback: errno" has "cannot set backing=/dev/nonexistent: No such file or directory" "$ERR"
	expect "rolled back" [ ! -e "$TMP/rw/sys/kernel/config/stackblk/newdev" ]
	sb "$TMP/rw" create newdev --backing /dev/x --stages merge,split
	expect "stages: exit 1" [ $RC -eq 1 ]
	expect "stages: message" has "this stackblk module does not support stages" "$ERR"
	expect "stages: rolled back" [ ! -e "$TMP/rw/sys/kernel/config/stackblk/newdev" ]
	sb "$TMP/rw" create fast --backing /dev/x
	expect "exists: exit 1" [ $RC -eq 1 ]
	expect "exists: message" has "fast already exists" "$ERR"
	echo "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg" >"$TMP/key"
	sb "$TMP/rw" create k --backing /dev/x --key-file "$TMP/key"
	expect "bad key: exit 1" [ $RC -eq 1 ]
	expect "bad key never printed" eval '! grep -q 0011223344 <<<"$OUT$ERR"'
	expect "bad key: nothing created" [ ! -e "$TMP/rw/sys/kernel/config/stackblk/k" ]
	sb "$TMP/rw" create k --backing /dev/x --key-file "$TMP/nokey"
	expect "missing key file" has "key file $TMP/nokey: No such file" "$ERR"
	rm -rf "$TMP/rw/sys/kernel/config/stackblk"
	sb "$TMP/rw" create k --backing /dev/x
	expect "no configfs: message" has "is configfs mounted?" "$ERR"
}

t_remove() {
	rw_copy "$N2"
	mkdir "$TMP/rw/sys/kernel/config/stackblk/idle"
	sb "$TMP/rw" remove idle
	expect "remove: exit 0" [ $RC -eq 0 ]
	expect "removed" [ ! -e "$TMP/rw/sys/kernel/config/stackblk/idle" ]
	sb "$TMP/rw" remove /dev/stackblk0
	expect "param device: exit 1" [ $RC -eq 1 ]
	expect "param device: message" has "created by the module parameter backing=" "$ERR"
	sb "$TMP/rw" remove nope
	expect "unknown: exit 1" [ $RC -eq 1 ]
	expect "unknown: message" has "nope: no such stackblk device" "$ERR"
}

# Real trees captured by capture-fixtures.sh: replaying them must give what the
# CLI printed live in the guest.
t_real_fixtures() {
	local d f c n=0
	for d in "$FX"/real-*/; do
		[ -d "$d/expected" ] || continue
		for f in "$d"expected/*.txt; do
			c=$(basename "$f" .txt)
			# shellcheck disable=SC2046
			sb "$d/tree" $(tr '-' ' ' <<<"$c")
			[ $RC -eq 0 ] || OUT="$OUT"$'\n'"exit $RC"
			[ -z "$ERR" ] || OUT="$OUT"$'\n'"$ERR"
			expect "$(basename "$d") $c differs: $(diff <(echo "$OUT") "$f" | head -n 6 | tr '\n' '|')" \
				[ "$OUT" = "$(cat "$f")" ]
			n=$((n + 1))
		done
		sb "$d/tree" stat --json
		expect "$(basename "$d") stat json" json_check "all(x['amplification']['bytes'] in (None, 1.0) for x in d['devices'])"
		sb "$d/tree" affinity stackblk0 --json
		expect "$(basename "$d") vectors = /proc/interrupts" json_check \
			"' '.join(sorted(v['name'] for v in d['msix']['vectors'])) + ' ' == '$(io_vectors "$d/tree")' \
and all(v['verified'] for v in d['msix']['vectors'])"
	done
	[ $n -gt 0 ] || echo "# no real fixtures (tools/tests/capture-fixtures.sh)" >&2
}

for name in help complete usage_errors no_module unknown_device list stat_json_matches_sysfs stat_human \
	    stat_crypt_wq stat_columns stat_fixed_widths stat_without_debugfs stat_interval depth latency affinity_nvme affinity_not_pci \
	    affinity_interval affinity_gone positional_interval hist_interval collect_off top top_tmux reset \
	    json_version timestamps create_errors remove real_fixtures; do
	t $name
done

# --- export: the Prometheus text format -----------------------------------------
# promtool_ok FILE: promtool (Debian package prometheus, tests/setup.sh) takes
# FILE with no lint finding; without promtool, say so once and pass
promtool_ok() {
	if ! command -v promtool >/dev/null; then
		[ -n "${PROMTOOL_SAID:-}" ] || echo "# promtool missing: tests/setup.sh installs prometheus" >&2
		PROMTOOL_SAID=1
		return 0
	fi
	promtool check metrics <"$1" >"$TMP/promtool.out" 2>&1 && [ ! -s "$TMP/promtool.out" ]
}
# prom_ok FILE [ROOT]: histograms whole (+Inf == _count), values = the tree's
prom_ok() { python3 tests/prom-check.py "$1" ${2:+--root "$2"} >"$TMP/pc.out" 2>&1; }

# every real fixture: promtool clean, and each value, histogram _count and
# locality total equal to sysfs and debugfs (the completed requests)
t_export_fixtures() {
	local d n=0 ns c
	for d in "$FX"/real-*/tree "$N4" "$N2"; do
		rm -rf "$TMP/exp" && mkdir "$TMP/exp"
		sb "$d" export --once -o "$TMP/exp/stackblk.prom"
		expect "$d: rc" [ $RC -eq 0 ]
		expect "$d: silent" [ -z "$OUT$ERR" ]
		expect "$d: promtool: $(cat "$TMP/promtool.out" 2>/dev/null)" promtool_ok "$TMP/exp/stackblk.prom"
		expect "$d: values: $(cat "$TMP/pc.out" 2>/dev/null)" prom_ok "$TMP/exp/stackblk.prom" "$d"
		expect "$d: only the file, no temporary" [ "$(ls -A "$TMP/exp")" = stackblk.prom ]
		expect "$d: mode 0644" [ "$(stat -c %a "$TMP/exp/stackblk.prom")" = 644 ]
		n=$((n + 1))
	done
	# the 6.12 capture: fio's 800 reads and 1000 writes, on both paths
	d=$FX/real-6.12.118+deb12-4cpu/tree
	sb "$d" export --once -o "$TMP/exp/stackblk.prom"
	prom_ok "$TMP/exp/stackblk.prom" "$d"
	OUT=$(cat "$TMP/pc.out")
	expect "6.12: counts" json_check "d['devices']['stackblk0']['latency_count'] == {'logical_read': 800, \
'logical_write': 1000, 'logical_flush': 0, 'logical_other': 0, 'physical_read': 800, 'physical_write': 1000, \
'physical_flush': 0, 'physical_other': 0} and d['devices']['stackblk0']['dispatches'] == 1800"
	OUT=$(cat "$TMP/exp/stackblk.prom")
	expect "6.12: write histogram" has 'stackblk_latency_seconds_count{device="stackblk0",backing="nvme0n1",stages="",path="logical",op="write"} 1000' "$OUT"
	# _sum is debugfs's sum_ns in seconds, exactly (from the capture, which
	# tools/tests/capture-fixtures.sh may retake)
	ns=$(awk '$1 == "logical" && $2 == "write" { print $4 }' "$d/sys/kernel/debug/stackblk/stackblk0/latency_fine")
	expect "6.12: exact _sum" has "stackblk_latency_seconds_sum{device=\"stackblk0\",backing=\"nvme0n1\",stages=\"\",path=\"logical\",op=\"write\"} $((ns / 1000000000)).$(printf %09d $((ns % 1000000000)))" "$OUT"
	# le=2^17 ns: every write of a fine bucket that starts below 131072 ns
	c=$(awk 'NR == 1 { for (i = 6; i <= NF; i++) lo[i - 1] = $i }	# "#" is field 1
		$1 == "logical" && $2 == "write" { for (i = 5; i <= NF; i++) if (lo[i] < 131072) n += $i; print n }' \
		"$d/sys/kernel/debug/stackblk/stackblk0/latency_fine")
	expect "6.12: le in seconds" has "device=\"stackblk0\",backing=\"nvme0n1\",stages=\"\",path=\"logical\",op=\"write\",le=\"0.000131072\"} $c" "$OUT"
	expect "6.12: counter" has 'stackblk_logical_read_bytes_total{device="stackblk0",backing="nvme0n1",stages=""} 13107200' "$OUT"
	expect "6.12: locality" has 'stackblk_completion_cpu_total{device="stackblk0",backing="nvme0n1",stages="",completion="backing",locality="same"} 1800' "$OUT"
	# its value against the capture's hctx file: prom-check.py, in prom_ok
	expect "6.12: depth _sum at bucket midpoints, halves" grep -qE '^stackblk_dispatch_depth_sum\{device="stackblk0",backing="nvme0n1",stages=""\} [0-9]+\.[05]$' <<<"$OUT"
	expect "no OpenMetrics # EOF" eval '! grep -q "^# EOF" <<<"$OUT"'
	# the checker itself finds a histogram whose +Inf differs from _count
	sed 's/^\(stackblk_latency_seconds_count{device="stackblk0".*path="logical",op="write"}\) 1000$/\1 999/' \
		"$TMP/exp/stackblk.prom" >"$TMP/exp/bad.prom"
	expect "checker catches +Inf != _count" eval '! prom_ok "$TMP/exp/bad.prom"'
	expect "checker says why" has "+Inf bucket 1000 != _count 999" "$(cat "$TMP/pc.out")"
	sb "$N2" export --once slow
	expect "one device named: rc" [ $RC -eq 0 ]
	expect "only slow" [ "$(grep -c 'device="stackblk0"' <<<"$OUT")" -eq 0 ]
	expect "slow's stages label" has 'stackblk_split_ios_total{device="stackblk1",backing="nullb0",stages="merge,split"} 100' "$OUT"
}

# without debugfs (not root): the counters, a note, stackblk_debugfs_readable 0
t_export_counters_only() {
	local n
	rm -rf "$TMP/exp" && mkdir "$TMP/exp"
	OUT=$(STACKBLK_ROOT=$N4 STACKBLK_DEBUGFS=$TMP/nodebugfs "${VG[@]}" ./stackblk export --once \
		-o "$TMP/exp/s.prom" 2>"$TMP/err")
	RC=$? ERR=$(cat "$TMP/err")
	expect "rc" [ $RC -eq 0 ]
	expect "note" has "stackblk0: debugfs not mounted" "$ERR"
	expect "what is left out" has "exporting the counters only, without histograms and locality (stackblk_debugfs_readable 0)" "$ERR"
	expect "promtool" promtool_ok "$TMP/exp/s.prom"
	expect "values: $(cat "$TMP/pc.out" 2>/dev/null)" prom_ok "$TMP/exp/s.prom" "$N4"
	OUT=$(cat "$TMP/exp/s.prom")
	expect "flag 0" has 'stackblk_debugfs_readable{device="stackblk0",backing="nvme0n1",stages=""} 0' "$OUT"
	expect "counters there" has 'stackblk_logical_write_ios_total{device="stackblk0",backing="nvme0n1",stages=""} 1000' "$OUT"
	n=$(grep -c '^stackblk_latency_seconds' <<<"$OUT")
	expect "no latency series (got $n)" [ "$n" -eq 0 ]
}

t_export_errors() {
	sb "$N4" export
	expect "no mode -> 2" [ $RC -eq 2 ]
	expect "no mode: message" has "give --once, or -i SECONDS" "$ERR"
	sb "$N4" export --once -i 1
	expect "--once -i -> 2" [ $RC -eq 2 ]
	sb "$N4" export --once -c 2
	expect "-c without -i -> 2" [ $RC -eq 2 ]
	sb "$N4" export --once -o "$TMP"
	expect "directory -> 2" [ $RC -eq 2 ]
	expect "directory: message" has "is a directory: give the file" "$ERR"
	sb "$N4" export --once -o "$TMP/nodir/s.prom"
	expect "no such dir -> 1" [ $RC -eq 1 ]
	expect "no such dir: message" has "export: cannot write $TMP/nodir/s.prom: No such file or directory" "$ERR"
	expect "nothing made" [ ! -e "$TMP/nodir" ]
	sb "$N4" export --once nope
	expect "unknown device -> 1" [ $RC -eq 1 ]
	expect "unknown device: message" has "export: nope: no such stackblk device" "$ERR"
	sb "$N4" export --once spare
	expect "unpowered -> 1" [ $RC -eq 1 ]
	sb "$TMP/empty" export --once
	expect "no module -> 1" [ $RC -eq 1 ]
	sb "$N4" export --once -o "$TMP/s.txt"
	expect "not .prom: rc" [ $RC -eq 0 ]
	expect "not .prom: written" [ -s "$TMP/s.txt" ]
	expect "not .prom: note" has "reads only *.prom files" "$ERR"
}

# label values escaped: a backing name with a quote and a backslash
t_export_escape() {
	rw_copy "$N4"
	printf 'we"ird\\name\n' >"$TMP/rw/sys/block/stackblk0/stackblk/backing"
	sb "$TMP/rw" export --once -o "$TMP/esc.prom"
	expect "rc" [ $RC -eq 0 ]
	expect "escaped" grep -qF 'backing="we\"ird\\name"' "$TMP/esc.prom"
	expect "promtool" promtool_ok "$TMP/esc.prom"
	expect "parsed back: $(cat "$TMP/pc.out" 2>/dev/null)" prom_ok "$TMP/esc.prom"
}

# -i: a file rewritten every interval; SIGTERM ends the loop with nothing half-made
t_export_loop() {
	local pid i
	sb "$N4" export -i 0.05 -c 2
	expect "stdout, 2 reports" [ "$(grep -c '^# TYPE stackblk_logical_read_ios_total counter' <<<"$OUT")" -eq 2 ]
	rm -rf "$TMP/exp" && mkdir "$TMP/exp"
	sb "$N4" export -i 0.05 -c 3 -o "$TMP/exp/s.prom"
	expect "-c 3: rc" [ $RC -eq 0 ]
	expect "-c 3: valid" promtool_ok "$TMP/exp/s.prom"
	rm -f "$TMP/exp/s.prom"
	STACKBLK_ROOT=$N4 "${VG[@]}" ./stackblk export -i 0.2 -o "$TMP/exp/s.prom" 2>"$TMP/err" &
	pid=$!
	i=0
	while [ ! -s "$TMP/exp/s.prom" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -TERM $pid
	wait $pid
	RC=$? OUT="" ERR=$(cat "$TMP/err")
	expect "SIGTERM: exit 0" [ $RC -eq 0 ]
	expect "SIGTERM: the file stays, no temporary" [ "$(ls -A "$TMP/exp")" = s.prom ]
	expect "SIGTERM: valid" prom_ok "$TMP/exp/s.prom" "$N4"
}

# a round that fails in the loop is retried, and a later SIGTERM still
# exits 0 (before, any failed round made the exit status 1 for good, so
# systemctl stop left stackblk-export.service failed)
t_export_retry() {
	local pid i
	rm -rf "$TMP/exr" && mkdir "$TMP/exr"
	STACKBLK_ROOT=$N4 "${VG[@]}" ./stackblk export -i 0.05 -o "$TMP/exr/s.prom" 2>"$TMP/err" &
	pid=$!
	i=0
	while [ ! -s "$TMP/exr/s.prom" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	rm -rf "$TMP/exr"
	i=0
	while ! grep -q 'cannot write' "$TMP/err" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	mkdir "$TMP/exr"
	i=0
	while [ ! -s "$TMP/exr/s.prom" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -TERM $pid
	wait $pid
	RC=$? OUT="" ERR=$(cat "$TMP/err")
	expect "a round failed" has "export: cannot write $TMP/exr/s.prom" "$ERR"
	expect "written again" [ -s "$TMP/exr/s.prom" ]
	expect "SIGTERM after a failed round: exit 0" [ $RC -eq 0 ]
	sb "$N4" export -i 0.05 -c 2 -o "$TMP/nodir/s.prom"
	expect "-c 2, the first round fails: exit 1" [ $RC -eq 1 ]
}

# tools/systemd/stackblk-export.service: its command line works (on a fixture,
# into $TMP, one round), and systemd-analyze takes the unit
t_export_unit() {
	local unit=systemd/stackblk-export.service cmd
	cmd=$(sed -n 's/^ExecStart=//p' "$unit")
	expect "one ExecStart ($cmd)" [ "$(wc -l <<<"$cmd")" -eq 1 ]
	expect "writes where it may write" has "-o $(sed -n 's/^ReadWritePaths=-//p' "$unit")/stackblk.prom" "$cmd"
	cmd=${cmd/\/usr\/local\/sbin\/stackblk/.\/stackblk}
	cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$TMP}
	# shellcheck disable=SC2086
	sb "$N4" ${cmd#./stackblk } -c 1
	expect "the unit's command: rc" [ $RC -eq 0 ]
	expect "the unit's command: values $(cat "$TMP/pc.out" 2>/dev/null)" prom_ok "$TMP/stackblk.prom" "$N4"
	if command -v systemd-analyze >/dev/null; then
		sed "s|/usr/local/sbin/stackblk|$PWD/stackblk|; /^Documentation=/d" "$unit" >"$TMP/stackblk-export.service"
		OUT=$(systemd-analyze verify "$TMP/stackblk-export.service" 2>&1) RC=$?
		expect "systemd-analyze verify: rc" [ $RC -eq 0 ]
		expect "systemd-analyze verify: silent" [ -z "$OUT" ]
	fi
}

# the consumer itself: node_exporter's textfile collector (Debian's
# prometheus-node-exporter, tests/setup.sh) on a free loopback port reads the
# file without error and serves every stackblk series of it
scrape() { curl -sf "http://127.0.0.1:$1/metrics" >"$TMP/scrape.out"; }
t_export_node_exporter() {
	local ne pid port n_file n_served
	ne=$(command -v prometheus-node-exporter || command -v node_exporter)
	if [ -z "$ne" ] || ! command -v curl >/dev/null; then
		echo "# export_node_exporter skipped: no node_exporter or curl (tests/setup.sh installs them)" >&2
		return
	fi
	rm -rf "$TMP/tf" && mkdir "$TMP/tf"
	sb "$FX/real-6.12.118+deb12-4cpu/tree" export --once -o "$TMP/tf/stackblk.prom"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$ne" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TMP/tf" >"$TMP/ne.log" 2>&1 &
	pid=$!
	expect "node_exporter answers within 10 s: $(tail -n 2 "$TMP/ne.log")" wait_for 10 scrape "$port"
	kill "$pid"
	wait "$pid" 2>/dev/null
	OUT=$(cat "$TMP/scrape.out") RC=-
	expect "no textfile error" has "node_textfile_scrape_error 0" "$OUT"
	n_file=$(grep -c '^stackblk_' "$TMP/tf/stackblk.prom")
	n_served=$(grep -c '^stackblk_' <<<"$OUT")
	expect "every series served ($n_served of $n_file)" [ "$n_served" -eq "$n_file" ]
	expect "a histogram served" grep -q '^stackblk_latency_seconds_count{backing="nvme0n1",device="stackblk0",op="write",path="logical",stages=""} 1000$' <<<"$OUT"
}

for name in export_fixtures export_counters_only export_errors export_escape export_loop export_retry \
	    export_unit export_node_exporter; do
	t $name
done

# --- record: SVG pictures -----------------------------------------------------
R612=$FX/real-6.12.118+deb12-4cpu/tree
# svg_ok FILE: well-formed XML whose root is <svg>
svg_ok() {
	python3 -c 'import sys, xml.dom.minidom
assert xml.dom.minidom.parse(sys.argv[1]).documentElement.tagName == "svg"' "$1" 2>/dev/null
}
cells() { grep -o 'class="'"$2"'"' "$1" | wc -l; }

# Without an interval: the totals since the reset, so a fixture gives a full picture.
t_record_totals() {
	local p
	sb "$R612" record stackblk0 --svg "$TMP/rec/a b"
	expect "rc" [ $RC -eq 0 ]
	expect "paths printed" [ "$OUT" = "$TMP/rec/a b/latency.svg"$'\n'"$TMP/rec/a b/affinity.svg"$'\n'"$TMP/rec/a b/depth.svg" ]
	for p in latency affinity depth; do
		expect "$p.svg well-formed" svg_ok "$TMP/rec/a b/$p.svg"
	done
	expect "latency cells" [ "$(cells "$TMP/rec/a b/latency.svg" cell)" -gt 10 ]
	expect "affinity: 4x4 cells" [ "$(cells "$TMP/rec/a b/affinity.svg" cell)" -eq 16 ]
	expect "affinity: 4 vectors marked" [ "$(cells "$TMP/rec/a b/affinity.svg" vector)" -eq 4 ]
	expect "depth bars" [ "$(cells "$TMP/rec/a b/depth.svg" bar)" -ge 4 ]
	expect "title" grep -q "stackblk0 → nvme0n1, stages: none (passthrough)" "$TMP/rec/a b/latency.svg"
	expect "since reset" grep -q "totals since the last counter reset" "$TMP/rec/a b/depth.svg"
	expect "no temporary files left" [ -z "$(find "$TMP/rec" -name '.*.tmp')" ]
}

# With an interval: deltas of a fixture are zero, the pictures are still whole.
t_record_interval() {
	sb "$N4" record fast -i 0.05 -c 2 --svg "$TMP/rec/iv"
	expect "rc" [ $RC -eq 0 ]
	expect "well-formed" svg_ok "$TMP/rec/iv/latency.svg"
	expect "no cells for zero deltas" [ "$(cells "$TMP/rec/iv/latency.svg" cell)" -eq 0 ]
	expect "interval in title" grep -q "every 0.05 s" "$TMP/rec/iv/latency.svg"
	expect "affinity still 16 cells" [ "$(cells "$TMP/rec/iv/affinity.svg" cell)" -eq 16 ]
	sb "$N4" record fast 0.05 2 --svg="$TMP/rec/pos"
	expect "positional interval count" [ $RC -eq 0 ]
	expect "positional: 3 files" [ "$(ls "$TMP/rec/pos" | wc -l)" -eq 3 ]
	expect "positional: every" grep -q "every 0.05 s" "$TMP/rec/pos/depth.svg"
}

t_record_errors() {
	sb "$N4" record --help
	expect "--help" [ $RC -eq 0 ]
	expect "--help usage" has "Usage: stackblk record" "$OUT"
	sb "$N4" record fast
	expect "no --svg -> 2" [ $RC -eq 2 ]
	expect "no --svg message" has "record: missing --svg DIR" "$ERR"
	sb "$N4" record fast --svg
	expect "--svg needs an argument" has "option '--svg' needs an argument" "$ERR"
	sb "$N4" record fast -i 1 --svg "$TMP/rec/x"
	expect "-i without -c -> 2" [ $RC -eq 2 ]
	expect "-i without -c message" has "needs -c/--count" "$ERR"
	sb "$N4" record fast -c 0 -i 1 --svg "$TMP/rec/x"
	expect "-c 0 -> 2" [ $RC -eq 2 ]
	sb "$N4" record fast --json --svg "$TMP/rec/x"
	expect "--json -> 2" [ $RC -eq 2 ]
	sb "$N4" record --svg "$TMP/rec/x"
	expect "no DEV -> 2" has "missing DEV" "$ERR"
	sb "$N4" record nope --svg "$TMP/rec/x"
	expect "unknown device -> 1" [ $RC -eq 1 ]
	: >"$TMP/rec-file"
	sb "$N4" record fast --svg "$TMP/rec-file/sub"
	expect "uncreatable dir -> 1" [ $RC -eq 1 ]
	expect "uncreatable dir message" has "record: cannot create directory $TMP/rec-file/sub" "$ERR"
	OUT=$(STACKBLK_ROOT=$N4 STACKBLK_DEBUGFS=$TMP/nodebugfs "${VG[@]}" ./stackblk record fast --svg "$TMP/rec/nodbg" 2>"$TMP/err")
	RC=$? ERR=$(cat "$TMP/err")
	expect "no debugfs -> 1" [ $RC -eq 1 ]
	expect "no debugfs: why" has "debugfs not mounted" "$ERR"
	expect "no debugfs: nothing written" [ -z "$(ls -A "$TMP/rec/nodbg" 2>/dev/null)" ]
	expect "no files for usage errors" [ ! -e "$TMP/rec/x" ]
}

# SIGINT ends the recording after the interval under way: the pictures are drawn.
t_record_interrupt() {
	local pid n
	STACKBLK_ROOT=$N4 "${VG[@]}" ./stackblk record fast -i 0.2 -c 100000 --svg "$TMP/rec/int" \
		>"$TMP/int.out" 2>"$TMP/int.err" &
	pid=$!
	# the notice is printed once the handler is in place; bounded wait (60 s)
	for n in $(seq 600); do
		grep -q "Ctrl-C ends early" "$TMP/int.err" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -INT $pid
	for n in $(seq 600); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null && { kill -KILL $pid; WHY="record still running 60 s after SIGINT"; return; }
	wait $pid
	RC=$? OUT=$(cat "$TMP/int.out") ERR=$(cat "$TMP/int.err")
	expect "rc 0 after SIGINT" [ $RC -eq 0 ]
	expect "stopped early" has "record: stopped after" "$ERR"
	expect "paths printed" has "$TMP/rec/int/depth.svg" "$OUT"
	expect "well-formed" svg_ok "$TMP/rec/int/latency.svg"
}

for name in record_totals record_interval record_errors record_interrupt; do
	t $name
done
