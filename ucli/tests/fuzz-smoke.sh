#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz-smoke.sh FUZZER [SECONDS]: run one of ucli's libFuzzer targets
# briefly (20000 inputs or SECONDS, default 20) from its seed corpus,
# copied so the tree is not written to. Prints one TAP result.
set -u

bin=$1
secs=${2:-20}
name=$(basename "$bin")
fix=$(cd "$(dirname "$0")" && pwd)/fixtures

case $name in
fuzz_ucli_records) seeds="$fix/userstack.rec $fix/vm-6.1/userstack.rec" ;;
fuzz_ucli_text) seeds="$fix/kallsyms.txt $fix/maps.txt $fix/perf.map" ;;
fuzz_ucli_elf) seeds="$fix/gen_stack" ;;
*)
	echo "fuzz-smoke: unknown target $name" >&2
	exit 2
	;;
esac

work=$(mktemp -d /tmp/ucli-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
i=0
for s in $seeds; do
	i=$((i + 1))
	cp "$s" "$work/corpus/seed$i"
done

echo "TAP version 13"
echo "1..1"
if "$bin" -runs=20000 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	echo "ok 1 $name: $(grep -o 'Done [0-9]* runs' "$work/log" | tail -n 1), no crash"
else
	sed 's/^/# /' "$work/log" | tail -n 40
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] || continue
		mkdir -p /tmp/ucli-fuzz-artifacts
		cp "$a" /tmp/ucli-fuzz-artifacts/
		echo "# input kept in /tmp/ucli-fuzz-artifacts/$(basename "$a")"
	done
	echo "not ok 1 $name"
	exit 1
fi
