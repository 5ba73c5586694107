#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ucli end to end on the host, under ASan and UBSan (ucli-san): records
# made here by ucli_gen_stack (a -O2 -fomit-frame-pointer recursion that
# captures itself, or a ptrace'd sleeping child) must unwind through CFI
# to the exact call chain; stripped, missing and wrong files must never
# yield a wrong name; the committed fixture must print exactly as saved;
# and the subcommands that need no module behave. Prints TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
ucli=$here/ucli-san
gen=$here/ucli_gen_stack
gen_df=$here/ucli_gen_stack_df
gen_static=$here/ucli_gen_stack_static
target=$here/ucli_watch_target
jcheck=$here/ucli_json_check
fixtures=@UCLI_FIXTURES@

tmp=$(mktemp -d /tmp/ucli-test.XXXXXX) || exit 1
target_pid=
ns_pid=
cleanup() {
	[ -z "$target_pid" ] || kill "$target_pid" 2>/dev/null
	[ -z "$ns_pid" ] || kill "$ns_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Keep the host's kernel and debug files out of what we compare.
export UCLI_KALLSYMS=$fixtures/kallsyms.txt
export UCLI_DEBUG_DIR=$tmp/no-debug

n=0
failed=0
echo "TAP version 13"
echo "1..54"

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}
skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
diag() {
	echo "# $*"
}
# check NAME COMMAND...: one test, passing when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
	fi
}
# same WANT GOT: compare two strings, say how they differ.
same() {
	[ "$1" = "$2" ] && return 0
	diag "expected: $1"
	diag "got:      $2"
	return 1
}
# has FILE TEXT: FILE contains TEXT (fixed string).
has() {
	grep -qF -- "$2" "$1" && return 0
	diag "$1 lacks: $2"
	return 1
}
lacks() {
	grep -qF -- "$2" "$1" || return 0
	diag "$1 has: $(grep -F -m1 -- "$2" "$1")"
	return 1
}

