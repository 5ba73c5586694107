#!/bin/bash
# The body of `make check-system`: the Debian packages on a booted Debian
# bookworm system. Builds the .debs (make deb), takes the cached image of
# tools/system-image.sh (building it on first use), and boots it twice
# under QEMU (TCG) with systemd as init, without a network: the first
# boot installs the packages as an administrator would, the second checks
# loading at boot, the device's group, the tunables, an app built with
# pkg-config, the collector service and the journal, journal upload to
# journal-remote, DKMS for a second kernel, and remove/purge (see
# tools/system-test/guest.sh). The console is judged as vm.sh judges it.
# Ends with "N passed, N failed".
#
# Usage: tools/check-system.sh [--cached] [--out DIR]
#   --cached   use the image only if it is already built (else exit 0
#              with a NOTE, as make check-all wants)
#   --out DIR  where the console logs go (default build/system)
#   VARMON_SYSTEM_TIMEOUT  seconds one boot may take (default 3600; boot 2
#                          builds the module and an initramfs for 6.12 under TCG)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top" || exit 1

cached='' out=$top/build/system
while [ $# -gt 0 ]; do
	case $1 in
	--cached)
		cached=--cached
		shift
		;;
	--out)
		[ $# -ge 2 ] || { echo "check-system: --out needs a directory" >&2; exit 2; }
		out=$2
		shift 2
		;;
	-h | --help)
		sed -n '2,18s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "check-system: unknown argument $1 (see --help)" >&2
		exit 2
		;;
	esac
done
timeout=${VARMON_SYSTEM_TIMEOUT:-3600}

passed=0 failed=0
harness() {
	if [ "$1" = PASS ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "check-system: FAIL $2"
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if ! image=$("$here/system-image.sh" $cached | tail -n 1) || [ ! -f "$image/rootfs.img" ]; then
	if [ -n "$cached" ]; then
		echo "check-system: NOTE: the system image is not built; 'make check-system' builds it"
		exit 0
	fi
	harness FAIL "system image built"
	finish
fi
harness PASS "system image built"
echo "check-system: image $image ($(cat "$image/.varmon-system-image"))"

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
if ! make deb >"$out/deb.log" 2>&1; then
	tail -n 30 "$out/deb.log"
	harness FAIL "make deb (lintian clean)"
	finish
fi
harness PASS "make deb (lintian clean)"
echo "check-system: make deb took $(($(date +%s) - start)) s"

# The test disk: the three packages, the guest script and the app source.
stage=$out/disk
mkdir -p "$stage/debs"
cp build/deb/variable-monitor_*.deb build/deb/variable-monitor-dkms_*.deb \
	build/deb/libvariable-monitor-dev_*.deb "$stage/debs/"
cp "$here/system-test/guest.sh" "$here/system-test/app.c" "$stage/"
mke2fs -q -t ext4 -L varmon-test -d "$stage" "$out/test.img" 256M

# The cached image stays untouched: the guest writes to an overlay.
qemu-img create -q -f qcow2 -b "$image/rootfs.img" -F raw "$out/root.qcow2"

cmdline="root=/dev/vda rw console=ttyS0 printk.time=1 loglevel=5"
cmdline+=" panic=-1 oops=panic panic_on_warn=1 systemd.show_status=0"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048
	-nographic -no-reboot -nic none
	-drive "file=$out/root.qcow2,if=virtio,format=qcow2"
	-drive "file=$out/test.img,if=virtio,format=raw"
	-kernel "$image/vmlinuz" -initrd "$image/initrd.img" -append "$cmdline")

# boot N: one boot until the guest powers off; its console in bootN.log.
boot() {
	local log=$out/boot$1.log t0 status
	echo "check-system: boot $1 (timeout ${timeout} s)"
	t0=$(date +%s)
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' |
		tee "$log" | grep --line-buffered -E '^(ok|not ok|#|1\.\.|VARMON-)'
	status=${PIPESTATUS[0]}
	echo "check-system: boot $1 took $(($(date +%s) - t0)) s (qemu status $status)"
	return "$status"
}

boot 1
if ! grep -q 'VARMON-PHASE: installed' "$out/boot1.log"; then
	harness FAIL "boot 1 finished the installation (see $out/boot1.log)"
fi
boot 2
cat "$out/boot1.log" "$out/boot2.log" >"$out/console.log"

# Every TAP result of both boots, then the console as vm.sh judges it.
read -r tp tf < <(awk '/^ok /{p++} /^not ok /{f++} END {print p + 0, f + 0}' "$out/console.log")
passed=$((passed + tp))
failed=$((failed + tf))
grep '^not ok ' "$out/console.log" | sed 's/^/check-system: FAIL /'
planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out/console.log" | awk '{s += $1} END {print s + 0}')
if [ $((tp + tf)) -lt "$planned" ]; then
	harness FAIL "every planned test reported ($((tp + tf)) of $planned)"
fi
if "$here/vm.sh" --scan "$out/console.log" | tee "$out/scan.out"; then
	harness PASS "console clean"
elif grep -q '^vm: FAIL: ' "$out/scan.out"; then
	harness FAIL "console clean ($(grep -m 1 '^vm: FAIL: ' "$out/scan.out" | sed 's/^vm: FAIL: //'))"
else
	harness PASS "console clean"
fi
echo "check-system: $(($(date +%s) - start)) s in all"
finish
