# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/tiers.sh - the case table of tests/README.md, read by the
# harness (sourced; host and guest).  The table is the one place that says
# which guest case runs on which kernel in `make check`, and how long a case
# may take; `make check-full` runs every case on every kernel.
#
# A table row:  | 05-fio-libaio | 6.12 | 60 | 420 | why ... |
#   column 2: the case (tests/guest/cases/<case>.sh)
#   column 3: kernels of `make check`: any of 6.12, 6.1, debug
#   column 4: limit in seconds on the Debian kernels, column 5: on the debug
#             kernel (how they were derived: tests/README.md)

SB_TIER_TABLE=${SB_TIER_TABLE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/README.md}

# sb_table_rows: "case kernels limit debug_limit" per row, kernels joined by ","
sb_table_rows() {
	awk -F'|' '$2 ~ /^ *[0-9][0-9]-[a-z0-9_-]+ *$/ {
		c = $2; k = $3; l = $4; d = $5
		gsub(/[ `]/, "", c); gsub(/ /, "", k); gsub(/ /, "", l); gsub(/ /, "", d)
		if (k == "" || k == "-") k = "none"
		print c, k, l, d
	}' "$SB_TIER_TABLE"
}

# sb_kernel_class KVER: 6.12, 6.1 or debug (what the table calls a kernel)
sb_kernel_class() {
	case $1 in
	*-stackblk-debug) echo debug ;;
	6.1.*|6.1-*) echo 6.1 ;;
	6.12.*|6.12-*) echo 6.12 ;;
	*) echo "${1%%.*}.$(echo "$1" | cut -d. -f2)" ;;
	esac
}

# sb_tier_cases TIER CLASS: the cases to run, in order (TIER check|full)
sb_tier_cases() {
	local tier=$1 class=$2
	sb_table_rows | while read -r c k _ _; do
		if [ "$tier" = full ] || [[ ,$k, == *,"$class",* ]]; then
			echo "$c"
		fi
	done
}

# sb_case_limit CASE CLASS TIER: seconds the case may take (full: x4, its
# parameters are up to 4 times heavier); 900 for a case not in the table
sb_case_limit() {
	local l
	l=$(sb_table_rows | awk -v c="$1" -v d="$2" '$1 == c { print (d == "debug") ? $4 : $3 }')
	[[ $l =~ ^[0-9]+$ ]] || l=900
	[ "$3" = full ] && l=$((l * 4))
	echo "$l"
}

# sb_limits_sum CLASS TIER CASES...: the sum of the cases' limits
sb_limits_sum() {
	local k=$1 t=$2 c n=0
	shift 2
	for c in "$@"; do n=$((n + $(sb_case_limit "$c" "$k" "$t"))); done
	echo $n
}

# sb_vm_timeout BOOT CLASS TIER CASES...: limit for a whole guest running
# CASES: BOOT seconds (boot, KUnit, kmemleak), each case's limit, and 150 s
# per case for suite.sh's cleanup and dmesg checks
sb_vm_timeout() {
	local boot=$1
	shift
	echo $((boot + $(sb_limits_sum "$@") + 150 * ($# - 2)))
}

# sb_table_check CASEDIR: complaints (one per line) if the table and the
# case files disagree, or a row is malformed; nothing if all is well
sb_table_check() {
	local dir=$1 f c
	for f in "$dir"/*.sh; do
		c=$(basename "$f" .sh)
		sb_table_rows | awk -v c="$c" '$1 == c { found = 1 } END { exit !found }' ||
			echo "case $c has no row in the table of tests/README.md"
	done
	sb_table_rows | while read -r c k l d; do
		[ -f "$dir/$c.sh" ] || echo "table row $c: no tests/guest/cases/$c.sh"
		[[ $l =~ ^[0-9]+$ ]] && [[ $d =~ ^[0-9]+$ ]] || echo "table row $c: limits '$l' '$d' are not numbers"
		[[ ,$k, =~ ^(,(6\.12|6\.1|debug|none))+,$ ]] || echo "table row $c: kernels '$k' (6.12, 6.1, debug)"
	done
}

# sb_vm_case_options CASE: the run-vm.sh options of the case's "# vm:" first
# line (tests/guest/cases/CASE.sh), empty for a case that runs in any guest
sb_vm_case_options() {
	sed -n '1s/^# vm: *//p' "$(dirname "$SB_TIER_TABLE")/guest/cases/$1.sh" 2>/dev/null
}

# sb_vm_options PATTERN...: the one set of "# vm:" options that the cases
# named by PATTERNs (name prefixes) share; an error if they differ
sb_vm_options() {
	local f c o p want="" first=""
	for f in "$(dirname "$SB_TIER_TABLE")"/guest/cases/*.sh; do
		c=$(basename "$f" .sh)
		for p in "$@"; do
			[[ $c == "$p"* ]] || continue
			o=$(sb_vm_case_options "$c")
			if [ -z "$first" ]; then
				first=$c want=$o
			elif [ "$o" != "$want" ]; then
				echo "tiers: $first wants a guest with '${want:-default}', $c with '${o:-default}': run them apart" >&2
				return 1
			fi
			break
		done
	done
	printf '%s\n' "$want"
}
