#!/bin/sh
# Install everything the build, the VM harness and the tests need.
# Idempotent: a second run only checks. Needs root (apt).
set -eu

stamp=/var/lib/variable_monitor-deps.v1
if [ -f "$stamp" ] && [ -z "${VARMON_DEPS_FORCE:-}" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (apt-get is needed)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# bookworm-backports carries the 6.12 kernel. Reuse the mirror the main
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

apt-get install -y -qq --no-install-recommends \
	build-essential make gcc bc bison flex libssl-dev kmod cpio \
	qemu-system-x86 busybox-static \
	libunwind-dev libelf-dev libdw-dev elfutils binutils pkg-config \
	sparse clang llvm libclang-rt-dev \
	linux-image-amd64 linux-headers-amd64 linux-source >/dev/null

# The 6.12 kernel from backports, by its versioned name so the bookworm
# meta packages keep pointing at 6.1.
img=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.+~a-z-]*-amd64$' |
	awk '{ print $1 }' | grep -v -e dbg -e unsigned -e rt -e cloud | sort -V | tail -n1)
if [ -z "$img" ]; then
	echo "deps: no 6.12 kernel found in bookworm-backports" >&2
	exit 1
fi
hdr=$(echo "$img" | sed 's/^linux-image-/linux-headers-/')
apt-get install -y -qq --no-install-recommends -t bookworm-backports "$img" "$hdr" >/dev/null

touch "$stamp"
echo "deps: installed (6.12 is $img)"
