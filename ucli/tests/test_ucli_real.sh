#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ucli on real programs, on the host, under ASan and UBSan (ucli-san):
# each program runs until it is quiescent, ucli_gen_stack --attach takes
# each thread's registers and stack as the module would at a trip, and
# `ucli report` must unwind the whole chain to the thread's entry:
#  - C++ at -O2 against libstdc++ (CIEs with personality and LSDA);
#  - a thread blocked in a signal handler (through __restore_rt);
#  - a synthetic JIT (code in anonymous memory, a frame pointer);
#  - Rust from Debian's rustc, with threads;
#  - a stripped binary whose debug file a local debuginfod serves, and
#    one with MiniDebugInfo;
# names are demangled in every output format unless --no-demangle; the
# program's frames carry file:line and inlined calls are frames of their
# own unless --no-srcline; JIT code is named from the perf map.
# Prints TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
ucli=$here/ucli-san
gen=$here/ucli_gen_stack
cxx=$here/ucli_real_cxx
sig=$here/ucli_real_sig
jit=$here/ucli_real_jit
rust=$here/ucli_real_rust

tmp=$(mktemp -d /tmp/ucli-real.XXXXXX) || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# libc's local symbols (start_thread, __clone3, __restore_rt) come from
# its debug file when libc6-dbg is installed.
export UCLI_DEBUG_DIR=/usr/lib/debug
# Only the debuginfod section below asks a server.
unset DEBUGINFOD_URLS
libc_dbg=0
id=$(readelf -n "$(ldd "$cxx" | awk '/libc\.so/ { print $3 }')" 2>/dev/null |
	awk '/Build ID/ { print $3 }')