# frames FILE: the #~ frames of a text report, one word each: the
# function, or (file) when unnamed, or ? for [unknown].
frames() {
	awk '/^#~ 0x/ {
		if ($3 ~ /^\(/) { f = $3; sub(/.*\//, "(", f); print f }
		else if ($3 == "[unknown]") print "?"
		else { f = $3; sub(/\+0x[0-9a-f]+$/, "", f); print f }
	}' "$1" | paste -sd ' ' -
}
# methods FILE: the [method] of each #~ frame.
methods() {
	sed -n 's/^#~ 0x.* \[\(regs\|dwarf\|fp\)\]$/\1/p' "$1" | paste -sd ' ' -
}

depth=3
# What the recursion must unwind to, innermost first.
recursion() {
	local s=customFunction1 i
	for ((i = 0; i < depth; i++)); do
		s="$s customFunction3 customFunction2 customFunction1"
	done
	echo "$s"
}
chain="trip $(recursion) main"

# symfs DIR: every mapped library linked in, the generator left out.
symfs() {
	local d=$1 lib
	mkdir -p "$d"
	for lib in $(ldd "$gen" | grep -o '/[^ ]*'); do
		mkdir -p "$d$(dirname "$lib")"
		ln -sf "$(readlink -f "$lib")" "$d$lib"
		# The maps name the file the loader opened, often via /usr/lib.
		mkdir -p "$d/usr$(dirname "$lib")"
		ln -sf "$(readlink -f "$lib")" "$d/usr$lib"
	done
	mkdir -p "$d$(dirname "$gen")"
}

# ---- real records, captured here ------------------------------------

rec=$tmp/self.rec
if ! "$gen" --depth $depth -o "$rec"; then
	echo "Bail out! ucli_gen_stack failed"
	exit 1
fi
"$ucli" report "$rec" >"$tmp/self.txt" 2>"$tmp/self.err"
status=$?
got=$(frames "$tmp/self.txt")
check "self capture: exit 0, no warnings" same "0 " "$status $(cat "$tmp/self.err")"
check "self capture: trip, customFunction1/3/2 x$depth, main, in order" \
	same "$chain" "$(echo "$got" | cut -d ' ' -f 1-$((3 * depth + 3)))"
tail_frames=$(echo "$got" | cut -d ' ' -f $((3 * depth + 4))-)
check "self capture: libc frames after main, _start last" \
	same "_start" "$(echo "$tail_frames" | awk '{ print $NF }')"
check "self capture: first frame from registers, all others from CFI" \
	same "regs$(printf ' dwarf%.0s' $(seq 2 "$(echo "$got" | wc -w)"))" "$(methods "$tmp/self.txt")"
check "self capture: libc frames name their file" \
	has "$tmp/self.txt" "(/usr/lib/x86_64-linux-gnu/libc.so.6) [dwarf]"

# A child asleep in sleep(): registers as the kernel sees a blocked task.
"$gen" --ptrace --depth $depth -o "$tmp/ptrace.rec" 2>"$tmp/ptrace.err"
status=$?
if [ $status -eq 77 ]; then
	skip "ptrace capture: libc sleep frames, then the recursion" "$(cat "$tmp/ptrace.err")"
	skip "ptrace capture: blocked in a sleep syscall" "no ptrace"
elif [ $status -ne 0 ]; then
	not_ok "ptrace capture: libc sleep frames, then the recursion"
	not_ok "ptrace capture: blocked in a sleep syscall"
else
	"$ucli" report "$tmp/ptrace.rec" >"$tmp/ptrace.txt" 2>&1
	got=$(frames "$tmp/ptrace.txt")
	want="sleep $(recursion) capture_child main"
	check "ptrace capture: libc sleep frames, then the recursion" \
		same "$want" "$(echo "$got" | sed 's/^.* sleep /sleep /' |
			cut -d ' ' -f 1-$((3 * depth + 4)))"
	check "ptrace capture: blocked in a sleep syscall" \
		grep -qE '^syscall: (35|230), ' "$tmp/ptrace.txt"
fi

# CFI only in .debug_frame (built -fno-asynchronous-unwind-tables).
"$gen_df" --depth $depth -o "$tmp/df.rec"
"$ucli" report "$tmp/df.rec" >"$tmp/df.txt" 2>&1
check ".debug_frame: the same chain, all from CFI" \
	same "$chain dwarf" "$(frames "$tmp/df.txt" | cut -d ' ' -f 1-$((3 * depth + 3))) $(methods "$tmp/df.txt" | cut -d ' ' -f 2)"
symfs "$tmp/nodf"
objcopy --remove-section .debug_frame "$gen_df" "$tmp/nodf$gen_df"
"$ucli" report --symfs "$tmp/nodf" "$tmp/df.rec" >"$tmp/nodf.txt" 2>&1
check ".debug_frame: without it the chain stops at the first frame" \
	has "$tmp/nodf.txt" "#~ [unwinding stopped: no unwind information for"

# A static executable has .eh_frame but no .eh_frame_hdr to search it.
"$gen_static" --depth $depth -o "$tmp/static.rec"
"$ucli" report "$tmp/static.rec" >"$tmp/static.txt" 2>&1
check "static executable, no .eh_frame_hdr: the chain to _start from .eh_frame" \
	same "$chain regs dwarf _start" "$(frames "$tmp/static.txt" | cut -d ' ' -f 1-$((3 * depth + 3))) $(methods "$tmp/static.txt" | cut -d ' ' -f 1,2) $(frames "$tmp/static.txt" | awk '{ print $NF }')"

# Stripped binary whose symbols and CFI are in a separate debug file.
symfs "$tmp/dbg"
objcopy --only-keep-debug "$gen_df" "$tmp/gen.debug"
objcopy --strip-all "$gen_df" "$tmp/dbg$gen_df"
bid=$(readelf -n "$gen_df" | sed -n 's/.*Build ID: //p')
mkdir -p "$tmp/debugdir/.build-id/${bid:0:2}"
mv "$tmp/gen.debug" "$tmp/debugdir/.build-id/${bid:0:2}/${bid:2}.debug"
"$ucli" report --symfs "$tmp/dbg" --debug-dir "$tmp/debugdir" "$tmp/df.rec" >"$tmp/dbg.txt" 2>&1
check "separate debug file by build-id: symbols and .debug_frame from it" \
	same "$chain" "$(frames "$tmp/dbg.txt" | cut -d ' ' -f 1-$((3 * depth + 3)))"

# Stripped (no .symtab), .eh_frame kept: same frames, file names only.
symfs "$tmp/strip"
strip --strip-all -o "$tmp/strip$gen" "$gen"
"$ucli" report --symfs "$tmp/strip" "$rec" >"$tmp/strip.txt" 2>"$tmp/strip.err"
base=$(basename "$gen")
check "stripped binary: same number of frames, its own shown as 0xaddr (file)" \
	same "$(frames "$tmp/self.txt" | tr ' ' '\n' |
		sed -E "s/^(trip|customFunction[123]|main|_start)$/($base)/" | paste -sd ' ' -)" \
	"$(frames "$tmp/strip.txt")"
