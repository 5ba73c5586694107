#!/bin/bash
# Boot a Debian kernel under QEMU (TCG) with a busybox initramfs holding the
# module and test programs, run one command in it, and judge the run.
#
# The run fails if the command fails, if the guest never reports back
# (panic, hang, timeout), if the kernel tainted itself with anything but
# O/E, or if the console shows any kernel error (see scan_console).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
usage: $0 --kernel KERNEL --run 'COMMAND' [options]

  --kernel KERNEL    a release (6.1.0-56-amd64), a line (6.1, 6.12) or a
                     path to a bzImage
  --module PATH.ko   the module; it appears at /varmon/variable_monitor.ko
  --bin DIR          copy DIR's files to /varmon/bin, with the shared
                     libraries they need (repeatable)
  --file SRC:DEST    copy SRC to DEST (relative to /varmon) (repeatable)
  --run 'COMMAND'    run by 'sh -c' in /varmon, PATH starts with /varmon/bin
  --timeout SEC      hard limit for the whole boot (default 300)
  --log FILE         also write the console to FILE
  --mem MB           guest memory (default 1024)
  --append 'ARGS'    extra kernel command line
  --cpu MODEL        QEMU CPU model (default max; KASAN kernels want
                     max,la57=off)
  --scan FILE        only judge an existing console log

Exit status: the command's, or 1 when the run failed otherwise. The last
lines say why.

EXAMPLES
  $0 --kernel 6.12 --module module/variable_monitor.ko \\
     --bin build/vm/bin --run 'sh /varmon/bin/run-vm-tests.sh'
  $0 --kernel 6.1 --run 'cat /proc/cmdline'
EOF
}

die() {
	echo "vm: $*" >&2
	exit 2
}

kernel='' module='' run='' log='' append='' scan_only=''
timeout=300 mem=1024 cpu=max
bins=() files=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel | --module | --bin | --file | --run | --timeout | --log | --mem | --append | --cpu | --scan)
		[ $# -ge 2 ] || die "$1 needs an argument"
		;;
	esac
	case $1 in
	--kernel) kernel=$2 ;;
	--module) module=$2 ;;
	--bin) bins+=("$2") ;;
	--file) files+=("$2") ;;
	--run) run=$2 ;;
	--timeout) timeout=$2 ;;
	--log) log=$2 ;;
	--mem) mem=$2 ;;
	--append) append=$2 ;;
	--cpu) cpu=$2 ;;
	--scan) scan_only=$2 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
	shift 2
done

# Kernel log lines carry a "[   12.345678] " timestamp (CONFIG_PRINTK_TIME,
# and printk.time=1 below). Guest programs may print anything, so only the
# text after a timestamp is scanned; a kernel line can land in the middle of
# a program's line, hence no anchoring to the start of the line.
# Prints one line per problem found, and at most 20.
scan_console() {
	awk '
	function bad(why) {
		if (++n <= 20)
			printf "console line %d: %s: %s\n", NR, why, $0
	}
	# kmemleak reports are read from debugfs by the tests, without a
	# timestamp.
	/unreferenced object 0x/ { bad("kmemleak report"); next }
	!match($0, /\[ *[0-9]+\.[0-9]+\] /) { next }
	{
		msg = substr($0, RSTART + RLENGTH)
		# Our own boot parameters name what they guard against.
		if (msg ~ /^(Kernel c|C)ommand line: /)
			next
		if (msg ~ /(^|[^A-Za-z0-9_])BUG([^A-Za-z0-9_]|$)/)
			bad("BUG")
		else if (msg ~ /Oops|WARNING:|Call Trace|Kernel panic|general protection|RIP: [0-9a-f]+:/)
			bad("kernel error")
		# debugobjects reports are WARNINGs; "ODEBUG:" alone is its
		# boot self-test.
		else if (msg ~ /KFENCE|KASAN|UBSAN/)
			bad("sanitizer report")
		# The count line of a scan alone may be a short-lived object; the
		# report lines above and the verdict of kmemleak-scan.sh decide.
		else if (msg ~ /kmemleak/ && msg !~ /kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread|[0-9]+ new suspected memory leaks)/)
			bad("kmemleak")
		else if (msg ~ /Redzone|Poison overwritten|[Pp]adding overwritten|Freepointer corrupt|Freechain corrupt|Object already free|Invalid object pointer|Objects remaining|still has objects|Wrong object count|Bad page/)
			bad("slab or page corruption")
		else if (msg ~ /list_(add|del) corruption|refcount_t:|stack-protector|stack guard page|double fault/)
			bad("memory corruption")
		else if (msg ~ /soft lockup|hard LOCKUP|blocked for more than|hung_task|detected stall|self-detected stall|scheduling while atomic|sleeping function called from invalid context/)
			bad("lockup or stall")
		else if (msg ~ /Out of memory|oom-kill|segfault at|traps: /)
			bad("killed process")
	}
	END { if (n > 20) printf "... and %d more console problems\n", n - 20 }
	' "$1"
}

