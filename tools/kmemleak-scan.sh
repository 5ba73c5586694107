#!/bin/sh
# shellcheck shell=dash
# Guest side (busybox sh): look for kernel memory leaks with kmemleak, on
# the debug kernel of tools/debug-kernel.sh. Run it after the tests, with
# the module unloaded, so that its freed objects are gone.
#
# kmemleak reports only objects older than 5 s that no scan found a
# pointer to; the file lists those still unreferenced at the last scan.
# Two scans a few seconds apart drop objects whose only pointer was in
# flight during the first one.
#
# Prints "kmemleak: clean", or the report followed by "kmemleak: N leaks".
# The report's "unreferenced object 0x..." lines also fail tools/vm.sh's
# console scan.
# Exit status: 0 clean, 1 leaks, 2 kmemleak missing or disabled.

f=/sys/kernel/debug/kmemleak

if [ ! -e "$f" ] && [ -d /sys/kernel/debug ] && ! grep -q ' debugfs ' /proc/mounts; then
	mount -t debugfs debugfs /sys/kernel/debug
fi
if [ ! -e "$f" ]; then
	echo "kmemleak: not available ($f missing: not a kmemleak kernel)"
	exit 2
fi

scan() {
	# A write fails with EPERM once kmemleak has disabled itself (for
	# example when its memory pool ran out).
	if ! echo scan > "$f"; then
		echo "kmemleak: scan failed: kmemleak is disabled (see the boot log)"
		exit 2
	fi
}

scan
sleep 5
scan

if ! report=$(cat "$f"); then
	echo "kmemleak: cannot read $f"
	exit 2
fi
if [ -z "$report" ]; then
	echo "kmemleak: clean"
	exit 0
fi
printf '%s\n' "$report"
echo "kmemleak: $(printf '%s\n' "$report" | grep -c '^unreferenced object ') leaks"
exit 1
