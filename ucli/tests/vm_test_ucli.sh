#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# test_ucli - ucli against the loaded module, in the VM (busybox sh).
# run-vm-tests.sh runs it with a freshly loaded module. Checks that a
# trip of testcase/userstack (static, -O2 -fomit-frame-pointer) reports
# its full call chain from the libc sleep function to _start, that
# `ucli watch --pid` works on a program that never included
# monitor_user.h, and that the other subcommands reach the module.
# Prints TAP.

PATH=/varmon/bin:$PATH
T=/tmp/test_ucli
rm -rf "$T"
mkdir -p "$T"

n=0
failed=0
echo "TAP version 13"
echo "1..17"

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
same() {
	[ "$1" = "$2" ] && return 0
	echo "# expected: $1"
	echo "# got:      $2"
	return 1
}
has() {
	grep -q -- "$2" "$1" && return 0
	echo "# $1 lacks: $2"
	sed 's/^/#   /' "$1" | head -n 40
	return 1
}

# The lines of thread PID (its process line up to the next one) of a text
# report; a dump also has the tasks that were running.
thread_block() {
	awk -v pid="$2" '/^process: / { keep = index($0, "PID: " pid " / ") > 0 }
	keep' "$1"
}
# The #~ frames of thread PID of a text report: function, (file) or ?.
frames() {
	thread_block "$1" "$2" | awk '/^#~ 0x/ {
		f = $3
		if (f ~ /^\(/) { sub(/.*\//, "(", f) }
		else if (f == "[unknown]") f = "?"
		else sub(/\+0x[0-9a-f]+$/, "", f)
		s = s (s == "" ? "" : " ") f
	} END { print s }'
}
methods() {
	thread_block "$1" "$2" | awk '/^#~ 0x/ {
		m = $NF; gsub(/[][]/, "", m); s = s (s == "" ? "" : " ") m
	} END { print s }'
}
# Run CMD... every 0.1 s until it succeeds, for up to 20 s (as TL_WAIT_MS).
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# Whether the module counted N dumps.
has_dumps() {
	d=$(ucli stats | sed -n 's/^dumps //p')
	[ "${d:-0}" -ge "$1" ]
}
wait_dumps() {
	wait_for has_dumps "$1" && return 0
	echo "# no dump $1 after 20 s: $(ucli stats | tr '\n' ' ')"
	return 1
}
# Whether PID has a watch.
has_watch() {
	ucli list | grep -q "^$1 "
}
# Whether PID sleeps in (clock_)nanosleep.
asleep() {
	read -r nr _ <"/proc/$1/syscall" || return 1
	case $nr in 35 | 230) return 0 ;; esac
	return 1
}
# Wait until PID sleeps in (clock_)nanosleep; at once false if it is gone.
wait_asleep() {
	[ -r "/proc/$1/syscall" ] && wait_for asleep "$1"
}

recursion="customFunction1 customFunction3 customFunction2 customFunction1 customFunction3 customFunction2 customFunction1 customFunction3 customFunction2 customFunction1"

# A process still over its threshold trips again after dump_reset_sec; a
# late dump would land in a later section's drain. One trip each, then.
ucli config dump_reset_sec 3600

