#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ucli --format journal on the host, under ASan and UBSan: in a private
# mount namespace, ucli_journal_listen stands in for journald on
# /run/systemd/journal/socket and prints what ucli sends for a real dump
# of the module. Prints TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
ucli=$here/ucli-san
listen=$here/ucli_journal_listen
rec=@UCLI_FIXTURES@/vm-6.1/userstack.rec
export UCLI_KALLSYMS=@UCLI_FIXTURES@/kallsyms.txt
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "TAP version 13"
echo "1..5"
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	for i in 1 2 3 4 5; do
		echo "ok $i journal sink # SKIP needs root for a private /run"
	done
	exit 0
fi
tmp=$(mktemp -d /tmp/ucli-journal.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n $desc"
	fi
}
field() {
	sed -n "s/^$1=//p" "$tmp/entry" | head -n 1
}
same() {
	[ "$2" = "$3" ] && return 0
	echo "# $1: expected '$2', got '$3'"
	return 1
}

"$ucli" report --quiet --format json "$rec" >"$tmp/json"
# Under its own /run: journald's socket path with our listener behind it.
unshare -m sh -c '
	mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal || exit 1
	"$1" /run/systemd/journal/socket 1 >"$2/entry" 2>"$2/listen.err" &
	i=0
	while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$3" report --quiet --format journal "$4" >"$2/stdout" 2>"$2/stderr"
	echo $? >"$2/status"
	wait $!
	echo $? >"$2/listen.status"
' sh "$listen" "$tmp" "$ucli" "$rec"
quiet_success() {
	[ "$(cat "$tmp/status")" = 0 ] && [ ! -s "$tmp/stdout" ] && return 0
	sed 's/^/# /' "$tmp/stderr"
	return 1
}
check "report --format journal exits 0 and prints nothing to stdout" quiet_success
one_per_dump() {
	[ "$(cat "$tmp/listen.status")" = 0 ] || { sed 's/^/# /' "$tmp/listen.err"; return 1; }
	same entries "$(wc -l <"$tmp/json")" "$(grep -c '^--$' "$tmp/entry")"
}
check "one well-formed journal entry per dump" one_per_dump
check "VARMON_JSON is exactly the --format json report" \
	same VARMON_JSON "$(head -n 1 "$tmp/json")" "$(field VARMON_JSON)"
trigger='.*"triggers":\[{"pid":\([0-9]*\),"name":"\([^"]*\)".*'
name=$(sed -n "s/$trigger/\2/p" "$tmp/json" | head -n 1)
pid=$(sed -n "s/$trigger/\1/p" "$tmp/json" | head -n 1)
fields() {
	[ -n "$name" ] && same VARMON_WATCH "$name" "$(field VARMON_WATCH)" &&
		same VARMON_PID "$pid" "$(field VARMON_PID)" &&
		same VARMON_COND gt "$(field VARMON_COND)" &&
		same SYSLOG_IDENTIFIER variable_monitor "$(field SYSLOG_IDENTIFIER)" &&
		grep -qx 'VARMON_TASKS=[1-9][0-9]*' "$tmp/entry"
}
check "VARMON_WATCH, VARMON_PID, VARMON_COND, VARMON_TASKS and the identifier match the dump" fields
message=$(field MESSAGE)
echo "# MESSAGE=$message"
summary() {
	case $message in
	"watch '$name' of pid $pid"*" tripped: value "*" > threshold "*"; "*" tasks captured"*) ;;
	*) return 1 ;;
	esac
}
check "MESSAGE names the watch, the pid, the condition and the task count" summary
[ "$failed" -eq 0 ]
