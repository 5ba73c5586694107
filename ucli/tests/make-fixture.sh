#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Regenerate ucli/tests/fixtures/userstack.*: a record captured on this
# host by ucli_gen_stack run from /tmp/ucli-fixture (the path the record
# names), the binary it needs (debug info stripped, .symtab and .eh_frame
# kept), and what ucli prints for it in each format. test_ucli_report.sh
# compares ucli's output with these files byte for byte, with only that
# binary available (its libraries count as missing), so the output does
# not depend on the host.
#
# Run from the top of the tree after `make host-tests` built the helpers.
# Review the diff of the expected outputs before committing them.
set -eu

build=${BUILD:-build}
fix=ucli/tests/fixtures
run=/tmp/ucli-fixture
root=$(mktemp -d /tmp/ucli-fixture-root.XXXXXX)
trap 'rm -rf "$root" "$run"' EXIT

rm -rf "$run"
mkdir -p "$run" "$root$run"
strip --strip-debug -o "$run/gen_stack" "$build/tests/ucli_gen_stack"
(cd "$run" && ./gen_stack --depth 2 --chain 1 --stack-bytes 8192 \
	--wchan 0xffffffff81100010 \
	--kstack 0xffffffff811000dd,0xffffffff81a00117,0xffffffff81c0007c \
	-o userstack.rec)
cp "$run/gen_stack" "$fix/gen_stack"
cp "$run/userstack.rec" "$fix/userstack.rec"
cp "$run/gen_stack" "$root$run/gen_stack"
for fmt in text json folded; do
	UCLI_KALLSYMS=$fix/kallsyms.txt UCLI_DEBUG_DIR=$root/no-debug \
		"$build/tests/ucli-san" report --symfs "$root" --format $fmt \
		"$fix/userstack.rec" >"$fix/userstack.$fmt" 2>/dev/null || true
done
echo "fixture regenerated in $fix"
