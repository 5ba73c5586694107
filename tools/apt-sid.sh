#!/bin/bash
# Run apt-get or apt-cache against Debian sid through a private
# configuration, leaving the system's sources, lists and keys untouched.
#
# Usage: tools/apt-sid.sh update
#        tools/apt-sid.sh apt-cache ARGS...
#        tools/apt-sid.sh apt-get ARGS...
#   VARMON_CACHE  where state lives (default /var/cache/variable_monitor);
#                 this script uses VARMON_CACHE/apt-sid
#
# Trust: sid's Release must verify against keys we already trust. Today
# it does with bookworm's own /usr/share/keyrings/debian-archive-keyring.gpg:
# sid is signed by the signing subkeys 6ED0E7B82643E131 (12/bookworm
# automatic key) and 78DBA3BC47EF2265 (13/trixie automatic key), which
# that keyring holds. "NO_PUBKEY" for those two ids means apt was not
# pointed at that keyring (signed-by), not that the keys are missing.
# Once sid is signed only by a key newer than bookworm's keyring, the
# update falls back to a chain: bookworm's keyring verifies the stable
# suites (trixie, trixie-updates, bookworm-backports), apt fetches their
# newest debian-archive-keyring .deb (checking its hash against the
# verified index), and that package's keyring verifies sid. Nothing is
# ever trusted without a signature.
set -euo pipefail

cache=${VARMON_CACHE:-/var/cache/variable_monitor}
base=$cache/apt-sid
system_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

die() {
	echo "apt-sid: $*" >&2
	exit 2
}

# The mirror bookworm already uses, so that no host is written down here.
mirror() {
	local uri
	uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -m 1 -E '/debian/?$' || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "cannot find the bookworm mirror in the apt sources"
	echo "${uri%/}"
}

# conf NAME: the apt options of the private configuration NAME; each one
# has its own sources, lists and package cache under $base/NAME. The
# system's apt.conf.d still applies (proxies, Check-Valid-Until).
conf() {
	local d=$base/$1
	opts=(-o "Dir::Etc::SourceList=$d/sources.list"
		-o "Dir::Etc::SourceParts=$d/sources.list.d"
		-o "Dir::Etc::Preferences=$d/preferences"
		-o "Dir::Etc::PreferencesParts=$d/preferences.d"
		-o "Dir::Etc::Trusted=$d/trusted.gpg"
		-o "Dir::Etc::TrustedParts=$d/trusted.gpg.d"
		-o "Dir::State=$d/state"
		-o "Dir::State::status=$d/state/status"
		-o "Dir::Cache=$d/cache"
		-o "APT::Architecture=amd64"
		-o "APT::Architectures::=amd64"
		-o "Acquire::Languages=none")
}

# setup NAME KEYRING SUITE...: write configuration NAME for SUITEs, all
# verified by KEYRING alone.
setup() {
	local name=$1 keyring=$2 uri s d
	shift 2
	d=$base/$name
	uri=$(mirror)
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/trusted.gpg.d" \
		"$d/state/lists/partial" "$d/cache/archives/partial"
	touch "$d/state/status"
	for s in "$@"; do
		echo "deb [signed-by=$keyring] $uri $s main"
	done >"$d/sources.list.new"
	mv "$d/sources.list.new" "$d/sources.list"
}

# update NAME: apt-get update, failing on any warning (a suite that did
# not verify is only a warning to apt).
update() {
	local out
	conf "$1"
	if ! out=$(apt-get "${opts[@]}" -q update 2>&1) ||
		grep -q -E '^(W|E): ' <<<"$out"; then
		echo "$out" >&2
		return 1
	fi
}

# newer_keyring: fetch the newest debian-archive-keyring of the stable
# suites, verified through bookworm's keyring, and print the path of its
# debian-archive-keyring.gpg.
newer_keyring() {
	local d=$base/stable deb
	setup stable "$system_keyring" trixie trixie-updates bookworm-backports
	# apt disables a suite whose Release does not verify, so one good
	# suite is enough.
	update stable || true
	rm -rf "$d/keyring" "$d/debs"
	mkdir -p "$d/debs"
	# apt-get download checks the .deb against the verified index.
	(cd "$d/debs" && apt-get "${opts[@]}" -q -o APT::Sandbox::User=root \
		download debian-archive-keyring >&2) ||
		die "cannot download debian-archive-keyring"
	deb=$(ls "$d/debs"/debian-archive-keyring_*.deb)
	dpkg -x "$deb" "$d/keyring"
	echo "apt-sid: using the keyring of $(basename "$deb")" >&2
	echo "$d/keyring/usr/share/keyrings/debian-archive-keyring.gpg"
}

sid_update() {
	setup sid "$system_keyring" sid
	if update sid; then
		return
	fi
	echo "apt-sid: sid does not verify with $system_keyring; trying a newer keyring" >&2
	keyring=$(newer_keyring) || exit 2
	setup sid "$keyring" sid
	update sid || die "sid does not verify with the newest stable keyring either"
}

[ $# -ge 1 ] || die "usage: $0 update | apt-get ARGS... | apt-cache ARGS..."
[ -f "$base/sid/sources.list" ] || [ "$1" = update ] ||
	die "run '$0 update' first"
case $1 in
update)
	sid_update
	;;
apt-get | apt-cache)
	tool=$1
	shift
	conf sid
	exec "$tool" "${opts[@]}" "$@"
	;;
*)
	die "unknown command $1"
	;;
esac