# ---- a trip of userstack: record, then report -----------------------
# -a: the variable is set once the main thread sleeps, so the dump finds
# it asleep in nanosleep for sure (a second thread sets it).
userstack -d 3 -t 30 -a >"$T/us.out" 2>&1 &
us=$!
wait_dumps 1
ucli record -o "$T/u.rec" 2>"$T/rec.err"
rs=$?
check "ucli record drains the dump into a file" [ $rs -eq 0 -a -s "$T/u.rec" ]
ucli report "$T/u.rec" >"$T/u.txt" 2>"$T/u.err"
status=$?
thread_block "$T/u.txt" "$us" >"$T/u.main"
got=$(frames "$T/u.txt" "$us")
# From the first customFunction1 on; before it, libc's sleep functions.
chain=${got#* customFunction1 }
check "report: every level of customFunction1/2/3 in order, then main ... _start" \
	same "$recursion main __libc_start_call_main __libc_start_main _start" \
	"customFunction1 $chain"
libc=${got%% customFunction1 *}
state=$(sed -n "s/^#\* $us userstack (\(.\))$/\1/p" "$T/u.main")
check "report: asleep, the innermost frames are libc's sleep functions" \
	same "0 S yes" "$status $state $(echo "$libc" | grep -q nanosleep && echo yes)"
check "report: first frame from registers, every other from CFI" \
	same "regs$(echo "$got" | awk '{ for (i = 2; i <= NF; i++) printf " dwarf" }')" \
	"$(methods "$T/u.txt" "$us")"
check "report: kernel frames named from /proc/kallsyms" \
	has "$T/u.main" '^#@ 0xffffffff[0-9a-f]* [a-zA-Z_][a-zA-Z0-9_.]*+0x[0-9a-f]* (\[kernel.kallsyms\])'
check "report: process chain from userstack to init" \
	has "$T/u.txt" "^#\\^ $us userstack -d 3 -t 30"
ucli report --format json "$T/u.rec" >"$T/u.json" 2>&1
check "json: frames carry symbol, file and method" \
	has "$T/u.json" '"symbol":"customFunction2","offset":[0-9]*,"file":"/varmon/bin/userstack","method":"dwarf"'
ucli report --format folded "$T/u.rec" >"$T/u.folded" 2>&1
check "folded: userstack;...;main;customFunction1;customFunction2;customFunction3;..." \
	has "$T/u.folded" '^userstack;_start;.*;main;customFunction1;customFunction2;customFunction3;customFunction1;'
kill "$us"
wait "$us" 2>/dev/null

# ---- ucli with no command: drain and print --------------------------
before=$(ucli stats | sed -n 's/^dumps //p')
userstack -d 1 -t 30 >/dev/null 2>&1 &
us=$!
wait_dumps $((before + 1))
ucli >"$T/out" 2>"$T/out.err"
s1=$?
kill "$us"
wait "$us" 2>/dev/null
# No watch is left, so nothing can trip: after one more drain, empty.
ucli >/dev/null 2>&1
ucli >"$T/out2" 2>&1
check "'ucli > output' prints the dump, then finds the buffer empty" \
	same "0 yes 0 0" "$s1 $(grep -q '^#~ .* customFunction3+' "$T/out" && echo yes) $? $(wc -c <"$T/out2")"

# ---- watch --pid on a program without monitor_user.h ----------------
ucli_watch_target 60 >"$T/wt.out" 2>&1 &
tp=$!
# The dump must find it in sleep(): it trips as soon as it is watched.
wait_for test -s "$T/wt.out" && wait_asleep "$tp"
ucli watch --pid "$tp" --symbol counter --type int --gt 5 --format folded \
	>"$T/w.out" 2>"$T/w.err" &
wp=$!
wait_for test -s "$T/w.out"
ucli list >"$T/list"
check "watch: registered for the target's pid" has "$T/list" "^$tp counter "
check "watch: the dump shows the target's stack" \
	has "$T/w.out" '^ucli_watch_targ;_start;.*;main;.*sleep'
kill -INT "$wp"
wait "$wp"
s1=$?
ucli list >"$T/list2"
check "watch: SIGINT ends it with status 0 and the watch goes" \
	same "0 0" "$s1 $(grep -c "^$tp " "$T/list2")"
ucli watch --pid "$tp" --symbol counter --type int --gt 10 --hw --format folded \
	>"$T/hw.out" 2>"$T/hw.err" &
wp=$!
wait_for has_watch "$tp"
kill -USR1 "$tp"
wait_for test -s "$T/hw.out"
check "watch --hw: the writer's stack ends in the function that wrote" \
	has "$T/hw.out" '^ucli_watch_targ;.*;bump_counter [0-9]'
kill -INT "$wp"
wait "$wp"
ucli watch --pid "$tp" --symbol counter --type int --lt 0 >/dev/null 2>"$T/w2.err" &
wp=$!
wait_for has_watch "$tp"
kill "$tp"
wait "$wp"
check "watch: ends by itself when the watched process exits" \
	same "0 1" "$? $(grep -c 'the watched process exited' "$T/w2.err")"

# ---- unwatch, follow, config ----------------------------------------
userstack -d 1 -t 30 >/dev/null 2>&1 &
us=$!
wait_for has_watch "$us"
ucli unwatch --pid "$us"
s1=$?
check "unwatch removes the process's watches" \
	same "0 0" "$s1 $(ucli list | grep -c "^$us ")"
kill "$us"
wait "$us" 2>/dev/null
ucli >/dev/null 2>&1

ucli follow --format folded >"$T/f.out" 2>"$T/f.err" &
fp=$!
sleep 1
userstack -d 2 -t 30 >/dev/null 2>&1 &
us=$!
wait_for test -s "$T/f.out"
kill "$us"
wait "$us" 2>/dev/null
kill -INT "$fp"
wait "$fp"
check "follow prints each dump as it comes, SIGINT ends it with status 0" \
	same "0 yes" "$? $(grep -q '^userstack;.*;main;customFunction1;customFunction2;customFunction3;customFunction1;customFunction2;' "$T/f.out" && echo yes)"

ucli config dump_reset_sec 7
s1=$?
ucli config dump_reset_sec 4000 2>"$T/cfg.err"
s2=$?
check "config sets a tunable; the module's refusal is exit 1, value kept" \
	same "0 1 7" "$s1 $s2 $(ucli config dump_reset_sec)"
ucli config dump_reset_sec 5

echo "# test_ucli: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