check "stripped binary: no warning (the file is right, just stripped)" \
	same "" "$(cat "$tmp/strip.err")"

# The file is gone: the first frame still prints, with its file.
symfs "$tmp/missing"
"$ucli" report --symfs "$tmp/missing" "$rec" >"$tmp/missing.txt" 2>"$tmp/missing.err"
status=$?
check "missing file: 0xaddr (file) from the registers, exit 0" \
	same "0 ($base) regs" "$status $(frames "$tmp/missing.txt" | cut -d ' ' -f 1) $(methods "$tmp/missing.txt" | cut -d ' ' -f 1)"
check "missing file: warned once, and no name from it" \
	same "1 0" "$(grep -c "$gen: No such file or directory; its frames stay unnamed" "$tmp/missing.err") $(grep -c customFunction "$tmp/missing.txt")"

# Another binary at the path, with the same function names: refused.
symfs "$tmp/wrong"
cp "$gen_df" "$tmp/wrong$gen"
"$ucli" report --symfs "$tmp/wrong" "$rec" >"$tmp/wrong.txt" 2>"$tmp/wrong.err"
check "build-id mismatch: warned, and no name from the wrong file" \
	same "1 0" "$(grep -c "$gen: not the file that was mapped" "$tmp/wrong.err") $(grep -c customFunction "$tmp/wrong.txt")"

# A live process in its own mount namespace: its binary is only visible
# through /proc/PID/root, as in a container.
mkdir -p "$tmp/ns-a" "$tmp/ns-mnt"
cp "$gen" "$tmp/ns-a/gen"
unshare -m sh -c "mount --bind '$tmp/ns-a' '$tmp/ns-mnt' &&
	exec '$tmp/ns-mnt/gen' --linger --depth $depth -o '$tmp/ns.rec'" \
	>"$tmp/ns.out" 2>"$tmp/ns.err" &
ns_pid=$!
for _ in $(seq 50); do
	grep -q ready "$tmp/ns.out" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q ready "$tmp/ns.out"; then
	kill "$ns_pid" 2>/dev/null
	wait "$ns_pid" 2>/dev/null
	ns_pid=
	why=$(head -c 200 "$tmp/ns.err")
	skip "live process in another mount namespace: files through /proc/PID/root" "no mount namespace: ${why:-unshare failed}"
	skip "the same record once the process is gone: its file is missing" "no mount namespace"
else
	"$ucli" report "$tmp/ns.rec" >"$tmp/ns.txt" 2>&1
	check "live process in another mount namespace: files through /proc/PID/root" \
		same "$chain" "$(frames "$tmp/ns.txt" | cut -d ' ' -f 1-$((3 * depth + 3)))"
	kill "$ns_pid"
	wait "$ns_pid" 2>/dev/null
	ns_pid=
	"$ucli" report "$tmp/ns.rec" >"$tmp/ns2.txt" 2>&1
	check "the same record once the process is gone: its file is missing" \
		has "$tmp/ns2.txt" "$tmp/ns-mnt/gen: No such file or directory; its frames stay unnamed"
fi

# Kernel frames from a kallsyms file.
"$gen" --depth 1 -o "$tmp/k.rec" --wchan 0xffffffff81100010 \
	--kstack 0xffffffff811000dd,0xffffffff811002a6,0xffffffff81a00117,0xffffffff81c0007c,0xffffffffc0100010,0,0xffffffff80000000
"$ucli" report --kallsyms "$fixtures/kallsyms.txt" "$tmp/k.rec" >"$tmp/k.txt" 2>&1
check "kernel frames: kallsyms names, modules, hidden and unknown addresses" \
	same "#@ 0xffffffff811000dd hrtimer_nanosleep+0xdd ([kernel.kallsyms])
#@ 0xffffffff811002a6 __x64_sys_clock_nanosleep+0xa6 ([kernel.kallsyms])
#@ 0xffffffff81a00117 do_syscall_64+0x117 ([kernel.kallsyms])
#@ 0xffffffff81c0007c entry_SYSCALL_64_after_hwframe+0x7c ([kernel.kallsyms])
#@ 0xffffffffc0100010 varmon_poll+0x10 ([variable_monitor])
#@ 0x0 [unknown] (address hidden)
#@ 0xffffffff80000000 [unknown]" "$(grep '^#@' "$tmp/k.txt")"
UCLI_KALLSYMS=$fixtures/kallsyms.txt "$ucli" report "$tmp/k.rec" >"$tmp/k2.txt" 2>&1
check "kernel frames: UCLI_KALLSYMS selects the file; wchan is named" \
	has "$tmp/k2.txt" "wchan: 0xffffffff81100010 hrtimer_nanosleep+0x10 ([kernel.kallsyms])"

