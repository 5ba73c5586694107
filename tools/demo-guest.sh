#!/bin/sh
# The demo inside the VM (tools/demo.sh boots it): load the module, run
# helloworld until one of its watches trips, then show the dmesg block, the
# watch table and ucli's report, and clean up.
# Everything between VARMON-DEMO-BEGIN and VARMON-DEMO-END is for the user.

proc=/proc/variable_monitor

say() {
	echo
	echo "==== $*"
}

# counter KEY: a counter from /proc/variable_monitor/stats, empty if absent.
counter() {
	awk -v k="$1" '$1 == k { print $2 }' "$proc/stats" 2>/dev/null
}

# wait_for KEY TENTHS: wait until counter KEY is non-zero, and give up
# early if helloworld died.
wait_for() {
	i=0
	while [ "$(counter "$1")" = 0 ] || [ -z "$(counter "$1")" ]; do
		[ "$i" -lt "$2" ] || return 1
		kill -0 "$app" 2>/dev/null || return 1
		usleep 100000
		i=$((i + 1))
	done
}

rc=0
echo VARMON-DEMO-BEGIN
say "insmod variable_monitor.ko"
if ! insmod /varmon/variable_monitor.ko; then
	echo "insmod failed"
	echo VARMON-DEMO-END
	exit 1
fi

# Long enough to still be running for the report; stopped below.
helloworld -t 600 &
app=$!
say "helloworld -t 600 (pid $app) registers its watches; waiting for a trip"
if ! wait_for trips 600; then
	echo "no trip within 60 s"
	rc=1
fi
# The capture work runs after the trip; give it time to finish the dump
# before ucli drains (only once the capture pipeline counts dumps).
if [ -n "$(counter dumps)" ] && ! wait_for dumps 300; then
	echo "no dump within 30 s of the trip"
	rc=1
fi

# Indented, so tools/demo.sh can tell them from the live console.
say "dmesg | grep variable_monitor"
dmesg | grep variable_monitor | sed 's/^/  /'

say "$proc/watches ($(($(wc -l <"$proc/watches") - 1)) watches, at most 10 shown)"
head -n 11 "$proc/watches"

say "$proc/stats"
cat "$proc/stats"

if command -v ucli >/dev/null; then
	say "ucli > /tmp/output; cat /tmp/output"
	if ! ucli >/tmp/output; then
		echo "ucli failed"
		rc=1
	fi
	cat /tmp/output
else
	say "ucli is not built yet: no report"
fi

say "stop helloworld, rmmod"
kill "$app"
if ! wait "$app"; then
	echo "helloworld failed"
	rc=1
fi
if ! rmmod variable_monitor; then
	echo "rmmod failed"
	rc=1
fi
echo VARMON-DEMO-END
exit "$rc"
