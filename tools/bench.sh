#!/bin/bash
# The body of `make bench`: build the module and the bench programs, boot
# one Debian kernel in QEMU and run tools/bench-guest.sh there (one boot),
# time ucli and addr2line on the 500-task dump it sends back, then print
# the Markdown table and write build/bench/bench.json.
#
# Benchmarks, not tests: nothing here judges a time. The exit status says
# only whether every measurement ran.
#
# Usage: tools/bench.sh [--kernel 6.1|6.12|RELEASE] [--runs N]
#   BENCH_KERNEL  default for --kernel (make bench BENCH_KERNEL=6.12)
#   BENCH_RUNS    default for --runs (5; each configuration runs N times)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"

sel=${BENCH_KERNEL:-6.1}
runs=${BENCH_RUNS:-5}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)
		[ $# -ge 2 ] || { echo "bench: --kernel needs 6.1, 6.12 or a release" >&2; exit 2; }
		sel=$2
		shift 2
		;;
	--runs)
		[ $# -ge 2 ] || { echo "bench: --runs needs a number" >&2; exit 2; }
		runs=$2
		shift 2
		;;
	-h | --help)
		sed -n '2,14s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "bench: unknown argument $1 (see --help)" >&2
		exit 2
		;;
	esac
done
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "bench: --runs: 1 to 99" >&2; exit 2; }

"$here/deps.sh"
command -v addr2line >/dev/null || { echo "bench: addr2line not found (apt-get install binutils)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 not found" >&2; exit 1; }
line=$("$here/kernels.sh" "$sel")
read -r release _ kdir <<<"$line"
# Work outside the tree: other builds in the same checkout may clean
# build/ at any time. The results are copied to build/bench/ at the end.
out=$(mktemp -d "${TMPDIR:-/tmp}/varmon-bench.XXXXXX")
sampler=
cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
dest=$top/build/bench/$release

echo "bench: building the module for $release, the bench programs and ucli"
# From a copy of the sources (as DKMS gets them), so that another build
# in module/ at the same time cannot take objects from under this one.
build_log=$out/build.log
if ! { make dkms-source DKMS_SOURCE_DIR="$out/src" &&
	make -j2 -C "$kdir" M="$out/src" modules; } >"$build_log" 2>&1; then
	tail -n 30 "$build_log" >&2
	echo "bench: the module did not build" >&2
	exit 1
fi
ko=$out/variable_monitor.ko
cp "$out/src/module/variable_monitor.ko" "$ko"
vermagic=$(modinfo -F vermagic "$ko" | cut -d ' ' -f 1)
if [ "$vermagic" != "$release" ]; then
	echo "bench: $ko is built for '$vermagic', not $release" >&2
	exit 1
fi
bld=$out/build
progs=("$bld/vm/bin/bench-guest.sh" "$bld/vm/bin/ucli")
for f in testcase/bench_*.c; do
	f=${f##*/}
	progs+=("$bld/vm/bin/${f%.c}")
done
if ! make -j2 BUILD="$bld" "${progs[@]}" >>"$build_log" 2>&1; then
	tail -n 30 "$build_log" >&2
	echo "bench: the bench programs or ucli did not build" >&2
	exit 1
fi

# What the bench changes on the kernel command line, and why:
# - the TSC as clocksource: under TCG the kernel falls back to the HPET,
#   whose every read (twice per timer tick) traps into QEMU and would
#   dwarf what is measured;
# - slab debugging and page poisoning off (vm.sh turns them on for the
#   tests): they change allocation sizes and costs;
# - KFENCE off (6.12 builds it in) for the same reason.
append="clocksource=tsc tsc=reliable slub_debug=- page_poison=0 kfence.sample_interval=0"

echo "bench: booting $release under QEMU (TCG); about 5 minutes"
# Other programs on the host slow the emulated CPUs down: say how busy
# the host was, before and (sampled) during the run.
load_before=$(cut -d ' ' -f 1 /proc/loadavg)
while sleep 10; do cut -d ' ' -f 1 /proc/loadavg; done >"$out/load" &
sampler=$!
set +e
"$here/vm.sh" --kernel "$release" --module "$ko" --bin "$bld/vm/bin" \
	--append "$append" --timeout 900 --log "$out/console.log" \
	--run "sh /varmon/bin/bench-guest.sh $runs" >"$out/vm.out" 2>&1
status=$?
set -e
kill "$sampler" 2>/dev/null || true
sampler=
load_during=$(sort -n "$out/load" | sed -n '1p;$p' | paste -sd ' ')
grep '^vm: \(booting\|FAIL\|guest\|console clean\|[^ ]*: .* s to init\)' "$out/vm.out" || true
if [ ! -s "$out/console.log" ]; then
	echo "bench: vm.sh did not boot the VM:" >&2
	tail -n 5 "$out/vm.out" >&2
	exit 1
fi
mkdir -p "$dest"
cp "$out/console.log" "$dest/"
if [ "$status" -ne 0 ]; then
	echo "bench: the VM run failed (status $status); console in $dest/console.log"
	grep '# bench: FAILED' "$out/console.log" || true
fi

echo "bench: timing ucli and addr2line on the 500-task dump (host)"
ustatus=0
python3 "$here/bench-report.py" ucli --console "$out/console.log" \
	--out "$out" --ucli "$bld/ucli/ucli" --bin "$bld/vm/bin" --runs "$runs" \
	>"$out/ucli.data" || ustatus=$?

python3 "$here/bench-report.py" report --console "$out/console.log" \
	--data "$out/ucli.data" --json "$out/bench.json" --markdown "$out/bench.md" \
	--release "$release" --append "$append" \
	--host "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	--cpus "$(nproc)" --load "$load_before ${load_during:-$load_before}"
mkdir -p "$dest"
cp "$out/ucli.data" "$out/bench.md" "$out/bench.json" "$dest/"
cp "$out/bench.json" "$top/build/bench/bench.json"
echo "bench: table in $dest/bench.md, raw data in $dest/console.log and ucli.data"
echo "bench: JSON in build/bench/bench.json"
[ "$status" -eq 0 ] && [ "$ustatus" -eq 0 ]
