#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz-buildid.sh FUZZER SEEDER [STATIC] [SECONDS]: run the build-id
# parser's libFuzzer target briefly (20000 inputs or SECONDS, default 20)
# from a fresh corpus: the first page of real ELF files of this host
# (/bin/ls, libc.so.6, the static binary STATIC) cut at a few lengths,
# and the crafted headers of host_buildid (SEEDER --seeds). Prints TAP.
set -u

bin=$1
seeder=$2
static=${3:-}
secs=${4:-20}
name=$(basename "$bin")

work=$(mktemp -d /tmp/buildid-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
"$seeder" --seeds "$work/corpus" || exit 1
i=0
for f in /bin/ls /lib/x86_64-linux-gnu/libc.so.6 $static; do
	[ -r "$f" ] || continue
	i=$((i + 1))
	for len in 4096 1024 700 100; do
		head -c "$len" "$f" >"$work/corpus/real$i-$len"
	done
done

echo "TAP version 13"
echo "1..1"
if "$bin" -runs=20000 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=8192 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	echo "ok 1 $name: $(grep -o 'Done [0-9]* runs' "$work/log" | tail -n 1), no crash"
else
	sed 's/^/# /' "$work/log" | tail -n 40
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] || continue
		mkdir -p /tmp/buildid-fuzz-artifacts
		cp "$a" /tmp/buildid-fuzz-artifacts/
		echo "# input kept in /tmp/buildid-fuzz-artifacts/$(basename "$a")"
	done
	echo "not ok 1 $name"
	exit 1
fi
