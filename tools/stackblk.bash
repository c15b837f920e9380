# SPDX-License-Identifier: GPL-2.0
# bash completion for stackblk(8); `make install` puts it in
# $(PREFIX)/share/bash-completion/completions/stackblk.
#
# The commands and each command's options come from the CLI itself
# (`stackblk --complete [CMD]`: its command table, and the option lines of
# the help text that `stackblk CMD --help` prints), so they never drift from
# it.  DEV operands complete to configfs names and stackblkN.

_stackblk_devices()
{
	local d
	for d in /sys/kernel/config/stackblk/* /sys/block/stackblk*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_stackblk()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]} opts arg="" line
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$("$1" --complete 2>/dev/null)" -- "$cur")
		return
	fi
	opts=$("$1" --complete "$cmd" 2>/dev/null) || return
	# the argument of the option before the cursor
	while IFS= read -r line; do
		[ "${line%% *}" = "$prev" ] && [ "$line" != "$prev" ] && arg=${line#* }
	done <<<"$opts"
	case $arg in
	DEV) mapfile -t COMPREPLY < <(compgen -f -- "${cur:-/dev/}") ; return ;;
	DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
	FILE) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
	?*) return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(sed 's/ .*//' <<<"$opts")" -- "$cur")
	elif [ "$cmd" != create ] && [ "$cmd" != list ] && [ "$cmd" != top ]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_stackblk_devices)" -- "$cur")
	fi
}
complete -F _stackblk stackblk
