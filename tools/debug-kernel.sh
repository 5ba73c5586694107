#!/bin/bash
# Build (once) the debug kernel for `make check-debug`: Linux 7.2 from
# Debian sid's linux-source-7.2, x86_64_defconfig + kvm_guest.config +
# tools/debug-kernel.config (KASAN, lockdep, kmemleak, debugobjects), built
# with the system's gcc. The tree is cached outside the clone, keyed by the
# source version and the configuration, so later runs take seconds.
#
# Usage: tools/debug-kernel.sh [--cached] [--jobs N]
#   --cached   print an already built tree, or fail; no network, no build
#   --jobs N   make -j N (default 2)
#   VARMON_CACHE  cache directory (default /var/cache/variable_monitor)
#
# Progress goes to stderr. The last line on stdout is the tree: build
# modules with `make -C TREE M=...`, boot TREE/arch/x86/boot/bzImage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VARMON_CACHE:-/var/cache/variable_monitor}
series=7.2
fragment=$here/debug-kernel.config
# Bump when the steps below change what gets built.
recipe="x86_64_defconfig kvm_guest.config fragment; bzImage modules_prepare; v1"

say() {
	echo "debug-kernel: $*" >&2
}

die() {
	say "$*"
	exit 1
}

usage() {
	sed -n '2,14s/^# \{0,1\}//p' "$0"
}

