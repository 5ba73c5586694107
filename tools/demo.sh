#!/bin/bash
# The body of `make demo`: build the module and the programs, boot a Debian
# kernel in QEMU and run tools/demo-guest.sh there (helloworld trips a
# watch; dmesg and ucli show it). Prints the demo's output; the whole
# console goes to build/demo/console.log.
#
# Usage: tools/demo.sh [--kernel 6.1|6.12]
#   VARMON_KERNEL  default for --kernel (make demo VARMON_KERNEL=6.12)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"

sel=${VARMON_KERNEL:-6.1}
case ${1:-} in
--kernel)
	[ $# -ge 2 ] || { echo "demo: --kernel needs 6.1 or 6.12" >&2; exit 2; }
	sel=$2
	;;
'') ;;
*)
	sed -n '2,8s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac

"$here/deps.sh"
line=$("$here/kernels.sh" "$sel")
read -r release _ kdir <<<"$line"
out=$top/build/demo
mkdir -p "$out"

echo "demo: building the module for $release and the programs"
ko=$out/variable_monitor.ko
rm -f "$ko"
make -j2 module KDIR="$kdir" O_MOD="$out"
# Without O_MOD support the module stays in module/.
[ -f "$ko" ] || cp module/variable_monitor.ko "$ko"
vermagic=$(modinfo -F vermagic "$ko" | cut -d ' ' -f 1)
if [ "$vermagic" != "$release" ]; then
	echo "demo: $ko is built for '$vermagic', not $release" >&2
	exit 1
fi
make -j2 vm-progs
[ -x build/vm/bin/helloworld ] || { echo "demo: make vm-progs did not build helloworld" >&2; exit 1; }

echo "demo: booting $release under QEMU (TCG, about 10 s to boot)"
set +e
"$here/vm.sh" --kernel "$release" --module "$ko" --bin build/vm/bin \
	--file "$here/demo-guest.sh:/varmon/bin/demo-guest.sh" \
	--run 'sh /varmon/bin/demo-guest.sh' --log "$out/console.log" |
	awk '
	# The demo part minus the live kernel lines (the demo prints its
	# dmesg block itself), then the verdict of vm.sh.
	/VARMON-DEMO-BEGIN/ { on = 1; next }
	/VARMON-DEMO-END/ { on = 0; next }
	on && !/^\[ *[0-9]+\.[0-9]+\] / { print; fflush() }
	/^vm: (booting|FAIL|guest|console clean|[^ ]*: .* s to init)/ { print; fflush() }
	'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
	echo "demo: FAILED; the end of the console:"
	tail -n 40 "$out/console.log"
fi
echo "demo: whole console in $out/console.log"
exit "$status"
