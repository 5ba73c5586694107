#!/bin/sh
# Guest side of make bench (busybox sh, in the VM tools/bench.sh boots):
# load the module, run the bench_* programs, print their BENCH-DATA lines,
# and send one saved dump of 500 tasks back to the host (gzip, base64,
# between BENCH-UCLI-BEGIN/END) for the ucli row, which needs addr2line.
#
# Usage: sh bench-guest.sh [RUNS]   (default 5; each configuration runs
# that many times). Exit status: 0 when every program finished.

runs=${1:-5}
proc=/proc/variable_monitor
ko=/varmon/variable_monitor.ko
failed=0

# run CMD...: a bench program; a failure is counted, not fatal.
run() {
	echo "# bench: $*"
	if ! "$@"; then
		echo "# bench: FAILED: $*"
		failed=$((failed + 1))
	fi
}

# The dmesg block of every trip would go to the serial console, and
# under emulation each character costs a trap: only errors go there.
echo 4 > /proc/sys/kernel/printk

# A 500-task dump needs more than the default 8 MiB (the staging area
# is the buffer size, at most 16 MiB).
if ! insmod "$ko" buffer_size=33554432; then
	echo "# bench: FAILED: insmod"
	exit 1
fi
# 4096 watches of one process: 128 timers at 32 per timer.
for kv in max_timers=1024 max_process_timers=1024 \
	max_process_watches=8192 max_watches=16384; do
	echo "${kv#*=}" > "$proc/${kv%%=*}"
done

clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
slub=$(cat /sys/kernel/slab/kmalloc-64/red_zone 2>/dev/null)
echo "BENCH-DATA {\"bench\":\"info\",\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc),\"clocksource\":\"$clocksource\",\"slab_red_zone\":\"${slub:-?}\",\"mem_kb\":$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo),\"runs\":$runs}"

# N watches : K per timer. 1:1 against 32:32 and 4096:256 gives the
# marginal cost of a watch; 4096 at 32 per timer is 128 timers.
for interval in 100000 10000; do
	run bench_poll --interval "$interval" --runs "$runs" --pairs 6 \
		--slice-ms 100 1:1 32:32 1024:32 4096:32 4096:256
done

for interval in 10000 100000 1000000; do
	r=1
	while [ "$r" -le "$runs" ]; do
		run bench_latency --interval "$interval" --run "$r" \
			--trips 200 --pulses 200
		r=$((r + 1))
	done
done

for threads in 10 100 500; do
	run bench_capture --threads "$threads" --runs "$runs"
done

r=1
while [ "$r" -le "$runs" ]; do
	run bench_memory --run "$r"
	r=$((r + 1))
done

# One dump of 500 threads for ucli on the host.
bench_capture --threads 500 --hold > /tmp/hold.out 2>&1 &
holder=$!
i=0
while ! grep -q 'BENCH-HOLD ready' /tmp/hold.out; do
	i=$((i + 1))
	if [ "$i" -gt 600 ] || ! kill -0 "$holder" 2>/dev/null; then
		echo "# bench: FAILED: no 500-thread dump to record"
		cat /tmp/hold.out
		failed=$((failed + 1))
		break
	fi
	usleep 100000
done
if ucli record -o /tmp/dump500.rec; then
	echo "BENCH-UCLI-MD5 $(md5sum < /tmp/dump500.rec | cut -d ' ' -f 1)"
	echo "BENCH-UCLI-BEGIN"
	gzip -c /tmp/dump500.rec | base64
	echo "BENCH-UCLI-END"
else
	echo "# bench: FAILED: ucli record"
	failed=$((failed + 1))
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

if ! rmmod variable_monitor; then
	echo "# bench: FAILED: rmmod"
	failed=$((failed + 1))
fi
# Kernel messages stayed off the console; let vm.sh judge them all,
# minus the dmesg blocks of the trips.
dmesg | grep -v -e 'threshold tripped' -e ' pid [0-9]* name ' -e 'end of trip'
echo "# bench: $failed failed"
[ "$failed" -eq 0 ]