# Several dumps and a loss report.
"$gen" --depth 1 --dumps 2 --lost -o "$tmp/multi.rec"
"$ucli" report "$tmp/multi.rec" >"$tmp/multi.txt" 2>&1
check "two dumps around a lost record, in order" \
	same "=== dump 1 ===|=== lost: 2 dumps (123456 bytes) dropped because the buffer was full, from dump 2 ===|=== dump 4 ===" \
	"$(grep '^===' "$tmp/multi.txt" | paste -sd '|' -)"

# JSON Lines.
"$ucli" report --format json "$tmp/multi.rec" >"$tmp/multi.json" 2>"$tmp/multi.jerr"
check "json: valid JSON Lines, one object per dump and per loss" \
	same "3" "$("$jcheck" <"$tmp/multi.json")"
check "json: types in order, frames with symbol, file and method" \
	same "dump lost dump 2" "$(grep -o '"type":"[a-z]*"' "$tmp/multi.json" | cut -d '"' -f 4 | paste -sd ' ' -) $(grep -c '"symbol":"customFunction2","offset":[0-9]*,"file":"[^"]*ucli_gen_stack","method":"dwarf"' "$tmp/multi.json")"
"$ucli" report --format json "$rec" >"$tmp/self.json" 2>&1
check "json: unavailable fields say why" \
	has "$tmp/self.json" '"kernel_stack":{"unavailable":"not recorded"}'

# Folded stacks: outermost first, one line per task, count 1.
"$ucli" report --format folded "$rec" >"$tmp/self.folded" 2>&1
want="$(basename "$gen");$(frames "$tmp/self.txt" | tr ' ' '\n' | tac |
	sed -E 's/^\((.*)\)$/[\1]/' | paste -sd ';' -) 1"
check "folded: comm;outermost;...;innermost 1" same "$want" "$(cat "$tmp/self.folded")"
check "folded: the recursion reads caller to callee" \
	has "$tmp/self.folded" ";main;customFunction1;customFunction2;customFunction3;customFunction1;"

# Bad input: reported, skipped, the good dump still printed, status 1.
{
	printf 'garbage!garbage!'
	cat "$rec"
	head -c 100 "$rec"
} >"$tmp/bad.rec"
"$ucli" report "$tmp/bad.rec" >"$tmp/bad.txt" 2>"$tmp/bad.err"
status=$?
check "bad input: the valid dump prints in full, exit status 1" \
	same "1 $chain" "$status $(frames "$tmp/bad.txt" | cut -d ' ' -f 1-$((3 * depth + 3)))"
check "bad input: bad magic, resync and truncation each reported" \
	same "1 1 1" "$(grep -c 'record at byte 0: bad magic' "$tmp/bad.err") $(grep -c 'resynchronized after skipping 16 bytes' "$tmp/bad.err") $(grep -c 'truncated record' "$tmp/bad.err")"
"$ucli" report --format json "$tmp/bad.rec" >"$tmp/bad.json" 2>&1
check "bad input in json mode: messages are JSON lines too" \
	same "4 3" "$("$jcheck" <"$tmp/bad.json") $(grep -c '^{"warning":' "$tmp/bad.json")"
"$ucli" report - <"$rec" >"$tmp/stdin.txt" 2>&1
check "report - reads stdin" cmp -s "$tmp/self.txt" "$tmp/stdin.txt"

# ---- the committed fixture: byte-for-byte output ---------------------

froot=$tmp/fixture-root
mkdir -p "$froot/tmp/ucli-fixture"
cp "$fixtures/gen_stack" "$froot/tmp/ucli-fixture/gen_stack"
for fmt in text json folded; do
	"$ucli" report --symfs "$froot" --format $fmt "$fixtures/userstack.rec" \
		>"$tmp/fixture.$fmt" 2>/dev/null
	if cmp -s "$fixtures/userstack.$fmt" "$tmp/fixture.$fmt"; then
		ok "committed fixture prints as saved ($fmt)"
	else
		diff -u "$fixtures/userstack.$fmt" "$tmp/fixture.$fmt" | head -20 | sed 's/^/# /'
		not_ok "committed fixture prints as saved ($fmt)"
	fi