cached_only='' jobs=2
while [ $# -gt 0 ]; do
	case $1 in
	--cached)
		cached_only=1
		shift
		;;
	--jobs)
		[ $# -ge 2 ] || die "--jobs needs a number"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || die "--jobs: not a number: $2"
		jobs=$2
		shift 2
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done

[ -r "$fragment" ] || die "cannot read $fragment"
command -v gcc >/dev/null || die "gcc not found (tools/deps.sh installs it)"
key=$({
	cat "$fragment"
	echo "$recipe"
	gcc -dumpfullversion
} | sha256sum | cut -c 1-12)
stamp_name=.varmon-debug-kernel

# newest_built: the newest complete tree for this configuration, if any.
newest_built() {
	local d best='' v bestv=''
	for d in "$cache"/linux-"$series".*-"$key"; do
		[ -f "$d/$stamp_name" ] || continue
		v=${d#"$cache"/linux-}
		v=${v%-"$key"}
		if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$bestv" "$v" | sort -V | tail -n 1)" = "$v" ]; then
			best=$d bestv=$v
		fi
	done
	[ -n "$best" ] && echo "$best"
}

if [ -n "$cached_only" ]; then
	tree=$(newest_built) || die "no debug kernel built for this configuration (run $0)"
	echo "$tree"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (apt and $cache)"
mkdir -p "$cache"

# One build at a time; a second caller waits and then reuses the tree.
exec 9>"$cache/debug-kernel.lock"
if ! flock -n 9; then
	say "waiting for another debug kernel build to finish"
	flock 9
fi

say "checking Debian sid for linux-source-$series"
if ! "$here/apt-sid.sh" update; then
	tree=$(newest_built) || die "cannot reach Debian sid, and nothing is cached"
	say "cannot reach Debian sid; using the cached $tree"
	echo "$tree"
	exit 0
fi
version=$("$here/apt-sid.sh" apt-cache policy "linux-source-$series" |
	sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	die "sid has no linux-source-$series"
fi

tree=$cache/linux-$version-$key
if [ -f "$tree/$stamp_name" ]; then
	say "reusing $tree ($(cat "$tree/$stamp_name"))"
	echo "$tree"
	exit 0
fi

# Source: apt checks the .deb against sid's signed index, also when it
# is already there from an earlier run.
src=$cache/src
mkdir -p "$src"
say "fetching linux-source-$series $version"
(cd "$src" && "$here/apt-sid.sh" apt-get -q -o APT::Sandbox::User=root \
	download "linux-source-$series=$version" >&2)
deb=$src/linux-source-${series}_${version#*:}_all.deb
[ -f "$deb" ] || die "apt-get download left no $deb"

if [ ! -d "$tree" ]; then
	say "unpacking $(basename "$deb")"
	tmp=$(mktemp -d "$cache/unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dpkg -x "$deb" "$tmp/deb"
	tar -C "$tmp" -xJf "$tmp/deb/usr/src/linux-source-$series.tar.xz"
	mv "$tmp/linux-source-$series" "$tree"
	rm -rf "$tmp"
	trap - EXIT
else
	# An interrupted build: make carries on where it stopped.
	say "resuming the build in $tree"
fi

log=$tree/varmon-build.log
: >"$log"
say "configuring (log: $log)"
{
	make -C "$tree" x86_64_defconfig kvm_guest.config
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$fragment"
	make -C "$tree" olddefconfig
} >>"$log" 2>&1 || die "configuration failed, see $log"

# Every option of the fragment must have survived olddefconfig (a missing
# dependency silently drops an option).
missing=$(awk '
	NR == FNR {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			want[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1)
		else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/)
			want[$2] = "n"
		next
	}
	match($0, /^CONFIG_[A-Za-z0-9_]+=/) {
		have[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1)
	}
	END {
		for (k in want) {
			h = k in have ? have[k] : "n"
			if (h != want[k])
				printf "%s: wanted %s, got %s\n", k, want[k], h
		}
	}' "$fragment" "$tree/.config")
if [ -n "$missing" ]; then
	say "the configuration lost options of $(basename "$fragment"):"
	echo "$missing" >&2
	exit 1
fi
n=$(grep -c -E '^(CONFIG_|# CONFIG_.* is not set$)' "$fragment")
say "config: all $n options of $(basename "$fragment") are set"

# Other engineers run VM tests on this machine: build at the lowest
# priority. Progress once a minute, the rest to the log.
say "building bzImage and modules_prepare with make -j$jobs (about 30-45 minutes)"
start=$(date +%s)
nice -n 19 make -C "$tree" -j"$jobs" bzImage modules_prepare >>"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null' EXIT
while ! timeout 60 tail --pid="$pid" -f /dev/null; do
	last=$(grep -E '^  [A-Z]' "$log" | tail -n 1 | sed 's/^ *//')
	say "$((($(date +%s) - start) / 60)) min: ${last:-starting}"
done
status=0
wait "$pid" || status=$?
trap - EXIT
elapsed=$(($(date +%s) - start))
if [ "$status" -ne 0 ]; then
	tail -n 30 "$log" >&2
	die "build failed after $elapsed s, see $log"
fi
[ -f "$tree/arch/x86/boot/bzImage" ] || die "no bzImage after the build, see $log"
[ -f "$tree/vmlinux.symvers" ] || die "no vmlinux.symvers after the build, see $log"
# modules_prepare leaves Module.symvers empty; 7.2's modpost then rejects
# out-of-tree modules for "undefined" symbols.
cp "$tree/vmlinux.symvers" "$tree/Module.symvers"
say "built in $elapsed s"

# Prove the tree builds an out-of-tree module before calling it done.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>
#include <linux/slab.h>

static int __init hello_init(void)
{
	kfree(kmalloc(16, GFP_KERNEL));
	return 0;
}
module_init(hello_init);

static void __exit hello_exit(void)
{
}
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("debug-kernel.sh smoke test");
EOF
echo 'obj-m := hello.o' >"$tmp/Kbuild"
if ! make -C "$tree" M="$tmp" modules >>"$log" 2>&1 || [ ! -f "$tmp/hello.ko" ]; then
	die "a trivial module does not build against $tree, see $log"
fi
say "a test module builds against the tree"

release=$(cat "$tree/include/config/kernel.release")
echo "$version $release, config $key, built in $elapsed s on $(date -u +%F)" >"$tree/$stamp_name"

# Older trees and sources of this series are builds nobody asks for any
# more (about 3 GB and 160 MB each).
for d in "$cache"/linux-"$series".*-* "$src"/linux-source-"$series"_*.deb; do
	if [ ! -e "$d" ] || [ "$d" = "$tree" ] || [ "$d" = "$deb" ]; then
		continue
	fi
	say "removing the old $d"
	rm -rf "$d"
done

echo "$tree"
