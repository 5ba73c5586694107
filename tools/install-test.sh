#!/bin/sh
# make install into a scratch DESTDIR, check what landed, then make
# uninstall and check that nothing is left. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=/usr/local

echo "TAP version 13"
echo "1..3"
if make -s -C "$top" install DESTDIR="$dest" PREFIX="$prefix" >"$dest.log" 2>&1; then
	echo "ok 1 make install into DESTDIR"
else
	echo "not ok 1 make install into DESTDIR"; sed 's/^/# /' "$dest.log" | tail -n 20
fi
missing=
for f in "$prefix/bin/ucli" "$prefix/include/variable_monitor/monitor_user.h" \
	 "$prefix/include/variable_monitor/variable_monitor.h" \
	 "$prefix/include/variable_monitor/varmon_record.h" \
	 "$prefix/share/pkgconfig/variable-monitor.pc" \
	 /etc/udev/rules.d/60-variable_monitor.rules \
	 "$prefix/share/man/man8/ucli.8" "$prefix/share/man/man4/variable_monitor.4" \
	 "$prefix/share/man/man3/start_watch.3"; do
	[ -f "$dest$f" ] || missing="$missing $f"
done
ko=$(find "$dest/lib/modules" -name 'variable_monitor.ko*' 2>/dev/null | head -n1)
[ -n "$ko" ] || missing="$missing module"
if [ -z "$missing" ]; then
	echo "ok 2 module, ucli, headers, udev rule and man pages installed"
else
	echo "not ok 2 missing after install:$missing"
fi
make -s -C "$top" uninstall DESTDIR="$dest" PREFIX="$prefix" >"$dest.log" 2>&1
left=$(find "$dest" -type f)
if [ -z "$left" ]; then
	echo "ok 3 make uninstall removes every installed file"
else
	echo "not ok 3 left after uninstall: $(echo "$left" | sed "s|$dest||" | tr '\n' ' ')"
fi
rm -f "$dest.log"