done

# A real dump from the module in a 6.1 guest: testcase/userstack -d 3,
# static, asleep in nanosleep (see fixtures/README).
vm=$fixtures/vm-6.1
mkdir -p "$tmp/vm-root/varmon/bin"
cp "$vm/userstack" "$tmp/vm-root/varmon/bin/userstack"
"$ucli" report --symfs "$tmp/vm-root" --kallsyms "$vm/kallsyms" "$vm/userstack.rec" \
	>"$tmp/vm.txt" 2>"$tmp/vm.err"
check "VM dump: libc sleep, every level of customFunction1/2/3, main, to _start" \
	same "__clock_nanosleep __nanosleep $(recursion) main __libc_start_call_main __libc_start_main _start" \
	"$(frames "$tmp/vm.txt")"
if cmp -s "$vm/userstack.text" "$tmp/vm.txt"; then
	ok "VM dump prints as saved"
else
	diff -u "$vm/userstack.text" "$tmp/vm.txt" | head -20 | sed 's/^/# /'
	not_ok "VM dump prints as saved"
fi
# wchan is derived as get_wchan() does: the first frame outside
# .sched.text (here __schedule, schedule and do_nanosleep).
{ cat "$vm/kallsyms"; echo "ffffffffb8a523c0 T __sched_text_start"
  echo "ffffffffb8a59000 T __sched_text_end"; } >"$tmp/kallsyms.sched"
"$ucli" report --symfs "$tmp/vm-root" --kallsyms "$tmp/kallsyms.sched" \
	"$vm/userstack.rec" 2>/dev/null >"$tmp/vm-w.txt"
check "VM dump: wchan from the kernel stack, past .sched.text" \
	has "$tmp/vm-w.txt" 'syscall: 230, wchan: 0xffffffffb815674e hrtimer_nanosleep+0x9e ([kernel.kallsyms]) (from the kernel stack)'
# This host's /proc/kallsyms must not name another boot's addresses.
env -u UCLI_KALLSYMS "$ucli" report --symfs "$tmp/vm-root" "$vm/userstack.rec" \
	>"$tmp/vm2.txt" 2>"$tmp/vm2.err"
check "another boot's dump: kernel frames unnamed unless --kallsyms, and said why" \
	same "8 0 1" "$(grep -c '^#@ 0xffffffff[0-9a-f]* \[unknown\]$' "$tmp/vm2.txt") $(grep -c '^#@ .*+0x' "$tmp/vm2.txt") $(grep -c 'dump 1 is not from the running boot' "$tmp/vm2.err")"
env -u UCLI_KALLSYMS "$ucli" report "$tmp/k.rec" >/dev/null 2>"$tmp/k3.err"
check "a dump of this boot uses the running kernel's /proc/kallsyms" \
	same "0" "$(grep -c 'not from the running boot' "$tmp/k3.err")"

# ---- subcommands without the module ---------------------------------

help_ok=0
for c in "" dump record report follow list stats config watch unwatch; do
	# shellcheck disable=SC2086
	if ! "$ucli" $c --help >"$tmp/help" 2>&1 || ! grep -q '^Usage: ucli' "$tmp/help"; then
		diag "'ucli $c --help' failed"
		help_ok=1
	fi
done
check "--help works for ucli and every subcommand" [ $help_ok -eq 0 ]
"$ucli" frobnicate >/dev/null 2>&1
s1=$?
"$ucli" report --format xml "$rec" >/dev/null 2>&1
s2=$?
"$ucli" report >/dev/null 2>&1
check "usage errors exit 2 (unknown command, bad format, no file)" same "2 2 2" "$s1 $s2 $?"
UCLI_DEVICE=$tmp/nodev "$ucli" >/dev/null 2>"$tmp/nodev.err"
check "no device: exit 1 and a hint" \
	same "1 1" "$? $(grep -c 'is the variable_monitor module loaded?' "$tmp/nodev.err")"

proc=$tmp/proc
mkdir -p "$proc"
printf '10000\n' >"$proc/def_interval_ns"
printf '5\n' >"$proc/dump_reset_sec"
printf '16384\n' >"$proc/user_stack_bytes"
printf '# pid name addr length cond threshold interval_ns trips\n42 temp 0x1000 4 gt 150 10000 3\n' >"$proc/watches"
printf 'timers 1\nwatches 1\n' >"$proc/stats"
export UCLI_PROC_DIR=$proc
check "config lists the tunables, sorted, without watches and stats" \
	same "def_interval_ns 10000|dump_reset_sec 5|user_stack_bytes 16384" \
	"$("$ucli" config | paste -sd '|' -)"
