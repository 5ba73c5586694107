#!/bin/sh
# Guest-side driver of the VM suite (busybox sh). Runs in /varmon with the
# test programs in /varmon/bin and the module at /varmon/variable_monitor.ko.
#
# Each /varmon/bin/test_* gets a freshly loaded module, prints its own TAP,
# and must leave the module unloadable: "ok - rmmod after <test>". A test
# that exits non-zero without a plan, or before reporting all it planned,
# adds a "not ok" line. Exit status: 0 when nothing failed.

bin=/varmon/bin
ko=/varmon/variable_monitor.ko
mod=variable_monitor
passed=0
failed=0

ok() {
	echo "ok - $*"
	passed=$((passed + 1))
}

not_ok() {
	echo "not ok - $*"
	failed=$((failed + 1))
}

loaded() {
	grep -q "^$mod " /proc/modules
}

# rmmod, retried while the last users of the module go away.
unload() {
	n=0
	while loaded; do
		rmmod "$mod" 2>/dev/null && break
		n=$((n + 1))
		[ "$n" -lt 10 ] || break
		sleep 1
	done
	! loaded
}

# The hugetlb tests need reserved pages; the guest init usually did it.
[ "$(cat /proc/sys/vm/nr_hugepages)" -gt 0 ] || echo 16 > /proc/sys/vm/nr_hugepages

# Keep perf_sched_events on: toggling it crashes 6.12 under TCG (perf_hold.c).
hold=
if [ -x "$bin/perf_hold" ]; then
	"$bin/perf_hold" &
	hold=$!
fi

found=0
for t in "$bin"/test_*; do
	[ -x "$t" ] || continue
	found=1
	name=${t##*/}
	out=/tmp/$name.tap
	rcf=/tmp/$name.rc

	if ! unload; then
		not_ok "rmmod before $name"
		continue
	fi
	if ! insmod "$ko"; then
		not_ok "insmod before $name"
		continue
	fi
	echo "# $name"
	# Stream the output, so a hung test still shows how far it got.
	{ "$t" 2>&1; echo $? > "$rcf"; } | tee "$out"
	rc=$(cat "$rcf")

	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
	results=$(grep -c -E '^(not )?ok ' "$out")
	fails=$(grep -c '^not ok ' "$out")
	oks=$((results - fails))
	passed=$((passed + oks))
	failed=$((failed + fails))
	if [ -z "$plan" ]; then
		not_ok "$name crashed (exit status $rc, no plan)"
	elif [ "$results" -lt "$plan" ]; then
		not_ok "$name crashed (exit status $rc after $results of $plan tests)"
	elif [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		not_ok "$name exited with status $rc but no test failed"
	fi

	if unload; then
		ok "rmmod after $name"
	else
		not_ok "rmmod after $name"
		lsmod
	fi
done
[ "$found" -eq 1 ] || not_ok "no test programs in $bin"
[ -z "$hold" ] || kill "$hold"

echo "# run-vm-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
