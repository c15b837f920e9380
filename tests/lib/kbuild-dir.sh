# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/kbuild-dir.sh (sourced) - kbuild cannot build an external module
# whose M= path holds whitespace ("building multiple external modules is not
# supported"), and a clone may live in "/home/me/my projects/stackblk".

# sb_kbuild_dir DIR: empty DIR and print a directory to build in for it:
# DIR itself, or (whitespace in DIR) a fresh directory under /var/tmp that
# DIR becomes a symlink to, so DIR/stackblk.ko and DIR/build.log still work.
# /var/tmp, not /tmp: the guests see the host's /var/tmp, not its /tmp.
sb_kbuild_dir() {
	local d=$1 s
	case $d in
	*[[:space:]]*) ;;
	*) rm -rf "$d" && mkdir -p "$d" && echo "$d"; return ;;
	esac
	s=/var/tmp/stackblk-kbuild-$(id -u)/$(printf '%s' "$d" | sha256sum | cut -c1-16)
	rm -rf "$s" "$d" && mkdir -p "$s" "$(dirname "$d")" && ln -s "$s" "$d" && echo "$s"
}
