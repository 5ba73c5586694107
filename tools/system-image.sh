#!/bin/bash
# Build (once) the Debian bookworm image that `make check-system` boots:
# systemd, udev, dkms, the Debian 6.1 kernel and its headers,
# build-essential, systemd-journal-remote, and the newest 6.12 kernel of
# bookworm-backports as .debs in /opt/varmon/kernel-6.12 (installed by the
# test, to see DKMS build for a new kernel without a network). Cached
# outside the clone, keyed by the package list and this recipe.
#
# Usage: tools/system-image.sh [--cached]
#   --cached      print an already built image directory, or fail; no network
#   VARMON_CACHE  cache directory (default /var/cache/variable_monitor)
#
# The last line on stdout is the directory: rootfs.img (raw ext4, the
# whole disk, label varmon-root), vmlinuz and initrd.img of the 6.1 kernel.
# The image runs /usr/local/sbin/varmon-test-run at boot: it mounts the
# second virtio disk and runs its guest.sh (see tools/check-system.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VARMON_CACHE:-/var/cache/variable_monitor}
stamp_name=.varmon-system-image
# Bump when the steps below change what gets built.
recipe=v1

say() {
	echo "system-image: $*" >&2
}

die() {
	say "$*"
	exit 1
}

cached_only=
case ${1:-} in
--cached) cached_only=1 ;;
'') ;;
-h | --help)
	sed -n '2,16s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac

# What the image holds besides apt. The runtime libraries of ucli are
# listed so that `apt install ./*.deb` needs no network in the guest.
packages=(
	systemd systemd-sysv udev kmod dbus adduser passwd procps util-linux
	initramfs-tools linux-image-amd64 linux-headers-amd64
	dkms build-essential pkg-config
	libunwind8 libdw1 libelf1 libsystemd0 zlib1g
	systemd-journal-remote jq
)

# newest_built: the newest complete image (of any 6.12 version) for this
# package list, if any.
key_base=$(printf '%s\n' "${packages[@]}" "$recipe" | sha256sum | cut -c 1-12)
newest_built() {
	local d
	for d in $(ls -dt "$cache"/system-"$key_base"-* 2>/dev/null); do
		if [ -f "$d/$stamp_name" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

if [ -n "$cached_only" ]; then
	dir=$(newest_built) || die "no system image built (run $0 or make check-system)"
	echo "$dir"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and $cache)"
command -v mmdebstrap >/dev/null || die "mmdebstrap not found (tools/deps.sh system)"
command -v mke2fs >/dev/null || die "mke2fs not found (apt-get install e2fsprogs)"
mkdir -p "$cache"

exec 9>"$cache/system-image.lock"
if ! flock -n 9; then
	say "waiting for another image build to finish"
	flock 9
fi

# The host's own apt sources (tools/deps.sh adds bookworm-backports), so
# no mirror is named here.
sources=()
for s in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$s" ] && sources+=("$s")
done
[ ${#sources[@]} -gt 0 ] || die "no apt sources on this machine"
grep -qs bookworm-backports "${sources[@]}" ||
	die "bookworm-backports is not in apt's sources (tools/deps.sh adds it)"

k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-amd64$' |
	awk '{ print $1 }' | sort -V | tail -n 1)
[ -n "$k612" ] || die "no 6.12 kernel in bookworm-backports (apt-get update?)"
h612=${k612/linux-image-/linux-headers-}

dir=$cache/system-$key_base-${k612#linux-image-}
if [ -f "$dir/$stamp_name" ]; then
	say "reusing $dir"
	echo "$dir"
	exit 0
fi

work=$(mktemp -d "$cache/system-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

# Boot straight into the oneshot test runner: no login prompt on the
# serial line, no timers that would start apt or scrub disks mid-test.
hook=$work/customize.sh
cat >"$hook" <<'HOOK'
#!/bin/sh
set -eu
root=$1
echo varmon-system >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer \
	 apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# A persistent journal, as on a real machine.
mkdir -p "$root/var/log/journal"
cat >"$root/usr/local/sbin/varmon-test-run" <<'RUN'
#!/bin/sh
# Mount the test disk (second virtio disk) and run its guest.sh; its
# output goes to the serial console, which the host reads.
exec >/dev/ttyS0 2>&1
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
mkdir -p /mnt/varmon-test
if ! mount /dev/vdb /mnt/varmon-test; then
	echo "VARMON-EXIT: 1 (no test disk)"
	echo "VARMON-TAINTED: $(cat /proc/sys/kernel/tainted)"
	systemctl poweroff
	exit 1
fi
exec sh /mnt/varmon-test/guest.sh
RUN
chmod 0755 "$root/usr/local/sbin/varmon-test-run"
cat >"$root/etc/systemd/system/varmon-test.service" <<'UNIT'
[Unit]
Description=variable_monitor system test runner
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/varmon-test-run
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/varmon-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/varmon-test.service"
HOOK
chmod 0755 "$hook"

# The 6.12 kernel and what it needs beyond the image, as .debs; a separate
# archive directory, so that only those land there.
fetch612=$work/fetch612.sh
cat >"$fetch612" <<HOOK
#!/bin/sh
set -eu
debs=/opt/varmon/kernel-6.12
mkdir -p "\$1\$debs/partial"
chroot "\$1" apt-get install -y -q --download-only --no-install-recommends \\
	-o Dir::Cache::Archives=\$debs/ -o APT::Sandbox::User=root \\
	-t bookworm-backports $k612 $h612
rm -rf "\$1\$debs/partial" "\$1\$debs/lock"
HOOK
chmod 0755 "$fetch612"

say "building the image with mmdebstrap (log: $work/mmdebstrap.log)"
start=$(date +%s)
inc=$(IFS=,; echo "${packages[*]}")
if ! nice -n 19 mmdebstrap --variant=apt --include="$inc" \
	--customize-hook="$hook \"\$1\"" \
	--customize-hook="$fetch612 \"\$1\"" \
	bookworm "$root" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1; then
	tail -n 30 "$work/mmdebstrap.log" >&2
	die "mmdebstrap failed"
fi
ls "$root"/opt/varmon/kernel-6.12/linux-image-6.12*.deb >/dev/null 2>&1 ||
	die "the 6.12 kernel .debs are missing from the image"

vmlinuz=$(ls "$root"/boot/vmlinuz-6.1.* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-6.1.* | sort -V | tail -n 1)
[ -f "$vmlinuz" ] && [ -f "$initrd" ] || die "no 6.1 kernel in the image"

mkdir -p "$work/out"
cp "$vmlinuz" "$work/out/vmlinuz"
cp "$initrd" "$work/out/initrd.img"
say "writing rootfs.img"
mke2fs -q -t ext4 -L varmon-root -d "$root" "$work/out/rootfs.img" 8G
printf '%s\n' "${packages[@]}" "$k612" "$h612" >"$work/out/packages"
echo "built in $(($(date +%s) - start)) s on $(date -u +%F)" >"$work/out/$stamp_name"
rm -rf "$dir"
mv "$work/out" "$dir"
say "image ready in $dir ($(cat "$dir/$stamp_name"))"
echo "$dir"