check "config KEY prints the value" same "5" "$("$ucli" config dump_reset_sec)"
"$ucli" config dump_reset_sec 7
check "config KEY VALUE writes a decimal line" same "7" "$(cat "$proc/dump_reset_sec")"
"$ucli" config dump_reset_sec 0x10 2>/dev/null
s1=$?
"$ucli" config stats 1 2>/dev/null
s2=$?
"$ucli" config ../etc 1 2>/dev/null
check "config refuses non-decimal values, read-only files and odd names" \
	same "2 2 2 7" "$s1 $s2 $? $(cat "$proc/dump_reset_sec")"
check "list and stats print the module's files" \
	same "$(cat "$proc/watches" "$proc/stats")" "$("$ucli" list; "$ucli" stats)"
unset UCLI_PROC_DIR

# watch --dry-run resolves symbols of a process that never heard of us.
"$target" 60 >"$tmp/target.out" &
target_pid=$!
for _ in $(seq 50); do
	[ -s "$tmp/target.out" ] && grep -q timezone "$tmp/target.out" && break
	sleep 0.1
done
addr_of() {
	printf '0x%x' "$(awk -v k="$1" '$1 == k { print $2 }' "$tmp/target.out")"
}
dry() {
	"$ucli" watch --pid "$target_pid" --dry-run "$@" 2>"$tmp/dry.err" |
		sed -n 's/.* addr \(0x[0-9a-f]*\) .*/\1/p'
}
check "watch: a global of a PIE executable resolves to its address" \
	same "$(addr_of counter)" "$(dry --symbol counter --type int --gt 100)"
check "watch: a .bss array resolves too" \
	same "$(addr_of big)" "$(dry --symbol big --type long --lt 0)"
check "watch: a shared library's variable resolves in that library" \
	same "$(addr_of timezone)" "$(dry --symbol timezone --type long --gt 3600)"
"$ucli" watch --pid "$target_pid" --dry-run --symbol no_such_thing --type int --gt 1 2>/dev/null
s1=$?
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int64 --gt 1 2>/dev/null
s2=$?
"$ucli" watch --pid "$target_pid" --dry-run --addr 0x1001 --type int --gt 1 2>/dev/null
check "watch: unknown symbol, type wider than the symbol, misaligned address: exit 1" \
	same "1 1 1" "$s1 $s2 $?"
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int8 --gt 300 2>/dev/null
s1=$?
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int 2>/dev/null
check "watch: threshold out of the type's range or no condition: exit 2" same "2 2" "$s1 $?"
drycond() {
	"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int "$@" \
		2>/dev/null | sed -n 's/.* cond \(.*\) symbol .*/\1/p'
}
check "watch: --in, --out, --any-bits, --all-bits, --changed, --stalled parse" \
	same "in threshold 3,9 trigger poll|out threshold -1,1 trigger poll|any_bits threshold 0x30 trigger poll|all_bits threshold 6 trigger poll|changed threshold 0 trigger poll|stalled threshold 100 trigger poll" \
	"$(drycond --in 3,9)|$(drycond --out -1,1)|$(drycond --any-bits 0x30)|$(drycond --all-bits 6)|$(drycond --changed)|$(drycond --stalled 100)"
check "watch: --rearm and --hw [--hw-fallback] reach the request" \
	same "gt threshold 150 rearm 120 trigger poll|ge threshold 1 trigger hw|lt threshold 0 trigger hw-or-poll" \
	"$(drycond --gt 150 --rearm 120)|$(drycond --ge 1 --hw)|$(drycond --lt 0 --hw --hw-fallback)"
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int --in 9 2>/dev/null
s1=$?
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int --gt 1 --hw-fallback 2>/dev/null
s2=$?
"$ucli" watch --pid "$target_pid" --dry-run --symbol counter --type int --gt 1 --changed 2>/dev/null
check "watch: a range without HI, --hw-fallback alone, two conditions: exit 2" \
	same "2 2 2" "$s1 $s2 $?"
kill "$target_pid" 2>/dev/null
wait "$target_pid" 2>/dev/null
target_pid=

echo "# $((n - failed)) passed, $failed failed"
[ "$n" -eq 54 ] || echo "# planned 54 tests, ran $n"
[ $failed -eq 0 ]
