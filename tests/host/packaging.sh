#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/packaging.sh [KVER...] - stackblk installs and uninstalls like a
# real out-of-tree driver (run by tests/run-all.sh's dkms phase):
#   version     MODULE_VERSION of the built module = dkms.conf's PACKAGE_VERSION
#               = the CLI's --version = the installed man page's
#   dkms        dkms.conf has no CLEAN and refuses unsupported kernels
#               (BUILD_EXCLUSIVE_KERNEL); make dkms-install for every KVER,
#               make dkms-remove (dkms remove --all), and both again
#   install     make install into a DESTDIR puts every file in place (module,
#               CLI, man page, bash completion, bpftrace scripts, fio jobs);
#               make uninstall removes every one of them
#   no-headers  make without headers for the running kernel fails, names the
#               package, and builds nothing
# Everything happens in a temp directory, on a copy of the tree (its tracked
# and new files, as a release would carry): DKMS in private trees
# (--sourcetree/--dkmstree/--installtree, --no-depmod), nothing in /usr/src,
# /var/lib/dkms or /lib/modules changes (checked).  KVER defaults to the
# newest installed 6.12 and 6.1 kernels with headers.  One line per test:
# PASS name / FAIL name: reason.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pass() { echo "PASS packaging/$1"; }
fail() { echo "FAIL packaging/$1: $2"; }
newest_kver() {	# PATTERN: newest /boot/vmlinuz-PATTERN* with headers
	local v
	for v in $(ls /boot/vmlinuz-$1* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		[ -e "/lib/modules/$v/build/Makefile" ] && { echo "$v"; return; }
	done
}
KVERS=("$@")
if [ ${#KVERS[@]} -eq 0 ]; then
	for p in 6.12 6.1.0-; do
		k=$(newest_kver "$p")
		[ -n "$k" ] && KVERS+=("$k")
	done
fi
[ ${#KVERS[@]} -gt 0 ] || { fail kernels "no 6.12 or 6.1 kernel with headers installed"; exit 1; }
VER=$(sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$/\1/p' "$REPO/dkms.conf")
[ -n "$VER" ] || { fail version "no PACKAGE_VERSION in dkms.conf"; exit 1; }

sysstate() {
	ls -d /var/lib/dkms/stackblk /usr/src/stackblk-* /lib/modules/*/updates/dkms/stackblk.ko* \
		/lib/modules/*/updates/stackblk.ko* /usr/local/sbin/stackblk /usr/local/share/stackblk 2>/dev/null
	ls -l --time-style=+%s /lib/modules/*/modules.dep 2>/dev/null
}
BEFORE=$(sysstate)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LOG=${STACKBLK_RESULTS:-$REPO/tests/results}/packaging
mkdir -p "$LOG"

# The tree as a release carries it: tracked and new files, no build outputs.
S=$T/stackblk-$VER
mkdir -p "$S"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cp -a --parents -t "$S")
else
	cp -a "$REPO"/{Kbuild,Makefile,dkms.conf,module,include,tools,Documentation} "$S/"
fi

# --- dkms -------------------------------------------------------------------
if grep -q '^CLEAN=' "$S/dkms.conf"; then
	fail dkms/no-clean "dkms.conf sets the deprecated CLEAN"
else
	pass dkms/no-clean
fi
# BUILD_EXCLUSIVE_KERNEL: the supported kernels only (README "Supported kernels")
bad=$( set +u; . "$S/dkms.conf"
	for k in "${KVERS[@]}" 6.1.0-99-amd64 6.12.999+deb13-arm64; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] || echo "refuses $k"
	done
	for k in 5.10.0-30-amd64 6.6.63 6.11.0-1-amd64 6.13.1 6.10.0 6.120.0 7.1.0; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] && echo "accepts $k"
	done)
if [ -z "$bad" ] && grep -q '^BUILD_EXCLUSIVE_KERNEL=' "$S/dkms.conf"; then
	pass dkms/build-exclusive
else
	fail dkms/build-exclusive "BUILD_EXCLUSIVE_KERNEL ${bad:-missing}" | head -n1
fi

DK=(DKMS_SRC="$T/usrsrc" DKMS_KERNELS="${KVERS[*]}"
	DKMS_FLAGS="--dkmstree $T/dkms --installtree $T/lib-modules --no-depmod")
for k in "${KVERS[@]}"; do mkdir -p "$T/lib-modules/$k"; done
mkdir -p "$T/usrsrc" "$T/dkms"
dkms_installed() {	# ROUND: each kernel's module in the install tree, right version
	local k ko v
	for k in "${KVERS[@]}"; do
		ko=$(ls "$T/lib-modules/$k"/updates/dkms/stackblk.ko* 2>/dev/null | head -n1)
		v=$([ -n "$ko" ] && modinfo -F version "$ko" 2>/dev/null)
		vm=$([ -n "$ko" ] && modinfo -F vermagic "$ko" 2>/dev/null)
		if [ -z "$ko" ]; then
			fail "dkms/$1/$k" "no updates/dkms/stackblk.ko in the install tree ($LOG/dkms-$1.log)"
		elif [ "$v" != "$VER" ]; then
			fail "dkms/$1/$k" "modinfo version '$v', dkms.conf says '$VER'"
		elif [ "${vm%% *}" != "$k" ]; then
			fail "dkms/$1/$k" "built for '${vm%% *}'"
		else
			pass "dkms/$1/$k"
		fi
	done
}
dkms_removed() {	# NAME: dkms remove --all left nothing behind
	local left
	left=$(ls -d "$T/dkms/stackblk" "$T/usrsrc/stackblk-$VER" "$T"/lib-modules/*/updates/dkms/stackblk.ko* 2>/dev/null)
	if [ -z "$left" ]; then
		pass "dkms/$1"
	else
		fail "dkms/$1" "left $(echo "$left" | tr '\n' ' ')"
	fi
}
make -C "$S" dkms-install "${DK[@]}" >"$LOG/dkms-install.log" 2>&1
dkms_installed install
# an unsupported kernel is refused by dkms itself (exit 77), before building
dkms build --sourcetree "$T/usrsrc" --dkmstree "$T/dkms" "stackblk/$VER" -k 5.10.0-99-amd64 \
	>"$LOG/dkms-exclusive.log" 2>&1
r=$?
if [ $r -eq 77 ] && grep -q BUILD_EXCLUSIVE "$LOG/dkms-exclusive.log"; then
	pass dkms/refuses-unsupported
else
	fail dkms/refuses-unsupported "dkms build -k 5.10.0-99-amd64 exited $r ($LOG/dkms-exclusive.log)"
fi
make -C "$S" dkms-remove "${DK[@]}" >"$LOG/dkms-remove.log" 2>&1
dkms_removed remove
make -C "$S" dkms-install "${DK[@]}" >"$LOG/dkms-reinstall.log" 2>&1
dkms_installed reinstall
make -C "$S" dkms-remove "${DK[@]}" >>"$LOG/dkms-remove.log" 2>&1
dkms_removed remove-again

# --- make without headers for the running kernel ---------------------------------
mkdir -p "$T/fakebin"
printf '#!/bin/sh\n[ "$1" = -r ] && { echo 9.9.9-nohdr-amd64; exit 0; }\nexec /bin/uname "$@"\n' >"$T/fakebin/uname"
chmod +x "$T/fakebin/uname"
for t in "" module; do
	out=$(cd "$S" && env -u KVER -u KDIR PATH="$T/fakebin:$PATH" make $t 2>&1)
	r=$?
	if [ $r -ne 0 ] && grep -q 'no kernel headers for the running kernel 9.9.9-nohdr-amd64' <<<"$out" &&
		grep -q 'apt-get install linux-headers-9.9.9-nohdr-amd64' <<<"$out" &&
		! ls "$S"/*.ko "$S"/module/*.o >/dev/null 2>&1; then
		pass "no-headers/make${t:+-$t}"
	else
		fail "no-headers/make${t:+-$t}" "exit $r: $(echo "$out" | head -n2 | tr '\n' ' ')"
	fi
done

# --- make install / uninstall into a DESTDIR ---------------------------------
k=${KVERS[0]}
D=$T/destdir
want=(
	"lib/modules/$k/updates/stackblk.ko"
	usr/local/sbin/stackblk
	usr/local/share/man/man8/stackblk.8
	usr/local/share/bash-completion/completions/stackblk
)
for f in "$S"/tools/bpftrace/*.bt; do want+=("usr/local/share/stackblk/bpftrace/${f##*/}"); done
for f in "$S"/tools/fio/*.fio; do want+=("usr/local/share/stackblk/fio/${f##*/}"); done
if make -C "$S" install DESTDIR="$D" KVER="$k" >"$LOG/install.log" 2>&1; then
	miss=""
	for f in "${want[@]}"; do [ -f "$D/$f" ] || miss="$miss $f"; done
	extra=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | comm -23 - <(printf '%s\n' "${want[@]}" | sort))
	if [ -z "$miss" ] && [ -z "$extra" ]; then
		pass install/files
	else
		fail install/files "missing:${miss:- none}; unexpected: ${extra:-none}"
	fi
	# modinfo by name, as after depmod on the target (a copy: DESTDIR stays as installed)
	cp -a "$D" "$T/target"
	depmod -b "$T/target" "$k" 2>>"$LOG/install.log"
	v=$(modinfo -b "$T/target" -k "$k" -F version stackblk 2>&1)
	cv=$("$D/usr/local/sbin/stackblk" --version)
	mv=$(sed -n 's/^\.TH .*"stackblk \([^"]*\)".*/\1/p' "$D/usr/local/share/man/man8/stackblk.8")
	if [ "$v" = "$VER" ] && [ "$cv" = "stackblk $VER" ] && [ "$mv" = "$VER" ]; then
		pass install/version
	else
		fail install/version "dkms.conf $VER; modinfo stackblk '$v', stackblk --version '$cv', man page '$mv'"
	fi
	# the completion lists what the CLI's own table and help say
	c=$(bash -c '. "$1"; COMP_WORDS=(stackblk cr); COMP_CWORD=1; _stackblk "$2"; echo "${COMPREPLY[*]}"
		COMP_WORDS=(stackblk create --b); COMP_CWORD=2; _stackblk "$2"; echo "${COMPREPLY[*]}"
		COMP_WORDS=(stackblk record --s); COMP_CWORD=2; _stackblk "$2"; echo "${COMPREPLY[*]}"' _ \
		"$D/usr/local/share/bash-completion/completions/stackblk" "$D/usr/local/sbin/stackblk" 2>&1)
	if [ "$c" = $'create\n--backing\n--svg' ]; then
		pass install/bash-completion
	else
		fail install/bash-completion "got '$(echo "$c" | tr '\n' '|')', want 'create|--backing|--svg'"
	fi
	if make -C "$S" uninstall DESTDIR="$D" KVER="$k" >"$LOG/uninstall.log" 2>&1; then
		left=$(cd "$D" && find . -type f -o -type l)
		share=$(ls -d "$D/usr/local/share/stackblk" 2>/dev/null)
		if [ -z "$left$share" ]; then
			pass uninstall
		else
			fail uninstall "left $(echo "$left" "$share" | tr '\n' ' ')"
		fi
	else
		fail uninstall "make uninstall failed ($LOG/uninstall.log)"
	fi
else
	fail install/files "make install DESTDIR=... KVER=$k failed ($LOG/install.log)"
fi

AFTER=$(sysstate)
if [ "$BEFORE" = "$AFTER" ]; then
	pass no-state-left
else
	fail no-state-left "system state changed: '$BEFORE' -> '$AFTER'"
fi
