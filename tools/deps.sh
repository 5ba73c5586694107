#!/bin/sh
# Install everything the build, the VM harness and the tests need.
# Idempotent: a second run only checks its stamp. Needs root (apt).
#
#   tools/deps.sh        toolchain, QEMU, Debian 6.1 and 6.12 kernels
#   tools/deps.sh rt     also the PREEMPT_RT 6.1 and 6.12 kernels
#   tools/deps.sh system also what `make deb` and `make check-system` need
#                        (debhelper, dh-dkms, lintian, mmdebstrap)
set -eu

want_rt= want_system=
for arg in "$@"; do
	case "$arg" in
	rt) want_rt=1 ;;
	system) want_system=1 ;;
	*) echo "deps: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

stampdir=/var/lib/variable_monitor
stamp=$stampdir/deps.v3
rtstamp=$stampdir/deps-rt.v1
# ucli's demangler, debuginfod client and the real programs its tests build.
ucli_stamp=$stampdir/deps-ucli.v1
systemstamp=$stampdir/deps-system.v1
if [ -f "$stamp" ] && [ -f "$ucli_stamp" ] &&
   { [ -z "$want_rt" ] || [ -f "$rtstamp" ]; } &&
   { [ -z "$want_system" ] || [ -f "$systemstamp" ]; } &&
   [ -z "${VARMON_DEPS_FORCE:-}" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (apt-get is needed)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# bookworm-backports carries the 6.12 kernels. Reuse the mirror the main
# bookworm suite already uses so no host is hard-coded here.
bp=/etc/apt/sources.list.d/varmon-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	[ -n "$uri" ] || { echo "deps: cannot find the bookworm mirror in apt sources" >&2; exit 1; }
	cat > "$bp" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

apt-get update -qq

# The newest versioned 6.12 image of a flavour ("amd64" or "rt-amd64") in
# bookworm-backports, so the bookworm meta packages keep meaning 6.1.
newest_612() {
	apt-cache search --names-only "^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-$1\$" |
		awk '{ print $1 }' | sort -V | tail -n1
}

install_612() {
	img=$(newest_612 "$1")
	if [ -z "$img" ]; then
		echo "deps: no 6.12 $1 kernel found in bookworm-backports" >&2
		exit 1
	fi
	hdr=$(echo "$img" | sed 's/^linux-image-/linux-headers-/')
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		"$img" "$hdr" >/dev/null
	echo "deps: 6.12 $1 kernel is $img"
}

if [ ! -f "$stamp" ] || [ -n "${VARMON_DEPS_FORCE:-}" ]; then
	apt-get install -y -qq --no-install-recommends \
		build-essential make gcc bc bison flex libssl-dev kmod cpio \
		qemu-system-x86 busybox-static \
		libunwind-dev libelf-dev libdw-dev zlib1g-dev elfutils binutils \
		pkg-config sparse clang llvm libclang-rt-dev dkms libsystemd-dev \
		linux-image-amd64 linux-headers-amd64 linux-source >/dev/null
	install_612 amd64
	mkdir -p "$stampdir"
	touch "$stamp"
fi

if [ ! -f "$ucli_stamp" ] || [ -n "${VARMON_DEPS_FORCE:-}" ]; then
	apt-get install -y -qq --no-install-recommends \
		g++ libiberty-dev libdebuginfod-dev debuginfod liblzma-dev \
		libc6-dbg rustc golang-go >/dev/null
	mkdir -p "$stampdir"
	touch "$ucli_stamp"
fi

if [ -n "$want_rt" ] && { [ ! -f "$rtstamp" ] || [ -n "${VARMON_DEPS_FORCE:-}" ]; }; then
	apt-get install -y -qq --no-install-recommends \
		linux-image-rt-amd64 linux-headers-rt-amd64 >/dev/null
	install_612 rt-amd64
	touch "$rtstamp"
fi

if [ -n "$want_system" ] && { [ ! -f "$systemstamp" ] || [ -n "${VARMON_DEPS_FORCE:-}" ]; }; then
	apt-get install -y -qq --no-install-recommends \
		debhelper dh-dkms dpkg-dev fakeroot lintian mmdebstrap \
		e2fsprogs qemu-utils >/dev/null
	touch "$systemstamp"
fi
