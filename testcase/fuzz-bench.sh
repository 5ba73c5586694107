#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz-bench.sh FUZZER [SECONDS]: run fuzz_bench briefly (20000 inputs or
# SECONDS, default 20) from seeds taken from this machine's /proc files,
# a made-up stats file and a real dump. Prints one TAP result.
set -u

bin=$1
secs=${2:-20}
top=$(cd "$(dirname "$0")/.." && pwd)

work=$(mktemp -d /tmp/bench-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
for f in /proc/interrupts /proc/slabinfo /proc/meminfo; do
	head -c 65536 "$f" > "$work/corpus/${f##*/}" 2>/dev/null
done
printf 'timers 1\nwatches 32\npinned_pages 1\nticks 12345\ntrips 0\ncallback_ns_total 999\ndumps 2\n' \
	> "$work/corpus/stats"
rec=$top/ucli/tests/fixtures/vm-6.1/userstack.rec
[ ! -f "$rec" ] || cp "$rec" "$work/corpus/records"

echo "TAP version 13"
echo "1..1"
if "$bin" -runs=20000 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	echo "ok 1 fuzz_bench: $(grep -o 'Done [0-9]* runs' "$work/log" | tail -n 1), no crash"
else
	sed 's/^/# /' "$work/log" | tail -n 40
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] || continue
		mkdir -p /tmp/bench-fuzz-artifacts
		cp "$a" /tmp/bench-fuzz-artifacts/
		echo "# input kept in /tmp/bench-fuzz-artifacts/$(basename "$a")"
	done
	echo "not ok 1 fuzz_bench"
	exit 1
fi
