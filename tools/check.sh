#!/bin/bash
# The body of `make check`: host unit tests, then the VM suite on each
# Debian kernel. Counts every TAP result and ends with "N passed, N failed".
#
# Usage: tools/check.sh [--kernels '6.1 6.12']
#   VARMON_KERNELS     default for --kernels (make check VARMON_KERNELS=6.12);
#                      besides Debian lines (6.1, 6.12-rt, ...), "debug" is
#                      the 7.2 KASAN/lockdep/kmemleak kernel of
#                      tools/debug-kernel.sh, and "debug-cached" the same
#                      only if it is already built (else skipped)
#   VARMON_VM_TIMEOUT  seconds one kernel's VM run may take (default 900;
#                      the debug kernel gets twice that)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top" || exit 1

kernels=${VARMON_KERNELS:-6.1 6.12}
while [ $# -gt 0 ]; do
	case $1 in
	--kernels)
		[ $# -ge 2 ] || { echo "check: --kernels needs a list" >&2; exit 2; }
		kernels=$2
		shift 2
		;;
	-h | --help)
		sed -n '2,8s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "check: unknown argument $1 (see --help)" >&2
		exit 2
		;;
	esac
done
vm_timeout=${VARMON_VM_TIMEOUT:-900}

out=$top/build/check
rm -rf "$out"
mkdir -p "$out"

passed=0 failed=0 skipped=0
summary=() problems=()

section() {
	printf '\n==== %s\n' "$*"
}

# result PASS|FAIL NAME: a check of the harness itself (build, console).
result() {
	if [ "$1" = PASS ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		problems+=("FAIL $2")
	fi
}

# count_tap GROUP FILE: add FILE's TAP results to the totals, and list the
# failed and skipped ones as "GROUP: N name", a failure with the last
# diagnostic line before it (why it failed, in a CI log's tail). Sets
# tap_pass, tap_fail, tap_skip and tap_planned (the sum of all "1..N" plans).
count_tap() {
	local group=$1 file=$2 kind name
	tap_pass=0 tap_fail=0 tap_skip=0 tap_planned=0
	while IFS=$'\t' read -r kind name; do
		case $kind in
		plan) tap_planned=$((tap_planned + name)) ;;
		pass) tap_pass=$((tap_pass + 1)) ;;
		fail)
			tap_fail=$((tap_fail + 1))
			problems+=("FAIL $group: $name")
			;;
		skip)
			tap_skip=$((tap_skip + 1))
			summary+=("SKIP $group: $name")
			;;
		esac
	done < <(awk '
		/^1\.\.[0-9]+/ {
			sub(/^1\.\./, "")
			printf "plan\t%d\n", $0 + 0
			diag = ""
			next
		}
		/^Bail out!/ { printf "fail\t%s\n", $0; next }
		/^# Totals:/ { diag = ""; next }
		/^# / { diag = substr($0, 3); gsub(/\t/, " ", diag); next }
		/^(not )?ok([ \t]|$)/ {
			kind = $0 ~ /^not/ ? "fail" : "pass"
			if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
				kind = "skip"
			sub(/^(not )?ok[ \t]*/, "")
			if (kind == "fail" && diag != "")
				$0 = $0 " (" diag ")"
			printf "%s\t%s\n", kind, $0
			diag = ""
		}' "$file")
	passed=$((passed + tap_pass))
	failed=$((failed + tap_fail))
	skipped=$((skipped + tap_skip))
}

# complete GROUP STATUS WHAT: after count_tap, check that every planned
# test reported and that a failing exit status (of WHAT) is explained by a
# failed test.
complete() {
	local results=$((tap_pass + tap_fail + tap_skip))
	if [ "$results" -lt "$tap_planned" ]; then
		result FAIL "$1: test run complete ($results of $tap_planned planned tests reported)"
	elif [ "$2" -ne 0 ] && [ "$tap_fail" -eq 0 ]; then
		result FAIL "$1: test run complete ($3 exited with status $2, no test failed)"
	else
		result PASS "$1: test run complete"
	fi
}

# first_failure OUT: the verdict line of vm.sh's output OUT that says most;
# the first kernel error says more than a missing sentinel.
first_failure() {
	grep -m 1 '^vm: FAIL: console' "$1" || grep -m 1 '^vm: FAIL: ' "$1"
}

