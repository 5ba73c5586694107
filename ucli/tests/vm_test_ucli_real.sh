#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# test_ucli_real - ucli on a real C++ program in the VM (busybox sh):
# ucli_real_cxx (-O2, dynamic against libstdc++: std::thread, lambdas, a
# template, a caught throw, a deep recursion) is watched with `ucli
# watch` and trips at once; it stays quiescent, and then eu-stack -p PID
# -i -s takes its stacks too. For every thread, the frame addresses must
# be the same as eu-stack's as far as eu-stack goes, and each name
# eu-stack gives must be ucli's (aliases such as __GI_x and x, or
# __libc_pause and pause, are one function). Prints TAP.

PATH=/varmon/bin:$PATH
T=/tmp/test_ucli_real
rm -rf "$T"
mkdir -p "$T"

n=0
failed=0
echo "TAP version 13"
echo "1..5"
ok() {
	n=$((n + 1))
	echo "ok $n $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# "TID ADDR NAME" per frame, innermost first, from ucli's text report.
ucli_frames() {
	awk '/^process: / { tid = $0; sub(/.*PID: /, "", tid); sub(/ .*/, "", tid) }
	/^#~ 0x/ {
		a = $2; sub(/^0x0*/, "", a)
		l = $0; sub(/^#~ 0x[0-9a-f]* /, "", l); sub(/ \[[a-z]*\]$/, "", l)
		sub(/ \([^()]*\)$/, "", l); sub(/ \([^ ()]*:[0-9]*\)$/, "", l)
		sub(/\+0x[0-9a-f]*$/, "", l)
		if (l ~ /^\(/ || l == "[unknown]") l = ""
		print tid, a, l
	}' "$1"
}
# The same from eu-stack's output (an unnamed frame has no name).
eu_frames() {
	awk '/^TID [0-9]*:/ { tid = $2; sub(/:/, "", tid) }
	/^#[0-9]+ +0x/ {
		a = $2; sub(/^0x0*/, "", a)
		l = $0; sub(/^#[0-9]+ +0x[0-9a-f]+ ?/, "", l)
		print tid, a, l
	}' "$1"
}
# Names of one function under its aliases compare equal, and so do
# a compiler's clones of it (" [clone .isra.0]").
norm() {
	sed 's/@.*//; s/^_*//; s/^GI_*//; s/^libc_//; s/_impl$//; s/ \[clone [^]]*\]$//'
}
# eu-stack may give a member function's bare DWARF name (_M_run) where
# ucli gives the demangled linkage name: the last component, no params.
short() {
	sed 's/([^()]*)$//; s/.*:://'
}

ucli config dump_reset_sec 3600 >/dev/null
ucli_real_cxx >"$T/cxx.out" 2>&1 &
pid=$!
wait_for grep -q ready "$T/cxx.out"
# parked (3 once every thread blocks) is over 2: it trips when watched.
ucli watch --pid "$pid" --symbol _ZN11varmon_test6parkedE --type int --gt 2 \
	>"$T/ucli.txt" 2>"$T/watch.err" &
wp=$!
wait_for grep -q '^##$' "$T/ucli.txt"
sleep 1
kill -INT "$wp" 2>/dev/null
wait "$wp"
eu-stack -p "$pid" -i -s >"$T/eu.txt" 2>"$T/eu.err"
kill "$pid"
wait "$pid" 2>/dev/null

# The dump also holds whatever else was running (ucli itself, busybox):
# only the program's threads count.
awk -v tgid="$pid" '/^process: / { keep = index($0, " / " tgid ", in its") > 0 }
	keep' "$T/ucli.txt" >"$T/prog.txt"
ucli_frames "$T/prog.txt" >"$T/u.f"
eu_frames "$T/eu.txt" >"$T/e.f"
tids=$(awk '{ print $1 }' "$T/e.f" | sort -u)
nt=$(echo $tids | wc -w)
if [ "$nt" -eq 4 ] && [ -s "$T/u.f" ]; then
	ok "both name the program's 4 threads"
else
	not_ok "both name the program's 4 threads"
	echo "# eu-stack threads: $nt"; sed 's/^/#   /' "$T/eu.err" "$T/watch.err" | head
fi

bad_addr=0
bad_name=0
for t in $tids; do
	grep "^$t " "$T/e.f" >"$T/e.$t"
	grep "^$t " "$T/u.f" >"$T/u.$t"
	i=0
	while read -r _ ea en; do
		i=$((i + 1))
		line=$(sed -n "${i}p" "$T/u.$t")
		ua=$(echo "$line" | cut -d ' ' -f 2)
		un=$(echo "$line" | cut -d ' ' -f 3-)
		if [ "$ea" != "$ua" ]; then
			echo "# TID $t frame $i: eu-stack 0x$ea, ucli 0x${ua:-none}"
			bad_addr=$((bad_addr + 1))
			break
		fi
		[ -n "$en" ] || continue
		if [ "$(echo "$en" | norm)" != "$(echo "$un" | norm)" ] &&
			{ case $en in *::* | *"("*) true;; *) false;; esac ||
			  [ "$en" != "$(echo "$un" | norm | short)" ]; }; then
			echo "# TID $t frame $i (0x$ea): eu-stack '$en', ucli '$un'"
			bad_name=$((bad_name + 1))
		fi
	done <"$T/e.$t"
done
if [ $bad_addr -eq 0 ] && [ -s "$T/e.f" ]; then
	ok "every thread: ucli's frames are eu-stack's, frame for frame"
else
	not_ok "every thread: ucli's frames are eu-stack's, frame for frame"
fi
if [ $bad_name -eq 0 ] && [ -s "$T/e.f" ]; then
	ok "every frame eu-stack names, ucli names the same (demangled)"
else
	not_ok "every frame eu-stack names, ucli names the same (demangled)"
fi
if grep -q '^#~ 0x[0-9a-f]* varmon_test::deep(int)+0x[0-9a-f]* (real_cxx.cc:[0-9]*) (/varmon/bin/ucli_real_cxx) \[dwarf\]$' "$T/ucli.txt" &&
	grep -q '^#~ 0x[0-9a-f]* std::thread::join()+0x[0-9a-f]* (/[^ ]*/libstdc++.so.6[.0-9]*) \[dwarf\]$' "$T/ucli.txt"; then
	ok "the program's frames: demangled, its path and file:line; libstdc++'s its own path"
else
	not_ok "the program's frames: demangled, its path and file:line; libstdc++'s its own path"
	grep '^#~' "$T/ucli.txt" | head -20 | sed 's/^/#   /'
fi
# libc's start_thread and __clone3 are local symbols: without its debug
# file neither tool names the threads' last frames.
if [ "$(grep -c '^process: ' "$T/prog.txt")" -eq 4 ] &&
	! grep -q 'unwinding stopped' "$T/prog.txt" &&
	[ "$(grep -c '^#~ 0x[0-9a-f]* _start+0x[0-9a-f]* (/varmon/bin/ucli_real_cxx) ' "$T/prog.txt")" -eq 1 ]; then
	ok "no chain stops short: the main thread's ends at _start"
else
	not_ok "no chain stops short: the main thread's ends at _start"
	grep '^process: \|unwinding stopped\|_start' "$T/prog.txt" | head -8 | sed 's/^/#   /'
fi
echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
