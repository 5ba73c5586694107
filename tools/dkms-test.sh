#!/bin/sh
# Build the module with dkms against every installed kernel that
# tools/kernels.sh lists, in a private dkms tree (nothing is installed).
# Prints TAP.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The last line: make may first say which kernel headers it fell back to.
ver=$(MAKEFLAGS= MAKELEVEL= make -s --no-print-directory -C "$top" version | tail -n 1)
src="$work/src/variable_monitor-$ver"
mkdir -p "$src" "$work/tree"
make -s -C "$top" DKMS_SOURCE_DIR="$src" dkms-source >/dev/null

kernels=$("$top/tools/kernels.sh" "$@") || exit 1
n=$(echo "$kernels" | wc -l)
echo "TAP version 13"
echo "1..$((n + 1))"
i=1
if dkms --dkmstree "$work/tree" --sourcetree "$work/src" add -m variable_monitor -v "$ver" >"$work/add.log" 2>&1; then
	echo "ok $i dkms add"
else
	echo "not ok $i dkms add"; sed 's/^/# /' "$work/add.log"
fi
echo "$kernels" | while read -r release _vmlinuz _kdir; do
	i=$((i + 1))
	if dkms --dkmstree "$work/tree" --sourcetree "$work/src" build \
		-m variable_monitor -v "$ver" -k "$release" >"$work/build.log" 2>&1 &&
	   ls "$work/tree/variable_monitor/$ver/$release/x86_64/module/"variable_monitor.ko* >/dev/null 2>&1; then
		echo "ok $i dkms build for $release"
	else
		echo "not ok $i dkms build for $release"
		sed 's/^/# /' "$work/build.log" | tail -n 20
		find "$work/tree" -name make.log -exec sed 's/^/# /' {} + | tail -n 20
	fi
done