# crashed_before_init LOG: whether the boot of LOG.log failed before any
# code of ours ran (the module is loaded by the guest command): no init
# marker, the first console error above it, or a crash report of an
# untainted kernel. Stock Debian 6.12-rt sometimes takes an int3 Oops in
# sched_clock_cpu() while it patches static keys under TCG (about 1 boot
# in 13 here).
crashed_before_init() {
	local init first
	grep -q '^vm: FAIL: ' "$1.out" || return 1
	# The module taints the kernel (O, E) when it loads: a crash report
	# that says "Not tainted" came before it, whatever init had begun.
	grep -a -m 1 -E '^\[ *[0-9.]+\] CPU: [0-9]+ .*(Not tainted|Tainted:)' "$1.log" |
		grep -q 'Not tainted' && return 0
	init=$(grep -a -n -m 1 'VARMON-BOOT: ' "$1.log" | cut -d : -f 1)
	[ -n "$init" ] || return 0
	first=$(sed -n 's/^vm: FAIL: console line \([0-9][0-9]*\):.*/\1/p' "$1.out" | head -n 1)
	[ -n "$first" ] && [ "$first" -lt "$init" ]
}

# vm_suite GROUP LOG RUN [vm.sh options]: boot, run RUN, count its TAP
# results as GROUP, and judge the console; LOG.log and LOG.out are kept.
# A boot that crashed before init is tried once more, and the summary
# says so; its console is kept as LOG.boot1.log.
vm_suite() {
	local group=$1 log=$2 run=$3 why rc attempt
	shift 3
	for attempt in 1 2; do
		"$here/vm.sh" --kernel "$kernel" --module "$ko" --bin build/vm/bin \
			"$@" --run "$run" --log "$log.log" | tee "$log.out"
		if [ "$attempt" -eq 2 ] || ! crashed_before_init "$log"; then
			break
		fi
		why=$(first_failure "$log.out")
		summary+=("NOTE $group: the kernel failed before init, booted again (${why#vm: FAIL: })")
		mv "$log.log" "$log.boot1.log"
		mv "$log.out" "$log.boot1.out"
		echo "check: $group: the kernel failed before init ran; booting again"
	done
	count_tap "$group" "$log.log"
	summary+=("$group ($release): $tap_pass passed, $tap_fail failed, $tap_skip skipped")

	if grep -q '^vm: FAIL: ' "$log.out"; then
		why=$(first_failure "$log.out")
		result FAIL "$group: console clean (${why#vm: FAIL: })"
		return
	fi
	result PASS "$group: console clean"

	# The guest finished: every planned test must have reported.
	rc=$(sed -n 's/.*VARMON-EXIT: \([0-9][0-9]*\).*/\1/p' "$log.log" | tail -n 1)
	if [ $((tap_pass + tap_fail + tap_skip)) -eq 0 ]; then
		result FAIL "$group: test run complete (no TAP results)"
	else
		complete "$group" "$rc" "the guest command"
	fi
}

