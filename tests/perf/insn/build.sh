#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/perf/insn/build.sh OUTDIR - build the instruction-counting TCG plugin
# (OUTDIR/insn-count.so) and the guest's marker (OUTDIR/sbmark).
#
# The plugin must be built against the plugin API of the QEMU that loads it,
# so qemu-plugin.h comes from the Debian source package of the installed
# qemu-system-x86, at exactly its version: apt-get source --download-only
# (checked against the archive's signed Sources index) into
# ~/.cache/stackblk/qemu-plugin/<version>/, once.  Only the header is kept;
# it is never committed.  Installs gcc, pkg-config and libglib2.0-dev (the
# header includes glib.h) if they are missing, and a deb-src entry for the
# suite QEMU came from.  Idempotent.
set -euo pipefail

OUTDIR=${1:?usage: tests/perf/insn/build.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${STACKBLK_CACHE:-$HOME/.cache/stackblk}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

need=()
for p in gcc pkg-config libglib2.0-dev dpkg-dev; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "insn: installing ${need[*]}"
	$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" ||
		{ $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"; }
fi

ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) ||
	{ echo "insn: qemu-system-x86 is not installed (tests/setup.sh)" >&2; exit 1; }
src=$(dpkg-query -W -f='${source:Package}' qemu-system-x86)
srcver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
hdir=$CACHE/qemu-plugin/${ver//:/_}
if [ ! -s "$hdir/qemu-plugin.h" ]; then
	# the suite the installed version comes from (bookworm-backports here)
	suite=$(apt-cache policy qemu-system-x86 | awk -v v="$ver" '
		$1 == "***" && $2 == v {f = 1; next}
		f && $2 ~ /^http/ {print $3; exit}')
	suite=${suite%%/*}
	[ -n "$suite" ] || { echo "insn: cannot tell which suite QEMU $ver came from" >&2; exit 1; }
	if ! apt-cache showsrc "$src" 2>/dev/null | grep -qxF "Version: $srcver"; then
		printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
			"Suites: $suite" 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			$SUDO tee "/etc/apt/sources.list.d/stackblk-$suite-src.sources" >/dev/null
		$SUDO apt-get update -q
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "insn: fetching the source of qemu $ver ($suite) for qemu-plugin.h"
	# Only the upstream tarball is needed.  apt checks each file it fetches
	# against the signed Sources index, so an orig tarball that arrived is
	# the archive's, even when a mirror lacks the .dsc or the Debian tarball
	# (this machine's does) and apt-get source fails for those.
	(cd "$tmp" && apt-get source -q --download-only "$src=$srcver" >"$tmp/log" 2>&1) || true
	orig=$(ls "$tmp"/*.orig.tar.* 2>/dev/null | head -n1)
	[ -n "$orig" ] ||
		{ echo "insn: apt-get source $src=$srcver failed:" >&2; tail -n 5 "$tmp/log" >&2; exit 1; }
	tar -xf "$orig" -C "$tmp" --wildcards --no-anchored 'include/qemu/qemu-plugin.h'
	mkdir -p "$hdir"
	cp "$(find "$tmp" -path '*/include/qemu/qemu-plugin.h' | head -n1)" "$hdir/qemu-plugin.h.new"
	mv "$hdir/qemu-plugin.h.new" "$hdir/qemu-plugin.h"
fi

mkdir -p "$OUTDIR"
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -Wno-unused-parameter -shared -fPIC -I"$hdir" \
	$(pkg-config --cflags glib-2.0) -o "$OUTDIR/insn-count.so" "$HERE/insn-count.c"
gcc -O2 -Wall -o "$OUTDIR/sbmark" "$HERE/sbmark.c"
echo "insn: built $OUTDIR/insn-count.so and $OUTDIR/sbmark (QEMU $ver)"