[ -n "$id" ] && [ -f "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] && libc_dbg=1

n=0
failed=0
planned=18
echo "TAP version 13"
echo "1..$planned"

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
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
same() {
	[ "$1" = "$2" ] && return 0
	echo "# expected: $1"
	echo "# got:      $2"
	return 1
}
# The function names of a text report's #~ frames (inlined ones too),
# without offsets and source lines, innermost first, each
# followed by "|" (demangled names hold spaces); ? for an unnamed frame.
frames() {
	sed -n 's/^#~ 0x[0-9a-f]* //p' "$1" | sed 's/ \[[a-z]*\]$//; s/ ([^()]*)$//;
		s/ ([^ ()]*:[0-9]*)$//; s/+0x[0-9a-f]*$//; s/^$/?/' | tr '\n' '|'
}
# start PROG: run it until it prints "ready"; sets $pid.
start() {
	"$@" >"$tmp/ready" 2>&1 &
	pid=$!
	pids="$pids $pid"
	for _ in $(seq 200); do
		grep -q ready "$tmp/ready" && return 0
		sleep 0.05
	done
	echo "# $1 never got ready"
	return 1
}
# capture TID NAME: record the thread and report it into $tmp/NAME.txt.
capture() {
	"$gen" --attach "$1" --stack-bytes 131072 -o "$tmp/$2.rec" 2>"$tmp/$2.err" ||
		return $?
	"$ucli" report "$tmp/$2.rec" >"$tmp/$2.txt" 2>"$tmp/$2.err"
}
no_stop() {
	grep -q 'unwinding stopped' "$1" || return 0
	grep '^#~' "$1" | sed 's/^/#   /'
	return 1
}

# ---- C++ --------------------------------------------------------------
if ! start "$cxx"; then
	for t in "C++: the template recursion unwinds through the lambda to the thread's start" \
		"C++: the catch handler's frame unwinds through 40 recursive frames" \
		"C++: the main thread unwinds through std::thread::join to _start" \
		"C++: --no-demangle" "C++: JSON and folded" "srcline 1" "srcline 2" \
		"srcline 3" "srcline 4"; do
		not_ok "$t"
	done
else
	tids=$(ls "/proc/$pid/task" | sort -n)
	main=$pid
	set -- $(echo "$tids" | grep -vx "$main")
	capture "$1" w1 && capture "$3" deep && capture "$main" main
	st=$?
	if [ $st -eq 77 ]; then
		for t in 1 2 3 4 5 6 7 8 9; do skip "C++ capture $t" "$(cat "$tmp/w1.err")"; done
	else
		w1=$(frames "$tmp/w1.txt")
		# -O2 may clone the member function (" [clone .isra.0]").
		run='varmon_test::Worker<long>::run\(int\)[^|]*[|]'
		check "C++: the template recursion unwinds through the lambda to the thread's start" \
			eval 'echo "$w1" | grep -qE "[|]sleep[|]($run){4}([^|]*[|])*std::thread::_State_impl<[^|]*main::\{lambda\(\)#1\}[^|]*_M_run\(\)[|]" &&
				no_stop "$tmp/w1.txt" &&
				{ [ $libc_dbg = 0 ] || echo "$w1" | grep -q "|start_thread|__clone3|$"; } ||
				{ echo "# got: $w1"; false; }'
		d=$(frames "$tmp/deep.txt")
		check "C++: the catch handler's frame unwinds through 40 recursive frames" \
			eval 'echo "$d" | grep -qE "^pause[|]varmon_test::deep\(int\)( \[clone \.cold\])?[|](varmon_test::deep\(int\)[|]){40}[^v]" &&
				no_stop "$tmp/deep.txt" || { echo "# got: $d"; false; }'
		m=$(frames "$tmp/main.txt")
		check "C++: the main thread unwinds through std::thread::join to _start" \
			eval 'case "$m" in *"|std::thread::join()|main|__libc_start_call_main|__libc_start_main|_start|") no_stop "$tmp/main.txt";;
				*) same "...|std::thread::join()|main|__libc_start_call_main|__libc_start_main|_start|" "$m";; esac'
		"$ucli" report --no-demangle "$tmp/main.rec" >"$tmp/main-raw.txt" 2>/dev/null
		check "C++: --no-demangle prints the names as the files hold them" \
			eval 'grep -q " _ZNSt6thread4joinEv+0x" "$tmp/main-raw.txt" &&
				! grep -q "std::thread::join" "$tmp/main-raw.txt"'
		src=$(grep -c "varmon_test::Worker<long>::run(int)[^(]*+0x[0-9a-f]* (real_cxx.cc:[0-9][0-9]*) ($cxx) \[dwarf\]$" "$tmp/w1.txt")
		check "srcline: the program's own frames carry file:line" \
			eval '[ "$src" -ge 3 ] || { grep "#~" "$tmp/w1.txt" | sed "s/^/#   /"; false; }'
		# The lambda std::thread runs is inlined into _M_run: its own frame.
		check "srcline: an inlined lambda is a frame of its own, marked [inline]" \
			eval 'grep -q "^#~ 0x[0-9a-f]* operator() (real_cxx.cc:[0-9]*) ($cxx) \[inline\]$" "$tmp/w1.txt" ||
				{ grep "#~" "$tmp/w1.txt" | sed "s/^/#   /"; false; }'
		"$ucli" report --no-srcline "$tmp/w1.rec" >"$tmp/w1-nosrc.txt" 2>/dev/null
		check "srcline: --no-srcline prints neither lines nor inlined frames" \
			eval '! grep -q "real_cxx.cc:\|\[inline\]" "$tmp/w1-nosrc.txt" &&
				[ "$(grep -c "^#~ 0x" "$tmp/w1-nosrc.txt")" -lt "$(grep -c "^#~ 0x" "$tmp/w1.txt")" ]'
		"$ucli" report -f json "$tmp/w1.rec" >"$tmp/w1.json" 2>/dev/null
		check "srcline: JSON frames have source_file, line and inlined" \
			eval 'grep -qE "\"symbol\":\"operator\(\)\",[^}]*\"inlined\":true,\"source_file\":\"[^\"]*/real_cxx.cc\",\"line\":[0-9]+\}" "$tmp/w1.json"'
		"$ucli" report -f json "$tmp/main.rec" >"$tmp/main.json" 2>/dev/null
		"$ucli" report -f folded "$tmp/main.rec" >"$tmp/main.folded" 2>/dev/null
		check "C++: JSON and folded output are demangled alike" \
			eval 'grep -qF "\"std::thread::join()\"" "$tmp/main.json" &&
				grep -qF ";std::thread::join();" "$tmp/main.folded"'
	fi
fi

# ---- a signal handler -------------------------------------------------
if ! start "$sig" || ! capture "$pid" sig; then
	not_ok "signal: the handler's frames, then __restore_rt"
	not_ok "signal: on through the interrupted code to _start"
else
	s=$(frames "$tmp/sig.txt")
	if [ $libc_dbg = 1 ]; then
		check "signal: the handler's frames, then __restore_rt" \
			eval 'case "$s" in *"|handler|__restore_rt|"*) true;; *) same "...|handler|__restore_rt|..." "$s";; esac'
	else
		skip "signal: the handler's frames, then __restore_rt" "no libc6-dbg: __restore_rt is a local symbol"
	fi
	check "signal: on through the interrupted code to _start" \
		eval 'case "$s" in *"|raise|interrupted|main|__libc_start_call_main|__libc_start_main|_start|") no_stop "$tmp/sig.txt";;
			*) same "...|raise|interrupted|main|__libc_start_call_main|__libc_start_main|_start|" "$s";; esac'