finish() {
	section summary
	local l
	for l in "${summary[@]}"; do
		echo "$l"
	done
	for l in "${problems[@]}"; do
		echo "$l"
	done
	[ "$skipped" -eq 0 ] || echo "$skipped skipped"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

section deps
if ! "$here/deps.sh"; then
	result FAIL "deps: tools/deps.sh failed"
	finish
fi

section "host tests"
if make -n host-tests >/dev/null 2>&1; then
	make -j2 host-tests 2>&1 | tee "$out/host.log"
	status=${PIPESTATUS[0]}
	count_tap host "$out/host.log"
	summary+=("host: $tap_pass passed, $tap_fail failed, $tap_skip skipped")
	if [ $((tap_pass + tap_fail + tap_skip)) -eq 0 ] && [ "$status" -eq 0 ]; then
		echo "check: NOTE: make host-tests printed no TAP results"
	else
		complete host "$status" "make host-tests"
	fi
else
	echo "check: NOTE: the Makefile has no host-tests target; no host tests ran"
	summary+=("host: no host-tests target, nothing ran")
fi

section "vm programs"
vm_progs=ok
if ! make -j2 vm-progs; then
	vm_progs=
	result FAIL "vm: make vm-progs failed"
elif [ ! -f build/vm/bin/run-vm-tests.sh ]; then
	vm_progs=
	result FAIL "vm: make vm-progs did not install build/vm/bin/run-vm-tests.sh"
fi

for sel in $kernels; do
	boot=() timeout=$vm_timeout
	run='sh /varmon/bin/run-vm-tests.sh'
	case $sel in
	system | system-cached)
		section "system: the packages on a booted Debian bookworm"
		cached=
		[ "$sel" = system-cached ] && cached=--cached
		"$here/check-system.sh" $cached --out "$out/system" | tee "$out/system.out"
		if grep -q '^check-system: NOTE: ' "$out/system.out"; then
			skipped=$((skipped + 1))
			summary+=("system: skipped, image not built")
			continue
		fi
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/system.out" | tail -n 1)
		if [ -z "$line" ]; then
			result FAIL "system: tools/check-system.sh finished"
			continue
		fi
		read -r sys_pass _ sys_fail _ <<<"$line"
		passed=$((passed + sys_pass))
		failed=$((failed + sys_fail))
		summary+=("system: $sys_pass passed, $sys_fail failed")
		while IFS= read -r l; do
			problems+=("FAIL system: ${l#check-system: FAIL }")
		done < <(grep '^check-system: FAIL ' "$out/system.out")
		continue
		;;
	debug | debug-cached)
		cached=
		[ "$sel" = debug-cached ] && cached=--cached
		if ! tree=$("$here/debug-kernel.sh" $cached | tail -n 1) || [ ! -d "$tree" ]; then
			if [ -n "$cached" ]; then
				echo "check: the debug kernel is not built; 'make check-debug' builds it (30-45 min)"
				skipped=$((skipped + 1))
				summary+=("debug: skipped, not built")
			else
				result FAIL "debug: kernel built"
			fi
			continue
		fi
		sel=debug
		release=$(cat "$tree/include/config/kernel.release")
		kdir=$tree
		kernel=$tree/arch/x86/boot/bzImage
		# 5-level paging gave KASAN a spurious report; one report must
		# not hide the next; kmemleak is read after the suite.
		boot=(--cpu max,la57=off --append kasan_multi_shot
		      --file "$here/kmemleak-scan.sh:bin/kmemleak-scan.sh")
		run='sh /varmon/bin/run-vm-tests.sh; rc=$?
if sh /varmon/bin/kmemleak-scan.sh; then echo "ok - kmemleak: no leak"; else echo "not ok - kmemleak"; rc=1; fi
exit $rc'
		timeout=$((vm_timeout * 2))
		;;
	*)
		if ! line=$("$here/kernels.sh" "$sel"); then
			result FAIL "$sel: kernel installed"
			continue
		fi
		read -r release kernel kdir <<<"$line"
		kernel=$release
		;;
	esac
	kout=$out/$release
	mkdir -p "$kout"

	section "$sel: build module for $release"
	if ! make -j2 module KDIR="$kdir" O_MOD="$kout"; then
		result FAIL "$sel: module build"
		continue
	fi
	# Without O_MOD support the module lands in module/; keep a copy so
	# the next kernel's build cannot replace it.
	ko=$kout/variable_monitor.ko
	if [ ! -f "$ko" ]; then
		for k in "$kout/module/variable_monitor.ko" module/variable_monitor.ko; do
			if [ -f "$k" ]; then
				cp "$k" "$ko"
				break
			fi
		done
	fi
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d ' ' -f 1)
	if [ "$vermagic" != "$release" ]; then
		echo "check: $ko is built for '${vermagic:-nothing}', not $release"
		result FAIL "$sel: module build"
		continue
	fi
	result PASS "$sel: module build"

	if [ -z "$vm_progs" ]; then
		result FAIL "$sel: VM tests (no test programs)"
		continue
	fi

	section "$sel: VM tests on $release"
	vm_suite "$sel" "$kout/console" "$run" --timeout "$timeout" "${boot[@]}"

	# slub_debug turns off %p hashing, so the boot above cannot check
	# that the watches file hashes addresses; a short boot without it
	# runs that test alone.
	section "$sel: pointer hashing on $release"
	vm_suite "$sel-hashed" "$kout/hashed" \
		'insmod /varmon/variable_monitor.ko && /varmon/bin/test_engine "hides addresses"' \
		--timeout "$timeout" "${boot[@]}" --append slub_debug=-
done

finish
