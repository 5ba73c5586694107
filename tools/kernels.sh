#!/bin/sh
# List the installed Debian kernels the VM tests run on.
#
# Usage: tools/kernels.sh [SEL...]
#   SEL is a kernel line such as 6.1 or 6.12, optionally with a flavour
#   (6.1-rt, 6.12-cloud), an exact release (6.1.0-56-amd64), or "all"
#   (the newest generic kernel of every installed line). Default: 6.1 6.12.
#
# Prints one line per selection: RELEASE VMLINUZ KDIR, where KDIR is the
# directory to build modules against. Exits 1 if a selection has no
# installed kernel or no headers.
set -eu

boot=/boot

[ $# -gt 0 ] || set -- 6.1 6.12

# Installed releases, one per line, oldest first.
releases() {
	for f in "$boot"/vmlinuz-*; do
		[ -f "$f" ] && echo "${f#"$boot"/vmlinuz-}"
	done | sort -V
}

# Generic kernels end in -amd64 with no flavour before it; rt and cloud
# kernels only when asked for.
flavour_of() {
	case $1 in
	*-rt-amd64) echo rt ;;
	*-cloud-amd64) echo cloud ;;
	*-amd64) echo generic ;;
	*) echo other ;;
	esac
}

# newest LINE FLAVOUR: newest release of kernel line LINE (e.g. 6.12).
newest() {
	releases | while read -r rel; do
		case $rel in
		"$1".*) [ "$(flavour_of "$rel")" = "$2" ] && echo "$rel" ;;
		esac
	done | tail -n 1
}

kdir_of() {
	for d in "/lib/modules/$1/build" "/usr/src/linux-headers-$1"; do
		if [ -f "$d/Makefile" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

selected=
for sel in "$@"; do
	case $sel in
	all)
		sels=$(releases | while read -r rel; do
			[ "$(flavour_of "$rel")" = generic ] || continue
			echo "$rel" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p'
		done | sort -uV)
		[ -n "$sels" ] || { echo "kernels: no Debian kernel installed in $boot" >&2; exit 1; }
		;;
	*) sels=$sel ;;
	esac
	for s in $sels; do
		if [ -f "$boot/vmlinuz-$s" ]; then
			rel=$s
		else
			case $s in
			*-rt) rel=$(newest "${s%-rt}" rt) ;;
			*-cloud) rel=$(newest "${s%-cloud}" cloud) ;;
			*) rel=$(newest "$s" generic) ;;
			esac
		fi
		if [ -z "$rel" ]; then
			echo "kernels: no installed kernel matches '$s' (see $boot/vmlinuz-*; tools/deps.sh installs 6.1 and 6.12)" >&2
			exit 1
		fi
		if ! kdir=$(kdir_of "$rel"); then
			echo "kernels: $rel is installed but its headers are not (linux-headers-$rel)" >&2
			exit 1
		fi
		# "all" plus an explicit line must not run a kernel twice.
		case " $selected " in *" $rel "*) continue ;; esac
		selected="$selected $rel"
		echo "$rel $boot/vmlinuz-$rel $kdir"
	done
done