fi

# ---- Rust ---------------------------------------------------------------
if ! start "$rust" || ! capture "$(ls "/proc/$pid/task" | sort -n | sed -n 2p)" rust; then
	not_ok "Rust: a thread unwinds through .eh_frame to its start, names demangled"
	not_ok "Rust: its frames carry file:line"
else
	r=$(frames "$tmp/rust.txt")
	check "Rust: a thread unwinds through .eh_frame to its start, names demangled" \
		eval 'echo "$r" | grep -qE "[|]std::thread::sleep[|](real_rust::worker[|]){4}([^|]*[|])*std::sys::unix::thread::Thread::new::thread_start[|]" &&
			no_stop "$tmp/rust.txt" &&
			{ [ $libc_dbg = 0 ] || echo "$r" | grep -q "|start_thread|__clone3|$"; } ||
			{ echo "# got: $r"; false; }'
	check "Rust: its frames carry file:line" \
		grep -q "^#~ 0x[0-9a-f]* real_rust::worker+0x[0-9a-f]* (real_rust.rs:[0-9]*) ($rust) \[dwarf\]$" "$tmp/rust.txt"
	kill "$pid"
fi

# ---- JIT code named from /tmp/perf-PID.map -----------------------------
if ! start "$jit" || ! capture "$pid" jit; then
	not_ok "perf map: a JIT frame is named from /tmp/perf-PID.map, the last entry winning"
	not_ok "perf map: the frame pointer leads on from the JIT frame to _start"
else
	j=$(frames "$tmp/jit.txt")
	check "perf map: a JIT frame is named from /tmp/perf-PID.map, the last entry winning" \
		eval 'grep -q "^#~ 0x[0-9a-f]* LazyCompile:\*jitted_fn app.js:1+0x6 (/tmp/perf-$pid.map) \[dwarf\]$" "$tmp/jit.txt" ||
			{ grep "#~" "$tmp/jit.txt" | sed "s/^/#   /"; false; }'
	check "perf map: the frame pointer leads on from the JIT frame to _start" \
		eval 'case "$j" in *"|blocker|LazyCompile:*jitted_fn app.js:1|main|__libc_start_call_main|__libc_start_main|_start|") no_stop "$tmp/jit.txt";;
			*) same "...|blocker|LazyCompile:*jitted_fn app.js:1|main|...|_start|" "$j";; esac'
	kill "$pid"
fi