# The taint bits that mean something went wrong: everything except
# O (out-of-tree module, 4096) and E (unsigned module, 8192).
taint_problem() {
	local t=$1 bad letters='' i
	local names=PFSRMBUDAWCIOELKXTN
	bad=$((t & ~(4096 | 8192)))
	[ "$bad" -ne 0 ] || return 0
	for ((i = 0; i < ${#names}; i++)); do
		if ((bad & (1 << i))); then
			letters+=${names:i:1}
		fi
	done
	echo "kernel tainted $t (unexpected flags: $letters)"
}

# judge LOG [QEMU_STATUS]: print the verdict, return the exit status.
judge() {
	local logf=$1 qstatus=${2:-0} rc tainted problems reasons=()
	case $qstatus in
	0) ;;
	124 | 137) reasons+=("timed out after ${timeout} s (the guest hung or ran too long)") ;;
	*) reasons+=("qemu exited with status $qstatus") ;;
	esac
	rc=$(sed -n 's/.*VARMON-EXIT: \([0-9][0-9]*\).*/\1/p' "$logf" | tail -n 1)
	tainted=$(sed -n 's/.*VARMON-TAINTED: \([0-9][0-9]*\).*/\1/p' "$logf" | tail -n 1)
	if [ -z "$rc" ]; then
		reasons+=("no 'VARMON-EXIT:' line: the guest did not finish (panic, crash or hang)")
	fi
	if [ -n "$rc" ] && [ -z "$tainted" ]; then
		reasons+=("no 'VARMON-TAINTED:' line")
	fi
	if [ -n "$tainted" ]; then
		problems=$(taint_problem "$tainted")
		[ -z "$problems" ] || reasons+=("$problems")
	fi
	problems=$(scan_console "$logf")
	if [ -n "$problems" ]; then
		while IFS= read -r line; do
			reasons+=("$line")
		done <<<"$problems"
	fi

	echo "vm: ----"
	if [ -n "$rc" ] && [ "$rc" -ne 0 ]; then
		echo "vm: guest command exited with status $rc"
	fi
	if [ ${#reasons[@]} -eq 0 ]; then
		echo "vm: console clean, tainted ${tainted}, guest exit status $rc"
		return "$rc"
	fi
	for r in "${reasons[@]}"; do
		echo "vm: FAIL: $r"
	done
	if [ -n "$rc" ] && [ "$rc" -ne 0 ]; then
		return "$rc"
	fi
	return 1
}

if [ -n "$scan_only" ]; then
	[ -r "$scan_only" ] || die "cannot read $scan_only"
	judge "$scan_only"
	exit
fi

[ -n "$kernel" ] || die "--kernel is required"
[ -n "$run" ] || die "--run is required"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout: not a number of seconds: $timeout"
[[ $mem =~ ^[1-9][0-9]*$ ]] || die "--mem: not a number of MB: $mem"

# The kernel and whether it has KFENCE (6.12 has it built in but off).
if [ -f "$kernel" ]; then
	vmlinuz=$kernel
	# The bzImage header points at the version string (boot protocol
	# field kernel_version, at 0x20e, relative to 0x200).
	off=$(od -An -tu2 -j 526 -N 2 "$kernel" | tr -d ' ')
	release=$(dd if="$kernel" bs=1 skip=$((off + 512)) count=100 2>/dev/null |
		tr '\0' '\n' | sed -n '1s/ .*//p')
	release=${release:-$(basename "$kernel")}
	config=$(dirname "$kernel")/../../../.config
else
	line=$("$here/kernels.sh" "$kernel") || exit 2
	read -r release vmlinuz _ <<<"$line"
	config=/boot/config-$release
fi
[ -r "$vmlinuz" ] || die "cannot read kernel image $vmlinuz"
kfence=
if [ -r "$config" ] && grep -q '^CONFIG_KFENCE=y' "$config"; then
	kfence=kfence.sample_interval=100
fi

busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is not statically linked (apt-get install busybox-static)"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

work=$(mktemp -d "${TMPDIR:-/tmp}/varmon-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/varmon/bin"
cp "$busybox" "$root/bin/busybox"
cp "$here/guest-init" "$root/init"
chmod 755 "$root/init"
printf '%s\n' "$run" >"$root/varmon/command"

if [ -n "$module" ]; then
	[ -f "$module" ] || die "no such module: $module"
	cp "$module" "$root/varmon/variable_monitor.ko"
fi
# FUSE for the tests of unanswered page faults (test_hostile_mem): the
# kernel's fuse.ko where it is a module; guest-init loads it.
fusedir=/lib/modules/$release/kernel/fs/fuse
for f in "$fusedir"/fuse.ko "$fusedir"/fuse.ko.xz; do
	[ -e "$f" ] || continue
	mkdir -p "$root$fusedir"
	case $f in
	*.xz) xz -dc "$f" >"$root$fusedir/fuse.ko" ;;
	*) cp "$f" "$root$fusedir/fuse.ko" ;;
	esac
done
for d in "${bins[@]}"; do
	[ -d "$d" ] || die "--bin $d: not a directory"
	cp -a "$d/." "$root/varmon/bin/"
done
for f in "${files[@]}"; do
	src=${f%%:*}
	dest=${f#*:}
	if [ "$src" = "$f" ] || [ -z "$dest" ]; then
		die "--file $f: expected SRC:DEST"
	fi
	[ -e "$src" ] || die "--file $f: no such file $src"
	case $dest in /*) ;; *) dest=/varmon/$dest ;; esac
	case $dest in */) dest=$dest$(basename "$src") ;; esac
	mkdir -p "$root$(dirname "$dest")"
	cp -a "$src" "$root$dest"
done

# Dynamically linked programs need their libraries and the loader at the
# paths ldd reports. glibc loads libgcc_s at run time for
# pthread_cancel()/pthread_exit(), which ldd cannot see.
copy_lib() {
	[ -e "$root$1" ] && return
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}
libs=()
while IFS= read -r -d '' f; do
	[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || continue
	out=$(ldd "$f" 2>&1) || continue
	if grep -q 'not found' <<<"$out"; then
		die "$f needs libraries that are not installed:"$'\n'"$(grep 'not found' <<<"$out")"
	fi
	while read -r a b c _; do
		if [ "$b" = "=>" ] && [ "${c:0:1}" = / ]; then
			libs+=("$c")
		elif [ "${a:0:1}" = / ]; then
			libs+=("$a")
		fi
	done <<<"$out"
done < <(find "$root/varmon" -type f -print0)
if [ ${#libs[@]} -gt 0 ]; then
	for l in "${libs[@]}"; do
		copy_lib "$l"
	done
	for l in "${libs[@]}"; do
		case $l in */libc.so.6)
			g=$(dirname "$l")/libgcc_s.so.1
			[ ! -e "$g" ] || copy_lib "$g"
			;;
		esac
	done
fi

(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$work/initrd.gz"

cmdline="console=ttyS0 printk.time=1 loglevel=7 panic=-1 oops=panic panic_on_warn=1"
cmdline+=" softlockup_panic=1 hung_task_panic=1 slub_debug=FZPU page_poison=1"
[ -z "$kfence" ] || cmdline+=" $kfence"
[ -z "$append" ] || cmdline+=" $append"

qemu=(qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 2 -m "$mem"
	-nographic -no-reboot -nic none
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline")

logf=${log:-$work/console.log}
if [ -n "$log" ]; then
	mkdir -p "$(dirname "$log")"
fi
echo "vm: booting $release (timeout ${timeout} s)"
echo "vm: ${qemu[*]}"
start=$(date +%s)
# qemu gets no terminal, so it leaves the caller's tty alone. The BIOS
# sends terminal escapes and the serial line CR LF; keep plain lines.
set +e
timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 |
	sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$logf"
qstatus=${PIPESTATUS[0]}
set -e
end=$(date +%s)
boot=$(sed -n 's/.*VARMON-BOOT: \([0-9.]*\).*/\1/p' "$logf" | tail -n 1)
echo "vm: $release: ${boot:-?} s to init (guest clock), $((end - start)) s in all"
judge "$logf" "$qstatus"
