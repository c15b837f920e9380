#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/abi.sh - Documentation/ABI/testing/ covers every attribute the
# module creates, and nothing else (run by tests/run-all.sh's build phase):
#   sysfs-block-stackblk   /sys/block/stackblk<N>/stackblk/: the STAGE rows
#                          of include/stackblk_settings.h, stats/ = every
#                          SB_COUNTER and SB_GAUGE of stackblk_counters.h, and
#                          the hand-made attributes of module/sysfs.c
#   configfs-stackblk      every SB_SETTING row, and module/configfs.c's own
#   sysfs-module-stackblk  every module parameter of module/*.c
# The header lists are read through the C preprocessor, as the module sees
# them.  Each entry is in the kernel's form: What, Date, KernelVersion,
# Contact, Description, in that order.  One line per file: PASS abi/FILE or
# FAIL abi/FILE: reason.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO" || exit 1
ABI=Documentation/ABI/testing
B=/sys/block/stackblk'<N>'/stackblk
C=/sys/kernel/config/stackblk
M=/sys/module/stackblk/parameters

# "KIND NAME [WHERE]" for every counter, gauge and setting
rows=$(printf '%s\n' '#define SB_COUNTER(n, ...) COUNTER n' '#define SB_GAUGE(n, ...) COUNTER n' \
	'#include "stackblk_counters.h"' '#define SB_SETTING(n, w, ...) SETTING n w' \
	'#include "stackblk_settings.h"' | cpp -P -I include - | grep -E '^(COUNTER|SETTING) ')
[ -n "$rows" ] || { echo "FAIL abi/headers: no names read from include/ through cpp"; exit 1; }
expect_sysfs() {
	sed -nE 's/.*__ATTR_(RO|WO|RW)\(([a-z_0-9]+)\).*/\2/p' module/sysfs.c | sed "s|^|$B/|"
	awk '$1 == "SETTING" && $3 == "STAGE" { print $2 }' <<<"$rows" | sed "s|^|$B/|"
	awk '$1 == "COUNTER" { print $2 }' <<<"$rows" | sed "s|^|$B/stats/|"
}
expect_configfs() {
	echo "$C"
	awk '$1 == "SETTING" { print $2 }' <<<"$rows" | sed "s|^|$C/<name>/|"
	sed -nE 's/.*CONFIGFS_ATTR(_RO|_WO)?\([a-z_]+, *([a-z_0-9]+)\).*/\2/p' module/configfs.c | sed "s|^|$C/<name>/|"
}
expect_module() {
	sed -nE 's/^(module_param|module_param_cb|module_param_named|SB_PARAM)\(([a-z_0-9]+),.*/\2/p' module/*.c |
		sed "s|^|$M/|"
}

check() {	# FILE EXPECTED: complain about missing, extra and malformed entries
	local f=$ABI/$1 want=$2 have miss extra bad
	if [ ! -f "$f" ]; then
		echo "FAIL abi/$1: $f missing"
		return
	fi
	have=$(sed -nE 's/^What:\t+(.*)$/\1/p' "$f" | sort)
	miss=$(comm -23 <(sort -u <<<"$want") <(sort -u <<<"$have") | tr '\n' ' ')
	extra=$(comm -13 <(sort -u <<<"$want") <(sort -u <<<"$have") | tr '\n' ' ')
	bad=$(awk '
		/^#/ || /^$/ { next }
		/^What:\t/ { if (n && n != 5) print what; what = $0; n = 1; next }
		/^Date:\t/ { n = (n == 1) ? 2 : 9; next }
		/^KernelVersion:\t/ { n = (n == 2) ? 3 : 9; next }
		/^Contact:\t/ { n = (n == 3) ? 4 : 9; next }
		/^Description:/ { n = (n == 4) ? 5 : 9; next }
		/^\t/ { if (n != 5) n = 9; next }
		{ n = 9 }
		END { if (n != 5) print what }' "$f" | head -n3 | tr '\n' ' ')
	dup=$(uniq -d <<<"$have" | tr '\n' ' ')
	if [ -z "$miss$extra$bad$dup" ]; then
		echo "PASS abi/$1"
	else
		echo "FAIL abi/$1: no entry for: ${miss:-none}; no such attribute: ${extra:-none}; not What/Date/KernelVersion/Contact/Description: ${bad:-none}; twice: ${dup:-none}"
	fi
}
check sysfs-block-stackblk "$(expect_sysfs)"
check configfs-stackblk "$(expect_configfs)"
check sysfs-module-stackblk "$(expect_module)"