# ---- MiniDebugInfo: .gnu_debugdata, as Fedora builds it ----------------
m=$tmp/mini
mkdir -p "$m"
cp "$sig" "$m/sig"
nm -D "$m/sig" --format=posix --defined-only | awk '{ print $1 }' | sort >"$m/dyn"
nm "$m/sig" --format=posix --defined-only | awk '$2 ~ /^[Tt]$/ { print $1 }' |
	sort >"$m/funcs"
comm -13 "$m/dyn" "$m/funcs" >"$m/keep"
if objcopy --only-keep-debug "$m/sig" "$m/full" &&
	objcopy -S --remove-section .comment --keep-symbols="$m/keep" "$m/full" "$m/mini" &&
	strip --strip-all -R .comment "$m/sig" && xz "$m/mini" &&
	objcopy --add-section .gnu_debugdata="$m/mini.xz" "$m/sig" &&
	start "$m/sig" && capture "$pid" mini; then
	check "MiniDebugInfo: a stripped binary's local functions named from .gnu_debugdata" \
		eval 'grep -q "^#~ 0x[0-9a-f]* interrupted+0x[0-9a-f]* ($m/sig) \[dwarf\]$" "$tmp/mini.txt" ||
			{ grep "#~" "$tmp/mini.txt" | sed "s/^/#   /"; false; }'
	kill "$pid"
else
	not_ok "MiniDebugInfo: a stripped binary's local functions named from .gnu_debugdata"
fi

# ---- debuginfod: a stripped binary's debug file from a local server ----
if ! command -v debuginfod >/dev/null || ! command -v debuginfod-find >/dev/null; then
	skip "debuginfod: a stripped binary's frames are named, with lines, from the server" "no debuginfod"
	skip "debuginfod: without DEBUGINFOD_URLS they stay unnamed" "no debuginfod"
else
	d=$tmp/dbginfod
	mkdir -p "$d/srv"
	cp "$sig" "$d/sig"
	objcopy --only-keep-debug "$d/sig" "$d/srv/sig.debug"
	strip --strip-all "$d/sig"
	port=$((20000 + $$ % 20000))
	debuginfod -p "$port" -F "$d/srv" -d "$d/db.sqlite" >"$d/log" 2>&1 &
	pids="$pids $!"
	bid=$(readelf -n "$d/sig" | awk '/Build ID/ { print $3 }')
	# Until the server has scanned its directory (a fresh client cache
	# each time: a miss is cached).
	served=0
	for i in $(seq 100); do
		if DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$d/probe$i \
			debuginfod-find debuginfo "$bid" >/dev/null 2>&1; then
			served=1
			break
		fi
		sleep 0.1
	done
	if [ $served = 0 ] || ! start "$d/sig" || ! capture "$pid" dsig; then
		not_ok "debuginfod: a stripped binary's frames are named, with lines, from the server"
		not_ok "debuginfod: without DEBUGINFOD_URLS they stay unnamed"
		sed 's/^/#   /' "$d/log" | tail -5
	else
		DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$d/cache \
			"$ucli" report "$tmp/dsig.rec" >"$d/with.txt" 2>&1
		check "debuginfod: a stripped binary's frames are named, with lines, from the server" \
			eval 'grep -q "^#~ 0x[0-9a-f]* interrupted+0x[0-9a-f]* (real_sig.c:[0-9]*) ($d/sig) \[dwarf\]$" "$d/with.txt" ||
				{ grep "#~" "$d/with.txt" | sed "s/^/#   /"; false; }'
		check "debuginfod: without DEBUGINFOD_URLS they stay unnamed" \
			eval '! grep -q "interrupted\|real_sig.c" "$tmp/dsig.txt" &&
				grep -q "^#~ 0x[0-9a-f]* ($d/sig) \[dwarf\]$" "$tmp/dsig.txt"'
		kill "$pid"
	fi
fi

echo "# $((n - failed)) passed, $failed failed"
[ "$n" -eq $planned ] || echo "# planned $planned tests, ran $n"
[ $failed -eq 0 ]
